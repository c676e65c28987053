"""Emails about a registration's status; the calendar domain sends the access link and invites."""

from datetime import datetime, timedelta

from flask import current_app

from app.mail.services import queue_email
from app.registrations.links import confirmation_link, manage_link
from app.registrations.models import PENDING_VERIFICATION, Registration


def send(registration: Registration, template: str, **context) -> None:
    """Queue the email ``template`` to the participant, with a fresh link to their personal page."""
    manage_url = None if registration.anonymised_at else manage_link(registration)
    queue_email(
        kind=f"registration_{template}",
        to=registration.email,
        to_name=registration.name,
        template=template,
        context={
            "registration": registration,
            "event": registration.event,
            "manage_url": manage_url,
            **context,
        },
        desk=registration.event.desk,
        registration_id=registration.id,
    )


def send_confirmation_request(registration: Registration, now: datetime) -> None:
    """The email with the link that confirms the address."""
    hours = current_app.config["VERIFICATION_HOURS"]
    send(
        registration,
        "confirm_email",
        verify_url=confirmation_link(registration, now + timedelta(hours=hours)),
        hours=hours,
    )


def send_already_registered(registration: Registration, now: datetime) -> None:
    """Tell the owner of the address; if they never confirmed it, with a fresh confirmation link."""
    verify_url = None
    if registration.status == PENDING_VERIFICATION:
        hours = current_app.config["VERIFICATION_HOURS"]
        verify_url = confirmation_link(registration, now + timedelta(hours=hours))
    send(registration, "already_registered", verify_url=verify_url)
