"""The public event page, rendered once per variant and kept in each process's memory.

What every reader of an event sees alike (title, times in the reader's zone, description, the empty
registration form with its country and zone lists) is rendered once per *variant*: the event's
``page_version``, the reader's zone and language, the registration state and the seats shown. The variant comes
from the event's *facts* (PageFacts): its ``page_version``, registration dates and confirmed count, read in one
query. On SQLite every request reads them. On PostgreSQL each process keeps them while it listens to the
database (FactsWatch): triggers announce every committed change to an event, its sessions or its confirmed
registrations (app.events.models.PAGE_CHANGE_DDL), on whatever host it was made, and the process forgets the
facts it kept about that event; a change made by the process itself is forgotten at its commit. So a change
shows on the next request and the seats left stay exact, without a query per page.

Personal parts are never cached: the CSRF token goes into the cached HTML per request (the page is rendered
with a slot in its place), and readers who are logged in or have a message waiting (flash) get a page
rendered for them alone.

``page_version`` grows in the same transaction as any change to an event or to a model that marks itself
``__event_page_part__ = True`` (sessions, translations): see bump_page_versions.
A bulk UPDATE written by hand bypasses that hook and must increase ``page_version`` itself.
"""

import functools
import logging
import os
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from itertools import chain

import sqlalchemy as sa
from flask import Response, current_app, g, has_app_context, request, session
from flask_login import current_user
from prometheus_client import Counter
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from app.events.models import CANCELLED, PAGE_CHANGE_CHANNEL, PUBLISHED, Event, EventSession
from app.extensions import db
from app.kept import Kept, per_app
from app.registrations.models import CONFIRMED, Registration

log = logging.getLogger(__name__)

# Served at /metrics. Reads that climb with the page views mean the processes are not listening.
FACTS_READS = Counter(
    "eventdesk_event_page_facts_reads_total",
    "Event page facts read from the database (facts kept by a listening process are not counted).",
)
WATCH_FAILURES = Counter(
    "eventdesk_event_page_watch_failures_total",
    "Times a process's listening connection for event page changes failed or could not be made.",
)

# Put where the CSRF token goes while the shared page is rendered; unique to this process.
CSRF_SLOT = f"csrf-slot-{secrets.token_hex(12)}"
_CSRF_SLOT_BYTES = CSRF_SLOT.encode()
CSRF_FIELD = "csrf_token"
# Above this many seats left the page shows no number, so all such counts share one rendering.
SEATS_SHOWN_UP_TO = 10


@dataclass(frozen=True)
class PageFacts:
    """What one query tells about an event's page: enough for the registration state and the cache key."""

    id: int
    page_version: int
    status: str
    timezone: str
    language: str
    capacity: int | None
    confirmed: int
    registration_opens_at: datetime | None
    registration_closes_at: datetime | None
    starts_at: datetime | None
    ends_at: datetime | None

    @property
    def seats_left(self) -> int | None:
        return None if self.capacity is None else max(self.capacity - self.confirmed, 0)


@functools.cache
def _facts_query() -> sa.Select:
    sessions = sa.select(EventSession).where(EventSession.event_id == Event.id)
    confirmed = (
        sa.select(sa.func.count())
        .where(Registration.event_id == Event.id, Registration.status == CONFIRMED)
        .scalar_subquery()
    )
    return sa.select(
        Event.id,
        Event.page_version,
        Event.status,
        Event.timezone,
        Event.language,
        Event.capacity,
        confirmed,
        Event.registration_opens_at,
        Event.registration_closes_at,
        sessions.with_only_columns(sa.func.min(EventSession.starts_at)).scalar_subquery(),
        sessions.with_only_columns(sa.func.max(EventSession.ends_at)).scalar_subquery(),
    ).where(Event.slug == sa.bindparam("slug"), sa.or_(Event.status == PUBLISHED, Event.status == CANCELLED))


def page_facts(slug: str) -> PageFacts | None:
    """The public event's facts; None when no published or cancelled event has the slug.

    Kept facts when this process's FactsWatch listens and no change was announced since they were read;
    otherwise read now (and kept when the watch allows it).
    """
    watch = facts_watch()
    if watch is None:
        return read_page_facts(slug)
    kept, ticket = watch.kept(slug)
    if kept is not None:
        return kept
    facts = read_page_facts(slug)
    if facts is not None:
        watch.keep(slug, facts, ticket, event_id=facts.id)
    return facts


def read_page_facts(slug: str) -> PageFacts | None:
    """The public event's facts read from the database, in one round trip.

    On PostgreSQL the read runs on a pooled connection of its own in autocommit mode, outside the request's
    ORM session, as the driver's own prepared statement: the page only reads, the statement is consistent on
    its own, and the BEGIN and ROLLBACK round trips, the session's work and the SQL compilation are saved.
    """
    FACTS_READS.inc()
    if db.engine.dialect.name == "postgresql":
        sql, parameters = _facts_sql()
        pooled = db.engine.raw_connection()
        connection = pooled.driver_connection
        done = False
        try:
            connection.autocommit = True
            with connection.cursor() as cursor:
                # psycopg prepares a statement it runs often: after a few pages, only the slug travels.
                cursor.execute(sql, {**parameters, "slug": slug})
                row = cursor.fetchone()
            connection.autocommit = False
            done = True
        finally:
            if not done:
                # Whatever stopped the read (an error, a timeout), the connection is not given to the next
                # request: it might still be in autocommit, where row locks would not hold.
                pooled.invalidate()
            pooled.close()
    else:
        row = db.session.execute(_facts_query(), {"slug": slug}).first()
    return PageFacts(*row) if row is not None else None


@functools.cache
def _facts_sql() -> tuple[str, dict]:
    """The facts query compiled once for PostgreSQL, with its fixed parameters (the statuses).

    Its timestamps come back as timestamptz, aware as the columns' own type would give them."""
    compiled = _facts_query().params(slug="").compile(dialect=db.engine.dialect)
    return str(compiled), {k: v for k, v in compiled.params.items() if k != "slug"}


def cacheable() -> bool:
    """Whether this request may get the shared page: an anonymous reader, nothing personal to show, and no
    query string beyond a valid ``tz`` (the page links back to its own address)."""
    from app import timezones

    if set(request.args) - {"tz"}:
        return False
    if "tz" in request.args and not timezones.is_zone(request.args["tz"]):
        return False
    if "_flashes" in session:
        return False
    return bool(current_user.is_anonymous)


def _reader_language() -> str:
    # The interface language chosen for this reader (app.locales; the event's language is set before).
    if "babel" in current_app.extensions:
        from flask_babel import get_locale

        return str(get_locale())
    return ""


def variant(facts: PageFacts, zone: str, state: str) -> tuple:
    """Everything that makes one reader's copy of the page differ from another's, but the CSRF token."""
    seats = facts.seats_left
    shown = "many" if seats is not None and seats > SEATS_SHOWN_UP_TO else seats
    return (facts.id, facts.page_version, zone, _reader_language(), state, shown, request.full_path)


def pages() -> Kept:
    """This process's rendered event pages, encoded (UTF-8), bounded by their size in bytes (EVENT_PAGE_CACHE_MB,
    default 8)."""
    return per_app("eventdesk_event_pages", lambda: Kept(int(current_app.config["EVENT_PAGE_CACHE_MB"] * 2**20), len))


@contextmanager
def csrf_slot() -> Iterator[None]:
    """Render forms with CSRF_SLOT as their token (Flask-WTF takes a token already in ``g`` as is)."""
    setattr(g, CSRF_FIELD, CSRF_SLOT)
    try:
        yield
    finally:
        g.pop(CSRF_FIELD, None)


def personalise(page: bytes) -> Response:
    """The shared page (encoded) with this reader's CSRF token in its forms.

    The page is kept encoded and the token put in as bytes: the text of a page with letters beyond ASCII is
    held four bytes a character, and replacing in it, then encoding it, took longer than the rest of the view.

    Any token already in ``g`` is dropped first: ``g`` lives as long as the application context, which a test
    client (or anything else that keeps one context for several requests) shares between readers.
    """
    from flask_wtf.csrf import generate_csrf

    if _CSRF_SLOT_BYTES in page:
        g.pop(CSRF_FIELD, None)
        page = page.replace(_CSRF_SLOT_BYTES, generate_csrf().encode())
    return Response(page, mimetype="text/html")


# --- page_version ----------------------------------------------------------------------------------


def _page_owner_id(obj) -> int | None:
    if isinstance(obj, Event):
        return obj.id
    if getattr(type(obj), "__event_page_part__", False):
        if hasattr(obj, "page_event_id"):
            return obj.page_event_id
        return obj.event_id or (obj.event.id if obj.event is not None else None)
    return None


# Session.info key: events whose facts the transaction changes, forgotten by this process's watch at commit.
_CHANGED_PAGES = "eventdesk_changed_pages"


def bump_page_versions(session: Session, _flush_context, _instances) -> None:
    """Before a flush: increase page_version of every event whose page the flush changes, and note for this
    process's facts watch (forgotten at commit) those events and the ones whose confirmed count changes.

    The increase is done by the database (page_version + 1), so concurrent changes never share a version.
    """
    ids: set[int] = set()
    seats: set[int] = set()
    with session.no_autoflush:
        for obj in chain(session.new, session.dirty, session.deleted):
            if isinstance(obj, Event) and obj in session.new:
                continue  # a new event starts at version 0 and has no cached page yet
            if obj in session.dirty and not session.is_modified(obj, include_collections=False):
                continue
            if isinstance(obj, Registration):
                if _changes_confirmed(session, obj):
                    seats.add(obj.event_id)
                continue
            owner = _page_owner_id(obj)
            if owner is not None:
                ids.add(owner)
        if ids or seats:
            session.info.setdefault(_CHANGED_PAGES, set()).update(ids | seats)
        for event_id in ids:
            event = session.identity_map.get(identity_key(Event, event_id))
            if event is not None and event not in session.deleted:
                event.page_version = Event.page_version + 1
            else:
                session.execute(
                    sa.update(Event)
                    .where(Event.id == event_id)
                    .values(page_version=Event.page_version + 1)
                    .execution_options(synchronize_session=False)
                )


def init_app(app) -> None:
    if not sa.event.contains(Session, "before_flush", bump_page_versions):
        sa.event.listen(Session, "before_flush", bump_page_versions)
        sa.event.listen(Session, "after_commit", _forget_committed)
        sa.event.listen(Session, "after_rollback", _drop_noted)


# --- the facts watch --------------------------------------------------------------------------------


class FactsWatch:
    """What this process keeps of each event, for as long as PostgreSQL tells it of every change: the facts
    of event pages (by slug) and the parts a sign-up checks (app.registrations.services.signup).

    A thread LISTENs on PAGE_CHANGE_CHANNEL. Things are kept only while it listens, and only when no change was
    announced between the moment they were read and the moment they are kept (the *ticket*): a request that
    raced a change keeps nothing, and the next one reads again. A notice names an event, whose things are
    forgotten, or "*" (a TRUNCATE, a change of the desks' routing), which forgets everything. When the
    connection is lost everything is forgotten and nothing is kept until the thread listens again. Kept things
    are read again after KEPT_SECONDS in any case: the bound on what a notice lost on the way (a connection
    pooler in transaction mode, where LISTEN hears nothing) could leave unseen.
    """

    KEPT_SECONDS = 10.0
    RETRY_SECONDS = 1.0

    def __init__(self, conninfo: str):
        self._conninfo = conninfo
        self._lock = threading.Lock()
        # key -> (the event's id, what is kept, when it was kept)
        self._entries: dict[object, tuple[int, object, float]] = {}
        self._generation = 0
        self._listening = False
        # The PostgreSQL backend that listens (pg_stat_activity.pid), while connected.
        self.backend_pid: int | None = None
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="event-page-watch", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=10)

    @property
    def listening(self) -> bool:
        return self._listening

    def kept(self, key) -> tuple[object | None, int | None]:
        """What is kept under ``key`` (a slug for page facts); or None and the ticket with which what is read
        now may be kept."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and time.monotonic() - entry[2] < self.KEPT_SECONDS:
                return entry[1], None
            return None, self._generation if self._listening else None

    def keep(self, key, value, ticket: int | None, *, event_id: int) -> None:
        """Keep ``value`` (of the event ``event_id``) under ``key``, if no change was announced since
        ``ticket`` was given; it was read after that."""
        with self._lock:
            if ticket is not None and self._listening and ticket == self._generation:
                self._entries[key] = (event_id, value, time.monotonic())

    def forget(self, event_id: int | None = None) -> None:
        """Forget what is kept of one event (None: of all); tickets given before are no longer honoured."""
        with self._lock:
            self._generation += 1
            if event_id is None:
                self._entries.clear()
            else:
                for key in [key for key, entry in self._entries.items() if entry[0] == event_id]:
                    del self._entries[key]

    def _announced(self, payload: str) -> None:
        self.forget(int(payload) if payload.isdigit() else None)

    def _run(self) -> None:
        import psycopg

        failed_before = False
        while not self._stopping.is_set():
            try:
                with psycopg.connect(
                    self._conninfo,
                    autocommit=True,
                    connect_timeout=5,
                    # A peer that vanished without closing is noticed within about a minute.
                    keepalives=1,
                    keepalives_idle=30,
                    keepalives_interval=10,
                    keepalives_count=3,
                    application_name="eventdesk event page watch",
                ) as connection:
                    connection.execute(f"LISTEN {PAGE_CHANGE_CHANNEL}")
                    self.backend_pid = connection.info.backend_pid
                    with self._lock:
                        self._listening = True
                        self._generation += 1
                    if failed_before:
                        log.info("event page watch: listening again")
                        failed_before = False
                    while not self._stopping.is_set():
                        for notice in connection.notifies(timeout=1.0):
                            self._announced(notice.payload)
            except Exception as error:  # noqa: BLE001 - any failure: forget, read every page's facts, retry
                WATCH_FAILURES.inc()
                if not failed_before:
                    log.warning("event page watch: %s; event pages read their facts until it listens again", error)
                failed_before = True
            finally:
                self.backend_pid = None
                with self._lock:
                    self._listening = False
                    self._generation += 1
                    self._entries.clear()
            self._stopping.wait(self.RETRY_SECONDS)


_WATCH_KEY = "eventdesk_event_page_watch"
_watch_lock = threading.Lock()


def facts_watch() -> FactsWatch | None:
    """This process's watch (started on first use), or None: SQLite, or EVENT_PAGE_LISTEN off.

    A process forked from one that had a watch (its thread does not survive the fork) starts its own."""
    extensions = current_app.extensions
    made = extensions.get(_WATCH_KEY)
    if made is not None and made[0] == os.getpid():
        return made[1]
    with _watch_lock:
        made = extensions.get(_WATCH_KEY)
        if made is None or made[0] != os.getpid():
            watch = None
            if current_app.config.get("EVENT_PAGE_LISTEN") and db.engine.dialect.name == "postgresql":
                watch = FactsWatch(db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False))
                watch.start()
            made = extensions[_WATCH_KEY] = (os.getpid(), watch)
    return made[1]


def _changes_confirmed(session: Session, registration: Registration) -> bool:
    """Whether flushing ``registration`` changes its event's confirmed count."""
    if registration in session.new or registration in session.deleted:
        return registration.status == CONFIRMED
    history = sa.inspect(registration).attrs.status.history
    if history.added and not history.deleted and not history.unchanged:
        return True  # set without its old value loaded: it may have been confirmed
    return CONFIRMED in (history.added or ()) or CONFIRMED in (history.deleted or ())


def _forget_committed(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a released savepoint: nothing is committed yet
    ids = session.info.pop(_CHANGED_PAGES, None)
    made = current_app.extensions.get(_WATCH_KEY) if ids and has_app_context() else None
    if made is not None and made[1] is not None:
        for event_id in ids:
            made[1].forget(event_id)


def _drop_noted(session: Session) -> None:
    # A savepoint rolled back keeps what the outer transaction noted (forgetting a little more is harmless).
    if not session.in_nested_transaction():
        session.info.pop(_CHANGED_PAGES, None)
