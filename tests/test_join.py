"""Personal access links: countdown, attendance and the meeting, and links that no longer work."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.calendar import access, invites, views
from app.calendar.models import Attendance
from app.events import services as event_services
from app.events.models import EventSession
from app.extensions import db
from app.registrations.models import CANCELLED, REJECTED, Registration
from tests import factories
from tests.calendar_support import events_of, make_registration, parse_all

MEETING = "https://meet.example.org/digital-cities"
# Berlin, 13:00-15:30 CEST and 13:00-15:30 CET: 11:00-13:30Z and 12:00-14:30Z.
SESSIONS = (
    (datetime(2030, 10, 7, 13, 0), datetime(2030, 10, 7, 15, 30), "Workshop I"),
    (datetime(2030, 10, 28, 13, 0), datetime(2030, 10, 28, 15, 30), "Workshop II"),
)
FIRST_START = datetime(2030, 10, 7, 11, 0, tzinfo=UTC)
SECOND_START = datetime(2030, 10, 28, 12, 0, tzinfo=UTC)


@pytest.fixture
def event(desks):
    return factories.make_event(desks.germany, sessions=SESSIONS, meeting_url=MEETING)


@pytest.fixture
def clock(monkeypatch):
    """Set the moment the join view sees."""

    def set_now(moment: datetime) -> None:
        monkeypatch.setattr(views, "now", lambda: moment)

    return set_now


def join_path(registration) -> str:
    url = invites.access_link(registration)
    db.session.commit()
    return url.removeprefix("http://localhost")


def attendances() -> list[Attendance]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Attendance).order_by(Attendance.session_id)))


def assert_token_headers(response) -> None:
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"


def test_before_the_window_a_countdown_in_both_zones(app, client, event, clock):
    registration = make_registration(event, zone="Asia/Tbilisi")
    path = join_path(registration)
    clock(FIRST_START - timedelta(days=2, hours=3, minutes=20))

    response = client.get(path)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert_token_headers(response)
    assert "Starts in 2 days 3 hours" in html
    assert "15:00-17:30 in Tbilisi (GMT+4)" in html
    assert "Mon 7 Oct 2030, 13:00-15:30 CEST" in html
    assert f'data-reload-at="{(FIRST_START - timedelta(minutes=15)).isoformat()}"' in html
    assert "js/countdown.js" in html
    assert "<script>" not in html and " style=" not in html
    assert f"/join/{path.rsplit('/', 1)[1]}/calendar.ics" in html  # their own calendar file
    assert attendances() == []


def test_the_reader_can_ask_for_another_zone(app, client, event, clock):
    registration = make_registration(event, zone="Asia/Tbilisi")
    clock(FIRST_START - timedelta(days=1))
    html = client.get(join_path(registration) + "?tz=Europe/Chisinau").get_data(as_text=True)
    assert "14:00-16:30 in Chisinau (GMT+3)" in html
    assert "in Tbilisi" not in html


def test_inside_the_window_attendance_is_recorded_and_the_meeting_opens(app, client, event, clock):
    registration = make_registration(event)
    path = join_path(registration)
    opened = FIRST_START - timedelta(minutes=15)
    clock(opened)

    response = client.get(path)
    assert response.status_code == 303
    assert response.headers["Location"] == MEETING
    assert_token_headers(response)
    [record] = attendances()
    assert (record.registration_id, record.session_id) == (registration.id, event.sessions[0].id)
    assert record.first_joined_at == record.last_joined_at == opened
    assert record.joins == 1

    # Rejoining (a dropped connection, a second device) counts, but stays one record per session.
    later = FIRST_START + timedelta(hours=1)
    clock(later)
    assert client.get(path).status_code == 303
    assert client.get(join_path(registration)).status_code == 303  # a link from another email
    [record] = attendances()
    assert record.first_joined_at == opened
    assert record.last_joined_at == later
    assert record.joins == 3

    clock(SECOND_START - timedelta(minutes=5))
    assert client.get(path).status_code == 303
    assert [(a.session_id, a.joins) for a in attendances()] == [(event.sessions[0].id, 3), (event.sessions[1].id, 1)]


def test_a_link_checker_does_not_count_as_attendance(app, client, event, clock):
    registration = make_registration(event)
    clock(FIRST_START)
    response = client.head(join_path(registration))
    assert response.status_code == 303
    assert attendances() == []


def test_between_sessions_the_countdown_is_to_the_next(app, client, event, clock):
    registration = make_registration(event)
    clock(FIRST_START + timedelta(hours=3))
    html = client.get(join_path(registration)).get_data(as_text=True)
    assert "Workshop II" in html
    assert "Mon 28 Oct 2030, 13:00-15:30 CET" in html
    assert "session 2 of 2" in html


def test_after_the_last_session_the_event_has_ended(app, client, event, clock):
    registration = make_registration(event)
    clock(SECOND_START + timedelta(hours=2, minutes=30))
    response = client.get(join_path(registration))
    assert response.status_code == 200
    assert_token_headers(response)
    assert "This event has ended" in response.get_data(as_text=True)
    assert attendances() == []


def test_without_a_meeting_link_yet_the_page_says_so(app, client, desks, clock):
    event = factories.make_event(desks.germany, sessions=SESSIONS)
    registration = make_registration(event)
    clock(FIRST_START - timedelta(minutes=5))
    response = client.get(join_path(registration))
    assert response.status_code == 200
    assert "will work as soon as they do" in response.get_data(as_text=True)
    assert attendances() == []


def test_a_tampered_link_is_not_found(app, client, event, clock):
    registration = make_registration(event)
    path = join_path(registration)
    clock(FIRST_START)
    for bad in (path[:-1] + ("A" if path[-1] != "A" else "B"), "/join/x", "/join/" + "a" * 300):
        response = client.get(bad)
        assert response.status_code == 404
        assert_token_headers(response)
        assert "This access link is not valid" in response.get_data(as_text=True)
    assert client.get("/join/x/calendar.ics").status_code == 404
    response = client.post(path)
    assert response.status_code == 405
    assert_token_headers(response)
    assert attendances() == []


@pytest.mark.parametrize("status", [CANCELLED, REJECTED])
def test_a_withdrawn_registration_has_a_gone_link(app, client, event, clock, status):
    registration = make_registration(event)
    path = join_path(registration)
    registration.status = status
    db.session.commit()
    clock(FIRST_START)
    response = client.get(path)
    assert response.status_code == 410
    assert_token_headers(response)
    assert "no longer works" in response.get_data(as_text=True)
    assert client.get(path + "/calendar.ics").status_code == 410
    assert attendances() == []


def test_a_cancelled_event_has_gone_links(app, client, event, clock):
    registration = make_registration(event)
    path = join_path(registration)
    event_services.cancel_event(event)
    db.session.commit()
    clock(FIRST_START)
    response = client.get(path)
    assert response.status_code == 410
    assert "has been cancelled" in response.get_data(as_text=True)


def test_the_participants_own_calendar_file(app, client, event, clock):
    registration = make_registration(event)
    path = join_path(registration)
    clock(FIRST_START - timedelta(days=3))
    response = client.get(path + "/calendar.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert_token_headers(response)
    text = response.get_data(as_text=True)
    calendar = parse_all(text)
    assert calendar["METHOD"] == "PUBLISH"
    vevents = events_of(calendar)
    assert [str(v["UID"]) for v in vevents] == [
        f"{registration.calendar_uid}-{s.id}@eventdesk.localhost" for s in event.sessions
    ]
    assert all(str(v["URL"]) == f"http://localhost{path}" for v in vevents)
    assert "ATTENDEE" not in text


def test_join_state_follows_the_window(app, event):
    registration = make_registration(event)
    window = timedelta(minutes=15)
    first, second = event.sessions
    cases = [
        (FIRST_START - window - timedelta(seconds=1), access.BEFORE, first),
        (FIRST_START - window, access.OPEN, first),
        (first.ends_at - timedelta(seconds=1), access.OPEN, first),
        (first.ends_at, access.BEFORE, second),
        (second.ends_at, access.ENDED, None),
    ]
    for moment, kind, session in cases:
        state = access.join_state(registration, now=moment, window=window)
        assert (state.kind, state.session) == (kind, session), moment


@pytest.mark.app_config(JOIN_WINDOW_MINUTES=30)
def test_the_join_window_is_configurable(app, event):
    registration = make_registration(event)
    assert access.join_state(registration, now=FIRST_START - timedelta(minutes=29)).kind == access.OPEN
    assert access.join_state(registration, now=FIRST_START - timedelta(minutes=31)).kind == access.BEFORE


def test_countdown_wording():
    assert access.countdown_text(timedelta(days=2, hours=3, minutes=59)) == "2 days 3 hours"
    assert access.countdown_text(timedelta(days=1, minutes=5)) == "1 day"
    assert access.countdown_text(timedelta(hours=1, minutes=1)) == "1 hour 1 minute"
    assert access.countdown_text(timedelta(minutes=12, seconds=30)) == "12 minutes"
    assert access.countdown_text(timedelta(seconds=59)) == "less than a minute"


def test_simultaneous_joins_make_one_record_and_lose_no_count(app, event):
    registration = make_registration(event)
    session_id, registration_id = event.sessions[0].id, registration.id
    # SQLite takes the write lock when a transaction begins: the test's own must end first.
    db.session.rollback()
    threads_count = 8
    barrier = threading.Barrier(threads_count)
    errors = []

    def join(index: int) -> None:
        with app.app_context():
            try:
                barrier.wait()
                access.record_attendance(
                    db.session.get(Registration, registration_id),
                    db.session.get(EventSession, session_id),
                    now=FIRST_START + timedelta(seconds=index),
                )
                db.session.commit()
            except Exception as error:
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=join, args=(i,)) for i in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    [record] = attendances()
    assert record.joins == threads_count
    assert record.first_joined_at <= record.last_joined_at == FIRST_START + timedelta(seconds=threads_count - 1)
