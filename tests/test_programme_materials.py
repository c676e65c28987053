"""Materials: who may open them, which files are refused, and how names and bytes are served."""

import io
from datetime import datetime

import pytest

from app.extensions import db
from app.programme import services
from app.programme.files import UploadError
from app.programme.models import PARTICIPANTS, PUBLIC, StoredFile
from app.registrations.models import CANCELLED, WAITLISTED
from app.registrations.services import anonymise
from tests import factories
from tests.calendar_support import make_registration
from tests.programme_support import ELF, EXE, PDF, jpeg, personal_path, pptx

SESSIONS = (
    (datetime(2021, 9, 21, 9, 0), datetime(2021, 9, 21, 13, 0), "Workshop I"),
    (datetime(2021, 10, 5, 9, 0), datetime(2021, 10, 5, 13, 0), "Workshop II"),
)


@pytest.fixture
def event(desks):
    return factories.make_event(desks.tbilisi, zone="Europe/Belgrade", sessions=SESSIONS)


def add_file(event, visibility=PARTICIPANTS, data=PDF, filename="slides.pdf", session=None):
    material = services.add_file(
        event,
        title="Slides",
        data=data,
        filename=filename,
        visibility=visibility,
        session_id=session.id if session else None,
    )
    db.session.commit()
    return material


def test_a_participants_material_is_theirs_alone(app, client, event, desks):
    material = add_file(event, session=event.sessions[0])
    confirmed = make_registration(event)
    deleted = make_registration(event)
    deleted_path = personal_path(deleted)
    anonymise(deleted)
    db.session.commit()
    # Made after the deletion, whose freed seat would promote the waitlist.
    cancelled = make_registration(event, status=CANCELLED)
    waitlisted = make_registration(event, status=WAITLISTED)
    other_event = factories.make_event(desks.tbilisi, title="Another event", sessions=SESSIONS[:1])
    other = make_registration(other_event)

    response = client.get(f"{personal_path(confirmed)}/materials/{material.id}")
    assert response.status_code == 200
    assert response.data == PDF
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"

    for registration in (cancelled, waitlisted, other):
        assert client.get(f"{personal_path(registration)}/materials/{material.id}").status_code == 404
    assert client.get(f"{deleted_path}/materials/{material.id}").status_code == 404
    assert client.get(f"/r/not-a-token/materials/{material.id}").status_code == 404
    # Not public, so not through the event page either, nor for coordinators' URLs without a login.
    assert client.get(f"/events/{event.slug}/materials/{material.id}").status_code == 404
    assert client.get(f"/dashboard/events/{event.id}/programme/materials/{material.id}").status_code in (302, 404)


def test_a_participant_who_cancels_loses_access(app, client, event):
    material = add_file(event)
    registration = make_registration(event)
    path = personal_path(registration)
    assert client.get(f"{path}/materials/{material.id}").status_code == 200
    registration.status = CANCELLED
    db.session.commit()
    assert client.get(f"{path}/materials/{material.id}").status_code == 404


def test_public_materials_load_for_everyone_and_are_listed(app, client, event, desks):
    public = add_file(event, visibility=PUBLIC, filename="programme.pdf")
    private = add_file(event, filename="private-notes.pdf")
    link = services.add_link(event, title="Recording", url="https://video.example.org/w1", visibility=PARTICIPANTS)
    db.session.commit()

    response = client.get(f"/events/{event.slug}/materials/{public.id}")
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Cache-Control"].startswith("public")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    again = client.get(
        f"/events/{event.slug}/materials/{public.id}", headers={"If-None-Match": response.headers["ETag"]}
    )
    assert again.status_code == 304

    page = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert f"/events/{event.slug}/materials/{public.id}" in page
    assert "private-notes.pdf" not in page and "video.example.org" not in page
    # Any visitor of another event's page: the id alone opens nothing.
    other = factories.make_event(desks.tbilisi, title="Other", sessions=SESSIONS[:1])
    assert client.get(f"/events/{other.slug}/materials/{public.id}").status_code == 404

    # The participant's page lists every material with links through their own token.
    path = personal_path(make_registration(event))
    personal = client.get(path).get_data(as_text=True)
    for material in (public, private, link):
        assert f"{path}/materials/{material.id}" in personal
    recording = client.get(f"{path}/materials/{link.id}")
    assert recording.status_code == 303 and recording.headers["Location"] == "https://video.example.org/w1"


def test_a_draft_events_public_material_is_hidden(app, client, desks):
    draft = factories.make_event(desks.tbilisi, sessions=SESSIONS, publish=False)
    material = add_file(draft, visibility=PUBLIC)
    assert client.get(f"/events/{draft.slug}/materials/{material.id}").status_code == 404


@pytest.mark.parametrize(
    ("data", "filename", "code"),
    [
        (b"", "empty.pdf", "upload_empty"),
        (EXE, "slides.pdf", "upload_wrong_type"),  # a renamed executable
        (ELF, "report.pdf", "upload_wrong_type"),
        (b"just some text, not a PDF", "notes.pdf", "upload_wrong_type"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "logo.png", "upload_wrong_type"),
    ],
)
def test_bad_files_are_refused_by_content(app, event, data, filename, code):
    with pytest.raises(UploadError) as refused:
        services.add_file(event, title="Slides", data=data, filename=filename, visibility=PUBLIC)
    assert refused.value.code == code
    assert refused.value.field == "file"


@pytest.mark.app_config(MATERIALS_MAX_BYTES=1000)
def test_a_file_over_the_limit_is_refused_with_the_limit_in_the_message(app, event):
    with pytest.raises(UploadError) as refused:
        services.add_file(event, title="Slides", data=PDF + b" " * 2000, filename="big.pdf", visibility=PUBLIC)
    assert refused.value.code == "upload_too_large"
    assert "larger than 1 KB" in refused.value.message


def test_the_upload_form_shows_refusals_next_to_the_field(app, client, event, tbilisi_coordinator, login):
    login(tbilisi_coordinator)
    response = client.post(
        f"/dashboard/events/{event.id}/programme/materials/file",
        data={
            "title": "Slides",
            "session_id": "",
            "visibility": "public",
            "file": (io.BytesIO(EXE), "slides.pdf"),
        },
        content_type="multipart/form-data",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "not an accepted type" in html and 'class="error"' in html
    assert db.session.query(StoredFile).count() == 0

    ok = client.post(
        f"/dashboard/events/{event.id}/programme/materials/file",
        data={
            "title": "Deck",
            "session_id": str(event.sessions[1].id),
            "visibility": "participants",
            "file": (io.BytesIO(pptx()), "deck.pptx"),
        },
        content_type="multipart/form-data",
    )
    assert ok.status_code == 302
    material = services.materials_of(event, public_only=False)[0]
    assert material.session_id == event.sessions[1].id
    assert material.file.content_type.endswith("presentationml.presentation")


@pytest.mark.app_config(MATERIALS_MAX_BYTES=5000)
def test_a_request_far_over_the_limit_is_refused_before_it_is_read(app, client, event, tbilisi_coordinator, login):
    login(tbilisi_coordinator)
    response = client.post(
        f"/dashboard/events/{event.id}/programme/materials/file",
        data=b"x" * (5000 + 1024 * 1024 + 1),
        content_type="multipart/form-data; boundary=boundary",
    )
    assert response.status_code == 413
    assert "too much data" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\nino\\Desktop\\slides.pdf", "slides.pdf"),
        ("Презентація – ვორქშოპი.pdf", "Презентація – ვორქშოპი.pdf"),
        ("evil\r\nContent-Type: text/html.pdf", "html.pdf"),  # after the last separator
        ('a\r\nX-Header: 1;"q".pdf', "aX-Header_ 1;_q_.pdf"),
        ("report\u202efdp.exe", "reportfdp.exe.pdf"),  # a right-to-left override and a wrong extension
        ("/", "material.pdf"),
        ("slides", "slides.pdf"),
    ],
)
def test_filenames_are_stored_and_served_safely(app, client, event, given, stored):
    material = add_file(event, visibility=PUBLIC, filename=given)
    assert material.file.filename == stored
    response = client.get(f"/events/{event.slug}/materials/{material.id}")
    disposition = response.headers["Content-Disposition"]
    assert response.status_code == 200
    assert disposition.startswith('inline; filename="')
    assert "filename*=UTF-8''" in disposition
    assert "\r" not in disposition and "\n" not in disposition and "/" not in disposition.split("filename*")[0]
    assert disposition.isascii()


@pytest.mark.parametrize("directory", [False, True])
def test_files_are_stored_in_the_database_or_the_configured_directory(app, client, event, tmp_path, directory):
    if directory:
        app.config["MATERIALS_DIR"] = str(tmp_path / "materials")
    big = PDF + bytes(range(256)) * 2000  # two chunks and a bit
    material = add_file(event, visibility=PUBLIC, data=big)
    stored = db.session.get(StoredFile, material.file_id)
    assert (stored.path is not None) == directory
    assert (stored.data is None) == directory
    response = client.get(f"/events/{event.slug}/materials/{material.id}")
    assert response.data == big
    assert int(response.headers["Content-Length"]) == len(big)
    if directory:
        assert (tmp_path / "materials" / stored.path).read_bytes() == big
        services.remove_material(material)
        db.session.commit()
        assert not (tmp_path / "materials" / stored.path).exists()


def test_images_are_accepted_as_materials(app, event):
    material = add_file(event, data=jpeg(200, 100), filename="photo.jpeg")
    assert material.file.content_type == "image/jpeg"
    assert material.file.filename == "photo.jpeg"
