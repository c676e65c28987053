"""/healthz, /readyz and /metrics for load balancers and Prometheus; one log line per request."""

import io
import ipaddress
import json
import logging
from datetime import timedelta

import pytest
from flask_migrate import upgrade
from prometheus_client import REGISTRY

from app import create_app
from app.extensions import db
from app.mail import services as mail_services
from app.mail import worker
from app.mail.models import OutboxMessage
from app.ops import requestlog
from app.types import utcnow
from tests import factories
from tests.registration_helpers import form_data

TOKEN = "a-long-random-metrics-token-for-tests"


@pytest.fixture
def migrated_app(tmp_path):
    """An app on a SQLite database built by the migrations (so that the migration check passes)."""
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'migrated.db'}"})
    with app.app_context():
        upgrade()
        yield app
        db.session.remove()
        db.engine.dispose()


def test_healthz_answers_without_the_database(tmp_path):
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_readyz_is_ready_on_a_migrated_database(migrated_app):
    response = migrated_app.test_client().get("/readyz")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "ready"
    assert set(response.get_json()["checks"]) == {"database", "migrations", "mail"}


def test_readyz_is_503_when_the_database_is_down(caplog):
    app = create_app(
        "testing",
        {
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none",
            "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"connect_timeout": 2}},
        },
    )
    with caplog.at_level(logging.ERROR, logger="app.ops.health"):
        response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "not ready", "checks": {"database": "unreachable"}}
    # The reason goes to the log, not to whoever asks.
    assert "127.0.0.1" not in response.get_data(as_text=True)
    assert "does not answer" in caplog.text


def test_readyz_is_503_when_migrations_are_not_applied(app):
    # The app fixture builds its schema with create_all: no Alembic revision is recorded.
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert "flask db upgrade" in response.get_json()["checks"]["migrations"]


@pytest.mark.parametrize("overdue_minutes, ready", [(5, True), (30, False)])
def test_readyz_is_503_when_mail_waits_too_long_for_a_worker(migrated_app, overdue_minutes, ready):
    message = mail_services.queue_email(kind="test", to="tamar@example.org", template="test_message")
    message.next_attempt_at = utcnow() - timedelta(minutes=overdue_minutes)
    db.session.commit()

    response = migrated_app.test_client().get("/readyz")

    assert (response.status_code == 200) is ready
    assert (response.get_json()["status"] == "ready") is ready


def test_readyz_ignores_mail_waiting_out_a_retry_delay(migrated_app):
    message = mail_services.queue_email(kind="test", to="tamar@example.org", template="test_message")
    message.created_at = utcnow() - timedelta(hours=3)
    message.attempts = 4
    message.next_attempt_at = utcnow() + timedelta(minutes=20)
    db.session.commit()

    assert migrated_app.test_client().get("/readyz").status_code == 200


def test_metrics_are_off_until_a_token_or_allow_list_is_set(client):
    assert client.get("/metrics").status_code == 404


@pytest.mark.app_config(METRICS_TOKEN=TOKEN)
def test_metrics_refuse_a_missing_or_wrong_token(client):
    missing = client.get("/metrics")
    wrong = client.get("/metrics", headers={"Authorization": "Bearer not-the-token"})
    assert missing.status_code == wrong.status_code == 401
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")
    assert "eventdesk" not in missing.get_data(as_text=True)


@pytest.mark.app_config(METRICS_ALLOW_FROM=(ipaddress.ip_network("10.0.0.0/8"),))
def test_metrics_allow_listed_addresses_only(client):
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "192.0.2.7"}).status_code == 401


def sample(text: str, name: str, **labels) -> float:
    """The value of one sample in Prometheus' text format (0 when absent)."""
    wanted = ",".join(f'{k}="{v}"' for k, v in labels.items())
    head = f"{name}{{{wanted}}}" if labels else name
    for line in text.splitlines():
        if line.startswith(head + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


@pytest.mark.app_config(METRICS_TOKEN=TOKEN)
def test_metrics_move_after_a_registration(client, desks, smtp_server):
    event = factories.make_event(desks.tbilisi, capacity=10)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    before = client.get("/metrics", headers=auth).get_data(as_text=True)

    assert client.post(f"/events/{event.slug}/register", data=form_data()).status_code == 302
    after_registration = client.get("/metrics", headers=auth).get_data(as_text=True)
    worker.drain()
    after_drain = client.get("/metrics", headers=auth).get_data(as_text=True)

    register = {"endpoint": "registrations.register", "method": "POST", "status": "302"}
    assert sample(after_registration, "eventdesk_http_requests_total", **register) == (
        sample(before, "eventdesk_http_requests_total", **register) + 1
    )
    assert sample(
        after_registration, "eventdesk_http_request_duration_seconds_count", endpoint="registrations.register"
    )
    assert sample(before, "eventdesk_registrations", status="pending_verification") == 0
    assert sample(after_registration, "eventdesk_registrations", status="pending_verification") == 1
    assert sample(after_registration, "eventdesk_outbox_queue_depth") == 1
    assert sample(after_registration, "eventdesk_outbox_oldest_queued_age_seconds") >= 0
    assert sample(after_drain, "eventdesk_outbox_queue_depth") == 0
    assert sample(after_drain, "eventdesk_outbox_messages", status="sent") == 1
    assert sample(after_drain, "eventdesk_mail_send_attempts_total", outcome="sent") == (
        sample(after_registration, "eventdesk_mail_send_attempts_total", outcome="sent") + 1
    )


@pytest.mark.app_config(METRICS_TOKEN=TOKEN)
def test_each_request_counts_once_in_its_own_series(client):
    """Every request counts once, in the series of its endpoint, method and status."""
    auth = {"Authorization": f"Bearer {TOKEN}"}
    healthz = {"endpoint": "ops.healthz", "method": "GET", "status": "200"}
    missing = {"endpoint": "unmatched", "method": "GET", "status": "404"}
    before = client.get("/metrics", headers=auth).get_data(as_text=True)
    for _ in range(3):
        assert client.get("/healthz").status_code == 200
    assert client.get("/no-such-page").status_code == 404
    after = client.get("/metrics", headers=auth).get_data(as_text=True)
    assert sample(after, "eventdesk_http_requests_total", **healthz) == (
        sample(before, "eventdesk_http_requests_total", **healthz) + 3
    )
    assert sample(after, "eventdesk_http_requests_total", **missing) == (
        sample(before, "eventdesk_http_requests_total", **missing) + 1
    )
    assert sample(after, "eventdesk_http_request_duration_seconds_count", endpoint="ops.healthz") == (
        sample(before, "eventdesk_http_request_duration_seconds_count", endpoint="ops.healthz") + 3
    )


@pytest.mark.app_config(METRICS_TOKEN=TOKEN)
def test_metrics_count_reads_of_event_page_facts(client, desks):
    event = factories.make_event(desks.tbilisi, capacity=10)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    before = client.get("/metrics", headers=auth).get_data(as_text=True)
    assert client.get(f"/events/{event.slug}").status_code == 200
    after = client.get("/metrics", headers=auth).get_data(as_text=True)
    # Without a listening process (tests do not listen) every page reads its facts.
    assert sample(after, "eventdesk_event_page_facts_reads_total") == (
        sample(before, "eventdesk_event_page_facts_reads_total") + 1
    )
    assert "eventdesk_event_page_watch_failures_total" in after


def test_send_failures_are_counted(app, smtp_server):
    smtp_server.reply = "550 5.1.1 no such user"
    mail_services.queue_email(kind="test", to="nobody@example.org", template="test_message")
    db.session.commit()
    before = REGISTRY.get_sample_value("eventdesk_mail_send_attempts_total", {"outcome": "failed"}) or 0

    worker.drain()

    assert REGISTRY.get_sample_value("eventdesk_mail_send_attempts_total", {"outcome": "failed"}) == before + 1
    assert db.session.query(OutboxMessage).one().status == "failed"


def test_every_request_gets_one_log_line_with_its_request_id(client, caplog):
    with caplog.at_level(logging.INFO, logger="eventdesk.request"):
        response = client.get("/healthz")
        echoed = client.get("/healthz", headers={"X-Request-ID": "lb-1234abcd"})
        refused = client.get("/healthz", headers={"X-Request-ID": "not <an> id; drop table"})

    records = [r for r in caplog.records if r.name == "eventdesk.request"]
    assert len(records) == 3
    request_id = response.headers["X-Request-ID"]
    assert len(request_id) == 32
    assert records[0].request_id == request_id and "GET /healthz 200" in records[0].getMessage()
    assert echoed.headers["X-Request-ID"] == "lb-1234abcd" == records[1].request_id
    assert refused.headers["X-Request-ID"] != "not <an> id; drop table"


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_a_post_refused_for_its_csrf_token_is_logged_and_counted_too(client, caplog):
    before = REGISTRY.get_sample_value(
        "eventdesk_http_request_duration_seconds_count", {"endpoint": "registrations.register"}
    )
    with caplog.at_level(logging.INFO, logger="eventdesk.request"):
        response = client.post("/events/any-event/register", data={"email": "a@example.org"})

    assert response.status_code == 400
    [line] = [r for r in caplog.records if r.name == "eventdesk.request"]
    assert "POST /events/any-event/register 400" in line.getMessage()
    assert line.request_id == response.headers["X-Request-ID"]
    after = REGISTRY.get_sample_value(
        "eventdesk_http_request_duration_seconds_count", {"endpoint": "registrations.register"}
    )
    assert after == (before or 0) + 1


def test_tokens_in_paths_are_not_logged(client, caplog):
    with caplog.at_level(logging.INFO, logger="eventdesk.request"):
        client.get("/r/confirm/a-secret-token-that-must-not-be-logged")

    line = next(r for r in caplog.records if r.name == "eventdesk.request")
    assert "a-secret-token" not in line.getMessage()
    assert "/r/confirm/<token>" in line.getMessage()


def test_json_log_lines(app):
    stream = io.StringIO()
    logger = logging.getLogger("eventdesk.test-json")
    logger.addHandler(requestlog.make_handler("json", stream))
    logger.propagate = False
    try:
        with app.test_request_context("/"):
            from flask import g

            g.request_id = "req-0123456789"
            logger.warning("a message with %s", "an argument", extra={"status": 503})
    finally:
        logger.handlers.clear()
    line = json.loads(stream.getvalue())
    assert line["message"] == "a message with an argument"
    assert line["request_id"] == "req-0123456789"
    assert line["level"] == "WARNING"
    assert line["status"] == 503


def test_readyz_is_503_not_500_on_an_empty_database(tmp_path):
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'empty.db'}"})
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert set(response.get_json()["checks"]) == {"database", "migrations"}
    with app.app_context():
        db.engine.dispose()
