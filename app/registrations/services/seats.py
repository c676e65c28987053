"""Seats and the waitlist.

Seat decisions take a lock on the event row first (PostgreSQL: SELECT ... FOR UPDATE; SQLite: every
transaction begins IMMEDIATE), so that counting confirmed registrations and confirming one more is
atomic: confirmed registrations never exceed the event's capacity, their category's capacity, a chosen
session's capacity or an organisation's or country's limit, whatever the concurrency.
"""

from collections import Counter
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app import signals
from app.events.models import PUBLISHED, Event, EventSession
from app.extensions import db
from app.i18n import _, _l
from app.registrations.models import (
    CONFIRMED,
    OVER_LIMIT_WAITLIST,
    WAITLISTED,
    Category,
    ChosenSession,
    Registration,
    RegistrationRules,
    RegistrationTransition,
    SessionCapacity,
)
from app.registrations.services.common import RegistrationError, fresh, lock_event, transition
from app.registrations.services.notifications import send

_NO_RULES = "registration_rules_absent"


def rules_for(event: Event) -> RegistrationRules:
    """The event's registration rules (defaults when the coordinators set none; not added to the session).

    Most events have no rules of their own: that is remembered, with the defaults, until the transaction ends
    or rules are added, so that asking again costs no query and no new object (rules that exist stay in the
    session's identity map). The defaults are read, never changed: rules are changed by adding them."""
    if not event.id:
        return _defaults(event.id)
    absent = db.session.info.setdefault(_NO_RULES, {})
    if event.id in absent:
        defaults = absent[event.id]
        if defaults is None:
            defaults = absent[event.id] = _defaults(event.id)
        return defaults
    rules = db.session.get(RegistrationRules, event.id)
    if rules is None:
        rules = absent[event.id] = _defaults(event.id)
    return rules


def _defaults(event_id: int | None) -> RegistrationRules:
    return RegistrationRules(event_id=event_id, over_limit="refuse", session_choice=False)


def note_no_rules(event_id: int) -> None:
    """Tell rules_for that the event has no rules of its own, known from a read elsewhere."""
    db.session.info.setdefault(_NO_RULES, {}).setdefault(event_id, None)  # the defaults made when asked


@sa.event.listens_for(Session, "transient_to_pending")
def _rules_added(session, instance) -> None:
    if isinstance(instance, RegistrationRules):
        session.info.pop(_NO_RULES, None)


@sa.event.listens_for(Session, "after_commit")
def _transaction_committed(session) -> None:
    # Also called when a savepoint is released: the transaction, and what it knows, goes on.
    if session.get_nested_transaction() is None:
        session.info.pop(_NO_RULES, None)


@sa.event.listens_for(Session, "after_soft_rollback")
def _transaction_rolled_back(session, *args) -> None:
    session.info.pop(_NO_RULES, None)


def chosen_session_ids(registration: Registration) -> set[int]:
    """The sessions a registration covers: those chosen, or every session when participants do not choose."""
    if not rules_for(registration.event).session_choice:
        return {s.id for s in registration.event.sessions}
    return {c.session_id for c in registration.chosen}


def covers_session(session: EventSession) -> sa.ColumnElement[bool]:
    """A condition on registrations of the session's event: those that cover it (chose it, or every
    registration when participants do not choose); the query form of ``chosen_session_ids``."""
    if not rules_for(session.event).session_choice:
        return sa.true()
    chose = sa.select(ChosenSession.registration_id).where(ChosenSession.session_id == session.id)
    return Registration.id.in_(chose)


def session_capacities(event: Event) -> dict[int, int]:
    """Seats per session, for the sessions that have a limit."""
    ids = [s.id for s in event.sessions]
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(SessionCapacity.session_id, SessionCapacity.capacity).where(SessionCapacity.session_id.in_(ids))
    )
    return dict(rows.all())


# Why a registration cannot have a seat now, in the coordinators' words.
BLOCKERS = {
    "event": _l("No seat is free: raise the capacity or cancel a confirmed registration first."),
    "category": _l("No seat is free in this category: raise its capacity or cancel one of its registrations first."),
    "session": _l("A session this person chose is full."),
    "organisation": _l("Their organisation already has as many seats as the limit allows."),
    "country": _l("Their country already has as many seats as the limit allows."),
}


@dataclass
class SeatBook:
    """The seats taken at one moment (read under the event lock), and whether one more person fits."""

    event: Event
    rules: RegistrationRules
    confirmed: int = 0
    by_category: Counter = field(default_factory=Counter)
    by_session: Counter = field(default_factory=Counter)
    by_organisation: Counter = field(default_factory=Counter)
    by_country: Counter = field(default_factory=Counter)
    categories: dict[int, Category] = field(default_factory=dict)
    session_caps: dict[int, int] = field(default_factory=dict)

    @classmethod
    def load(cls, event: Event) -> "SeatBook":
        book = cls(event=event, rules=rules_for(event))
        # Counted by the database, by category and only by what a limit of the event asks: a few rows,
        # however many people hold a seat.
        columns = [Registration.category_id]
        if book.rules.organisation_limit:
            columns.append(Registration.organisation_key)
        if book.rules.country_limit:
            columns.append(Registration.country)
        rows = db.session.execute(
            sa.select(*columns, sa.func.count())
            .where(Registration.event_id == event.id, Registration.status == CONFIRMED)
            .group_by(*columns)
        ).all()
        for *values, count in rows:
            group = dict(zip((column.key for column in columns), values, strict=True))
            book.confirmed += count
            book.by_category[group["category_id"]] += count
            if "organisation_key" in group:
                book.by_organisation[group["organisation_key"]] += count
            if "country" in group:
                book.by_country[group["country"]] += count
        book.categories = {
            c.id: c for c in db.session.scalars(sa.select(Category).where(Category.event_id == event.id))
        }
        if book.rules.session_choice:
            book.session_caps = session_capacities(event)
            counts = db.session.execute(
                sa.select(ChosenSession.session_id, sa.func.count())
                .join(Registration, Registration.id == ChosenSession.registration_id)
                .where(Registration.event_id == event.id, Registration.status == CONFIRMED)
                .group_by(ChosenSession.session_id)
            )
            book.by_session.update(dict(counts.all()))
        return book

    @property
    def full(self) -> bool:
        return self.event.capacity is not None and self.confirmed >= self.event.capacity

    def seats_left(self) -> int | None:
        if self.event.capacity is None:
            return None
        return max(self.event.capacity - self.confirmed, 0)

    def session_left(self, session_id: int) -> int | None:
        cap = self.session_caps.get(session_id)
        return None if cap is None else max(cap - self.by_session[session_id], 0)

    def category_left(self, category: Category) -> int | None:
        return None if category.capacity is None else max(category.capacity - self.by_category[category.id], 0)

    def blocker(self, registration: Registration, sessions: set[int] | None = None) -> str | None:
        """Why ``registration`` cannot have a seat now (a key of BLOCKERS), or None when it fits."""
        if self.full:
            return "event"
        category = self.categories.get(registration.category_id)
        if (
            category is not None
            and category.capacity is not None
            and self.by_category[category.id] >= category.capacity
        ):
            return "category"
        if self.rules.session_choice:
            chosen = sessions if sessions is not None else {c.session_id for c in registration.chosen}
            for session_id in chosen:
                left = self.session_left(session_id)
                if left is not None and left <= 0:
                    return "session"
        if self.rules.over_limit == OVER_LIMIT_WAITLIST:
            limit = self.rules.organisation_limit
            if limit and registration.organisation_key and self.by_organisation[registration.organisation_key] >= limit:
                return "organisation"
            limit = self.rules.country_limit
            if limit and registration.country and self.by_country[registration.country] >= limit:
                return "country"
        return None

    def fits(self, registration: Registration) -> bool:
        return self.blocker(registration) is None

    def take(self, registration: Registration) -> None:
        """Count the seat just given to ``registration``."""
        self.confirmed += 1
        self.by_category[registration.category_id] += 1
        self.by_organisation[registration.organisation_key] += 1
        self.by_country[registration.country] += 1
        if self.rules.session_choice:
            for chosen in registration.chosen:
                self.by_session[chosen.session_id] += 1


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
    registration.waitlist_rank = None
    db.session.flush()
    signals.seat_confirmed.send(registration, promoted=promoted, message=message)


def waitlist_order():
    """The waitlist's order: the rank coordinators may change, then the order of email confirmation."""
    return (Registration.waitlist_rank.asc().nulls_first(), Registration.verified_at, Registration.id)


def waitlisted(event: Event) -> list[Registration]:
    """The event's waitlist, first in line first."""
    return list(
        db.session.scalars(
            sa.select(Registration)
            .where(Registration.event_id == event.id, Registration.status == WAITLISTED)
            .order_by(*waitlist_order())
        )
    )


def waitlist_position(registration: Registration) -> int | None:
    """The registration's place in its event's waitlist (1 is next), or None when it is not waiting."""
    if registration.status != WAITLISTED:
        return None
    ids = [r.id for r in waitlisted(registration.event)]
    return ids.index(registration.id) + 1 if registration.id in ids else None


def waitlist(registration: Registration, *, actor: str, coordinator=None, message: str = "") -> None:
    """Put the registration at the end of the waitlist and tell the participant their place."""
    last = db.session.scalar(
        sa.select(sa.func.max(Registration.waitlist_rank)).where(
            Registration.event_id == registration.event_id, Registration.status == WAITLISTED
        )
    )
    transition(registration, WAITLISTED, actor=actor, coordinator=coordinator, message=message)
    registration.waitlist_rank = (last or 0) + 1
    db.session.flush()
    send(registration, "waitlisted", message=message, position=waitlist_position(registration))


def seat_or_waitlist(event: Event, registration: Registration, *, actor: str, coordinator=None, message="") -> str:
    """Give the registration a seat if one is free and nobody waits for it, else put it on the waitlist.
    Needs the event lock. Returns the new status."""
    book = SeatBook.load(event)
    _fill_seats(event, book)  # anyone already waiting comes first
    if event.status == PUBLISHED and book.fits(registration):
        confirm(registration, actor=actor, coordinator=coordinator, message=message, promoted=False)
    else:
        waitlist(registration, actor=actor, coordinator=coordinator, message=message)
    return registration.status


def plan_promotions(event: Event, capacity: int | None = None) -> list[Registration]:
    """Who on the waitlist would get a seat now (with the event's capacity, or ``capacity`` instead),
    in order, without changing anything: a person whose category, session or organisation is full waits
    and the next one who fits goes ahead."""
    if event.status != PUBLISHED:
        return []
    book = SeatBook.load(event)
    if capacity is not None:
        book.event = _WithCapacity(event, capacity)
    return _plan(event, book)


def _plan(event: Event, book: SeatBook) -> list[Registration]:
    """plan_promotions with the seats of ``book``, which counts the seats it plans."""
    if event.status != PUBLISHED:
        return []
    if book.full:
        return []  # nobody can be promoted: the waitlist need not be read (it may be long)
    plan = []
    for head in waitlisted(event):
        if book.full:
            break
        if book.fits(head):
            book.take(head)
            plan.append(head)
    return plan


class _WithCapacity:
    """The event as it would be with another capacity (for previews; never stored)."""

    def __init__(self, event: Event, capacity: int | None):
        self._event, self.capacity = event, capacity

    def __getattr__(self, name):
        return getattr(self._event, name)


def fill_seats(event: Event) -> list[Registration]:
    """Promote the waitlist, first in line first, while seats are free (needs the event lock)."""
    return _fill_seats(event, SeatBook.load(event))


def _fill_seats(event: Event, book: SeatBook) -> list[Registration]:
    promoted = _plan(event, book)
    for head in promoted:
        confirm(head, actor="system", note="A seat became free.", promoted=True)
    return promoted


def move_in_waitlist(registration: Registration, position: int, coordinator, note: str) -> int:
    """Put a waitlisted registration at ``position`` (1 is next) by hand; the history keeps who moved it,
    from where to where, and why. Returns the new place."""
    event = lock_event(registration.event_id)
    registration = fresh(registration)
    line = waitlisted(event)
    if registration not in line:
        raise RegistrationError(
            _("Only registrations on the waitlist can be moved in it."), code="not_waitlisted", status=409
        )
    old = line.index(registration) + 1
    line.remove(registration)
    new = min(max(position, 1), len(line) + 1)
    line.insert(new - 1, registration)
    for rank, person in enumerate(line, 1):
        person.waitlist_rank = rank
    db.session.add(
        RegistrationTransition(
            registration=registration,
            from_status=WAITLISTED,
            to_status=WAITLISTED,
            actor="coordinator",
            coordinator=coordinator,
            message=_("Moved on the waitlist from place %(old)s to %(new)s: %(note)s", old=old, new=new, note=note),
        )
    )
    db.session.flush()
    return new
