"""Personal link tokens of a registration (confirm email, participant page, access link).

A registration may hold several tokens of one purpose: each email that carries a link gets a fresh
token, because only hashes are stored and an earlier token cannot be shown again.
"""

from datetime import datetime

import sqlalchemy as sa

from app.extensions import db
from app.registrations.models import AccessToken, Registration
from app.tokens import hash_token, new_token
from app.types import utcnow


def issue(registration: Registration, purpose: str, expires_at: datetime | None = None) -> str:
    """Store a new token's hash and return the token itself, for a link in an email."""
    return issue_many(registration, [(purpose, expires_at)])[0]


def issue_many(registration: Registration, wanted: list[tuple[str, datetime | None]]) -> list[str]:
    """New tokens for (purpose, expires_at) each, in that order; their hashes are stored together.

    The rows are inserted at once, in one statement: nothing in the session holds them, and no flush has to
    work them out (a registration not yet stored is flushed first: the rows refer to it)."""
    if registration.id is None:
        db.session.flush()
    made = [new_token() for _ in wanted]
    created_at = utcnow()
    db.session.execute(
        _INSERT,
        [
            {
                "registration_id": registration.id,
                "purpose": purpose,
                "token_hash": digest,
                "expires_at": expires_at,
                "created_at": created_at,
            }
            for (purpose, expires_at), (_raw, digest) in zip(wanted, made, strict=True)
        ],
    )
    return [raw for raw, _digest in made]


# Rows given as a list of parameters: one statement for them all, compiled once (a list of values in the
# statement itself would be compiled anew each time).
_INSERT = sa.insert(AccessToken.__table__)


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
