"""Turn an outbox row into a MIME message with Python's ``email`` package.

Layout (RFC 6047 for the calendar part, as the big calendar clients expect it)::

    multipart/alternative                      no calendar, no attachments
      text/plain, text/html

    multipart/mixed                            with a calendar part or attachments
      multipart/alternative
        text/plain, text/html
        text/calendar; method=REQUEST; charset=UTF-8   (base64)
      application/ics  invite.ics              (the same calendar, for clients that ignore the inline part)
      other attachments
"""

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import datetime
from email import errors, policy
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage, MIMEPart
from email.utils import format_datetime

from app.mail.models import OutboxMessage
from app.mail.services import calendar_method, header_safe

# 7bit: bodies that are not plain ASCII get quoted-printable or base64, so no relay needs 8BITMIME.
# refold_source="none": a header set raw (already folded) is written as it is, never re-parsed and folded again.
MAIL_POLICY = policy.SMTP.clone(cte_type="7bit", refold_source="none")

_CONTENT_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$")
_MESSAGE_ID = re.compile(r"^<[^<>\s@]+@[^<>\s@]+>$")


class MessageError(ValueError):
    """The row cannot become a valid message; sending it again would fail the same way."""


@dataclass(frozen=True)
class OutgoingMail:
    """A claimed row copied into plain values, so that no database transaction stays open while sending."""

    id: int
    kind: str
    attempts: int
    lease_expires_at: datetime | None
    message_id: str
    sender: str
    recipient: str
    reply_to: str | None
    subject: str
    text_body: str
    html_body: str
    calendar_method: str | None
    calendar_ics: str | None
    attachments: tuple[dict, ...]
    created_at: datetime | None = None
    unreachable_attempts: int = 0

    @classmethod
    def from_row(cls, row: OutboxMessage) -> "OutgoingMail":
        return cls(
            id=row.id,
            kind=row.kind,
            attempts=row.attempts,
            lease_expires_at=row.lease_expires_at,
            message_id=row.message_id,
            sender=row.sender,
            recipient=row.recipient,
            reply_to=row.reply_to,
            subject=row.subject,
            text_body=row.text_body,
            html_body=row.html_body,
            calendar_method=row.calendar_method,
            calendar_ics=row.calendar_ics,
            attachments=tuple(row.attachments or ()),
            created_at=row.created_at,
            unreachable_attempts=row.unreachable_attempts or 0,
        )


def build_message(mail: OutgoingMail, *, date: datetime) -> EmailMessage:
    """The complete message for ``mail``; ``date`` is the moment it is handed to the relay."""
    message_id = header_safe(mail.message_id)
    if not _MESSAGE_ID.match(message_id):
        raise MessageError(f"invalid Message-ID {message_id!r}")

    alternative = _multipart("alternative")
    alternative.attach(_text_part(mail.text_body, "plain"))
    alternative.attach(_text_part(mail.html_body, "html"))
    extras = []
    if mail.calendar_ics:
        method, ics = _calendar(mail.calendar_method, mail.calendar_ics)
        alternative.attach(_calendar_part(method, ics))
        extras.append(_attachment(ics.encode("utf-8"), "application/ics", "invite.ics"))
    extras.extend(_stored_attachment(item) for item in mail.attachments)

    message = EmailMessage(policy=MAIL_POLICY)
    _set_address(message, "From", mail.sender)
    _set_address(message, "To", mail.recipient)
    if mail.reply_to:
        _set_address(message, "Reply-To", mail.reply_to)
    _set_header(message, "Subject", mail.subject)
    message["Date"] = format_datetime(date)
    message["Message-ID"] = message_id
    # RFC 3834: tells auto-responders (out-of-office) not to answer.
    message["Auto-Submitted"] = "auto-generated"
    message["MIME-Version"] = "1.0"
    if extras:
        message.make_mixed()
        message.attach(alternative)
        for part in extras:
            message.attach(part)
    else:
        message.make_alternative()
        for part in alternative.iter_parts():
            message.attach(part)
    return message


def envelope_addresses(message: EmailMessage) -> tuple[str, list[str]]:
    """MAIL FROM and RCPT TO, read back from the headers: exactly one sender and one recipient."""
    return _single_address(message, "From"), [_single_address(message, "To")]


def _single_address(message: EmailMessage, name: str) -> str:
    header = message[name]
    addresses: tuple[Address, ...] = header.addresses if header is not None else ()
    # The parser skips what it cannot read ("a@example.org Bcc: b@example.org" reads as a@example.org with
    # a defect); the header would still be sent as written, so anything unreadable is refused.
    unreadable = header is not None and any(isinstance(d, errors.InvalidHeaderDefect) for d in header.defects)
    if unreadable or len(addresses) != 1 or not addresses[0].username or not addresses[0].domain:
        raise MessageError(f"{name} must hold exactly one address, not {str(header or '')!r}")
    return addresses[0].addr_spec


def _set_header(message: EmailMessage, name: str, value: str) -> None:
    # header_safe turns CR, LF and other control characters into spaces: a display name or subject such as
    # "Bob\r\nBcc: x@example.com" stays one harmless header value.
    try:
        message[name] = header_safe(value)
    except (ValueError, IndexError) as error:
        raise MessageError(f"invalid {name} header {value!r}: {error}") from error


def _set_address(message: EmailMessage, name: str, value: str) -> None:
    """An address header holding exactly one address, rebuilt from its parsed parts.

    Set as a string, the header is written out again from the tokens it was parsed from, and a display name
    such as "Jürgen, Mallory <mallory@evil.example>" that arrived as one encoded word comes out partly
    decoded: a reader would see a second recipient. An Address object is encoded as one name instead.
    """
    _set_header(message, name, value)
    _single_address(message, name)
    [parsed] = message[name].addresses
    del message[name]
    try:
        if "=?" in parsed.display_name:
            # The email package decodes what looks like an encoded word even inside quotes, when folding as
            # when reading: such a name goes out as encoded words of its own, the address on the next line.
            encoded = Header(parsed.display_name, "utf-8", header_name=name).encode()
            message.set_raw(name, f"{encoded}\n <{parsed.addr_spec}>")
        else:
            message[name] = parsed
    except (ValueError, IndexError) as error:
        raise MessageError(f"invalid {name} header {value!r}: {error}") from error


def _multipart(subtype: str) -> MIMEPart:
    part = MIMEPart(policy=MAIL_POLICY)
    # Not set_type(): that would add a MIME-Version header, which belongs on the message only.
    part["Content-Type"] = f"multipart/{subtype}"
    return part


def _text_part(body: str, subtype: str) -> MIMEPart:
    part = MIMEPart(policy=MAIL_POLICY)
    part.set_content(body or "", subtype=subtype)
    return part


def _calendar(method: str | None, ics: str) -> tuple[str, str]:
    """The iTIP method (equal to the calendar's METHOD) and the calendar with CRLF line ends (RFC 5545)."""
    try:
        method = calendar_method(method, ics)
    except ValueError as error:
        raise MessageError(str(error)) from error
    return method, re.sub(r"\r?\n", "\r\n", ics)


def _calendar_part(method: str, ics: str) -> MIMEPart:
    part = MIMEPart(policy=MAIL_POLICY)
    # set_raw keeps the parameters unquoted (method=REQUEST), the form every iMIP example and client uses;
    # calendar_method() allows only letters and hyphens, so the value cannot carry anything else.
    part.set_raw("Content-Type", f"text/calendar; method={method}; charset=UTF-8")
    part["Content-Transfer-Encoding"] = "base64"
    part.set_payload(base64.encodebytes(ics.encode("utf-8")).decode("ascii"))
    return part


def _attachment(data: bytes, content_type: str, filename: str) -> MIMEPart:
    maintype, _, subtype = content_type.partition("/")
    part = MIMEPart(policy=MAIL_POLICY)
    part.set_content(
        data, maintype=maintype, subtype=subtype, disposition="attachment", filename=filename, params={"name": filename}
    )
    return part


def _stored_attachment(item: dict) -> MIMEPart:
    filename = header_safe(str(item.get("filename") or "")) or "attachment"
    content_type = str(item.get("content_type") or "").strip().lower()
    if not _CONTENT_TYPE.match(content_type) or content_type.startswith("multipart/"):
        content_type = "application/octet-stream"
    try:
        data = base64.b64decode(str(item.get("data") or ""), validate=True)
    except (binascii.Error, ValueError) as error:
        raise MessageError(f"attachment {filename!r} is not valid base64") from error
    return _attachment(data, content_type, filename)
