"""What a sign-up reads of its event, kept in each process between the event's changes.

A sign-up checks the form against the event as it is: its state and sessions, its rules, categories and
questions, and routes the person by the desks. Read for every sign-up, these are seven queries and a few
dozen objects to build. They are kept instead, detached from any session, by event, ``page_version`` and the
desks' routing version (app.desks.kept), and copied into the request's session without a query
(``Session.merge`` with ``load=False``).

Every change to the event or to one of these parts raises ``page_version`` in the same transaction
(app.events.page_cache.bump_page_versions), every change to a desk the routing version, and each sign-up
reads both versions in its own transaction (one small query): parts of another version are never used, they
are read again. So a sign-up checks against the event as it is at that moment, as if it had read it all.
Seats, limits and code uses are not parts: they are counted when a sign-up needs them.

The kept objects are shared by every request of the process: their JSON values (a question's options, a
translation's texts) are the same lists and dicts in each copy. Nothing may change them in place, which the
unit of work would not notice anyway: a new value is assigned.
"""

from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.desks import kept as kept_desks
from app.events.models import CANCELLED, PUBLISHED, Event
from app.events.page_cache import facts_watch
from app.extensions import db
from app.kept import Kept, per_app
from app.registrations.models import Category, Question, RegistrationRules
from app.registrations.services.categories import categories_for, categories_select
from app.registrations.services.questions import questions_for, questions_select
from app.registrations.services.seats import note_no_rules, rules_for

# Events whose parts a process keeps (some tens of KB each); the least recently used beyond
# this are read again when asked. Events open for registration at one time are far fewer.
KEPT_EVENTS = 64
_KEPT_KEY = "eventdesk_signup_parts"


@dataclass(frozen=True)
class SignUpParts:
    """An event and what its registration form is checked against, in the request's session."""

    event: Event
    categories: list[Category]
    questions: list[Question]
    # The desks' routing version read with the event's (app.desks.kept); None: the desks are read.
    routing_version: int | None = None

    @property
    def rules(self) -> RegistrationRules:
        return rules_for(self.event)


def read_parts(event: Event) -> SignUpParts:
    """The parts of an event already in the session, read now."""
    return SignUpParts(event, categories_for(event), questions_for(event))


@dataclass(frozen=True)
class _Detached:
    routing_version: int  # the event's desk (its name signs the emails) is of it
    event: Event
    rules: RegistrationRules | None
    categories: tuple[Category, ...]
    questions: tuple[Question, ...]


def _kept() -> Kept:
    return per_app(_KEPT_KEY, lambda: Kept(KEPT_EVENTS))


def signup_parts(slug: str) -> SignUpParts | None:
    """The public event (published or cancelled) with the parts a sign-up checks; None when there is none.

    The parts are kept per process by the event's ``page_version`` and the desks' routing version, read in the
    sign-up's transaction. While this process's watch listens (app.events.page_cache.FactsWatch), PostgreSQL
    announces every change to the event, its parts and the desks' routing, and the parts it vouches for need no
    read at all: kept under a ticket taken before the versions were read, forgotten at the next notice for the
    event (or "*"), and read again after its KEPT_SECONDS in any case.

    The event is in the request's session like any loaded one: changing it, or lazily loading what is not
    kept (its desk's coordinators), works as usual."""
    watch = facts_watch()
    ticket = None
    if watch is not None:
        vouched, ticket = watch.kept((_WATCHED, slug))
        if vouched is not None:
            return _attach(vouched)
    found = read_versions(slug)
    if found is None:
        return None
    event_id, version, routing_version = found
    kept = _kept().get(event_id)
    if kept is None or kept.event.page_version != version or kept.routing_version != routing_version:
        kept = _read_detached(event_id, routing_version)
        if kept is None:
            return None
        _kept().put(event_id, kept)
    if watch is not None:
        watch.keep((_WATCHED, slug), kept, ticket, event_id=event_id)
    return _attach(kept)


_WATCHED = "sign-up parts"


def read_versions(slug: str) -> tuple[int, int, int] | None:
    """The public event's id, ``page_version`` and the desks' routing version, in the sign-up's transaction."""
    found = db.session.execute(_VERSION, {"slug": slug}).first()
    return None if found is None else tuple(found)


_events = Event.__table__
# The event's version and the desks' routing version, in one query.
# (The two states as two comparisons: an IN list of values is expanded anew for every execution.)
_VERSION = sa.select(_events.c.id, _events.c.page_version, kept_desks.version_column()).where(
    _events.c.slug == sa.bindparam("slug"), sa.or_(_events.c.status == PUBLISHED, _events.c.status == CANCELLED)
)


def _read_detached(event_id: int, routing_version: int) -> _Detached | None:
    # A session of its own on the request's connection and transaction (SQLite has one writer at a time):
    # what it loads is detached when it closes, and the request's session holds none of it. The event is
    # read first, so every part read after it is at least as new as its page_version.
    with so.Session(bind=db.session.connection(), expire_on_commit=False) as session:
        event = session.scalar(
            sa.select(Event)
            .where(Event.id == event_id)
            # Its translations are not kept: a sign-up seldom reads them (its confirmation email is rendered
            # once per event version: app.mail.services.render_shared_email), and copying ten of them into
            # every request's session cost more than reading them when asked.
            .options(so.selectinload(Event.sessions), so.joinedload(Event.desk), so.lazyload(Event.translations))
        )
        if event is None:
            return None
        return _Detached(
            routing_version=routing_version,
            event=event,
            rules=session.get(RegistrationRules, event_id),
            categories=tuple(session.scalars(categories_select(event_id))),
            questions=tuple(session.scalars(questions_select(event_id))),
        )


def _attach(kept: _Detached) -> SignUpParts:
    session = db.session
    event = session.merge(kept.event, load=False)
    if kept.rules is None:
        note_no_rules(event.id)
    else:
        session.merge(kept.rules, load=False)
    return SignUpParts(
        event=event,
        categories=[session.merge(c, load=False) for c in kept.categories],
        questions=[session.merge(q, load=False) for q in kept.questions],
        routing_version=kept.routing_version,
    )
