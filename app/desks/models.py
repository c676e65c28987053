from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.accounts.models import desk_memberships
from app.extensions import db
from app.i18n import _l
from app.types import UTCDateTime, utcnow

EXPERT_INTERNATIONAL = "international"
EXPERT_GERMAN = "german"
EXPERT_TYPES = {
    EXPERT_INTERNATIONAL: _l("I am an international expert"),
    EXPERT_GERMAN: _l("I am a German expert"),
}


class Desk(db.Model):
    """A coordination point: a region, its city, the countries it covers, and its coordinators."""

    __tablename__ = "desks"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(200), unique=True)
    city: so.Mapped[str] = so.mapped_column(sa.String(100), default="")
    # ISO 3166-1 alpha-2 codes, comma-separated ("AL,AM,GE"); XK is used for Kosovo.
    country_codes: so.Mapped[str] = so.mapped_column(sa.String(1000), default="")
    is_german: so.Mapped[bool] = so.mapped_column(default=False)
    is_default: so.Mapped[bool] = so.mapped_column(default=False)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)

    coordinators: so.Mapped[list["Coordinator"]] = so.relationship(  # noqa: F821
        secondary=desk_memberships, back_populates="desks", order_by="Coordinator.name"
    )

    @property
    def countries(self) -> list[str]:
        return [code for code in self.country_codes.split(",") if code]

    @countries.setter
    def countries(self, codes: list[str]) -> None:
        self.country_codes = ",".join(sorted({code.strip().upper() for code in codes if code.strip()}))

    def __repr__(self) -> str:
        return f"<Desk {self.name}>"


class DeskRoutingVersion(db.Model):
    """How often the desks have changed, in one row: processes keep the desks for routing by this number
    (app.desks.kept). It grows in the same transaction as any change to a desk."""

    __tablename__ = "desk_routing_versions"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)  # the one row is 1
    version: so.Mapped[int] = so.mapped_column(default=0, server_default="0")
