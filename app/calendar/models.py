from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db
from app.types import UTCDateTime, utcnow


class Attendance(db.Model):
    """A participant's use of their access link inside a session's join window."""

    __tablename__ = "attendances"
    __table_args__ = (sa.UniqueConstraint("registration_id", "session_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    registration_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("registrations.id", ondelete="CASCADE"))
    session_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("event_sessions.id", ondelete="CASCADE"), index=True)
    first_joined_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    last_joined_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    joins: so.Mapped[int] = so.mapped_column(default=1)

    registration: so.Mapped["Registration"] = so.relationship()  # noqa: F821
    session: so.Mapped["EventSession"] = so.relationship()  # noqa: F821


class CancelledSession(db.Model):
    """A session removed from a published event, kept so that the public file and the feed go on listing
    it as STATUS:CANCELLED (with a higher SEQUENCE) and subscribed calendars drop it.

    ``session_id`` is the removed session's id (its row is gone), from which its public UID is built.
    """

    __tablename__ = "cancelled_sessions"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    event_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"), index=True)
    session_id: so.Mapped[int] = so.mapped_column()
    title: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    starts_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime())
    ends_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime())
    sequence: so.Mapped[int] = so.mapped_column()
    cancelled_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
