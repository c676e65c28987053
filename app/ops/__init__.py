"""Operations: health checks for load balancers, Prometheus metrics, and one log line per request."""

from flask import Flask

from app.ops import metrics, requestlog


def init_app(app: Flask) -> None:
    requestlog.init_app(app)
    metrics.init_app(app)
