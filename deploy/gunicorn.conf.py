"""gunicorn settings for Eventdesk: ``gunicorn -c deploy/gunicorn.conf.py wsgi:app``.

Every setting can be changed on the command line (``--bind``, ``--workers`` ...) or with the environment
variables named below.
"""

import os
import shutil
import tempfile

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
# nginx buffers slow clients, so a request holds a worker only while the app works on it.
timeout = 30
graceful_timeout = 30
keepalive = 5
# A worker is replaced after this many requests: memory stays flat whatever a long run leaves behind.
max_requests = 20000
max_requests_jitter = 2000
# The app writes one log line per request, with its request id; gunicorn's own access log would repeat it.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

# Prometheus counters of all workers are summed through files in one directory (prometheus_client's
# multiprocess mode). It must be known before the app is imported. Without PROMETHEUS_MULTIPROC_DIR a private
# directory is made for this server and removed when it stops; give the mail worker the same directory
# (systemd: the units' RuntimeDirectory) for its counters to appear in /metrics too.
_own_metrics_dir = None
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    _own_metrics_dir = tempfile.mkdtemp(prefix="eventdesk-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = _own_metrics_dir


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    if _own_metrics_dir:
        shutil.rmtree(_own_metrics_dir, ignore_errors=True)
