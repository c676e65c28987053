"""Hostile input: URLs that would break headers, NUL bytes and odd whitespace, invisible names."""

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from app.calendar import views
from app.events import services as event_services
from app.events.models import Event
from app.extensions import db
from tests import factories
from tests.calendar_support import make_registration
from tests.test_events import event_form
from tests.test_join import MEETING, SESSIONS, join_path

# --- 9. Meeting URLs with line breaks or control characters -------------------------------------------

BAD_URLS = [
    "https://meet.example.org/a\r\nSet-Cookie: x=1",
    "https://meet.example.org/a\nb",
    "https://meet.example.org/a\u2028b",
    "https://meet.example.org/a b",
    "https://meet.example.org/\x00",
    "https://meet.example.org/a\x85b",
    "https://meet.example.org/a\u202eb",
    "javascript:alert(1)",
]


@pytest.mark.parametrize("url", BAD_URLS)
def test_the_event_form_refuses_a_meeting_url_with_control_characters(client, login, admin, desks, url):
    login(admin)
    response = client.post("/dashboard/events/new", data=event_form(desks.tbilisi, meeting_url=url))
    assert response.status_code in (200, 400, 422)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Event)) == 0


@pytest.mark.parametrize("url", BAD_URLS[:4])
def test_the_service_refuses_a_meeting_url_with_control_characters(app, desks, url):
    data = event_services.EventData(
        title="Forum",
        timezone="Europe/Berlin",
        desk_id=desks.tbilisi.id,
        sessions=[event_services.SessionData(local_start=datetime(2030, 5, 1, 10), local_end=datetime(2030, 5, 1, 12))],
        meeting_url=url,
    )
    with pytest.raises(event_services.EventError) as refused:
        event_services.create_event(data)
    assert "meeting_url" in refused.value.errors


def test_a_stored_url_with_a_line_break_never_becomes_a_header(app, client, desks, monkeypatch):
    event = factories.make_event(desks.germany, sessions=SESSIONS, meeting_url=MEETING)
    registration = make_registration(event)
    path = join_path(registration)
    # Written by older code or by hand: the service would refuse it now.
    db.session.execute(sa.update(Event).where(Event.id == event.id).values(meeting_url=MEETING + "\r\nX-Evil: 1"))
    db.session.commit()
    monkeypatch.setattr(views, "now", lambda: datetime(2030, 10, 7, 11, 0, tzinfo=UTC))

    response = client.get(path)

    assert response.status_code == 200
    assert "X-Evil" not in response.headers
    assert "Location" not in response.headers


# --- 16. The acknowledgement does not repeat the sender's text ------------------------------------------


def test_the_acknowledgement_does_not_carry_the_senders_text(app, client, desks, tbilisi_coordinator):
    from tests.contact_support import contact_form, outbox

    spam = "Buy cheap watches at https://spam.example/offer " * 60
    assert client.post("/contact", data=contact_form(message=spam[:4900])).status_code == 302

    [ack] = outbox("contact_acknowledgement")
    assert "spam.example" not in ack.text_body + ack.html_body + ack.subject
    assert "Buy cheap" not in ack.text_body + ack.html_body
    [to_desk] = outbox("contact_coordinator")
    assert "https://spam.example/offer" in to_desk.text_body  # the desk still reads the whole question


# --- 11. NUL bytes and odd whitespace never make a 500 ----------------------------------------------------


@pytest.mark.parametrize("event", [" ", "\t", "\r\n", "\x85", "\u2028", "\u00a0", "x", "-1", "²"])
def test_the_contact_form_with_a_blank_or_odd_event_is_no_500(client, desks, tbilisi_coordinator, event):
    from tests.contact_support import contact_form

    response = client.post("/contact", data=contact_form(event=event))
    assert response.status_code in (302, 400)


NUL_GETS = [
    "/events/%00",
    "/events/a%00b",
    "/events/%00.ics",
    "/contact?event=%00",
    "/contact?event=a%00",
    "/?tz=%00",
    "/dashboard/events/?status=%00",
    "/dashboard/events/{event}/registrations?q=%00",
    "/dashboard/events/{event}/registrations?country=%00&status=%00&expert_type=%00&desk=%00",
    "/dashboard/events/{event}/registrations.csv?q=a%00b",
    "/dashboard/events/{event}/registrations.csv?country=%00",
    "/dashboard/outbox?kind=%00",
    "/dashboard/outbox?status=%00",
    "/dashboard/inbox?country=%00&status=%00&event=%00",
    "/r/%00",
    "/join/%00",
    "/login?next=%00",
]


@pytest.mark.parametrize("path", NUL_GETS)
def test_a_nul_byte_in_a_url_is_refused_not_a_500(client, login, admin, desks, path):
    event = factories.make_event(desks.tbilisi)
    login(admin)
    response = client.get(path.format(event=event.id))
    assert 400 <= response.status_code < 500, response.status_code


def test_a_nul_byte_in_forms_is_refused_not_a_500(client, login, admin, desks):
    from tests.contact_support import contact_form
    from tests.registration_helpers import form_data

    event = factories.make_event(desks.tbilisi)
    assert 400 <= client.post("/contact", data=contact_form(event="1\x00")).status_code < 500
    assert 400 <= client.post("/contact", data=contact_form(email="a\x00@example.org")).status_code < 500
    assert client.post("/login", data={"email": "a\x00@example.org", "password": "x\x00"}).status_code in (200, 400)
    assert 400 <= client.post(f"/events/{event.slug}/register", data=form_data(name="A\x00")).status_code < 500
    assert 400 <= client.post(f"/events/{event.slug}/register", data=form_data(email="a\x00@x.org")).status_code < 500
    assert 400 <= client.post("/events/a%00b/register", data=form_data()).status_code < 500
    login(admin)
    fields = ("title", "summary", "description", "language", "timezone", "meeting_url", "capacity", "photo_credit")
    fields += ("sessions-0-title", "sessions-0-local_start", "slug", "programme", "registration_opens_local")
    for field in fields:
        response = client.post("/dashboard/events/new", data=event_form(desks.tbilisi, **{field: "x\x00y"}))
        assert 400 <= response.status_code < 500 or response.status_code == 200, (field, response.status_code)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Event)) == 1


# --- 14. Invisible and direction-changing characters in names ----------------------------------------------

INVISIBLE = ["\u202e", "\u200b", "\ufeff", "\u200b\u200b\u202e", "\u2066\u2069", "\x85\x9b", "\u3164", " \u200e "]


@pytest.mark.parametrize("name", INVISIBLE)
def test_a_registration_name_of_invisible_characters_is_refused(client, desks, name):
    from app.registrations.models import Registration
    from tests.registration_helpers import form_data

    event = factories.make_event(desks.tbilisi)
    response = client.post(f"/events/{event.slug}/register", data=form_data(name=name))
    assert response.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 0
    refused_org = client.post(f"/events/{event.slug}/register", data=form_data(organisation=name))
    assert refused_org.status_code == 422


@pytest.mark.parametrize("name", INVISIBLE)
def test_a_contact_name_or_organisation_of_invisible_characters_is_refused(client, desks, tbilisi_coordinator, name):
    from tests.contact_support import contact_form, counts

    before = counts()
    assert client.post("/contact", data=contact_form(name=name)).status_code == 400
    assert client.post("/contact", data=contact_form(organisation=name)).status_code == 400
    assert counts() == before


def test_bidi_overrides_are_stripped_from_names_shown_and_sent(client, desks, tbilisi_coordinator):
    from app.contact.models import ContactRequest
    from app.registrations.models import Registration
    from tests.contact_support import contact_form, outbox
    from tests.registration_helpers import form_data

    event = factories.make_event(desks.tbilisi)
    spoof = "Olena \u202egnp.exe\u202c Kovalenko\u200b"
    assert client.post(f"/events/{event.slug}/register", data=form_data(name=spoof)).status_code == 302
    assert (
        client.post("/contact", data=contact_form(name=spoof, organisation="\ufeffCity\u2067 Hall")).status_code == 302
    )

    registration = db.session.scalars(sa.select(Registration)).one()
    contact = db.session.scalars(sa.select(ContactRequest)).one()
    assert registration.name == contact.name == "Olena gnp.exe Kovalenko"
    assert contact.organisation == "City Hall"
    for message in outbox():
        assert not any(c in message.recipient + message.subject for c in "\u202e\u202c\u200b\ufeff\u2067")


def test_the_services_refuse_invisible_names_too(app, desks, tbilisi_coordinator):
    from app.contact import services as contact_services
    from app.registrations import services as registration_services

    event = factories.make_event(desks.tbilisi)
    with pytest.raises(registration_services.RegistrationError):
        registration_services.register(
            event,
            registration_services.RegistrationData(
                name="\u202e\u200b",
                email="a@example.org",
                country="GE",
                expert_type="international",
                timezone="Asia/Tbilisi",
                consent=True,
            ),
        )
    with pytest.raises(contact_services.ContactError):
        contact_services.submit_contact_request(
            contact_services.ContactData(
                name="\ufeff", email="a@example.org", country="GE", expert_type="international", message="Hi"
            )
        )


def test_a_display_name_in_an_email_header_has_no_bidi_override(app):
    from app.mail.services import address

    assert address("a@example.org", "Eve\u202e lin\u200bk") == "Eve link <a@example.org>"
