"""The demo's 2021 working group, as a new user meets it after `flask seed-demo`."""

import re

import sqlalchemy as sa

from app.events.models import Event
from app.extensions import db
from app.programme import services
from app.programme.models import PARTICIPANTS
from app.registrations.models import CONFIRMED, Registration
from tests import factories


def test_the_working_group_has_its_programme_materials_gallery_and_follow_up(app, runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    client = app.test_client()
    event = db.session.scalar(sa.select(Event).where(Event.slug == "digitalisation-working-group-2021"))

    speakers = services.speakers_by_session(event)
    assert all(session.agenda and speakers[session.id] for session in event.sessions)
    page = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert "Impressions" in page and page.count('loading="lazy"') >= 3 and "Photo: Eventdesk network" in page
    assert "Photo: bank215 | adobe stock" in page
    # Workshop I's recording and slides are for participants: not on the public page.
    first = event.sessions[0]
    private = [m for m in services.materials_of(event, public_only=False) if m.visibility == PARTICIPANTS]
    assert {m.title for m in private} == {"Recording of Workshop I", "Slides of Workshop I"}
    assert all(m.session_id == first.id for m in private)
    assert "Recording of Workshop I" not in page
    slides = next(m for m in private if m.kind == "file")
    assert client.get(f"/events/{event.slug}/materials/{slides.id}").status_code == 404

    confirmed = db.session.scalars(
        sa.select(Registration).where(Registration.event_id == event.id, Registration.status == CONFIRMED)
    ).all()
    copies = factories.outbox("follow_up")
    assert len(copies) == len(confirmed) == 13  # twelve members and the one the participation demo adds
    # Each copy links to the recipient's own page, where the slides open.
    link = re.search(r"http://localhost(/r/[A-Za-z0-9_\-]+)", copies[0].text_body).group(1)
    personal = client.get(link).get_data(as_text=True)
    assert "Recording of Workshop I" in personal
    response = client.get(f"{link}/materials/{slides.id}")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert (
        "filename*=UTF-8''Workshop%20I%20%E2%80%93%20Ideation%20%28slides%29.pdf"
        in response.headers["Content-Disposition"]
    )
