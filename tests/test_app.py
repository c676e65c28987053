"""The application shell: migrations, configuration, CLI, login, security headers."""

import uuid

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from app import create_app
from app.accounts.models import Coordinator
from app.extensions import db
from tests.conftest import _pg_admin_url, _pg_reason


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    reason = _pg_reason()
    if reason:
        pytest.skip(reason)
    admin = sa.create_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")
    name = f"eventdesk_migrate_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield sa.make_url(_pg_admin_url()).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def test_migrations_give_exactly_the_models(empty_database_url):
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
            migrated_triggers = _triggers(conn)
        db.engine.dispose()
    assert differences == []
    if empty_database_url.startswith("postgresql"):
        # Triggers are not in Alembic's comparison: the models' DDL (what the tests' create_all makes) and the
        # migrations must make the same ones, with the same definitions.
        fresh = sa.create_engine(empty_database_url)
        with fresh.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
            db.metadata.create_all(conn)
            created_triggers = _triggers(conn)
        fresh.dispose()
        assert migrated_triggers == created_triggers
        assert {trigger[0] for trigger in migrated_triggers} >= {"event_page_changed", "event_page_truncated"}


def _triggers(conn) -> list[tuple]:
    if conn.dialect.name != "postgresql":
        return []
    rows = conn.exec_driver_sql(
        "SELECT t.tgname, c.relname, pg_get_triggerdef(t.oid), p.prosrc FROM pg_trigger t "
        "JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid "
        "WHERE NOT t.tgisinternal ORDER BY 2, 1"
    ).all()
    # The function's body compared without its indentation and blank lines.
    return [(name, table, definition, " ".join(source.split())) for name, table, definition, source in rows]


def test_production_refuses_the_development_secret(monkeypatch):
    from config import DEV_SECRET_KEY, ProductionConfig

    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", DEV_SECRET_KEY)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production")
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "short")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production")


def test_production_has_no_dev_mailbox_and_secure_cookies(monkeypatch, tmp_path):
    from config import ProductionConfig

    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "x" * 48)
    monkeypatch.setattr(ProductionConfig, "SQLALCHEMY_DATABASE_URI", f"sqlite:///{tmp_path / 'p.db'}")
    app = create_app("production")
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert not any(rule.rule.startswith("/dev/") for rule in app.url_map.iter_rules())


def test_create_coordinator_command(runner, desks):
    result = runner.invoke(
        args=[
            "create-coordinator",
            "lela@example.org",
            "Lela Tsiklauri",
            "--desk",
            desks.tbilisi.name,
            "--position",
            "Regional coordinator",
            "--password",
            "a long enough password",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Created coordinator lela@example.org" in result.output
    coordinator = db.session.scalar(sa.select(Coordinator).where(Coordinator.email == "lela@example.org"))
    assert coordinator.desks == [desks.tbilisi]
    assert coordinator.password_hash != "a long enough password"
    assert coordinator.check_password("a long enough password")

    admin = runner.invoke(args=["create-coordinator", "root@example.org", "Root", "--admin", "--password", "x" * 12])
    assert admin.exit_code == 0 and "Created admin" in admin.output
    bad = runner.invoke(args=["create-coordinator", "x@example.org", "X", "--desk", "Mars", "--password", "x" * 12])
    assert bad.exit_code != 0 and "no desk named 'Mars'" in bad.output


def test_wrong_password_is_refused(client, tbilisi_coordinator):
    response = client.post("/login", data={"email": tbilisi_coordinator.email, "password": "wrong password"})
    assert response.status_code == 200
    assert "do not match" in response.get_data(as_text=True)
    assert client.get("/dashboard/").status_code == 302


@pytest.mark.app_config(RATELIMIT_ENABLED=True)
def test_login_attempts_are_rate_limited(client, tbilisi_coordinator):
    for _ in range(5):
        assert client.post("/login", data={"email": tbilisi_coordinator.email, "password": "nope"}).status_code == 200
    assert client.post("/login", data={"email": tbilisi_coordinator.email, "password": "nope"}).status_code == 429


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_forms_without_csrf_token_are_refused(client, tbilisi_coordinator):
    response = client.post("/login", data={"email": tbilisi_coordinator.email, "password": "correct horse battery"})
    assert response.status_code == 400
    assert "form had expired" in response.get_data(as_text=True)


def test_logout_needs_post(client, login, tbilisi_coordinator):
    login(tbilisi_coordinator)
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 302
    assert client.get("/dashboard/").status_code == 302


def test_admin_pages_are_hidden_from_coordinators(client, login, tbilisi_coordinator):
    login(tbilisi_coordinator)
    assert client.get("/dashboard/coordinators").status_code == 404


def test_admin_manages_coordinators(client, login, admin, desks):
    login(admin)
    response = client.post(
        "/dashboard/coordinators/new",
        data={
            "name": "Giorgi Kapanadze",
            "email": "Giorgi@Example.org",
            "position": "Coordinator",
            "desks": [str(desks.tbilisi.id)],
            "active": "y",
            "password": "a long enough password",
        },
    )
    assert response.status_code == 302
    created = db.session.scalar(sa.select(Coordinator).where(Coordinator.email == "giorgi@example.org"))
    assert created.desks == [desks.tbilisi]
    clash = client.post(
        "/dashboard/coordinators/new",
        data={"name": "Again", "email": "giorgi@example.org", "password": "a long enough password"},
    )
    assert clash.status_code == 200 and "already exists" in clash.get_data(as_text=True)


def test_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]


@pytest.mark.app_config(RATELIMIT_ENABLED=True)
def test_one_account_is_limited_across_addresses(client, tbilisi_coordinator):
    codes = [
        client.post(
            "/login",
            data={"email": tbilisi_coordinator.email, "password": "nope"},
            environ_base={"REMOTE_ADDR": f"192.0.2.{i}"},
        ).status_code
        for i in range(21)
    ]
    assert codes[:20] == [200] * 20 and codes[20] == 429


@pytest.mark.app_config(DEV_MAILBOX=True)
def test_dev_mailbox_answers_only_this_machine(client):
    assert client.get("/dev/mailbox/").status_code == 200
    assert client.get("/dev/mailbox/", environ_base={"REMOTE_ADDR": "192.0.2.7"}).status_code == 404


def test_a_connection_idle_for_long_is_checked_and_handed_out_without_a_transaction(app, monkeypatch):
    """DATABASE_PING_IDLE_SECONDS: the check (SELECT 1) runs on idle connections and leaves no transaction open,
    so that the next user may still switch the connection to autocommit."""
    import time

    db.session.remove()
    with db.engine.connect() as conn:
        conn.exec_driver_sql("SELECT 1")
    now = time.monotonic()
    monkeypatch.setattr(time, "monotonic", lambda: now + app.config["DATABASE_PING_IDLE_SECONDS"] + 1)
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        assert conn.exec_driver_sql("SELECT 2").scalar() == 2
