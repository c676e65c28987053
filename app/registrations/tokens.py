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
    """Store a new token's hash and return the token itself, for a link in an email.

    The row is inserted at once, as one statement: nothing in the session holds it, and no flush has to
    work it out (a registration not yet stored is flushed first: the row refers to it)."""
    raw, digest = new_token()
    if registration.id is None:
        db.session.flush()
    db.session.execute(
        _INSERT,
        {
            "registration_id": registration.id,
            "purpose": purpose,
            "token_hash": digest,
            "expires_at": expires_at,
            "created_at": utcnow(),
        },
    )
    return raw


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
