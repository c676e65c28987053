"""Coordinators' decisions on registrations: what is allowed now and why, and what each decision did."""

from dataclasses import dataclass

import sqlalchemy as sa

from app import signals
from app.actions import Action, require
from app.errors import DomainError
from app.events.models import Event
from app.extensions import db
from app.i18n import _, _l
from app.registrations.models import (
    ACTIVE_STATUSES,
    CANCELLED,
    CONFIRMED,
    PENDING_APPROVAL,
    REJECTED,
    WAITLISTED,
    Registration,
    is_active_status,
)
from app.registrations.services.common import fresh, lock_event, transition
from app.registrations.services.notifications import send
from app.registrations.services.seats import BLOCKERS, SeatBook, confirm, fill_seats, seat_or_waitlist, waitlist

DECISIONS = {
    "approve": _l("Approve"),
    "waitlist": _l("Move to waitlist"),
    "reject": _l("Reject"),
    "cancel": _l("Cancel"),
}


class ConfirmationNeeded(DomainError):
    """A destructive decision was sent without the confirmation step: nothing changed."""

    code = "confirmation_needed"
    status = 409


@dataclass(frozen=True)
class Outcome:
    """What one decision did to one registration, in the words the coordinator reads."""

    registration: Registration
    changed: bool
    message: str


def registration_actions(
    registration: Registration, free_seat: bool | None = None, *, book: SeatBook | None = None
) -> list[Action]:
    """The coordinators' decisions on ``registration`` in its current state, each open or refused with its reason.

    ``free_seat`` tells whether a seat is free for this person now; without it, it is read from ``book``
    (the seats taken, loaded once when listing many rows) or from the database.
    """
    no_seat = BLOCKERS["event"]
    if free_seat is None:
        blocker = (book or SeatBook.load(registration.event)).blocker(registration)
        free_seat = blocker is None
        no_seat = BLOCKERS.get(blocker, no_seat)
    status = registration.status
    if registration.anonymised_at is not None:
        gone = _("This participant deleted their data.")
        return [Action(name, str(label), False, gone) for name, label in DECISIONS.items()]
    if status == WAITLISTED:
        approve = Action(
            "approve",
            _("Give a seat"),
            free_seat,
            str(no_seat),
        )
    else:
        approve = Action(
            "approve",
            _("Approve"),
            status == PENDING_APPROVAL,
            _("Only registrations awaiting approval or on the waitlist can be approved."),
        )
    if status != PENDING_APPROVAL:
        waitlist_reason = _("Only registrations awaiting approval can be moved to the waitlist.")
    else:
        waitlist_reason = _("Seats are still free: the waitlist is only for a full event.")
    return [
        approve,
        Action("waitlist", _("Move to waitlist"), status == PENDING_APPROVAL and not free_seat, waitlist_reason),
        Action(
            "reject",
            _("Reject"),
            status in (PENDING_APPROVAL, WAITLISTED, CONFIRMED),
            _("Only registrations awaiting approval, waitlisted or confirmed can be rejected."),
            destructive=True,
        ),
        Action(
            "cancel",
            _("Cancel"),
            status in ACTIVE_STATUSES,
            _("This registration is not active any more."),
            destructive=True,
        ),
    ]


def decide(
    registration: Registration, decision: str, coordinator, message: str = "", *, confirmed: bool = False
) -> Outcome:
    """Apply a coordinator's decision if the state machine allows it now; a refusal is an Outcome, not a change.

    The event lock and a fresh read make two coordinators deciding at once produce one transition.
    Destructive decisions (reject, cancel) need ``confirmed``; without it ConfirmationNeeded is raised.
    """
    event = lock_event(registration.event_id)
    registration = fresh(registration)
    message = message.strip()
    try:
        action = require(registration_actions(registration, book=SeatBook.load(event)), decision)
    except DomainError as refusal:
        return Outcome(registration, False, _("%(name)s: %(reason)s", name=registration.name, reason=refusal.message))
    if action.destructive and not confirmed:
        raise ConfirmationNeeded(_("Confirm the decision first: it cannot be undone."))
    by = {"actor": "coordinator", "coordinator": coordinator, "message": message}
    name = registration.name
    if decision == "approve" and registration.status == PENDING_APPROVAL:
        if seat_or_waitlist(event, registration, **by) == CONFIRMED:
            text = _("%(name)s is confirmed and receives the access link.", name=name)
        else:
            text = _("%(name)s is on the waitlist: no seat is free.", name=name)
    elif decision == "approve":
        confirm(registration, promoted=True, **by)
        text = _("%(name)s got a seat and receives the access link.", name=name)
    elif decision == "waitlist":
        waitlist(registration, **by)
        text = _("%(name)s is on the waitlist.", name=name)
    elif decision == "reject":
        promoted = end(event, registration, REJECTED, **by)
        text = _("%(name)s is rejected and has been told.", name=name)
    else:
        promoted = end(event, registration, CANCELLED, **by)
        text = _("The registration of %(name)s is cancelled and they have been told.", name=name)
    if decision in ("reject", "cancel") and promoted:
        moved_up = ", ".join(r.name for r in promoted)
        text = " ".join((text, _("The freed seat went to %(names)s from the waitlist.", names=moved_up)))
    db.session.flush()
    return Outcome(registration, True, text)


def decide_many(
    registrations: list[Registration], decision: str, coordinator, message: str = "", *, confirmed: bool = False
) -> list[Outcome]:
    """The same decision for several registrations, in one transaction; one Outcome per person."""
    return [decide(r, decision, coordinator, message, confirmed=confirmed) for r in registrations]


def end(
    event: Event, registration: Registration, to_status: str, *, actor: str, coordinator=None, message=""
) -> list[Registration]:
    """Reject or cancel; a confirmed participant's invites are withdrawn and the seat is passed on.
    Returns the people promoted from the waitlist into the freed seat."""
    was_confirmed = registration.status == CONFIRMED
    transition(registration, to_status, actor=actor, coordinator=coordinator, message=message)
    db.session.flush()
    send(registration, "rejected" if to_status == REJECTED else "cancelled", message=message, by=actor)
    if was_confirmed:
        signals.seat_withdrawn.send(registration, reason=message)
        return fill_seats(event)
    return []


def cancel(registration: Registration, *, actor: str) -> bool:
    """Cancel an active registration (the participant, or the system when data is deleted)."""
    event = lock_event(registration.event_id)
    registration = fresh(registration)
    if registration.status not in ACTIVE_STATUSES:
        return False
    end(event, registration, CANCELLED, actor=actor)
    return True


def cancel_for_event(event: Event, message: str = "") -> None:
    """The event is cancelled: every active registration ends, and everyone is told."""
    active = db.session.scalars(
        sa.select(Registration).where(
            Registration.event_id == event.id,
            is_active_status(Registration.status),
            # Removed by the retention purge: they keep their status and have no one left to tell.
            Registration.anonymised_at.is_(None),
        )
    ).all()
    for registration in active:
        was_confirmed = registration.status == CONFIRMED
        transition(registration, CANCELLED, actor="system", message="The event was cancelled.")
        db.session.flush()
        if was_confirmed:
            signals.seat_withdrawn.send(registration, reason=message)
        else:
            send(registration, "event_cancelled", message=message)
    db.session.flush()
