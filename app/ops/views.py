"""/healthz and /readyz for load balancers, /metrics for Prometheus (token or address allow-list)."""

import hmac
import ipaddress

from flask import Blueprint, Response, abort, current_app, jsonify, request

from app.ops import health, metrics

bp = Blueprint("ops", __name__)


@bp.after_request
def never_cached(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/healthz")
def healthz():
    """The process is alive and answers; nothing else is checked."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    """Ready for traffic: database reachable, migrations current, mail not stuck. 503 otherwise."""
    checks = health.readiness()
    ready = all(check.ok for check in checks)
    body = {"status": "ready" if ready else "not ready", "checks": {c.name: c.detail for c in checks}}
    return jsonify(body), 200 if ready else 503


def _allowed_address() -> bool:
    networks = current_app.config["METRICS_ALLOW_FROM"]
    if not networks or not request.remote_addr:
        return False
    try:
        address = ipaddress.ip_address(request.remote_addr)
    except ValueError:
        return False
    return any(address in network for network in networks)


def _valid_token() -> bool:
    expected = current_app.config["METRICS_TOKEN"]
    given = request.headers.get("Authorization", "")
    return bool(expected) and hmac.compare_digest(given.encode(), f"Bearer {expected}".encode())


@bp.get("/metrics")
def prometheus_metrics():
    config = current_app.config
    if not config["METRICS_TOKEN"] and not config["METRICS_ALLOW_FROM"]:
        abort(404)  # metrics are off until a token or an allow-list is configured
    if not (_valid_token() or _allowed_address()):
        response = Response("Metrics need a valid bearer token or an allowed address.\n", 401, mimetype="text/plain")
        if config["METRICS_TOKEN"]:
            response.headers["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return Response(metrics.exposition(), content_type=metrics.CONTENT_TYPE)
