"""Queue emails in the outbox, inside the caller's transaction."""

import base64
import re
import secrets
from dataclasses import dataclass
from email.utils import formataddr
from typing import Any

import sqlalchemy as sa
from flask import current_app, render_template
from markupsafe import Markup

from app.extensions import db
from app.mail.models import OutboxMessage

_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class CalendarPart:
    """An iTIP object: METHOD must equal the method given here (REQUEST, CANCEL)."""

    method: str
    ics: str


def header_safe(value: str) -> str:
    """A header value with every CR, LF and other control character replaced by a space."""
    return _CONTROL.sub(" ", value or "").strip()


def address(email: str, name: str | None = None) -> str:
    email = header_safe(email)
    return formataddr((header_safe(name), email)) if name else email


def service_sender(display_name: str | None = None) -> str:
    config = current_app.config
    return address(config["MAIL_DEFAULT_SENDER"], display_name or config["MAIL_SENDER_NAME"])


def new_message_id() -> str:
    domain = current_app.config["MAIL_DEFAULT_SENDER"].rpartition("@")[2] or "localhost"
    return f"<{secrets.token_hex(16)}@{header_safe(domain)}>"


def render_email(template: str, **context: Any) -> tuple[str, str, str]:
    """Render templates/email/<template>.txt and .html; the .txt's first line is "Subject: ..."."""
    text = render_template(f"email/{template}.txt", **context)
    first, _, body = text.lstrip("\n").partition("\n")
    if not first.startswith("Subject:"):
        raise ValueError(f"email/{template}.txt must start with a 'Subject:' line")
    subject = header_safe(first.removeprefix("Subject:"))
    html = render_template(f"email/{template}.html", subject=subject, **context)
    return subject, body.lstrip("\n"), html


def queue_email(
    *,
    kind: str,
    to: str,
    template: str,
    context: dict[str, Any] | None = None,
    to_name: str | None = None,
    dedup_key: str | None = None,
    reply_to: str | None = None,
    sender_name: str | None = None,
    calendar: CalendarPart | None = None,
    attachments: tuple[Attachment, ...] = (),
) -> OutboxMessage | None:
    """Add an email to the outbox in the current transaction (the caller commits).

    With a ``dedup_key`` already queued, nothing is added and None is returned: the key is unique, so
    the email is sent once even when two transactions race to queue it.
    """
    if dedup_key is not None:
        exists = db.session.scalar(sa.select(OutboxMessage.id).where(OutboxMessage.dedup_key == dedup_key))
        if exists is not None:
            return None
    subject, text, html = render_email(template, **(context or {}))
    message = OutboxMessage(
        kind=kind,
        dedup_key=dedup_key,
        message_id=new_message_id(),
        sender=service_sender(sender_name),
        recipient=address(to, to_name),
        reply_to=address(reply_to) if reply_to else None,
        subject=subject,
        text_body=text,
        html_body=str(Markup(html)),
        calendar_method=calendar.method if calendar else None,
        calendar_ics=calendar.ics if calendar else None,
        attachments=[
            {
                "filename": header_safe(a.filename),
                "content_type": a.content_type,
                "data": base64.b64encode(a.data).decode(),
            }
            for a in attachments
        ],
    )
    if dedup_key is None:
        db.session.add(message)
        return message
    # A concurrent transaction may queue the same key between our check and insert: let the
    # unique index decide, without spoiling the caller's transaction.
    try:
        with db.session.begin_nested():
            db.session.add(message)
    except sa.exc.IntegrityError:
        return None
    return message
