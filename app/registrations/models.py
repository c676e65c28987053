from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db
from app.i18n import _l
from app.locales import current_language
from app.types import UTCDateTime, utcnow

PENDING_VERIFICATION = "pending_verification"
PENDING_APPROVAL = "pending_approval"
CONFIRMED = "confirmed"
WAITLISTED = "waitlisted"
REJECTED = "rejected"
CANCELLED = "cancelled"
EXPIRED = "expired"
ACTIVE_STATUSES = (PENDING_VERIFICATION, PENDING_APPROVAL, CONFIRMED, WAITLISTED)
STATUS_LABELS = {
    PENDING_VERIFICATION: _l("Email not yet confirmed"),
    PENDING_APPROVAL: _l("Awaiting approval"),
    CONFIRMED: _l("Confirmed"),
    WAITLISTED: _l("On the waitlist"),
    REJECTED: _l("Not approved"),
    CANCELLED: _l("Cancelled"),
    EXPIRED: _l("Expired (email never confirmed)"),
}

TOKEN_VERIFY = "verify"
TOKEN_MANAGE = "manage"
TOKEN_JOIN = "join"

_active_list = ", ".join(f"'{s}'" for s in ACTIVE_STATUSES)


class Registration(db.Model):
    __tablename__ = "registrations"
    __table_args__ = (
        # One active registration per event and address, whatever the concurrency.
        sa.Index(
            "uq_registrations_active_email",
            "event_id",
            "email_normalized",
            unique=True,
            sqlite_where=sa.text(f"status IN ({_active_list})"),
            postgresql_where=sa.text(f"status IN ({_active_list})"),
        ),
        sa.Index("ix_registrations_event_status", "event_id", "status"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    event_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    desk_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("desks.id"), index=True)
    routing_reason: so.Mapped[str] = so.mapped_column(sa.String(500))
    name: so.Mapped[str] = so.mapped_column(sa.String(200))
    email: so.Mapped[str] = so.mapped_column(sa.String(254))
    email_normalized: so.Mapped[str] = so.mapped_column(sa.String(254))
    organisation: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    country: so.Mapped[str] = so.mapped_column(sa.String(2), default="")
    position: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    expert_type: so.Mapped[str] = so.mapped_column(sa.String(20))
    timezone: so.Mapped[str] = so.mapped_column(sa.String(64))
    # The language the registration was made in (the page's), changeable on the personal page: every
    # email and invite to the participant is written in it.
    language: so.Mapped[str] = so.mapped_column(sa.String(16), default=current_language, server_default="en")
    message: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    consent_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    status: so.Mapped[str] = so.mapped_column(sa.String(30), default=PENDING_VERIFICATION)
    verified_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    # Stable base of the calendar UIDs of this participant's invites (one per session).
    calendar_uid: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    anonymised_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    event: so.Mapped["Event"] = so.relationship()  # noqa: F821
    desk: so.Mapped["Desk"] = so.relationship()  # noqa: F821
    transitions: so.Mapped[list["RegistrationTransition"]] = so.relationship(
        back_populates="registration",
        order_by="RegistrationTransition.id",
        cascade="all, delete-orphan",
    )

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS.get(self.status, self.status))

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    def __repr__(self) -> str:
        return f"<Registration {self.id} {self.status}>"


class RegistrationTransition(db.Model):
    """The audit trail: who moved a registration from which status to which, when, and why."""

    __tablename__ = "registration_transitions"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    registration_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    from_status: so.Mapped[str | None] = so.mapped_column(sa.String(30))
    to_status: so.Mapped[str] = so.mapped_column(sa.String(30))
    coordinator_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("coordinators.id", ondelete="SET NULL"))
    actor: so.Mapped[str] = so.mapped_column(sa.String(30))  # participant, coordinator, system
    message: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)

    registration: so.Mapped[Registration] = so.relationship(back_populates="transitions")
    coordinator: so.Mapped["Coordinator | None"] = so.relationship()  # noqa: F821


class AccessToken(db.Model):
    """A link token sent to a participant; only its SHA-256 is stored."""

    __tablename__ = "access_tokens"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    registration_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    purpose: so.Mapped[str] = so.mapped_column(sa.String(20))
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    expires_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)

    registration: so.Mapped[Registration] = so.relationship()
