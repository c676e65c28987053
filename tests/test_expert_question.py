"""International or German expert: asked without a pre-selection, required in both forms, and explained in
words that fit both answers."""

import re

import sqlalchemy as sa

from app.desks.models import EXPERT_GERMAN
from app.extensions import db
from app.registrations.models import Registration
from tests.calendar_support import outbox
from tests.contact_support import make_germany_request, make_request
from tests.factories import make_event
from tests.registration_helpers import form_data

EXPERT_RADIO = re.compile(r"<input[^>]*name=\"expert_type\"[^>]*>")


def test_neither_form_preselects_an_answer(client, desks):
    event = make_event(desks.tbilisi)
    for path in (f"/events/{event.slug}", "/contact"):
        radios = EXPERT_RADIO.findall(client.get(path).get_data(as_text=True))
        assert len(radios) >= 2, path
        assert not [radio for radio in radios if "checked" in radio], path


def test_registration_without_an_answer_is_refused_next_to_the_question(client, desks):
    event = make_event(desks.tbilisi)
    data = form_data()
    del data["expert_type"]
    response = client.post(f"/events/{event.slug}/register", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="expert_type-error"' in page
    assert "Tell us whether you are an international or a German expert." in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 0


def test_contact_without_an_answer_is_refused(client, desks, tbilisi_coordinator):
    from tests.contact_support import contact_form

    response = client.post("/contact", data=contact_form(expert_type=""))
    assert response.status_code == 400
    assert "Tell us whether you are an international or a German expert." in response.get_data(as_text=True)


def test_acknowledgement_names_the_desk_and_why(app, desks):
    make_germany_request(country="GE")
    make_request(email="tamar@example.org", country="GE")
    make_request(email="moana@example.org", country="NZ")
    german, georgian, elsewhere = [m.text_body for m in outbox("contact_acknowledgement")]
    assert 'It has reached our desk "Germany" in Berlin, because you told us you are a German expert.' in german
    assert (
        'It has reached our desk "Southeast Europe and Caucasus (Tbilisi)" in Tbilisi, because it looks after Georgia.'
        in georgian
    )
    assert "no regional desk looks after, such as New Zealand." in elsewhere
    assert "It has reached Germany" not in german
    assert "because you told us you are a German expert" in outbox("contact_acknowledgement")[0].html_body
    assert EXPERT_GERMAN == "german"


def test_thanks_page_fits_german_experts_too(client):
    page = client.get("/contact/thanks").get_data(as_text=True)
    assert "responsible for your country" not in page
    assert "German experts reach our German desk" in page
