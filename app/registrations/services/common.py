"""What every part of the registration rules shares: the error, the event lock, and recorded transitions."""

import sqlalchemy as sa

from app.errors import DomainError
from app.events.models import Event, EventTranslation
from app.extensions import db
from app.registrations.models import Registration, RegistrationTransition


class RegistrationError(DomainError):
    """A registration action that cannot be done (closed event, expired link, wrong status...)."""

    code = "registration_invalid"


def lock_event(event_id: int) -> Event:
    """Load the event with a row lock that serialises every seat decision for it.

    PostgreSQL: FOR NO KEY UPDATE, which queues every holder of this lock (and every update of the event) but
    not an insert that refers to the event: a sign-up that takes no lock never waits for one that does."""
    return db.session.scalars(
        sa.select(Event)
        .where(Event.id == event_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    ).one()


def hold_event(event: Event) -> Event:
    """Take the event's row lock without reloading the event.

    For steps that take no seat and read nothing of the event that may change meanwhile: a sign-up awaiting
    email confirmation counts limits and code uses, and those it reads after taking the lock."""
    db.session.execute(sa.select(Event.id).where(Event.id == event.id).with_for_update(key_share=True))
    return event


def fresh(registration: Registration) -> Registration:
    """Re-read a registration after taking the event lock: another transaction may have moved it."""
    return db.session.scalars(
        sa.select(Registration).where(Registration.id == registration.id).execution_options(populate_existing=True)
    ).one()


def transition(registration: Registration, to_status: str, *, actor: str, coordinator=None, message: str = ""):
    """Move the registration to ``to_status`` and record who did it, with their message."""
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


def forget_translated_texts(event_id: int, kind: str, item_id: int) -> None:
    """Drop from the event's translations the texts of a question or category (``kind``) being removed."""
    column = {"question": "question_texts", "category": "category_texts"}[kind]
    for translation in db.session.scalars(sa.select(EventTranslation).where(EventTranslation.event_id == event_id)):
        texts = dict(getattr(translation, column) or {})
        if texts.pop(str(item_id), None) is not None:
            setattr(translation, column, texts)
