"""Personal link tokens of a registration (confirm email, participant page, access link).

A registration may hold several tokens of one purpose: each email that carries a link gets a fresh
token, because only hashes are stored and an earlier token cannot be shown again.
"""

import functools
from datetime import datetime

import sqlalchemy as sa

from app.extensions import db
from app.registrations.models import AccessToken, Registration
from app.rows import Prepared
from app.tokens import hash_token, new_token
from app.types import utcnow


def issue(registration: Registration, purpose: str, expires_at: datetime | None = None) -> str:
    """Store a new token's hash and return the token itself, for a link in an email."""
    (raw,), storing = prepare_many(registration, [(purpose, expires_at)])
    storing.run()
    return raw


def prepare_many(registration: Registration, wanted: list[tuple[str, datetime | None]]) -> tuple[list[str], Prepared]:
    """New tokens for (purpose, expires_at) each, in that order, and the one statement that stores their hashes,
    for the caller to run in its transaction (see ``app.mail.services.queue_email``'s ``along``).

    The rows are inserted at once: nothing in the session holds them, and no flush has to work them out (a
    registration not yet stored is flushed first: the rows refer to it)."""
    if not wanted:
        raise ValueError("no tokens asked for")
    if registration.id is None:
        db.session.flush()
    made = [new_token() for _ in wanted]
    values = {"token_registration_id": registration.id, "token_created_at": utcnow()}
    for row, ((purpose, expires_at), (_raw, digest)) in enumerate(zip(wanted, made, strict=True)):
        values |= {f"token_purpose_{row}": purpose, f"token_hash_{row}": digest, f"token_expires_at_{row}": expires_at}
    return [raw for raw, _digest in made], Prepared(_insert_rows(len(wanted)), values)


# The statement's values are named apart from any other statement's it may be run with.
_PER_ROW = {"purpose": "token_purpose", "token_hash": "token_hash", "expires_at": "token_expires_at"}


@functools.cache
def _insert_rows(count: int) -> sa.TextClause:
    """One INSERT of ``count`` rows, written once per count and cached like any statement (a list of rows
    given as parameters would be sent as several statements in a pipeline, a list of values built into an
    insert construct compiled anew at each execution)."""
    table = AccessToken.__table__
    rows = ", ".join(
        f"(:token_registration_id, {', '.join(f':{name}_{row}' for name in _PER_ROW.values())}, :token_created_at)"
        for row in range(count)
    )
    columns = ", ".join(_PER_ROW)
    return sa.text(
        f"INSERT INTO {table.name} (registration_id, {columns}, created_at) VALUES {rows}"  # noqa: S608 - the names are the table's, the values bound
    ).bindparams(
        sa.bindparam("token_registration_id", type_=table.c.registration_id.type),
        sa.bindparam("token_created_at", type_=table.c.created_at.type),
        *(
            sa.bindparam(f"{name}_{row}", type_=table.c[column].type)
            for row in range(count)
            for column, name in _PER_ROW.items()
        ),
    )


def lookup(raw: str | None, purpose: str) -> AccessToken | None:
    """The unexpired token row for a link token, or None (unknown, tampered or expired)."""
    if not raw or len(raw) > 200:
        return None
    token = db.session.scalar(
        sa.select(AccessToken).where(AccessToken.token_hash == hash_token(raw), AccessToken.purpose == purpose)
    )
    if token is None:
        return None
    if token.expires_at is not None and token.expires_at <= utcnow():
        return None
    return token


def revoke(registration: Registration, purpose: str) -> None:
    db.session.execute(
        sa.delete(AccessToken).where(AccessToken.registration_id == registration.id, AccessToken.purpose == purpose)
    )
