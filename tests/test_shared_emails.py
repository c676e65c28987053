"""Confirmation emails rendered once per event, language and zone, with each person's name and links put in
(app.mail.services.render_shared_email): each must be exactly the email rendered for that person alone."""

import re

import pytest
import sqlalchemy as sa

from app.events.models import Event
from app.extensions import db
from app.locales import in_language
from app.mail import services as mail
from app.mail.models import OutboxMessage
from app.registrations.models import Registration
from tests.factories import make_event
from tests.registration_helpers import form_data

URL = re.compile(r"https?://\S+?/r/(?:confirm/)?[A-Za-z0-9_\-]{20,}")
PEOPLE = [
    ('Ana <b>&amp;</b> "Bo" O\'Brien', "ana@example.org", "Europe/Kyiv"),
    ("Олена Коваленко", "olena@example.org", "Europe/Kyiv"),
    ("Nino Beridze", "nino@example.org", "Asia/Tbilisi"),
]


def _sign_up(client, event, name, email, zone):
    response = client.post(f"/events/{event.slug}/register", data=form_data(name=name, email=email, timezone=zone))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]


def _confirmation(email) -> tuple[Registration, OutboxMessage]:
    db.session.expire_all()
    registration = db.session.scalars(sa.select(Registration).where(Registration.email == email)).one()
    message = db.session.scalars(
        sa.select(OutboxMessage).where(
            OutboxMessage.registration_id == registration.id, OutboxMessage.kind == "registration_confirm_email"
        )
    ).one()
    return registration, message


def _rendered_alone(app, registration, message):
    """The email as rendered for this person only, with the links their message carries."""
    verify_url = next(u for u in URL.findall(message.text_body) if "/r/confirm/" in u)
    manage_url = next(u for u in URL.findall(message.html_body) if "/r/confirm/" not in u)
    with app.test_request_context(), in_language(registration.language):
        return mail.render_email(
            "confirm_email",
            event=db.session.get(Event, registration.event_id),
            reader_zone=registration.timezone,
            hours=app.config["VERIFICATION_HOURS"],
            name=registration.name,
            manage_url=manage_url,
            verify_url=verify_url,
        )


def test_each_confirmation_is_the_email_rendered_for_that_person_alone(app, client, desks):
    event = make_event(desks.tbilisi, title="Smart Cities & <Data>")
    for name, email, zone in PEOPLE:
        _sign_up(client, event, name, email, zone)

    bodies = {}
    for name, email, _zone in PEOPLE:
        registration, message = _confirmation(email)
        subject, text, html = _rendered_alone(app, registration, message)
        assert (message.subject, message.text_body, message.html_body) == (subject, text, html)
        assert name in message.text_body and "\ue000" not in message.text_body + message.html_body
        bodies[email] = message.text_body + message.html_body
    # Nothing of one person is in another's email: names, addresses, links. (The whole address: a local part
    # such as "ana" can turn up in a random link token.)
    for name, email, _zone in PEOPLE:
        for other, text in bodies.items():
            if other != email:
                assert name not in text and email not in text
    # The two readers in Kyiv shared one rendering, the one in Tbilisi had her own.
    kept = app.extensions[mail._SHARED_KEY]
    assert len(kept) == 2


def test_the_html_part_escapes_a_name_as_the_template_does(app, client, desks):
    event = make_event(desks.tbilisi)
    name, email, zone = PEOPLE[0]
    _sign_up(client, event, name, email, zone)
    _registration, message = _confirmation(email)
    assert name in message.text_body
    assert "Ana &lt;b&gt;&amp;amp;&lt;/b&gt; &#34;Bo&#34; O&#39;Brien" in message.html_body
    assert "<b>" not in message.html_body


def test_a_change_to_the_event_shows_in_the_next_confirmation(app, client, desks):
    event = make_event(desks.tbilisi, title="Smart Cities")
    _sign_up(client, event, *PEOPLE[1])
    event = db.session.get(Event, event.id)
    event.title = "Smart Cities, second edition"
    db.session.commit()
    _sign_up(client, event, "Taras Shevchenko", "taras@example.org", "Europe/Kyiv")

    registration, message = _confirmation("taras@example.org")
    assert "second edition" in message.subject and "second edition" in message.text_body
    assert (message.subject, message.text_body, message.html_body) == _rendered_alone(app, registration, message)


def test_an_unsaved_change_or_a_personal_object_renders_as_usual(app, desks):
    event = make_event(desks.tbilisi)
    with app.test_request_context():
        assert mail._rendering_key("confirm_email", {"event": event, "hours": 48}, ("name",)) is not None
        assert mail._rendering_key("confirm_email", {"event": event, "people": [event]}, ()) is None
        event.title = "Changed, not yet saved"
        assert mail._rendering_key("confirm_email", {"event": event, "hours": 48}, ("name",)) is None
        db.session.rollback()


@pytest.mark.parametrize("change", [str.upper, str.lower, str.title, str.capitalize, str.swapcase])
@pytest.mark.parametrize("token", ["12345678", "abcdef12", "ABCDEF12", None])
def test_a_template_that_changes_a_mark_renders_as_usual(app, desks, monkeypatch, change, token):
    event = make_event(desks.tbilisi)
    render = mail.render_email
    if token is not None:  # the process's random part, whatever it drew: digits alone, letters of one case
        monkeypatch.setattr(mail, "_MARK_TOKEN", "aZ0b" + token)

    def changing(template, **context):  # a template that writes the name through a filter that changes case
        subject, text, html = render(template, **context)
        return subject, text.replace(context["name"], change(context["name"])), html

    monkeypatch.setattr(mail, "render_email", changing)
    with app.test_request_context():
        _subject, text, _html = mail.render_shared_email(
            "confirm_email",
            {"event": event, "reader_zone": "Europe/Berlin", "hours": 48},
            {"name": "Nino Beridze", "manage_url": "https://example.org/r/x", "verify_url": "https://example.org/v"},
        )
    assert change("Nino Beridze") in text and "\ue000" not in text


@pytest.mark.parametrize("missing", ["manage_url", "verify_url"])
def test_a_link_not_given_is_left_out_as_the_template_leaves_it(app, desks, missing):
    event = make_event(desks.tbilisi)
    personal = {"name": "Nino", "manage_url": "https://example.org/r/x", "verify_url": "https://example.org/v"}
    personal[missing] = None
    context = {"event": event, "reader_zone": "Europe/Berlin", "hours": 48}
    with app.test_request_context():
        shared = mail.render_shared_email("confirm_email", context, personal)
        alone = mail.render_email("confirm_email", **context, **personal)
    assert shared == alone
