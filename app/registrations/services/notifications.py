"""Emails about a registration's status; the calendar domain sends the access link and invites."""

from datetime import datetime, timedelta

from flask import current_app

from app.mail.services import queue_email
from app.registrations.links import personal_links
from app.registrations.models import PENDING_VERIFICATION, Registration


def send(registration: Registration, template: str, *, verify_until: datetime | None = None, **context) -> None:
    """Queue the email ``template`` to the participant, with a fresh link to their personal page and, when
    ``verify_until`` is given, a confirmation link valid until then (``verify_url``)."""
    # The links' tokens are stored with the email that carries them, in one round trip.
    links = personal_links(registration, manage=not registration.anonymised_at, verify_until=verify_until, stored=False)
    queue_email(
        kind=f"registration_{template}",
        to=registration.email,
        to_name=registration.name,
        template=template,
        context={
            "registration": registration,
            "event": registration.event,
            "manage_url": links.manage_url,
            "verify_url": links.verify_url,
            **context,
        },
        desk=registration.event.desk,
        registration_id=registration.id,
        along=links.storing,
    )


def send_confirmation_request(registration: Registration, now: datetime) -> None:
    """The email with the link that confirms the address."""
    hours = current_app.config["VERIFICATION_HOURS"]
    send(registration, "confirm_email", verify_until=now + timedelta(hours=hours), hours=hours)


def send_already_registered(registration: Registration, now: datetime) -> None:
    """Tell the owner of the address; if they never confirmed it, with a fresh confirmation link."""
    verify_until = None
    if registration.status == PENDING_VERIFICATION:
        verify_until = now + timedelta(hours=current_app.config["VERIFICATION_HOURS"])
    send(registration, "already_registered", verify_until=verify_until)
