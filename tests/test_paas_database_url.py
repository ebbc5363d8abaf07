"""A PaaS-style ``DATABASE_URL`` (``postgres://…``) on a separate Postgres server works:
the release phase migrates it and the app answers /healthz from it."""
import os
import socket
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, text

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SERVER = "postgres://postgres@127.0.0.1:5432"
NAME = "ombudsman_paas_check"


def server_is_up():
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=0.5).close()
        return True
    except OSError:
        return False


pytestmark = pytest.mark.skipif(not server_is_up(), reason="no Postgres server on 127.0.0.1:5432")


@pytest.fixture
def paas_database():
    admin = create_engine("postgresql+psycopg2://postgres@127.0.0.1:5432/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {NAME} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {NAME}"))
    yield f"{SERVER}/{NAME}"
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {NAME} WITH (FORCE)"))
    admin.dispose()


def test_release_phase_and_healthz_with_a_paas_url(paas_database):
    keys = {"DATA_KEYS": Fernet.generate_key().decode(), "IIN_HASH_KEY": "h" * 40}
    env = dict(os.environ, DATABASE_URL=paas_database, APP_ENV="production", SECRET_KEY="s" * 32, **keys)
    release = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "db", "upgrade"], cwd=ROOT,
                             env=env, capture_output=True, text=True, timeout=180)
    assert release.returncode == 0, release.stderr
    from app import create_app
    from config import Config, normalize_database_url

    config = type("PaasConfig", (Config,), {"APP_ENV": "production", "SECRET_KEY": "s" * 32, **keys})()
    config.DATABASE_URL = normalize_database_url(paas_database)
    response = create_app(config).test_client().get("/healthz", base_url="https://ombudsman.example.kz")
    assert response.status_code == 200 and response.get_json()["database"] == "ok"
