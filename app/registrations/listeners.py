"""How registrations follow event changes (announced through app.signals)."""

from app import signals
from app.i18n import _
from app.registrations.services import cancel_for_event, confirmed_count, fill_seats, lock_event
from app.registrations.services.categories import copy_shape
from app.registrations.services.translations import check_form_translation


@signals.event_validating.connect
def capacity_not_below_seats_taken(event, data, errors: dict, **_ignored) -> None:
    """Capacity can never drop below the seats already given."""
    if event is None or event.id is None or data.capacity is None or "capacity" in errors:
        return
    taken = confirmed_count(event)
    if data.capacity < taken:
        errors["capacity"] = _(
            "%(taken)s participants already hold a seat. Cancel registrations first, "
            "or set the capacity to at least %(taken)s.",
            taken=taken,
        )


@signals.event_changed.connect
def seats_after_capacity_change(event, change, **_ignored) -> None:
    """More seats: the waitlist moves up."""
    if "capacity" in change.other_fields:
        fill_seats(lock_event(event.id))


@signals.event_published.connect
def seats_after_publishing(event, **_ignored) -> None:
    """Seats freed while the event was hidden go to the waitlist now."""
    fill_seats(lock_event(event.id))


@signals.event_cancelled.connect
def end_registrations(event, message: str = "", **_ignored) -> None:
    """The event is cancelled: every active registration ends, and everyone is told."""
    cancel_for_event(event, message)


@signals.event_duplicated.connect
def copy_registration_shape(event, copy, sessions, **_ignored) -> None:
    """A duplicated event registers people the same way: categories, rules, seats per session, questions."""
    copy_shape(event, copy, sessions)


@signals.translation_validating.connect
def form_texts_in_the_translation(event, data, errors: dict, **_ignored) -> None:
    """A translation keeps the texts of the event's own questions and categories, checked here."""
    check_form_translation(event, data, errors)
