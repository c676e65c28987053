"""`make bench`: Eventdesk under gunicorn on a PostgreSQL database of its own, against a reference app.

Both apps are served by the same gunicorn settings (deploy/gunicorn.conf.py, 4 workers) and loaded by the
same client in the same run, so the ratio says how close the project comes to the least the job needs. The run
fails (exit 1) on wrong results only: seats not exactly the capacity, a message lost or sent twice, an error
answer. Speed targets are printed, never enforced: a shared machine's figures move.
"""

import argparse
import contextlib
import json
import os
import platform
import re
import secrets
import shlex
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import psutil
import sqlalchemy as sa

from bench import load
from bench.reference import REFERENCE_SCHEMA, TOKEN_SLOT

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SLUG = "open-data-caucasus-roundtable"  # the demo's upcoming event with an open registration form
DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"

TARGETS = {"page": 0.5, "registration": 0.5, "drain": 0.8}
# Registration journeys on each app before the measured ones, not counted (the page has its warm-up seconds).
WARM_UP_PEOPLE = 64
MEMORY_LIMIT_MB = 120


@dataclass
class Settings:
    people: int
    concurrency: int
    page_concurrency: int
    page_seconds: float
    page_rounds: int
    seats: int
    workers: int
    project_port: int
    reference_port: int
    sink_port: int
    reference_sink_port: int
    admin_url: str
    keep_database: bool
    # A git revision served beside this code, measured in the same turns (page and registration journey).
    against: str | None = None

    @property
    def against_port(self) -> int:
        return self.project_port + 4

    @property
    def against_url(self) -> str:
        return f"http://127.0.0.1:{self.against_port}"

    @property
    def project(self) -> str:
        return f"http://127.0.0.1:{self.project_port}"

    @property
    def reference(self) -> str:
        return f"http://127.0.0.1:{self.reference_port}"


def _percent(ratio: float) -> str:
    """A ratio in per cent with one decimal: whole ones would show 49.5% as 50%, next to a 50% target missed."""
    return f"{ratio:.1%}"


@dataclass
class Outcome:
    lines: list[tuple[str, str, str, str, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def row(self, name: str, project: float, reference: float | None, unit: str, target: float | None = None):
        ratio = project / reference if reference else None
        verdict = ""
        if target is not None and ratio is not None:
            verdict = f">= {target:.0%}: {'met' if ratio >= target else 'MISSED'}"
        self.lines.append(
            (
                name,
                f"{project:,.1f} {unit}",
                f"{reference:,.1f} {unit}" if reference is not None else "",
                _percent(ratio) if ratio is not None else "",
                verdict,
            )
        )


def parse_args(argv) -> Settings:
    parser = argparse.ArgumentParser(prog="make bench", description=__doc__.splitlines()[0])
    parser.add_argument("--short", action="store_true", help="a small storm for CI: checks results, not speed")
    parser.add_argument("--people", type=int, help="people in the registration and seat journeys (500)")
    parser.add_argument("--concurrency", type=int, help="journeys at a time (32)")
    parser.add_argument("--page-seconds", type=float, help="seconds of load on each page (10)")
    parser.add_argument("--seats", type=int, help="free seats in the event (100)")
    parser.add_argument("--port-base", type=int, default=int(os.environ.get("BENCH_PORT_BASE", "5601")))
    parser.add_argument("--keep-database", action="store_true", help="leave the bench database for a look")
    parser.add_argument(
        "--against",
        metavar="REVISION",
        help="also serve this git revision (a commit, a branch) on the same database and measure its page and "
        "registration journey in the same turns: a change's effect, apart from the machine's drift. It runs with "
        "this checkout's packages on a database migrated by this code: a revision whose models these migrations "
        "still serve",
    )
    args = parser.parse_args(argv)
    short = args.short
    base = args.port_base
    return Settings(
        people=args.people or (60 if short else 500),
        concurrency=args.concurrency or (16 if short else 32),
        page_concurrency=16,
        page_seconds=args.page_seconds or (2.0 if short else 10.0),
        page_rounds=1 if short else 5,
        seats=args.seats or (20 if short else 100),
        workers=4,
        project_port=base,
        reference_port=base + 1,
        sink_port=base + 2,
        reference_sink_port=base + 3,
        admin_url=os.environ.get("BENCH_ADMIN_URL") or os.environ.get("TEST_DATABASE_URL") or DEFAULT_ADMIN_URL,
        keep_database=args.keep_database,
        against=args.against,
    )


def _sa_url(url: str) -> str:
    return "postgresql+psycopg://" + url.split("://", 1)[1] if url.startswith(("postgresql://", "postgres://")) else url


class Bench:
    def __init__(self, settings: Settings, workdir: Path):
        self.settings = settings
        self.workdir = workdir
        self.processes: list[tuple[str, subprocess.Popen]] = []
        self.database = f"eventdesk_bench_{uuid.uuid4().hex[:8]}"
        admin = sa.make_url(_sa_url(settings.admin_url))
        self.admin_engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
        self.database_url = admin.set(database=self.database).render_as_string(hide_password=False)
        self.engine: sa.Engine | None = None
        self.secret_key = secrets.token_urlsafe(48)
        self.commands: dict[str, str] = {}
        self.tree: Path | None = None  # the worktree of --against

    # --- set-up and tear-down ---------------------------------------------------------------------

    def app_env(self, mail_port: int) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PROMETHEUS_", "GUNICORN_"))}
        env.update(
            APP_ENV="production",
            SECRET_KEY=self.secret_key,
            DATABASE_URL=self.database_url,
            BASE_URL=self.settings.project,
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=str(mail_port),
            # Every storm comes from one address: the per-address registration limit would stop it.
            REGISTRATION_RATE_LIMIT="1000000 per hour",
            INSTANCE_PATH=str(self.workdir / "instance"),
        )
        return env

    def create_database(self) -> None:
        with self.admin_engine.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{self.database}"')
        self.engine = sa.create_engine(self.database_url)
        env = self.app_env(self.settings.sink_port)
        for args in (["db", "upgrade"], ["seed-demo"]):
            subprocess.run(
                [str(BIN / "flask"), "--app", "wsgi", *args], cwd=ROOT, env=env, check=True, capture_output=True
            )
        with self.engine.begin() as conn:
            confirmed = conn.execute(
                sa.text(
                    "SELECT count(*) FROM registrations r JOIN events e ON e.id = r.event_id "
                    "WHERE e.slug = :slug AND r.status = 'confirmed'"
                ),
                {"slug": SLUG},
            ).scalar_one()
            conn.execute(
                sa.text("UPDATE events SET capacity = :capacity WHERE slug = :slug"),
                {"capacity": confirmed + self.settings.seats, "slug": SLUG},
            )
            for statement in REFERENCE_SCHEMA:
                conn.execute(sa.text(statement))
            conn.execute(
                sa.text("INSERT INTO ref_events (id, capacity, taken) VALUES (1, :c, 0)"), {"c": self.settings.seats}
            )

    def drop_database(self) -> None:
        if self.engine is not None:
            self.engine.dispose()
        if self.settings.keep_database:
            print(f"Database kept: {self.database_url}")
        else:
            with self.admin_engine.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
        self.admin_engine.dispose()

    def start(self, name: str, args: list[str], env: dict[str, str], cwd: Path = ROOT) -> subprocess.Popen:
        with open(self.workdir / f"{name}.log", "wb") as log:
            process = subprocess.Popen(args, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
        self.processes.append((name, process))
        self.commands[name] = shlex.join(args)
        return process

    def stop_all(self) -> None:
        for _name, process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
        for _name, process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=20)

    def gunicorn(
        self, name: str, target: str, port: int, env: dict[str, str], ready: str, cwd: Path = ROOT
    ) -> subprocess.Popen:
        args = [
            str(BIN / "gunicorn"),
            "--config",
            "deploy/gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(self.settings.workers),
            target,
        ]
        process = self.start(name, args, env, cwd)
        self.wait_for(f"http://127.0.0.1:{port}{ready}", process, name)
        return process

    def checkout(self, revision: str) -> Path:
        """``revision`` in a git worktree of its own (removed by ``remove_checkout``), its catalogs compiled."""
        tree = self.workdir / "against"
        done = subprocess.run(
            ["git", "worktree", "add", "--detach", str(tree), revision], cwd=ROOT, capture_output=True, text=True
        )
        if done.returncode != 0:
            raise SystemExit(f"--against {revision}: {done.stderr.strip() or 'not a git checkout'}")
        self.tree = tree
        subprocess.run(
            [str(BIN / "pybabel"), "-q", "compile", "-d", "app/translations"], cwd=tree, check=True, capture_output=True
        )
        return tree

    def remove_checkout(self) -> None:
        if self.tree is not None:
            done = subprocess.run(
                ["git", "worktree", "remove", "--force", str(self.tree)], cwd=ROOT, capture_output=True, text=True
            )
            subprocess.run(["git", "worktree", "prune"], cwd=ROOT, capture_output=True)
            if done.returncode != 0:
                print(f"the worktree {self.tree} was not removed: {done.stderr.strip()}", file=sys.stderr)
            self.tree = None

    def wait_for(self, url: str, process: subprocess.Popen, name: str, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise SystemExit(f"{name} stopped at start; see {self.workdir / (name + '.log')}")
            with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=2):  # noqa: S310 - loopback
                return
            time.sleep(0.2)
        raise SystemExit(f"{name} did not answer at {url} within {seconds:.0f} s")

    def sink(self, name: str, port: int) -> Path:
        record = self.workdir / f"{name}.ids"
        record.touch()
        self.start(name, [sys.executable, "-m", "bench.sink", str(port), str(record)], dict(os.environ))
        deadline = time.monotonic() + 20
        while "listening" not in (self.workdir / f"{name}.log").read_text():
            if time.monotonic() > deadline:
                raise SystemExit(f"{name} did not start")
            time.sleep(0.1)
        return record

    # --- measurements -----------------------------------------------------------------------------

    def capture_page(self) -> Path:
        """The project's event page with its CSRF token replaced by the reference's slot."""
        with urllib.request.urlopen(f"{self.settings.project}/events/{SLUG}", timeout=10) as response:  # noqa: S310
            html = response.read()
        token = load.CSRF_FIELD.search(html.decode())
        if token is None:
            raise SystemExit("the event page has no registration form: is registration open?")
        path = self.workdir / "page.html"
        path.write_bytes(html.replace(token.group(1).encode(), TOKEN_SLOT))
        return path

    def people(self, prefix: str, count: int | None = None) -> list[dict]:
        # Each app's people have addresses of their own ("person", "against", "reference", "warm-up"): see
        # project_tokens.
        countries = ["GE", "AM", "AZ", "RS", "AL", "DE", "UA", "MK"]
        return [
            {
                "name": f"Participant {i}",
                "email": f"{prefix}{i}@bench.example.org",
                "organisation": f"Municipality {i % 40}",
                "country": countries[i % len(countries)],
                "position": "Digital services officer",
                "expert_type": "german" if i % 9 == 0 else "international",
                "timezone": "Asia/Tbilisi",
                "message": "",
                "consent": "y",
                "website": "",
            }
            for i in range(self.settings.people if count is None else count)
        ]

    def project_tokens(self) -> list[str]:
        with self.engine.connect() as conn:
            bodies = conn.execute(
                sa.text(
                    "SELECT text_body FROM outbox_messages WHERE kind = 'registration_confirm_email' "
                    "AND recipient LIKE '%<person%'"
                )
            ).scalars()
            return [m.group(1) for body in bodies if (m := re.search(r"/r/confirm/([A-Za-z0-9_-]+)", body))]

    def reference_tokens(self) -> list[str]:
        with self.engine.connect() as conn:
            return list(conn.execute(sa.text("SELECT token FROM ref_registrations")).scalars())

    def project_seats(self) -> tuple[int, int, int]:
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.text(
                    "SELECT e.capacity, count(r.id) FILTER (WHERE r.status = 'confirmed'), "
                    "count(r.id) FILTER (WHERE r.status = 'waitlisted') "
                    "FROM events e LEFT JOIN registrations r ON r.event_id = e.id WHERE e.slug = :slug "
                    "GROUP BY e.capacity"
                ),
                {"slug": SLUG},
            ).one()
            return row[0], row[1], row[2]

    def warm_up_journeys(self, bases: list[str]) -> None:
        """A few registration journeys on each app, not counted, as the page's warm-up: each worker's first
        sign-up compiles what later ones reuse (templates, statements). The reference's are taken back, so that
        its seats and confirmations are those of the measured people alone; the project's stay unconfirmed."""
        for index, base in enumerate(bases):
            people = self.people(f"warm-up{index}-", WARM_UP_PEOPLE)
            result = load.registration_journey(base, SLUG, people, concurrency=self.settings.concurrency)
            if result.errors:
                raise SystemExit(f"warm-up journeys on {base}: {sorted(set(result.errors))[:3]}")
        with self.engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM ref_registrations"))
            conn.execute(sa.text("UPDATE ref_events SET taken = 0 WHERE id = 1"))

    def reference_seats(self) -> tuple[int, int]:
        with self.engine.connect() as conn:
            taken = conn.execute(sa.text("SELECT taken FROM ref_events WHERE id = 1")).scalar_one()
            seats = conn.execute(sa.text("SELECT count(*) FROM ref_registrations WHERE seat")).scalar_one()
            return taken, seats

    def drain(self, mode: str, port: int, *numbers: int) -> dict:
        args = [sys.executable, "-m", "bench.drain", mode, *map(str, numbers)]
        self.commands[f"drain ({mode})"] = shlex.join(args)
        done = subprocess.run(args, cwd=ROOT, env=self.app_env(port), check=True, capture_output=True, text=True)
        return json.loads(done.stdout.strip().splitlines()[-1])

    def outbox_ids(self) -> tuple[list[str], Counter]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT message_id, status FROM outbox_messages")).all()
        return [r[0] for r in rows], Counter(r[1] for r in rows)

    @staticmethod
    def memory_mb(master: subprocess.Popen) -> list[float]:
        return [child.memory_info().rss / 2**20 for child in psutil.Process(master.pid).children()]


def combined_drains(runs: list[dict]) -> dict:
    """Several drains as one: messages sent and seconds taken, added up."""
    return {"sent": sum(r["sent"] for r in runs), "seconds": sum(r["seconds"] for r in runs)}


def drain_shares(messages: int, turns: int) -> list[tuple[int, int]]:
    """(first row, rows) of each turn's share of ``messages``: as equal as whole rows allow, all of them."""
    bounds = [turn * messages // turns for turn in range(turns + 1)]
    return [(start, end - start) for start, end in zip(bounds, bounds[1:], strict=False) if end > start]


def drains_in_turns(bench: "Bench", settings: Settings, messages: int) -> tuple[dict, dict]:
    """The project's drain of ``messages`` and the reference's of the same rows, in turns (``drain_shares``),
    each first in every other turn; each side's turns added up."""
    ours, theirs = [], []
    for turn, (start, count) in enumerate(drain_shares(messages, load.turns(settings.page_rounds, 2))):
        for side in load.order(2, turn):
            if side == 0:
                ours.append(bench.drain("project", settings.sink_port, count))
            else:
                theirs.append(bench.drain("reference", settings.reference_sink_port, start, count))
    return combined_drains(ours), combined_drains(theirs)


def check_result(outcome: Outcome, name: str, result: load.Result, expected: int | None = None) -> None:
    for error in sorted(set(result.errors))[:5]:
        outcome.problems.append(f"{name}: {error} ({result.errors.count(error)}x)")
    if expected is not None and result.count != expected:
        outcome.problems.append(f"{name}: {result.count} of {expected} journeys completed")


def run(settings: Settings, workdir: Path) -> Outcome:
    outcome = Outcome()
    bench = Bench(settings, workdir)
    bench.create_database()
    try:
        sink_record = bench.sink("sink", settings.sink_port)
        reference_sink_record = bench.sink("reference-sink", settings.reference_sink_port)
        project = bench.gunicorn(
            "project", "wsgi:app", settings.project_port, bench.app_env(settings.sink_port), "/healthz"
        )
        page = bench.capture_page()
        reference_env = dict(
            os.environ,
            SECRET_KEY=bench.secret_key,
            REFERENCE_DATABASE_URL=bench.database_url,
            REFERENCE_PAGE=str(page),
        )
        reference_env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        reference = bench.gunicorn(
            "reference", "bench.reference:create_app()", settings.reference_port, reference_env, "/page"
        )
        if settings.against:
            tree = bench.checkout(settings.against)
            bench.gunicorn(
                "against", "wsgi:app", settings.against_port, bench.app_env(settings.sink_port), "/healthz", tree
            )
        outcome.notes.append(f"event page: {len(page.read_bytes()):,} bytes (/events/{SLUG})")

        # 1. The public event page.
        ours, theirs, *before = load.page_loads(
            [
                f"{settings.project}/events/{SLUG}",
                f"{settings.reference}/page",
                *([f"{settings.against_url}/events/{SLUG}"] if settings.against else []),
            ],
            concurrency=settings.page_concurrency,
            seconds=settings.page_seconds,
            rounds=settings.page_rounds,
        )
        check_result(outcome, "event page", ours)
        check_result(outcome, "reference page", theirs)
        outcome.row("event page (requests/s)", ours.rate, theirs.rate, "req/s", TARGETS["page"])
        outcome.row("  p50 latency", ours.p50 * 1000, theirs.p50 * 1000, "ms")
        outcome.row("  p99 latency", ours.p99 * 1000, theirs.p99 * 1000, "ms")
        if before:
            check_result(outcome, f"event page of {settings.against}", before[0])
            outcome.row(f"  {settings.against}", before[0].rate, theirs.rate, "req/s")
            if before[0].rate:
                outcome.notes.append(f"event page: this code {ours.rate / before[0].rate:.1%} of {settings.against}'s")

        # 2. The registration journey, after a warm-up.
        bench.warm_up_journeys(
            [settings.project, settings.reference, *([settings.against_url] if settings.against else [])]
        )
        ours, theirs, *before = load.registration_journeys(
            [
                (settings.project, bench.people("person")),
                (settings.reference, bench.people("reference")),
                *([(settings.against_url, bench.people("against"))] if settings.against else []),
            ],
            SLUG,
            concurrency=settings.concurrency,
            rounds=settings.page_rounds,
        )
        check_result(outcome, "registration journey", ours, settings.people)
        check_result(outcome, "reference registration journey", theirs, settings.people)
        outcome.row("registration journey", ours.rate, theirs.rate, "people/s", TARGETS["registration"])
        outcome.row("  p50 journey", ours.p50 * 1000, theirs.p50 * 1000, "ms")
        if before:
            check_result(outcome, f"registration journey of {settings.against}", before[0], settings.people)
            outcome.row(f"  {settings.against}", before[0].rate, theirs.rate, "people/s")
            if before[0].rate:
                outcome.notes.append(
                    f"registration journey: this code {ours.rate / before[0].rate:.1%} of {settings.against}'s "
                    f"(its people stay unconfirmed: the seat journey is this code's alone)"
                )

        # 3. The seat journey: confirm every address; seats given must be exactly the capacity.
        tokens = bench.project_tokens()
        if len(tokens) != settings.people:
            outcome.problems.append(f"{len(tokens)} confirmation emails queued for {settings.people} people")
        ours = load.confirmation_journey(settings.project, tokens, concurrency=settings.concurrency)
        theirs = load.confirmation_journey(
            settings.reference, bench.reference_tokens(), concurrency=settings.concurrency
        )
        check_result(outcome, "seat journey", ours, settings.people)
        check_result(outcome, "reference seat journey", theirs, settings.people)
        outcome.row("seat journey (confirmations)", ours.rate, theirs.rate, "people/s")
        capacity, confirmed, waitlisted = bench.project_seats()
        given = confirmed - (capacity - settings.seats)
        outcome.notes.append(
            f"seats: {given} of {settings.seats} free seats given ({confirmed} of {capacity} in all), "
            f"{waitlisted} on the waitlist; reference: {bench.reference_seats()[0]} of {settings.seats}"
        )
        if confirmed != capacity or waitlisted != settings.people - settings.seats:
            outcome.problems.append(f"seats: {confirmed} confirmed for {capacity} seats, {waitlisted} waitlisted")
        if bench.reference_seats() != (settings.seats, settings.seats):
            outcome.problems.append(f"reference seats: {bench.reference_seats()} for {settings.seats}")

        # 4. The outbox drain: every queued message once, to an SMTP server that accepts and discards. Taken in
        # turns, as the loads above: in each, the project sends its next share of the queue and the reference
        # (which changes nothing) the same share of the rows, each first in as many turns. A machine whose
        # speed drifts then slows both alike.
        ours, theirs = drains_in_turns(bench, settings, len(bench.outbox_ids()[0]))
        ids, statuses = bench.outbox_ids()
        received = Counter(sink_record.read_text().split())
        missing = [i for i in ids if received[i] == 0]
        doubled = [i for i, n in received.items() if n > 1]
        outcome.notes.append(
            f"outbox: {len(ids)} messages, {sum(received.values())} received by the SMTP server; "
            f"statuses {dict(statuses)}"
        )
        if missing or doubled or statuses.get("sent", 0) != len(ids):
            outcome.problems.append(f"mail: {len(missing)} lost, {len(doubled)} sent twice, statuses {dict(statuses)}")
        if len(reference_sink_record.read_text().split()) != theirs["sent"]:
            outcome.problems.append("reference mail: the SMTP server did not receive every message")
        outcome.row(
            "outbox drain",
            ours["sent"] / ours["seconds"],
            theirs["sent"] / theirs["seconds"],
            "msg/s",
            TARGETS["drain"],
        )

        # 5. Memory of each worker after the run.
        ours_mb, theirs_mb = bench.memory_mb(project), bench.memory_mb(reference)
        outcome.row("worker memory (largest)", max(ours_mb), max(theirs_mb), "MB")
        outcome.notes.append(
            f"worker memory (RSS, MB): project {', '.join(f'{m:.0f}' for m in ours_mb)}; "
            f"reference {', '.join(f'{m:.0f}' for m in theirs_mb)}; limit {MEMORY_LIMIT_MB} MB: "
            + ("met" if max(ours_mb) <= MEMORY_LIMIT_MB else "MISSED")
        )
    finally:
        try:
            bench.stop_all()
            bench.drop_database()
        finally:
            bench.remove_checkout()
    outcome.notes.append("commands: " + "; ".join(f"[{k}] {v}" for k, v in bench.commands.items()))
    return outcome


def report(settings: Settings, outcome: Outcome) -> None:
    turns = load.turns(settings.page_rounds, 3 if settings.against else 2)
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    print()
    print(
        f"Eventdesk bench, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores ({cpu}), "
        f"Python {platform.python_version()}, PostgreSQL at {sa.make_url(_sa_url(settings.admin_url)).host}"
    )
    print(
        f"gunicorn -c deploy/gunicorn.conf.py --workers {settings.workers} (same for both apps); page: "
        f"{settings.page_concurrency} connections for {settings.page_seconds:g} s each, in "
        f"{turns} turns; journeys: {settings.people} people, {settings.concurrency} at a time, "
        f"in {turns} turns (each app first in as many); event capacity {settings.seats} free seats"
        + (f"; against {settings.against}" if settings.against else "")
    )
    print()
    widths = [32, 18, 18, 7, 14]
    header = ("measurement", "eventdesk", "reference", "ratio", "target")
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    for line in outcome.lines:
        print("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)))
    print()
    for note in outcome.notes:
        print(f"- {note}")
    if outcome.problems:
        print("\nWRONG RESULTS:")
        for problem in outcome.problems:
            print(f"  {problem}")
    else:
        print("\nResults correct: seats exact, every message sent once, no error answers.")


def main(argv=None) -> int:
    settings = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="eventdesk-bench-") as workdir:
        outcome = run(settings, Path(workdir))
    report(settings, outcome)
    return 1 if outcome.problems else 0
