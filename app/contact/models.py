"""Contact requests: a question routed to a desk, and its history."""

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.desks.models import Desk
from app.extensions import db
from app.i18n import _l
from app.locales import current_language
from app.types import UTCDateTime, utcnow

CONTACT_NEW = "new"
CONTACT_ANSWERED = "answered"
CONTACT_CLOSED = "closed"
CONTACT_STATUSES = (CONTACT_NEW, CONTACT_ANSWERED, CONTACT_CLOSED)
CONTACT_STATUS_LABELS = {
    CONTACT_NEW: _l("New"),
    CONTACT_ANSWERED: _l("Answered"),
    CONTACT_CLOSED: _l("Closed"),
}


class ContactRequest(db.Model):
    __tablename__ = "contact_requests"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(200))
    email: so.Mapped[str] = so.mapped_column(sa.String(254))
    country: so.Mapped[str] = so.mapped_column(sa.String(2))
    expert_type: so.Mapped[str] = so.mapped_column(sa.String(20))
    organisation: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    event_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("events.id", ondelete="SET NULL"))
    message: so.Mapped[str] = so.mapped_column(sa.Text)
    desk_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("desks.id"), index=True)
    routing_reason: so.Mapped[str] = so.mapped_column(sa.String(500))
    # The asker's language (the page's when they asked): the acknowledgement is written in it.
    language: so.Mapped[str] = so.mapped_column(sa.String(16), default=current_language, server_default="en")
    status: so.Mapped[str] = so.mapped_column(sa.String(20), default=CONTACT_NEW, index=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    desk: so.Mapped[Desk] = so.relationship()
    event: so.Mapped["Event | None"] = so.relationship()  # noqa: F821
    history: so.Mapped[list["ContactRequestEntry"]] = so.relationship(
        back_populates="request", order_by="ContactRequestEntry.created_at", cascade="all, delete-orphan"
    )


class ContactRequestEntry(db.Model):
    """One line in a contact request's history: routed, reassigned, answered, closed, a note."""

    __tablename__ = "contact_request_entries"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    request_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("contact_requests.id", ondelete="CASCADE"), index=True)
    coordinator_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("coordinators.id", ondelete="SET NULL"))
    action: so.Mapped[str] = so.mapped_column(sa.String(30))
    note: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    from_desk_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("desks.id"))
    to_desk_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("desks.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)

    request: so.Mapped[ContactRequest] = so.relationship(back_populates="history")
    coordinator: so.Mapped["Coordinator | None"] = so.relationship()  # noqa: F821
    from_desk: so.Mapped[Desk | None] = so.relationship(foreign_keys=[from_desk_id])
    to_desk: so.Mapped[Desk | None] = so.relationship(foreign_keys=[to_desk_id])
