"""gunicorn settings for Eventdesk: ``gunicorn -c deploy/gunicorn.conf.py wsgi:app``.

Every setting can be changed on the command line (``--bind``, ``--workers`` ...) or with the environment
variables named below.
"""

import gc
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
# The app is loaded once, in the master, and the workers are forked from it: they share the memory of its modules,
# templates and catalogs (a page is copied only where a worker writes to it), and a worker that replaces another
# serves at once. Loading the app opens no database connection and starts no thread (tests/test_deployment.py),
# so the workers share nothing of the master's but memory. New code needs a restart (systemctl restart): a
# reload (HUP) forks new workers from the code already loaded. GUNICORN_PRELOAD=0 loads the app in each worker.
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") != "0"
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


def pre_fork(server, worker):
    # What the master loaded lives as long as the workers: their garbage collections leave it out instead of
    # walking it, which would also write its objects' headers and so copy its pages into each worker.
    gc.freeze()


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    if _own_metrics_dir:
        shutil.rmtree(_own_metrics_dir, ignore_errors=True)
