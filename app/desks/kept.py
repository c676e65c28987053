"""The desks as routing sees them, kept in each process between their changes.

Every sign-up routes its person to a desk, and the desks change seldom (a coordinator edits one). So each
process keeps what routing needs of them (id, name, countries, German, default), by the desks' routing
version: a counter in the database (DeskRoutingVersion) that grows in the same transaction as any change to
a desk, before the flush that writes it. A caller reads the counter in its own transaction (``version_column``,
with its other facts in one query) and gets the kept desks only when they are of that version; else they are
read again. So it routes by the desks as they are at that moment, as if it had read them.

A bulk UPDATE or DELETE of desks written by hand bypasses the flush and must raise the version itself
(``bump``).
"""

from dataclasses import dataclass
from itertools import chain

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from app.desks.models import Desk, DeskRoutingVersion
from app.extensions import db
from app.rows import insert_unless_taken

_KEPT_KEY = "eventdesk_routing_desks"
_versions = DeskRoutingVersion.__table__


@dataclass(frozen=True)
class RoutingDesk:
    """What routing needs of a desk, detached from any session."""

    id: int
    name: str
    is_german: bool
    is_default: bool
    countries: tuple[str, ...]


def version_column() -> sa.ScalarSelect:
    """The desks' routing version, as a column for a caller's query (0 before any change)."""
    return sa.select(sa.func.coalesce(sa.func.max(_versions.c.version), 0)).scalar_subquery()


def routing_desks(version: int) -> list[RoutingDesk]:
    """The desks at ``version``, read by the caller in this transaction: kept ones when they are of it."""
    kept = current_app.extensions.get(_KEPT_KEY)  # one per app: another app has another database
    if kept is not None and kept[0] == version:
        return kept[1]
    # Read after the version, in the same transaction: at least as new as it, never older.
    desks = [
        RoutingDesk(desk.id, desk.name, desk.is_german, desk.is_default, tuple(desk.countries))
        for desk in db.session.scalars(sa.select(Desk).order_by(Desk.name))
    ]
    current_app.extensions[_KEPT_KEY] = (version, desks)
    return desks


def bump(session: Session) -> None:
    """Raise the routing version (the row is made when missing), in the session's transaction."""
    session.execute(insert_unless_taken(_versions, [_versions.c.id]).values(id=1, version=0))
    session.execute(sa.update(_versions).where(_versions.c.id == 1).values(version=_versions.c.version + 1))


def _bump_on_desk_changes(session: Session, _flush_context, _instances) -> None:
    for obj in chain(session.new, session.deleted, session.dirty):
        if isinstance(obj, Desk) and (obj not in session.dirty or session.is_modified(obj, include_collections=False)):
            bump(session)
            return


if not sa.event.contains(Session, "before_flush", _bump_on_desk_changes):
    sa.event.listen(Session, "before_flush", _bump_on_desk_changes)
