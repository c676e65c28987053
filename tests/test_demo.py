"""The demo follows the README's "Try it": the event it names needs approval and has free seats, and the
steps (register, confirm, approve as the Tbilisi coordinator, edit a time) work as written."""

import re
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from app.events.models import Event
from app.extensions import db
from app.registrations import services as registrations
from app.registrations.models import Registration
from app.seed import DEMO_ACCOUNTS, seed
from app.timezones import utc_to_local
from app.types import utcnow
from tests.calendar_support import outbox
from tests.registration_helpers import confirm_token, form_data

README = Path(__file__).resolve().parent.parent / "README.md"


def try_it() -> str:
    text = README.read_text(encoding="utf-8")
    return text[text.index("### Try it") : text.index("## Configuration")]


def test_the_try_it_event_needs_approval_and_has_free_seats(app):
    seed()
    db.session.commit()
    title = re.search(r'Open the upcoming event "([^"]+)"', try_it()).group(1)
    event = db.session.scalar(sa.select(Event).where(Event.title == title))
    assert event is not None and event.is_published
    assert event.approval_required
    assert registrations.seats_left(event) > 1
    assert event.starts_at > utcnow() + timedelta(days=1)
    tbilisi = next(a for a in DEMO_ACCOUNTS if "Tbilisi" in " ".join(a[3]))
    assert event.desk.name in tbilisi[3]


def test_the_try_it_steps_work_as_written(app, client):
    seed()
    db.session.commit()
    steps = try_it()
    title = re.search(r'Open the upcoming event "([^"]+)"', steps).group(1)
    event = db.session.scalar(sa.select(Event).where(Event.title == title))
    assert title in client.get("/").get_data(as_text=True)

    # 2. Register as an international expert from a country other than Germany, and confirm.
    assert "a country other than Germany" in steps and '"I am an international expert"' in steps
    data = form_data(email="try.it@example.org", country="MD", timezone="Europe/Chisinau")
    assert client.post(f"/events/{event.slug}/register", data=data).status_code == 302
    assert client.post(f"/r/confirm/{confirm_token('try.it@example.org')}").status_code == 302
    registration = db.session.scalar(sa.select(Registration).where(Registration.email == "try.it@example.org"))
    assert registration.status == "pending_approval"

    # 3. The Tbilisi coordinator sees it on the event's registrations page and approves.
    email, _name, _position, _desks, _admin, password = next(a for a in DEMO_ACCOUNTS if "Tbilisi" in " ".join(a[3]))
    assert client.post("/login", data={"email": email, "password": password}).status_code == 302
    assert "try.it@example.org" in client.get(f"/dashboard/events/{event.id}/registrations").get_data(as_text=True)
    response = client.post(
        f"/dashboard/events/{event.id}/registrations/decide", data={"decision": "approve", "ids": [registration.id]}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert registration.status == "confirmed"
    [confirmed] = [m for m in outbox("registration_confirmed") if "try.it@example.org" in m.recipient]
    assert "/join/" in confirmed.text_body
    assert confirmed.calendar_method == "REQUEST"

    # 4. Edit the session's time: the edit page names how many participants are notified, then saves.
    session = event.sessions[0]
    start = utc_to_local(session.starts_at, event.timezone).replace(tzinfo=None) + timedelta(hours=1)
    end = utc_to_local(session.ends_at, event.timezone).replace(tzinfo=None) + timedelta(hours=1)
    form = {
        "title": event.title,
        "slug": event.slug,
        "programme": event.programme,
        "summary": event.summary,
        "description": event.description,
        "language": event.language,
        "timezone": event.timezone,
        "capacity": str(event.capacity),
        "approval_required": "y",
        "meeting_url": event.meeting_url,
        "desk_id": str(event.desk_id),
        "sessions-0-id": str(session.id),
        "sessions-0-title": session.title,
        "sessions-0-local_start": start.strftime("%Y-%m-%dT%H:%M"),
        "sessions-0-local_end": end.strftime("%Y-%m-%dT%H:%M"),
    }
    preview = client.post(f"/dashboard/events/{event.id}/edit", data=form).get_data(as_text=True)
    assert "Saving will send <strong>4 confirmed participants</strong>" in preview
    saved = client.post(f"/dashboard/events/{event.id}/edit", data={**form, "notify_confirmed": "yes"})
    assert saved.status_code == 302
    updates = [m for m in outbox("invite_update") if "try.it@example.org" in m.recipient]
    assert len(updates) == 1 and updates[0].calendar_method == "REQUEST"


def test_the_2027_working_group_asks_georgian_readers_in_georgian(app, client):
    from app.locales import LANGUAGE_COOKIE
    from app.registrations.demo import FORM_TRANSLATIONS, WORKING_GROUP_TRANSLATIONS

    created = seed()
    db.session.commit()
    event = created["working_group_2027"]
    assert all(event.translation(language) is not None for language in FORM_TRANSLATIONS)
    client.set_cookie(LANGUAGE_COOKIE, "ka")
    page = client.get(f"/events/{event.slug}").get_data(as_text=True)
    (municipal, _speaker), (label, help_text), (topics, options) = FORM_TRANSLATIONS["ka"]
    for text in (municipal[0], municipal[1], label, help_text, topics, *options):
        assert text in page
    assert "Which topics interest you?" not in page and "Municipal participant" not in page
    # The working group's own texts too: its title and the four workshops.
    title, _summary, _description, workshops = WORKING_GROUP_TRANSLATIONS["ka"]
    assert title.format(year=event.starts_at.year) in page and all(w in page for w in workshops)
    assert "Workshop I: Ideation" not in page
