"""Eventdesk: registration and ticketing for online events."""

import importlib
import logging
import os
import time

import sqlalchemy as sa
from flask import Flask, abort, has_request_context, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from app import extensions, models, ops, web  # noqa: F401 - models: the whole schema, for migrations
from app.accounts import remember
from app.accounts.services import coordinator_for_session
from app.errors import DomainError
from app.events import page_cache
from app.extensions import SessionInterface, babel, csrf, db, login_manager, migrate, rate_limits
from app.forms import use_drawn_csrf_token_fields
from app.i18n import _l
from app.ops import requestlog
from config import config_for

BLUEPRINTS = (
    "app.events.views",
    "app.events.coordinator",
    "app.accounts.views",
    "app.desks.views",
    "app.contact.views",
    "app.registrations.views",
    "app.registrations.coordinator",
    "app.calendar.views",
    "app.calendar.coordinator",
    "app.mail.views",
    "app.dashboard.views",
    "app.participation.views",
    "app.participation.coordinator",
    "app.ops.views",
    "app.programme.views",
    "app.programme.coordinator",
    "app.languages.views",
)

# Receivers of app.signals: the calendar first, so that updates reach the participants confirmed before
# the change, then the registrations (which may confirm more people, who get the current invites).
LISTENERS = (
    "app.calendar.listeners",
    "app.registrations.listeners",
    "app.participation.listeners",
)

COMMANDS = (
    "app.accounts.commands",
    "app.mail.commands",
    "app.registrations.commands",
    "app.calendar.commands",
    "app.dashboard.commands",
    "app.participation.commands",
    "app.seed",
)

# GET endpoints that write (an access link records attendance): their transactions need the write lock.
WRITES_ON_GET = frozenset({"calendar.join"})

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'self'; object-src 'none'"
)


def create_app(config_name: str | None = None, overrides: dict | None = None) -> Flask:
    """Build the application: configuration, extensions, blueprints, error pages, CLI commands."""
    base = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    app = Flask(
        __name__,
        template_folder=os.path.join(base, "templates"),
        instance_path=os.environ.get("INSTANCE_PATH", os.path.join(base, "instance")),
    )
    config = config_for(config_name)
    if hasattr(config, "validate"):
        config.validate()
    app.config.from_object(config)
    if overrides:
        app.config.update(overrides)
    trust_proxies(app)
    # The development defaults under a production server are a deployment mistake worth shouting about.
    if app.config.get("DEV_MAILBOX") and "gunicorn" in os.environ.get("SERVER_SOFTWARE", ""):
        logging.getLogger(__name__).warning(
            "Running with the development configuration (APP_ENV=%s): not for a public server; "
            "set APP_ENV=production and a SECRET_KEY there.",
            app.config["ENV_NAME"],
        )
    os.makedirs(app.instance_path, exist_ok=True)
    if not app.debug and not app.testing:
        requestlog.configure_logging(app.config["LOG_LEVEL"], app.config["LOG_FORMAT"])

    register_extensions(app)
    ops.init_app(app)
    register_listeners()
    page_cache.init_app(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_security_headers(app)
    register_input_guard(app)
    register_commands(app)
    return app


def trust_proxies(app: Flask) -> None:
    """Read the client's address and scheme from the headers of TRUSTED_PROXY_COUNT proxies, and no further.

    Behind a proxy every request comes from the proxy's address; rate limits and login lockouts must count the
    real client. Werkzeug's ProxyFix keeps the peer's own address in environ["werkzeug.proxy_fix.orig"].
    """
    count = int(app.config.get("TRUSTED_PROXY_COUNT") or 0)
    if count > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)


def register_extensions(app: Flask) -> None:
    app.session_interface = SessionInterface()
    db.init_app(app)
    migrate.init_app(app, db, render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    use_drawn_csrf_token_fields()
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please log in to continue.")
    login_manager.login_message_category = "info"
    login_manager.localize_callback = str  # the lazy message, in the reader's language, as the flash stores it
    rate_limits.init_app(app)
    register_locales(app)
    with app.app_context():
        _ping_idle_connections(db.engine, app.config["DATABASE_PING_IDLE_SECONDS"])
        if db.engine.dialect.name == "sqlite":
            _configure_sqlite(db.engine)

    # A session names the account and its current session token: a new token ends every session.
    login_manager.user_loader(coordinator_for_session)
    login_manager.request_loader(remember.load_from_cookie)
    app.after_request(remember.write_cookie)


def register_locales(app: Flask) -> None:
    """Flask-Babel with our locale selector; times are formatted by app.timezones with explicit zones."""
    from flask_babel import refresh

    from app import locales
    from app.i18n import KeptTranslationsDomain, install_template_callables

    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "translations")
    babel.init_app(app, locale_selector=locales.select_locale)
    babel.domain_instance = KeptTranslationsDomain(domain=app.config.get("BABEL_DOMAIN", "messages"))
    install_template_callables(app.jinja_env)
    # WTForms' own messages come from our catalogs, which have every language (its catalogs do not).
    from flask_wtf import FlaskForm

    from app.form_messages import get_translations_for_forms

    FlaskForm.Meta.get_translations = get_translations_for_forms
    app.jinja_env.policies["ext.i18n.trimmed"] = True

    # Flask-Babel caches the locale in the application context, which a test (or a CLI command) may
    # share between requests: every request chooses afresh, and leaves no choice behind.
    @app.before_request
    def choose_locale_afresh():
        refresh()

    @app.teardown_request
    def forget_locale(_error=None):
        refresh()


def _ping_idle_connections(engine: sa.Engine, idle_seconds: float) -> None:
    """Check a pooled connection before use when it has been idle for ``idle_seconds`` (SQLAlchemy's pool
    events; pool_pre_ping would add a round trip to every request)."""

    @sa.event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection, record):
        record.info["checked_in_at"] = time.monotonic()

    @sa.event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection, record, _proxy):
        idle_since = record.info.get("checked_in_at")
        if idle_since is None or time.monotonic() - idle_since < idle_seconds:
            return
        try:
            cursor = dbapi_connection.cursor()
            cursor.execute("SELECT 1")
            cursor.close()
            # The check must not leave a transaction open on the connection it hands out.
            dbapi_connection.rollback()
        except Exception as error:  # noqa: BLE001 - any failure: the pool replaces the connection
            raise sa.exc.DisconnectionError(f"a pooled connection failed its check: {error}") from error


def _configure_sqlite(engine: sa.Engine) -> None:
    """SQLite: foreign keys on, a busy timeout, and BEGIN IMMEDIATE so that writers queue up.

    A deferred transaction that reads and then writes can fail with "database is locked" when another
    writer got there first; taking the write lock at BEGIN makes concurrent seat allocation serial.
    Requests that only read (GET, except the few endpoints that record something) begin deferred.
    """

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection):
        # Pages that only read start a deferred transaction, so they never wait for a writer (WAL).
        if has_request_context() and request.method in ("GET", "HEAD") and request.endpoint not in WRITES_ON_GET:
            connection.exec_driver_sql("BEGIN")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")


def register_listeners() -> None:
    """Connect each domain's receivers of app.signals (importing a listeners module connects them once)."""
    for module_name in LISTENERS:
        importlib.import_module(module_name)


class BoundedIntegerConverter(IntegerConverter):
    """<int:...> within the id columns' range: a 30-digit id is a 404, not a database overflow."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


def register_blueprints(app: Flask) -> None:
    app.url_map.converters["int"] = BoundedIntegerConverter
    for module_name in BLUEPRINTS:
        module = importlib.import_module(module_name)
        app.register_blueprint(module.bp)
    if app.config.get("DEV_MAILBOX"):
        # Imported only where it is served: production never loads the development mailbox.
        from app.mail.mailbox import bp as mailbox_bp

        app.register_blueprint(mailbox_bp)


def register_errorhandlers(app: Flask) -> None:
    def render_error(error):
        code = getattr(error, "code", 500) or 500
        if code >= 500:
            db.session.rollback()
        headers = [(k, v) for k, v in error.get_headers() if k == "Retry-After"] if code == 429 else []
        return render_template("errors/error.html", code=code, error=error), code, headers

    for code in (400, 403, 404, 405, 410, 413, 429, 500):
        app.register_error_handler(code, render_error)

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        # A refusal no view handled itself: nothing of the request is kept, and the person is told why.
        db.session.rollback()
        return render_template("errors/error.html", code=error.status, error=error, message=error.message), (
            error.status
        )

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_template("errors/error.html", code=400, error=error, csrf=True), 400


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.add_extension("jinja2.ext.do")
    app.context_processor(web.template_context)
    for name, func in web.TEMPLATE_FILTERS.items():
        app.add_template_filter(func, name)


# Paths whose URL carries a personal token (access links, confirmation and personal pages).
TOKEN_PATH_PREFIXES = ("/join/", "/r/")


def register_security_headers(app: Flask) -> None:
    hsts_seconds = int(app.config.get("HSTS_SECONDS") or 0)

    defaults = [
        ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ]
    if hsts_seconds:
        defaults.append(("Strict-Transport-Security", f"max-age={hsts_seconds}; includeSubDomains"))

    @app.after_request
    def security_headers(response):
        headers = response.headers
        path = request.path
        if path.startswith(TOKEN_PATH_PREFIXES):
            # By path, not by endpoint, so that answers no view produced (404, 405, 500) are covered too: the
            # token must not leak to other sites in a Referer, nor stay in a shared or browser cache.
            headers["Referrer-Policy"] = "no-referrer"
            if "no-store" not in headers.get("Cache-Control", ""):
                headers["Cache-Control"] = "no-store"
        elif path.startswith(("/dashboard", "/login")) and "Cache-Control" not in headers:
            # Coordinators' pages hold personal data: never kept in a shared or browser cache.
            headers["Cache-Control"] = "no-store"
        # Each header the view did not set itself, in one pass over the headers.
        present = {name.lower() for name, _value in headers.items()}
        for name, value in defaults:
            if name.lower() not in present:
                headers.add(name, value)
        return response


def register_input_guard(app: Flask) -> None:
    @app.before_request
    def refuse_nul_bytes():
        """A NUL byte is never part of a real address or filter, and PostgreSQL refuses it in text: a query
        with one fails with a 500 wherever a path or a query-string value reaches the database. Form fields
        refuse it themselves (NoControlCharacters), with an error next to the field."""
        if "\x00" in request.path:
            abort(404)  # no page has such an address
        # A NUL in the query string is sent as %00 (or raw): without either, no name or value has one, and
        # the query string need not be parsed to know it.
        query = request.query_string
        if (b"%00" in query or b"\x00" in query) and any(
            "\x00" in value for value in (*request.args.keys(), *request.args.values())
        ):
            abort(400)


def register_commands(app: Flask) -> None:
    for module_name in COMMANDS:
        module = importlib.import_module(module_name)
        for command in module.COMMANDS:
            app.cli.add_command(command)
