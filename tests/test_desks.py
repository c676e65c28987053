"""Desk management: admins list, create and edit desks; one default desk and one German desk at most."""

import pytest
import sqlalchemy as sa

from app.contact.demo import seed_contact_requests
from app.contact.models import ContactRequest
from app.desks import services
from app.desks.models import EXPERT_INTERNATIONAL, Desk
from app.extensions import db
from tests import factories
from tests.contact_support import outbox


def desk_form(**overrides) -> dict:
    data = {"name": "Central Asia (Almaty)", "city": "Almaty", "countries": ["KZ", "KG"]}
    data.update(overrides)
    return data


def flags() -> dict[str, tuple[bool, bool]]:
    db.session.expire_all()
    return {d.name: (d.is_default, d.is_german) for d in db.session.scalars(sa.select(Desk))}


def test_admin_sees_desks_with_countries_and_coordinators(client, login, admin, tbilisi_coordinator, desks):
    login(admin)
    html = client.get("/dashboard/desks").get_data(as_text=True)
    assert "Southeast Europe and Caucasus (Tbilisi)" in html
    assert '<abbr title="Kosovo">XK</abbr>' in html
    assert "Nino Beridze" in html
    assert "Default" in html and "German desk" in html


def test_coordinators_and_visitors_cannot_manage_desks(client, login, tbilisi_coordinator, desks):
    for url in ("/dashboard/desks", "/dashboard/desks/new", f"/dashboard/desks/{desks.tbilisi.id}"):
        assert client.get(url).status_code == 302
    login(tbilisi_coordinator)
    for url in ("/dashboard/desks", "/dashboard/desks/new", f"/dashboard/desks/{desks.tbilisi.id}"):
        assert client.get(url).status_code == 404
    assert client.post("/dashboard/desks/new", data=desk_form()).status_code == 404
    assert client.post(f"/dashboard/desks/{desks.tbilisi.id}", data=desk_form(name="Mine")).status_code == 404
    assert len(flags()) == 2


def test_admin_creates_a_desk_that_routing_then_uses(client, login, admin, desks):
    login(admin)
    assert client.get("/dashboard/desks/new").status_code == 200
    response = client.post("/dashboard/desks/new", data=desk_form())
    assert response.status_code == 302
    desk = db.session.scalar(sa.select(Desk).where(Desk.name == "Central Asia (Almaty)"))
    assert (desk.city, desk.countries, desk.is_default, desk.is_german) == ("Almaty", ["KG", "KZ"], False, False)
    decision = services.route_person("KZ", EXPERT_INTERNATIONAL)
    assert decision.desk.id == desk.id
    assert decision.reason == "country KZ covered by Central Asia (Almaty)"


def test_edit_form_shows_the_current_countries(client, login, admin, desks):
    login(admin)
    html = client.get(f"/dashboard/desks/{desks.tbilisi.id}").get_data(as_text=True)
    assert '<option selected value="GE">Georgia</option>' in html
    assert '<option value="FR">France</option>' in html


def test_a_new_default_desk_unsets_the_old_one(client, login, admin, desks):
    login(admin)
    response = client.post("/dashboard/desks/new", data=desk_form(is_default="y"))
    assert response.status_code == 302
    assert flags() == {
        "Southeast Europe and Caucasus (Tbilisi)": (False, False),
        "Germany": (False, True),
        "Central Asia (Almaty)": (True, False),
    }
    assert services.route_person("FR", EXPERT_INTERNATIONAL).desk.name == "Central Asia (Almaty)"


def test_a_new_german_desk_unsets_the_old_one(client, login, admin, desks):
    login(admin)
    data = desk_form(name="Germany (Bonn)", city="Bonn", countries=[], is_german="y")
    assert client.post("/dashboard/desks/new", data=data).status_code == 302
    assert flags()["Germany"] == (False, False)
    assert flags()["Germany (Bonn)"] == (False, True)


def test_the_default_flag_moves_rather_than_disappears(client, login, admin, desks):
    login(admin)
    data = {"name": desks.tbilisi.name, "city": "Tbilisi", "countries": desks.tbilisi.countries}
    response = client.post(f"/dashboard/desks/{desks.tbilisi.id}", data=data)
    assert response.status_code == 400
    assert "make another desk the default" in response.get_data(as_text=True)
    assert flags()["Southeast Europe and Caucasus (Tbilisi)"] == (True, False)


def test_editing_a_desk_keeps_its_requests(client, login, admin, desks):
    login(admin)
    countries = [*desks.tbilisi.countries, "TR"]
    data = {"name": "SEE, Caucasus and Türkiye", "city": "Tbilisi", "countries": countries, "is_default": "y"}
    assert client.post(f"/dashboard/desks/{desks.tbilisi.id}", data=data).status_code == 302
    db.session.expire_all()
    desk = db.session.get(Desk, desks.tbilisi.id)
    assert desk.name == "SEE, Caucasus and Türkiye"
    assert "TR" in desk.countries and desk.is_default


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": ""}, "name", "Give the desk a name"),
        ({"name": "n" * 201}, "name", "200"),
        ({"name": "Germany"}, "name", "already has this name"),
        ({"name": "germany"}, "name", "already has this name"),
        ({"name": "Bad\r\nName"}, "name", "line breaks"),
        ({"city": "c" * 101}, "city", "100"),
        ({"countries": ["ZZ"]}, "countries", "not a valid choice"),
        ({"countries": ["GE", "KZ"]}, "countries", "already covers Georgia (GE)"),
    ],
)
def test_bad_desk_input_is_shown_next_to_the_field(client, login, admin, desks, overrides, field, message):
    login(admin)
    response = client.post("/dashboard/desks/new", data=desk_form(**overrides))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    error = html[html.index(f'id="{field}-error"') :]
    assert message in error[: error.index("</p>")]
    assert len(flags()) == 2


def test_save_desk_service_rejects_unknown_codes(desks):
    with pytest.raises(services.DeskError) as error:
        services.save_desk(name="Nowhere", city="", countries=["QQ"])
    assert error.value.field == "countries"


def test_public_directory_has_names_roles_and_cities_but_no_addresses(
    desks, tbilisi_coordinator, germany_coordinator, admin
):
    directory = services.public_directory()
    assert [d.name for d in directory] == ["Germany", "Southeast Europe and Caucasus (Tbilisi)"]
    germany, tbilisi = directory
    assert [(c.name, c.position, c.city) for c in tbilisi.coordinators] == [
        ("Nino Beridze", "Regional coordinator", "Tbilisi")
    ]
    assert [(c.name, c.position, c.city) for c in germany.coordinators] == [
        ("Jürgen Groß", "Project manager", "Berlin")
    ]
    assert "Kosovo" in tbilisi.countries
    assert "@" not in repr(directory)


def test_demo_requests_reach_each_desk_through_the_contact_service(desks, tbilisi_coordinator, germany_coordinator):
    event = factories.make_event(desks.tbilisi, title="Smart Cities Workshop")
    draft = factories.make_event(desks.germany, title="Not Yet Published", publish=False)
    created = seed_contact_requests([event, draft])
    db.session.commit()
    stored = list(db.session.scalars(sa.select(ContactRequest).order_by(ContactRequest.id)))
    assert stored == created
    by_name = {r.name: r for r in stored}
    assert by_name["გიორგი კაპანაძე"].desk_id == desks.tbilisi.id
    assert by_name["გიორგი კაპანაძე"].event_id == event.id
    assert by_name["Олена Коваленко"].desk_id == desks.tbilisi.id
    assert by_name["Milica Jovanović"].desk_id == desks.tbilisi.id
    assert by_name["Milica Jovanović"].status == "answered"
    assert by_name["Katrin Schäfer"].desk_id == desks.germany.id
    assert by_name["Tobias Krüger"].routing_reason == "German expert: routed to Germany"
    assert all(r.routing_reason and r.history for r in stored)
    assert len(outbox("contact_acknowledgement")) == len(stored)
    assert len(outbox("contact_coordinator")) == len(stored)


def test_demo_runs_outside_a_request(app, runner, desks, tbilisi_coordinator):
    # `flask seed-demo` has no request: links in the queued emails must still be built.
    created = seed_contact_requests([])
    assert created
    assert all("http://localhost/dashboard/inbox/" in m.text_body for m in outbox("contact_coordinator"))
