"""Participants' side of registration: sign-up, email confirmation, their own page, their data."""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from app import signals
from app.desks.services import route_person
from app.events.models import Event, EventSession
from app.events.services import registration_state
from app.extensions import db
from app.i18n import _, _l
from app.registrations import tokens
from app.registrations.models import (
    ACTIVE_STATUSES,
    EXPIRED,
    PENDING_APPROVAL,
    PENDING_VERIFICATION,
    TOKEN_JOIN,
    TOKEN_MANAGE,
    TOKEN_VERIFY,
    Registration,
    RegistrationTransition,
)
from app.registrations.services.common import RegistrationError, fresh, lock_event, transition
from app.registrations.services.decisions import cancel
from app.registrations.services.notifications import (
    scrub_emails,
    send,
    send_already_registered,
    send_confirmation_request,
)
from app.registrations.services.queries import emails_for
from app.registrations.services.seats import seat_or_waitlist
from app.types import utcnow
from app.web import external_url_for

# Why the form is closed, by registration_state().
REGISTRATION_CLOSED = {
    "not_yet_open": _l("Registration for this event has not opened yet."),
    "closed": _l("Registration for this event is closed."),
    "past": _l("This event is over."),
    "cancelled": _l("This event has been cancelled."),
    "draft": _l("This event is not published."),
}


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
        raise RegistrationError(
            REGISTRATION_CLOSED.get(state, REGISTRATION_CLOSED["closed"]), code=f"registration_{state}"
        )
    if not data.consent:
        raise RegistrationError(_("Consent is needed to register."), field="consent")
    expire_unverified(now, event=event)
    existing = find_active(event, data.email)
    if existing is not None:
        send_already_registered(existing, now)
        return existing

    chosen = route_person(data.country, data.expert_type)
    registration = Registration(
        event=event,
        desk_id=chosen.desk.id,
        routing_reason=chosen.reason,
        name=data.name.strip(),
        email=data.email.strip(),
        email_normalized=data.email.strip().lower(),
        organisation=data.organisation.strip(),
        country=data.country.upper(),
        position=data.position.strip(),
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
        send_already_registered(existing, now)
        return existing
    send_confirmation_request(registration, now)
    return registration


def verify(raw_token: str, now: datetime | None = None) -> Registration:
    """Confirm the email address behind a link: the registration enters approval, or gets a seat."""
    token = tokens.lookup(raw_token, TOKEN_VERIFY)
    if token is None:
        raise RegistrationError(_("This confirmation link is not valid or has expired."), status=410)
    event = lock_event(token.registration.event_id)
    registration = fresh(token.registration)
    if registration.status != PENDING_VERIFICATION:
        return registration  # confirmed already: clicking twice is harmless
    if event.status != "published":
        raise RegistrationError(_("This event is no longer open for registration."), status=410)
    registration.verified_at = now or utcnow()
    tokens.revoke(registration, TOKEN_VERIFY)
    if event.approval_required:
        transition(registration, PENDING_APPROVAL, actor="participant")
        db.session.flush()
        send(registration, "awaiting_approval")
    else:
        seat_or_waitlist(event, registration, actor="participant")
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
    return cancel(registration, actor="participant")


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

    Earlier emails to the address lose their recipient and content too (queued ones are not sent); the
    cancellation queued here still goes out, without a link to the personal page that is about to disappear.
    """
    earlier = emails_for(registration)
    registration.anonymised_at = utcnow()
    db.session.flush()
    if registration.status in ACTIVE_STATUSES:
        cancel(registration, actor=reason)
        registration = fresh(registration)
    scrub_emails(registration, earlier)
    registration.name = "Deleted participant"
    registration.email = f"deleted-{registration.id}@invalid"
    registration.email_normalized = registration.email
    registration.organisation = ""
    registration.position = ""
    registration.message = ""
    for entry in registration.transitions:
        entry.message = ""
    for purpose in (TOKEN_VERIFY, TOKEN_MANAGE, TOKEN_JOIN):
        tokens.revoke(registration, purpose)
    db.session.flush()
    # Directory entries, survey answers and certificates of higher domains go too.
    signals.personal_data_deleted.send(registration)


def expire_unverified(now: datetime | None = None, event: Event | None = None) -> int:
    """Mark registrations whose email was never confirmed in time as expired (they held no seat)."""
    now = now or utcnow()
    cutoff = now - timedelta(hours=current_app.config["VERIFICATION_HOURS"])
    query = sa.select(Registration).where(Registration.status == PENDING_VERIFICATION, Registration.created_at < cutoff)
    if event is not None:
        query = query.where(Registration.event_id == event.id)
    stale = db.session.scalars(query).all()
    for registration in stale:
        transition(registration, EXPIRED, actor="system", message="Email address not confirmed in time.")
        tokens.revoke(registration, TOKEN_VERIFY)
    db.session.flush()
    return len(stale)


def remove_old_personal_data(now: datetime | None = None) -> int:
    """Anonymise registrations of events that ended more than RETENTION_DAYS ago."""
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
        anonymise(registration, reason="system")
    return len(old)
