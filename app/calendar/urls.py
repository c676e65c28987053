"""Absolute addresses for emails and calendar files, built where no request may be active."""

from urllib.parse import quote, urlsplit, urlunsplit

from flask import current_app

from app.events.models import Event
from app.i18n import _
from app.web import external_url_for


def event_page_url(event: Event) -> str:
    """The public page of an event."""
    return external_url_for("events.detail", slug=event.slug)


def feed_url() -> str:
    """The feed's https address, for clients that want it typed in."""
    return external_url_for("calendar.feed")


def webcal_url() -> str:
    """The feed as a webcal:// address, which calendar apps open as a subscription."""
    parts = urlsplit(feed_url())
    return urlunsplit(("webcal", *parts[1:]))


def google_subscribe_url() -> str:
    """Google Calendar's "add this calendar" link for the feed."""
    return "https://calendar.google.com/calendar/render?cid=" + quote(webcal_url(), safe="")


def outlook_subscribe_url(host: str = "outlook.live.com") -> str:
    """Outlook on the web's "subscribe from web" link for the feed (outlook.office.com for Microsoft 365)."""
    name = _("%(site)s events", site=current_app.config["SITE_NAME"])
    return f"https://{host}/calendar/0/addfromweb?url={quote(feed_url(), safe='')}&name={quote(name, safe='')}"
