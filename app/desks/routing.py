"""Who answers whom: the one routing rule for contact requests and registrations.

A German expert, or a person in Germany, goes to the German desk; anyone else to the desk that covers
their country; else to the default international desk.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from app.countries import COUNTRY_NAMES, ENGLISH_COUNTRY_NAMES
from app.desks.models import EXPERT_GERMAN
from app.i18n import _


class RoutableDesk(Protocol):
    id: int
    name: str
    is_german: bool
    is_default: bool

    @property
    def countries(self) -> Sequence[str]: ...


@dataclass(frozen=True)
class Route:
    desk: RoutableDesk
    reason: str


class NoDeskError(LookupError):
    """No desk can take the person: neither a covering desk nor a default desk exists."""


def route(desks: Iterable[RoutableDesk], country: str, expert_type: str) -> Route:
    """Choose the desk for a person from ``country`` who says they are an ``expert_type`` expert."""
    desks = list(desks)
    country = (country or "").upper()
    german = next((d for d in desks if d.is_german), None)
    if german is not None and expert_type == EXPERT_GERMAN:
        return Route(german, f"German expert: routed to {german.name}")
    if german is not None and country == "DE":
        return Route(german, f"country DE covered by {german.name}")
    covering = sorted((d for d in desks if country and country in d.countries), key=lambda d: d.name)
    if covering:
        desk = covering[0]
        return Route(desk, f"country {country} covered by {desk.name}")
    default = next((d for d in desks if d.is_default), None)
    if default is not None:
        name = ENGLISH_COUNTRY_NAMES.get(country, country or "unknown")
        return Route(default, f"no desk covers country {country or '-'} ({name}): default desk {default.name}")
    raise NoDeskError("No desk covers this country and no default desk is set.")


def explain(desk: RoutableDesk, country: str, expert_type: str) -> str:
    """Why ``desk`` answers this person, in words for them (the acknowledgement email), for whichever
    branch of route() chose it: "because you told us you are a German expert", "because it looks after
    Georgia", ..."""
    country = (country or "").upper()
    name = COUNTRY_NAMES.get(country, country)
    # A clause that ends the acknowledgement's sentence "It has reached our desk “…” in …, <reason>."
    if desk.is_german and expert_type == EXPERT_GERMAN:
        return _("because you told us you are a German expert")
    if desk.is_german and country == "DE":
        return _("because you work in Germany")
    if country and country in desk.countries:
        return _("because it looks after %(country)s", country=name)
    return _(
        "because it answers everyone whose country no regional desk looks after, such as %(country)s", country=name
    )
