"""Extension objects, created unbound and initialised in create_app()."""

import time
from dataclasses import dataclass

import flask_login
from flask import current_app, session
from flask.sessions import SecureCookieSessionInterface
from flask_babel import Babel
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()


class LoginManager(flask_login.LoginManager):
    """Flask-Login's manager, leaving the sessions of visitors who are not signed in alone.

    Its "basic" session protection marks a session not fresh when the visitor's address or browser is not
    the one it was signed in from. A session without a signed-in user (a visitor's, holding a form's CSRF
    token) has none: Flask-Login marked it anyway, and its cookie was signed and sent again for nothing.
    Freshness is about a sign-in, and a session that has one is checked as before; "strong" protection too.
    """

    def _session_protection_failed(self):
        mode = current_app.config.get("SESSION_PROTECTION", self.session_protection)
        if mode == "basic" and "_user_id" not in session:
            return False
        return super()._session_protection_failed()


login_manager = LoginManager()


@dataclass(frozen=True)
class RateLimitState:
    enabled: bool
    prefix: str
    strategy: FixedWindowRateLimiter

    @property
    def storage(self) -> Storage:
        return self.strategy.storage


class RateLimits:
    """The counters of rate limits (app.ratelimits, app.accounts.throttle), initialised per app; calling it
    gives the current app's.

    The storage is the one RATELIMIT_STORAGE_URI names, as limits opens it (memory within one process, Redis
    across processes and hosts); counting uses limits' fixed-window strategy. RATELIMIT_ENABLED=False switches
    counting off; RATELIMIT_KEY_PREFIX starts every key, for installations that share a Redis.
    """

    def init_app(self, app) -> None:
        uri = rate_limit_storage_uri(app.config.get("RATELIMIT_STORAGE_URI") or "memory://")
        app.extensions["rate_limits"] = RateLimitState(
            enabled=bool(app.config.get("RATELIMIT_ENABLED", True)),
            prefix=app.config.get("RATELIMIT_KEY_PREFIX") or "limits",
            strategy=FixedWindowRateLimiter(storage_from_string(uri)),
        )

    def __call__(self) -> RateLimitState:
        return current_app.extensions["rate_limits"]


rate_limits = RateLimits()


class InlineSweepMemoryStorage(MemoryStorage):
    """limits' memory storage ("memory://"), which sweeps expired counters while it is used.

    The library's own starts a timer thread after a hit, and the thread ends 10 ms later: in a worker that
    serves one request at a time, that is a new thread for nearly every form sent. Here the sweep runs in the
    hit itself, at most once a second. Counting is unchanged: a counter's expiry is checked whenever it is
    read; the sweep only frees counters nobody reads again.
    """

    STORAGE_SCHEME = ["eventdesk-memory"]
    SWEEP_SECONDS = 1.0
    _next_sweep = 0.0

    # Overrides MemoryStorage's private __schedule_expiry (called by every incr, decr and acquire).
    def _MemoryStorage__schedule_expiry(self) -> None:
        now = time.monotonic()
        if now >= self._next_sweep:
            self._next_sweep = now + self.SWEEP_SECONDS
            self._MemoryStorage__expire_events()


def rate_limit_storage_uri(configured: str) -> str:
    """The storage the rate limits use for RATELIMIT_STORAGE_URI: the memory one sweeps inline (above)."""
    return "eventdesk-memory://" if configured.startswith("memory://") else configured


babel = Babel()


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with the signing serializer made once per secret key.

    Flask makes a new one twice per request (to read the cookie and to write it), which a page served from
    the cache notices. The serializer keeps no state between uses.
    """

    _made: tuple | None = None

    def get_signing_serializer(self, app):
        keys = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        made = self._made
        if made is None or made[0] != keys:
            made = self._made = (keys, super().get_signing_serializer(app))
        return made[1]
