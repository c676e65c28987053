"""What a session's programme and its aftermath hold: speakers, materials, follow-up messages, pictures,
and the uploaded files behind them."""

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db
from app.types import UTCDateTime, utcnow

LINK = "link"
FILE = "file"

PUBLIC = "public"
PARTICIPANTS = "participants"

COVER = "cover"
GALLERY = "gallery"

AUDIENCE_CONFIRMED = "confirmed"
AUDIENCE_ATTENDED = "attended"
AUDIENCE_WAITLIST = "waitlist"


class StoredFile(db.Model):
    """An uploaded file: its bytes in the database (the default, so every host serves them) or, with
    MATERIALS_DIR set, in that shared directory under ``path``."""

    __tablename__ = "stored_files"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    filename: so.Mapped[str] = so.mapped_column(sa.String(255))
    content_type: so.Mapped[str] = so.mapped_column(sa.String(100))
    size: so.Mapped[int] = so.mapped_column()
    sha256: so.Mapped[str] = so.mapped_column(sa.String(64))
    # Deferred: listing materials never loads their bytes; downloads read them in chunks.
    data: so.Mapped[bytes | None] = so.mapped_column(sa.LargeBinary, deferred=True)
    path: so.Mapped[str | None] = so.mapped_column(sa.String(300))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)


class Speaker(db.Model):
    """Someone presenting in a session."""

    __tablename__ = "session_speakers"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    session_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("event_sessions.id", ondelete="CASCADE"), index=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(200))
    organisation: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    role: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    bio: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    photo_file_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("stored_files.id", ondelete="SET NULL"))
    position: so.Mapped[int] = so.mapped_column(default=0)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)

    session: so.Mapped["EventSession"] = so.relationship()  # noqa: F821
    photo: so.Mapped[StoredFile | None] = so.relationship()


class Material(db.Model):
    """A link (a recording, slides on another site) or an uploaded file of an event or one of its sessions."""

    __tablename__ = "materials"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    event_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"), index=True)
    session_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("event_sessions.id", ondelete="CASCADE"))
    kind: so.Mapped[str] = so.mapped_column(sa.String(10))
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    url: so.Mapped[str] = so.mapped_column(sa.String(1000), default="")
    file_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("stored_files.id", ondelete="CASCADE"))
    visibility: so.Mapped[str] = so.mapped_column(sa.String(20), default=PARTICIPANTS)
    coordinator_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("coordinators.id", ondelete="SET NULL"))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)

    event: so.Mapped["Event"] = so.relationship()  # noqa: F821
    session: so.Mapped["EventSession | None"] = so.relationship()  # noqa: F821
    file: so.Mapped[StoredFile | None] = so.relationship()

    @property
    def is_public(self) -> bool:
        return self.visibility == PUBLIC


class FollowUp(db.Model):
    """A message a coordinator sent to an event's participants; every copy is an outbox row."""

    __tablename__ = "follow_ups"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    event_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"), index=True)
    audience: so.Mapped[str] = so.mapped_column(sa.String(20))
    session_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("event_sessions.id", ondelete="SET NULL"))
    subject: so.Mapped[str] = so.mapped_column(sa.String(200))
    body: so.Mapped[str] = so.mapped_column(sa.Text)
    recipient_count: so.Mapped[int] = so.mapped_column(default=0)
    coordinator_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("coordinators.id", ondelete="SET NULL"))
    sent_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)

    session: so.Mapped["EventSession | None"] = so.relationship()  # noqa: F821
    coordinator: so.Mapped["Coordinator | None"] = so.relationship()  # noqa: F821


class Picture(db.Model):
    """An event's cover image or one image of its impressions gallery, kept in a few web sizes."""

    __tablename__ = "event_pictures"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    event_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"), index=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(10))
    alt_text: so.Mapped[str] = so.mapped_column(sa.String(300))
    caption: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    credit: so.Mapped[str] = so.mapped_column(sa.String(300), default="")
    width: so.Mapped[int] = so.mapped_column()
    height: so.Mapped[int] = so.mapped_column()
    position: so.Mapped[int] = so.mapped_column(default=0)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)

    renditions: so.Mapped[list["PictureRendition"]] = so.relationship(
        back_populates="picture", order_by="PictureRendition.width", cascade="all, delete-orphan"
    )

    @property
    def largest(self) -> "PictureRendition":
        return self.renditions[-1]

    @property
    def smallest(self) -> "PictureRendition":
        return self.renditions[0]


class PictureRendition(db.Model):
    """One web size of a picture (re-encoded, so without the original's EXIF data)."""

    __tablename__ = "picture_renditions"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    picture_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("event_pictures.id", ondelete="CASCADE"), index=True)
    width: so.Mapped[int] = so.mapped_column()
    height: so.Mapped[int] = so.mapped_column()
    file_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("stored_files.id", ondelete="CASCADE"))

    picture: so.Mapped[Picture] = so.relationship(back_populates="renditions")
    file: so.Mapped[StoredFile] = so.relationship()
