"""The public contact form: what it stores and queues, what it refuses, and what it never shows."""

import re
from datetime import datetime
from email import headerregistry

import pytest
import sqlalchemy as sa
from flask import render_template_string

from app.contact import services
from app.contact.forms import ContactForm, contact_form_for
from app.contact.models import ContactRequest
from app.desks.models import EXPERT_GERMAN
from app.extensions import db
from tests import factories
from tests.contact_support import contact_form, counts, make_germany_request, make_request, outbox


def submit(client, **overrides):
    return client.post("/contact", data=contact_form(**overrides))


def stored() -> list[ContactRequest]:
    return list(db.session.scalars(sa.select(ContactRequest).order_by(ContactRequest.id)))


def recipient(message) -> tuple[str, str]:
    """The decoded (name, address) of an outbox row's recipient (non-ASCII names are RFC 2047 encoded)."""
    parsed = headerregistry.HeaderRegistry()("To", message.recipient)
    return parsed.addresses[0].display_name, parsed.addresses[0].addr_spec


def error_next_to(html: str, field: str) -> str:
    match = re.search(rf'<p class="error" id="{field}-error">(.*?)</p>', html, re.S)
    assert match, f"no error shown next to {field}"
    return match.group(1)


# --- The page -----------------------------------------------------------------------------------------


def test_contact_page_shows_the_form_and_who_to_contact(client, tbilisi_coordinator, germany_coordinator):
    response = client.get("/contact")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    for label in ("Your name", "Your email address", "Country you work in", "Organisation or municipality"):
        assert label in html
    assert "I am an international expert" in html
    assert "I am a German expert" in html
    assert 'name="website"' in html
    assert '<option value="XK">Kosovo</option>' in html
    # Who to contact: desks by name and city, coordinators by name, role and city.
    assert "Southeast Europe and Caucasus (Tbilisi)" in html
    assert "<strong>Nino Beridze</strong>, Regional coordinator · Tbilisi" in html
    assert "<strong>Jürgen Groß</strong>, Project manager · Berlin" in html


def test_every_radio_and_input_has_a_label(client, desks):
    html = client.get("/contact").get_data(as_text=True)
    form = html[html.index('<form method="post" action="/contact"') :]
    form = form[: form.index("</form>")]
    controls = re.findall(r"<(?:input|select|textarea)[^>]*>", form)
    # Hidden inputs and the submit button (labelled by its value) need no <label>.
    ids = [re.search(r'\bid="([^"]+)"', c)[1] for c in controls if not re.search(r'type="(hidden|submit)"', c)]
    labelled = set(re.findall(r'<label[^>]*for="([^"]+)"', form))
    assert len(ids) == 8  # website, name, email, organisation, country, two radios, message
    assert [i for i in ids if i not in labelled] == []


def test_event_query_preselects_a_published_upcoming_event(client, desks):
    event = factories.make_event(desks.tbilisi, title="Smart Cities Workshop")
    draft = factories.make_event(desks.tbilisi, title="Draft Planning Session", publish=False)
    html = client.get(f"/contact?event={event.slug}").get_data(as_text=True)
    assert f'<option selected value="{event.id}">Smart Cities Workshop</option>' in html
    assert "Draft Planning Session" not in html
    unknown = client.get(f"/contact?event={draft.slug}")
    assert unknown.status_code == 200
    assert (
        "selected value"
        not in re.search(r'<select[^>]*id="event".*?</select>', unknown.get_data(as_text=True), re.S)[0]
    )


def test_contact_form_include_renders_with_the_event_chosen(app, desks):
    event = factories.make_event(desks.germany, title="Energy Efficient Buildings")
    with app.test_request_context(f"/events/{event.slug}"):
        form = contact_form_for(event)
        assert isinstance(form, ContactForm)
        html = render_template_string(
            '<h2>Questions? Contact us</h2>{% include "contact/_contact_form.html" %}', contact_form=form
        )
    assert 'action="/contact"' in html
    assert f'<option selected value="{event.id}">Energy Efficient Buildings</option>' in html
    assert 'name="website"' in html


def test_contact_form_on_an_event_page_ignores_another_forms_post(app, desks):
    event = factories.make_event(desks.germany, title="Energy Efficient Buildings")
    with app.test_request_context(f"/events/{event.slug}", method="POST", data={"name": "", "event": ""}):
        form = contact_form_for(event)
        assert form.event.data == str(event.id)
        assert form.errors == {}


def test_submitting_stores_the_request_and_queues_the_emails(client, desks, tbilisi_coordinator, germany_coordinator):
    event = factories.make_event(desks.tbilisi, title="Smart Cities Workshop")
    response = submit(client, event=str(event.id), message="Line one\r\nLine two")
    assert response.status_code == 302
    assert response.headers["Location"] == "/contact/thanks"
    [request] = stored()
    assert (request.name, request.email, request.country, request.desk_id, request.status) == (
        "Tamar Lomidze",
        "tamar.lomidze@example.org",
        "GE",
        desks.tbilisi.id,
        "new",
    )
    assert request.event_id == event.id
    assert request.organisation == "Tbilisi City Hall"
    assert request.message == "Line one\nLine two"
    [to_coordinator] = outbox("contact_coordinator")
    assert to_coordinator.recipient == "Nino Beridze <nino@example.org>"
    assert to_coordinator.reply_to == "tamar.lomidze@example.org"
    assert "tamar.lomidze" not in to_coordinator.sender
    assert to_coordinator.subject == "Question from Tamar Lomidze about Smart Cities Workshop"
    assert f"http://localhost/dashboard/inbox/{request.id}" in to_coordinator.text_body
    assert "Line one\nLine two" in to_coordinator.text_body
    assert "Line one<br>\nLine two" in to_coordinator.html_body
    [ack] = outbox("contact_acknowledgement")
    assert ack.recipient == "Tamar Lomidze <tamar.lomidze@example.org>"
    assert "Southeast Europe and Caucasus (Tbilisi)" in ack.text_body
    assert "Nino Beridze (Regional coordinator) in Tbilisi will answer you" in ack.text_body
    assert "nino@example.org" not in ack.text_body + ack.html_body
    page = client.get("/contact/thanks")
    assert page.status_code == 200
    assert "Thank you for your question" in page.get_data(as_text=True)


def test_every_active_coordinator_of_the_desk_is_emailed(client, desks, tbilisi_coordinator, germany_coordinator):
    second = factories.make_coordinator("levan@example.org", "Levan Tsiklauri", [desks.tbilisi])
    factories.make_coordinator("retired@example.org", "Retired Person", [desks.tbilisi])
    retired = db.session.scalar(sa.select(type(second)).where(type(second).email == "retired@example.org"))
    retired.active = False
    db.session.commit()
    assert submit(client).status_code == 302
    recipients = sorted(m.recipient for m in outbox("contact_coordinator"))
    assert recipients == ["Levan Tsiklauri <levan@example.org>", "Nino Beridze <nino@example.org>"]


def test_a_desk_without_coordinators_reaches_the_administrators(client, desks, admin):
    assert submit(client, country="UA").status_code == 302
    assert [m.recipient for m in outbox("contact_coordinator")] == ["Ada Admin <admin@example.org>"]
    [ack] = outbox("contact_acknowledgement")
    assert "A coordinator of this desk will answer you" in ack.text_body


@pytest.mark.parametrize(
    ("name", "country", "expert_type"),
    [
        ("ირაკლი სამხარაძე", "GE", "international"),
        ("Олена Коваленко", "UA", "international"),
        ("Arbër Çelik", "AL", "international"),
        ("Jürgen Größ", "GE", EXPERT_GERMAN),
    ],
)
def test_names_in_any_script_are_accepted(client, desks, tbilisi_coordinator, name, country, expert_type):
    assert submit(client, name=name, country=country, expert_type=expert_type).status_code == 302
    [request] = stored()
    assert request.name == name
    ack = outbox("contact_acknowledgement")[0]
    assert ack.text_body.startswith(f"Hello {name},")


def test_german_expert_in_georgia_reaches_the_germany_desk(client, desks, germany_coordinator):
    assert submit(client, expert_type=EXPERT_GERMAN, country="GE").status_code == 302
    [request] = stored()
    assert request.desk_id == desks.germany.id
    assert [recipient(m) for m in outbox("contact_coordinator")] == [("Jürgen Groß", "jurgen@example.org")]


# --- Bad input: an error next to the field, never a 500, nothing stored or queued ------------------------


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": "x" * 10_000}, "name", "under 200 characters"),
        ({"name": "Bob\r\nBcc: x@example.com"}, "name", "line breaks"),
        ({"name": "Bob\x00"}, "name", "control characters"),
        ({"name": "   "}, "name", "tell us your name"),
        ({"email": "not-an-email"}, "email", "@-sign"),
        ({"email": "bob@example.com\r\nBcc: x@example.com"}, "email", "invalid characters"),
        ({"email": "ирина@example.org"}, "email", "Internationalized characters before the @-sign"),
        ({"email": ("a" * 250) + "@example.org"}, "email", "254"),
        ({"email": ""}, "email", "address we should answer to"),
        ({"country": "ZZ"}, "country", "Choose a country"),
        ({"country": ""}, "country", "Choose a country"),
        ({"expert_type": "martian"}, "expert_type", "international or a German expert"),
        ({"expert_type": ""}, "expert_type", "international or a German expert"),
        ({"organisation": "o" * 201}, "organisation", "under 200 characters"),
        ({"organisation": ""}, "organisation", "organisation or municipality"),
        ({"message": ""}, "message", "write your question"),
        ({"message": "m" * 5001}, "message", "under 5000 characters"),
        ({"message": "hello\x1b[31m"}, "message", "control characters"),
        ({"event": "999999"}, "event", "Choose an event"),
        ({"event": "not-a-number"}, "event", "Choose an event"),
    ],
)
def test_bad_input_is_shown_next_to_the_field(client, desks, tbilisi_coordinator, overrides, field, message):
    response = submit(client, **overrides)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in error_next_to(html, field)
    assert counts() == (0, 0, 0)


def test_a_question_about_a_past_published_event_is_accepted(client, desks, tbilisi_coordinator):
    past = factories.make_event(
        desks.tbilisi, title="Last Year's Forum", sessions=((datetime(2020, 5, 5, 10), datetime(2020, 5, 5, 12)),)
    )
    assert past not in services.contact_events()
    assert submit(client, event=str(past.id)).status_code == 302
    assert [r.event_id for r in stored()] == [past.id]


def test_a_draft_event_cannot_be_chosen(client, desks):
    draft = factories.make_event(desks.tbilisi, title="Draft Planning Session", publish=False)
    response = submit(client, event=str(draft.id))
    assert response.status_code == 400
    assert "Choose an event" in error_next_to(response.get_data(as_text=True), "event")
    assert counts() == (0, 0, 0)


def test_missing_fields_entirely_are_errors_not_crashes(client, desks):
    response = client.post("/contact", data={})
    assert response.status_code == 400
    assert counts() == (0, 0, 0)


def test_wrong_method_is_refused(client, desks):
    assert client.put("/contact", data=contact_form()).status_code == 405
    assert client.post("/contact/thanks").status_code == 405
    assert counts() == (0, 0, 0)


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_missing_csrf_token_is_refused(client, desks, tbilisi_coordinator):
    response = submit(client)
    assert response.status_code == 400
    assert "The form had expired" in response.get_data(as_text=True)
    assert counts() == (0, 0, 0)


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_with_its_csrf_token_the_form_is_accepted(client, desks, tbilisi_coordinator):
    html = client.get("/contact").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    assert submit(client, csrf_token=token).status_code == 302
    assert counts()[0] == 1


def test_a_bot_filling_the_honeypot_sees_thanks_and_nothing_happens(client, desks, tbilisi_coordinator):
    human = submit(client, email="human@example.org")
    bot = submit(client, website="https://spam.example.com")
    assert bot.status_code == human.status_code == 302
    assert bot.headers["Location"] == human.headers["Location"] == "/contact/thanks"
    assert [r.email for r in stored()] == ["human@example.org"]
    assert all("spam" not in m.text_body for m in outbox())
    assert counts() == (1, 1, 2)


def test_a_bot_with_invalid_fields_still_sees_thanks(client, desks):
    response = submit(client, website="x", email="nonsense", name="")
    assert response.status_code == 302
    assert response.headers["Location"] == "/contact/thanks"
    assert counts() == (0, 0, 0)


# --- Rate limits -----------------------------------------------------------------------------------------


@pytest.mark.app_config(RATELIMIT_ENABLED=True)
def test_one_client_address_is_limited_to_five_an_hour(client, desks, tbilisi_coordinator):
    for n in range(5):
        assert submit(client, email=f"person{n}@example.org").status_code == 302
    response = submit(client, email="person6@example.org")
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)
    assert counts()[0] == 5
    # Reading the page is not limited.
    assert client.get("/contact").status_code == 200


@pytest.mark.app_config(RATELIMIT_ENABLED=True)
def test_one_email_address_is_limited_from_any_client_address(client, desks, tbilisi_coordinator):
    for n in range(5):
        response = client.post(
            "/contact", data=contact_form(email="Same@Example.org"), environ_base={"REMOTE_ADDR": f"10.0.0.{n}"}
        )
        assert response.status_code == 302
    blocked = client.post(
        "/contact", data=contact_form(email=" same@example.org"), environ_base={"REMOTE_ADDR": "10.0.0.99"}
    )
    assert blocked.status_code == 429
    other = client.post(
        "/contact", data=contact_form(email="other@example.org"), environ_base={"REMOTE_ADDR": "10.0.0.100"}
    )
    assert other.status_code == 302
    assert counts()[0] == 6


# --- Coordinators' addresses stay private ------------------------------------------------------------------


def test_public_pages_never_show_a_coordinator_email(
    app, client, desks, tbilisi_coordinator, germany_coordinator, admin
):
    event = factories.make_event(desks.germany, title="Energy Efficient Buildings")
    make_request()
    make_germany_request(event=event)
    pages = ["/contact", f"/contact?event={event.slug}", "/contact/thanks", "/", f"/events/{event.slug}"]
    bad = submit(client, email="broken")
    html = [client.get(page).get_data(as_text=True) for page in pages] + [bad.get_data(as_text=True)]
    with app.test_request_context(f"/events/{event.slug}"):
        html.append(
            render_template_string('{% include "contact/_contact_form.html" %}', contact_form=contact_form_for(event))
        )
    for coordinator in (tbilisi_coordinator, germany_coordinator, admin):
        for text in html:
            assert coordinator.email not in text
    acknowledgements = outbox("contact_acknowledgement")
    assert len(acknowledgements) == 2
    for ack in acknowledgements:
        for coordinator in (tbilisi_coordinator, germany_coordinator, admin):
            assert coordinator.email not in ack.text_body + ack.html_body + (ack.reply_to or "")
