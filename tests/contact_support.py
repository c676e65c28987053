"""Shared by the contact and desk tests: a valid contact form, requests made through the service, and
delivery of queued outbox rows to the test SMTP server."""

import smtplib
from email.message import EmailMessage

import sqlalchemy as sa

from app.desks import services
from app.desks.models import EXPERT_GERMAN, EXPERT_INTERNATIONAL, ContactRequest, ContactRequestEntry
from app.extensions import db
from app.mail.models import QUEUED, SENT, OutboxMessage
from app.types import utcnow

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


def outbox(kind: str | None = None) -> list[OutboxMessage]:
    query = sa.select(OutboxMessage).order_by(OutboxMessage.id)
    if kind is not None:
        query = query.where(OutboxMessage.kind == kind)
    return list(db.session.scalars(query))


def deliver_outbox(app) -> int:
    """Send every queued outbox row over SMTP to the configured server, the way the mail worker sends it."""
    rows = list(db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.status == QUEUED)))
    with smtplib.SMTP(app.config["MAIL_SERVER"], app.config["MAIL_PORT"], timeout=10) as smtp:
        for row in rows:
            message = EmailMessage()
            # The default policy refuses a header value with CR or LF, so an injected header fails here.
            message["From"] = row.sender
            message["To"] = row.recipient
            if row.reply_to:
                message["Reply-To"] = row.reply_to
            message["Subject"] = row.subject
            message["Message-ID"] = row.message_id
            message.set_content(row.text_body)
            message.add_alternative(row.html_body, subtype="html")
            smtp.send_message(message)
            row.status = SENT
            row.sent_at = utcnow()
    db.session.commit()
    return len(rows)
