"""The opt-in participant directory: confirmed participants who chose to be listed see each other (in the
event, or in every event of its series) and write to each other through relayed emails. Nothing of it is public;
addresses are never shown, and a sender's address travels only when they tick that box."""

from datetime import datetime

import sqlalchemy as sa

from app.accounts.access import within_desks
from app.errors import DomainError, NotFound
from app.events.models import Event
from app.extensions import db
from app.i18n import _
from app.mail.services import queue_email
from app.participation.models import SCOPE_EVENT, SCOPE_SERIES, DirectoryEntry, DirectoryMessage
from app.registrations.links import manage_link
from app.registrations.models import CONFIRMED, Registration
from app.types import utcnow


class DirectoryError(DomainError):
    code = "directory_invalid"
    status = 422


def entry_for(registration: Registration) -> DirectoryEntry | None:
    return db.session.scalar(sa.select(DirectoryEntry).where(DirectoryEntry.registration_id == registration.id))


def can_use(registration: Registration) -> bool:
    """Only confirmed participants of an event that is not cancelled see or join the directory."""
    return (
        registration.status == CONFIRMED and registration.anonymised_at is None and not registration.event.is_cancelled
    )


def join(
    registration: Registration, *, scope: str = SCOPE_EVENT, introduction: str = "", topics: str = ""
) -> DirectoryEntry:
    """List the participant (or change their listing). Unconfirmed registrations may opt in at sign-up: the
    entry is shown once they have a seat."""
    if registration.anonymised_at is not None or not registration.is_active:
        raise DirectoryError(_("Only participants can be listed in the directory."), code="not_participant")
    if scope not in (SCOPE_EVENT, SCOPE_SERIES):
        raise DirectoryError(_("Choose who may see your entry."), field="scope")
    if scope == SCOPE_SERIES and not registration.event.programme:
        scope = SCOPE_EVENT  # the event belongs to no series
    entry = entry_for(registration)
    if entry is None:
        entry = DirectoryEntry(registration_id=registration.id)
        db.session.add(entry)
    entry.scope = scope
    entry.introduction = introduction.strip()[:1000]
    entry.topics = topics.strip()[:500]
    db.session.flush()
    return entry


def leave(registration: Registration) -> bool:
    """Remove the participant's entry at once; True when there was one."""
    result = db.session.execute(sa.delete(DirectoryEntry).where(DirectoryEntry.registration_id == registration.id))
    db.session.flush()
    return bool(result.rowcount)


def _audience(viewer: Registration):
    """Registrations whose entries ``viewer`` may see: same event; or same series when the entry says so."""
    event = viewer.event
    same_event = Registration.event_id == event.id
    if not event.programme:
        return same_event
    series_events = sa.select(Event.id).where(Event.programme == event.programme)
    return sa.or_(same_event, sa.and_(DirectoryEntry.scope == SCOPE_SERIES, Registration.event_id.in_(series_events)))


def visible_entries(viewer: Registration) -> list[DirectoryEntry]:
    """The entries a participant sees: none unless they are a confirmed participant themselves."""
    if not can_use(viewer):
        return []
    query = (
        sa.select(DirectoryEntry)
        .join(Registration, Registration.id == DirectoryEntry.registration_id)
        .join(Event, Event.id == Registration.event_id)
        .where(
            _audience(viewer),
            Registration.status == CONFIRMED,
            Registration.anonymised_at.is_(None),
            Registration.email_normalized != viewer.email_normalized,
            DirectoryEntry.hidden_at.is_(None),
            Event.status != "cancelled",
        )
        .order_by(sa.func.lower(Registration.name), DirectoryEntry.id)
    )
    seen: set[str] = set()
    entries = []
    for entry in db.session.scalars(query):
        # One person registered for two events of a series is listed once.
        if entry.registration.email_normalized not in seen:
            seen.add(entry.registration.email_normalized)
            entries.append(entry)
    return entries


def send_message(
    sender: Registration,
    recipient_entry_id: int | None,
    body: str,
    *,
    reveal_address: bool,
    now: datetime | None = None,
) -> DirectoryMessage:
    """Relay a message from one listed participant to another through the outbox.

    The recipient's address is never shown to the sender; the sender's address goes into Reply-To and the text
    only when ``reveal_address`` is set. Otherwise the recipient answers through the directory.
    """
    own = entry_for(sender)
    if not can_use(sender) or own is None or own.hidden_at is not None:
        raise DirectoryError(
            _("List yourself in the directory first: only listed participants can write to each other."),
            code="sender_not_listed",
            status=403,
        )
    entry = next((e for e in visible_entries(sender) if e.id == recipient_entry_id), None)
    if entry is None:
        raise NotFound(_("That participant is not in your directory."), field="recipient")
    body = (body or "").strip()
    if not body:
        raise DirectoryError(_("Write a message."), field="body")
    if len(body) > 3000:
        raise DirectoryError(_("Keep the message under 3000 characters."), field="body")
    recipient = entry.registration
    queue_email(
        kind="directory_message",
        to=recipient.email,
        to_name=recipient.name,
        template="directory_message",
        context={
            "sender": sender,
            "recipient": recipient,
            "event": sender.event,
            "body": body,
            "reveal_address": reveal_address,
            "sender_email": sender.email if reveal_address else None,
            "link": manage_link(recipient),
        },
        reply_to=sender.email if reveal_address else None,
    )
    message = DirectoryMessage(
        sender_id=sender.id, recipient_id=recipient.id, address_revealed=reveal_address, created_at=now or utcnow()
    )
    db.session.add(message)
    db.session.flush()
    return message


# --- Coordinators ----------------------------------------------------------------------------------


def entries_for_event(event: Event, desk_ids: set[int] | None = None) -> list[DirectoryEntry]:
    query = (
        sa.select(DirectoryEntry)
        .join(Registration, Registration.id == DirectoryEntry.registration_id)
        .where(Registration.event_id == event.id)
        .order_by(sa.func.lower(Registration.name))
    )
    query = query.where(within_desks(Registration.desk_id, desk_ids))
    return list(db.session.scalars(query))


def set_hidden(entry: DirectoryEntry, hidden: bool, coordinator=None) -> None:
    """A coordinator hides an entry from the directory (or shows it again)."""
    entry.hidden_at = utcnow() if hidden else None
    entry.hidden_by_id = coordinator.id if hidden and coordinator is not None else None
    db.session.flush()
