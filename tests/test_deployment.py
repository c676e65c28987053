"""deploy/gunicorn.conf.py loads the app once, in the master, and forks the workers from it (``preload_app``):
what the master holds after loading is shared by every worker, so it must hold no connection and no thread."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import _pg_admin_url, _pg_reason

ROOT = Path(__file__).resolve().parent.parent

# What gunicorn's master does with preload_app: import the WSGI module; then what it holds is looked at.
LOAD = """
import json, threading
before = threading.active_count()
from wsgi import app
from app.extensions import db
with app.app_context():
    pool = db.engine.pool
    print(json.dumps({
        "threads": threading.active_count() - before,
        "checked_in": pool.checkedin(),
        "checked_out": pool.checkedout(),
    }))
"""


def test_the_app_is_loaded_once_and_the_workers_forked_from_it(monkeypatch, tmp_path):
    # Without it the file would set PROMETHEUS_MULTIPROC_DIR for this process, and so for every later test.
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    settings: dict = {}
    exec((ROOT / "deploy" / "gunicorn.conf.py").read_text(), settings)  # noqa: S102 - the project's own file
    assert settings["preload_app"] is True
    assert callable(settings["pre_fork"])


@pytest.mark.skipif(_pg_reason() is not None, reason=_pg_reason() or "")
def test_loading_the_app_opens_no_connection_and_starts_no_thread(tmp_path):
    env = {
        **{key: value for key, value in os.environ.items() if not key.startswith(("APP_", "DATABASE_"))},
        "APP_ENV": "production",
        "SECRET_KEY": "a-deployment-test-secret-key-of-enough-length",
        "DATABASE_URL": _pg_admin_url(),
        "BASE_URL": "https://events.example.org",
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
    }
    done = subprocess.run(
        [sys.executable, "-c", LOAD], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    held = json.loads(done.stdout.strip().splitlines()[-1])
    assert held == {"threads": 0, "checked_in": 0, "checked_out": 0}
