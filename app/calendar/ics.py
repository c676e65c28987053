"""iCalendar objects: invites, updates and cancellations (iTIP), and the public downloads and feed.

Everything CALENDAR.md asks of the bytes is decided here: METHOD, stable UIDs, SEQUENCE and DTSTAMP,
ORGANIZER and ATTENDEE, times with TZID and a VTIMEZONE clients read the same way we do, the RFC 7986
CONFERENCE link, CRLF line ends, folding at 75 octets and text escaping (the last three by ``icalendar``).
"""

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app
from icalendar import Alarm, Calendar, vCalAddress, vDuration
from icalendar import Event as VEvent

from app import timezones
from app.calendar.models import CancelledSession
from app.calendar.urls import event_page_url
from app.calendar.vtimezone import vtimezone
from app.events.models import Event, EventSession
from app.events.services import calendar_title, published_events
from app.extensions import db
from app.i18n import _
from app.locales import in_language
from app.mail.services import ascii_address, sender_name
from app.registrations.models import Registration
from app.registrations.services import chosen_session_ids
from app.types import utcnow

REQUEST = "REQUEST"
CANCEL = "CANCEL"
PUBLISH = "PUBLISH"

LOCATION = "Online"  # the English word; calendars get it in the reader's language (location())
ALARM_BEFORE = timedelta(minutes=15)
FEED_REFRESH = timedelta(hours=1)

# How much of a session's agenda an invite carries; the event page has the rest.
AGENDA_EXCERPT = 300

# Control characters other than newline and tab cannot appear in iCalendar TEXT values.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_HEADER_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def uid_domain() -> str:
    """The right-hand side of every UID.

    UIDs must never change, so CALENDAR_UID_DOMAIN can pin the domain before the sender address or the
    site address ever moves; otherwise the sender's domain, else BASE_URL's host.
    """
    config = current_app.config
    pinned = config.get("CALENDAR_UID_DOMAIN")
    if pinned:
        return pinned
    sender_domain = _sender_address().rpartition("@")[2]
    return sender_domain or urlsplit(config["BASE_URL"]).hostname or "localhost"


def _sender_address() -> str:
    # MAIL_DEFAULT_SENDER may be a bare address or "Name <address>".
    return _address(parseaddr(current_app.config.get("MAIL_DEFAULT_SENDER", ""))[1])


def invite_uid(registration: Registration, session: EventSession | int) -> str:
    """The UID of one participant's entry for one session; the same in the invite, update and cancel."""
    session_id = session if isinstance(session, int) else session.id
    return f"{registration.calendar_uid}-{session_id}@{uid_domain()}"


def public_uid(session: EventSession | None = None, *, event_id: int = 0, session_id: int = 0) -> str:
    """The UID of a session in the public download and the feed, the same on every download (and for a
    removed session, named by its ids, in the cancelled entry that replaces it)."""
    if session is not None:
        event_id, session_id = session.event_id, session.id
    return f"event-{event_id}-session-{session_id}@{uid_domain()}"


def organizer_name(event: Event) -> str:
    """The name calendars show as organiser: the event's desk, via the service, as its emails' sender."""
    return sender_name(event.desk)


def location() -> str:
    """Where the sessions take place, in the language in force."""
    return _("Online")


def summary(event: Event, session: EventSession) -> str:
    """What a calendar entry is called: the event, and which session when there are several (in the
    language in force, with the event's translation where there is one)."""
    return _summary(event, Occurrence.of(session))


def agenda_excerpt(session: EventSession) -> str:
    """The start of a session's agenda as plain text (Markdown marks removed), as invites carry it."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", session.agenda or "")  # [label](url) -> label
    text = re.sub(r"(?m)^\s{0,3}(#{1,6}|[*+-]|\d+\.)\s+", "", text)  # headings and list marks
    text = re.sub(r"[*_`>]", "", text)
    text = re.sub(r"[ \t]*\n[ \t]*\n\s*", "\n", text)
    text = re.sub(r"[ \t]+", " ", text).strip()
    if len(text) > AGENDA_EXCERPT:
        text = text[: AGENDA_EXCERPT - 1].rstrip() + "…"
    return text


def session_page_url(event: Event, session: EventSession) -> str:
    """The session's agenda and speakers on the event page."""
    return f"{event_page_url(event)}#session-{session.id}"


def to_text(calendar: Calendar) -> str:
    """The calendar as text: CRLF line ends, folded at 75 octets without splitting a UTF-8 character."""
    return calendar.to_ical().decode("utf-8")


# --- iTIP: one participant, one session per message --------------------------------------------------


def request(
    registration: Registration,
    session: EventSession,
    access_url: str,
    *,
    sequence: int | None = None,
    now: datetime | None = None,
) -> str:
    """METHOD:REQUEST for one session: the invite, and the update with the same UID and a higher SEQUENCE.

    Its texts are in the participant's language."""
    with in_language(registration.language):
        return _request(registration, session, access_url, sequence=sequence, now=now)


def _request(registration: Registration, session: EventSession, access_url: str, *, sequence, now) -> str:
    event = registration.event
    calendar = _calendar(REQUEST)
    zones = _add_timezones(calendar, {event.timezone: [session.starts_at, session.ends_at]})
    vevent = _vevent(
        event,
        Occurrence.of(session),
        uid=invite_uid(registration, session),
        sequence=event.sequence if sequence is None else sequence,
        now=now,
        zones=zones,
        url=access_url,
        description=_invite_description(event, access_url, session),
        conference_url=access_url,
        alarm=True,
    )
    _add_people(vevent, event, registration)
    calendar.add_component(vevent)
    return to_text(calendar)


def cancel(
    registration: Registration,
    session: "EventSession | Occurrence",
    sequence: int,
    *,
    now: datetime | None = None,
) -> str:
    """METHOD:CANCEL for one session (an Occurrence when the session row is already deleted): the same
    UID, STATUS:CANCELLED, a SEQUENCE above the last one sent, ORGANIZER and ATTENDEE; in the participant's
    language."""
    with in_language(registration.language):
        return _cancel(registration, session, sequence, now=now)


def _cancel(registration: Registration, session: "EventSession | Occurrence", sequence: int, *, now) -> str:
    event = registration.event
    occurrence = session if isinstance(session, Occurrence) else Occurrence.of(session)
    calendar = _calendar(CANCEL)
    zones = _add_timezones(calendar, {event.timezone: [occurrence.starts_at, occurrence.ends_at]})
    vevent = _vevent(
        event,
        occurrence,
        uid=invite_uid(registration, occurrence.id),
        sequence=sequence,
        now=now,
        zones=zones,
        url=event_page_url(event),
        description=_("This calendar entry has been withdrawn.")
        + "\n\n"
        + _("Event page: %(url)s", url=event_page_url(event)),
        conference_url=None,
        alarm=False,
        cancelled=True,
    )
    _add_people(vevent, event, registration)
    calendar.add_component(vevent)
    return to_text(calendar)


# --- PUBLISH: downloads and the feed ------------------------------------------------------------------


def feed_events(now: datetime | None = None) -> list[Event]:
    """The events the feed lists: published and cancelled ones, upcoming or ended in the last
    FEED_PAST_DAYS days (ended events stay a while, so subscribers keep their recent history)."""
    now = now or utcnow()
    since = now - timedelta(days=current_app.config.get("FEED_PAST_DAYS", 365))
    upcoming, past = published_events(now)
    return upcoming + [event for event in past if event.ends_at and event.ends_at >= since]


def event_file(event: Event, *, now: datetime | None = None) -> str:
    """The public .ics of one event: METHOD:PUBLISH, every session, no attendees."""
    calendar = _calendar(PUBLISH)
    calendar.add("x-wr-calname", _clean(event.local_title))
    _add_public_events(calendar, [event], now=now, alarm=True)
    return to_text(calendar)


def feed(events: Iterable[Event], *, now: datetime | None = None) -> str:
    """The subscribable feed of published (and cancelled, marked) events; clients refresh it hourly.

    No VALARM here: a subscription that rings for every event of the catalogue would be a nuisance, and
    subscribers set their own alerts.
    """
    site = _param(current_app.config["SITE_NAME"])
    calendar = _calendar(PUBLISH)
    calendar.add("name", _("%(site)s events", site=site))
    calendar.add("x-wr-calname", _("%(site)s events", site=site))
    calendar.add("x-wr-caldesc", _("Online events published on %(site)s", site=site))
    calendar.add("refresh-interval", FEED_REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(FEED_REFRESH))
    _add_public_events(calendar, list(events), now=now, alarm=False)
    return to_text(calendar)


def personal_file(registration: Registration, access_url: str, *, now: datetime | None = None) -> str:
    """A participant's own download: the invites' UIDs (so it merges with an invite already accepted)
    and their access link, as METHOD:PUBLISH without attendees; in the participant's language."""
    with in_language(registration.language):
        return _personal_file(registration, access_url, now=now)


def _personal_file(registration: Registration, access_url: str, *, now: datetime | None) -> str:
    event = registration.event
    calendar = _calendar(PUBLISH)
    calendar.add("x-wr-calname", _clean(event.local_title))
    zones = _add_timezones(calendar, {event.timezone: _instants(event.sessions)})
    chosen = chosen_session_ids(registration)
    for session in (s for s in event.sessions if s.id in chosen):
        vevent = _vevent(
            event,
            Occurrence.of(session),
            uid=invite_uid(registration, session),
            sequence=event.sequence + registration.calendar_offset,
            now=now,
            zones=zones,
            url=access_url,
            description=_invite_description(event, access_url, session),
            conference_url=access_url,
            alarm=True,
            cancelled=event.is_cancelled,
        )
        vevent.add("organizer", _organizer(event))
        calendar.add_component(vevent)
    return to_text(calendar)


# --- building blocks -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Occurrence:
    """What a calendar entry needs of a session; also stands for a session already deleted."""

    id: int
    title: str
    starts_at: datetime
    ends_at: datetime

    @classmethod
    def of(cls, session: EventSession) -> "Occurrence":
        return cls(session.id, session.local_title, session.starts_at, session.ends_at)


def _calendar(method: str) -> Calendar:
    calendar = Calendar()
    site = _param(current_app.config["SITE_NAME"])
    calendar.add("prodid", f"-//{site}//{site} calendar//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    return calendar


def _instants(sessions: Iterable[EventSession]) -> list[datetime]:
    return [instant for s in sessions for instant in (s.starts_at, s.ends_at)]


def _add_timezones(calendar: Calendar, instants_by_zone: dict[str, list[datetime]]) -> set[str]:
    """Add a VTIMEZONE per zone and return the zones written; the others' times go out in UTC."""
    written = set()
    for zone_name, instants in instants_by_zone.items():
        component = vtimezone(zone_name, instants)
        if component is not None:
            calendar.add_component(component)
            written.add(zone_name)
    return written


def cancelled_sessions(event: Event, now: datetime | None = None) -> list[CancelledSession]:
    """Sessions removed from ``event`` that the public file and the feed still list as cancelled: for as
    long as ended events stay in the feed (FEED_PAST_DAYS after the session would have ended)."""
    now = now or utcnow()
    since = now - timedelta(days=current_app.config.get("FEED_PAST_DAYS", 365))
    live = {s.id for s in event.sessions}
    rows = db.session.scalars(
        sa.select(CancelledSession)
        .where(CancelledSession.event_id == event.id, CancelledSession.ends_at >= since)
        .order_by(CancelledSession.starts_at, CancelledSession.id)
    )
    return [row for row in rows if row.session_id not in live]


def _add_public_events(calendar: Calendar, events: list[Event], *, now: datetime | None, alarm: bool) -> None:
    removed = {event.id: cancelled_sessions(event, now) for event in events}
    instants_by_zone: dict[str, list[datetime]] = defaultdict(list)
    for event in events:
        instants_by_zone[event.timezone] += _instants(event.sessions)
        instants_by_zone[event.timezone] += [i for row in removed[event.id] for i in (row.starts_at, row.ends_at)]
    zones = _add_timezones(calendar, instants_by_zone)
    for event in events:
        page = event_page_url(event)
        about = event.local_summary or ""
        if event.is_cancelled:
            about = _("This event has been cancelled.") + (f"\n\n{about}" if about else "")
        entries = [
            (Occurrence.of(session), public_uid(session), event.sequence, event.is_cancelled, session)
            for session in event.sessions
        ]
        entries += [
            (
                Occurrence(row.session_id, row.title, row.starts_at, row.ends_at),
                public_uid(event_id=event.id, session_id=row.session_id),
                max(row.sequence, event.sequence),
                True,
                None,
            )
            for row in removed[event.id]
        ]
        for occurrence, uid, sequence, cancelled, session in entries:
            vevent = _vevent(
                event,
                occurrence,
                uid=uid,
                sequence=sequence,
                now=now,
                zones=zones,
                url=page,
                description="\n\n".join(
                    part
                    for part in (
                        about,
                        "\n".join(_agenda_lines(event, session)[1:]) if session is not None else "",
                        _("Details and registration: %(url)s", url=page),
                    )
                    if part
                ),
                conference_url=None,
                alarm=alarm,
                cancelled=cancelled,
            )
            # RFC 5546 requires exactly one ORGANIZER in every VEVENT of a PUBLISH (libical refuses it otherwise).
            vevent.add("organizer", _organizer(event))
            calendar.add_component(vevent)


def _invite_description(event: Event, access_url: str, session: EventSession | None = None) -> str:
    lines = [_("Join online with your personal access link: %(url)s", url=access_url)]
    if event.local_summary:
        lines += ["", event.local_summary]
    lines += _agenda_lines(event, session)
    lines += [
        "",
        _("Event page: %(url)s", url=event_page_url(event)),
        _("The access link is personal: please do not share it."),
    ]
    return "\n".join(lines)


def _agenda_lines(event: Event, session: EventSession | None) -> list[str]:
    excerpt = agenda_excerpt(session) if session is not None else ""
    if not excerpt:
        return []
    return [
        "",
        _("Agenda: %(agenda)s", agenda=excerpt),
        _("Agenda and speakers: %(url)s", url=session_page_url(event, session)),
    ]


def _summary(event: Event, occurrence: Occurrence) -> str:
    number = next((i for i, s in enumerate(event.sessions, 1) if s.id == occurrence.id), None)
    return calendar_title(event.local_title, occurrence.title, number, len(event.sessions))


def _vevent(
    event: Event,
    occurrence: Occurrence,
    *,
    uid: str,
    sequence: int,
    now: datetime | None,
    zones: set[str],
    url: str,
    description: str,
    conference_url: str | None,
    alarm: bool,
    cancelled: bool = False,
) -> VEvent:
    vevent = VEvent()
    title = _summary(event, occurrence)
    vevent.add("uid", uid)
    vevent.add("dtstamp", (now or utcnow()).astimezone(UTC))
    vevent.add("sequence", sequence)
    if event.timezone in zones:
        vevent.add("dtstart", timezones.utc_to_local(occurrence.starts_at, event.timezone))
        vevent.add("dtend", timezones.utc_to_local(occurrence.ends_at, event.timezone))
    else:
        vevent.add("dtstart", occurrence.starts_at.astimezone(UTC))
        vevent.add("dtend", occurrence.ends_at.astimezone(UTC))
    vevent.add("summary", _clean(_("Cancelled: %(title)s", title=title) if cancelled else title))
    vevent.add("location", location())
    vevent.add("url", url, parameters={"VALUE": "URI"})
    vevent.add("description", _clean(description))
    vevent.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    vevent.add("transp", "OPAQUE")
    if conference_url:
        vevent.add(
            "conference",
            conference_url,
            parameters={"VALUE": "URI", "FEATURE": ["AUDIO", "VIDEO"], "LABEL": _param(_("Join"))},
        )
    if alarm and not cancelled:
        reminder = Alarm()
        reminder.add("action", "DISPLAY")
        reminder.add("description", _clean(title))
        reminder.add("trigger", -ALARM_BEFORE)
        vevent.add_component(reminder)
    return vevent


def _organizer(event: Event) -> vCalAddress:
    organizer = vCalAddress(f"mailto:{_sender_address()}")
    organizer.params["CN"] = _param(organizer_name(event))
    return organizer


def _add_people(vevent: VEvent, event: Event, registration: Registration) -> None:
    vevent.add("organizer", _organizer(event))
    attendee = vCalAddress(f"mailto:{ascii_address(_address(registration.email))}")
    attendee.params["CN"] = _param(registration.name)
    attendee.params["ROLE"] = "REQ-PARTICIPANT"
    attendee.params["PARTSTAT"] = "NEEDS-ACTION"
    attendee.params["RSVP"] = "TRUE"
    vevent.add("attendee", attendee)


def _clean(text: str | None) -> str:
    """TEXT without control characters; icalendar escapes backslash, semicolon, comma and newline."""
    return _CONTROL.sub(" ", (text or "").replace("\r\n", "\n").replace("\r", "\n"))


def _address(email: str) -> str:
    return _HEADER_CONTROL.sub("", email or "").strip()


def _param(value: str) -> str:
    # Parameter values cannot hold control characters or double quotes (RFC 6868's ^' escape for them is
    # shown literally by many clients); icalendar quotes the rest as needed.
    return _HEADER_CONTROL.sub(" ", value or "").replace('"', "'").strip()
