"""Random input to the contact form never causes a 5xx and never stores anything the form would not accept."""

import re

import email_validator
import sqlalchemy as sa
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from app.contact.models import ContactRequest
from app.countries import COUNTRY_CODES
from app.desks.models import EXPERT_TYPES
from app.extensions import db
from tests.contact_support import VALID_FORM

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
LINE_BREAK = re.compile(r"[\r\n\u2028\u2029]")

valid_or_random = {
    "name": st.sampled_from(["ირაკლი სამხარაძე", "Олена Коваленко", "Jürgen Größ", "Arbër Çelik"]),
    "email": st.sampled_from(["irakli@example.ge", "o.kovalenko@example.com.ua"]),
    "country": st.sampled_from(["GE", "UA", "DE", "FR", "XK"]),
    "expert_type": st.sampled_from(sorted(EXPERT_TYPES)),
    "organisation": st.sampled_from(["Kutaisi City Hall", "Stadt Leipzig"]),
    "event": st.just(""),
    "message": st.sampled_from(["Is there interpretation?", "Line one\r\nLine two"]),
}

random_text = st.one_of(st.text(max_size=300), st.text(alphabet=st.characters(max_codepoint=0x7F), max_size=40))


@st.composite
def form_data(draw) -> dict:
    """A valid form with a few fields replaced by random text or left out, and sometimes the honeypot filled."""
    data = {name: draw(valid) for name, valid in valid_or_random.items()}
    for name in draw(st.sets(st.sampled_from(sorted(data)), max_size=3)):
        if draw(st.booleans()):
            data[name] = draw(random_text)
        else:
            del data[name]
    data["website"] = draw(st.sampled_from(["", "", "", "https://spam.example.com"]))
    return data


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=form_data())
def test_random_contact_input_never_fails_or_stores_junk(client, desks, tbilisi_coordinator, data):
    response = client.post("/contact", data=data)
    event("stored" if response.status_code == 302 and not data["website"] else f"status {response.status_code}")
    assert response.status_code in (302, 400), response.status_code
    for request in db.session.scalars(sa.select(ContactRequest)):
        assert request.name.strip() and len(request.name) <= 200
        assert not CONTROL.search(request.name) and not LINE_BREAK.search(request.name)
        assert not CONTROL.search(request.organisation) and not LINE_BREAK.search(request.organisation)
        assert not CONTROL.search(request.message) and "\r" not in request.message
        assert request.country in COUNTRY_CODES
        assert request.expert_type in EXPERT_TYPES
        email_validator.validate_email(request.email, check_deliverability=False, allow_smtputf8=False)
    if data["website"]:
        assert response.headers.get("Location") == "/contact/thanks"


def test_the_valid_form_is_accepted_by_the_same_client(client, desks, tbilisi_coordinator):
    # The property above is only meaningful if its valid values really pass.
    assert client.post("/contact", data=VALID_FORM).status_code == 302
