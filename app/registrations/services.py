"""Registration business rules: sign-up, email confirmation, approval, seats and the waitlist.

Every function runs inside the caller's transaction and flushes; the request (or command) commits.
Seat decisions take a lock on the event row first (PostgreSQL: SELECT ... FOR UPDATE; SQLite: every
transaction begins IMMEDIATE), so that counting confirmed registrations and confirming one more is
atomic: confirmed registrations never exceed capacity, whatever the concurrency.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from app.calendar.urls import manage_link
from app.desks.services import route_person
from app.events.models import Event
from app.events.services import registration_state
from app.extensions import db
from app.mail import services as mail
from app.mail.models import FAILED, OutboxMessage
from app.mail.services import queue_email
from app.registrations import tokens
from app.registrations.models import (
    ACTIVE_STATUSES,
    CANCELLED,
    CONFIRMED,
    EXPIRED,
    PENDING_APPROVAL,
    PENDING_VERIFICATION,
    REJECTED,
    TOKEN_JOIN,
    TOKEN_MANAGE,
    TOKEN_VERIFY,
    WAITLISTED,
    Registration,
    RegistrationTransition,
)
from app.text import clean_name
from app.types import utcnow
from app.web import external_url_for, parse_id


class RegistrationError(ValueError):
    """A registration action that cannot be done (closed event, expired link, wrong status...)."""


@dataclass
class RegistrationData:
    name: str
    email: str
    country: str
    expert_type: str
    timezone: str
    organisation: str = ""
    position: str = ""
    message: str = ""
    consent: bool = False


# --- Seats ----------------------------------------------------------------------------------------


def lock_event(event_id: int) -> Event:
    """Load the event with a row lock that serialises every seat decision for it."""
    return db.session.scalars(
        sa.select(Event).where(Event.id == event_id).with_for_update().execution_options(populate_existing=True)
    ).one()


def _fresh(registration: Registration) -> Registration:
    """Re-read a registration after taking the event lock: another transaction may have moved it."""
    return db.session.scalars(
        sa.select(Registration).where(Registration.id == registration.id).execution_options(populate_existing=True)
    ).one()


def confirmed_count(event: Event) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).where(Registration.event_id == event.id, Registration.status == CONFIRMED)
    )


def seats_left(event: Event) -> int | None:
    """Free seats, or None when the event has no capacity limit."""
    if event.capacity is None:
        return None
    return max(event.capacity - confirmed_count(event), 0)


def status_counts(event: Event, desk_ids: set[int] | None = None) -> dict[str, int]:
    query = sa.select(Registration.status, sa.func.count()).where(Registration.event_id == event.id)
    if desk_ids is not None:
        query = query.where(Registration.desk_id.in_(desk_ids or {-1}))
    return dict(db.session.execute(query.group_by(Registration.status)).all())


def _transition(registration: Registration, to_status: str, *, actor: str, coordinator=None, message: str = ""):
    db.session.add(
        RegistrationTransition(
            registration=registration,
            from_status=registration.status,
            to_status=to_status,
            actor=actor,
            coordinator=coordinator,
            message=message,
        )
    )
    registration.status = to_status


def _seat_or_waitlist(event: Event, registration: Registration, *, actor: str, coordinator=None, message=""):
    """Give the registration a seat if one is free and nobody waits for it, else put it on the waitlist.
    Needs the event lock."""
    fill_seats(event)  # anyone already waiting comes first
    left = seats_left(event)
    if left is None or left > 0:
        _transition(registration, CONFIRMED, actor=actor, coordinator=coordinator, message=message)
        db.session.flush()
        _send_confirmed(registration, promoted=False, message=message)
    else:
        _transition(registration, WAITLISTED, actor=actor, coordinator=coordinator, message=message)
        db.session.flush()
        _send(registration, "waitlisted", message=message)


def fill_seats(event: Event) -> list[Registration]:
    """Promote the head of the waitlist (in order of email confirmation) while seats are free."""
    promoted = []
    if event.status != "published":
        return promoted
    while True:
        left = seats_left(event)
        if left is not None and left <= 0:
            break
        head = db.session.scalar(
            sa.select(Registration)
            .where(Registration.event_id == event.id, Registration.status == WAITLISTED)
            .order_by(Registration.verified_at, Registration.id)
            .limit(1)
        )
        if head is None:
            break
        _transition(head, CONFIRMED, actor="system", message="A seat became free.")
        db.session.flush()
        _send_confirmed(head, promoted=True)
        promoted.append(head)
    return promoted


# --- Participant actions ----------------------------------------------------------------------------


def find_active(event: Event, email: str) -> Registration | None:
    return db.session.scalar(
        sa.select(Registration).where(
            Registration.event_id == event.id,
            Registration.email_normalized == email.strip().lower(),
            Registration.status.in_(ACTIVE_STATUSES),
        )
    )


def register(event: Event, data: RegistrationData, now: datetime | None = None) -> Registration:
    """Sign someone up (pending email confirmation) and email them the confirmation link.

    Signing up again with an address that already has an active registration changes nothing and
    emails that address a link to its personal page instead, so the form never tells whether an
    address is registered.
    """
    now = now or utcnow()
    state = registration_state(event, now)
    if state != "open":
        raise RegistrationError(f"Registration is not open for this event ({state.replace('_', ' ')}).")
    if not data.consent:
        raise RegistrationError("Consent is needed to register.")
    name = clean_name(data.name)
    if not name:
        raise RegistrationError("Please write a name with visible letters.")
    expire_unverified(now, event=event)
    existing = find_active(event, data.email)
    if existing is not None:
        _send_already_registered(existing, now)
        return existing

    chosen = route_person(data.country, data.expert_type)
    registration = Registration(
        event=event,
        desk_id=chosen.desk.id,
        routing_reason=chosen.reason,
        name=name,
        email=data.email.strip(),
        email_normalized=data.email.strip().lower(),
        organisation=clean_name(data.organisation),
        country=data.country.upper(),
        position=clean_name(data.position),
        expert_type=data.expert_type,
        timezone=data.timezone,
        message=data.message.strip(),
        consent_at=now,
        status=PENDING_VERIFICATION,
        calendar_uid=uuid.uuid4().hex,
    )
    try:
        # A concurrent submission with the same address may win the unique index between our check
        # and this insert: then it is the existing registration, handled like any repeat.
        with db.session.begin_nested():
            db.session.add(registration)
            db.session.add(
                RegistrationTransition(
                    registration=registration, from_status=None, to_status=PENDING_VERIFICATION, actor="participant"
                )
            )
    except sa.exc.IntegrityError:
        existing = find_active(event, data.email)
        if existing is None:
            raise
        _send_already_registered(existing, now)
        return existing
    hours = current_app.config["VERIFICATION_HOURS"]
    verify = tokens.issue(registration, TOKEN_VERIFY, expires_at=now + timedelta(hours=hours))
    _send(
        registration, "confirm_email", verify_url=external_url_for("registrations.confirm", token=verify), hours=hours
    )
    return registration


def verify(raw_token: str, now: datetime | None = None) -> Registration:
    """Confirm the email address behind a link: the registration enters approval, or gets a seat."""
    token = tokens.lookup(raw_token, TOKEN_VERIFY)
    if token is None:
        raise RegistrationError("This confirmation link is not valid or has expired.")
    event = lock_event(token.registration.event_id)
    registration = _fresh(token.registration)
    if registration.status != PENDING_VERIFICATION:
        return registration  # confirmed already: clicking twice is harmless
    if event.status != "published":
        raise RegistrationError("This event is no longer open for registration.")
    registration.verified_at = now or utcnow()
    tokens.revoke(registration, TOKEN_VERIFY)
    if event.approval_required:
        _transition(registration, PENDING_APPROVAL, actor="participant")
        db.session.flush()
        _send(registration, "awaiting_approval")
    else:
        _seat_or_waitlist(event, registration, actor="participant")
    db.session.flush()
    return registration


def awaiting_confirmation(raw_token: str) -> Registration | None:
    """The registration a confirmation link belongs to, or None (unknown, tampered or expired)."""
    token = tokens.lookup(raw_token, TOKEN_VERIFY)
    return token.registration if token is not None else None


def new_manage_token(registration: Registration) -> str:
    """A fresh token for the participant's personal page (only its hash is stored)."""
    return tokens.issue(registration, TOKEN_MANAGE)


def participant_by_token(raw_token: str) -> Registration | None:
    token = tokens.lookup(raw_token, TOKEN_MANAGE)
    if token is None or token.registration.anonymised_at is not None:
        return None
    return token.registration


def cancel_by_participant(registration: Registration) -> bool:
    """The participant withdraws; a freed seat goes to the head of the waitlist."""
    return _cancel(registration, actor="participant")


def change_timezone(registration: Registration, zone_name: str) -> None:
    """Store the zone the participant reads times in (validated by the form)."""
    registration.timezone = zone_name
    db.session.flush()


def personal_data(registration: Registration) -> dict:
    """Everything stored about a participant, for the JSON download on their page."""
    return {
        "event": {
            "title": registration.event.title,
            "url": external_url_for("events.detail", slug=registration.event.slug),
        },
        "name": registration.name,
        "email": registration.email,
        "organisation": registration.organisation,
        "country": registration.country,
        "role": registration.position,
        "expert_type": registration.expert_type,
        "timezone": registration.timezone,
        "message": registration.message,
        "consent_given_at": registration.consent_at.isoformat() if registration.consent_at else None,
        "status": registration.status,
        "email_confirmed_at": registration.verified_at.isoformat() if registration.verified_at else None,
        "routed_to_desk": registration.desk.name,
        "history": [
            {"from": t.from_status, "to": t.to_status, "at": t.created_at.isoformat(), "by": t.actor}
            for t in registration.transitions
        ],
    }


def anonymise(registration: Registration, *, reason: str = "participant") -> None:
    """Remove personal data but keep the registration for the counts; an active one is cancelled first.

    This registration's earlier emails lose their recipient and content (queued ones are not sent); the
    cancellation queued here still goes out, without a link to the personal page that is about to disappear,
    and is emptied once sent. Other registrations of the same address are not touched.
    """
    earlier = mail.messages_of(registration_id=registration.id)
    registration.anonymised_at = utcnow()
    db.session.flush()
    if registration.status in ACTIVE_STATUSES:
        _cancel(registration, actor=reason)
        registration = _fresh(registration)
    mail.scrub_messages(earlier)
    told = [m for m in mail.messages_of(registration_id=registration.id) if m not in earlier]
    mail.scrub_messages(told, send_queued=True)
    _remove_personal_fields(registration)


def _remove_personal_fields(registration: Registration) -> None:
    registration.name = "Deleted participant"
    registration.email = f"deleted-{registration.id}@invalid"
    registration.email_normalized = registration.email
    registration.organisation = ""
    registration.position = ""
    registration.message = ""
    for transition in registration.transitions:
        transition.message = ""
    for purpose in (TOKEN_VERIFY, TOKEN_MANAGE, TOKEN_JOIN):
        tokens.revoke(registration, purpose)
    db.session.flush()


def expire_unverified(now: datetime | None = None, event: Event | None = None) -> int:
    """Mark registrations whose email was never confirmed in time as expired (they held no seat)."""
    now = now or utcnow()
    cutoff = now - timedelta(hours=current_app.config["VERIFICATION_HOURS"])
    query = sa.select(Registration).where(Registration.status == PENDING_VERIFICATION, Registration.created_at < cutoff)
    if event is not None:
        query = query.where(Registration.event_id == event.id)
    stale = db.session.scalars(query).all()
    for registration in stale:
        _transition(registration, EXPIRED, actor="system", message="Email address not confirmed in time.")
        tokens.revoke(registration, TOKEN_VERIFY)
    db.session.flush()
    return len(stale)


def remove_old_personal_data(now: datetime | None = None) -> int:
    """Remove the personal data of registrations of events that ended more than RETENTION_DAYS ago.

    Silent: no email, and status and counts stay as they were. Their emails are emptied (queued ones
    cancelled), as are the sent emails of registrations deleted earlier."""
    from app.events.models import EventSession

    now = now or utcnow()
    cutoff = now - timedelta(days=current_app.config["RETENTION_DAYS"])
    ended = (
        sa.select(EventSession.event_id)
        .group_by(EventSession.event_id)
        .having(sa.func.max(EventSession.ends_at) < cutoff)
    )
    old = db.session.scalars(
        sa.select(Registration).where(Registration.event_id.in_(ended), Registration.anonymised_at.is_(None))
    ).all()
    for registration in old:
        registration.anonymised_at = now
        mail.scrub_messages(mail.messages_of(registration_id=registration.id))
        _remove_personal_fields(registration)
    mail.scrub_finished(registration_ids=sa.select(Registration.id).where(Registration.anonymised_at.is_not(None)))
    return len(old)


# --- Coordinator decisions -------------------------------------------------------------------------

DECISIONS = {
    "approve": "Approve",
    "waitlist": "Move to waitlist",
    "reject": "Reject",
    "cancel": "Cancel",
}


def decide(registration: Registration, decision: str, coordinator, message: str = "") -> bool:
    """Apply a coordinator's decision; returns False when it does not apply to the current status.

    The event lock and a fresh read make two coordinators deciding at once produce one transition.
    """
    event = lock_event(registration.event_id)
    registration = _fresh(registration)
    message = message.strip()
    status = registration.status
    if decision == "approve" and status == PENDING_APPROVAL:
        _seat_or_waitlist(event, registration, actor="coordinator", coordinator=coordinator, message=message)
    elif decision == "approve" and status == WAITLISTED and (seats_left(event) is None or seats_left(event) > 0):
        _transition(registration, CONFIRMED, actor="coordinator", coordinator=coordinator, message=message)
        db.session.flush()
        _send_confirmed(registration, promoted=True, message=message)
    elif decision == "waitlist" and status == PENDING_APPROVAL and seats_left(event) == 0:
        # Only a full event has a waitlist: with seats free, waitlisted people would be promoted at once.
        _transition(registration, WAITLISTED, actor="coordinator", coordinator=coordinator, message=message)
        db.session.flush()
        _send(registration, "waitlisted", message=message)
    elif decision == "reject" and status in (PENDING_APPROVAL, WAITLISTED, CONFIRMED):
        _end(event, registration, REJECTED, actor="coordinator", coordinator=coordinator, message=message)
    elif decision == "cancel" and status in ACTIVE_STATUSES:
        _end(event, registration, CANCELLED, actor="coordinator", coordinator=coordinator, message=message)
    else:
        return False
    db.session.flush()
    return True


def decide_many(registrations: list[Registration], decision: str, coordinator, message: str = "") -> int:
    """The same decision for several registrations, in one transaction; returns how many changed."""
    return sum(decide(r, decision, coordinator, message) for r in registrations)


def cancel_for_event(event: Event, message: str = "") -> None:
    """The event is cancelled: every active registration ends, and everyone is told."""
    from app.calendar import invites

    active = db.session.scalars(
        sa.select(Registration).where(
            Registration.event_id == event.id,
            Registration.status.in_(ACTIVE_STATUSES),
            # Removed by the retention purge: they keep their status and have no one left to tell.
            Registration.anonymised_at.is_(None),
        )
    ).all()
    for registration in active:
        was_confirmed = registration.status == CONFIRMED
        _transition(registration, CANCELLED, actor="system", message="The event was cancelled.")
        db.session.flush()
        if was_confirmed:
            invites.send_cancellations(registration, message)
        else:
            _send(registration, "event_cancelled", message=message)
    db.session.flush()


def _cancel(registration: Registration, *, actor: str) -> bool:
    event = lock_event(registration.event_id)
    registration = _fresh(registration)
    if registration.status not in ACTIVE_STATUSES:
        return False
    _end(event, registration, CANCELLED, actor=actor)
    return True


def _end(event: Event, registration: Registration, to_status: str, *, actor: str, coordinator=None, message=""):
    """Reject or cancel; a confirmed participant's invites are withdrawn and the seat is passed on."""
    from app.calendar import invites

    was_confirmed = registration.status == CONFIRMED
    _transition(registration, to_status, actor=actor, coordinator=coordinator, message=message)
    db.session.flush()
    template = "rejected" if to_status == REJECTED else "cancelled"
    _send(registration, template, message=message, by=actor)
    if was_confirmed:
        invites.send_cancellations(registration, message)
        fill_seats(event)


# --- Emails -------------------------------------------------------------------------------------------


def _send(registration: Registration, template: str, **context) -> None:
    manage_url = None if registration.anonymised_at else manage_link(registration)
    queue_email(
        kind=f"registration_{template}",
        to=registration.email,
        to_name=registration.name,
        template=template,
        context={
            "registration": registration,
            "event": registration.event,
            "manage_url": manage_url,
            **context,
        },
        registration_id=registration.id,
    )


def _send_already_registered(registration: Registration, now: datetime) -> None:
    """Tell the owner of the address; if they never confirmed it, with a fresh confirmation link."""
    verify_url = None
    if registration.status == PENDING_VERIFICATION:
        hours = current_app.config["VERIFICATION_HOURS"]
        token = tokens.issue(registration, TOKEN_VERIFY, expires_at=now + timedelta(hours=hours))
        verify_url = external_url_for("registrations.confirm", token=token)
    _send(registration, "already_registered", verify_url=verify_url)


def _send_confirmed(registration: Registration, *, promoted: bool, message: str = "") -> None:
    """The confirmation with the personal access link and the first session's invite; the other
    sessions' invites follow as separate messages (one calendar object per message)."""
    from app.calendar import invites

    event = registration.event
    access_url = invites.access_link(registration)
    upcoming = invites.upcoming_sessions(event)
    first = upcoming[0] if upcoming else None
    queue_email(
        kind="registration_confirmed",
        to=registration.email,
        to_name=registration.name,
        template="confirmed",
        context={
            "registration": registration,
            "event": event,
            "manage_url": manage_link(registration),
            "access_url": access_url,
            "promoted": promoted,
            "message": message,
            "first": first,
        },
        calendar=invites.request_part(registration, first, access_url) if first else None,
        registration_id=registration.id,
    )
    if first is not None:
        invites.queue_session_invites(registration, access_url, skip=first)


# --- Coordinator lists --------------------------------------------------------------------------------


def search(
    event: Event,
    desk_ids: set[int] | None,
    *,
    status: str = "",
    country: str = "",
    expert_type: str = "",
    desk: str = "",
    q: str = "",
) -> list[Registration]:
    """An event's registrations visible to a coordinator, filtered, in order of arrival."""
    query = sa.select(Registration).where(Registration.event_id == event.id)
    if desk_ids is not None:
        query = query.where(Registration.desk_id.in_(desk_ids or {-1}))
    if status:
        query = query.where(Registration.status == status)
    if country:
        query = query.where(Registration.country == country.upper())
    if expert_type:
        query = query.where(Registration.expert_type == expert_type)
    if parse_id(desk):
        query = query.where(Registration.desk_id == parse_id(desk))
    if q:
        pattern = f"%{q.lower()}%"
        query = query.where(
            sa.or_(
                sa.func.lower(Registration.name).like(pattern),
                Registration.email_normalized.like(pattern),
                sa.func.lower(Registration.organisation).like(pattern),
            )
        )
    order = sa.case((Registration.verified_at.is_(None), 1), else_=0)
    return list(db.session.scalars(query.order_by(order, Registration.verified_at, Registration.id)))


def registrations_for_decision(event: Event, ids: list[int], desk_ids: set[int] | None) -> list[Registration]:
    """The chosen registrations of this event that the coordinator may decide on (others are ignored)."""
    if not ids:
        return []
    query = sa.select(Registration).where(Registration.event_id == event.id, Registration.id.in_(ids))
    if desk_ids is not None:
        query = query.where(Registration.desk_id.in_(desk_ids or {-1}))
    return list(db.session.scalars(query.order_by(Registration.verified_at, Registration.id)))


# --- Email delivery, as coordinators see it ---------------------------------------------------------


def emails_for(registration: Registration) -> list[OutboxMessage]:
    """The emails queued for this registration, newest first (with their status); never those of another
    registration or a contact request that share the address."""
    return mail.messages_of(registration_id=registration.id)


def with_failed_email(registrations: list[Registration]) -> set[int]:
    """The ids of those registrations that had an email fail permanently."""
    ids = [r.id for r in registrations]
    if not ids:
        return set()
    return set(
        db.session.scalars(
            sa.select(OutboxMessage.registration_id)
            .where(OutboxMessage.status == FAILED, OutboxMessage.registration_id.in_(ids))
            .distinct()
        )
    )
