"""Events: the service layer, the dashboard form, and the public catalogue (on SQLite and PostgreSQL)."""

from datetime import UTC, datetime

import pytest

from app.events import services
from app.events.models import Event
from app.extensions import db
from tests.factories import make_event


def event_form(desk, **overrides) -> dict:
    data = {
        "title": "Digital Cities Forum",
        "timezone": "Europe/Kyiv",
        "language": "en",
        "desk_id": str(desk.id),
        "sessions-0-title": "Day one",
        "sessions-0-local_start": "2030-05-12T10:00",
        "sessions-0-local_end": "2030-05-12T12:30",
        "capacity": "40",
    }
    data.update(overrides)
    return data


def test_service_stores_utc_from_the_event_zone(app, desks):
    event = make_event(
        desks.germany,
        zone="Europe/Berlin",
        sessions=(
            (datetime(2020, 10, 24, 13), datetime(2020, 10, 24, 14)),
            (datetime(2020, 10, 25, 13), datetime(2020, 10, 25, 14)),
        ),
    )
    db.session.expire_all()
    stored = db.session.get(Event, event.id)
    assert [s.starts_at for s in stored.sessions] == [
        datetime(2020, 10, 24, 11, tzinfo=UTC),
        datetime(2020, 10, 25, 12, tzinfo=UTC),
    ]


@pytest.mark.parametrize(
    ("start", "message"),
    [(datetime(2020, 3, 29, 2, 30), "does not exist"), (datetime(2020, 10, 25, 2, 30), "happens twice")],
)
def test_service_rejects_non_existent_and_ambiguous_times(app, desks, start, message):
    data = services.EventData(
        title="Clock change",
        timezone="Europe/Berlin",
        desk_id=desks.germany.id,
        sessions=[services.SessionData(local_start=start, local_end=datetime(2020, 10, 25, 5))],
    )
    with pytest.raises(services.EventError) as error:
        services.create_event(data)
    assert message in error.value.errors["sessions-0-local_start"]


def test_coordinator_creates_and_publishes_a_kyiv_event_with_two_sessions(client, login, tbilisi_coordinator, desks):
    login(tbilisi_coordinator)
    response = client.post(
        "/dashboard/events/new",
        data=event_form(
            desks.tbilisi,
            **{
                "sessions-1-title": "Day two",
                "sessions-1-local_start": "2030-05-13T10:00",
                "sessions-1-local_end": "2030-05-13T12:30",
            },
        ),
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    event = db.session.scalars(db.select(Event)).one()
    assert event.status == "draft"
    assert [s.starts_at.hour for s in event.sessions] == [7, 7]  # 10:00 EEST is 07:00Z
    assert client.get(f"/events/{event.slug}").status_code == 404  # drafts are invisible

    assert client.post(f"/dashboard/events/{event.id}/publish").status_code == 302
    client.set_cookie("tz", "Asia/Tbilisi")
    page = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert "Sun 12 May 2030, 10:00-12:30 EEST" in page
    assert "11:00-13:30 in Tbilisi (GMT+4)" in page
    assert "The two differ" in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("sessions-0-local_start", "2020-03-29T02:30", "does not exist"),
        ("sessions-0-local_start", "2020-10-25T02:30", "happens twice"),
        ("sessions-0-local_end", "2030-05-12T09:00", "must end after it starts"),
        ("timezone", "Europe/Atlantis", "Choose a time zone"),
        ("title", "x" * 201, "200 characters"),
        ("title", "Bad\x07title", "control characters"),
        ("capacity", "0", "Number must be between 1 and 100000"),
        ("meeting_url", "javascript:alert(1)", "starting with https://"),
        ("sessions-0-local_start", "not a date", "Not a valid datetime"),
    ],
)
def test_event_form_shows_errors_next_to_the_field(client, login, tbilisi_coordinator, desks, field, value, message):
    login(tbilisi_coordinator)
    form = event_form(desks.tbilisi, **{field: value})
    if field == "sessions-0-local_start" and value.startswith("2020"):
        form["timezone"] = "Europe/Berlin"
        form["sessions-0-local_end"] = "2020-10-25T05:00"
    response = client.post("/dashboard/events/new", data=form)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f'id="{field}-error"' in page
    assert message in page
    assert db.session.scalar(db.select(db.func.count()).select_from(Event)) == 0


def test_add_session_button_adds_a_row_without_saving(client, login, tbilisi_coordinator, desks):
    login(tbilisi_coordinator)
    response = client.post("/dashboard/events/new", data={**event_form(desks.tbilisi), "add_session": "1"})
    assert 'name="sessions-1-local_start"' in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Event)) == 0


def test_catalogue_lists_published_hides_drafts_and_marks_cancelled(client, desks):
    make_event(desks.tbilisi, title="Published Forum")
    make_event(desks.tbilisi, title="Secret Draft", publish=False)
    cancelled = make_event(desks.tbilisi, title="Called Off Meeting")
    services.cancel_event(cancelled)
    db.session.commit()
    make_event(
        desks.germany, title="Old Conference", sessions=((datetime(2020, 10, 7, 13), datetime(2020, 10, 7, 15, 30)),)
    )
    page = client.get("/").get_data(as_text=True)
    assert "Published Forum" in page
    assert "Secret Draft" not in page
    assert "Called Off Meeting" in page and "Cancelled" in page
    assert page.index("Upcoming events") < page.index("Published Forum") < page.index("Past events")
    assert page.index("Past events") < page.index("Old Conference")


def test_event_page_shows_event_zone_and_reader_zone(client, desks):
    event = make_event(
        desks.germany, zone="Europe/Berlin", sessions=((datetime(2020, 10, 7, 13), datetime(2020, 10, 7, 15, 30)),)
    )
    page = client.get(f"/events/{event.slug}?tz=Asia/Tbilisi").get_data(as_text=True)
    assert "Wed 7 Oct 2020, 13:00-15:30 CEST" in page
    assert "15:00-17:30 in Tbilisi (GMT+4)" in page
    assert "Online" in page
    same = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert "in Tbilisi" not in same and "The two differ" not in same


def test_reader_zone_selector_sets_a_cookie(client, desks):
    event = make_event(desks.germany)
    response = client.post("/preferences/timezone", data={"tz": "Europe/Chisinau", "next": f"/events/{event.slug}"})
    assert response.status_code == 302 and response.location == f"/events/{event.slug}"
    assert "Europe/Chisinau" in response.headers["Set-Cookie"]
    bad = client.post("/preferences/timezone", data={"tz": "Nowhere", "next": "https://evil.example/"})
    assert bad.location == "/"


def test_coordinator_of_another_desk_cannot_edit(client, login, germany_coordinator, desks):
    event = make_event(desks.tbilisi)
    login(germany_coordinator)
    assert client.get(f"/dashboard/events/{event.id}/edit").status_code == 404
    assert client.post(f"/dashboard/events/{event.id}/unpublish").status_code == 404
    assert client.get(f"/dashboard/events/{event.id}").status_code == 200


def test_unknown_pages_are_friendly_404s(client):
    response = client.get("/events/does-not-exist")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_markdown_description_is_sanitised(client, desks):
    event = make_event(desks.germany, description="**Bold** <script>alert(1)</script> [x](javascript:alert(1))")
    page = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert "<strong>Bold</strong>" in page
    assert "<script>alert(1)</script>" not in page
    assert "javascript:alert" not in page


def test_meeting_link_change_needs_no_calendar_update(app, desks):
    event = make_event(desks.tbilisi, meeting_url="https://meet.example.org/old")
    data = services.EventData(
        title=event.title,
        timezone=event.timezone,
        desk_id=event.desk_id,
        meeting_url="https://meet.example.org/new",
        sessions=[
            services.SessionData(
                id=event.sessions[0].id,
                local_start=datetime(2030, 10, 7, 13, 0),
                local_end=datetime(2030, 10, 7, 15, 30),
            )
        ],
    )
    change = services.update_event(event, data)
    db.session.commit()
    assert change.meeting_url_changed and not change.calendar_changed
    assert event.sequence == 0 and event.meeting_url == "https://meet.example.org/new"


def test_moving_a_session_raises_the_sequence(app, desks):
    event = make_event(desks.tbilisi)
    data = services.EventData(
        title=event.title,
        timezone=event.timezone,
        desk_id=event.desk_id,
        sessions=[
            services.SessionData(
                id=event.sessions[0].id,
                local_start=datetime(2030, 10, 7, 14, 0),
                local_end=datetime(2030, 10, 7, 16, 30),
            )
        ],
    )
    change = services.update_event(event, data)
    db.session.commit()
    assert [c.kind for c in change.sessions] == ["moved"]
    assert event.sequence == 1


@pytest.mark.parametrize("value", ["0001-01-01T10:00", "9999-12-31T23:00"])
def test_far_away_dates_are_form_errors(client, login, tbilisi_coordinator, desks, value):
    login(tbilisi_coordinator)
    response = client.post(
        "/dashboard/events/new",
        data=event_form(desks.tbilisi, **{"sessions-0-local_start": value, "sessions-0-local_end": value}),
    )
    assert response.status_code == 200
    assert "Choose a date between 2000 and 2100" in response.get_data(as_text=True)
