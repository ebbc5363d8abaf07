"""Test fixtures: one real Postgres per run, schema built by the migrations.

``TEST_DATABASE_URL`` selects a server (its public schema is wiped first); otherwise a
throwaway embedded Postgres is started in a temporary directory. Each test runs in a
transaction that is rolled back (SQLAlchemy's "joining an external transaction"
recipe); tests marked ``committed`` really commit and the tables are emptied after.
"""
import os
import shutil
import tempfile

import pytest
from flask_babel import force_locale
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from app import create_app
from config import TestConfig, normalize_database_url
from database import start_embedded_postgres
from extensions import db
from core import throttle
from tests.helpers import AuthActions, gen_user

KEPT_TABLES = {"region", "alembic_version"}


@pytest.fixture(scope="session")
def database_url():
    url = normalize_database_url(os.environ.get("TEST_DATABASE_URL"))
    if url:
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public;"))
        engine.dispose()
        yield url
        return
    pgdata = tempfile.mkdtemp(prefix="ombudsman-test-pg-")
    server, url = start_embedded_postgres(pgdata, database="ombudsman_test")
    yield url
    server.leave()
    shutil.rmtree(pgdata, ignore_errors=True)
    os.unlink(server.users_file)


@pytest.fixture(scope="session")
def app(database_url):
    config = TestConfig()
    config.DATABASE_URL = database_url
    app = create_app(config)
    with app.app_context():
        upgrade()
    return app


@pytest.fixture(autouse=True)
def _isolation(request, app):
    """Roll every test back, unless it is marked ``committed``."""
    with app.app_context():
        throttle.forget_all()  # every test starts with no counted attempts
    app.extensions.pop("dashboard_national", None)  # services/dashboard.py keeps them a minute
    if request.node.get_closest_marker("committed") or request.node.get_closest_marker("browser"):
        yield
        _empty_tables(app)
        return
    with app.app_context():
        engine = db.engine
        engines = db.engines
        db.session.session_factory.kw["join_transaction_mode"] = "create_savepoint"
    # No app context stays pushed: Flask would reuse it for client requests and
    # share ``g`` (current user, locale) between them.
    connection = engine.connect()
    transaction = connection.begin()
    engines[None] = connection
    try:
        yield
    finally:
        engines[None] = engine
        transaction.rollback()
        connection.close()


def _empty_tables(app):
    with app.app_context():
        db.session.remove()
        tables = [t.name for t in db.metadata.sorted_tables if t.name not in KEPT_TABLES]
        with db.engine.begin() as conn:
            # Triggers off for the cleanup only: the audit log refuses TRUNCATE otherwise.
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))


@pytest.fixture
def app_ctx(app):
    """An app context for service tests, with messages in English. Not for client tests:
    Flask reuses a pushed app context for requests, so ``g`` would leak between them."""
    with app.app_context(), force_locale("en"):
        yield


@pytest.fixture
def login(app, people):
    """``login(key)``: a fresh client logged in as ``people[key]``, reading pages in English
    (the language cookie, so flashed messages are English too)."""
    def login(key):
        client = app.test_client()
        person = people[key]  # a User, or an e-mail where a module's own ``people`` says so
        assert AuthActions(client).login(getattr(person, "email", person)).status_code == 302
        client.get("/admin/?lang=en")
        return client
    return login


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def people(app):
    """One committed user of every role, regional roles in regions 75 (Almaty) and 71 (Astana)."""
    with app.app_context():
        return {
            "superadmin": gen_user("superadmin"),
            "commissioner": gen_user("commissioner"),
            "committee": gen_user("committee"),
            "akimat75": gen_user("akimat_admin", "75"),
            "ombudsman75": gen_user("ombudsman", "75"),
            "akimat71": gen_user("akimat_admin", "71"),
            "ombudsman71": gen_user("ombudsman", "71"),
        }
