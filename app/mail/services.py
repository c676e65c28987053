"""Queue emails in the outbox, inside the caller's transaction, and manage queued messages."""

import base64
import functools
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from email import errors
from email.header import Header
from email.headerregistry import Address
from email.utils import formataddr, parseaddr
from typing import Any

import idna
import sqlalchemy as sa
from flask import current_app
from markupsafe import escape

from app.actions import Action, require
from app.desks.models import Desk
from app.errors import DomainError
from app.extensions import db
from app.i18n import _
from app.kept import Kept, per_app
from app.locales import current_language, in_language
from app.mail.models import CANCELLED, FAILED, OUTBOX_STATUSES, QUEUED, SENDING, SENT, OutboxMessage, RelayStatus
from app.rows import Prepared, insert_unless_taken, loaded
from app.text import clean_name
from app.types import utcnow

log = logging.getLogger(__name__)

_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_METHOD = re.compile(r"^[A-Z][A-Z-]{0,15}$")
_ICS_METHOD = re.compile(r"^METHOD:([^\r\n]*)\r?$", re.MULTILINE)


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


def calendar_method(method: str | None, ics: str) -> str:
    """The iTIP method for a calendar part; ValueError unless it equals the calendar's own METHOD.

    Outlook rejects an invite whose MIME ``method=`` differs from METHOD in the calendar, and Gmail
    mishandles one without it.
    """
    found = _ICS_METHOD.search(ics or "")
    if found is None:
        raise ValueError("the calendar has no METHOD property")
    ics_method = found.group(1).strip().upper()
    method = (method or ics_method).strip().upper()
    if not _METHOD.match(method):
        raise ValueError(f"invalid calendar method {method!r}")
    if method != ics_method:
        raise ValueError(f"calendar method {method} does not match METHOD:{ics_method} in the calendar")
    return method


# RFC 5322 atoms separated by single spaces: a display name written as it is.
_PLAIN_PHRASE = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?: [A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")


def header_safe(value: str) -> str:
    """A header value with every CR, LF and other control character replaced by a space."""
    return _CONTROL.sub(" ", value or "").strip()


def ascii_address(email: str) -> str:
    """``email`` with an internationalised domain in its ASCII (xn--) form, which every relay accepts.

    IDNA 2008 with the UTS 46 mapping, as browsers and mail servers resolve names: ``faß.de`` is
    ``xn--fa-hia.de``, not ``fass.de`` as Python's own IDNA 2003 codec would have it. A domain that has no
    IDNA form is left as written, so that sending it fails visibly instead of reaching another domain.
    """
    email = header_safe(email)
    local, at, domain = email.rpartition("@")
    if not at or domain.isascii():
        return email
    try:
        domain = idna.encode(domain, uts46=True).decode("ascii")
    except idna.IDNAError:
        return email
    return f"{local}@{domain}"


def address(email: str, name: str | None = None) -> str:
    """``email`` with an optional display name, for an address header.

    The name loses line breaks, controls and direction-changing characters (``clean_name``) and is quoted
    as needed, so that it reads back as the same name whatever it contains ("Jürgen, Mallory <x@y>").
    """
    email = ascii_address(email)
    name = clean_name(name)
    if not name:
        return email
    if "=?" in name or not name.isascii():
        # Stored in ASCII, as encoded words: a reader decodes "=?...?=" even inside quotes.
        return f"{Header(name, 'utf-8').encode(maxlinelen=10**6)} <{email}>"
    if _PLAIN_PHRASE.fullmatch(name):
        return f"{name} <{email}>"  # words that need no quotes, as the email package writes them
    try:
        return str(Address(display_name=name, addr_spec=email))
    except (ValueError, IndexError, errors.HeaderParseError):
        # Not an address the email package can read: the worker refuses it when it builds the message.
        return formataddr((name, email))


def _default_sender_address() -> str:
    return _address_of(current_app.config["MAIL_DEFAULT_SENDER"])


@functools.lru_cache(maxsize=16)
def _address_of(sender: str) -> str:
    # MAIL_DEFAULT_SENDER may be a bare address or "Name <address>"; only the address is used here. Parsed once
    # per setting: every message asks for it twice.
    return parseaddr(header_safe(sender))[1]


def service_sender(display_name: str | None = None) -> str:
    """The From address of the service, with ``display_name`` (default MAIL_SENDER_NAME)."""
    return _sender_address(_default_sender_address(), display_name or current_app.config["MAIL_SENDER_NAME"])


@functools.lru_cache(maxsize=256)
def _sender_address(email: str, name: str) -> str:
    # The same few for every message (the service's name, a desk's): made once. Never a participant's.
    return address(email, name)


def sender_name(desk: Desk | None = None) -> str:
    """The name an email comes in, in the language in force.

    What a desk tells a person about an event or a question (registration, invitation, calendar invites,
    reminders, surveys, certificates, the acknowledgement of a contact request) comes from "<desk> via
    <service>"; the service's own messages (to coordinators, account and test emails) from the service's
    name alone (MAIL_SENDER_NAME). Calendars name their ORGANIZER the same way.
    """
    service = current_app.config["MAIL_SENDER_NAME"]
    if desk is None:
        return service
    return _("%(desk)s via %(site)s", desk=desk.name, site=service)


def new_message_id() -> str:
    """A new random Message-ID on the sender's domain; stored on the row so retries reuse it."""
    return f"<{secrets.token_hex(16)}@{_message_id_domain(_default_sender_address())}>"


@functools.lru_cache(maxsize=16)
def _message_id_domain(sender: str) -> str:
    return re.sub(r"[^A-Za-z0-9.-]", "", sender.rpartition("@")[2]) or "localhost"


def render_email(template: str, **context: Any) -> tuple[str, str, str]:
    """Render templates/email/<template>.txt and .html; the .txt's first line is "Subject: ..."."""
    # The context is made once for both parts (render_template would run the context processors for each).
    app = current_app._get_current_object()
    app.update_template_context(context)
    text = app.jinja_env.get_template(f"email/{template}.txt").render(context)
    first, _, body = text.lstrip("\n").partition("\n")
    if not first.startswith("Subject:"):
        raise ValueError(f"email/{template}.txt must start with a 'Subject:' line")
    subject = header_safe(first.removeprefix("Subject:"))
    html = app.jinja_env.get_template(f"email/{template}.html").render({**context, "subject": subject})
    return subject, body.lstrip("\n"), html


# --- Renderings shared by recipients --------------------------------------------------------------

# Renderings kept per process (app.kept); the least recently used beyond this are rendered again when asked.
SHARED_RENDERINGS = 256
_SHARED_KEY = "eventdesk_shared_renderings"
# Marks where the personal values go: between private-use characters, with a token of the process, so that no
# text of the templates or of an event is taken for one. A private-use character left after the values are put
# in (a template cut or changed a mark, or a text holds one) has the email rendered as usual. The token starts
# with "aZ0b" so that every change of case (upper, lower, title, capitalize) changes it: a random token of
# digits alone would pass through `upper` unchanged and its person's value would go in without the change.
_MARK_TOKEN = "aZ0b" + secrets.token_hex(4)


def render_shared_email(template: str, context: dict[str, Any], personal: dict[str, str]) -> tuple[str, str, str]:
    """``render_email`` of ``context`` and the ``personal`` values (plain texts, by the names the templates read
    them under), rendered once for every recipient who shares all but those values.

    The rendering is kept per process by the template, the language in force and the context, with a mark
    where each personal value goes; each person's values are put in its place, escaped in the HTML part as the
    template escapes them. Nothing personal can be in a kept rendering: the context holds only values that say
    what they show (text, numbers, or an object's ``rendering_key()``: an event's id and ``page_version``,
    which grows with every change to what it shows), and the session no unsaved change. Otherwise, or when a
    template changed a mark (a filter, a slice), the email is rendered as usual.
    """
    # A value not given (None, empty) is part of the shared context: a template may leave out what shows it.
    given = {name: value for name, value in personal.items() if value}
    shared = context | {name: value for name, value in personal.items() if not value}
    key = _rendering_key(template, shared, tuple(given))
    if key is None:
        return render_email(template, **context, **personal)
    kept = per_app(_SHARED_KEY, lambda: Kept(SHARED_RENDERINGS))
    shell = kept.get(key)
    if shell is None:
        marks = {name: f"\ue000{_MARK_TOKEN}{index}\ue001" for index, name in enumerate(given)}
        shell = (marks, render_email(template, **shared, **marks))
        kept.put(key, shell)
    marks, (subject, text, html) = shell
    for name, mark in marks.items():
        value = given[name]
        subject = subject.replace(mark, value)
        text = text.replace(mark, value)
        html = html.replace(mark, str(escape(value)))
    if "\ue000" in subject or "\ue000" in text or "\ue000" in html:
        return render_email(template, **context, **personal)
    return header_safe(subject), text, html


def _rendering_key(template: str, context: dict[str, Any], marked: tuple[str, ...]) -> tuple | None:
    session = db.session()
    if session.new or session.dirty or session.deleted:
        return None  # an object changed and not yet saved may show what its version does not say
    parts: list[tuple] = [(template, current_language(), marked)]
    for name in sorted(context):
        value = context[name]
        if value is None or isinstance(value, str | int | float | bool):
            parts.append((name, value))
        elif callable(getattr(value, "rendering_key", None)):
            parts.append((name, type(value).__name__, value.rendering_key()))
        else:
            return None
    return tuple(parts)


def recipient_language(context: dict[str, Any]) -> str | None:
    """The language of the person an email is addressed to, from the objects its template is about: a
    coordinator's account language, else the registration's, else the contact request's (the asker's)."""
    for key in ("coordinator", "registration", "request"):
        language = getattr(context.get(key), "language", None)
        if isinstance(language, str) and language:
            return language
    return None


def queue_email(
    *,
    kind: str,
    to: str,
    template: str,
    context: dict[str, Any] | None = None,
    to_name: str | None = None,
    dedup_key: str | None = None,
    reply_to: str | None = None,
    desk: Desk | None = None,
    calendar: CalendarPart | None = None,
    attachments: tuple[Attachment, ...] = (),
    registration_id: int | None = None,
    contact_request_id: int | None = None,
    language: str | None = None,
    along: Prepared | None = None,
    personal: dict[str, str] | None = None,
    loaded_message: bool = True,
) -> OutboxMessage | None:
    """Add an email to the outbox in the current transaction (the caller commits).

    A calendar part whose method differs from the calendar's METHOD raises ValueError.

    The email is rendered now, in ``language``, by default the recipient's (see ``recipient_language``),
    so that the worker sends it in that language whenever it sends it.

    With a ``dedup_key`` already queued, nothing is added and None is returned: the key is unique, so
    the email is sent once even when two transactions race to queue it.

    ``desk`` is the desk the message comes from, if any (see ``sender_name``).

    ``registration_id`` / ``contact_request_id`` say whose message it is, for deleting that person's data.

    ``along``: an INSERT to run with the message's, whether or not it is queued, such as the one storing the
    tokens of the links it carries. On PostgreSQL it is part of the same statement (a data-modifying WITH),
    which saves a round trip; elsewhere it runs just before.

    ``personal``: the recipient's own texts (a name, links), apart from the ``context`` they share with others:
    the rendering is then shared (``render_shared_email``).

    ``loaded_message=False``: nothing of the caller reads the message, which is then not made an object of the
    session (on a sign-up that cost a tenth of its email's statement); None is returned.
    """
    method = calendar_method(calendar.method, calendar.ics) if calendar else None
    dialect = db.engine.dialect.name
    if dedup_key is not None:
        exists = db.session.scalar(sa.select(OutboxMessage.id).where(OutboxMessage.dedup_key == dedup_key))
        if exists is not None:
            if along is not None:
                along.run()
            return None
    with in_language(language or recipient_language(context or {})):
        if personal is None:
            subject, text, html = render_email(template, **(context or {}))
        else:
            subject, text, html = render_shared_email(template, context or {}, personal)
        sender = service_sender(sender_name(desk))
    now = utcnow()
    values = {
        "kind": kind,
        "dedup_key": dedup_key,
        "message_id": new_message_id(),
        "sender": sender,
        "recipient": address(to, to_name),
        "reply_to": address(reply_to) if reply_to else None,
        "subject": subject,
        "text_body": text,
        "html_body": html,
        "calendar_method": method,
        "calendar_ics": calendar.ics if calendar else None,
        "attachments": [
            {
                "filename": header_safe(a.filename),
                "content_type": a.content_type,
                "data": base64.b64encode(a.data).decode(),
            }
            for a in attachments
        ],
        "status": QUEUED,
        "attempts": 0,
        "unreachable_attempts": 0,
        "next_attempt_at": now,
        "lease_expires_at": None,
        "last_error": "",
        "created_at": now,
        "updated_at": now,
        "sent_at": None,
        "registration_id": registration_id,
        "contact_request_id": contact_request_id,
        "scrub_after_send": False,
        "scrubbed_at": None,
    }
    # One statement, at once: no flush has to work the row out. A concurrent transaction may queue the same
    # key between our look and this insert: the unique index decides, without spoiling the caller's
    # transaction.
    insert, parameters = _insert_unless_key_taken(dialect), values
    if along is not None:
        if dialect == "postgresql":
            insert, parameters = _insert_along(dialect, along.statement), values | along.parameters
        else:
            along.run()
    row_id = db.session.execute(insert, parameters).scalar()
    if row_id is None or not loaded_message:
        return None
    return loaded(OutboxMessage, {"id": row_id, **values})


@functools.cache
def _insert_unless_key_taken(_dialect: str) -> sa.Insert:
    table = OutboxMessage.__table__
    return insert_unless_taken(table, [table.c.dedup_key]).returning(table.c.id)


@functools.lru_cache(maxsize=32)
def _insert_along(dialect: str, along: sa.TextClause) -> sa.Insert:
    # PostgreSQL: the other INSERT as a data-modifying WITH of the message's; kept per statement (each is kept
    # by its owner), so that it is compiled once and its result's columns worked out once. Bounded: a statement
    # made anew for each message would only miss.
    return _insert_unless_key_taken(dialect).add_cte(along.columns().cte("along"))


# --- Managing the outbox -------------------------------------------------------------------------

RETRYABLE = (FAILED, CANCELLED)
CANCELLABLE = (QUEUED, FAILED)

# The outbox page's filters; "queued" includes messages a worker is sending right now.
STATUS_FILTERS: dict[str, tuple[str, ...]] = {
    "all": OUTBOX_STATUSES,
    "queued": (QUEUED, SENDING),
    "failed": (FAILED,),
    "sent": (SENT,),
    "cancelled": (CANCELLED,),
}


class OutboxError(DomainError):
    """A change to an outbox message that its current status does not allow."""

    code = "outbox_not_allowed"
    status = 409


def message_actions(message: OutboxMessage) -> list[Action]:
    """Retry and cancel for one outbox message, open or refused with the reason."""
    return [
        Action(
            "retry",
            _("Retry"),
            message.status in RETRYABLE and message.scrubbed_at is None,
            _("This message was emptied when the personal data it carried was deleted.")
            if message.scrubbed_at is not None
            else _("Only failed or cancelled messages can be retried; this one is %(status)s.", status=message.status),
        ),
        Action(
            "cancel",
            _("Cancel"),
            message.status in CANCELLABLE,
            _("Only queued or failed messages can be cancelled; this one is %(status)s.", status=message.status),
            destructive=True,
        ),
    ]


@dataclass(frozen=True)
class OutboxListing:
    messages: Any  # a flask_sqlalchemy Pagination of OutboxMessage
    counts: dict[str, int]
    kinds: list[str]
    status: str
    kind: str | None


def outbox_listing(*, status: str = "all", kind: str | None = None, page: int = 1, per_page: int = 50) -> OutboxListing:
    """One page of outbox messages, newest first, with the number of messages in each status."""
    status = status if status in STATUS_FILTERS else "all"
    query = sa.select(OutboxMessage).where(OutboxMessage.status.in_(STATUS_FILTERS[status]))
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    messages = db.paginate(
        query.order_by(OutboxMessage.id.desc()), page=max(page, 1), per_page=per_page, error_out=False
    )
    counts = dict.fromkeys(OUTBOX_STATUSES, 0)
    for name, count in db.session.execute(
        sa.select(OutboxMessage.status, sa.func.count()).group_by(OutboxMessage.status)
    ):
        counts[name] = count
    kinds = list(db.session.scalars(sa.select(OutboxMessage.kind).distinct().order_by(OutboxMessage.kind)))
    return OutboxListing(messages=messages, counts=counts, kinds=kinds, status=status, kind=kind or None)


def _transition(message: OutboxMessage, allowed: tuple[str, ...], values: dict[str, Any]) -> bool:
    # A conditional UPDATE, so a worker claiming the row at the same moment cannot be overwritten.
    result = db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id == message.id, OutboxMessage.status.in_(allowed))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(message)
    return result.rowcount == 1


def retry_message(message: OutboxMessage, *, by: str | None = None) -> OutboxMessage:
    """Queue a failed or cancelled message again, due now, with a fresh set of attempts (the caller commits)."""
    require(message_actions(message), "retry")
    values = {"status": QUEUED, "attempts": 0, "next_attempt_at": utcnow(), "lease_expires_at": None}
    if not _transition(message, RETRYABLE, values):
        # A worker changed the message since the page was drawn.
        raise OutboxError(
            _("Only failed or cancelled messages can be retried; this one is %(status)s.", status=message.status)
        )
    log.info("outbox message %s queued again by %s", message.id, by or "unknown")
    return message


def cancel_message(message: OutboxMessage, *, by: str | None = None) -> OutboxMessage:
    """Cancel a queued or failed message so that no worker sends it (the caller commits)."""
    require(message_actions(message), "cancel")
    if not _transition(message, CANCELLABLE, {"status": CANCELLED, "lease_expires_at": None}):
        # A worker changed the message since the page was drawn.
        raise OutboxError(
            _("Only queued or failed messages can be cancelled; this one is %(status)s.", status=message.status)
        )
    scrub_if_marked(message.id)
    db.session.refresh(message)
    log.info("outbox message %s cancelled by %s", message.id, by or "unknown")
    return message


# --- The relay, as the workers last found it ----------------------------------------------------------

RELAY_STATUS_ID = 1


@dataclass(frozen=True)
class RelayOutage:
    down_since: datetime
    last_failure_at: datetime
    last_error: str


def relay_status() -> RelayOutage | None:
    """None while the workers reach the SMTP relay; else since when they have not, and the last error."""
    row = db.session.get(RelayStatus, RELAY_STATUS_ID)
    if row is None or row.down_since is None:
        return None
    return RelayOutage(row.down_since, row.last_failure_at or row.down_since, row.last_error)


def record_relay_failure(error: str, now: datetime | None = None) -> None:
    """A worker could not reach the relay; commits (the worker holds no other transaction)."""
    now = now or utcnow()
    try:
        row = db.session.get(RelayStatus, RELAY_STATUS_ID, with_for_update=True)
        if row is None:
            row = RelayStatus(id=RELAY_STATUS_ID)
            with db.session.begin_nested():
                db.session.add(row)
        row.down_since = row.down_since or now
        row.last_failure_at = now
        row.last_error = error[:2000]
        db.session.commit()
    except sa.exc.IntegrityError:
        # Another worker created the row at the same moment; its record of the outage is as good as ours.
        db.session.rollback()
    except BaseException:
        db.session.rollback()
        raise


def record_relay_success() -> None:
    """A worker delivered a message: the relay is reachable again; commits."""
    try:
        db.session.execute(
            sa.update(RelayStatus)
            .where(RelayStatus.id == RELAY_STATUS_ID, RelayStatus.down_since.is_not(None))
            .values(down_since=None)
        )
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


# --- Deleting personal data ------------------------------------------------------------------------

FINISHED = (SENT, FAILED, CANCELLED)
SCRUBBED_RECIPIENT = "deleted@invalid"
SCRUBBED_SUBJECT = "(removed with the personal data)"


def _scrubbed_values(now) -> dict[str, Any]:
    return {
        "recipient": SCRUBBED_RECIPIENT,
        "reply_to": None,
        "subject": SCRUBBED_SUBJECT,
        "text_body": "",
        "html_body": "",
        "calendar_ics": None,
        "attachments": [],
        # A relay's error often quotes the address.
        "last_error": "",
        "scrub_after_send": False,
        "scrubbed_at": now,
    }


def messages_of(*, registration_id: int | None = None, contact_request_id: int | None = None) -> list[OutboxMessage]:
    """The messages queued for one registration or one contact request, newest first."""
    if (registration_id is None) == (contact_request_id is None):
        raise ValueError("give exactly one of registration_id and contact_request_id")
    column = OutboxMessage.registration_id if registration_id is not None else OutboxMessage.contact_request_id
    wanted = registration_id if registration_id is not None else contact_request_id
    return list(db.session.scalars(sa.select(OutboxMessage).where(column == wanted).order_by(OutboxMessage.id.desc())))


def scrub_messages(messages: list[OutboxMessage], *, send_queued: bool = False) -> None:
    """Remove the personal data from these messages (the caller commits).

    A queued message is cancelled, or with ``send_queued`` (the cancellation that tells the person their data
    is gone) still sent and emptied right after; a message a worker is sending now is emptied once it is sent.
    """
    now = utcnow()
    for message in messages:
        # Re-read under a row lock: a worker may be claiming it at this moment.
        db.session.refresh(message, with_for_update=True)
        if message.scrubbed_at is not None:
            continue
        if message.status == QUEUED and not send_queued:
            message.status = CANCELLED
            message.lease_expires_at = None
        if message.status in FINISHED:
            for name, value in _scrubbed_values(now).items():
                setattr(message, name, value)
        else:
            message.scrub_after_send = True
    db.session.flush()


def scrub_finished(*, registration_ids: sa.Select | None = None, contact_request_ids: sa.Select | None = None) -> int:
    """Empty the finished messages that still hold deleted data: those marked when their registration or request
    was deleted, and any message of the registrations and requests selected by the given id queries (the
    retention purge passes those already anonymised). Returns how many were emptied; the caller commits."""
    whose = [OutboxMessage.scrub_after_send.is_(True)]
    if registration_ids is not None:
        whose.append(OutboxMessage.registration_id.in_(registration_ids))
    if contact_request_ids is not None:
        whose.append(OutboxMessage.contact_request_id.in_(contact_request_ids))
    result = db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.status.in_(FINISHED), OutboxMessage.scrubbed_at.is_(None), sa.or_(*whose))
        .values(**_scrubbed_values(utcnow()))
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def scrub_if_marked(*message_ids: int) -> None:
    """Empty the messages among these that were sent (or failed) after the data they carry was deleted, in one
    statement; the caller commits."""
    db.session.execute(
        sa.update(OutboxMessage)
        .where(
            OutboxMessage.id.in_(message_ids),
            OutboxMessage.scrub_after_send.is_(True),
            OutboxMessage.status.in_(FINISHED),
        )
        .values(**_scrubbed_values(utcnow()))
        .execution_options(synchronize_session=False)
    )


def queue_test_message(to: str, *, requested_by: str | None = None) -> OutboxMessage:
    """Queue a test email to ``to``, to check the SMTP settings end to end (the caller commits)."""
    message = queue_email(
        kind="test",
        to=to,
        template="test_message",
        context={"requested_by": requested_by, "requested_at": utcnow()},
    )
    assert message is not None  # only a dedup_key can make queue_email skip a message
    return message
