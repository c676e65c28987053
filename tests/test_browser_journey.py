"""The whole journey in the system Chromium: register, confirm from the delivered email, approve, confirmed."""

import re

from app.extensions import db
from app.mail.worker import drain
from tests.conftest import BROWSER_TESTS
from tests.factories import make_event

pytestmark = BROWSER_TESTS


def deliver_mail(app):
    with app.app_context():
        drain()
        db.session.remove()


def test_register_confirm_approve_journey(app, live_server, browser, smtp_server, tbilisi_coordinator, desks):
    event = make_event(desks.germany, title="Smart Mobility Peer Exchange", approval_required=True, capacity=5)
    slug, event_id, coordinator_email = event.slug, event.id, tbilisi_coordinator.email
    db.session.commit()  # end the test's transaction: on SQLite it would hold the lock the server needs

    participant = browser.new_context(timezone_id="Asia/Tbilisi").new_page()
    participant.goto(f"{live_server}/events/{slug}")
    participant.wait_for_load_state("networkidle")
    assert "in Tbilisi (GMT+4)" in participant.content()  # the browser's own zone, picked up by the script
    participant.fill("#name", "ნინო ბერიძე")
    participant.fill("#email", "nino.participant@example.ge")
    participant.fill("#organisation", "Rustavi City Hall")
    participant.select_option("#country", "GE")
    participant.fill("#position", "Head of IT")
    participant.check("input[name=expert_type][value=international]")
    assert participant.input_value("#timezone") == "Asia/Tbilisi"
    participant.check("#consent")
    participant.click("button:has-text('Register')")
    participant.wait_for_selector("text=Check your email")

    deliver_mail(app)
    confirm_mail = next(m for m in smtp_server.messages if "confirm your email" in m["Subject"].lower())
    text = confirm_mail.get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"http://127\.0\.0\.1:\d+/r/confirm/\S+", text).group(0)
    participant.goto(link)
    participant.get_by_role("button", name="Confirm my email address").click()
    participant.wait_for_selector("text=Awaiting approval")
    personal_page = participant.url

    coordinator = browser.new_context().new_page()
    coordinator.goto(f"{live_server}/login")
    coordinator.fill("#email", coordinator_email)
    coordinator.fill("#password", "correct horse battery")
    coordinator.click("input[type=submit]")
    coordinator.wait_for_selector("text=Welcome")
    coordinator.goto(f"{live_server}/dashboard/events/{event_id}/registrations")
    assert "ნინო ბერიძე" in coordinator.content()
    coordinator.click("td button:has-text('Approve')")
    coordinator.wait_for_selector("text=is confirmed and receives the access link")

    participant.goto(personal_page)
    assert "Confirmed" in participant.inner_text(".badge")
    deliver_mail(app)
    confirmed = [m for m in smtp_server.messages if "You are registered" in m["Subject"]]
    assert len(confirmed) == 1
