"""Trust at the edge: proxies, login limits, sessions, hostile input, headers on token URLs."""

import pytest
import sqlalchemy as sa
from flask import g

from app.extensions import db
from app.tokens import hash_token
from tests.contact_support import contact_form

# --- 2. Behind a reverse proxy -----------------------------------------------------------------------

PROXY = {"REMOTE_ADDR": "127.0.0.1"}


@pytest.mark.app_config(RATELIMIT_ENABLED=True, TRUSTED_PROXY_COUNT=1, CONTACT_RATE_LIMIT="2 per hour")
def test_behind_a_trusted_proxy_each_client_has_its_own_limit(client, desks, tbilisi_coordinator):
    for n in range(4):
        response = client.post(
            "/contact",
            data=contact_form(email=f"person{n}@example.org"),
            environ_base=PROXY,
            headers={"X-Forwarded-For": f"198.51.100.{n}"},
        )
        assert response.status_code == 302
    # One client still has its own limit.
    codes = [
        client.post(
            "/contact",
            data=contact_form(email=f"again{n}@example.org"),
            environ_base=PROXY,
            headers={"X-Forwarded-For": "198.51.100.0"},
        ).status_code
        for n in range(2)
    ]
    assert codes == [302, 429]


@pytest.mark.app_config(RATELIMIT_ENABLED=True, CONTACT_RATE_LIMIT="2 per hour")
def test_by_default_forwarded_headers_are_not_trusted(client, desks, tbilisi_coordinator):
    codes = [
        client.post(
            "/contact",
            data=contact_form(email=f"person{n}@example.org"),
            environ_base={"REMOTE_ADDR": "192.0.2.5"},
            headers={"X-Forwarded-For": f"198.51.100.{n}"},
        ).status_code
        for n in range(3)
    ]
    assert codes == [302, 302, 429]


@pytest.mark.app_config(RATELIMIT_ENABLED=True, TRUSTED_PROXY_COUNT=1)
def test_failed_logins_behind_a_proxy_count_per_client(client, tbilisi_coordinator):
    def attempt(client_address: str, password: str) -> int:
        return client.post(
            "/login",
            data={"email": tbilisi_coordinator.email, "password": password},
            environ_base=PROXY,
            headers={"X-Forwarded-For": client_address},
        ).status_code

    assert [attempt("198.51.100.66", "wrong password") for _ in range(6)] == [200] * 5 + [429]
    assert attempt("198.51.100.7", "correct horse battery") == 302


@pytest.mark.parametrize("proxies", [0, 1, 2])
@pytest.mark.parametrize(
    ("peer", "headers"),
    [
        ("127.0.0.1", {"X-Forwarded-For": "203.0.113.9"}),  # a proxy on this machine passing a stranger on
        ("127.0.0.1", {"Forwarded": "for=203.0.113.9"}),
        ("127.0.0.1", {"X-Real-IP": "203.0.113.9"}),
        ("203.0.113.9", {"X-Forwarded-For": "127.0.0.1"}),  # a stranger claiming to be this machine
        ("203.0.113.9", {"X-Forwarded-For": "127.0.0.1, 127.0.0.1"}),
        ("203.0.113.9", {}),
    ],
)
def test_dev_mailbox_is_for_this_machine_in_every_configuration(app, database_url, tmp_path, proxies, peer, headers):
    from app import create_app

    mailbox_app = create_app(
        "testing",
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "DEV_MAILBOX": True,
            "MAILBOX_DIR": str(tmp_path / "mailbox"),
            "TRUSTED_PROXY_COUNT": proxies,
        },
    )
    with mailbox_app.test_client() as browser:
        assert browser.get("/dev/mailbox/", environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code == 200
        assert browser.get("/dev/mailbox/", environ_base={"REMOTE_ADDR": peer}, headers=headers).status_code == 404


# --- 3. Failed logins cannot lock a coordinator out ---------------------------------------------------


def _login(client, coordinator, password: str, address: str) -> int:
    return client.post(
        "/login", data={"email": coordinator.email, "password": password}, environ_base={"REMOTE_ADDR": address}
    ).status_code


@pytest.mark.app_config(RATELIMIT_ENABLED=True)
def test_strangers_cannot_lock_the_administrator_out(app, client, admin):
    attackers = [f"203.0.113.{n}" for n in range(1, 6)]
    codes = [_login(client, admin, "wrong password", address) for address in attackers for _ in range(4)]
    assert codes == [200] * 20

    # The account is under attack: the attackers' addresses wait, even with the right password...
    assert _login(client, admin, "correct horse battery", attackers[0]) == 429
    # ...a new address gets one guess...
    assert _login(client, admin, "another wrong one", "198.51.100.50") == 429
    assert _login(client, admin, "correct horse battery", "198.51.100.50") == 429
    # ...and the administrator, from a clean address with the right password, gets in.
    assert _login(client, admin, "correct horse battery", "192.0.2.44") == 302


@pytest.mark.app_config(RATELIMIT_ENABLED=True)
def test_a_successful_login_is_not_counted_as_a_failure(client, tbilisi_coordinator):
    for _ in range(8):
        assert _login(client, tbilisi_coordinator, "correct horse battery", "192.0.2.1") == 302
        client.post("/logout")
    assert [_login(client, tbilisi_coordinator, "nope", "192.0.2.1") for _ in range(6)] == [200] * 5 + [429]


# --- 15. HSTS in production; token URLs never leak, whatever the answer -------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/r/not-a-real-token"),
        ("GET", "/r/not-a-real-token/cancel"),  # 405
        ("PUT", "/r/not-a-real-token"),  # 405
        ("GET", "/r/confirm/not-a-real-token"),
        ("DELETE", "/r/confirm/not-a-real-token"),  # 405
        ("GET", "/join/not-a-real-token"),
        ("POST", "/join/not-a-real-token"),  # 405
        ("GET", "/join/not-a-real-token/calendar.ics"),
        ("GET", "/r/not-a-real-token/nothing-here"),  # 404 from routing
    ],
)
def test_every_answer_under_a_token_url_is_no_store_and_no_referrer(client, desks, method, path):
    response = client.open(path, method=method)
    assert response.status_code in (404, 405, 410)
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"


def test_production_sends_hsts_and_development_does_not(app, database_url, monkeypatch):
    from app import create_app
    from config import ProductionConfig

    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "x" * 40)
    production = create_app("production", {"SQLALCHEMY_DATABASE_URI": database_url})
    response = production.test_client().get("/privacy")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"

    assert "Strict-Transport-Security" not in app.test_client().get("/privacy").headers


# --- 10. Sessions can be revoked; remember tokens are random, hashed, rotated -----------------------------


def visit(browser, method: str, path: str, **options):
    """A request from ``browser``. The test's app context (and so ``g``) outlives each request here, and
    Flask-Login keeps the user it loaded in ``g``: forget it, so that every browser is judged by its cookies."""
    g.pop("_login_user", None)
    return browser.open(path, method=method, **options)


def _session_cookie(client) -> str:
    return client.get_cookie("session").value


def test_a_copied_session_cookie_stops_working_after_logout(app, client, login, tbilisi_coordinator):
    visit(client, "POST", "/login", data={"email": tbilisi_coordinator.email, "password": "correct horse battery"})
    copied = _session_cookie(client)
    assert visit(client, "POST", "/logout").status_code == 302

    other = app.test_client()
    other.set_cookie("session", copied)
    assert visit(other, "GET", "/dashboard/").status_code == 302  # back to the login page


def test_logout_ends_the_sessions_on_every_device(app, client, login, tbilisi_coordinator):
    laptop = app.test_client()
    assert (
        visit(
            laptop, "POST", "/login", data={"email": tbilisi_coordinator.email, "password": "correct horse battery"}
        ).status_code
        == 302
    )
    visit(client, "POST", "/login", data={"email": tbilisi_coordinator.email, "password": "correct horse battery"})
    visit(client, "POST", "/logout")
    assert visit(laptop, "GET", "/dashboard/").status_code == 302


def test_a_password_change_ends_every_session_but_the_admins_own(app, client, login, admin, tbilisi_coordinator):
    from app.accounts.models import Coordinator

    phone = app.test_client()
    assert (
        visit(
            phone, "POST", "/login", data={"email": tbilisi_coordinator.email, "password": "correct horse battery"}
        ).status_code
        == 302
    )
    assert visit(phone, "GET", "/dashboard/").status_code == 200

    visit(client, "POST", "/login", data={"email": admin.email, "password": "correct horse battery"})
    response = visit(
        client,
        "POST",
        f"/dashboard/coordinators/{tbilisi_coordinator.id}",
        data={
            "name": "Nino Beridze",
            "email": tbilisi_coordinator.email,
            "active": "y",
            "password": "a brand new password",
        },
    )
    assert response.status_code == 302
    assert visit(phone, "GET", "/dashboard/").status_code == 302

    # The administrator changing their own password stays logged in here, and nowhere else.
    other_admin_browser = app.test_client()
    visit(other_admin_browser, "POST", "/login", data={"email": admin.email, "password": "correct horse battery"})
    visit(
        client,
        "POST",
        f"/dashboard/coordinators/{admin.id}",
        data={
            "name": "Ada Admin",
            "email": admin.email,
            "admin": "y",
            "active": "y",
            "password": "my own new password",
        },
    )
    assert visit(client, "GET", "/dashboard/").status_code == 200
    assert visit(other_admin_browser, "GET", "/dashboard/").status_code == 302
    assert db.session.get(Coordinator, admin.id) is not None


def test_remember_tokens_are_random_hashed_rotated_and_end_with_logout(app, tbilisi_coordinator):
    from app.accounts.models import RememberToken
    from app.accounts.remember import COOKIE

    def remembered_login():
        browser = app.test_client()
        response = visit(
            browser,
            "POST",
            "/login",
            data={"email": tbilisi_coordinator.email, "password": "correct horse battery", "remember": "y"},
        )
        assert response.status_code == 302
        set_cookie = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{COOKIE}=")]
        assert len(set_cookie) == 1 and "SameSite=Lax" in set_cookie[0] and "HttpOnly" in set_cookie[0]
        return browser, browser.get_cookie(COOKIE).value

    first_browser, first = remembered_login()
    _, second = remembered_login()
    assert first != second  # random, not derived from the account
    stored = {t.token_hash for t in db.session.scalars(sa.select(RememberToken))}
    assert first not in stored and hash_token(first) in stored

    # A browser that lost its session comes back with the cookie: logged in, and the token is replaced.
    returning = app.test_client()
    returning.set_cookie(COOKIE, first)
    assert visit(returning, "GET", "/dashboard/").status_code == 200
    rotated = returning.get_cookie(COOKIE).value
    assert rotated != first
    # The old token works no more.
    thief = app.test_client()
    thief.set_cookie(COOKIE, first)
    assert visit(thief, "GET", "/dashboard/").status_code == 302

    # Logout ends every remember token of the account, on every device.
    assert visit(returning, "POST", "/logout").status_code == 302
    assert returning.get_cookie(COOKIE) is None
    for token in (rotated, second):
        later = app.test_client()
        later.set_cookie(COOKIE, token)
        assert visit(later, "GET", "/dashboard/").status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RememberToken)) == 0


def test_a_password_change_ends_remember_tokens(app, client, login, admin, tbilisi_coordinator):
    from app.accounts.remember import COOKIE

    browser = app.test_client()
    visit(
        browser,
        "POST",
        "/login",
        data={"email": tbilisi_coordinator.email, "password": "correct horse battery", "remember": "y"},
    )
    token = browser.get_cookie(COOKIE).value
    visit(client, "POST", "/login", data={"email": admin.email, "password": "correct horse battery"})
    visit(
        client,
        "POST",
        f"/dashboard/coordinators/{tbilisi_coordinator.id}",
        data={
            "name": "Nino Beridze",
            "email": tbilisi_coordinator.email,
            "active": "y",
            "password": "a brand new password",
        },
    )
    later = app.test_client()
    later.set_cookie(COOKIE, token)
    assert visit(later, "GET", "/dashboard/").status_code == 302


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_a_visitors_session_holds_only_its_form_token_and_is_not_sent_again(client, desks):
    # Flask-Login's session protection marked even a visitor's session "not fresh", which changed it: its
    # cookie was signed and sent again on the next request that looked for a signed-in user.
    assert "session=" in visit(client, "GET", "/contact").headers.get("Set-Cookie", "")  # the form's CSRF token
    for user_agent in ("the same browser", "another browser"):
        response = visit(client, "GET", "/contact", headers={"User-Agent": user_agent})
        assert response.status_code == 200
        assert "session=" not in response.headers.get("Set-Cookie", "")
        with client.session_transaction() as session:
            assert set(session) == {"csrf_token"}


def test_a_signed_in_session_from_another_browser_is_no_longer_fresh(client, login, tbilisi_coordinator):
    login(tbilisi_coordinator)
    with client.session_transaction() as session:
        assert session["_fresh"] is True
    assert visit(client, "GET", "/dashboard/", headers={"User-Agent": "another browser"}).status_code == 200
    with client.session_transaction() as session:
        assert session["_fresh"] is False
