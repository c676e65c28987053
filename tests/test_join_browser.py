"""The access-link page in the system Chromium: its countdown script runs under the CSP and opens the meeting."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.calendar import invites
from app.calendar.models import Attendance
from app.extensions import db
from app.types import utcnow
from tests import factories
from tests.calendar_support import make_registration
from tests.conftest import BROWSER_TESTS

pytestmark = BROWSER_TESTS


@pytest.fixture
def page(browser):
    return browser.new_context(timezone_id="Asia/Tbilisi").new_page()


def test_the_countdown_page_opens_the_meeting_when_the_window_opens(app, live_server, page, desks):
    # The window (15 minutes before the start) opens some seconds from now: time enough for the page to load
    # first on a busy machine.
    start = (utcnow() + timedelta(minutes=15, seconds=20)).replace(tzinfo=None, microsecond=0)
    meeting = f"{live_server}/calendar"
    event = factories.make_event(
        desks.germany, zone="UTC", sessions=((start, start + timedelta(hours=1)),), meeting_url=meeting
    )
    registration = make_registration(event)
    join = invites.access_link(registration)
    registration_id = registration.id
    db.session.commit()  # no transaction of the test may hold SQLite's write lock while the server runs

    problems = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(join)
    assert page.locator(".countdown").inner_text().startswith("Starts in 15 minutes")
    page.wait_for_url(meeting, timeout=60_000)
    assert problems == []

    db.session.expire_all()
    [attendance] = db.session.scalars(sa.select(Attendance)).all()
    assert attendance.registration_id == registration_id
    db.session.commit()
