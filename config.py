"""Configuration read from environment variables, with safe development defaults."""

import ipaddress
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_PATH", BASE_DIR / "instance"))

DEV_SECRET_KEY = "dev-only-secret-key-change-me"


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def _networks(name: str) -> tuple:
    """A comma-separated list of addresses or networks (10.0.0.0/8, ::1) from the environment."""
    value = os.environ.get(name, "")
    return tuple(ipaddress.ip_network(part.strip(), strict=False) for part in value.split(",") if part.strip())


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'eventdesk.db'}")
    # Hosting platforms often hand out postgres:// URLs; SQLAlchemy wants a driver name.
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url[len("postgres://") :]
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


class Config:
    ENV_NAME = "development"
    SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = _database_url()
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    # A pooled connection idle for longer than this is checked (SELECT 1) before use, so that one broken by a
    # database restart is replaced instead of failing a request; busy connections are not checked each time.
    DATABASE_PING_IDLE_SECONDS = float(os.environ.get("DATABASE_PING_IDLE_SECONDS") or 10)
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000").rstrip("/")
    SITE_NAME = os.environ.get("SITE_NAME", "Eventdesk")

    # Mail: every message goes through the outbox and is sent by `flask mail worker`.
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "127.0.0.1")
    MAIL_PORT = _int("MAIL_PORT", 8025)
    MAIL_USE_TLS = _bool("MAIL_USE_TLS")
    MAIL_USE_SSL = _bool("MAIL_USE_SSL")
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "events@eventdesk.localhost")
    MAIL_SENDER_NAME = os.environ.get("MAIL_SENDER_NAME", "Eventdesk")
    MAIL_TIMEOUT = _int("MAIL_TIMEOUT", 30)
    MAIL_MAX_ATTEMPTS = _int("MAIL_MAX_ATTEMPTS", 8)
    MAIL_BACKOFF_SECONDS = _int("MAIL_BACKOFF_SECONDS", 30)
    MAIL_BACKOFF_MAX_SECONDS = _int("MAIL_BACKOFF_MAX_SECONDS", 3600)
    # A message still not delivered this long after it was queued is marked failed (a relay outage does not
    # use up MAIL_MAX_ATTEMPTS; this is the budget that ends it).
    MAIL_GIVE_UP_AFTER = _int("MAIL_GIVE_UP_AFTER", 3 * 24 * 3600)
    MAIL_ENVELOPE_FROM = os.environ.get("MAIL_ENVELOPE_FROM") or None
    MAIL_MAX_EMAILS = _int("MAIL_MAX_EMAILS", 0) or None
    MAIL_LEASE_SECONDS = _int("MAIL_LEASE_SECONDS", 300)
    MAIL_BATCH_SIZE = _int("MAIL_BATCH_SIZE", 50)
    MAIL_POLL_SECONDS = _int("MAIL_POLL_SECONDS", 2)
    MAIL_SINK_PORT = _int("MAIL_SINK_PORT", 8025)
    DEV_MAILBOX = False

    # Rate limits: memory is enough for one process; use Redis when several serve.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    # Keys in a shared Redis start with this (one prefix per installation sharing a Redis).
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "eventdesk")
    RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
    CONTACT_RATE_LIMIT = os.environ.get("CONTACT_RATE_LIMIT", "5 per hour")
    REGISTRATION_RATE_LIMIT = os.environ.get("REGISTRATION_RATE_LIMIT", "20 per hour")
    REGISTRATION_EMAIL_RATE_LIMIT = os.environ.get("REGISTRATION_EMAIL_RATE_LIMIT", "5 per hour")
    # How many reverse proxies in front of the app set X-Forwarded-For / X-Forwarded-Proto. 0 trusts no such
    # header: any client could write them, and limits would count a made-up address.
    TRUSTED_PROXY_COUNT = _int("TRUSTED_PROXY_COUNT", 0)
    DIRECTORY_MESSAGE_RATE_LIMIT = os.environ.get("DIRECTORY_MESSAGE_RATE_LIMIT", "10 per hour")

    # The domain in calendar UIDs: set it once in production, since changing it duplicates calendar entries.
    CALENDAR_UID_DOMAIN = os.environ.get("CALENDAR_UID_DOMAIN") or None
    FEED_PAST_DAYS = _int("FEED_PAST_DAYS", 365)
    VERIFICATION_HOURS = _int("VERIFICATION_HOURS", 48)
    JOIN_WINDOW_MINUTES = _int("JOIN_WINDOW_MINUTES", 15)
    RETENTION_DAYS = _int("RETENTION_DAYS", 365)

    # Materials and pictures: stored in the database unless MATERIALS_DIR names a directory every host shares.
    MATERIALS_DIR = os.environ.get("MATERIALS_DIR") or None
    MATERIALS_MAX_BYTES = _int("MATERIALS_MAX_BYTES", 25 * 1024 * 1024)

    # Operations: logs, health checks, metrics.
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")
    REQUEST_LOG = _bool("REQUEST_LOG", True)
    READY_MAIL_MAX_DELAY_SECONDS = _int("READY_MAIL_MAX_DELAY_SECONDS", 900)
    EVENT_PAGE_CACHE_MB = float(os.environ.get("EVENT_PAGE_CACHE_MB") or 8)
    # On PostgreSQL each process keeps event pages' facts while it LISTENs for changes (app.events.page_cache).
    EVENT_PAGE_LISTEN = _bool("EVENT_PAGE_LISTEN", True)
    METRICS_TOKEN = os.environ.get("METRICS_TOKEN") or None
    METRICS_ALLOW_FROM = _networks("METRICS_ALLOW_FROM")
    # Strict-Transport-Security max-age in seconds; 0 sends none (development serves plain http).
    HSTS_SECONDS = _int("HSTS_SECONDS", 0)

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # How long "keep me logged in" lasts without a visit; every visit replaces the token.
    REMEMBER_DAYS = _int("REMEMBER_DAYS", 30)
    WTF_CSRF_TIME_LIMIT = None
    # Every form but the coordinators' uploads (which allow MATERIALS_MAX_BYTES and a little more).
    MAX_CONTENT_LENGTH = 1024 * 1024


class DevelopmentConfig(Config):
    DEV_MAILBOX = True
    MAILBOX_DIR = str(INSTANCE_DIR / "mailbox")


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-secret-key"
    BASE_URL = "http://localhost"
    SERVER_NAME = None
    DEV_MAILBOX = False
    RATELIMIT_ENABLED = False
    RATELIMIT_STORAGE_URI = "memory://"
    # A test app would start a listening thread per test; the page cache tests switch it on.
    EVENT_PAGE_LISTEN = False
    # Tests post forms directly; the CSRF tests switch it back on with @pytest.mark.app_config.
    WTF_CSRF_ENABLED = False


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"
    HSTS_SECONDS = _int("HSTS_SECONDS", 365 * 24 * 3600)

    @classmethod
    def validate(cls) -> None:
        """Refuse to start with secrets or settings that are only good for development."""
        if not cls.SECRET_KEY or cls.SECRET_KEY == DEV_SECRET_KEY or len(cls.SECRET_KEY) < 32:
            raise RuntimeError(
                "SECRET_KEY must be set to a random value of at least 32 characters in production "
                "(for instance: python -c 'import secrets; print(secrets.token_urlsafe(48))')."
            )


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_for(name: str | None = None) -> type[Config]:
    name = name or os.environ.get("APP_ENV", "development")
    try:
        return CONFIGS[name]
    except KeyError:
        raise RuntimeError(f"APP_ENV must be one of {', '.join(CONFIGS)}, not {name!r}") from None
