"""Participation categories ("ticket types") and an event's registration rules: limits per organisation
and country, and whether participants choose sessions (with seats per session)."""

import re
from dataclasses import dataclass

import sqlalchemy as sa

from app.countries import country_choices
from app.events.models import Event
from app.extensions import db
from app.i18n import _
from app.registrations.models import (
    OVER_LIMIT_REFUSE,
    OVER_LIMIT_WAITLIST,
    Category,
    InvitationCode,
    Registration,
    RegistrationRules,
    SessionCapacity,
    is_active_status,
)
from app.registrations.services.common import RegistrationError, forget_translated_texts, lock_event
from app.registrations.services.invitations import invitation_by_token
from app.registrations.services.questions import question_copies, questions_for
from app.registrations.services.seats import SeatBook, fill_seats, rules_for, session_capacities

_SPACES = re.compile(r"\s+")


def organisation_key(organisation: str) -> str:
    """An organisation as the limit compares it: "City of  Tbilisi" and "city of tbilisi" are one."""
    return _SPACES.sub("", organisation or "").casefold()[:200]


@dataclass
class CategoryData:
    name: str
    description: str = ""
    capacity: int | None = None
    approval_required: bool = False
    invitation_only: bool = False


def categories_select(event_id: int | None) -> sa.Select:
    """The event's categories in the order the form shows them."""
    return sa.select(Category).where(Category.event_id == event_id).order_by(Category.position, Category.id)


def categories_for(event: Event) -> list[Category]:
    return list(db.session.scalars(categories_select(event.id)))


def category_counts(event: Event) -> dict[int | None, dict[str, int]]:
    """Per category: how many registrations are in each status."""
    rows = db.session.execute(
        sa.select(Registration.category_id, Registration.status, sa.func.count())
        .where(Registration.event_id == event.id)
        .group_by(Registration.category_id, Registration.status)
    )
    counts: dict[int | None, dict[str, int]] = {}
    for category_id, status, count in rows:
        counts.setdefault(category_id, {})[status] = count
    return counts


def save_category(event: Event, data: CategoryData, category: Category | None = None) -> Category:
    """Add or change a category; raising its capacity gives waiting people of the category seats."""
    errors = {}
    name = " ".join((data.name or "").split())
    if not name or len(name) > 120:
        errors["name"] = _("Give the category a name of at most 120 characters.")
    elif db.session.scalar(
        sa.select(Category.id).where(
            Category.event_id == event.id,
            sa.func.lower(Category.name) == name.lower(),
            Category.id != (category.id if category else -1),
        )
    ):
        errors["name"] = _("The event already has a category of this name.")
    if len(data.description or "") > 500:
        errors["description"] = _("Keep the description under 500 characters.")
    if data.capacity is not None and not 1 <= data.capacity <= 1_000_000:
        errors["capacity"] = _("Capacity must be at least 1, or empty for no limit of its own.")
    locked = lock_event(event.id)
    if category is not None and data.capacity is not None and "capacity" not in errors:
        taken = db.session.scalar(
            sa.select(sa.func.count()).where(
                Registration.category_id == category.id, Registration.status == "confirmed"
            )
        )
        if data.capacity < taken:
            errors["capacity"] = _(
                "%(taken)s participants of this category already hold a seat; set at least %(taken)s.", taken=taken
            )
    if errors:
        raise RegistrationError(_("The category could not be saved."), fields=errors, code="category_invalid")
    if category is None:
        last = db.session.scalar(sa.select(sa.func.max(Category.position)).where(Category.event_id == event.id))
        category = Category(event_id=event.id, position=(last or 0) + 1)
        db.session.add(category)
    category.name, category.description = name, (data.description or "").strip()
    category.capacity, category.approval_required = data.capacity, bool(data.approval_required)
    category.invitation_only = bool(data.invitation_only)
    db.session.flush()
    fill_seats(locked)
    return category


def delete_category(category: Category) -> None:
    """Remove a category nobody registered in."""
    used = db.session.scalar(sa.select(sa.func.count()).where(Registration.category_id == category.id))
    if used:
        raise RegistrationError(
            _("People registered in this category: it cannot be removed. Set its capacity instead."),
            code="category_in_use",
            status=409,
        )
    forget_translated_texts(category.event_id, "category", category.id)
    db.session.delete(category)
    db.session.flush()


@dataclass
class RulesData:
    organisation_limit: int | None = None
    country_limit: int | None = None
    over_limit: str = OVER_LIMIT_REFUSE
    session_choice: bool = False
    session_capacities: dict[int, int | None] | None = None


def save_rules(event: Event, data: RulesData) -> RegistrationRules:
    """Store the event's limits and session choice; seats freed by the change go to the waitlist."""
    errors = {}
    for name in ("organisation_limit", "country_limit"):
        value = getattr(data, name)
        if value is not None and not 1 <= value <= 100_000:
            errors[name] = _("Give a number of at least 1, or leave it empty for no limit.")
    if data.over_limit not in (OVER_LIMIT_REFUSE, OVER_LIMIT_WAITLIST):
        errors["over_limit"] = _("Choose what happens beyond the limit.")
    capacities = data.session_capacities or {}
    session_ids = {s.id for s in event.sessions}
    for session_id, capacity in capacities.items():
        if session_id in session_ids and capacity is not None and not 1 <= capacity <= 1_000_000:
            errors[f"session_{session_id}"] = _("Capacity must be at least 1, or empty for no limit.")
    locked = lock_event(event.id)
    rules = db.session.get(RegistrationRules, event.id)
    was_choice = rules.session_choice if rules else False
    if was_choice != bool(data.session_choice):
        held = db.session.scalar(
            sa.select(sa.func.count()).where(Registration.event_id == event.id, is_active_status(Registration.status))
        )
        if held:
            errors["session_choice"] = _(
                "People have registered already: whether they choose sessions can no longer change."
            )
    if errors:
        raise RegistrationError(_("The rules could not be saved."), fields=errors, code="rules_invalid")
    if rules is None:
        rules = RegistrationRules(event_id=event.id)
        db.session.add(rules)
    rules.organisation_limit, rules.country_limit = data.organisation_limit, data.country_limit
    rules.over_limit, rules.session_choice = data.over_limit, bool(data.session_choice)
    for session_id in session_ids:
        row = db.session.get(SessionCapacity, session_id)
        capacity = capacities.get(session_id)
        if capacity is None and row is not None:
            db.session.delete(row)
        elif capacity is not None and row is None:
            db.session.add(SessionCapacity(session_id=session_id, capacity=capacity))
        elif capacity is not None:
            row.capacity = capacity
    db.session.flush()
    fill_seats(locked)
    return rules


def check_limits(event: Event, organisation: str, country: str) -> None:
    """Refuse a registration beyond the organisation's or the country's limit (needs the event lock).

    Only when the coordinators chose to refuse; when they chose the waitlist, the seat rules decide.
    """
    rules = rules_for(event)
    if rules.over_limit != OVER_LIMIT_REFUSE or not (rules.organisation_limit or rules.country_limit):
        return
    active = sa.select(sa.func.count()).where(Registration.event_id == event.id, is_active_status(Registration.status))
    key = organisation_key(organisation)
    same_organisation = active.where(Registration.organisation_key == key)
    if rules.organisation_limit and key and db.session.scalar(same_organisation) >= rules.organisation_limit:
        raise RegistrationError(
            _(
                "%(organisation)s already has %(limit)s registrations, the most this event takes from one "
                "organisation. Ask your colleagues, or the coordinators.",
                organisation=organisation.strip(),
                limit=rules.organisation_limit,
            ),
            field="organisation",
            code="organisation_limit",
            status=422,
        )
    same_country = active.where(Registration.country == country.upper())
    if rules.country_limit and country and db.session.scalar(same_country) >= rules.country_limit:
        raise RegistrationError(
            _(
                "This event takes at most %(limit)s registrations per country, and yours has them all.",
                limit=rules.country_limit,
            ),
            field="country",
            code="country_limit",
            status=422,
        )


def registration_shape(event: Event, invitation_token: str = "") -> dict:
    """What the registration form asks of this event beyond the standard fields: categories to choose from
    (public ones, and the one an invitation opens), questions, and sessions when participants choose."""
    invitation = invitation_by_token(invitation_token) if invitation_token else None
    if invitation is not None and invitation.event_id != event.id:
        invitation = None
    every_category = categories_for(event)
    categories = [
        c
        for c in every_category
        if not c.invitation_only or (invitation is not None and invitation.category_id in (None, c.id))
    ]
    rules = rules_for(event)
    questions = questions_for(event)
    names = {c.id: c.local_name for c in every_category}
    book = SeatBook.load(event) if event.id else None
    sessions = []
    if rules.session_choice and book is not None:
        sessions = [(s, book.session_left(s.id)) for s in event.sessions]
    return {
        "categories": categories,
        "category_left": {c.id: book.category_left(c) for c in categories} if book else {},
        "questions": questions,
        "only_for": {
            q.id: ", ".join(names[c] for c in q.category_ids if c in names) for q in questions if q.category_ids
        },
        "countries": country_choices(),
        "session_choice": rules.session_choice,
        "choosable_sessions": sessions,
        "invitation": invitation,
        "has_codes": bool(
            db.session.scalar(
                sa.select(sa.func.count()).select_from(InvitationCode).where(InvitationCode.event_id == event.id)
            )
        ),
    }


def shows_seats_by_part(event: Event) -> bool:
    """Whether the registration form shows seats of a category or a session, which every confirmation (or
    choice of sessions) changes. The shared event page is kept only for what the event's facts tell (the
    event's own seats, app.events.page_cache), so such a form is rendered for each reader."""
    if any(category.capacity is not None for category in categories_for(event)):
        return True
    return rules_for(event).session_choice and bool(session_capacities(event))


def copy_shape(source: Event, copy: Event, sessions: dict[int, object]) -> None:
    """Give a duplicated event the source's categories, rules, seats per session and questions, and its
    translations (already copied by app.events) the texts of the copied questions and categories."""
    categories = {}
    for category in categories_for(source):
        categories[category.id] = Category(
            event_id=copy.id,
            name=category.name,
            description=category.description,
            capacity=category.capacity,
            approval_required=category.approval_required,
            invitation_only=category.invitation_only,
            position=category.position,
        )
        db.session.add(categories[category.id])
    rules = db.session.get(RegistrationRules, source.id)
    if rules is not None:
        db.session.add(
            RegistrationRules(
                event_id=copy.id,
                organisation_limit=rules.organisation_limit,
                country_limit=rules.country_limit,
                over_limit=rules.over_limit,
                session_choice=rules.session_choice,
            )
        )
    db.session.flush()
    for session_id, capacity in session_capacities(source).items():
        if session_id in sessions:
            db.session.add(SessionCapacity(session_id=sessions[session_id].id, capacity=capacity))
    questions = question_copies(source, copy) if questions_for(source) else {}
    db.session.flush()
    for translation in source.translations:
        copied = copy.translation(translation.language)
        if copied is None:
            continue
        copied.question_texts = {
            str(questions[int(key)].id): texts
            for key, texts in (translation.question_texts or {}).items()
            if key.isdigit() and int(key) in questions
        }
        copied.category_texts = {
            str(categories[int(key)].id): texts
            for key, texts in (translation.category_texts or {}).items()
            if key.isdigit() and int(key) in categories
        }
    db.session.flush()
