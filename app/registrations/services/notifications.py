"""Emails about a registration's status; the calendar domain sends the access link and invites."""

from datetime import datetime, timedelta

from flask import current_app

from app.mail.services import queue_email
from app.registrations.links import personal_links
from app.registrations.models import PENDING_VERIFICATION, Registration


def send(
    registration: Registration,
    template: str,
    *,
    verify_until: datetime | None = None,
    shared: bool = False,
    **context,
) -> None:
    """Queue the email ``template`` to the participant, with a fresh link to their personal page and, when
    ``verify_until`` is given, a confirmation link valid until then (``verify_url``).

    ``shared``: the template shows nothing of the registration but its name (``name``), its zone
    (``reader_zone``) and every session of the event; its rendering is shared with every participant of the
    event who reads it in the same language and zone (app.mail.services.render_shared_email)."""
    # The links' tokens are stored with the email that carries them, in one round trip.
    links = personal_links(registration, manage=not registration.anonymised_at, verify_until=verify_until, stored=False)
    event = registration.event
    personal = {"name": registration.name, "manage_url": links.manage_url, "verify_url": links.verify_url}
    if shared:
        context = {"event": event, "reader_zone": registration.timezone, **context}
    else:
        context = {"registration": registration, "event": event, **personal, **context}
    queue_email(
        kind=f"registration_{template}",
        to=registration.email,
        to_name=registration.name,
        template=template,
        context=context,
        personal=personal if shared else None,
        desk=event.desk,
        registration_id=registration.id,
        language=registration.language,
        along=links.storing,
        loaded_message=False,
    )


def send_confirmation_request(registration: Registration, now: datetime, *, every_session: bool) -> None:
    """The email with the link that confirms the address. ``every_session``: the registration covers every
    session of the event (participants do not choose); its rendering is then shared (``send``)."""
    hours = current_app.config["VERIFICATION_HOURS"]
    send(registration, "confirm_email", verify_until=now + timedelta(hours=hours), shared=every_session, hours=hours)


def send_already_registered(registration: Registration, now: datetime) -> None:
    """Tell the owner of the address; if they never confirmed it, with a fresh confirmation link."""
    verify_until = None
    if registration.status == PENDING_VERIFICATION:
        verify_until = now + timedelta(hours=current_app.config["VERIFICATION_HOURS"])
    send(registration, "already_registered", verify_until=verify_until)
