"""Attempt counters: shared by every process, in Postgres, or in Redis when REDIS_URL is set.

The Redis test runs only when ``TEST_REDIS_URL`` names a Redis (e.g. redis://127.0.0.1:6379/15).
"""
import os
import subprocess
import sys
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, func, select, text

from app import create_app
from config import TestConfig
from extensions import db
from core.throttle import Throttle
from core.throttle_store import PostgresStorage, throttle_hit

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL")

# Another OS process, as a second gunicorn worker: counts one hit of Throttle(name, 2, 1) for
# "k", then prints whether it still allows one.
COUNT_IN_ANOTHER_PROCESS = """
import sys
from app import create_app
from config import TestConfig
from core.throttle import Throttle
config = TestConfig()
config.DATABASE_URL, config.REDIS_URL = sys.argv[1], sys.argv[2] or None
with create_app(config).app_context():
    throttle = Throttle(sys.argv[3], 2, 1)
    throttle.count("k")
    print("allowed" if throttle.allows("k") else "blocked")
"""


def make_app(database_url, redis_url=None):
    config = TestConfig()
    config.DATABASE_URL, config.REDIS_URL = database_url, redis_url
    return create_app(config)


@pytest.fixture(scope="module")
def postgres_app(database_url):
    """An app counting in Postgres, whatever REDIS_URL the environment holds."""
    return make_app(database_url)


@pytest.fixture(scope="module")
def hits(database_url):
    """An engine of the test's own on the counted rows, which the store commits."""
    engine = create_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def store(database_url):
    store = PostgresStorage(database_url)
    yield store
    store.engine.dispose()


def add_hit(engine, key, expires_in_seconds):
    """A counted row as if made earlier: it expires that many seconds from now."""
    with engine.begin() as conn:
        conn.execute(throttle_hit.insert().values(
            key=key, expires_at=func.now() + timedelta(seconds=expires_in_seconds)))


def counted_keys(engine, name):
    """``{key: rows}`` of one throttle's rows in the table."""
    with engine.connect() as conn:
        return dict(conn.execute(select(throttle_hit.c.key, func.count())
                                 .where(throttle_hit.c.key.like(f"LIMITER/{name}/%"))
                                 .group_by(throttle_hit.c.key)).all())


def rows(engine, name):
    return sum(counted_keys(engine, name).values())


def test_counts_live_in_postgres_and_block_after_the_limit(postgres_app, hits):
    throttle = Throttle("test-postgres", 3, 1)
    with postgres_app.app_context():
        for _ in range(3):
            assert throttle.allows("k")
            throttle.count("k")
        assert not throttle.allows("k")
        throttle.count("k")  # refused: not counted
        assert throttle.allows("other-key")
        assert throttle.minutes_until_allowed("k") == 1
        assert rows(hits, "test-postgres") == 3
        throttle.clear("k")
        assert throttle.allows("k")
    assert rows(hits, "test-postgres") == 0


@pytest.mark.parametrize("redis_url", [
    pytest.param(None, id="postgres"),
    pytest.param(TEST_REDIS_URL, id="redis",
                 marks=pytest.mark.skipif(not TEST_REDIS_URL, reason="TEST_REDIS_URL is not set")),
])
def test_counts_are_shared_between_processes(database_url, hits, redis_url):
    name = "test-processes"
    throttle = Throttle(name, 2, 1)
    with make_app(database_url, redis_url).app_context():
        throttle.clear("k")
        throttle.count("k")
        env = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
        other = subprocess.run([sys.executable, "-c", COUNT_IN_ANOTHER_PROCESS, database_url, redis_url or "",
                                name], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert other.returncode == 0, other.stderr
        assert other.stdout.strip() == "blocked"  # it saw this process's hit beside its own
        assert not throttle.allows("k")  # and this process sees the other's
        assert rows(hits, name) == (0 if redis_url else 2)
        throttle.clear("k")


def test_a_count_survives_the_rollback_of_its_request(postgres_app, hits):
    throttle = Throttle("test-rollback", 1, 1)
    with postgres_app.test_request_context():
        db.session.execute(text("SELECT 1"))  # the request's transaction is open
        throttle.count("k")
        db.session.rollback()  # as after a wrong receipt code: nothing is committed
        assert not throttle.allows("k")
    assert rows(hits, "test-rollback") == 1


def test_a_hit_older_than_the_window_no_longer_counts(postgres_app, hits, store):
    throttle = Throttle("test-window", 2, 1)
    key = throttle.item.key_for("test-window", "k")
    add_hit(hits, key, -1)  # counted 61 seconds ago: out of the minute
    add_hit(hits, key, 30)  # counted 30 seconds ago
    with postgres_app.app_context():
        assert throttle.allows("k")
        throttle.count("k")
        assert not throttle.allows("k")
    assert rows(hits, "test-window") == 2  # the expired row went at that count
    window_start, live = store.get_moving_window(key, 2, 60)
    assert live == 2 and abs(window_start - (time.time() - 30)) < 5  # the window began at the older live hit


def test_expired_rows_of_every_key_are_swept(hits, store):
    add_hit(hits, "LIMITER/test-sweep/expired", -1)
    add_hit(hits, "LIMITER/test-sweep/live", 60)
    assert store.acquire_entry("LIMITER/test-sweep/other", 1, 60)
    assert counted_keys(hits, "test-sweep") == {"LIMITER/test-sweep/live": 1, "LIMITER/test-sweep/other": 1}


def test_concurrent_hits_never_pass_the_limit(postgres_app, hits):
    throttle = Throttle("test-threads", 3, 1)
    start = threading.Barrier(10)

    def count_once():
        with postgres_app.app_context():
            start.wait()
            throttle.count("k")

    threads = [threading.Thread(target=count_once) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert rows(hits, "test-threads") == 3


def test_fixed_window_counter_of_the_storage(hits, store):
    """``incr``, ``get``, ``get_expiry`` (the fixed-window strategy), ``clear``, ``reset``, ``check``."""
    key = "LIMITER/test-counter/k"
    add_hit(hits, key, -1)  # a counter that ended a second ago
    assert store.get(key) == 0
    assert store.incr(key, 60) == 1
    ends = store.get_expiry(key)
    assert time.time() + 55 < ends < time.time() + 65
    assert store.incr(key, 60, amount=2) == 3
    assert store.get_expiry(key) == ends  # the counter keeps the end it began with
    assert store.get(key) == 3
    store.clear(key)
    assert store.get(key) == 0 and store.get_expiry(key) <= time.time() + 1
    store.incr(key, 60)
    store.incr("LIMITER/test-counter/other", 60)
    assert store.reset() == 2
    assert rows(hits, "test-counter") == 0
    assert store.check()


def test_the_migrated_table_is_unlogged(hits):
    """Counting writes no WAL (migration 0015)."""
    with hits.connect() as conn:
        assert conn.scalar(text("SELECT relpersistence FROM pg_class WHERE relname = 'throttle_hit'")) == "u"
