"""What every benchmark module shares: the ``Row`` of the result table, percentiles,
the table printer, the bench database (embedded Postgres unless ``BENCH_DATABASE_URL``),
and a gunicorn server started on a free 127.0.0.1 port with the app's own settings.

Interface for the figure modules: each ``measure(...)`` returns a ``list[Row]``.
"""
from __future__ import annotations

import http.client
import math
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"
BENCH_PGDATA = INSTANCE / "bench-pgdata"
BENCH_LOGS = INSTANCE / "bench-logs"
BENCH_DATABASE = "bench"
# config.PRODUCTION_SETTINGS for the bench's processes: made up, and never used to serve anyone.
BENCH_SETTINGS = {
    "SECRET_KEY": "bench-secret-not-for-production",
    "DATA_KEYS": "YmVuY2gta2V5LW5vdC1mb3ItcHJvZHVjdGlvbi0zMmI=",
    "IIN_HASH_KEY": "bench-iin-hash-key-not-for-production",
    "MAIL_FROM": "bench@ombudsman.bench.kz",
    "PUBLIC_BASE_URL": "http://127.0.0.1",
    "COMMISSIONER_EMAIL": "commissioner@ombudsman.bench.kz",
    "COMMITTEE_EMAIL": "committee@ombudsman.bench.kz",
}
VENV_BIN = Path(sys.executable).parent


@dataclass
class Row:
    """One line of the result table. ``met`` is None when there is no target or no value."""
    figure: str
    value: float | None
    unit: str
    target: str = ""
    met: bool | None = None
    note: str = ""


def unavailable(figure, note):
    """A row for a figure that could not be measured (module missing, step failed)."""
    return Row(figure, None, "", note=note)


# --- numbers ---------------------------------------------------------------------------

def percentile(values, p):
    """The ``p``-th percentile (0–100) of ``values``, linear between the closest ranks
    (numpy's default); None for no values."""
    data = sorted(values)
    if not data:
        return None
    if len(data) == 1:
        return float(data[0])
    rank = (len(data) - 1) * p / 100.0
    low, high = math.floor(rank), math.ceil(rank)
    return float(data[low] + (data[high] - data[low]) * (rank - low))


def ratio_row(figure, value, floor, target_min=None):
    """``value / floor`` as a row of its own, e.g. "submissions/s ÷ floor"."""
    if value is None or not floor:
        return Row(figure, None, "× floor", f"≥ {target_min}" if target_min else "",
                   note="no floor figure")
    ratio = value / floor
    met = None if target_min is None else ratio >= target_min
    return Row(figure, ratio, "× floor", f"≥ {target_min}" if target_min is not None else "", met)


def _format_value(value):
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int) or float(value).is_integer() and abs(value) >= 100:
        return f"{int(value):,}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def table(rows, file=None):
    """Print ``rows`` as one plain-text table: figure | value | unit | target | met | note."""
    file = file or sys.stdout
    header = ("figure", "value", "unit", "target", "met", "note")
    body = []
    for row in rows:
        met = {True: "yes", False: "NO", None: ""}[row.met]
        body.append((row.figure, _format_value(row.value), row.unit, row.target, met, row.note))
    widths = [max(len(str(line[i])) for line in [header, *body]) for i in range(len(header))]
    widths[-1] = min(widths[-1], 80)

    def line(cells):
        out = []
        for i, cell in enumerate(cells):
            cell = str(cell)
            out.append(cell.rjust(widths[i]) if i == 1 else cell.ljust(widths[i]))
        return " | ".join(out).rstrip()

    text = [line(header), "-+-".join("-" * w for w in widths)]
    text += [line(cells) for cells in body]
    print("\n".join(text), file=file, flush=True)
    return "\n".join(text)


def say(*args):
    """Progress lines go to stderr, so that stdout holds only the table."""
    print("[bench]", *args, file=sys.stderr, flush=True)


# --- the bench database ----------------------------------------------------------------

class BenchPostgres:
    """The bench's Postgres: ``BENCH_DATABASE_URL``, or an embedded PostgreSQL 18 in
    ``instance/bench-pgdata`` (a unix socket, no TCP port). Only the embedded one can be
    restarted (``restart()``, for the fault run)."""

    def __init__(self, pgdata=BENCH_PGDATA, database=BENCH_DATABASE):
        self.pgdata = Path(pgdata)
        self.database = database
        self.external = os.environ.get("BENCH_DATABASE_URL")
        self.server = None
        self.url = None

    def start(self):
        from config import normalize_database_url

        if self.external:
            self.url = normalize_database_url(self.external)
            return self.url
        from embedded_postgres import EmbeddedPostgres

        INSTANCE.mkdir(exist_ok=True)
        # Joined by the bench process: stopped when it ends, unless another process uses it.
        self.server = EmbeddedPostgres(self.pgdata)
        self.url = normalize_database_url(self.server.start(self.database))
        return self.url

    @property
    def restartable(self):
        return self.server is not None

    def stop(self):
        """Stop the server (fast shutdown: open sessions are cut)."""
        if not self.restartable:
            raise RuntimeError("BENCH_DATABASE_URL is an external server: cannot stop it")
        self.server.stop()

    def start_again(self):
        """Start the stopped server on the same socket directory (same URL)."""
        self.server.start()

    def restart(self):
        """Stop then start; returns (seconds stopped, seconds total)."""
        began = time.monotonic()
        self.stop()
        stopped = time.monotonic()
        self.start_again()
        return time.monotonic() - stopped, time.monotonic() - began

    def psql(self, sql):
        """Run SQL with psycopg2 and return the rows (for checks after a run)."""
        return query(self.url, sql)

    def reset(self):
        """Drop and recreate the bench database (a clean slate for a run)."""
        if self.external:
            raise RuntimeError("refusing to drop an external BENCH_DATABASE_URL database")
        import psycopg2

        conn = psycopg2.connect(libpq_url(self.server.url("postgres")))
        conn.autocommit = True
        try:
            with conn.cursor() as cur:
                cur.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
                cur.execute(f'CREATE DATABASE "{self.database}"')
        finally:
            conn.close()


def libpq_url(url):
    """A SQLAlchemy URL (``postgresql+psycopg2://``) as libpq wants it."""
    return url.replace("postgresql+psycopg2://", "postgresql://", 1)


def query(url, sql, params=None):
    import psycopg2

    conn = psycopg2.connect(libpq_url(url))
    try:
        with conn, conn.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall() if cur.description else []
    finally:
        conn.close()


def flask_env(database_url, **extra):
    """The environment of the app's processes (web, worker, flask commands) in the bench."""
    env = dict(os.environ)
    for name in ("TEST_DATABASE_URL", "MAIL_URL", "FLASK_RUN_PORT"):
        env.pop(name, None)
    env.update({
        "DATABASE_URL": database_url,
        # Development (plain HTTP for the load generator) on a database given by URL: that
        # needs the real settings a production process has (config.py).
        "APP_ENV": "development",
        **BENCH_SETTINGS,
        "FLASK_APP": "app",
        "PYTHONUNBUFFERED": "1",
    })
    env.update({k: str(v) for k, v in extra.items()})
    return env


def flask(database_url, *args, check=True, **env):
    """Run ``flask --app app ARGS`` against the bench database."""
    return subprocess.run([str(VENV_BIN / "flask"), "--app", "app", *args], cwd=ROOT,
                          env=flask_env(database_url, **env), check=check,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def migrate(database_url):
    """Build or update the schema with the migrations (``flask db upgrade``)."""
    result = flask(database_url, "db", "upgrade", check=False)
    if result.returncode:
        raise RuntimeError("flask db upgrade failed:\n" + result.stdout[-3000:])


# --- servers ---------------------------------------------------------------------------

def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_get(port, path, timeout=5.0):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def wait_http(port, path="/healthz", timeout=60.0, proc=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before answering {path}")
        try:
            if http_get(port, path, timeout=2) == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"127.0.0.1:{port}{path} did not answer 200 in {timeout} s")


class Gunicorn:
    """``gunicorn WSGI_APP`` with the repository's ``gunicorn.conf.py`` (the Procfile's
    settings), bound to a free 127.0.0.1 port, access log to ``instance/bench-logs``.

        with Gunicorn("app:app", env) as server:
            server.port, server.worker_pids()
    """

    def __init__(self, wsgi_app, env, name="app", workers=None, extra_args=()):
        self.wsgi_app = wsgi_app
        self.env = dict(env)
        self.name = name
        self.port = free_port()
        if workers is not None:
            self.env["WEB_CONCURRENCY"] = str(workers)
        self.extra_args = list(extra_args)
        self.proc = None
        self.log = None

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self, health="/healthz", timeout=60):
        BENCH_LOGS.mkdir(parents=True, exist_ok=True)
        self.log = open(BENCH_LOGS / f"{self.name}.log", "w")
        (BENCH_LOGS / f"{self.name}-access.log").unlink(missing_ok=True)
        cmd = [str(VENV_BIN / "gunicorn"), self.wsgi_app, "-c", str(ROOT / "gunicorn.conf.py"),
               "--bind", f"127.0.0.1:{self.port}",
               "--access-logfile", str(BENCH_LOGS / f"{self.name}-access.log"),
               *self.extra_args]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=self.log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        try:
            wait_http(self.port, health, timeout=timeout, proc=self.proc)
            self._wait_workers()
        except Exception:
            self.stop()
            raise
        return self

    def _wait_workers(self, timeout=30):
        wanted = int(self.env.get("WEB_CONCURRENCY") or 2)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(self.worker_pids()) < wanted:
            time.sleep(0.1)

    def worker_pids(self):
        """The worker processes' ids (children of the gunicorn master)."""
        if self.proc is None:
            return []
        try:
            path = f"/proc/{self.proc.pid}/task/{self.proc.pid}/children"
            return [int(pid) for pid in Path(path).read_text().split()]
        except OSError:
            return []

    def last_error(self):
        """The last exception line of the server's log (to say why requests failed)."""
        path = BENCH_LOGS / f"{self.name}.log"
        lines = path.read_text(errors="replace").splitlines() if path.exists() else []
        errors = [line for line in lines if re.match(r"^[\w.]+(Error|Exception)\b", line)]
        return (errors[-1][:300] + f" (see {path})") if errors else f"nothing in {path}"

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # graceful: workers finish their request
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        if self.log is not None:
            self.log.close()
            self.log = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def rss_mb(pid):
    """Resident memory of a process (VmRSS in /proc/<pid>/status), in MB; None if gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        return None
    return None


def machine():
    """One line describing this machine, for the README."""
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GB RAM"
    except OSError:
        pass
    return f"{os.cpu_count()} CPUs ({cpu}), {mem}, Python {sys.version.split()[0]}"


def which(name):
    return shutil.which(name)
