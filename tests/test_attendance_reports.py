"""Attendance from three sources: Zoom and Teams reports (matched by email, by name after review, unmatched
reported), marks by hand, and what the CSV export and the participant's data download show."""

import io
import json
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.calendar import access, attendance, reports
from app.calendar.models import Attendance, AttendanceImport
from app.extensions import db
from app.registrations import services as registrations
from tests.participation_support import fixture, working_group


def record(registration, session) -> Attendance | None:
    db.session.expire_all()
    return db.session.scalar(
        sa.select(Attendance).where(Attendance.registration_id == registration.id, Attendance.session_id == session.id)
    )


def test_zoom_report_rejoins_add_up_and_duplicates_count_once():
    report = reports.parse_report(fixture("zoom_participants.csv"), "Europe/Belgrade")
    assert report.platform == reports.ZOOM
    people = {p.name: p for p in report.people}
    tamar = people["Tamar Lomidze"]
    # 92 + 136 minutes; the row exported twice counts once.
    assert (tamar.minutes, tamar.duplicates, len(tamar.lines)) == (228, 1, 3)
    assert tamar.email == "tamar@example.org"
    # 08:58:12 in Belgrade (CEST) is 06:58:12 UTC.
    assert tamar.joined_at == datetime(2021, 9, 21, 6, 58, 12, tzinfo=UTC)
    assert people["Irakli Samkharadze (ირაკლი სამხარაძე)"].email == ""
    assert "Nino Beridze (Host)" in people  # the meeting block above the table is not a participant


def test_teams_report_in_utf16_with_tabs_and_a_summary_block():
    data = fixture("teams_attendance.csv")
    assert data.startswith(b"\xff\xfe")
    report = reports.parse_report(data, "Europe/Belgrade")
    assert report.platform == reports.TEAMS
    people = {p.name: p for p in report.people}
    assert set(people) == {"Nino Beridze", "Tamar Lomidze", "Jürgen Größ", "Олена Коваленко"}  # not the activities
    assert people["Tamar Lomidze"].minutes == 239  # 3h 58m 59s
    assert people["Jürgen Größ"].minutes == 120
    assert people["Олена Коваленко"].joined_at == datetime(2021, 10, 5, 7, 10, tzinfo=UTC)


def test_durations_and_encodings():
    assert reports.parse_minutes("1h 2m 30s") == pytest.approx(62.5)
    assert reports.parse_minutes("01:02:30") == pytest.approx(62.5)
    assert reports.parse_minutes("45") == 45
    assert reports.parse_minutes("soon") is None
    text = "Name\tDuration\nЖурген\t12\n"
    for encoded in (text.encode("utf-16-le"), text.encode("utf-16-be"), text.encode("utf-8-sig"), text.encode()):
        assert [p.name for p in reports.parse_report(encoded, "UTC").people] == ["Журген"]
    assert reports.parse_report("Name;Duration\nÇelik;5\n".encode("cp1252"), "UTC").people[0].name == "Çelik"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"\x00\x01\x02\x03garbage\x00\xff" * 20, "not a text file"),
        (b"just,some,columns\n1,2,3\n", "No participants table"),
        (b"Name,Duration (Minutes)\n", "no rows"),
        (b"Name,Duration (Minutes)\nTamar,many\n", "Line 2"),
        (b"Name,Duration\n" + b"x,1\n" * 300_000, "larger than 1 MB"),
    ],
)
def test_malformed_reports_are_refused_with_a_clear_message(data, message):
    with pytest.raises(reports.ReportError) as caught:
        reports.parse_report(data, "UTC")
    assert message in caught.value.message
    assert caught.value.fields == {"report": caught.value.message}


def test_matching_by_email_then_name_for_review_and_unmatched_reported(app, desks):
    group = working_group(desks)
    first = group.event.sessions[0]
    imported = attendance.start_import(first, fixture("zoom_participants.csv"), "zoom.csv", None)
    db.session.commit()
    kinds = {m.name: (m.kind, m.registration_id) for m in attendance.import_matches(imported)}
    assert kinds["Tamar Lomidze"] == (attendance.MATCH_EMAIL, group.tamar.id)
    assert kinds["Irakli Samkharadze (ირაკლი სამხარაძე)"] == (attendance.MATCH_NAME, group.irakli.id)
    assert kinds["Unknown Caller"] == (attendance.MATCH_NONE, None)
    assert kinds["iPhone"] == (attendance.MATCH_NONE, None)
    assert kinds["Nino Beridze (Host)"] == (attendance.MATCH_NONE, None)
    # Nothing is recorded before the coordinator applies the import.
    assert record(group.tamar, first) is None

    # Applied without confirming the name match: only the email match is recorded.
    assert attendance.apply_import(imported, set(), None) == 1
    db.session.commit()
    tamar = record(group.tamar, first)
    assert (tamar.sources, tamar.minutes) == (["report"], 228)
    assert record(group.irakli, first) is None

    # The same report again, this time confirming the name match: minutes are replaced, not added.
    again = attendance.start_import(first, fixture("zoom_participants.csv"), "zoom.csv", None)
    assert attendance.apply_import(again, {group.irakli.id}, None) == 2
    db.session.commit()
    assert record(group.tamar, first).minutes == 228
    assert record(group.irakli, first).minutes == 236
    with pytest.raises(Exception, match="already been applied"):
        attendance.apply_import(again, set(), None)


def test_cancelled_and_other_desks_are_not_matched(app, desks):
    group = working_group(desks)
    second = group.event.sessions[1]
    data = "Name,User Email,Duration (Minutes)\nAna Cancelled,ana@example.org,50\nJürgen Größ,jurgen@example.org,60\n"
    imported = attendance.start_import(second, data.encode(), "r.csv", {desks.tbilisi.id})
    kinds = {m.name: m.kind for m in attendance.import_matches(imported)}
    assert kinds == {"Ana Cancelled": attendance.MATCH_NOT_CONFIRMED, "Jürgen Größ": attendance.MATCH_NONE}


def test_link_and_hand_and_report_merge(app, desks):
    group = working_group(desks)
    first = group.event.sessions[0]
    access.record_attendance(group.tamar, first, now=first.starts_at)
    attendance.mark_session(first, {group.tamar.id, group.olena.id}, None)
    db.session.commit()
    tamar = record(group.tamar, first)
    assert tamar.sources == ["link", "manual"]
    assert tamar.joined_at == first.starts_at
    # Unticking removes only the mark by hand; a row with no source left disappears.
    attendance.mark_session(first, set(), None)
    db.session.commit()
    assert record(group.tamar, first).sources == ["link"]
    assert record(group.olena, first) is None
    # The access link after a mark by hand keeps both.
    attendance.mark_session(first, {group.olena.id}, None)
    access.record_attendance(group.olena, first, now=first.starts_at)
    db.session.commit()
    assert record(group.olena, first).sources == ["link", "manual"]
    # A cancelled participant is never marked present.
    attendance.mark_session(first, {group.cancelled.id}, None)
    db.session.commit()
    assert record(group.cancelled, first) is None


def test_upload_review_and_apply_through_the_dashboard(app, client, login, desks, tbilisi_coordinator):
    group = working_group(desks)
    second = group.event.sessions[1]
    login(tbilisi_coordinator)
    page = client.get(f"/dashboard/events/{group.event.id}/attendance")
    assert page.status_code == 200
    response = client.post(
        f"/dashboard/events/{group.event.id}/attendance/report",
        data={"session_id": str(second.id), "report": (io.BytesIO(fixture("teams_attendance.csv")), "teams.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    review = client.get(response.headers["Location"]).get_data(as_text=True)
    # Jürgen is routed to the Germany desk: not matched by a Tbilisi coordinator.
    assert "Matched by email address (1)" in review
    assert "Matched by name only: please check (1)" in review
    assert "Олена Коваленко" in review
    assert "Not matched (2)" in review
    imported = db.session.scalar(sa.select(AttendanceImport))
    response = client.post(f"/dashboard/attendance-imports/{imported.id}/apply", data={"confirm": str(group.olena.id)})
    assert response.status_code == 302
    assert record(group.tamar, second).minutes == 239
    assert record(group.olena, second).minutes == 50
    assert record(group.jurgen, second) is None


@pytest.mark.parametrize(
    "data", [b"", b"\x00\x00\x00\x00\x00\x00", b"%PDF-1.4 binary", b"Name,Duration\nx,?\n", b"\xff\xfe\x00"]
)
def test_malformed_upload_is_a_form_error_never_a_500(app, client, login, desks, tbilisi_coordinator, data):
    group = working_group(desks)
    login(tbilisi_coordinator)
    response = client.post(
        f"/dashboard/events/{group.event.id}/attendance/report",
        data={"session_id": str(group.event.sessions[0].id), "report": (io.BytesIO(data), "report.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert 'class="error"' in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AttendanceImport)) == 0


def test_marking_by_hand_without_javascript(app, client, login, desks, tbilisi_coordinator):
    group = working_group(desks)
    third = group.event.sessions[2]
    login(tbilisi_coordinator)
    page = client.get(f"/dashboard/events/{group.event.id}/attendance").get_data(as_text=True)
    assert f'name="present" value="{group.tamar.id}"' in page
    assert f'name="present" value="{group.jurgen.id}"' not in page  # another desk
    response = client.post(
        f"/dashboard/events/{group.event.id}/sessions/{third.id}/attendance",
        data={"present": [str(group.tamar.id), str(group.jurgen.id), "junk"]},
    )
    assert response.status_code == 302
    assert record(group.tamar, third).marked_present
    assert record(group.jurgen, third) is None  # not the coordinator's to mark


def test_attendance_in_the_csv_export_and_the_data_download(app, client, login, desks, admin):
    group = working_group(desks)
    first, second = group.event.sessions[:2]
    attendance.mark_session(first, {group.tamar.id}, None)
    imported = attendance.start_import(second, fixture("teams_attendance.csv"), "t.csv", None)
    attendance.apply_import(imported, set(), None)
    db.session.commit()
    login(admin)
    csv = client.get(f"/dashboard/events/{group.event.id}/registrations.csv").get_data(as_text=True)
    header, *rows = csv.splitlines()
    assert "Attended Workshop I: Ideation (sources)" in header
    assert "Minutes in total" in header
    tamar_row = next(r for r in rows if r.startswith("Tamar Lomidze"))
    assert "manual" in tamar_row and "report" in tamar_row and ",239," in tamar_row

    token = registrations.new_manage_token(group.tamar)
    db.session.commit()
    data = json.loads(client.get(f"/r/{token}/data.json").get_data(as_text=True))
    sessions = data["attendance"]
    assert [s["attended"] for s in sessions] == [True, True, False, False]
    assert sessions[0]["sources"] == ["manual"]
    assert sessions[1]["minutes"] == 239


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.one_of(st.binary(max_size=3000), st.text(max_size=2000).map(lambda t: t.encode("utf-8"))))
def test_any_bytes_give_a_report_or_a_clear_refusal(data):
    header = b"Name,User Email,Join Time,Leave Time,Duration (Minutes)\n"
    for candidate in (data, header + data):
        try:
            report = reports.parse_report(candidate, "Europe/Belgrade")
        except reports.ReportError as error:
            assert error.fields.get("report")
        else:
            assert report.people and all(p.name and p.minutes >= 0 for p in report.people)


def test_a_huge_field_is_refused_not_a_crash():
    data = b"Name,Duration (Minutes)\n" + b'"' + b"x" * 200_000 + b'",5\n'
    with pytest.raises(reports.ReportError, match="not a valid CSV"):
        reports.parse_report(data, "UTC")


def test_when_participants_choose_sessions_each_list_holds_those_who_chose_it(app, desks):
    from app.registrations.models import ChosenSession, RegistrationRules

    group = working_group(desks)
    first, second = group.event.sessions[:2]
    # As if the event had let participants choose from the start (the rule cannot change once people registered).
    db.session.add(RegistrationRules(event_id=group.event.id, over_limit="refuse", session_choice=True))
    for person, session in ((group.tamar, first), (group.olena, second), (group.irakli, first)):
        person.chosen = [ChosenSession(session_id=session.id)]
    db.session.commit()
    assert [r.name for r, _record in attendance.marking_list(first, None)] == ["Tamar Lomidze", "ირაკლი სამხარაძე"]
    assert [r.name for r, _record in attendance.marking_list(second, None)] == ["Олена Коваленко"]
    # Someone present at a session they did not choose (a report, the access link) is still listed.
    access.record_attendance(group.olena, first, now=first.starts_at)
    db.session.commit()
    assert "Олена Коваленко" in [r.name for r, _record in attendance.marking_list(first, None)]
    # Ticking a person who did not choose the session marks nobody.
    assert attendance.mark_session(second, {group.tamar.id}, None) == (0, 0)
