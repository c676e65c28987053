"""In Chromium, the whole life of a working group: a coordinator builds it in the dashboard (four 4-hour
workshops, participants choose sessions, at most two per municipality, a public category and an invitation-only
one, a long-text question and one asked only of speakers) and publishes it; a participant registers for three
workshops, confirms their address from the email, and gets one calendar invite per chosen workshop; a third
person from a municipality that already has two registrations is refused.
"""

import re
from datetime import datetime

import pytest
import sqlalchemy as sa
from icalendar import Calendar
from playwright.sync_api import expect

from app.events.models import Event
from app.extensions import db
from app.registrations.models import CONFIRMED, Registration
from tests.conftest import BROWSER_TESTS
from tests.factories import PASSWORD, outbox

pytestmark = BROWSER_TESTS

TITLE = "Working Group on Municipal Energy Transition 2027"
CHALLENGES = "Which challenges does your municipality face?"
TALK = "Title of your talk"
# (title, local start, local end) in Europe/Berlin: winter and summer time, so both offsets are exercised.
WORKSHOPS = [
    ("Heat planning", "2030-02-12T09:00", "2030-02-12T13:00"),
    ("Building renovation", "2030-03-12T09:00", "2030-03-12T13:00"),
    ("Renewable power and storage", "2030-04-09T09:00", "2030-04-09T13:00"),
    ("Financing the transition", "2030-05-14T09:00", "2030-05-14T13:00"),
]
CHOSEN = ["Heat planning", "Renewable power and storage", "Financing the transition"]


def flash(page, text: str) -> None:
    expect(page.locator(".flash-success")).to_contain_text(text)


def create_working_group(page, live_server: str, email: str) -> str:
    """Everything through the dashboard, as a coordinator clicks it; returns the public page's address."""
    page.goto(f"{live_server}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("input[type=submit]")
    expect(page.locator("h1")).to_contain_text("Welcome")

    page.get_by_role("navigation", name="Dashboard").get_by_role("link", name="Events").click()
    page.get_by_role("link", name="Create an event").click()
    page.fill("#title", TITLE)
    page.fill("#programme", "Municipal Energy Transition")
    expect(page.locator("#timezone")).to_have_value("Europe/Berlin")
    for index, (title, start, end) in enumerate(WORKSHOPS):
        if index:
            # The form grows one row per press (a round trip, so it works without JavaScript).
            page.get_by_role("button", name="Add another session").click()
            expect(page.locator(f"#sessions-{index}-title")).to_be_visible()
        page.fill(f"#sessions-{index}-title", title)
        page.fill(f"#sessions-{index}-local_start", start)
        page.fill(f"#sessions-{index}-local_end", end)
    page.fill("#capacity", "40")
    page.get_by_role("button", name="Save event").click()
    flash(page, "Event saved as a draft")

    page.get_by_role("link", name="Registration form and rules").click()
    page.fill("#rules-organisation_limit", "2")
    page.get_by_label("Refuse the registration, saying why").check()
    page.get_by_label("Participants choose their sessions").check()
    page.get_by_role("button", name="Save the rules").click()
    flash(page, "The registration rules are saved.")

    page.fill("#category-name", "Municipal participant")
    page.fill("#category-description", "Staff and elected members of a member municipality")
    page.get_by_role("button", name="Save the category").click()
    flash(page, "The category is saved.")
    page.fill("#category-name", "Speaker")
    page.check("#category-invitation_only")
    page.get_by_role("button", name="Save the category").click()
    flash(page, "The category is saved.")
    categories = page.locator("#categories table")
    expect(categories.locator("tr", has_text="Municipal participant")).to_contain_text("Public")
    expect(categories.locator("tr", has_text="Speaker")).to_contain_text("By invitation")

    page.fill("#question-label", CHALLENGES)
    page.select_option("#question-kind", "long_text")
    page.check("#question-required")
    page.get_by_role("button", name="Save the question").click()
    flash(page, "The question is saved.")
    page.fill("#question-label", TALK)
    page.select_option("#question-kind", "short_text")
    page.select_option("#question-category_ids", label="Speaker")
    page.get_by_role("button", name="Save the question").click()
    flash(page, "The question is saved.")
    expect(page.locator("#questions ol li")).to_have_count(2)

    page.get_by_role("link", name=f"← {TITLE}").click()
    page.get_by_role("button", name="Publish").click()
    flash(page, "The event is published.")
    return page.get_by_role("link", name="Public page").get_attribute("href")


def open_event_page(context, url: str):
    page = context.new_page()
    page.goto(url)
    # The first visit reloads once with the browser's zone; the form then offers it.
    expect(page.locator("#timezone")).to_have_value(re.compile(r"^Europe/(Kyiv|Kiev)$"))
    return page


def fill_registration(page, name: str, email: str, organisation: str, sessions: list[str]) -> None:
    page.fill("#name", name)
    page.fill("#email", email)
    page.fill("#organisation", organisation)
    page.select_option("#country", "UA")
    page.check("input[name=expert_type][value=international]")
    for title in sessions:
        page.locator("#session_ids").get_by_label(title).check()
    page.get_by_label(CHALLENGES).fill("Old district heating, and no staff for funding applications.")
    page.check("#consent")
    page.locator("#register").get_by_role("button", name="Register").click()


def confirm_from_email(page, live_server: str, email: str) -> None:
    """Open the link of the confirmation email, as the participant does, and press the button."""
    (message,) = [m for m in outbox("registration_confirm_email") if email in m.recipient]
    link = re.search(re.escape(live_server) + r"/r/confirm/\S+", message.text_body).group(0)
    db.session.rollback()  # no read transaction may stay open while the server writes to SQLite
    page.goto(link)
    page.get_by_role("button", name="Confirm my email address").click()
    expect(page.locator(".badge")).to_have_text("Confirmed")


def registration_by_email(email: str) -> Registration:
    return db.session.scalar(sa.select(Registration).where(Registration.email == email))


def request_events() -> list[tuple[str, str, str]]:
    """Every VEVENT in the outbox's METHOD:REQUEST parts: (recipient, METHOD, UID)."""
    found = []
    for message in outbox():
        if message.calendar_method != "REQUEST":
            continue
        calendar = Calendar.from_ical(message.calendar_ics)
        found += [(message.recipient, str(calendar["METHOD"]), str(e["UID"])) for e in calendar.walk("VEVENT")]
    return found


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_coordinator_builds_a_working_group_and_a_participant_registers_for_three_workshops(
    app, live_server, browser, tbilisi_coordinator
):
    email = tbilisi_coordinator.email
    db.session.rollback()  # no read transaction may stay open while the server writes to SQLite
    coordinator = browser.new_context(locale="en-GB", timezone_id="Europe/Berlin").new_page()
    public_url = live_server + create_working_group(coordinator, live_server, email)

    event = db.session.scalar(sa.select(Event).where(Event.title == TITLE))
    assert event.status == "published" and event.capacity == 40 and event.timezone == "Europe/Berlin"
    sessions = {s.title: s for s in event.sessions}
    assert list(sessions) == [title for title, _start, _end in WORKSHOPS]
    assert [(s.starts_at.replace(tzinfo=None), s.ends_at.replace(tzinfo=None)) for s in event.sessions] == [
        (datetime(2030, 2, 12, 8), datetime(2030, 2, 12, 12)),
        (datetime(2030, 3, 12, 8), datetime(2030, 3, 12, 12)),
        (datetime(2030, 4, 9, 7), datetime(2030, 4, 9, 11)),
        (datetime(2030, 5, 14, 7), datetime(2030, 5, 14, 11)),
    ]
    chosen_ids = {sessions[title].id for title in CHOSEN}
    skipped_id = sessions["Building renovation"].id
    db.session.rollback()

    participant = browser.new_context(locale="en-GB", timezone_id="Europe/Kyiv")
    page = open_event_page(participant, public_url)
    categories = page.locator("#category_id")
    expect(categories).not_to_contain_text("Speaker")
    expect(categories.get_by_label("Municipal participant")).to_be_checked()
    speaker_only = page.locator("[data-only-categories]")
    expect(speaker_only).to_have_count(1)
    expect(speaker_only).to_contain_text(TALK)
    expect(speaker_only).to_be_hidden()
    expect(speaker_only.locator("input")).to_be_disabled()
    expect(page.locator("#session_ids input[type=checkbox]")).to_have_count(4)

    fill_registration(page, "Olena Kovalenko", "olena.kovalenko@example.org", "Lviv City Council", CHOSEN)
    expect(page.locator("h1")).to_have_text("Check your email")
    confirm_from_email(page, live_server, "olena.kovalenko@example.org")
    for title in CHOSEN:
        expect(page.locator("#your-sessions ~ form").get_by_label(title)).to_be_checked()
    expect(page.locator("#your-sessions ~ form").get_by_label("Building renovation")).not_to_be_checked()
    participant.close()

    olena = registration_by_email("olena.kovalenko@example.org")
    assert olena.status == CONFIRMED
    assert olena.category.name == "Municipal participant"
    assert {c.session_id for c in olena.chosen} == chosen_ids
    assert {a.label for a in olena.answers} == {CHALLENGES}
    invites = request_events()
    assert len(invites) == 3, invites
    assert {(olena.email in recipient, method) for recipient, method, _uid in invites} == {(True, "REQUEST")}
    assert {uid.partition("@")[0] for _recipient, _method, uid in invites} == {
        f"{olena.calendar_uid}-{session_id}" for session_id in chosen_ids
    }
    assert not any(f"-{skipped_id}@" in uid for _recipient, _method, uid in invites)
    db.session.rollback()

    colleague = browser.new_context(locale="en-GB", timezone_id="Europe/Kyiv")
    page = open_event_page(colleague, public_url)
    fill_registration(page, "Taras Melnyk", "taras.melnyk@example.org", "lviv city council", CHOSEN[:2])
    expect(page.locator("h1")).to_have_text("Check your email")
    confirm_from_email(page, live_server, "taras.melnyk@example.org")
    colleague.close()

    # "Lviv  City council" is the same municipality: capitals and spaces do not count.
    third = browser.new_context(locale="en-GB", timezone_id="Europe/Kyiv")
    page = open_event_page(third, public_url)
    fill_registration(page, "Iryna Bondar", "iryna.bondar@example.org", "Lviv  City council", CHOSEN[:1])
    expect(page.locator("#organisation-error")).to_contain_text("already has 2 registrations")
    third.close()

    confirmed = db.session.scalars(
        sa.select(Registration.email).where(Registration.event_id == event.id, Registration.status == CONFIRMED)
    ).all()
    assert sorted(confirmed) == ["olena.kovalenko@example.org", "taras.melnyk@example.org"]
    assert registration_by_email("iryna.bondar@example.org") is None
    assert not [m for m in outbox() if "iryna.bondar@example.org" in m.recipient]
    db.session.rollback()
