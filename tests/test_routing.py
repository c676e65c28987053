"""The routing rule: German experts and people in Germany to the German desk, others by country, else default."""

from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa

from app.contact.models import ContactRequest
from app.desks import services
from app.desks.models import EXPERT_GERMAN, EXPERT_INTERNATIONAL
from app.desks.routing import NoDeskError, route
from app.extensions import db
from tests.contact_support import contact_form

TBILISI = "Southeast Europe and Caucasus (Tbilisi)"
GERMANY = "Germany"


@dataclass
class FakeDesk:
    name: str
    countries: list[str] = field(default_factory=list)
    is_german: bool = False
    is_default: bool = False


def standard():
    return [
        FakeDesk(TBILISI, ["AL", "AM", "AZ", "BA", "GE", "MD", "ME", "MK", "RS", "UA", "XK"], is_default=True),
        FakeDesk(GERMANY, ["DE"], is_german=True),
    ]


# (country, expert type, desk, stored reason)
ROUTING_TABLE = [
    ("GE", EXPERT_GERMAN, GERMANY, "German expert: routed to Germany"),
    ("GE", EXPERT_INTERNATIONAL, TBILISI, f"country GE covered by {TBILISI}"),
    ("UA", EXPERT_INTERNATIONAL, TBILISI, f"country UA covered by {TBILISI}"),
    ("MD", EXPERT_INTERNATIONAL, TBILISI, f"country MD covered by {TBILISI}"),
    ("RS", EXPERT_INTERNATIONAL, TBILISI, f"country RS covered by {TBILISI}"),
    ("AL", EXPERT_INTERNATIONAL, TBILISI, f"country AL covered by {TBILISI}"),
    ("XK", EXPERT_INTERNATIONAL, TBILISI, f"country XK covered by {TBILISI}"),
    ("DE", EXPERT_INTERNATIONAL, GERMANY, "country DE covered by Germany"),
    ("DE", EXPERT_GERMAN, GERMANY, "German expert: routed to Germany"),
    ("FR", EXPERT_INTERNATIONAL, TBILISI, f"no desk covers country FR (France): default desk {TBILISI}"),
]


@pytest.mark.parametrize(("country", "expert_type", "desk", "reason"), ROUTING_TABLE)
def test_rule_routes_each_person_to_their_desk(country, expert_type, desk, reason):
    decision = route(standard(), country, expert_type)
    assert decision.desk.name == desk
    assert decision.reason == reason


def test_lowercase_country_is_read_as_its_code():
    assert route(standard(), "ua", EXPERT_INTERNATIONAL).reason == f"country UA covered by {TBILISI}"


def test_german_expert_goes_by_country_when_there_is_no_german_desk():
    desks = [FakeDesk(TBILISI, ["GE"], is_default=True), FakeDesk("Balkans (Belgrade)", ["RS"])]
    decision = route(desks, "RS", EXPERT_GERMAN)
    assert decision.desk.name == "Balkans (Belgrade)"
    assert decision.reason == "country RS covered by Balkans (Belgrade)"


def test_no_covering_and_no_default_desk_is_an_error():
    with pytest.raises(NoDeskError):
        route([FakeDesk(GERMANY, ["DE"], is_german=True)], "FR", EXPERT_INTERNATIONAL)


def test_route_person_reads_the_desks_from_the_database(desks):
    decision = services.route_person("MD", EXPERT_INTERNATIONAL)
    assert decision.desk.id == desks.tbilisi.id
    assert decision.reason == f"country MD covered by {TBILISI}"
    assert services.route_person("GE", EXPERT_GERMAN).desk.id == desks.germany.id


@pytest.mark.parametrize(("country", "expert_type", "desk", "reason"), ROUTING_TABLE)
def test_contact_form_stores_the_routed_desk_and_reason(client, desks, country, expert_type, desk, reason):
    response = client.post("/contact", data=contact_form(country=country, expert_type=expert_type))
    assert response.status_code == 302, response.get_data(as_text=True)
    stored = db.session.scalars(sa.select(ContactRequest)).one()
    assert stored.desk.name == desk
    assert stored.routing_reason == reason
    assert stored.country == country
    assert [(e.action, e.note, e.to_desk.name) for e in stored.history] == [("routed", reason, desk)]
