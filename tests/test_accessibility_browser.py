"""axe-core (WCAG 2.1 A and AA rules) in the system Chromium on the demo's pages: public pages, a
participant's personal page and confirmation page, and the dashboard's main pages.

axe-core is vendored as tests/vendor/axe.min.js (MPL-2.0, licence header kept in the file), so the run
needs no network. The app's CSP allows no foreign script, so the test context bypasses CSP to inject it.
"""

from pathlib import Path

import pytest

from app.locales import LANGUAGE_COOKIE
from app.seed import DEMO_ACCOUNTS, seed
from tests.conftest import BROWSER_TESTS
from tests.factories import personal_pages

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
  return result.violations.map(v => v.id + " (" + v.impact + "): " + v.nodes.map(n => n.target.join(" ")).join(", "));
}"""


# One database is enough for what a browser shows.
pytestmark = [*BROWSER_TESTS, pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)]


def violations(page, url: str) -> list[str]:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    page.add_script_tag(path=str(AXE))
    return page.evaluate(RUN_AXE, WCAG_21_AA)


@pytest.fixture
def demo(app):
    created = seed()
    personal, confirm = personal_pages(created["roundtable"])
    return {"events": created, "personal": personal, "confirm": confirm}


@pytest.fixture
def page(browser):
    context = browser.new_context(bypass_csp=True, timezone_id="Asia/Tbilisi")
    yield context.new_page()
    context.close()


def test_public_and_participant_pages_pass_axe(app, live_server, page, demo):
    events = demo["events"]
    paths = [
        "/",
        f"/events/{events['roundtable'].slug}",
        f"/events/{events['peer_exchange'].slug}",
        "/contact",
        "/calendar",
        "/privacy",
        "/login",
        demo["personal"],
        demo["confirm"],
    ]
    found = {path: violations(page, live_server + path) for path in paths}
    assert {path: found for path, found in found.items() if found} == {}


def test_personal_page_buttons_are_real_buttons(app, live_server, page, demo):
    # The demo participant registered in their own language: read the page in English by choice.
    page.context.add_cookies([{"name": LANGUAGE_COOKIE, "value": "en", "url": live_server}])
    page.goto(live_server + demo["personal"])
    for name in ("Cancel my registration", "Delete my data", "Save time zone"):
        button = page.get_by_role("button", name=name)
        style = button.evaluate(
            "b => { const s = getComputedStyle(b); return [s.color, s.fontSize, b.getBoundingClientRect().height]; }"
        )
        color, size, height = style
        assert color == "rgb(255, 255, 255)" or name == "Save time zone", (name, style)
        assert float(size.removesuffix("px")) >= 16, (name, style)
        assert height >= 36, (name, style)


def test_dashboard_pages_pass_axe(app, live_server, page, demo):
    email, _name, _position, _desks, _admin, password = next(a for a in DEMO_ACCOUNTS if a[4])
    page.goto(f"{live_server}/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("input[type=submit]")
    page.wait_for_selector("text=Welcome")
    event = demo["events"]["peer_exchange"]
    paths = [
        "/dashboard/",
        "/dashboard/events/",
        f"/dashboard/events/{event.id}",
        f"/dashboard/events/{event.id}/edit",
        f"/dashboard/events/{event.id}/registrations",
        "/dashboard/events/new",
        "/dashboard/inbox",
        "/dashboard/outbox",
        "/dashboard/desks",
        "/dashboard/coordinators",
    ]
    found = {path: violations(page, live_server + path) for path in paths}
    assert {path: found for path, found in found.items() if found} == {}
    # A link made a button ("Create an event") shows white text on the button's blue, not blue on blue.
    page.goto(f"{live_server}/dashboard/events/")
    colours = page.locator("a.button").first.evaluate(
        "a => { const s = getComputedStyle(a); return [s.color, s.backgroundColor]; }"
    )
    assert colours[0] == "rgb(255, 255, 255)" and colours[1] != colours[0], colours
