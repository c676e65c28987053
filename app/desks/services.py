"""Desks: routing a person to the right desk, the public list of desks, and desk management.

Every function here flushes; the request (or the command) commits.
"""

from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.accounts.models import Coordinator
from app.countries import COUNTRY_NAMES, is_country
from app.desks import kept
from app.desks.models import Desk
from app.desks.routing import Route, route
from app.errors import DomainError
from app.extensions import db
from app.i18n import _
from app.text import single_line

DESK_NAME_MAX = 200
CITY_MAX = 100


class DeskError(DomainError):
    """A desk cannot be saved as asked."""

    code = "desk_invalid"


# --- Routing ----------------------------------------------------------------------------------------


def all_desks() -> list[Desk]:
    """Every desk, by name."""
    return list(db.session.scalars(sa.select(Desk).order_by(Desk.name)))


def route_person(country: str, expert_type: str, *, routing_version: int | None = None) -> Route:
    """The desk (and the reason) for a person from ``country`` who is an ``expert_type`` expert.

    Given the desks' ``routing_version`` read in this transaction (kept.version_column), the route's desk is
    the process's kept copy (a RoutingDesk: id, name, countries), else the Desk itself."""
    desks = all_desks() if routing_version is None else kept.routing_desks(routing_version)
    return route(desks, country, expert_type)


def active_coordinators(desk: Desk) -> list[Coordinator]:
    """The desk's coordinators whose accounts are active."""
    return [c for c in desk.coordinators if c.active]


# --- Public directory -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicContact:
    """What the public may know about a coordinator: never the email address."""

    name: str
    position: str
    city: str


@dataclass(frozen=True)
class PublicDesk:
    name: str
    city: str
    countries: list[str]
    is_german: bool
    is_default: bool
    coordinators: list[PublicContact]


def public_directory() -> list[PublicDesk]:
    """Desks by name and city with their active coordinators' names, roles and city, for the public pages."""
    desks = db.session.scalars(sa.select(Desk).options(so.selectinload(Desk.coordinators)).order_by(Desk.name))
    return [
        PublicDesk(
            name=desk.name,
            city=desk.city,
            countries=[COUNTRY_NAMES.get(code, code) for code in desk.countries],
            is_german=desk.is_german,
            is_default=desk.is_default,
            coordinators=[PublicContact(c.name, c.position, desk.city) for c in active_coordinators(desk)],
        )
        for desk in desks
    ]


# --- Desk management --------------------------------------------------------------------------------


def save_desk(
    *,
    name: str,
    city: str,
    countries: list[str],
    is_german: bool = False,
    is_default: bool = False,
    desk: Desk | None = None,
) -> Desk:
    """Create a desk, or update ``desk``. Only one desk is the default and only one the German desk: setting
    the flag here takes it from the other desk. Each country is covered by at most one desk."""
    name = single_line(name)
    city = single_line(city)
    codes = sorted({(code or "").strip().upper() for code in countries if (code or "").strip()})
    if not name:
        raise DeskError(_("Give the desk a name."), field="name")
    if len(name) > DESK_NAME_MAX:
        raise DeskError(
            _("Keep the name under %(desk_name_max)s characters.", desk_name_max=DESK_NAME_MAX), field="name"
        )
    if len(city) > CITY_MAX:
        raise DeskError(_("Keep the city under %(city_max)s characters.", city_max=CITY_MAX), field="city")
    unknown = [code for code in codes if not is_country(code)]
    if unknown:
        raise DeskError(_("Unknown country codes: %(codes)s.", codes=", ".join(unknown)), field="countries")
    desk_id = desk.id if desk is not None else -1
    clash = db.session.scalar(sa.select(Desk.id).where(sa.func.lower(Desk.name) == name.lower(), Desk.id != desk_id))
    if clash is not None:
        raise DeskError(_("Another desk already has this name."), field="name")
    others = list(db.session.scalars(sa.select(Desk).where(Desk.id != desk_id).order_by(Desk.name)))
    # Two desks covering one country would make routing depend on their names' order.
    for other in others:
        shared = sorted(set(codes) & set(other.countries))
        if shared:
            listed = ", ".join(f"{COUNTRY_NAMES.get(c, c)} ({c})" for c in shared)
            raise DeskError(
                _("%(name)s already covers %(listed)s; remove it there first.", name=other.name, listed=listed),
                field="countries",
            )
    if desk is not None and desk.is_default and not is_default:
        raise DeskError(
            _(
                "Questions from countries no desk covers go to the default desk: make another desk the default "
                "instead of unsetting it here."
            ),
            field="is_default",
        )

    if is_default:
        for other in others:
            other.is_default = False
    if is_german:
        for other in others:
            other.is_german = False
    # Clear the other desks' flags before this desk takes them, so that no moment has two defaults.
    db.session.flush()
    if desk is None:
        desk = Desk()
        db.session.add(desk)
    desk.name = name
    desk.city = city
    desk.countries = codes
    desk.is_german = is_german
    desk.is_default = is_default
    db.session.flush()
    return desk


def get_desk(desk_id: int) -> Desk | None:
    """The desk with this id, or None."""
    return db.session.get(Desk, desk_id)
