"""A PaaS-style ``DATABASE_URL`` (``postgres://…``) works: the release phase migrates a fresh
database named by it and the app answers /healthz from it.

The database is made on the test run's own server: the throwaway embedded one, or the
server of ``TEST_DATABASE_URL`` (e.g. a Postgres on 127.0.0.1:5432), never one found by
probing a port.
"""
import os
import subprocess
import sys

import pytest
from sqlalchemy import create_engine, text

from app import create_app
from tests.helpers import PRODUCTION_ENV, paas_url, production_config

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NAME = "ombudsman_paas_check"


@pytest.fixture
def paas_database(database_url):
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {NAME} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {NAME}"))
    yield paas_url(database_url, NAME)
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {NAME} WITH (FORCE)"))
    admin.dispose()


def test_release_phase_and_healthz_with_a_paas_url(paas_database):
    assert paas_database.startswith("postgres://")
    env = {k: v for k, v in os.environ.items() if k not in {"APP_ENV", "PORT"}}
    env.update(PRODUCTION_ENV, DATABASE_URL=paas_database)
    release = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "db", "upgrade"], cwd=ROOT,
                             env=env, capture_output=True, text=True, timeout=180)
    assert release.returncode == 0, release.stderr

    app = create_app(production_config(paas_database))
    response = app.test_client().get("/healthz", base_url="https://ombudsman.example.kz")
    assert response.status_code == 200 and response.get_json()["database"] == "ok"
    with app.app_context():
        from extensions import db

        assert db.session.execute(text("SELECT current_database()")).scalar() == NAME
