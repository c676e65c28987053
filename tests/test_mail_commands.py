"""`flask mail send | worker | sink | test`, the worker loop and its periodic jobs."""

import logging
import os
import signal
import smtplib
import socket
import subprocess
import sys
import threading
import time
from email.message import EmailMessage
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.mail import services, worker
from app.mail.models import FAILED, QUEUED, SENT, OutboxMessage
from tests.factories import free_port

ROOT = Path(__file__).resolve().parent.parent


def queue(to: str = "tamar@example.org") -> OutboxMessage:
    message = services.queue_email(kind="test", to=to, template="test_message")
    db.session.commit()
    return message


def statuses() -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(OutboxMessage.status).order_by(OutboxMessage.id)))


def test_send_reports_what_it_sent_and_what_failed(app, runner, smtp_server):
    first, second = queue("a@example.org"), queue("b@example.org")
    broken = queue("c@example.org")
    db.session.execute(sa.update(OutboxMessage).where(OutboxMessage.id == broken.id).values(recipient="c@, d@"))
    db.session.commit()

    result = runner.invoke(args=["mail", "send"])

    assert result.exit_code == 0, result.output
    assert f"sent        #{first.id} test to a@example.org: Test message from Eventdesk" in result.output
    assert f"sent        #{second.id} test to b@example.org" in result.output
    assert f"failed      #{broken.id} test to c@, d@" in result.output
    assert "cannot build the message: invalid To header 'c@, d@'" in result.output
    assert "Sent 2, will retry 0, failed 1." in result.output
    assert "Sending" not in result.output  # no progress bar for three messages
    assert statuses() == [SENT, SENT, FAILED]


def test_send_shows_a_progress_bar_for_a_long_drain(app, runner, smtp_server):
    for n in range(25):
        queue(f"p{n}@example.org")

    result = runner.invoke(args=["mail", "send"])

    assert result.exit_code == 0, result.output
    assert "Sending 25 messages" in result.output
    assert "Sent 25, will retry 0, failed 0." in result.output
    assert len(smtp_server.messages) == 25


def test_send_with_nothing_due(app, runner):
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 0
    assert result.output.strip() == "Nothing to send."


def test_send_stops_with_an_error_when_smtp_is_down(app, runner, smtp_server):
    queue("a@example.org")
    queue("b@example.org")
    app.config["MAIL_PORT"] = free_port()

    result = runner.invoke(args=["mail", "send"])

    assert result.exit_code == 1
    assert "will retry  #1" in result.output
    assert "Sent 0, will retry 1, failed 0." in result.output
    assert "the SMTP server is unavailable" in result.output
    # The second message was not tried against a relay that is down: no attempt is used up.
    assert db.session.scalars(sa.select(OutboxMessage.attempts).order_by(OutboxMessage.id)).all() == [1, 0]
    assert statuses() == [QUEUED, QUEUED]


def test_test_command_queues_a_test_message(app, runner, smtp_server):
    result = runner.invoke(args=["mail", "test", "ops@example.org"])

    assert result.exit_code == 0, result.output
    (row,) = db.session.scalars(sa.select(OutboxMessage)).all()
    assert (row.kind, row.recipient, row.status) == ("test", "ops@example.org", QUEUED)
    assert f"Queued test message #{row.id} to ops@example.org" in result.output
    assert smtp_server.messages == []


def test_test_command_can_send_at_once(app, runner, smtp_server):
    queue("someone.else@example.org")

    result = runner.invoke(args=["mail", "test", "--send", "ops@example.org"])

    assert result.exit_code == 0, result.output
    assert [e.rcpt_tos for e in smtp_server.envelopes] == [["ops@example.org"]]
    assert statuses() == [QUEUED, SENT]


def test_test_command_refuses_an_invalid_address(app, runner):
    result = runner.invoke(args=["mail", "test", "not an address"])
    assert result.exit_code == 2
    assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 0


@pytest.fixture
def worker_log(monkeypatch, caplog):
    """The worker's error log; re-enabled because Alembic's fileConfig (migration tests) disables loggers."""
    monkeypatch.setattr(logging.getLogger("app.mail.worker"), "disabled", False)
    with caplog.at_level(logging.ERROR, logger="app.mail.worker"):
        yield caplog


def test_worker_loop_runs_periodic_jobs_sends_and_stops(app, smtp_server, monkeypatch, worker_log):
    stop = threading.Event()
    calls = []

    def broken_job():
        raise RuntimeError("reminders are broken")

    def reminders_job():
        calls.append(len(calls))
        if len(calls) == 1:
            services.queue_email(kind="reminder", to="tamar@example.org", template="test_message")
            db.session.commit()
        if len(calls) == 3:
            stop.set()

    def uncommitted_job():
        services.queue_email(kind="forgotten", to="x@example.org", template="test_message")

    monkeypatch.setattr(worker, "PERIODIC_JOBS", [broken_job, reminders_job, uncommitted_job])
    worker.run(stop, poll_seconds=0.01)

    assert len(calls) == 3
    assert "periodic job" in worker_log.text and "broken_job failed" in worker_log.text
    assert [m["To"].addresses[0].addr_spec for m in smtp_server.messages] == ["tamar@example.org"]
    assert db.session.scalars(sa.select(OutboxMessage.kind)).all() == ["reminder"]


def test_worker_loop_survives_a_failing_round(app, smtp_server, monkeypatch, worker_log):
    stop = threading.Event()
    rounds = []

    def flaky_drain(**options):
        rounds.append(1)
        if len(rounds) == 1:
            raise sa.exc.OperationalError("SELECT 1", {}, Exception("server closed the connection"))
        stop.set()
        return worker.DrainReport()

    monkeypatch.setattr(worker, "drain", flaky_drain)
    worker.run(stop, poll_seconds=0.01)

    assert len(rounds) == 2
    assert "the mail worker loop failed" in worker_log.text


def _flask(env: dict, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "mail", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_worker_command_sends_and_stops_cleanly_on_a_signal(app, smtp_server, database_url, tmp_path, signum):
    row = queue()
    process = _flask(
        {
            "APP_ENV": "testing",
            "DATABASE_URL": database_url,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(smtp_server.port),
        },
        "worker",
        "--poll",
        "0.2",
    )
    try:
        assert smtp_server.wait_for(1, timeout=30), "the worker did not send the queued message"
        process.send_signal(signum)
        output, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()

    assert process.returncode == 0, output
    assert f"sent        #{row.id} test to tamar@example.org" in output
    assert "stopping after the current message" in output
    assert output.rstrip().endswith("Mail worker stopped.")
    assert statuses() == [SENT]


@pytest.mark.slow
def test_sink_command_keeps_every_message_as_an_eml_file(tmp_path):
    port = free_port()
    process = _flask(
        {
            "APP_ENV": "development",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'dev.db'}",
            "INSTANCE_PATH": str(tmp_path),
            "MAIL_SINK_PORT": str(port),
        },
        "sink",
    )
    try:
        _wait_for_port(port, process)
        message = EmailMessage()
        message["From"] = "events@eventdesk.localhost"
        message["To"] = "Tamar Lomidze <tamar@example.org>"
        message["Subject"] = "Your access link"
        message.set_content("Hello Tamar")
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
            smtp.send_message(message)
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()

    assert process.returncode == 0, output
    assert f"SMTP sink on 127.0.0.1:{port}" in output
    (stored,) = (tmp_path / "mailbox").glob("*.eml")
    content = stored.read_bytes()
    assert b"Subject: Your access link" in content
    assert b"X-Envelope-To: tamar@example.org" in content
    assert b"Hello Tamar" in content


def _wait_for_port(port: int, process: subprocess.Popen) -> None:
    # Time-based: starting a process that imports the whole app takes long on a busy machine.
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the sink exited early: {process.communicate()[0]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError("the sink did not start listening")
