"""The schema comes only from Alembic: upgrade builds it, models match it, every step reverses."""
import os
import subprocess
import sys

import pytest
from alembic.config import Config as AlembicConfig
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, make_url, text

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def empty_database(database_url):
    """A fresh, empty database on the test server, dropped afterwards."""
    name = "migrations_check"
    admin_url = make_url(database_url).set(database="postgres")
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        conn.execute(text(f"CREATE DATABASE {name}"))
    yield make_url(database_url).set(database=name).render_as_string(hide_password=False)
    with engine.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    engine.dispose()


def flask_db(url, *args):
    env = dict(os.environ, DATABASE_URL=url, APP_ENV="testing", SECRET_KEY="migration-test")
    return subprocess.run([sys.executable, "-m", "flask", "--app", "app", "db", *args], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120)


def revisions():
    script = ScriptDirectory.from_config(_alembic_config())
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


def _alembic_config():
    config = AlembicConfig()
    config.set_main_option("script_location", os.path.join(ROOT, "migrations"))
    return config


def test_upgrade_builds_an_empty_database_and_models_match(empty_database):
    result = flask_db(empty_database, "upgrade")
    assert result.returncode == 0, result.stderr
    check = flask_db(empty_database, "check")
    assert check.returncode == 0, check.stdout + check.stderr
    assert "No new upgrade operations detected" in check.stdout + check.stderr
    engine = create_engine(empty_database)
    with engine.connect() as conn:
        extensions = set(conn.scalars(text("SELECT extname FROM pg_extension")))
        assert {"pg_trgm", "btree_gist"} <= extensions
        assert conn.scalar(text("SELECT count(*) FROM region")) == 20
    engine.dispose()


# Every step down and up again in one process (Flask-Migrate's own functions, as ``flask db``
# calls them): a process per step took a hundred starts of the app.
DOWN_AND_UP = """
import sys
from flask_migrate import downgrade, upgrade
from app import app
with app.app_context():
    upgrade()
    for revision in reversed(sys.argv[1:]):
        print("at", revision, flush=True)
        downgrade(revision="-1")
        upgrade(revision=revision)
        downgrade(revision="-1")
"""


def test_every_migration_goes_down_and_up_again(empty_database):
    """From head, step down one revision at a time; each step is also re-applied once."""
    env = dict(os.environ, DATABASE_URL=empty_database, APP_ENV="testing", SECRET_KEY="migration-test")
    steps = subprocess.run([sys.executable, "-c", DOWN_AND_UP, *revisions()], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=600)
    assert steps.returncode == 0, steps.stdout[-500:] + steps.stderr[-3000:]
    assert steps.stdout.split() == [word for revision in reversed(revisions()) for word in ("at", revision)]
    engine = create_engine(empty_database)
    tables = set(inspect(engine).get_table_names()) - {"alembic_version"}
    engine.dispose()
    assert tables == set(), "downgrade to base must remove every table"
    assert flask_db(empty_database, "upgrade").returncode == 0
