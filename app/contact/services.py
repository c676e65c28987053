"""Contact requests: taking a question, routing it to a desk, and the coordinators' inbox.

Every function here flushes; the request (or the command) commits, so a request, its history and its
emails are written in one transaction.
"""

from dataclasses import dataclass
from datetime import datetime

import email_validator
import sqlalchemy as sa
import sqlalchemy.orm as so

from app.accounts.access import can_see_desk, desk_filter
from app.accounts.models import ROLE_ADMIN, Coordinator
from app.actions import Action, require
from app.contact.models import (
    CONTACT_ANSWERED,
    CONTACT_CLOSED,
    CONTACT_NEW,
    CONTACT_STATUSES,
    ContactRequest,
    ContactRequestEntry,
)
from app.countries import COUNTRY_NAMES, is_country
from app.desks import routing
from app.desks.models import EXPERT_TYPES, Desk
from app.desks.services import active_coordinators, all_desks, route_person
from app.errors import DomainError, NotFound
from app.events.models import PUBLISHED, Event, EventSession
from app.extensions import db
from app.i18n import _, _l
from app.mail import services as mail
from app.mail.services import queue_email
from app.text import clean_name, multiline
from app.types import utcnow
from app.web import external_url_for, parse_id

NAME_MAX = 200
ORGANISATION_MAX = 200
MESSAGE_MAX = 5000
NOTE_MAX = 2000

# History actions, in the words the inbox shows.
ROUTED = "routed"
REASSIGNED = "reassigned"
ANSWERED = "answered"
CLOSED = "closed"
REOPENED = "reopened"
NOTE = "note"
ACTION_LABELS = {
    ROUTED: _l("Routed"),
    REASSIGNED: _l("Passed to another desk"),
    ANSWERED: _l("Marked answered"),
    CLOSED: _l("Closed"),
    REOPENED: _l("Reopened"),
    NOTE: _l("Note"),
}


class ContactError(DomainError):
    """A contact request cannot be taken or changed as asked."""

    code = "contact_invalid"


class RequestNotFound(NotFound):
    """The request does not exist, or belongs to a desk the coordinator may not see."""

    code = "contact_not_found"


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
    message = multiline(data.message)
    country = (data.country or "").strip().upper()
    email = _valid_email(data.email)
    if not name:
        raise ContactError(_("Please tell us your name."), field="name")
    if len(name) > NAME_MAX:
        raise ContactError(_("Please keep your name under %(name_max)s characters.", name_max=NAME_MAX), field="name")
    if len(organisation) > ORGANISATION_MAX:
        raise ContactError(
            _("Please keep the organisation under %(organisation_max)s characters.", organisation_max=ORGANISATION_MAX),
            field="organisation",
        )
    if not message:
        raise ContactError(_("Please write your question."), field="message")
    if len(message) > MESSAGE_MAX:
        raise ContactError(
            _("Please keep your message under %(message_max)s characters.", message_max=MESSAGE_MAX), field="message"
        )
    if not is_country(country):
        raise ContactError(_("Choose a country from the list."), field="country")
    if data.expert_type not in EXPERT_TYPES:
        raise ContactError(_("Tell us whether you are an international or a German expert."), field="expert_type")
    event = None
    if data.event_id is not None:
        event = db.session.get(Event, data.event_id)
        if event is None or event.status != PUBLISHED:
            raise ContactError(_("Choose an event from the list, or none."), field="event")

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
    coordinators = active_coordinators(desk)
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
            "reason": routing.explain(desk, country, data.expert_type),
        },
        dedup_key=f"contact:{contact.id}:acknowledgement",
        desk=desk,
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
        raise RequestNotFound(_("This request does not exist."))
    return contact


# --- The request's state machine ---------------------------------------------------------------------

# action -> (statuses it applies to, status it leads to, history entry, label)
TRANSITIONS = {
    "answered": ({CONTACT_NEW}, CONTACT_ANSWERED, ANSWERED),
    "close": ({CONTACT_NEW, CONTACT_ANSWERED}, CONTACT_CLOSED, CLOSED),
    "reopen": ({CONTACT_ANSWERED, CONTACT_CLOSED}, CONTACT_NEW, REOPENED),
}


def request_actions(contact: ContactRequest, by: Coordinator) -> list[Action]:
    """Every action on a contact request, open or not (with the reason), for ``by`` in its current state."""
    closed = contact.status == CONTACT_CLOSED
    others = [d for d in all_desks() if d.id != contact.desk_id]
    return [
        Action(
            "answered",
            _("Mark answered"),
            contact.status == CONTACT_NEW,
            _("This request is already answered or closed."),
        ),
        Action("close", _("Close"), not closed, _("This request is already closed.")),
        Action("reopen", _("Reopen"), contact.status != CONTACT_NEW, _("This request is already open as new.")),
        Action("note", _("Add note"), True),
        Action(
            "reassign",
            _("Pass on"),
            bool(others) and not closed,
            _("Reopen the request before you pass it to another desk.") if closed else _("There is no other desk."),
        ),
    ]


def reassign_request(contact: ContactRequest, to_desk: Desk, by: Coordinator, note: str) -> ContactRequest:
    """Pass a request to another desk with a note; that desk's coordinators are emailed, and it starts as new
    there."""
    _lock(contact, by)
    require(request_actions(contact, by), "reassign")
    note = _note(note, required=True)
    if to_desk.id == contact.desk_id:
        raise ContactError(_("The request is already with this desk; choose another one."), field="desk")
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


def change_status(contact: ContactRequest, action: str, by: Coordinator, note: str = "") -> ContactRequest:
    """Mark answered, close or reopen (``action``), with an optional note for the history."""
    _lock(contact, by)
    require(request_actions(contact, by), action)
    _statuses, status, entry = TRANSITIONS[action]
    contact.status = status
    contact.history.append(ContactRequestEntry(action=entry, coordinator=by, note=_note(note)))
    db.session.flush()
    return contact


def mark_answered(contact: ContactRequest, by: Coordinator, note: str = "") -> ContactRequest:
    """Record that the person has been answered (the answer itself goes by email from the coordinator)."""
    return change_status(contact, "answered", by, note)


def close_request(contact: ContactRequest, by: Coordinator, note: str = "") -> ContactRequest:
    """Close a request that needs nothing more."""
    return change_status(contact, "close", by, note)


def reopen_request(contact: ContactRequest, by: Coordinator, note: str = "") -> ContactRequest:
    """Put an answered or closed request back to new."""
    return change_status(contact, "reopen", by, note)


def add_note(contact: ContactRequest, by: Coordinator, note: str) -> ContactRequest:
    """Add a note to the request's history, for the other coordinators of the desk."""
    _check_visible(contact, by)
    contact.history.append(ContactRequestEntry(action=NOTE, coordinator=by, note=_note(note, required=True)))
    contact.updated_at = utcnow()
    db.session.flush()
    return contact


def _check_visible(contact: ContactRequest, by: Coordinator) -> None:
    if not can_see_desk(by, contact.desk_id):
        raise RequestNotFound(_("This request does not exist."))


def _lock(contact: ContactRequest, by: Coordinator) -> None:
    """Re-read the request under a row lock, so that two coordinators acting at once make one change, and
    check it is still on a desk ``by`` may see (another coordinator may just have passed it on)."""
    db.session.refresh(contact, with_for_update=True)
    _check_visible(contact, by)


def _note(note: str | None, required: bool = False) -> str:
    note = multiline(note)
    if required and not note:
        raise ContactError(_("Please write a note."), field="note")
    if len(note) > NOTE_MAX:
        raise ContactError(_("Please keep the note under %(note_max)s characters.", note_max=NOTE_MAX), field="note")
    return note


def _valid_email(value: str | None) -> str:
    try:
        result = email_validator.validate_email((value or "").strip(), check_deliverability=False, allow_smtputf8=False)
    except email_validator.EmailNotValidError as error:
        raise ContactError(_("Enter a valid email address, for instance name@example.org."), field="email") from error
    return result.normalized


def _notify_desk(contact: ContactRequest, desk: Desk, *, template: str, key: str, extra: dict | None = None) -> None:
    """Email every active coordinator of ``desk`` about ``contact``, replying to the person who asked.

    A desk without an active coordinator would leave the question unread, so the administrators get it then.
    """
    recipients = active_coordinators(desk) or list(
        db.session.scalars(sa.select(Coordinator).where(Coordinator.role == ROLE_ADMIN, Coordinator.active.is_(True)))
    )
    link = external_url_for("contact.request_detail", request_id=contact.id)
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
