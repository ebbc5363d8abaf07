"""Figure 7: a gunicorn worker's resident memory (VmRSS) after 10,000 mixed requests.

One worker (``WEB_CONCURRENCY=1``) takes every request: public pages, reports sent and
opened at /status with their receipt code, and a regional ombudsman's admin pages. Its
RSS is read from /proc/<pid>/status before, during (the peak) and after the run.
"""
from __future__ import annotations

import threading
import uuid

from bench import load
from bench.common import Gunicorn, Row, flask_env, rss_mb, say

TARGET_MB = 150.0
STAFF = ("ombudsman.75@demo.kz", "demo-password-123")  # made by ``flask seed-demo``


def measure(database_url, prepared, requests=10_000, connections=4, max_seconds=1800):
    with Gunicorn("app:app", flask_env(database_url), name="memory-app", workers=1) as server:
        [pid] = server.worker_pids()[:1] or [None]
        if pid is None:
            raise RuntimeError("no gunicorn worker found")
        start_mb = rss_mb(pid)
        peak = [start_mb or 0.0]
        done = threading.Event()

        def sample():
            while not done.wait(0.25):
                value = rss_mb(pid)
                if value:
                    peak[0] = max(peak[0], value)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        say(f"memory: {requests:,} mixed requests on one worker")
        try:
            result = load.run("mixed", server.port, connections, max_seconds, warmup=3.2, requests=requests,
                              run_id="memory-" + uuid.uuid4().hex[:6], regions=prepared["regions"],
                              answers=prepared["answers"], staff_email=STAFF[0], staff_password=STAFF[1])
        finally:
            done.set()
            sampler.join()
        end_mb = rss_mb(pid)
        same_worker = pid in server.worker_pids()
    counts = result.by_outcome()
    errors = ", ".join(f"{v} {k}" for k, v in counts.items() if k != "ok" and v) or "no errors"
    capped = len(result.samples) < requests
    note = (f"{len(result.samples):,} requests in {result.duration:.0f} s ({errors})"
            + (f"; stopped after {max_seconds} s" if capped else "")
            + ("" if same_worker else "; the worker was replaced during the run"))
    return [
        Row("worker RSS before the requests", start_mb, "MB"),
        Row(f"worker RSS after {len(result.samples):,} mixed requests", end_mb, "MB", f"≤ {TARGET_MB:g}",
            None if end_mb is None else end_mb <= TARGET_MB and same_worker, note),
        Row("worker RSS peak during the run", peak[0], "MB"),
    ]
