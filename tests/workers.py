"""Real ``flask --app app worker`` processes for tests, against the test database."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from config import TestConfig

from tests.smtp_server import wait_until

ROOT = Path(__file__).resolve().parent.parent
WORKER_APP_NAME = "outbox-test-worker"  # libpq's PGAPPNAME: lets a test cut the workers off


@pytest.fixture
def start_worker(database_url, tmp_path):
    """Start ``flask --app app worker`` against the test database; kill leftovers after."""
    started = []

    def start(mail_url, name="worker", **settings):
        """``settings``: more of the worker's environment (e.g. SMS_URL)."""
        # The test app's secret key: the keys of what it encrypted derive from it (a webhook's secret).
        env = dict(os.environ, DATABASE_URL=database_url, APP_ENV="testing", SECRET_KEY=TestConfig.SECRET_KEY,
                   MAIL_URL=mail_url, WORKER_POLL_SECONDS="0.1", OUTBOX_RETRY_BASE_SECONDS="0.2",
                   PGAPPNAME=WORKER_APP_NAME, **settings)
        log_path = tmp_path / f"{name}.log"
        with open(log_path, "wb") as out:
            proc = subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "worker"],
                                    cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        proc.log_path = log_path
        started.append(proc)
        wait_until(lambda: proc.poll() is not None or "outbox worker started" in worker_log(proc), 30)
        assert proc.poll() is None, worker_log(proc)
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


def worker_log(proc):
    return proc.log_path.read_text(errors="replace")
