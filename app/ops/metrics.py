"""Prometheus metrics: requests and mail attempts counted in-process, queue and registration figures read from
the database when /metrics is scraped (so every host reports the same, exact numbers).

Under gunicorn the counters of all worker processes are summed through files in PROMETHEUS_MULTIPROC_DIR
(prometheus_client's multiprocess mode; deploy/gunicorn.conf.py sets it up).
"""

import os
import time

import sqlalchemy as sa
from flask import Flask, request
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from app.extensions import db
from app.ops import requestlog
from app.types import utcnow

CONTENT_TYPE = CONTENT_TYPE_LATEST

REQUESTS = Counter(
    "eventdesk_http_requests_total",
    "HTTP requests answered, by endpoint, method and status.",
    ["endpoint", "method", "status"],
)
REQUEST_SECONDS = Histogram(
    "eventdesk_http_request_duration_seconds",
    "Time from the start of a request to its response, by endpoint.",
    ["endpoint"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
# The mail worker's own counters live with it (app/mail/metrics.py); the default registry serves them all.


def init_app(app: Flask) -> None:
    # The series of each endpoint, method and status, found once: ``labels`` checks and converts its values and
    # takes a lock at every call. Bounded as the series are: unknown URLs share one endpoint label.
    series: dict[tuple[str, str, int], tuple] = {}

    @app.after_request
    def count_request(response):
        started = requestlog.started()  # noted by the first hook of every request, with its id
        # Unknown URLs share one label, so that scanning bots cannot grow the number of series.
        key = (request.endpoint or "unmatched", request.method, response.status_code)
        found = series.get(key)
        if found is None:
            endpoint, method, status = key
            found = series[key] = (REQUESTS.labels(endpoint, method, str(status)), REQUEST_SECONDS.labels(endpoint))
        count, seconds = found
        count.inc()
        if started is not None:
            seconds.observe(time.perf_counter() - started)
        return response


class DatabaseCollector:
    """Figures read from the database at scrape time: registrations by status, the outbox queue."""

    def collect(self):
        from app.mail.models import QUEUED, SENDING, OutboxMessage
        from app.registrations.models import Registration

        registrations = GaugeMetricFamily(
            "eventdesk_registrations", "Registrations by status (all events).", labels=["status"]
        )
        for status, count in db.session.execute(
            sa.select(Registration.status, sa.func.count()).group_by(Registration.status)
        ):
            registrations.add_metric([status], count)
        yield registrations

        outbox = GaugeMetricFamily("eventdesk_outbox_messages", "Outbox messages by status.", labels=["status"])
        for status, count in db.session.execute(
            sa.select(OutboxMessage.status, sa.func.count()).group_by(OutboxMessage.status)
        ):
            outbox.add_metric([status], count)
        yield outbox

        waiting = sa.select(sa.func.count(), sa.func.min(OutboxMessage.created_at)).where(
            OutboxMessage.status.in_((QUEUED, SENDING))
        )
        depth, oldest = db.session.execute(waiting).one()
        yield GaugeMetricFamily(
            "eventdesk_outbox_queue_depth", "Messages waiting to be sent (queued or being sent).", value=depth
        )
        age = (utcnow() - oldest).total_seconds() if oldest else 0.0
        yield GaugeMetricFamily(
            "eventdesk_outbox_oldest_queued_age_seconds",
            "Age of the oldest message still waiting to be sent (0 when none waits).",
            value=max(age, 0.0),
        )
        retrying = db.session.scalar(
            sa.select(sa.func.count()).where(OutboxMessage.status == QUEUED, OutboxMessage.attempts > 0)
        )
        yield GaugeMetricFamily(
            "eventdesk_outbox_retrying_messages",
            "Messages waiting for another try after a temporary send failure.",
            value=retrying or 0,
        )
        db.session.rollback()


def exposition() -> bytes:
    """Everything /metrics shows, in Prometheus' text format."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        processes = CollectorRegistry()
        MultiProcessCollector(processes)
    else:
        processes = REGISTRY
    database = CollectorRegistry(auto_describe=False)
    database.register(DatabaseCollector())
    return generate_latest(processes) + generate_latest(database)
