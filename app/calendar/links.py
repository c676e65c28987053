"""Add-to-calendar links for Google Calendar, Outlook.com and Microsoft 365, one per session.

Both services take UTC times (Google: 20201007T110000Z/20201007T133000Z, Outlook: 2020-10-07T11:00:00Z), so
no zone can be misread; Google is also given the event's zone (ctz) to show the entry in it.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, urlencode

from app.calendar import ics
from app.calendar.urls import event_page_url
from app.events.models import Event, EventSession
from app.i18n import _

GOOGLE = "https://calendar.google.com/calendar/render"
OUTLOOK_LIVE = "outlook.live.com"
OUTLOOK_OFFICE = "outlook.office.com"
# Long descriptions make links that some browsers and proxies refuse; the page link carries the rest.
DETAILS_LIMIT = 600


@dataclass(frozen=True)
class SessionLinks:
    session: EventSession
    title: str
    google: str
    outlook: str
    office365: str


def _google_time(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _outlook_time(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _details(event: Event, access_url: str | None) -> str:
    about = (event.local_summary or "").strip()
    if len(about) > DETAILS_LIMIT:
        about = about[: DETAILS_LIMIT - 1].rstrip() + "…"
    lines = [about] if about else []
    if access_url:
        lines.append(_("Your personal access link: %(url)s", url=access_url))
    lines.append(_("Event page: %(url)s", url=event_page_url(event)))
    return "\n\n".join(lines)


def google_link(event: Event, session: EventSession, access_url: str | None = None) -> str:
    """A Google Calendar "create event" link for one session."""
    params = {
        "action": "TEMPLATE",
        "text": ics.summary(event, session),
        "dates": f"{_google_time(session.starts_at)}/{_google_time(session.ends_at)}",
        "details": _details(event, access_url),
        "location": ics.location(),
        "ctz": event.timezone,
    }
    # %20 rather than "+" for spaces, and "/" kept in the dates and the zone name, as Google writes them.
    return f"{GOOGLE}?{urlencode(params, quote_via=quote, safe='/')}"


def outlook_link(event: Event, session: EventSession, access_url: str | None = None, host: str = OUTLOOK_LIVE) -> str:
    """An Outlook.com (or, with host outlook.office.com, Microsoft 365) "new event" link for one session."""
    params = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": ics.summary(event, session),
        "startdt": _outlook_time(session.starts_at),
        "enddt": _outlook_time(session.ends_at),
        "body": _details(event, access_url),
        "location": ics.location(),
    }
    # Outlook shows a "+" literally, so spaces are written as %20.
    return f"https://{host}/calendar/0/deeplink/compose?{urlencode(params, quote_via=quote, safe='/:')}"


def session_links(event: Event, access_url: str | None = None) -> list[SessionLinks]:
    """Google, Outlook.com and Microsoft 365 links for every session of an event."""
    return [
        SessionLinks(
            session=session,
            title=ics.summary(event, session),
            google=google_link(event, session, access_url),
            outlook=outlook_link(event, session, access_url, OUTLOOK_LIVE),
            office365=outlook_link(event, session, access_url, OUTLOOK_OFFICE),
        )
        for session in event.sessions
    ]
