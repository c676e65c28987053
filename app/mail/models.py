from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db
from app.types import UTCDateTime, utcnow

QUEUED = "queued"
SENDING = "sending"
SENT = "sent"
FAILED = "failed"
CANCELLED = "cancelled"
OUTBOX_STATUSES = (QUEUED, SENDING, SENT, FAILED, CANCELLED)


class OutboxMessage(db.Model):
    """An email written in the same transaction as the change that causes it, sent later by a worker."""

    __tablename__ = "outbox_messages"
    __table_args__ = (sa.Index("ix_outbox_messages_due", "status", "next_attempt_at"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(50), index=True)
    dedup_key: so.Mapped[str | None] = so.mapped_column(sa.String(255), unique=True)
    message_id: so.Mapped[str] = so.mapped_column(sa.String(255), unique=True)
    sender: so.Mapped[str] = so.mapped_column(sa.String(320))
    recipient: so.Mapped[str] = so.mapped_column(sa.String(320))
    reply_to: so.Mapped[str | None] = so.mapped_column(sa.String(320))
    subject: so.Mapped[str] = so.mapped_column(sa.String(998))
    text_body: so.Mapped[str] = so.mapped_column(sa.Text)
    html_body: so.Mapped[str] = so.mapped_column(sa.Text)
    # An iTIP calendar part (text/calendar; method=...) sent inside multipart/alternative and as invite.ics.
    calendar_method: so.Mapped[str | None] = so.mapped_column(sa.String(16))
    calendar_ics: so.Mapped[str | None] = so.mapped_column(sa.Text)
    # Other attachments: [{"filename", "content_type", "data" (base64)}].
    attachments: so.Mapped[list] = so.mapped_column(sa.JSON, default=list)
    status: so.Mapped[str] = so.mapped_column(sa.String(20), default=QUEUED)
    attempts: so.Mapped[int] = so.mapped_column(default=0)
    # Of those, the attempts that found no relay to talk to: they say nothing about the message, so they do not
    # count against MAIL_MAX_ATTEMPTS (MAIL_GIVE_UP_AFTER ends a long outage instead).
    unreachable_attempts: so.Mapped[int] = so.mapped_column(default=0, server_default="0")
    next_attempt_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    lease_expires_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    last_error: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    sent_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    # What the message is about, so that deleting a person's data reaches exactly their messages (never those
    # of another registration with the same address). Plain ids: the mail domain depends on no other.
    registration_id: so.Mapped[int | None] = so.mapped_column(index=True)
    contact_request_id: so.Mapped[int | None] = so.mapped_column(index=True)
    # Set when the data it carries was deleted while it still had to go out: emptied as soon as it is sent.
    scrub_after_send: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    scrubbed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.kind} {self.status}>"


class RelayStatus(db.Model):
    """The SMTP relay as the workers last found it: one row (id 1), written when a worker cannot reach the relay
    and cleared when it delivers again. The outbox page and health checks read it."""

    __tablename__ = "mail_relay_status"

    id: so.Mapped[int] = so.mapped_column(primary_key=True, autoincrement=False)
    down_since: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    last_failure_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    last_error: so.Mapped[str] = so.mapped_column(sa.Text, default="")
