"""Rows inserted by one statement of their own, then used as the ORM objects they are.

An INSERT ... RETURNING written as a statement skips the unit of work (its bookkeeping costs more than the
insert on a busy path) and can let a unique index decide with ON CONFLICT DO NOTHING, where a flush needs a
savepoint. ``as_loaded`` then puts the row's object in the session as if it had been loaded. Such an object
is not one the session added, so a rollback would leave it there, for a row that no longer exists: the
rollback of the transaction (or savepoint) that inserted it takes it out of the session, as it does with
objects it added itself.
"""

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, SessionTransaction

from app.extensions import db

_INSERTED = "eventdesk_rows_inserted"
T = TypeVar("T")


@dataclass(frozen=True)
class Prepared:
    """A statement (kept, the same for every row) and its values, for a caller to run, alone (``run``) or with
    a statement of its own in one round trip (``app.mail.services.queue_email``'s ``along``). Its parameters'
    names are its own: no other statement it runs with may use them."""

    statement: sa.TextClause
    parameters: dict[str, Any]

    def run(self) -> None:
        db.session.execute(self.statement, self.parameters)


def insert_unless_taken(table: sa.Table, index_elements: list, index_where=None) -> sa.Insert:
    """INSERT into ``table`` that inserts nothing where the unique index on ``index_elements`` (partial:
    ``index_where``) already holds the values, in the database's own dialect; add ``returning``.
    Callers keep the statement per dialect: it is the same for every row."""
    insert = postgresql_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    return insert(table).on_conflict_do_nothing(index_elements=index_elements, index_where=index_where)


def loaded(cls: type[T], values: Mapping[str, Any]) -> T:
    """An object of ``cls`` from the values of its row just inserted (by column name, every column given), put in
    the session by ``as_loaded``. Its attributes are set as a query's row sets them, not through the
    constructor, whose events and bookkeeping for each attribute a loaded object does not need."""
    mapper = sa.inspect(cls)
    obj = mapper.class_manager.new_instance()
    keys = _attribute_keys(mapper)
    obj.__dict__.update({keys[name]: value for name, value in values.items()})
    return as_loaded(obj)


@functools.cache
def _attribute_keys(mapper: so.Mapper) -> dict[str, str]:
    return {column.name: prop.key for prop in mapper.column_attrs for column in prop.columns}


def as_loaded(obj: T) -> T:
    """Put ``obj`` (built from a row just inserted, every column given) in the session as if loaded."""
    session = db.session()
    so.make_transient_to_detached(obj)
    session.add(obj)
    transaction = session.get_nested_transaction() or session.get_transaction()
    # The identity, not the object: the session holds its objects weakly, and a long transaction that
    # queues thousands of emails must not keep them all in memory.
    session.info.setdefault(_INSERTED, []).append((sa.inspect(obj).key, transaction))
    return obj


def _within(transaction: SessionTransaction | None, ended: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is ended:
            return True
        transaction = transaction.parent
    return False


@sa.event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
    inserted = session.info.get(_INSERTED)
    if not inserted:
        return
    kept = []
    for key, transaction in inserted:
        if _within(transaction, previous_transaction):
            obj = session.identity_map.get(key)
            if obj is not None:
                session.expunge(obj)
        else:
            kept.append((key, transaction))
    session.info[_INSERTED] = kept


@sa.event.listens_for(Session, "after_commit")
def _forget_committed(session: Session) -> None:
    # Also called when a savepoint is released: its rows stay for the enclosing transaction to decide.
    if session.get_nested_transaction() is None:
        session.info.pop(_INSERTED, None)
