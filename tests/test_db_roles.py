"""Least-privilege database roles (services/db_roles.py; README, "Deploying"): the release
phase migrates as the owner (``MIGRATION_DATABASE_URL``); ``flask --app app db
grant-runtime-role NAME`` makes a role for web and worker that owns nothing, reads and
writes the ordinary tables, only reads and adds to the audit log and the frozen reports,
and cannot switch their triggers off; the app works as it, its rows still linked.

The role is made on the test run's own server (its superuser runs the command) and dropped
afterwards. The embedded server trusts its unix socket, so the password is not asked there;
a server of ``TEST_DATABASE_URL`` gets it.
"""
import os
import subprocess
import sys
from types import SimpleNamespace

import pytest
from sqlalchemy import create_engine, make_url, select, text
from sqlalchemy.exc import DBAPIError

from app import create_app
from config import TestConfig
from extensions import db
from models import AuditEvent
from services import audit, audit_chain
from tests.helpers import AuthActions

pytestmark = pytest.mark.committed  # the command commits its grants

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EN = {"LANG": "en_US.UTF-8"}
NAME = f"runtime_test_{os.getpid()}"
PASSWORD = "a-long-runtime-password"


def owner(app, *statements):
    with app.app_context(), db.engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))


@pytest.fixture
def runtime(app, runner, database_url):
    """The runtime role made by the command: its first output and its database URL."""
    made = runner.invoke(args=["db", "grant-runtime-role", NAME, "--password-stdin"],
                         input=PASSWORD + "\n", env=EN)
    assert made.exit_code == 0, made.output
    url = make_url(database_url).set(username=NAME, password=PASSWORD)
    yield SimpleNamespace(output=made.output, url=url.render_as_string(hide_password=False))
    owner(app, f"DROP OWNED BY {NAME}", f"DROP ROLE {NAME}")


def refused(engine, statement):
    """The statement fails for lack of rights, in a transaction of its own."""
    with pytest.raises(DBAPIError, match="permission denied|must be owner") as error:
        with engine.begin() as conn:
            conn.execute(text(statement))
    return error


def test_the_command_makes_the_role_and_can_run_again(runner, runtime):
    assert f"CREATE ROLE {NAME} LOGIN PASSWORD '***' NOSUPERUSER" in runtime.output
    assert PASSWORD not in runtime.output
    assert (f"REVOKE UPDATE, DELETE ON audit_event, half_year_report, half_year_report_file, half_year_review "
            f"FROM {NAME}") \
        in runtime.output
    assert "ALTER DEFAULT PRIVILEGES FOR ROLE" in runtime.output
    assert f"Done: {NAME} may read and write every table" in runtime.output
    again = runner.invoke(args=["db", "grant-runtime-role", NAME], env=EN)  # after the next migration
    assert again.exit_code == 0, again.output
    assert "CREATE ROLE" not in again.output and f"GRANT USAGE ON SCHEMA public TO {NAME}" in again.output


def test_the_runtime_role_adds_to_the_log_but_cannot_rewrite_it(runtime):
    engine = create_engine(runtime.url)
    try:
        with engine.begin() as conn:
            new_id = conn.scalar(text("INSERT INTO audit_event (action) VALUES ('test.runtime') RETURNING id"))
        with engine.connect() as conn:  # linked at its commit, by the owner's function
            assert conn.execute(text("SELECT seq, hash FROM audit_event WHERE id = :id"),
                                {"id": new_id}).one() == (1, conn.scalar(text("SELECT hash FROM audit_event")))
            assert conn.scalar(text("SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner "
                                    "WHERE r.rolname = current_user")) == 0  # owns nothing
            assert conn.scalar(text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")) is False
        for statement in (
                "UPDATE audit_event SET action = 'forged'",
                "UPDATE audit_event SET seq = NULL, hash = NULL",
                "DELETE FROM audit_event",
                "TRUNCATE audit_event",
                "ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only",
                "ALTER TABLE audit_event DISABLE TRIGGER ALL",
                "SET session_replication_role = replica",
                "UPDATE half_year_report SET figures = '{}'",
                "DELETE FROM half_year_report",
                "UPDATE half_year_report_file SET file_id = file_id",
                "TRUNCATE half_year_report_file",
                "UPDATE alembic_version SET version_num = version_num",
                "SELECT audit_event_link_row(e) FROM audit_event e"):
            refused(engine, statement)
    finally:
        engine.dispose()


def test_a_table_a_later_migration_adds_is_granted_at_once(app, runtime):
    owner(app, "CREATE TABLE later_table (id serial PRIMARY KEY, note text)")
    engine = create_engine(runtime.url)
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO later_table (note) VALUES ('written')"))
            conn.execute(text("UPDATE later_table SET note = 'changed'"))
            assert conn.scalar(text("SELECT note FROM later_table")) == "changed"
        refused(engine, "ALTER TABLE later_table DISABLE TRIGGER ALL")
    finally:
        engine.dispose()
        owner(app, "DROP TABLE later_table")


def test_the_app_works_as_the_runtime_role(runtime, people):
    """A real login (it writes audit rows, a session, a throttle check) and a use case."""
    config = TestConfig()
    config.DATABASE_URL = runtime.url
    runtime_app = create_app(config)
    try:
        client = runtime_app.test_client()
        assert AuthActions(client).login(people["ombudsman75"].email).status_code == 302
        assert client.get("/admin/?lang=en").status_code == 200
        with runtime_app.app_context():
            assert db.session.scalar(text("SELECT current_user")) == NAME
            audit.record("test.runtime_app", note="written as the runtime role")
            db.session.commit()
            assert db.session.scalar(select(AuditEvent.seq).where(AuditEvent.action == "test.runtime_app"))
            result = audit_chain.verify()
            assert result.ok and result.entries > 2, result.problems
    finally:
        with runtime_app.app_context():
            db.engine.dispose()


def test_a_role_with_more_rights_is_refused(app, runner):
    with app.app_context():
        superuser = db.session.scalar(text("SELECT current_user"))
    result = runner.invoke(args=["db", "grant-runtime-role", superuser], env=EN)
    assert result.exit_code != 0 and "may do more than a runtime role" in result.output
    missing = runner.invoke(args=["db", "grant-runtime-role", "nobody_yet"], env=EN)
    assert missing.exit_code != 0 and "give it a password" in missing.output
    odd = runner.invoke(args=["db", "grant-runtime-role", "Robert'); DROP TABLE users;--"], env=EN)
    assert odd.exit_code != 0 and "not a plain role name" in odd.output


# --- the two set-ups of "Deploying" -----------------------------------------------------------------

@pytest.fixture
def release_database(runtime, database_url):
    """A fresh database on the test server, dropped afterwards (before the role)."""
    name = "roles_check"
    admin = create_engine(make_url(database_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {name}"))
    yield name
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


def flask(*args, **env):
    env = dict(os.environ, APP_ENV="testing", SECRET_KEY="roles-test", LANG="en_US.UTF-8", **env)
    return subprocess.run([sys.executable, "-m", "flask", "--app", "app", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=180)


def test_release_as_the_owner_then_web_and_worker_as_the_runtime_role(runtime, release_database, database_url):
    """``DATABASE_URL`` names the runtime role, ``MIGRATION_DATABASE_URL`` the owner: the
    release phase migrates (the runtime role could not create a table) and grants; then a
    command of the runtime role reads the new schema."""
    def on(url):
        return make_url(url).set(database=release_database).render_as_string(hide_password=False)

    urls = dict(DATABASE_URL=on(runtime.url), MIGRATION_DATABASE_URL=on(database_url))
    release = flask("db", "upgrade", **urls)
    assert release.returncode == 0, release.stderr
    granted = flask("db", "grant-runtime-role", NAME, **urls)
    assert granted.returncode == 0, granted.stdout + granted.stderr
    verified = flask("audit", "verify", DATABASE_URL=on(runtime.url))
    assert verified.returncode == 0 and "0 entries" in verified.stdout, verified.stdout + verified.stderr
    engine = create_engine(on(database_url))
    with engine.connect() as conn:  # the owner's tables, not the runtime role's
        assert conn.scalar(text("SELECT tableowner FROM pg_tables WHERE tablename = 'audit_event'")) \
            == conn.scalar(text("SELECT current_user")) != NAME
    engine.dispose()
