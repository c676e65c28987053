"""Seats and the waitlist.

Seat decisions take a lock on the event row first (PostgreSQL: SELECT ... FOR UPDATE; SQLite: every
transaction begins IMMEDIATE), so that counting confirmed registrations and confirming one more is
atomic: confirmed registrations never exceed capacity, whatever the concurrency.
"""

import sqlalchemy as sa

from app import signals
from app.events.models import PUBLISHED, Event
from app.extensions import db
from app.registrations.models import CONFIRMED, WAITLISTED, Registration
from app.registrations.services.common import transition
from app.registrations.services.notifications import send


def confirmed_count(event: Event) -> int:
    """Seats taken: the event's confirmed registrations."""
    return db.session.scalar(
        sa.select(sa.func.count()).where(Registration.event_id == event.id, Registration.status == CONFIRMED)
    )


def seats_left(event: Event) -> int | None:
    """Free seats, or None when the event has no capacity limit."""
    if event.capacity is None:
        return None
    return max(event.capacity - confirmed_count(event), 0)


def has_free_seat(event: Event) -> bool:
    left = seats_left(event)
    return left is None or left > 0


def confirm(
    registration: Registration, *, actor: str, coordinator=None, message: str = "", promoted: bool, note: str = ""
):
    """Give the registration a seat (the caller checked one is free) and tell the calendar domain, which
    sends the access link and the invites. ``message`` goes to the participant; ``note`` only to the history."""
    transition(registration, CONFIRMED, actor=actor, coordinator=coordinator, message=note or message)
    db.session.flush()
    signals.seat_confirmed.send(registration, promoted=promoted, message=message)


def waitlist(registration: Registration, *, actor: str, coordinator=None, message: str = "") -> None:
    """Put the registration on the waitlist and tell the participant."""
    transition(registration, WAITLISTED, actor=actor, coordinator=coordinator, message=message)
    db.session.flush()
    send(registration, "waitlisted", message=message)


def seat_or_waitlist(event: Event, registration: Registration, *, actor: str, coordinator=None, message="") -> str:
    """Give the registration a seat if one is free and nobody waits for it, else put it on the waitlist.
    Needs the event lock. Returns the new status."""
    fill_seats(event)  # anyone already waiting comes first
    if has_free_seat(event):
        confirm(registration, actor=actor, coordinator=coordinator, message=message, promoted=False)
    else:
        waitlist(registration, actor=actor, coordinator=coordinator, message=message)
    return registration.status


def fill_seats(event: Event) -> list[Registration]:
    """Promote the head of the waitlist (in order of email confirmation) while seats are free."""
    promoted = []
    if event.status != PUBLISHED:
        return promoted
    while has_free_seat(event):
        head = db.session.scalar(
            sa.select(Registration)
            .where(Registration.event_id == event.id, Registration.status == WAITLISTED)
            .order_by(Registration.verified_at, Registration.id)
            .limit(1)
        )
        if head is None:
            break
        confirm(head, actor="system", note="A seat became free.", promoted=True)
        promoted.append(head)
    return promoted
