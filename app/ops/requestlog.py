"""One log line per request, with a request id that every other log line of that request carries too.

The id is the proxy's ``X-Request-ID`` when it looks like one (nginx: ``proxy_set_header X-Request-ID
$request_id``), else a new random one; it is sent back in the response's ``X-Request-ID``. LOG_FORMAT=json
writes JSON lines (python-json-logger) for log collectors.
"""

import logging
import re
import secrets
import sys
import time

from flask import Flask, Request, g, has_request_context, request
from pythonjsonlogger.json import JsonFormatter

log = logging.getLogger("eventdesk.request")

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,128}$")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
JSON_FIELDS = ["asctime", "levelname", "name", "request_id", "message"]


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record: the current request's, or "-" outside a request."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):  # the request's own line brings it
            record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


def make_handler(fmt: str = "text", stream=None) -> logging.Handler:
    """A handler writing text lines or JSON lines (``fmt="json"``), each with its request id."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(RequestIdFilter())
    if fmt == "json":
        handler.setFormatter(JsonFormatter(JSON_FIELDS, rename_fields={"levelname": "level", "name": "logger"}))
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    return handler


def configure_logging(level: str = "INFO", fmt: str = "text") -> None:
    """Send the app's logs to stderr (LOG_LEVEL, LOG_FORMAT=text|json)."""
    root = logging.getLogger()
    root.handlers[:] = [make_handler(fmt)]
    root.setLevel(level.upper())
    # What no line shows is not gathered for each record (the logging HOWTO's "Optimization"): the calling
    # function's file and line (a walk up the stack), the thread and the multiprocessing name. The process id
    # stays: gunicorn's own lines show it.
    logging._srcfile = None  # noqa: SLF001 - the switch the HOWTO names
    logging.logThreads = False
    logging.logMultiprocessing = False


def _logged_path(current: Request) -> str:
    # Personal links carry their token in the path: log the route instead, never the token.
    if current.url_rule is not None and current.view_args and "token" in current.view_args:
        return current.url_rule.rule
    return current.path


def started() -> float | None:
    """When this request began (``time.perf_counter``), as its first hook noted it; None before."""
    return g.get("request_started")


def init_app(app: Flask) -> None:
    def assign_request_id():
        state = g._get_current_object()
        state.request_started = time.perf_counter()
        given = request.headers.get("X-Request-ID", "")
        state.request_id = given if _REQUEST_ID.match(given) else secrets.token_hex(16)

    # First of the request's hooks, before those of extensions made earlier (CSRF): a request they refuse is
    # logged and timed too.
    app.before_request_funcs.setdefault(None, []).insert(0, assign_request_id)

    @app.after_request
    def log_request(response):
        # The request and g are read once each here: every read through their proxies looks them up again.
        state = g._get_current_object()
        request_id = state.get("request_id")
        if request_id is None:
            return response
        response.headers["X-Request-ID"] = request_id
        if app.config.get("REQUEST_LOG", True):
            current = request._get_current_object()
            elapsed = (time.perf_counter() - state.request_started) * 1000  # noted with the request id
            path, method, status = _logged_path(current), current.method, response.status_code
            log.info(
                "%s %s %s %.1fms",
                method,
                path,
                status,
                elapsed,
                extra={
                    "request_id": request_id,
                    "method": method,
                    "path": path,
                    "status": status,
                    "duration_ms": round(elapsed, 1),
                    "remote_addr": current.remote_addr,
                    "endpoint": current.endpoint,
                },
            )
        return response
