from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db
from app.types import UTCDateTime, utcnow

# Feedback surveys
SURVEY_DRAFT = "draft"
SURVEY_OPEN = "open"
SURVEY_CLOSED = "closed"
AFTER_EACH_SESSION = "each"
AFTER_LAST_SESSION = "last"
QUESTION_TEXT = "text"
QUESTION_RATING = "rating"

# Certificates
RULE_SESSIONS = "sessions"
RULE_MINUTES = "minutes"

# Directory
SCOPE_EVENT = "event"
SCOPE_SERIES = "series"


class FeedbackSurvey(db.Model):
    """An event's feedback survey: sent after each session or after the last one, open until closed."""

    __tablename__ = "feedback_surveys"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    event_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"), unique=True)
    timing: so.Mapped[str] = so.mapped_column(sa.String(10), default=AFTER_LAST_SESSION)
    status: so.Mapped[str] = so.mapped_column(sa.String(10), default=SURVEY_DRAFT)
    anonymous_results: so.Mapped[bool] = so.mapped_column(default=False)
    intro: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    closes_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)

    event: so.Mapped["Event"] = so.relationship()  # noqa: F821
    questions: so.Mapped[list["FeedbackQuestion"]] = so.relationship(
        back_populates="survey", order_by="FeedbackQuestion.position", cascade="all, delete-orphan"
    )


class FeedbackQuestion(db.Model):
    """One of the coordinator's own questions: free text, or a 1-5 rating."""

    __tablename__ = "feedback_questions"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    survey_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("feedback_surveys.id", ondelete="CASCADE"), index=True)
    position: so.Mapped[int] = so.mapped_column(default=0)
    text: so.Mapped[str] = so.mapped_column(sa.String(300))
    kind: so.Mapped[str] = so.mapped_column(sa.String(10), default=QUESTION_TEXT)

    survey: so.Mapped[FeedbackSurvey] = so.relationship(back_populates="questions")


class FeedbackResponse(db.Model):
    """A participant's answers for one session (or for the event, given on its last session)."""

    __tablename__ = "feedback_responses"
    __table_args__ = (sa.UniqueConstraint("survey_id", "registration_id", "session_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    survey_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("feedback_surveys.id", ondelete="CASCADE"))
    registration_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    session_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("event_sessions.id", ondelete="CASCADE"))
    rating: so.Mapped[int] = so.mapped_column()
    worked: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    improve: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    # {question id (as text): answer (text, or a rating as text)}
    answers: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    survey: so.Mapped[FeedbackSurvey] = so.relationship()
    registration: so.Mapped["Registration"] = so.relationship()  # noqa: F821
    session: so.Mapped["EventSession"] = so.relationship()  # noqa: F821


class CertificateRule(db.Model):
    """Who earns a certificate of an event (at least N sessions, or at least N minutes), and its text."""

    __tablename__ = "certificate_rules"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    event_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"), unique=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(10), default=RULE_SESSIONS)
    minimum: so.Mapped[int] = so.mapped_column()
    text: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    organiser: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    signatory: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    event: so.Mapped["Event"] = so.relationship()  # noqa: F821


class Certificate(db.Model):
    """An issued certificate: what it certified is kept as issued, so the PDF and the verification page
    stay the same whatever changes later; revoking it makes the verification page say so."""

    __tablename__ = "certificates"
    __table_args__ = (sa.UniqueConstraint("event_id", "registration_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(32), unique=True)
    event_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"), index=True)
    registration_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("registrations.id", ondelete="SET NULL"), index=True
    )
    name: so.Mapped[str] = so.mapped_column(sa.String(200))
    organisation: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    # [{"title": ..., "starts_at": ISO 8601 UTC, "minutes": int|None}]
    sessions: so.Mapped[list] = so.mapped_column(sa.JSON, default=list)
    minutes: so.Mapped[int] = so.mapped_column(default=0)
    issued_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    revoked_reason: so.Mapped[str] = so.mapped_column(sa.String(500), default="")

    event: so.Mapped["Event"] = so.relationship()  # noqa: F821
    registration: so.Mapped["Registration | None"] = so.relationship()  # noqa: F821

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class DirectoryEntry(db.Model):
    """A participant's opt-in listing, seen only by the other confirmed participants of the event or series."""

    __tablename__ = "directory_entries"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    registration_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("registrations.id", ondelete="CASCADE"), unique=True
    )
    scope: so.Mapped[str] = so.mapped_column(sa.String(10), default=SCOPE_EVENT)
    introduction: so.Mapped[str] = so.mapped_column(sa.String(1000), default="")
    topics: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    hidden_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    hidden_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("coordinators.id", ondelete="SET NULL"))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    registration: so.Mapped["Registration"] = so.relationship()  # noqa: F821


class DirectoryMessage(db.Model):
    """That one listed participant wrote to another (the text itself travels only in the outbox)."""

    __tablename__ = "directory_messages"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    sender_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("registrations.id", ondelete="SET NULL"), index=True
    )
    recipient_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("registrations.id", ondelete="SET NULL"))
    address_revealed: so.Mapped[bool] = so.mapped_column(default=False)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
