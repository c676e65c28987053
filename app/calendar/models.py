from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db
from app.types import UTCDateTime, utcnow

SOURCE_LINK = "link"
SOURCE_MANUAL = "manual"
SOURCE_REPORT = "report"
SOURCES = (SOURCE_LINK, SOURCE_MANUAL, SOURCE_REPORT)

IMPORT_PENDING = "pending"
IMPORT_APPLIED = "applied"


class Attendance(db.Model):
    """A participant's presence in one session, merged from three sources: their access link used inside
    the join window (``joins``, ``first_joined_at``), a coordinator's mark by hand (``marked_present``), and
    the video platform's participants report (``report_joined_at``, ``report_minutes``)."""

    __tablename__ = "attendances"
    __table_args__ = (sa.UniqueConstraint("registration_id", "session_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    registration_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("registrations.id", ondelete="CASCADE"))
    session_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("event_sessions.id", ondelete="CASCADE"), index=True)
    # Access link: None and 0 when the participant never used it in this session's window. No default: an
    # explicit None (a row made for a mark by hand or a report) would be replaced by it.
    first_joined_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    last_joined_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    joins: so.Mapped[int] = so.mapped_column(default=1)
    # By hand, in the dashboard.
    marked_present: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    marked_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("coordinators.id", ondelete="SET NULL"))
    # From the platform's report: the earliest join and the minutes of every stay added up.
    report_joined_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    report_minutes: so.Mapped[int | None] = so.mapped_column()
    report_import_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("attendance_imports.id", ondelete="SET NULL")
    )

    registration: so.Mapped["Registration"] = so.relationship()  # noqa: F821
    session: so.Mapped["EventSession"] = so.relationship()  # noqa: F821

    @property
    def sources(self) -> list[str]:
        """Where this presence comes from, in a fixed order."""
        found = []
        if self.joins and self.first_joined_at is not None:
            found.append(SOURCE_LINK)
        if self.marked_present:
            found.append(SOURCE_MANUAL)
        if self.report_minutes is not None or self.report_joined_at is not None:
            found.append(SOURCE_REPORT)
        return found

    @property
    def present(self) -> bool:
        return bool(self.sources)

    @property
    def joined_at(self) -> datetime | None:
        """The earliest join any source knows of."""
        times = [t for t in (self.first_joined_at if self.joins else None, self.report_joined_at) if t is not None]
        return min(times, default=None)

    @property
    def minutes(self) -> int | None:
        """Minutes in the meeting; only the platform's report measures them."""
        return self.report_minutes


class AttendanceImport(db.Model):
    """A participants report uploaded for one session: parsed and matched, then applied after review."""

    __tablename__ = "attendance_imports"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    session_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("event_sessions.id", ondelete="CASCADE"), index=True)
    coordinator_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("coordinators.id", ondelete="SET NULL"))
    filename: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    platform: so.Mapped[str] = so.mapped_column(sa.String(20))
    status: so.Mapped[str] = so.mapped_column(sa.String(20), default=IMPORT_PENDING)
    # The people of the report, merged and matched: see app.calendar.reports.Match.as_dict.
    matches: so.Mapped[list] = so.mapped_column(sa.JSON, default=list)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    applied_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())

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
