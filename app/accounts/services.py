"""Coordinator accounts."""

import hmac
from datetime import datetime, timedelta

import sqlalchemy as sa
from werkzeug.security import check_password_hash, generate_password_hash

from app.accounts.models import ROLE_ADMIN, ROLE_COORDINATOR, Coordinator, RememberToken, new_session_token
from app.desks.models import Desk
from app.errors import DomainError
from app.extensions import db
from app.i18n import _
from app.text import clean_name
from app.tokens import hash_token, new_token
from app.types import utcnow


class AccountError(DomainError):
    """A coordinator account cannot be created or changed as asked."""

    code = "account_invalid"


MIN_PASSWORD_LENGTH = 10
_DUMMY_HASH = generate_password_hash("not a real password")


def find_coordinator(email: str) -> Coordinator | None:
    return db.session.scalar(sa.select(Coordinator).where(Coordinator.email == email.strip().lower()))


def authenticate(email: str, password: str) -> Coordinator | None:
    """The active coordinator with this email and password, or None."""
    coordinator = find_coordinator(email)
    if coordinator is None:
        # Spend the same time as a real check, so that response times do not reveal which accounts exist.
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not coordinator.active or not coordinator.check_password(password):
        return None
    return coordinator


def save_coordinator(
    *,
    email: str,
    name: str,
    desks: list[Desk],
    admin: bool = False,
    position: str = "",
    password: str | None = None,
    active: bool = True,
    coordinator: Coordinator | None = None,
) -> Coordinator:
    """Create a coordinator, or update ``coordinator``; the caller commits."""
    email = email.strip().lower()
    clash = find_coordinator(email)
    if clash is not None and clash is not coordinator:
        raise AccountError(_("A coordinator with the email %(email)s already exists.", email=email), field="email")
    if coordinator is None:
        if not password:
            raise AccountError(_("A new coordinator needs a password."), field="password")
        coordinator = Coordinator(email=email)
        db.session.add(coordinator)
    if password is not None and password != "":
        if len(password) < MIN_PASSWORD_LENGTH:
            raise AccountError(
                _("The password must have at least %(count)s characters.", count=MIN_PASSWORD_LENGTH), field="password"
            )
        coordinator.set_password(password)
        if coordinator.id is not None:
            end_all_sessions(coordinator)
    coordinator.email = email
    coordinator.name = clean_name(name) or coordinator.name or email
    coordinator.position = clean_name(position)
    coordinator.role = ROLE_ADMIN if admin else ROLE_COORDINATOR
    coordinator.active = active
    coordinator.desks = list(desks)
    db.session.flush()
    return coordinator


def set_language(coordinator: Coordinator, language: str) -> None:
    """The language of the coordinator's pages and of the emails they receive; the caller commits."""
    from app.locales import LANGUAGES

    if language not in LANGUAGES:
        raise AccountError(_("Please choose a language from the list."), field="language")
    coordinator.language = language
    db.session.flush()


# --- Sessions -----------------------------------------------------------------------------------------


def coordinator_for_session(user_id: str) -> Coordinator | None:
    """The coordinator a session's user id ("id:session token") names, while that session is still valid."""
    coordinator_id, _, token = (user_id or "").partition(":")
    if not (coordinator_id.isascii() and coordinator_id.isdigit()) or len(coordinator_id) > 10 or not token:
        return None
    coordinator = db.session.get(Coordinator, int(coordinator_id))
    if coordinator is None or not hmac.compare_digest(coordinator.session_token.encode(), token.encode()):
        return None
    return coordinator


def end_all_sessions(coordinator: Coordinator) -> None:
    """End every session and "keep me logged in" token of this account, on every device; the caller commits."""
    coordinator.session_token = new_session_token()
    db.session.execute(sa.delete(RememberToken).where(RememberToken.coordinator_id == coordinator.id))
    db.session.flush()


def issue_remember_token(coordinator: Coordinator, days: int, now: datetime | None = None) -> str:
    """A new "keep me logged in" token for the cookie (only its hash is stored); the caller commits."""
    now = now or utcnow()
    raw, digest = new_token()
    db.session.add(RememberToken(coordinator=coordinator, token_hash=digest, expires_at=now + timedelta(days=days)))
    db.session.flush()
    return raw


def use_remember_token(raw: str | None, days: int, now: datetime | None = None) -> tuple[Coordinator, str] | None:
    """The active coordinator behind a remember cookie and the token that replaces it, or None.

    Each token works once: a copied cookie stops working as soon as either copy is used. The caller commits.
    """
    if not raw or len(raw) > 200:
        return None
    now = now or utcnow()
    token = db.session.scalar(
        sa.select(RememberToken).where(RememberToken.token_hash == hash_token(raw)).with_for_update()
    )
    if token is None:
        return None
    coordinator = token.coordinator
    db.session.delete(token)
    db.session.flush()
    if token.expires_at <= now or not coordinator.active:
        return None
    return coordinator, issue_remember_token(coordinator, days, now)
