"""In Chromium: controls that belong together sit together, and the header keeps one row at 1280 px."""

import pytest

from app.extensions import db
from app.locales import LANGUAGE_COOKIE, LANGUAGES
from app.registrations import services as registration_services
from tests.calendar_support import make_registration
from tests.conftest import BROWSER_TESTS
from tests.factories import PASSWORD, make_event

# One database is enough for what a browser shows.
pytestmark = [*BROWSER_TESTS, pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)]

BOX = "e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; }"


def box(locator) -> list[float]:
    return locator.evaluate(BOX)


@pytest.mark.parametrize("language", ["en", "ka"])
def test_personal_page_buttons_sit_next_to_their_controls(app, live_server, browser, desks, language):
    event = make_event(desks.tbilisi)
    registration = make_registration(event, zone="Asia/Tbilisi")
    registration.language = language
    token = registration_services.new_manage_token(registration)
    db.session.commit()
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.context.add_cookies([{"name": LANGUAGE_COOKIE, "value": language, "url": live_server}])
    page.goto(f"{live_server}/r/{token}")

    for form in ("timezone", "language"):
        control = box(page.locator(f"form[action$='/{token}/{form}'] :is(input[type=text], select)"))
        button = box(page.locator(f"form[action$='/{token}/{form}'] [type=submit]"))
        assert 0 <= button[0] - control[2] <= 24, (form, control, button)  # right after it, on its row
        assert button[1] < control[3] and control[1] < button[3], (form, control, button)


@pytest.mark.app_config(DEV_MAILBOX=True)
@pytest.mark.parametrize("signed_in", [False, True])
def test_the_header_keeps_one_row_at_1280_pixels_in_every_language(app, live_server, browser, admin, signed_in):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    if signed_in:  # a coordinator's menu is longer: Dashboard, Log out
        email = admin.email
        db.session.rollback()  # no transaction of the test's may hold SQLite's write lock while the app logs in
        page.goto(f"{live_server}/login")
        page.fill("#email", email)
        page.fill("#password", PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_url(f"{live_server}/dashboard/**")
    for language in LANGUAGES:
        page.context.add_cookies([{"name": LANGUAGE_COOKIE, "value": language, "url": live_server}])
        page.goto(live_server + "/")
        assert page.locator(".nav .dev-link a").count() == 1
        brand = box(page.locator(".header-row .brand"))
        last = (".nav li:first-child", ".nav li:last-child", "#language-switcher", ".language-switcher button")
        items = [box(page.locator(selector)) for selector in last]
        # Everything on the brand's row.
        assert all(top < brand[3] and brand[1] < bottom for _left, top, _right, bottom in items), (language, items)
        # The menu's label is for screen readers: the select still has its accessible name.
        label = page.locator("label[for=language-switcher]").text_content()
        assert page.get_by_label(label, exact=True).count() == 1
