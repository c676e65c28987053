"""Desks and contact requests: routing a question, the coordinators' inbox, and desk management.

Every function here flushes; the request (or the command) commits, so a request, its history and its
emails are written in one transaction.
"""

import re
from dataclasses import dataclass
from datetime import datetime

import email_validator
import sqlalchemy as sa
import sqlalchemy.orm as so

from app.accounts.access import can_see_desk, desk_filter
from app.accounts.models import ROLE_ADMIN, Coordinator
from app.countries import COUNTRY_NAMES, is_country
from app.desks.models import (
    CONTACT_ANSWERED,
    CONTACT_CLOSED,
    CONTACT_NEW,
    CONTACT_STATUSES,
    EXPERT_TYPES,
    ContactRequest,
    ContactRequestEntry,
    Desk,
)
from app.desks.routing import Route, route
from app.events.models import PUBLISHED, Event, EventSession
from app.extensions import db
from app.mail import services as mail
from app.mail.services import queue_email
from app.text import clean_name
from app.types import utcnow
from app.web import external_url_for, parse_id

NAME_MAX = 200
ORGANISATION_MAX = 200
MESSAGE_MAX = 5000
NOTE_MAX = 2000
DESK_NAME_MAX = 200
CITY_MAX = 100

# History actions, in the words the inbox shows.
ROUTED = "routed"
REASSIGNED = "reassigned"
ANSWERED = "answered"
CLOSED = "closed"
REOPENED = "reopened"
NOTE = "note"
ACTION_LABELS = {
    ROUTED: "Routed",
    REASSIGNED: "Passed to another desk",
    ANSWERED: "Marked answered",
    CLOSED: "Closed",
    REOPENED: "Reopened",
    NOTE: "Note",
}

_SINGLE_LINE_JUNK = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")
_MULTILINE_JUNK = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]+")


class ContactError(ValueError):
    """A contact request cannot be taken or changed as asked; ``field`` names the form field at fault."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class RequestNotFound(LookupError):
    """The request does not exist, or belongs to a desk the coordinator may not see."""


class DeskError(ValueError):
    """A desk cannot be saved as asked; ``field`` names the form field at fault."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class ContactData:
    name: str
    email: str
    country: str
    expert_type: str
    message: str
    organisation: str = ""
    event_id: int | None = None


@dataclass(frozen=True)
class InboxFilters:
    status: str | None = None
    event_id: int | None = None
    country: str | None = None


# --- Routing ----------------------------------------------------------------------------------------


def all_desks() -> list[Desk]:
    """Every desk, by name."""
    return list(db.session.scalars(sa.select(Desk).order_by(Desk.name)))


def route_person(country: str, expert_type: str) -> Route:
    """The desk (and the reason) for a person from ``country`` who is an ``expert_type`` expert."""
    return route(all_desks(), country, expert_type)


# --- Contact requests -------------------------------------------------------------------------------


def contact_events(include: Event | None = None) -> list[Event]:
    """Published events that have not ended, soonest first, for the contact form's event choice.

    ``include`` is added when it is published but over, so that the page of a past event can still
    offer its own contact form.
    """
    now = utcnow()
    last_end = sa.select(sa.func.max(EventSession.ends_at)).where(EventSession.event_id == Event.id).scalar_subquery()
    first_start = (
        sa.select(sa.func.min(EventSession.starts_at)).where(EventSession.event_id == Event.id).scalar_subquery()
    )
    events = list(
        db.session.scalars(
            sa.select(Event).where(Event.status == PUBLISHED, last_end >= now).order_by(first_start, Event.id)
        )
    )
    if include is not None and include.status == PUBLISHED and include not in events:
        events.insert(0, include)
    return events


def published_event_by_slug(slug: str | None) -> Event | None:
    """The published event with this slug, for preselecting it on the contact form."""
    if not slug:
        return None
    return db.session.scalar(sa.select(Event).where(Event.slug == slug, Event.status == PUBLISHED))


def published_event_by_id(event_id: str | int | None) -> Event | None:
    """The published event with this id (as a form sends it), or None."""
    event_id = parse_id(event_id)
    if event_id is None:
        return None
    event = db.session.get(Event, event_id)
    return event if event is not None and event.status == PUBLISHED else None


def submit_contact_request(data: ContactData) -> ContactRequest:
    """Store a question with its routed desk and reason, and queue the emails to that desk's coordinators
    and the acknowledgement to the person who asked."""
    name = clean_name(data.name)
    organisation = clean_name(data.organisation)
    message = _multiline(data.message)
    country = (data.country or "").strip().upper()
    email = _valid_email(data.email)
    if not name:
        raise ContactError("Please tell us your name.", "name")
    if len(name) > NAME_MAX:
        raise ContactError(f"Please keep your name under {NAME_MAX} characters.", "name")
    if len(organisation) > ORGANISATION_MAX:
        raise ContactError(f"Please keep the organisation under {ORGANISATION_MAX} characters.", "organisation")
    if not message:
        raise ContactError("Please write your question.", "message")
    if len(message) > MESSAGE_MAX:
        raise ContactError(f"Please keep your message under {MESSAGE_MAX} characters.", "message")
    if not is_country(country):
        raise ContactError("Choose a country from the list.", "country")
    if data.expert_type not in EXPERT_TYPES:
        raise ContactError("Tell us whether you are an international or a German expert.", "expert_type")
    event = None
    if data.event_id is not None:
        event = db.session.get(Event, data.event_id)
        if event is None or event.status != PUBLISHED:
            raise ContactError("Choose an event from the list, or none.", "event")

    decision = route_person(country, data.expert_type)
    desk = decision.desk
    contact = ContactRequest(
        name=name,
        email=email,
        country=country,
        expert_type=data.expert_type,
        organisation=organisation,
        event=event,
        message=message,
        desk=desk,
        routing_reason=decision.reason,
        status=CONTACT_NEW,
    )
    db.session.add(contact)
    contact.history.append(ContactRequestEntry(action=ROUTED, note=decision.reason, to_desk=desk))
    db.session.flush()

    _notify_desk(contact, desk, template="contact_coordinator", key="new")
    coordinators = _active_coordinators(desk)
    queue_email(
        kind="contact_acknowledgement",
        to=contact.email,
        to_name=contact.name,
        template="contact_acknowledgement",
        context={
            "request": contact,
            "desk": desk,
            "coordinators": coordinators,
            "country_name": COUNTRY_NAMES.get(country, country),
        },
        dedup_key=f"contact:{contact.id}:acknowledgement",
        contact_request_id=contact.id,
    )
    return contact


def inbox(user: Coordinator, filters: InboxFilters = InboxFilters()) -> sa.Select:
    """The requests ``user`` may see (their desks; admins every desk), newest first, filtered."""
    query = (
        sa.select(ContactRequest)
        .where(desk_filter(ContactRequest.desk_id, user))
        .options(so.joinedload(ContactRequest.desk), so.joinedload(ContactRequest.event))
        .order_by(ContactRequest.created_at.desc(), ContactRequest.id.desc())
    )
    if filters.status in CONTACT_STATUSES:
        query = query.where(ContactRequest.status == filters.status)
    if filters.event_id is not None:
        query = query.where(ContactRequest.event_id == filters.event_id)
    if filters.country:
        query = query.where(ContactRequest.country == filters.country.upper())
    return query


def inbox_event_choices(user: Coordinator) -> list[Event]:
    """Events that requests visible to ``user`` are about, for the inbox filter."""
    query = (
        sa.select(Event)
        .join(ContactRequest, ContactRequest.event_id == Event.id)
        .where(desk_filter(ContactRequest.desk_id, user))
        .distinct()
        .order_by(Event.title)
    )
    return list(db.session.scalars(query))


def get_request(user: Coordinator, request_id: int) -> ContactRequest:
    """The request with this id if ``user`` may see it; else RequestNotFound."""
    contact = db.session.get(ContactRequest, request_id)
    if contact is None or not can_see_desk(user, contact.desk_id):
        raise RequestNotFound(request_id)
    return contact


def reassign_request(contact: ContactRequest, to_desk: Desk, by: Coordinator, note: str) -> ContactRequest:
    """Pass a request to another desk with a note; that desk's coordinators are emailed, and it starts as new
    there."""
    _lock(contact, by)
    note = _note(note, required=True)
    if to_desk.id == contact.desk_id:
        raise ContactError("The request is already with this desk; choose another one.", "desk")
    if contact.status == CONTACT_CLOSED:
        raise ContactError("Reopen the request before you pass it to another desk.")
    from_desk = contact.desk
    contact.desk = to_desk
    contact.status = CONTACT_NEW
    entry = ContactRequestEntry(action=REASSIGNED, coordinator=by, note=note, from_desk=from_desk, to_desk=to_desk)
    contact.history.append(entry)
    db.session.flush()
    _notify_desk(
        contact,
        to_desk,
        template="contact_reassigned",
        key=f"reassigned:{entry.id}",
        extra={"from_desk": from_desk, "by": by, "note": note},
    )
    return contact


def mark_answered(contact: ContactRequest, by: Coordinator, note: str = "") -> ContactRequest:
    """Record that the person has been answered (the answer itself goes by email from the coordinator)."""
    return _transition(contact, by, note, {CONTACT_NEW}, CONTACT_ANSWERED, ANSWERED, "already answered or closed")


def close_request(contact: ContactRequest, by: Coordinator, note: str = "") -> ContactRequest:
    """Close a request that needs nothing more."""
    return _transition(contact, by, note, {CONTACT_NEW, CONTACT_ANSWERED}, CONTACT_CLOSED, CLOSED, "already closed")


def reopen_request(contact: ContactRequest, by: Coordinator, note: str = "") -> ContactRequest:
    """Put an answered or closed request back to new."""
    return _transition(
        contact, by, note, {CONTACT_ANSWERED, CONTACT_CLOSED}, CONTACT_NEW, REOPENED, "already open as new"
    )


def add_note(contact: ContactRequest, by: Coordinator, note: str) -> ContactRequest:
    """Add a note to the request's history, for the other coordinators of the desk."""
    _check_visible(contact, by)
    contact.history.append(ContactRequestEntry(action=NOTE, coordinator=by, note=_note(note, required=True)))
    contact.updated_at = utcnow()
    db.session.flush()
    return contact


def _transition(
    contact: ContactRequest, by: Coordinator, note: str, allowed: set[str], status: str, action: str, refusal: str
) -> ContactRequest:
    _lock(contact, by)
    note = _note(note)
    if contact.status not in allowed:
        raise ContactError(f"This request is {refusal}.")
    contact.status = status
    contact.history.append(ContactRequestEntry(action=action, coordinator=by, note=note))
    db.session.flush()
    return contact


def _check_visible(contact: ContactRequest, by: Coordinator) -> None:
    if not can_see_desk(by, contact.desk_id):
        raise RequestNotFound(contact.id)


def _lock(contact: ContactRequest, by: Coordinator) -> None:
    """Re-read the request under a row lock, so that two coordinators acting at once make one change, and
    check it is still on a desk ``by`` may see (another coordinator may just have passed it on)."""
    db.session.refresh(contact, with_for_update=True)
    _check_visible(contact, by)


def _multiline(value: str | None) -> str:
    # Browsers send CRLF; one kind of line break keeps the text and HTML emails alike.
    value = (value or "").replace("\r\n", "\n").replace("\r", "\n")
    return _MULTILINE_JUNK.sub(" ", value).strip()


def _note(note: str | None, required: bool = False) -> str:
    note = _multiline(note)
    if required and not note:
        raise ContactError("Please write a note.", "note")
    if len(note) > NOTE_MAX:
        raise ContactError(f"Please keep the note under {NOTE_MAX} characters.", "note")
    return note


def _single_line(value: str | None) -> str:
    # Names end up in email headers and subjects: no line break or control character survives.
    return " ".join(_SINGLE_LINE_JUNK.sub(" ", value or "").split())


def _valid_email(value: str | None) -> str:
    try:
        result = email_validator.validate_email((value or "").strip(), check_deliverability=False, allow_smtputf8=False)
    except email_validator.EmailNotValidError as error:
        raise ContactError(str(error), "email") from None
    return result.normalized


def _active_coordinators(desk: Desk) -> list[Coordinator]:
    return [c for c in desk.coordinators if c.active]


def _notify_desk(contact: ContactRequest, desk: Desk, *, template: str, key: str, extra: dict | None = None) -> None:
    """Email every active coordinator of ``desk`` about ``contact``, replying to the person who asked.

    A desk without an active coordinator would leave the question unread, so the administrators get it then.
    """
    recipients = _active_coordinators(desk) or list(
        db.session.scalars(sa.select(Coordinator).where(Coordinator.role == ROLE_ADMIN, Coordinator.active.is_(True)))
    )
    link = external_url_for("desks.request_detail", request_id=contact.id)
    reply_to = contact.email
    for coordinator in recipients:
        queue_email(
            kind=template,
            to=coordinator.email,
            to_name=coordinator.name,
            template=template,
            context={
                "request": contact,
                "desk": desk,
                "coordinator": coordinator,
                "link": link,
                "country_name": COUNTRY_NAMES.get(contact.country, contact.country),
                "expert_type": EXPERT_TYPES.get(contact.expert_type, contact.expert_type),
                **(extra or {}),
            },
            reply_to=reply_to,
            dedup_key=f"contact:{contact.id}:{key}:{coordinator.id}",
            contact_request_id=contact.id,
        )


# --- Public directory -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicContact:
    """What the public may know about a coordinator: never the email address."""

    name: str
    position: str
    city: str


@dataclass(frozen=True)
class PublicDesk:
    name: str
    city: str
    countries: list[str]
    is_german: bool
    is_default: bool
    coordinators: list[PublicContact]


def public_directory() -> list[PublicDesk]:
    """Desks by name and city with their active coordinators' names, roles and city, for the public pages."""
    desks = db.session.scalars(sa.select(Desk).options(so.selectinload(Desk.coordinators)).order_by(Desk.name))
    return [
        PublicDesk(
            name=desk.name,
            city=desk.city,
            countries=[COUNTRY_NAMES.get(code, code) for code in desk.countries],
            is_german=desk.is_german,
            is_default=desk.is_default,
            coordinators=[PublicContact(c.name, c.position, desk.city) for c in _active_coordinators(desk)],
        )
        for desk in desks
    ]


# --- Desk management --------------------------------------------------------------------------------


def save_desk(
    *,
    name: str,
    city: str,
    countries: list[str],
    is_german: bool = False,
    is_default: bool = False,
    desk: Desk | None = None,
) -> Desk:
    """Create a desk, or update ``desk``. Only one desk is the default and only one the German desk: setting
    the flag here takes it from the other desk. Each country is covered by at most one desk."""
    name = _single_line(name)
    city = _single_line(city)
    codes = sorted({(code or "").strip().upper() for code in countries if (code or "").strip()})
    if not name:
        raise DeskError("Give the desk a name.", "name")
    if len(name) > DESK_NAME_MAX:
        raise DeskError(f"Keep the name under {DESK_NAME_MAX} characters.", "name")
    if len(city) > CITY_MAX:
        raise DeskError(f"Keep the city under {CITY_MAX} characters.", "city")
    unknown = [code for code in codes if not is_country(code)]
    if unknown:
        raise DeskError(f"Unknown country codes: {', '.join(unknown)}.", "countries")
    desk_id = desk.id if desk is not None else -1
    clash = db.session.scalar(sa.select(Desk.id).where(sa.func.lower(Desk.name) == name.lower(), Desk.id != desk_id))
    if clash is not None:
        raise DeskError("Another desk already has this name.", "name")
    others = list(db.session.scalars(sa.select(Desk).where(Desk.id != desk_id).order_by(Desk.name)))
    # Two desks covering one country would make routing depend on their names' order.
    for other in others:
        shared = sorted(set(codes) & set(other.countries))
        if shared:
            listed = ", ".join(f"{COUNTRY_NAMES.get(c, c)} ({c})" for c in shared)
            raise DeskError(f"{other.name} already covers {listed}; remove it there first.", "countries")
    if desk is not None and desk.is_default and not is_default:
        raise DeskError(
            "Questions from countries no desk covers go to the default desk: make another desk the default "
            "instead of unsetting it here.",
            "is_default",
        )

    if is_default:
        for other in others:
            other.is_default = False
    if is_german:
        for other in others:
            other.is_german = False
    # Clear the other desks' flags before this desk takes them, so that no moment has two defaults.
    db.session.flush()
    if desk is None:
        desk = Desk()
        db.session.add(desk)
    desk.name = name
    desk.city = city
    desk.countries = codes
    desk.is_german = is_german
    desk.is_default = is_default
    db.session.flush()
    return desk


def get_desk(desk_id: int) -> Desk | None:
    """The desk with this id, or None."""
    return db.session.get(Desk, desk_id)


def remove_old_personal_data(cutoff: datetime) -> int:
    """Anonymise contact requests last changed before ``cutoff``; the caller commits."""
    old = db.session.scalars(
        sa.select(ContactRequest).where(ContactRequest.updated_at < cutoff, ContactRequest.email != "")
    ).all()
    for contact in old:
        contact.name = "Deleted requester"
        contact.email = ""
        contact.organisation = ""
        contact.message = "(removed after the retention period)"
        for entry in contact.history:
            entry.note = ""
        mail.scrub_messages(mail.messages_of(contact_request_id=contact.id))
    db.session.flush()
    # Also the emails of requests anonymised before, that were still on their way then.
    mail.scrub_finished(contact_request_ids=sa.select(ContactRequest.id).where(ContactRequest.email == ""))
    return len(old)
