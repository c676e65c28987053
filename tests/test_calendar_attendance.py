"""Attendance for coordinators: by session, limited to their desks, and in the CSV export."""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from app.calendar import access
from app.calendar.attendance import attendance_by_session, attendance_columns, attendance_headers
from app.extensions import db
from tests import factories
from tests.calendar_support import make_registration

SESSIONS = (
    (datetime(2030, 10, 7, 13, 0), datetime(2030, 10, 7, 15, 30), "Workshop I"),
    (datetime(2030, 10, 14, 13, 0), datetime(2030, 10, 14, 15, 30), ""),
)
JOINED = datetime(2030, 10, 7, 10, 52, 30, tzinfo=UTC)


def attended(desks):
    event = factories.make_event(desks.germany, sessions=SESSIONS, meeting_url="https://meet.example.org/x")
    tamar = make_registration(event, name="Tamar Lomidze", email="tamar@example.org", desk=desks.tbilisi)
    jurgen = make_registration(event, name="Jürgen Größ", email="jurgen@example.org", desk=desks.germany)
    absent = make_registration(event, name="Ana Absent", email="ana@example.org", desk=desks.tbilisi)
    first, second = event.sessions
    access.record_attendance(tamar, first, now=JOINED)
    access.record_attendance(tamar, first, now=JOINED + timedelta(minutes=40))
    access.record_attendance(jurgen, first, now=JOINED + timedelta(minutes=3))
    access.record_attendance(jurgen, second, now=second.starts_at)
    db.session.commit()
    return event, tamar, jurgen, absent


def test_attendance_by_session_for_a_desk_and_for_everyone(app, desks):
    event, tamar, jurgen, _absent = attended(desks)
    first, second = event.sessions

    everyone = attendance_by_session(event, None)
    assert [(s, [(r.name, a.joins) for r, a in rows]) for s, rows in everyone] == [
        (first, [("Jürgen Größ", 1), ("Tamar Lomidze", 2)]),
        (second, [("Jürgen Größ", 1)]),
    ]
    [(_, tbilisi_rows), (_, tbilisi_second)] = attendance_by_session(event, {desks.tbilisi.id})
    assert [(r.id, a.first_joined_at, a.last_joined_at) for r, a in tbilisi_rows] == [
        (tamar.id, JOINED, JOINED + timedelta(minutes=40))
    ]
    assert tbilisi_second == []
    assert all(rows == [] for _, rows in attendance_by_session(event, set()))


def test_csv_columns(app, desks):
    event, tamar, jurgen, absent = attended(desks)
    assert attendance_headers(event) == [
        "Joined Workshop I (2030-10-07) (UTC)",
        "Joined session 2 (2030-10-14) (UTC)",
    ]
    assert attendance_columns(event, tamar) == ["2030-10-07T10:52:30Z", ""]
    assert attendance_columns(event, jurgen) == ["2030-10-07T10:55:30Z", "2030-10-14T11:00:00Z"]
    assert attendance_columns(event, absent) == ["", ""]


def test_coordinators_see_attendance_of_their_desk(app, client, login, desks, tbilisi_coordinator):
    event, *_ = attended(desks)
    login(tbilisi_coordinator)
    html = client.get(f"/dashboard/events/{event.id}/registrations").get_data(as_text=True)
    section = html[html.index('id="attendance-heading"') :]
    assert "Tamar Lomidze" in section
    assert "Jürgen Größ" not in section  # another desk's participant
    assert "Mon 7 Oct 2030, 12:52 CEST" in section
    csv = client.get(f"/dashboard/events/{event.id}/registrations.csv").get_data(as_text=True)
    assert "Joined Workshop I (2030-10-07) (UTC)" in csv
    assert "2030-10-07T10:52:30Z" in csv


def test_a_mark_by_hand_or_a_report_has_no_link_times(app, client, login, desks, tbilisi_coordinator):
    from app.calendar.attendance import mark_session
    from app.calendar.models import Attendance

    event, tamar, _jurgen, absent = attended(desks)
    second = event.sessions[1]
    mark_session(second, {absent.id}, None)
    db.session.commit()
    record = db.session.scalar(
        sa.select(Attendance).where(Attendance.registration_id == absent.id, Attendance.session_id == second.id)
    )
    assert (record.first_joined_at, record.last_joined_at, record.joins) == (None, None, 0)

    # Joining by the link afterwards gives the link's own times.
    access.record_attendance(absent, second, now=second.starts_at)
    db.session.commit()
    db.session.refresh(record)
    assert (record.first_joined_at, record.joins) == (second.starts_at, 1)

    login(tbilisi_coordinator)
    html = client.get(f"/dashboard/events/{event.id}/registrations").get_data(as_text=True)
    section = html[html.index('id="attendance-heading"') :]
    assert "access link, marked by hand" in section  # the sources as coordinators read them
