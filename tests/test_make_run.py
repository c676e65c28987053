"""`make run` as a developer uses it: the three processes start, and Ctrl+C stops them cleanly."""

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(
    shutil.which("make") is None or not (ROOT / ".venv" / "bin" / "flask").exists(),
    reason="needs make and the project's .venv (make install)",
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_ctrl_c_stops_the_server_the_worker_and_the_sink_cleanly(tmp_path):
    web, smtp = free_port(), free_port()
    env = {
        **os.environ,
        "INSTANCE_PATH": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'eventdesk.db'}",
        "FLASK_RUN_PORT": str(web),
        "MAIL_SINK_PORT": str(smtp),
        "MAIL_PORT": str(smtp),
        "BASE_URL": f"http://127.0.0.1:{web}",
    }
    # Its own process group, like a terminal's foreground job: Ctrl+C sends SIGINT to the whole group.
    make = subprocess.Popen(
        ["make", "--no-print-directory", "run"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{web}/", timeout=2) as response:
                    assert response.status == 200
                break
            except OSError:
                assert make.poll() is None, make.stdout.read()
                assert time.monotonic() < deadline, "make run did not serve within two minutes"
                time.sleep(0.5)
        time.sleep(2)  # the worker and the sink are up too
        os.killpg(make.pid, signal.SIGINT)
        output, _ = make.communicate(timeout=60)
    finally:
        if make.poll() is None:
            os.killpg(make.pid, signal.SIGKILL)
    with pytest.raises(ProcessLookupError):
        os.killpg(make.pid, 0)  # nothing of the group is left running
    # make ends by the SIGINT it received itself (status 130 in a shell); the recipe reported no error.
    assert make.returncode in (0, -signal.SIGINT), output
    for failure in ("Segmentation fault", "make: ***", "Traceback", "Terminated"):
        assert failure not in output, output
    assert "Mail worker stopped." in output
    assert "SMTP sink stopped." in output


def test_a_signal_arriving_inside_the_workers_wait_stops_it(tmp_path):
    """The worker and the sink wait on an Event; a SIGTERM handled while the main thread holds the Event's
    lock (inside Event.wait) must still stop them, not wait for that lock forever. Run in a child process,
    so a hang is a timeout here."""
    script = """
import os, signal
from app.mail.commands import _stop_on_signals
with _stop_on_signals() as stop:
    with stop._cond:  # as the main thread holds it inside stop.wait()
        os.kill(os.getpid(), signal.SIGTERM)
        for _ in range(1000):  # the Python-level handler runs between these bytecodes
            pass
    assert stop.wait(5)
print("stopped")
"""
    result = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "python"), "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0 and "stopped" in result.stdout, result.stderr
