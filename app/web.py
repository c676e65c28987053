"""Request helpers and template filters shared by the views."""

from datetime import datetime
from urllib.parse import unquote, urlsplit

import markdown as md
import nh3
from babel.lists import format_list as babel_format_list
from babel.numbers import format_decimal
from flask import current_app, flash, request
from markupsafe import Markup, escape

from app import countries, locales, timezones
from app.errors import DomainError

READER_ZONE_COOKIE = "tz"

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "b",
    "i",
    "ul",
    "ol",
    "li",
    "a",
    "h2",
    "h3",
    "h4",
    "blockquote",
    "code",
    "pre",
    "hr",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}


def show_errors(form, error: DomainError) -> None:
    """Show a domain error next to the form fields it names; the rest of it as a flash message."""
    shown = False
    for name, message in error.fields.items():
        target = getattr(form, name, None) if form is not None else None
        if target is not None and hasattr(target, "errors"):
            target.errors = [*target.errors, message]
            shown = True
    if not shown:
        flash(error.message, "error")


def reader_zone(default: str | None = None) -> str | None:
    """The zone the reader reads times in: ?tz=, else the cookie the selector sets, else ``default``."""
    # The browser's script writes the cookie URL-encoded ("Asia%2FTbilisi").
    cookie = unquote(request.cookies.get(READER_ZONE_COOKIE) or "")
    for candidate in (request.args.get("tz"), cookie):
        if candidate and timezones.is_zone(candidate):
            return timezones.canonical(candidate)
    return default


MAX_ID = 2**31 - 1


def parse_id(value) -> int | None:
    """A database id from a form or query string: ASCII digits within the column's range, else None."""
    text = str(value or "")
    if not (text.isascii() and text.isdigit()) or len(text) > 10:
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


def page_number(value) -> int:
    """A page number from the query string, kept within a sane range."""
    number = parse_id(value)
    return min(number, 100_000) if number else 1


def safe_next(target: str | None, fallback: str) -> str:
    """A same-site path to go back to, never an open redirect (nor a header with a line break)."""
    if not target or any(ord(char) < 0x20 or ord(char) == 0x7F for char in target):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    return target


def external_url(path: str) -> str:
    """An absolute URL on BASE_URL, for emails and calendar files."""
    return current_app.config["BASE_URL"] + path


def app_path(endpoint: str, **values) -> str:
    """The path of an endpoint, also outside a request (the mail worker, CLI commands)."""
    return current_app.url_map.bind("localhost").build(endpoint, values)


def external_url_for(endpoint: str, **values) -> str:
    """The absolute URL of an endpoint on BASE_URL, with or without a request."""
    return external_url(app_path(endpoint, **values))


def render_markdown(text: str | None) -> Markup:
    html = md.markdown(text or "", extensions=["extra", "sane_lists"])
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(clean)  # noqa: S704 - sanitised by nh3 just above


def country_name(code: str | None) -> str:
    """A country's name in the reader's language."""
    return countries.country_name(code)


def language_name(code: str | None) -> str:
    """A language's name (an event's) in the reader's language."""
    return locales.language_name(code)


def format_number(value) -> str:
    """A count written the reader's way ("1 234", "1.234")."""
    return format_decimal(value, locale=locales.babel_locale()) if value is not None else ""


def format_list(items) -> str:
    """ "A, B and C" the reader's way ("A, B und C"); items that are markup stay markup."""
    items = list(items)
    markup = any(isinstance(item, Markup) for item in items)
    parts = [str(escape(item)) if markup else str(item) for item in items]
    text = babel_format_list(parts, locale=locales.babel_locale()) if parts else ""
    return Markup(text) if markup else text  # noqa: S704 - every part escaped just above


def format_instant(value: datetime | None, zone_name: str) -> str:
    return timezones.format_instant(value, zone_name) if value else ""


def template_context() -> dict:
    return {
        "site_name": current_app.config["SITE_NAME"],
        "dev_mailbox": current_app.config.get("DEV_MAILBOX", False),
        "zone_names": timezones.ZONE_NAMES,
        "session_times": timezones.session_times,
        "zone_city": timezones.city,
        "html_lang": locales.html_lang,
        "text_direction": locales.text_direction,
        "language_choices": locales.language_choices,
        "current_language": locales.current_language,
    }


TEMPLATE_FILTERS = {
    "markdown": render_markdown,
    "country_name": country_name,
    "language_name": language_name,
    "instant": format_instant,
    "number": format_number,
    "format_list": format_list,
    "fromiso": datetime.fromisoformat,
}
