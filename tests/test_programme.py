"""Agendas and speakers, per-session meeting links, follow-up messages, event pictures and the series page."""

import io
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image

from app.calendar import access, ics, invites, views
from app.calendar.models import Attendance
from app.extensions import db
from app.programme import services
from app.programme.files import UploadError
from app.programme.models import AUDIENCE_ATTENDED, AUDIENCE_CONFIRMED, AUDIENCE_WAITLIST, PUBLIC, FollowUp
from app.registrations.models import CANCELLED, PENDING_APPROVAL, WAITLISTED
from app.registrations.services import anonymise
from tests import factories
from tests.calendar_support import make_registration, parse_all
from tests.programme_support import PDF, jpeg, personal_path

EVENT_MEETING = "https://meet.example.org/working-group"
OWN_MEETING = "https://meet.example.org/workshop-two-room"
SESSIONS = (
    (datetime(2030, 9, 21, 9, 0), datetime(2030, 9, 21, 13, 0), "Workshop I: Ideation"),
    (datetime(2030, 10, 5, 9, 0), datetime(2030, 10, 5, 13, 0), "Workshop II: Consolidation"),
)
# Belgrade is on CEST on both days: 07:00Z.
FIRST_START = datetime(2030, 9, 21, 7, 0, tzinfo=UTC)
SECOND_START = datetime(2030, 10, 5, 7, 0, tzinfo=UTC)


@pytest.fixture
def event(desks):
    return factories.make_event(
        desks.tbilisi,
        title="Digitalisation Working Group 2030",
        zone="Europe/Belgrade",
        sessions=SESSIONS,
        meeting_url=EVENT_MEETING,
        programme="Digitalisation Working Group",
    )


def join_path(registration) -> str:
    url = invites.access_link(registration)
    db.session.commit()
    return url.removeprefix("http://localhost")


# --- per-session meeting links ------------------------------------------------------------------------


def test_a_session_with_its_own_link_redirects_there_the_others_to_the_events(app, client, event, monkeypatch):
    services.save_session_programme(event.sessions[1], "", OWN_MEETING)
    db.session.commit()
    registration = make_registration(event)
    path = join_path(registration)
    before = len(factories.outbox())

    monkeypatch.setattr(views, "now", lambda: FIRST_START + timedelta(minutes=5))
    assert client.get(path).headers["Location"] == EVENT_MEETING
    monkeypatch.setattr(views, "now", lambda: SECOND_START - timedelta(minutes=10))
    response = client.get(path)
    assert response.status_code == 303 and response.headers["Location"] == OWN_MEETING
    # The same personal link, a changed meeting link: nobody is emailed.
    services.save_session_programme(event.sessions[1], "", "https://meet.example.org/another-room")
    db.session.commit()
    assert client.get(path).headers["Location"] == "https://meet.example.org/another-room"
    assert len(factories.outbox()) == before


def test_a_session_link_works_even_without_an_event_link(app, desks):
    event = factories.make_event(desks.tbilisi, zone="Europe/Belgrade", sessions=SESSIONS)
    services.save_session_programme(event.sessions[0], "", OWN_MEETING)
    registration = make_registration(event)
    assert access.join_state(registration, now=FIRST_START).kind == access.OPEN
    assert access.join_state(registration, now=SECOND_START).kind == access.NO_MEETING_URL


def test_a_meeting_link_must_be_a_web_address(app, event):
    with pytest.raises(services.ProgrammeError) as refused:
        services.save_session_programme(event.sessions[0], "", "javascript:alert(1)")
    assert refused.value.field == "meeting_url"


# --- agendas and speakers --------------------------------------------------------------------------------


def test_agenda_and_speakers_show_on_the_event_page_the_participant_page_and_the_json(app, client, event):
    session = event.sessions[0]
    services.save_session_programme(session, "**Ideas** first.\n\n* Round of introductions", "")
    services.add_speaker(
        session,
        services.SpeakerData("Milica Jovanović", "City of Novi Sad", "Urban planner", "Led online permits.", jpeg()),
    )
    db.session.commit()

    page = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert f'id="session-{session.id}"' in page
    assert "<strong>Ideas</strong> first." in page
    assert "Milica Jovanović" in page and "Urban planner, City of Novi Sad" in page
    speaker = services.speakers_by_session(event)[session.id][0]
    photo = client.get(f"/events/{event.slug}/speakers/{speaker.id}.webp")
    assert photo.status_code == 200 and photo.headers["Content-Type"] == "image/webp"
    assert Image.open(io.BytesIO(photo.data)).width == 320

    personal = client.get(personal_path(make_registration(event))).get_data(as_text=True)
    assert "Milica Jovanović" in personal and "Round of introductions" in personal

    data = client.get(f"/events/{event.slug}/programme.json").get_json()
    first = data["sessions"][0]
    assert first["agenda_markdown"].startswith("**Ideas**")
    assert first["speakers"][0]["name"] == "Milica Jovanović"
    assert first["speakers"][0]["photo"].endswith(f"/speakers/{speaker.id}.webp")


def test_invites_and_the_public_file_carry_a_shortened_agenda_with_a_link(app, client, event):
    session = event.sessions[0]
    services.save_session_programme(session, "Welcome and [input](https://example.org).\n\n" + "Long part. " * 60, "")
    db.session.commit()
    registration = make_registration(event)

    text = ics.request(registration, session, "https://eventdesk.example/join/x")
    description = str(parse_all(text).walk("VEVENT")[0]["DESCRIPTION"])
    assert "Agenda: Welcome and input." in description
    assert f"/events/{event.slug}#session-{session.id}" in description
    assert "…" in description and "https://example.org" not in description
    agenda_line = next(line for line in description.splitlines() if line.startswith("Agenda: "))
    assert len(agenda_line) <= len("Agenda: ") + ics.AGENDA_EXCERPT

    public = client.get(f"/events/{event.slug}.ics").get_data(as_text=True)
    assert "Agenda: Welcome and input." in public.replace("\r\n ", "")


def test_changing_an_upcoming_agenda_sends_calendar_updates_and_the_same_agenda_does_not(app, event):
    make_registration(event)
    make_registration(event)
    sequence = event.sequence
    assert services.save_session_programme(event.sessions[0], "New agenda", "") is True
    db.session.commit()
    updates = factories.outbox("invite_update")
    assert len(updates) == 2
    assert updates[0].subject.startswith("New agenda:")
    assert "Agenda: New agenda" in updates[0].calendar_ics
    assert event.sequence == sequence + 1
    assert services.save_session_programme(event.sessions[0], "New agenda", OWN_MEETING) is False
    db.session.commit()
    assert len(factories.outbox("invite_update")) == 2


def test_a_speaker_needs_a_name_and_a_photo_must_be_an_image(app, event):
    with pytest.raises(services.ProgrammeError):
        services.add_speaker(event.sessions[0], services.SpeakerData("  "))
    with pytest.raises(UploadError):
        services.add_speaker(event.sessions[0], services.SpeakerData("Nino", photo=PDF))


# --- follow-up messages --------------------------------------------------------------------------------------


def test_follow_up_audiences_count_the_right_people_and_never_deleted_ones(app, event):
    confirmed = [make_registration(event, name=f"Confirmed {i}") for i in range(3)]
    make_registration(event, status=CANCELLED)
    make_registration(event, status=PENDING_APPROVAL)
    deleted = make_registration(event, name="To be deleted")
    db.session.add(Attendance(registration=deleted, session=event.sessions[0]))
    db.session.add(Attendance(registration=confirmed[0], session=event.sessions[0]))
    db.session.add(Attendance(registration=confirmed[1], session=event.sessions[1]))
    db.session.commit()
    anonymise(deleted)
    db.session.commit()
    # Made after the deletion, whose freed seat would have promoted them.
    waitlisted = [make_registration(event, status=WAITLISTED, name=f"Waiting {i}") for i in range(2)]

    def audience(key):
        return services.parse_audience(event, key)

    assert [r.id for r in services.recipients(event, audience(AUDIENCE_CONFIRMED))] == [r.id for r in confirmed]
    assert [r.id for r in services.recipients(event, audience(AUDIENCE_WAITLIST))] == [r.id for r in waitlisted]
    first = f"{AUDIENCE_ATTENDED}:{event.sessions[0].id}"
    assert [r.id for r in services.recipients(event, audience(first))] == [confirmed[0].id]

    before = len(factories.outbox("follow_up"))
    follow_up = services.send_follow_up(event, audience(first), "Thank you", "Slides follow.")
    db.session.commit()
    copies = factories.outbox("follow_up")[before:]
    assert follow_up.recipient_count == 1 and len(copies) == 1
    assert confirmed[0].email in copies[0].recipient
    assert "/r/" in copies[0].text_body and "Slides follow." in copies[0].text_body

    everyone = services.send_follow_up(event, audience(AUDIENCE_CONFIRMED), "Materials", "They are online.")
    db.session.commit()
    copies = factories.outbox("follow_up")[before + 1 :]
    assert everyone.recipient_count == 3 == len(copies)
    assert not any("deleted" in c.recipient or "To be deleted" in c.recipient for c in copies)
    assert len({c.dedup_key for c in copies}) == 3


def test_unknown_audiences_and_double_submissions_are_refused(app, event, desks):
    other = factories.make_event(desks.tbilisi, title="Other", sessions=SESSIONS[:1])
    for key in ("everyone", f"{AUDIENCE_ATTENDED}:{other.sessions[0].id}", f"{AUDIENCE_ATTENDED}:x", ""):
        with pytest.raises(services.ProgrammeError):
            services.parse_audience(event, key)
    make_registration(event)
    services.send_follow_up(event, services.Audience(AUDIENCE_CONFIRMED), "Hello", "Once.")
    with pytest.raises(services.ProgrammeError) as twice:
        services.send_follow_up(event, services.Audience(AUDIENCE_CONFIRMED), "Hello", "Once.")
    assert twice.value.code == "follow_up_repeated"


def test_a_coordinator_previews_then_sends_and_the_message_stays_on_the_event(
    app, client, event, tbilisi_coordinator, login
):
    for i in range(3):
        make_registration(event, name=f"Participant {i}")
    services.add_file(event, title="Slides of Workshop I", data=PDF, filename="slides.pdf", visibility=PUBLIC)
    db.session.commit()
    login(tbilisi_coordinator)
    base = f"/dashboard/events/{event.id}/programme"

    draft = client.get(f"{base}/messages/new?draft=materials").get_data(as_text=True)
    assert "Materials are online" in draft and "Slides of Workshop I" in draft
    form = {"audience": AUDIENCE_CONFIRMED, "subject": "Materials are online", "body": "See your page."}
    preview = client.post(f"{base}/messages/new", data={**form, "preview": "Preview"})
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "3 recipients" in html
    assert factories.outbox("follow_up") == []

    sent = client.post(f"{base}/messages/new", data={**form, "send": "Send"})
    assert sent.status_code == 302
    assert len(factories.outbox("follow_up")) == 3
    overview = client.get(f"{base}/").get_data(as_text=True)
    assert "Materials are online" in overview and "3 recipients" in overview
    assert db.session.query(FollowUp).count() == 1


def test_another_desks_coordinator_cannot_reach_the_programme(app, client, event, germany_coordinator, login):
    login(germany_coordinator)
    assert client.get(f"/dashboard/events/{event.id}/programme/").status_code == 404
    response = client.post(
        f"/dashboard/events/{event.id}/programme/messages/new",
        data={"audience": AUDIENCE_CONFIRMED, "subject": "x", "body": "y", "send": "Send"},
    )
    assert response.status_code == 404


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_programme_forms_need_their_csrf_token(app, client, event, tbilisi_coordinator):
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post(
        "/login", data={"email": tbilisi_coordinator.email, "password": factories.PASSWORD, "csrf_token": token}
    )
    response = client.post(
        f"/dashboard/events/{event.id}/programme/materials/link",
        data={"title": "Recording", "url": "https://video.example.org", "visibility": "public", "session_id": ""},
    )
    assert response.status_code == 400
    assert services.materials_of(event, public_only=False) == []


# --- pictures ------------------------------------------------------------------------------------------------


def test_a_cover_is_resized_stripped_of_exif_and_shown_responsively(app, client, event):
    original = jpeg(2000, 1200, gps=True)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # the upload has a GPS position
    picture = services.set_cover(
        event, services.PictureData(original, "Participants in a video call", credit="bank215 | adobe stock")
    )
    db.session.commit()
    assert [r.width for r in picture.renditions] == [480, 960, 1600]
    assert [r.height for r in picture.renditions] == [288, 576, 960]
    for rendition in picture.renditions:
        response = client.get(f"/events/{event.slug}/pictures/{picture.id}-{rendition.width}.webp")
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        image = Image.open(io.BytesIO(response.data))
        assert image.format == "WEBP" and image.width == rendition.width
        assert not image.getexif().get_ifd(0x8825) and "exif" not in image.info
        assert not image.getexif()

    page = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert 'alt="Participants in a video call"' in page
    assert f"/events/{event.slug}/pictures/{picture.id}-480.webp 480w" in page and "1600w" in page
    assert "Photo: bank215 | adobe stock" in page
    assert client.get(f"/events/{event.slug}/pictures/{picture.id}-333.webp").status_code == 404

    # A new cover replaces the old one and its files.
    second = services.set_cover(event, services.PictureData(jpeg(600, 400), "A new cover"))
    db.session.commit()
    assert [r.width for r in second.renditions] == [480, 600]
    assert client.get(f"/events/{event.slug}/pictures/{picture.id}-480.webp").status_code == 404


def test_the_gallery_is_lazy_with_captions_and_credits(app, client, event):
    for i in range(2):
        services.add_gallery_picture(
            event, services.PictureData(jpeg(1000, 500), f"Breakout room {i}", f"Room {i}", "Eventdesk network")
        )
    db.session.commit()
    page = client.get(f"/events/{event.slug}").get_data(as_text=True)
    gallery = page.split('id="impressions-heading"')[1]
    assert gallery.count('loading="lazy"') == 2 and gallery.count("srcset=") == 2
    assert "Room 1" in gallery and "Photo: Eventdesk network" in gallery


@pytest.mark.parametrize(
    ("data", "alt", "field"),
    [
        (PDF, "A picture", "image"),
        (b"", "A picture", "image"),
        (b"GIF89a not really", "A picture", "image"),
        (jpeg(100, 100), "   ", "alt_text"),
    ],
)
def test_non_images_and_missing_alt_text_are_refused(app, event, data, alt, field):
    with pytest.raises((services.ProgrammeError, UploadError)) as refused:
        services.add_gallery_picture(event, services.PictureData(data, alt))
    assert refused.value.field == field
    assert services.gallery_of(event) == []


def test_the_picture_form_needs_alt_text(app, client, event, tbilisi_coordinator, login):
    login(tbilisi_coordinator)
    response = client.post(
        f"/dashboard/events/{event.id}/programme/pictures/gallery",
        data={"image": (io.BytesIO(jpeg(300, 200)), "x.jpg"), "alt_text": ""},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.get_data(as_text=True)


# --- the series page -----------------------------------------------------------------------------------------------


def test_the_series_page_lists_its_events_in_order_with_public_materials(app, client, event, desks):
    later = factories.make_event(
        desks.tbilisi,
        title="Working Group follow-up 2031",
        zone="Europe/Belgrade",
        sessions=((datetime(2031, 3, 1, 9, 0), datetime(2031, 3, 1, 11, 0)),),
        programme="Digitalisation Working Group",
    )
    factories.make_event(
        desks.tbilisi, title="Hidden draft", sessions=SESSIONS, publish=False, programme=event.programme
    )
    factories.make_event(desks.tbilisi, title="Another programme", sessions=SESSIONS, programme="Peer exchanges")
    public = services.add_file(event, title="Programme overview", data=PDF, filename="o.pdf", visibility=PUBLIC)
    services.add_file(event, title="Participants' notes", data=PDF, filename="n.pdf", visibility="participants")
    db.session.commit()

    event_page = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert 'href="/series/digitalisation-working-group"' in event_page
    response = client.get("/series/digitalisation-working-group?tz=Asia/Tbilisi")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.index(event.title) < html.index(later.title)
    assert "Hidden draft" not in html and "Another programme" not in html
    assert "Workshop II: Consolidation" in html
    assert "11:00-15:00 in Tbilisi" in html  # 09:00-13:00 in Belgrade, the reader's own zone
    assert f"/events/{event.slug}/materials/{public.id}" in html and "Participants' notes" not in html
    assert client.get("/series/no-such-programme").status_code == 404


def test_a_drafts_pictures_are_for_its_coordinators_only(app, client, desks, tbilisi_coordinator, login):
    draft = factories.make_event(desks.tbilisi, sessions=SESSIONS, publish=False)
    picture = services.add_gallery_picture(draft, services.PictureData(jpeg(500, 300), "A room"))
    db.session.commit()
    path = f"/events/{draft.slug}/pictures/{picture.id}-480.webp"
    assert client.get(path).status_code == 404
    login(tbilisi_coordinator)
    response = client.get(path)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "private, no-store"
