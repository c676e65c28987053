"""The coordinator's overview: what needs their attention."""

from dataclasses import dataclass

import sqlalchemy as sa

from app.accounts.access import visible_desk_ids, within_desks
from app.contact.models import CONTACT_NEW, ContactRequest
from app.events.models import Event
from app.events.services import published_events
from app.extensions import db
from app.registrations.models import CONFIRMED, PENDING_APPROVAL, WAITLISTED, Registration


@dataclass
class EventLine:
    event: Event
    confirmed: int
    pending: int
    waitlisted: int


def overview(user) -> dict:
    """Upcoming events with their seats, and the counts of what waits for this coordinator's desks."""
    desk_ids = visible_desk_ids(user)
    upcoming, _past = published_events()
    mine = within_desks(Registration.desk_id, desk_ids)
    rows = db.session.execute(
        sa.select(Registration.event_id, Registration.status, sa.func.count())
        .where(Registration.event_id.in_([e.id for e in upcoming] or [-1]))
        .where(sa.or_(Registration.status == CONFIRMED, mine))
        .group_by(Registration.event_id, Registration.status)
    ).all()
    counts: dict[tuple[int, str], int] = {(event_id, status): n for event_id, status, n in rows}
    lines = [
        EventLine(
            event=e,
            confirmed=counts.get((e.id, CONFIRMED), 0),
            pending=counts.get((e.id, PENDING_APPROVAL), 0),
            waitlisted=counts.get((e.id, WAITLISTED), 0),
        )
        for e in upcoming
    ]
    contact_scope = within_desks(ContactRequest.desk_id, desk_ids)
    new_requests = db.session.scalar(
        sa.select(sa.func.count()).where(ContactRequest.status == CONTACT_NEW, contact_scope)
    )
    return {"events": lines, "new_requests": new_requests, "pending_total": sum(line.pending for line in lines)}
