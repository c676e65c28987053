"""The mail worker's counters for Prometheus (served with the others at /metrics)."""

from prometheus_client import Counter

MAIL_ATTEMPTS = Counter(
    "eventdesk_mail_send_attempts_total",
    "Messages the mail worker tried to send, by outcome (sent, retry: a temporary failure, failed: permanent).",
    ["outcome"],
)
