import secrets
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_login import UserMixin
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import db
from app.types import UTCDateTime, utcnow

ROLE_ADMIN = "admin"
ROLE_COORDINATOR = "coordinator"


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


desk_memberships = sa.Table(
    "desk_memberships",
    db.metadata,
    sa.Column("coordinator_id", sa.ForeignKey("coordinators.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("desk_id", sa.ForeignKey("desks.id", ondelete="CASCADE"), primary_key=True),
)


class Coordinator(UserMixin, db.Model):
    __tablename__ = "coordinators"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    email: so.Mapped[str] = so.mapped_column(sa.String(254), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(200))
    position: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    password_hash: so.Mapped[str] = so.mapped_column(sa.String(256))
    role: so.Mapped[str] = so.mapped_column(sa.String(20), default=ROLE_COORDINATOR)
    active: so.Mapped[bool] = so.mapped_column(default=True)
    # The language of the coordinator's pages and of the emails they receive (app.locales.LANGUAGES).
    language: so.Mapped[str] = so.mapped_column(sa.String(16), default="en", server_default="en")
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    # The digest of waiting work: "immediately", "daily" or "off"; and when the last one went out.
    digest: so.Mapped[str] = so.mapped_column(sa.String(20), default="daily")
    digest_sent_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    # Part of every session's user id: a new value (logout, password change) ends every session at once, on
    # every device, although session cookies are signed rather than stored.
    session_token: so.Mapped[str] = so.mapped_column(sa.String(64), default=new_session_token, server_default="")

    desks: so.Mapped[list["Desk"]] = so.relationship(  # noqa: F821
        secondary=desk_memberships, back_populates="coordinators", order_by="Desk.name"
    )

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def is_admin(self) -> bool:
        return self.role == ROLE_ADMIN

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def desk_ids(self) -> set[int]:
        return {desk.id for desk in self.desks}

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<Coordinator {self.email}>"


class RememberToken(db.Model):
    """A "keep me logged in" token: random, stored as its SHA-256 only, replaced by a new one each time it is
    used, and deleted with every session of the account (logout, password change)."""

    __tablename__ = "remember_tokens"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    coordinator_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("coordinators.id", ondelete="CASCADE"), index=True)
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    expires_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime())

    coordinator: so.Mapped[Coordinator] = so.relationship()
