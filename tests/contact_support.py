"""Shared by the contact and desk tests: a valid contact form, requests made through the service, and
delivery of the queued outbox rows to the test SMTP server by the mail worker."""

import sqlalchemy as sa

from app.contact import services
from app.contact.models import ContactRequest, ContactRequestEntry
from app.desks.models import EXPERT_GERMAN, EXPERT_INTERNATIONAL
from app.extensions import db
from app.mail import worker
from app.mail.models import OutboxMessage
from tests.factories import outbox  # noqa: F401 - shared with the contact tests

VALID_FORM = {
    "name": "Tamar Lomidze",
    "email": "tamar.lomidze@example.org",
    "country": "GE",
    "expert_type": EXPERT_INTERNATIONAL,
    "organisation": "Tbilisi City Hall",
    "event": "",
    "message": "Will the workshop be recorded?",
    "website": "",
}


def contact_form(**overrides) -> dict:
    return {**VALID_FORM, **overrides}


def make_request(
    *,
    name: str = "Tamar Lomidze",
    email: str = "tamar.lomidze@example.org",
    country: str = "GE",
    expert_type: str = EXPERT_INTERNATIONAL,
    message: str = "Will the workshop be recorded?",
    event=None,
) -> ContactRequest:
    """A contact request submitted through the service and committed, as the contact form does."""
    contact = services.submit_contact_request(
        services.ContactData(
            name=name,
            email=email,
            country=country,
            expert_type=expert_type,
            organisation="City Hall",
            message=message,
            event_id=event.id if event is not None else None,
        )
    )
    db.session.commit()
    return contact


def make_germany_request(**fields) -> ContactRequest:
    fields.setdefault("name", "Katrin Schäfer")
    fields.setdefault("email", "katrin@example.de")
    fields.setdefault("country", "DE")
    fields.setdefault("expert_type", EXPERT_GERMAN)
    return make_request(**fields)


def counts() -> tuple[int, int, int]:
    """(contact requests, history entries, outbox rows): what a rejected submission must leave alone."""
    return (
        db.session.scalar(sa.select(sa.func.count(ContactRequest.id))),
        db.session.scalar(sa.select(sa.func.count(ContactRequestEntry.id))),
        db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))),
    )


def deliver_outbox(app) -> int:
    """Send every queued outbox row to the test SMTP server with the mail worker; the number sent."""
    report = worker.drain()
    assert report.relay_error is None, report.relay_error
    assert not report.failed and not report.retrying, report.outcomes
    return len(report.sent)
