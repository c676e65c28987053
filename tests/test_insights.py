"""Dashboard charts as accessible SVG with a table alternative; the demo's working group with its attendance,
feedback and certificates reachable from the dashboard."""

import re
from datetime import date

import sqlalchemy as sa

from app.dashboard.insights import registrations_over_time
from app.extensions import db
from app.participation.models import Certificate
from tests.participation_support import working_group


def test_charts_are_svg_with_title_desc_and_a_table(app, client, login, desks, admin):
    group = working_group(desks)
    login(admin)
    html = client.get(f"/dashboard/events/{group.event.id}/charts").get_data(as_text=True)
    svgs = re.findall(r"<svg[^>]*>.*?</svg>", html, re.S)
    assert len(svgs) >= 4  # over time, country, category, status (attendance and ratings are empty)
    for svg in svgs:
        assert 'role="img"' in svg and "<title" in svg and "<desc" in svg
    assert "Registrations by country" in html
    assert html.count("Show as a table") == 6
    # The table alternative carries the numbers: four confirmed and one cancelled.
    status_table = html[html.index('id="by-status-caption"') :]
    assert re.search(r"<th scope=\"row\">Confirmed</th><td>4</td>", status_table)
    assert "<script" not in "".join(svgs)


def test_charts_need_a_login(app, client, desks):
    group = working_group(desks)
    assert client.get(f"/dashboard/events/{group.event.id}/charts").status_code == 302


def test_registrations_over_time_by_week_then_by_month():
    weekly = registrations_over_time([date(2026, 3, 2), date(2026, 3, 4), date(2026, 3, 17)])
    assert weekly == [("week of 2026-03-02", 2), ("week of 2026-03-09", 0), ("week of 2026-03-16", 1)]
    monthly = registrations_over_time([date(2021, 9, 1), date(2021, 9, 30), date(2022, 4, 5)])
    assert monthly[0] == ("2021-09", 2) and monthly[-1] == ("2022-04", 1)
    assert [label for label, _n in monthly][3:5] == ["2021-12", "2022-01"] and len(monthly) == 8
    assert registrations_over_time([]) == []


def test_demo_has_the_working_groups_attendance_feedback_and_certificates(app, client, login, runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    certificates = db.session.scalars(sa.select(Certificate)).all()
    assert "ნინო ქავთარაძე" in {c.name for c in certificates}
    assert "ირაკლი სამხარაძე" not in {c.name for c in certificates}  # he reaches 3 of 4 with Workshop IV's report

    from app.accounts.models import Coordinator

    admin = db.session.scalar(sa.select(Coordinator).where(Coordinator.email == "admin@eventdesk.example"))
    client.post("/login", data={"email": admin.email, "password": "demo-admin-2026"})
    event_id = certificates[0].event_id
    page = client.get(f"/dashboard/events/{event_id}").get_data(as_text=True)
    assert f"/dashboard/events/{event_id}/certificates" in page
    listing = client.get(f"/dashboard/events/{event_id}/certificates").get_data(as_text=True)
    code = next(c.code for c in certificates if c.name == "ნინო ქავთარაძე")
    assert f"/certificates/{code}" in listing
    verification = client.get(f"/certificates/{code}").get_data(as_text=True)
    assert "Valid." in verification and "ნინო ქავთარაძე" in verification
    feedback = client.get(f"/dashboard/events/{event_id}/feedback").get_data(as_text=True)
    assert "7 responses" in feedback and "A network of peers I can call." in feedback
    attendance = client.get(f"/dashboard/events/{event_id}/attendance").get_data(as_text=True)
    assert "platform report" in attendance and "marked by hand" in attendance and "access link" in attendance
