"""The coordinators' digest: registrations waiting for their approval and new contact requests for their
desks, by email immediately, daily, or not at all (each coordinator chooses)."""

from datetime import datetime, timedelta

import sqlalchemy as sa

from app.accounts.access import visible_desk_ids, within_desks
from app.accounts.models import Coordinator
from app.contact.models import CONTACT_NEW, ContactRequest
from app.errors import DomainError
from app.extensions import db
from app.i18n import _, _l
from app.mail.services import queue_email
from app.registrations.models import PENDING_APPROVAL, Registration
from app.types import utcnow
from app.web import external_url_for

FREQUENCIES = {"immediately": _l("Immediately"), "daily": _l("Once a day"), "off": _l("Never")}
# "Immediately" means on the mail worker's next loop, at most this often, so a burst makes one email.
IMMEDIATE_PAUSE = timedelta(minutes=5)


def waiting_items(coordinator: Coordinator) -> tuple[list[Registration], list[ContactRequest]]:
    """What waits on the coordinator's desks: registrations awaiting approval, new contact requests."""
    desk_ids = visible_desk_ids(coordinator)
    registrations = sa.select(Registration).where(Registration.status == PENDING_APPROVAL)
    requests = sa.select(ContactRequest).where(ContactRequest.status == CONTACT_NEW)
    registrations = registrations.where(within_desks(Registration.desk_id, desk_ids))
    requests = requests.where(within_desks(ContactRequest.desk_id, desk_ids))
    return (
        list(db.session.scalars(registrations.order_by(Registration.verified_at, Registration.id))),
        list(db.session.scalars(requests.order_by(ContactRequest.created_at, ContactRequest.id))),
    )


def set_frequency(coordinator: Coordinator, frequency: str) -> None:
    """Store how often the coordinator wants the digest."""
    if frequency not in FREQUENCIES:
        raise DomainError(_("Choose how often from the list."), field="frequency", code="digest_invalid")
    coordinator.digest = frequency
    db.session.flush()


def _due(coordinator: Coordinator, newest: datetime | None, now: datetime) -> bool:
    last = coordinator.digest_sent_at
    if coordinator.digest == "daily":
        return last is None or now - last >= timedelta(hours=24)
    if coordinator.digest == "immediately":
        fresh = newest is not None and (last is None or newest > last)
        return fresh and (last is None or now - last >= IMMEDIATE_PAUSE)
    return False


def send_digests(now: datetime | None = None) -> int:
    """Queue the digests that are due; a coordinator with nothing waiting gets none. Returns how many."""
    now = now or utcnow()
    sent = 0
    coordinators = db.session.scalars(
        sa.select(Coordinator).where(Coordinator.active.is_(True), Coordinator.digest != "off").order_by(Coordinator.id)
    )
    for coordinator in coordinators:
        registrations, requests = waiting_items(coordinator)
        if not registrations and not requests:
            continue
        stamps = [r.verified_at or r.created_at for r in registrations] + [c.created_at for c in requests]
        if not _due(coordinator, max(stamps), now):
            continue
        queue_email(
            kind="coordinator_digest",
            to=coordinator.email,
            to_name=coordinator.name,
            template="digest",
            context={
                "coordinator": coordinator,
                "registrations": registrations,
                "requests": requests,
                "dashboard_url": external_url_for("dashboard.index"),
                "registration_url": lambda r: external_url_for(
                    "registrations_coordinator.registration_detail", registration_id=r.id
                ),
                "request_url": lambda c: external_url_for("contact.request_detail", request_id=c.id),
            },
            dedup_key=f"digest:{coordinator.id}:{now:%Y%m%d%H%M}",
        )
        coordinator.digest_sent_at = now
        sent += 1
    db.session.flush()
    return sent
