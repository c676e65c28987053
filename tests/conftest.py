"""Fixtures: every database test runs on SQLite and, when PostgreSQL answers, on PostgreSQL too."""

import contextlib
import os
import threading
import uuid
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope

from app import create_app
from app.extensions import db
from tests import factories

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogs():
    """The compiled catalogs (make install builds them; a bare pytest run compiles the stale ones)."""
    from tests.i18n_support import compile_catalogs

    compile_catalogs()


def _pg_admin_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL") or DEFAULT_PG_URL
    return url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url


def _pg_reason() -> str | None:
    url = _pg_admin_url()
    try:
        engine = sa.create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
    except Exception as error:  # noqa: BLE001 - any failure means "no PostgreSQL here"
        return (
            f"PostgreSQL tests skipped: no PostgreSQL answered at {url} ({type(error).__name__}); set TEST_DATABASE_URL"
        )
    return None


@pytest.fixture(scope="session")
def pg_url():
    """A PostgreSQL database of its own for this test run, dropped at the end."""
    reason = _pg_reason()
    if reason:
        if os.environ.get("CI") and os.environ.get("TEST_DATABASE_URL"):
            pytest.fail(reason.replace("skipped", "cannot run on CI"))
        pytest.skip(reason)
    admin = sa.create_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")
    name = f"eventdesk_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = sa.make_url(_pg_admin_url()).set(database=name).render_as_string(hide_password=False)
    engine = sa.create_engine(url)
    import app.models  # noqa: F401 - the whole schema

    db.metadata.create_all(engine)
    engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def app(request, database_url, tmp_path):
    """The application on a clean database, with an app context pushed for the test body.

    Mark a test ``@pytest.mark.app_config(WTF_CSRF_ENABLED=True)`` to change settings for it.
    """
    overrides = {"SQLALCHEMY_DATABASE_URI": database_url, "MAILBOX_DIR": str(tmp_path / "mailbox")}
    marker = request.node.get_closest_marker("app_config")
    if marker:
        overrides.update(marker.kwargs)
    app = create_app("testing", overrides)
    with app.app_context():
        if database_url.startswith("sqlite"):
            db.create_all()
        yield app
        db.session.remove()
        if not database_url.startswith("sqlite"):
            tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
            with db.engine.begin() as conn:
                conn.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def desks(app):
    """The demo's desks: Tbilisi (default, covering SEE and the Caucasus) and Germany."""
    return factories.standard_desks()


@pytest.fixture
def admin(app, desks):
    return factories.make_coordinator("admin@example.org", "Ada Admin", [], admin=True)


@pytest.fixture
def tbilisi_coordinator(app, desks):
    return factories.make_coordinator(
        "nino@example.org", "Nino Beridze", [desks.tbilisi], position="Regional coordinator"
    )


@pytest.fixture
def germany_coordinator(app, desks):
    return factories.make_coordinator("jurgen@example.org", "Jürgen Groß", [desks.germany], position="Project manager")


@pytest.fixture
def login(client):
    def do_login(coordinator, password: str = factories.PASSWORD):
        response = client.post("/login", data={"email": coordinator.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return do_login


# --- A real SMTP server in the test process ------------------------------------------------------


class RecordingHandler:
    """Accepts messages (or answers with a chosen reply) and keeps what it accepted."""

    def __init__(self):
        self.messages: list[EmailMessage] = []
        self.envelopes: list[Envelope] = []
        self.reply: str | None = None  # e.g. "421 4.3.0 try later" or "550 5.1.1 no such user"
        self.rcpt_reply: str | None = None  # the same, given at RCPT TO instead of after DATA
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.reply:
            return self.reply
        with self.lock:
            self.envelopes.append(envelope)
            self.messages.append(message_from_bytes(envelope.original_content or envelope.content, policy=policy.SMTP))
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float = 10.0) -> bool:
        """Wait until ``count`` messages have arrived (for workers running in another process)."""
        pause = threading.Event()
        for _ in range(int(timeout / 0.05) + 1):
            with self.lock:
                if len(self.messages) >= count:
                    return True
            pause.wait(0.05)
        return False


@contextlib.contextmanager
def serving_mail(app, handler):
    """An aiosmtpd server with ``handler`` on a free port while the block runs; the app sends to it."""
    port = factories.free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=False, MAIL_USE_SSL=False)
    handler.port = port
    handler.controller = controller
    try:
        yield handler
    finally:
        controller.stop()


@pytest.fixture
def smtp_server(app):
    """An aiosmtpd server on a free port; the app is configured to send to it."""
    with serving_mail(app, RecordingHandler()) as handler:
        yield handler


# --- The app served on a real port, and the system Chromium -------------------------------------------

CHROMIUM = "/usr/bin/chromium"
BROWSER_TESTS = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"browser tests need Chromium at {CHROMIUM}"),
]


@pytest.fixture
def live_server(app):
    """The app on a free port in a thread; yields its base URL (also set as BASE_URL for emails)."""
    from werkzeug.serving import make_server

    port = factories.free_port()
    app.config["BASE_URL"] = f"http://127.0.0.1:{port}"
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    db.session.commit()  # no transaction of the test may hold SQLite's write lock while the server runs
    yield app.config["BASE_URL"]
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def browser():
    """Headless system Chromium driven by Playwright (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()
