"""Several hosts: two app servers and two mail workers, as separate processes, share one PostgreSQL and one
Redis. Seats stay exact under a storm spread over both servers, rate limits count once across them, a form
loaded from one server posts to the other, and every email is sent exactly once."""

import asyncio
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections import Counter
from contextlib import suppress
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from app import create_app
from app.extensions import db
from app.mail.models import OutboxMessage
from app.registrations.models import CONFIRMED, WAITLISTED, Registration
from bench import load
from tests import factories
from tests.conftest import RecordingHandler, _pg_admin_url, _pg_reason
from tests.contact_support import contact_form
from tests.registration_helpers import form_data

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
REDIS_URL = "redis://127.0.0.1:6379/0"
PEOPLE = 40
SEATS = 10
CONFIRM_LINK = re.compile(r"/r/confirm/([A-Za-z0-9_\-]+)")


def _redis_reason() -> str | None:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=2) as sock:
            sock.sendall(b"PING\r\n")
            if not sock.recv(16).startswith(b"+PONG"):
                return "Redis at 127.0.0.1:6379 does not answer PING"
    except OSError as error:
        return f"no Redis at 127.0.0.1:6379 ({error})"
    return None


def _port() -> int:
    """A free port in 5600-5699, the range this project serves tests on."""
    for port in range(5640, 5700):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 5640-5699")


@pytest.fixture
def database_url():
    reasons = [r for r in (_pg_reason(), _redis_reason()) if r]
    if reasons:
        if os.environ.get("CI"):
            pytest.fail("; ".join(reasons))
        pytest.skip("; ".join(reasons))
    admin = sa.create_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")
    name = f"eventdesk_hosts_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield sa.make_url(_pg_admin_url()).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture
def smtp_server_process():
    """A recording SMTP server in the test process, for mail workers running in other processes."""
    from aiosmtpd.controller import Controller

    handler = RecordingHandler()
    handler.port = _port()
    controller = Controller(handler, hostname="127.0.0.1", port=handler.port)
    controller.start()
    yield handler
    controller.stop()


class Hosts:
    """Processes started for one test, stopped (by their own ids) at the end."""

    def __init__(self, tmp_path: Path, env: dict[str, str]):
        self.tmp_path = tmp_path
        self.env = env
        self.processes: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, args: list[str]) -> subprocess.Popen:
        with open(self.tmp_path / f"{name}.log", "wb") as log:
            process = subprocess.Popen(args, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        self.processes.append((name, process))
        return process

    def web(self, name: str) -> str:
        port = _port()
        process = self.start(
            name,
            [str(BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "-b", f"127.0.0.1:{port}", "-w", "2", "wsgi:app"],
        )
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert process.poll() is None, self.logs()
            with suppress(OSError), urllib.request.urlopen(f"{base}/readyz", timeout=2):  # noqa: S310 - loopback
                return base
            time.sleep(0.2)
        raise AssertionError(f"{name} did not become ready\n{self.logs()}")

    def stop(self) -> None:
        for _name, process in self.processes:
            if process.poll() is None:
                process.terminate()
        for _name, process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=20)

    def logs(self) -> str:
        return "\n".join(
            f"--- {path.name}\n{path.read_text(errors='replace')[-3000:]}" for path in self.tmp_path.glob("*.log")
        )


def _pages(hosts: list[str], slug: str, each: int = 8) -> list[str]:
    """The event page read a few times from each host (its gunicorn workers take turns)."""
    pages = []
    for host in hosts:
        for _ in range(each):
            with urllib.request.urlopen(f"{host}/events/{slug}", timeout=10) as response:  # noqa: S310 - loopback
                pages.append(response.read().decode())
    return pages


async def _storm(hosts: list[str], slug: str, people: list[dict]) -> list[str]:
    """Each person loads the page from one server and posts the form to the other."""
    errors = []
    async with load._session(16) as session:

        async def person(index: int, data: dict) -> None:
            page, post = hosts[index % 2], hosts[(index + 1) % 2]
            error = await load._form_round_trip(
                session, load._Cookies(), f"{page}/events/{slug}", f"{post}/events/{slug}/register", data
            )
            if error:
                errors.append(error)

        await asyncio.gather(*(person(i, data) for i, data in enumerate(people)))
    return errors


async def _confirm_all(hosts: list[str], tokens: list[str]) -> list[str]:
    errors = []
    async with load._session(16) as session:

        async def confirm(index: int, token: str) -> None:
            page, post = hosts[index % 2], hosts[(index + 1) % 2]
            error = await load._form_round_trip(
                session, load._Cookies(), f"{page}/r/confirm/{token}", f"{post}/r/confirm/{token}", {}
            )
            if error:
                errors.append(error)

        await asyncio.gather(*(confirm(i, token) for i, token in enumerate(tokens)))
    return errors


async def _contact_posts(hosts: list[str], count: int) -> Counter:
    statuses: Counter = Counter()
    async with load._session(4) as session:
        for index in range(count):
            error = await load._form_round_trip(
                session,
                load._Cookies(),
                f"{hosts[index % 2]}/contact",
                f"{hosts[(index + 1) % 2]}/contact",
                contact_form(),
            )
            statuses[error.rsplit(" ", 1)[-1] if error else "accepted"] += 1
    return statuses


def test_two_servers_and_two_workers_share_seats_limits_and_mail(database_url, tmp_path, smtp_server_process):
    prefix = f"eventdesk-test-{uuid.uuid4().hex[:8]}"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PROMETHEUS_", "GUNICORN_"))},
        "APP_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "DATABASE_URL": database_url,
        "BASE_URL": "http://127.0.0.1",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp_server_process.port),
        "MAIL_POLL_SECONDS": "1",
        "MAIL_BATCH_SIZE": "5",
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "RATELIMIT_KEY_PREFIX": prefix,
        "REGISTRATION_RATE_LIMIT": "1000 per hour",
        "CONTACT_RATE_LIMIT": "5 per hour",
        "INSTANCE_PATH": str(tmp_path / "instance"),
    }
    subprocess.run([str(BIN / "flask"), "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env, check=True)
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        desks = factories.standard_desks()
        event = factories.make_event(
            desks.tbilisi, capacity=SEATS, sessions=((datetime(2030, 10, 7, 13, 0), datetime(2030, 10, 7, 15, 30)),)
        )
        slug, event_id = event.slug, event.id
        db.session.remove()
        db.engine.dispose()

    hosts = Hosts(tmp_path, env)
    try:
        servers = [hosts.web("host-a"), hosts.web("host-b")]
        for name in ("worker-a", "worker-b"):
            hosts.start(name, [str(BIN / "flask"), "--app", "wsgi", "mail", "worker", "--poll", "0.5"])

        people = [form_data(email=f"person{n}@example.org", name=f"Person {n}") for n in range(PEOPLE)]
        assert asyncio.run(_storm(servers, slug, people)) == [], hosts.logs()
        engine = sa.create_engine(database_url)
        with engine.connect() as conn:
            bodies = conn.execute(
                sa.select(OutboxMessage.text_body).where(OutboxMessage.kind == "registration_confirm_email")
            ).scalars()
            tokens = [CONFIRM_LINK.search(body).group(1) for body in bodies]
        assert len(tokens) == PEOPLE
        # Sign-ups waiting for their confirmation take no seat: every process of both hosts shows them all free.
        assert all(f"{SEATS} seats left" in html for html in _pages(servers, slug)), hosts.logs()
        assert asyncio.run(_confirm_all(servers, tokens)) == [], hosts.logs()
        # Seats given through either host show on every process of both, once PostgreSQL has announced them
        # (well before kept facts would be read again in any case).
        deadline = time.monotonic() + 3
        while not all("All seats are taken" in html for html in _pages(servers, slug)):
            assert time.monotonic() < deadline, "a host still shows free seats"
            time.sleep(0.1)

        contact = asyncio.run(_contact_posts(servers, 10))

        # Every message queued by both servers is sent once by one of the two workers.
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                waiting = conn.execute(
                    sa.select(sa.func.count()).where(OutboxMessage.status.in_(("queued", "sending")))
                ).scalar_one()
            if waiting == 0:
                break
            time.sleep(0.5)
        with engine.connect() as conn:
            outbox = conn.execute(sa.select(OutboxMessage.message_id, OutboxMessage.status)).all()
            seats = dict(
                conn.execute(
                    sa.select(Registration.status, sa.func.count())
                    .where(Registration.event_id == event_id)
                    .group_by(Registration.status)
                ).all()
            )
        engine.dispose()
    finally:
        hosts.stop()

    assert seats == {CONFIRMED: SEATS, WAITLISTED: PEOPLE - SEATS}
    assert contact == {"accepted": 5, "429": 5}
    assert Counter(status for _id, status in outbox) == {"sent": len(outbox)}, hosts.logs()
    assert smtp_server_process.wait_for(len(outbox))
    received = Counter(str(m["Message-ID"]) for m in smtp_server_process.messages)
    assert received == Counter(message_id for message_id, _status in outbox)
    assert len(outbox) >= PEOPLE * 2 + 5  # confirmation, seat or waitlist, contact acknowledgements
    _delete_redis_keys(prefix)


def _delete_redis_keys(prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(f"*{prefix}*"))
    if keys:
        client.delete(*keys)
    client.close()
