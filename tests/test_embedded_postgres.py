"""The embedded Postgres of `make run`: it stops with the app, recovers from stale pid files
without touching any process but its own postmaster, and changes no permissions outside
its data directory.

These tests start their own servers in temporary folders (never the test session's, never
the checkout's ``instance/pgdata``) and real processes that use them.
"""
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psutil
import psycopg2
import pytest

from embedded_postgres import SOCKET_PATH_MAX, EmbeddedPostgres, EmbeddedPostgresError
from tests.smtp_server import free_port, wait_until

ROOT = Path(__file__).resolve().parent.parent
# A process that uses the server until a signal ends it.
# SIGINT as at a terminal, even when the suite was started in the background (a shell
# starts background jobs with SIGINT ignored, and Python then leaves it ignored).
USER_SCRIPT = """
import signal, sys
signal.signal(signal.SIGINT, signal.default_int_handler)
sys.path.insert(0, sys.argv[1])
from embedded_postgres import EmbeddedPostgres
EmbeddedPostgres(sys.argv[2]).start("ombudsman")
print("joined", flush=True)
signal.pause()
"""


def _folder():
    """A temporary folder that the server's user may enter (pytest's own are closed to others,
    and run as root the server is ``nobody``)."""
    path = Path(tempfile.mkdtemp(prefix="embedded-pg-test-"))
    path.chmod(0o711)
    return path


@pytest.fixture
def folder():
    path = _folder()
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def pgdata():
    """A data directory initialized once for the module (initdb takes a few seconds)."""
    path = _folder() / "pgdata"
    server = EmbeddedPostgres(path)
    server.start()
    server.leave()
    assert server.postmaster() is None
    yield path
    shutil.rmtree(path.parent, ignore_errors=True)


def join(pgdata):
    """A separate process that starts (or joins) the server and waits for a signal."""
    process = subprocess.Popen([sys.executable, "-c", USER_SCRIPT, str(ROOT), str(pgdata)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "joined", process.stderr.read()
    return process


def gone(process, timeout=60):
    return wait_until(lambda: not process.is_running() or process.status() == psutil.STATUS_ZOMBIE, timeout)


@pytest.fixture
def bystander():
    """A live process that is not Postgres: a stale pid file may name it after a reboot."""
    process = subprocess.Popen(["sleep", "600"])
    yield psutil.Process(process.pid)
    process.kill()
    process.wait()


def write_stale_pid_files(pgdata, pid):
    """``postmaster.pid`` and the socket's lock file as a crashed server leaves them, with
    ``pid`` in them, and pgserver's list of users naming it too."""
    lines = [str(pid), str(pgdata), str(int(time.time())), "5432", str(pgdata), "", "0 0", "ready", ""]
    (pgdata / "postmaster.pid").write_text("\n".join(lines))
    (pgdata / ".s.PGSQL.5432.lock").write_text(f"{pid}\n{pgdata}\n")
    (pgdata / ".handle_pids.json").write_text(f"[{pid}]")


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_the_server_stops_when_its_only_user_gets_a_signal(pgdata, signum):
    user = join(pgdata)
    postmaster = EmbeddedPostgres(pgdata).postmaster()
    assert postmaster is not None
    user.send_signal(signum)
    user.wait(60)
    assert gone(postmaster)


def test_the_last_user_stops_it_and_a_killed_user_is_forgotten(pgdata):
    first, second = join(pgdata), join(pgdata)
    postmaster = EmbeddedPostgres(pgdata).postmaster()
    first.send_signal(signal.SIGTERM)
    first.wait(60)
    assert postmaster.is_running()  # the second still uses it

    second.kill()  # no exit handler runs: its entry stays in the list of users
    second.wait(60)
    assert postmaster.is_running()
    third = join(pgdata)  # forgets the dead user
    assert EmbeddedPostgres(pgdata).postmaster().pid == postmaster.pid
    third.send_signal(signal.SIGTERM)
    third.wait(60)
    assert gone(postmaster)


def test_a_stale_pid_of_another_live_process_is_left_alone(pgdata, bystander):
    write_stale_pid_files(pgdata, bystander.pid)
    server = EmbeddedPostgres(pgdata)
    assert server.postmaster() is None
    server.start("ombudsman")
    try:
        assert server.postmaster().pid != bystander.pid
    finally:
        server.leave()
    assert bystander.is_running() and bystander.status() != psutil.STATUS_ZOMBIE


def test_a_stale_pid_of_another_postgres_is_left_alone(pgdata, folder):
    other = EmbeddedPostgres(folder / "other")
    other.start()
    try:
        their_postmaster = other.postmaster()
        write_stale_pid_files(pgdata, their_postmaster.pid)
        server = EmbeddedPostgres(pgdata)
        assert server.postmaster() is None
        server.start("ombudsman")
        server.leave()
        assert their_postmaster.is_running()
    finally:
        other.leave()


def test_a_data_directory_too_deep_for_a_socket_gets_a_short_socket_folder(folder):
    deep = folder / ("d" * 60) / ("e" * 60) / "pgdata"
    server = EmbeddedPostgres(deep)
    url = server.start("ombudsman")
    try:
        assert server.socket_dir != deep and len(str(server.socket_dir)) <= SOCKET_PATH_MAX
        connection = psycopg2.connect(url)
        assert connection.info.dbname == "ombudsman"
        connection.close()
    finally:
        server.leave()


@pytest.mark.skipif(os.geteuid() != 0, reason="only root makes the server run as another user")
def test_as_root_it_runs_as_nobody_and_opens_no_parent_folder(folder):
    folders = [folder, *folder.parents]
    modes = {path: path.stat().st_mode for path in folders}
    accounts = {entry.pw_name for entry in pwd.getpwall()}
    server = EmbeddedPostgres(folder / "pgdata")
    server.start()
    try:
        assert server.postmaster().username() == "nobody"
    finally:
        server.leave()
    assert {path: path.stat().st_mode for path in folders} == modes
    assert {entry.pw_name for entry in pwd.getpwall()} == accounts


@pytest.mark.skipif(os.geteuid() != 0, reason="only root makes the server run as another user")
def test_a_folder_closed_to_the_server_user_is_named_and_left_closed(folder):
    closed = folder / "closed"
    closed.mkdir(mode=0o700)
    with pytest.raises(EmbeddedPostgresError, match=f"cannot enter {closed}: allow it"):
        EmbeddedPostgres(closed / "pgdata").start()
    assert closed.stat().st_mode & 0o777 == 0o700


# --- `make run` itself --------------------------------------------------------------------

def make_run(pgdata, port):
    """`make run` as a newcomer types it, on a data directory of the test's own."""
    env = {k: v for k, v in os.environ.items()
           if k not in {"DATABASE_URL", "APP_ENV", "SECRET_KEY", "MAKEFLAGS", "MAKELEVEL"}}
    env.update(EMBEDDED_PGDATA=str(pgdata), PORT=str(port))
    process = subprocess.Popen(["make", "run"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    assert wait_until(lambda: process.poll() is not None or _healthy(port), timeout=180), "make run did not serve"
    assert process.poll() is None
    return process


def _healthy(port):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def test_make_run_stops_postgres_on_sigterm_and_starts_again_over_a_stale_pid(folder, bystander):
    pgdata, port = folder / "pgdata", free_port()
    run = make_run(pgdata, port)
    postmaster = EmbeddedPostgres(pgdata).postmaster()
    assert postmaster is not None
    run.send_signal(signal.SIGTERM)
    run.wait(60)
    assert gone(postmaster), "the embedded Postgres outlived `make run`"
    assert not _healthy(port)

    # A crash and a reboot later, the pid of the old postmaster belongs to someone else.
    write_stale_pid_files(pgdata, bystander.pid)
    again = make_run(pgdata, port)
    postmaster = EmbeddedPostgres(pgdata).postmaster()
    assert postmaster is not None and postmaster.pid != bystander.pid
    [app] = [child for child in psutil.Process(again.pid).children() if "flask" in " ".join(child.cmdline())]
    app.send_signal(signal.SIGHUP)  # the terminal was closed
    again.wait(60)
    assert gone(postmaster)
    assert bystander.is_running() and bystander.status() != psutil.STATUS_ZOMBIE
