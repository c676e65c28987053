"""Coordinators' lists of registrations, and the emails each participant was sent."""

import sqlalchemy as sa

from app.accounts.access import within_desks
from app.events.models import Event
from app.extensions import db
from app.mail import services as mail
from app.mail.models import FAILED, OutboxMessage
from app.registrations.models import Registration
from app.web import parse_id


def status_counts(event: Event, desk_ids: set[int] | None = None) -> dict[str, int]:
    """How many of the event's registrations (on ``desk_ids``, or all) are in each status."""
    query = sa.select(Registration.status, sa.func.count()).where(Registration.event_id == event.id)
    query = query.where(within_desks(Registration.desk_id, desk_ids))
    return dict(db.session.execute(query.group_by(Registration.status)).all())


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
    query = query.where(within_desks(Registration.desk_id, desk_ids))
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
    query = query.where(within_desks(Registration.desk_id, desk_ids))
    return list(db.session.scalars(query.order_by(Registration.verified_at, Registration.id)))


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
