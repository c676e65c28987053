"""Development mailbox: read what `flask mail sink` received. Registered only when DEV_MAILBOX is true."""

import mimetypes
import re
from dataclasses import dataclass
from email.message import EmailMessage

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from markupsafe import Markup, escape

from app.i18n import _l, ngettext
from app.mail import sink

bp = Blueprint("mailbox", __name__, url_prefix="/dev/mailbox")

# The HTML part is someone else's markup: no script, no requests, no forms, framed only by our own page.
# Inline styles stay allowed because email HTML is styled that way.
HTML_PART_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'self'; sandbox allow-popups allow-popups-to-escape-sandbox"
)
DOWNLOAD_POLICY = "default-src 'none'; sandbox"

_URL = re.compile(r"https?://[^\s<>\"']+")
_TRAILING = ".,;:!?)]}'\""


@dataclass(frozen=True)
class Part:
    index: int
    content_type: str
    filename: str
    size: int


LOOPBACK = frozenset({"127.0.0.1", "::1"})
# A request that passed through a proxy is not from this machine, even when the proxy runs on it.
FORWARDING_HEADERS = ("Forwarded", "X-Forwarded-For", "X-Real-IP", "X-Forwarded-Host", "X-Forwarded-Proto")


def from_this_machine() -> bool:
    """Whether the request comes straight from this machine: the peer's own address (as it was before ProxyFix
    applied any forwarded header) is a loopback address, and no proxy forwarded it."""
    environ = request.environ
    peer = environ.get("werkzeug.proxy_fix.orig", {}).get("REMOTE_ADDR", environ.get("REMOTE_ADDR"))
    return peer in LOOPBACK and not any(name in request.headers for name in FORWARDING_HEADERS)


@bp.before_request
def only_from_this_machine():
    """The mailbox shows every link the app sent: reachable from this machine only, even in development."""
    if not from_this_machine():
        abort(404)


@bp.after_request
def no_store(response: Response) -> Response:
    # Messages carry personal links (access and confirmation tokens): keep them out of caches and referrers.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


# Header names shown in the interface's words; any other header shows as the message names it.
HEADER_LABELS = {
    "subject": _l("Subject"),
    "from": _l("From"),
    "to": _l("To"),
    "reply-to": _l("Reply-To"),
    "date": _l("Date"),
    "message-id": _l("Message-ID"),
}


@bp.get("/")
def index():
    messages, total = sink.list_messages(_directory())
    return render_template("mail/mailbox_index.html", messages=messages, total=total)


@bp.get("/<key>")
def message(key: str):
    parsed = _load(key)
    text_part = _body(parsed, "plain")
    html_part = _body(parsed, "html")
    parts = [p for p in _leaf_parts(parsed) if p[1] is not text_part and p[1] is not html_part]
    return render_template(
        "mail/mailbox_message.html",
        key=key,
        received_at=sink.received_at(key),
        headers=[(HEADER_LABELS.get(name.lower(), name), str(value)) for name, value in parsed.items()],
        subject=str(parsed.get("Subject", "")),
        text=linkify(_text(text_part)) if text_part is not None else None,
        has_html=html_part is not None,
        attachments=[_describe(index, part) for index, part in parts],
    )


@bp.get("/<key>/html")
def html_part(key: str):
    part = _body(_load(key), "html")
    if part is None:
        abort(404)
    response = Response(_text(part), mimetype="text/html")
    response.headers["Content-Security-Policy"] = HTML_PART_POLICY
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


@bp.get("/<key>/parts/<int:index>")
def part(key: str, index: int):
    parts = dict(_leaf_parts(_load(key)))
    if index not in parts:
        abort(404)
    described = _describe(index, parts[index])
    payload = parts[index].get_payload(decode=True) or b""
    response = Response(payload, mimetype=described.content_type)
    response.headers.set("Content-Disposition", "attachment", filename=described.filename)
    response.headers["Content-Security-Policy"] = DOWNLOAD_POLICY
    return response


@bp.get("/<key>/message.eml")
def raw(key: str):
    data = sink.raw_message(_directory(), key)
    if data is None:
        abort(404)
    response = Response(data, mimetype="message/rfc822")
    response.headers.set("Content-Disposition", "attachment", filename=f"{key}.eml")
    return response


@bp.post("/clear")
def clear():
    removed = sink.clear_mailbox(_directory())
    flash(ngettext("Deleted %(num)d message.", "Deleted %(num)d messages.", removed), "success")
    return redirect(url_for("mailbox.index"))


def linkify(text: str) -> Markup:
    """Escape plain text and turn its http(s) URLs into links, so confirmation links can be followed."""
    pieces, position = [], 0
    for match in _URL.finditer(text):
        url = match.group(0).rstrip(_TRAILING)
        pieces.append(escape(text[position : match.start()]))
        pieces.append(Markup('<a href="{0}" rel="noopener noreferrer">{0}</a>').format(url))
        position = match.start() + len(url)
    pieces.append(escape(text[position:]))
    return Markup("").join(pieces)


def _directory():
    return sink.mailbox_dir(current_app)


def _load(key: str) -> EmailMessage:
    parsed = sink.load_message(_directory(), key)
    if parsed is None:
        abort(404)
    return parsed


def _body(parsed: EmailMessage, subtype: str) -> EmailMessage | None:
    return parsed.get_body(preferencelist=(subtype,))


def _leaf_parts(parsed: EmailMessage) -> list[tuple[int, EmailMessage]]:
    return [(index, p) for index, p in enumerate(parsed.walk()) if not p.is_multipart()]


def _text(part: EmailMessage) -> str:
    try:
        return part.get_content()
    except (LookupError, ValueError):  # an unknown or wrong charset: show what can be read
        return (part.get_payload(decode=True) or b"").decode("utf-8", "replace")


def _describe(index: int, part: EmailMessage) -> Part:
    content_type = part.get_content_type()
    extension = ".ics" if content_type == "text/calendar" else (mimetypes.guess_extension(content_type) or ".bin")
    filename = part.get_filename() or f"part-{index}{extension}"
    method = part.get_param("method")
    if method:
        content_type = f"{content_type}; method={method}"
    return Part(index, content_type, filename, len(part.get_payload(decode=True) or b""))
