"""The throttles' counts in Postgres, shared by every process of the app (core/throttle.py).

A ``limits`` storage: each counted attempt is a row of ``throttle_hit`` (below) that counts
until its ``expires_at``. The store has its own small engine and each write is a
short transaction of its own, so an attempt stays counted when the request that made it
rolls back. Times come from the database's clock, so workers whose clocks differ agree on
every window. A hit takes a transaction-level advisory lock on its key, so two processes
never both take the last free place.
"""
import time
from datetime import timedelta

from limits.storage import MovingWindowSupport, Storage
from sqlalchemy import (Column, DateTime, Index, Table, Text, create_engine, delete, extract, func, insert, literal,
                        select, text)
from sqlalchemy.exc import SQLAlchemyError

from extensions import db

# One row per counted attempt (failed logins and second factors, wrong receipt codes, public
# reports, password-reset requests), kept until it expires; only counted, never loaded as
# objects, hence a table and no class. UNLOGGED: counting writes no WAL, and after a crash
# Postgres empties the table, which only forgets the last minutes' failures.
throttle_hit = Table(
    "throttle_hit", db.metadata,
    Column("key", Text, nullable=False),  # the ``limits`` key: throttle, who, limit, window
    Column("expires_at", DateTime(timezone=True), nullable=False),  # by the database's clock
    # "the live rows of this key": every count, acquire and clear.
    Index("ix_throttle_hit_key_expires_at", "key", "expires_at"),
    prefixes=["UNLOGGED"],
)

SWEEP_SECONDS = 300  # each process deletes every key's expired rows at most this often

# "Now" for one statement: the same for all its rows, and taken after any lock it waited for.
NOW = func.statement_timestamp(type_=DateTime(timezone=True))
# Expired rows of every key; rows another transaction holds are left for the next sweep, so
# a sweep never waits for (nor deadlocks with) a hit deleting its own key's rows.
SWEEP = text("DELETE FROM throttle_hit WHERE ctid = ANY(ARRAY("
             "SELECT ctid FROM throttle_hit WHERE expires_at <= statement_timestamp() "
             "FOR UPDATE SKIP LOCKED))")


class PostgresStorage(Storage, MovingWindowSupport):
    """Moving-window counts (``acquire_entry``, ``get_moving_window``) and fixed-window
    counters (``incr``, ``get``, ``get_expiry``), one row per unit counted."""

    def __init__(self, database_url, wrap_exceptions=False):
        super().__init__(database_url, wrap_exceptions=wrap_exceptions)
        # A sync worker counts one request at a time; the overflow serves threaded servers.
        self.engine = create_engine(database_url, pool_size=2, max_overflow=8, pool_pre_ping=True)
        self._next_sweep = 0.0

    @property
    def base_exceptions(self):
        return SQLAlchemyError

    def acquire_entry(self, key, limit, expiry, amount=1):
        """Count ``amount`` hits for ``expiry`` seconds if the key's live hits leave room."""
        self._sweep_now_and_then()
        with self.engine.begin() as conn:
            _lock(conn, key)
            _drop_expired(conn, key)
            if _count(conn, key) + amount > limit:
                return False
            _insert(conn, key, amount, NOW + timedelta(seconds=expiry))
            return True

    def get_moving_window(self, key, limit, expiry):
        """(when the oldest live hit was counted, how many are live), epoch seconds."""
        with self.engine.begin() as conn:
            count, first_expiry, now = conn.execute(
                select(func.count(), _epoch(func.min(throttle_hit.c.expires_at)), _epoch(NOW)).where(_live(key))).one()
        if not count:
            return float(now), 0
        return float(first_expiry) - expiry, count

    def incr(self, key, expiry, amount=1):
        """Add ``amount`` to the key's counter, which ends ``expiry`` seconds after it began."""
        self._sweep_now_and_then()
        with self.engine.begin() as conn:
            _lock(conn, key)
            _drop_expired(conn, key)
            counter_end = select(func.max(throttle_hit.c.expires_at)).where(throttle_hit.c.key == key).scalar_subquery()
            _insert(conn, key, amount, func.coalesce(counter_end, NOW + timedelta(seconds=expiry)))
            return _count(conn, key)

    def get(self, key):
        with self.engine.begin() as conn:
            return conn.scalar(select(func.count()).where(_live(key)))

    def get_expiry(self, key):
        """When the key's last live row expires (now if it has none), epoch seconds."""
        with self.engine.begin() as conn:
            last = select(func.max(throttle_hit.c.expires_at)).where(_live(key)).scalar_subquery()
            return float(conn.scalar(select(_epoch(func.coalesce(last, NOW)))))

    def clear(self, key):
        with self.engine.begin() as conn:
            _lock(conn, key)
            conn.execute(delete(throttle_hit).where(throttle_hit.c.key == key))

    def reset(self):
        """Forget every count; returns how many keys had rows."""
        with self.engine.begin() as conn:
            gone = delete(throttle_hit).returning(throttle_hit.c.key).cte("gone")
            return conn.scalar(select(func.count(gone.c.key.distinct())))

    def check(self):
        try:
            with self.engine.connect() as conn:
                conn.execute(select(1))
            return True
        except SQLAlchemyError:
            return False

    def _sweep_now_and_then(self):
        """Delete every key's expired rows, at most once per ``SWEEP_SECONDS`` in this process."""
        if time.monotonic() < self._next_sweep:
            return
        self._next_sweep = time.monotonic() + SWEEP_SECONDS
        with self.engine.begin() as conn:
            conn.execute(SWEEP)


def _lock(conn, key):
    """Serialize the writers of one key until the transaction ends (a 64-bit lock key: not
    the two-part keys of services/report_workflow.py)."""
    conn.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(key, 0))))


def _live(key):
    return (throttle_hit.c.key == key) & (throttle_hit.c.expires_at > NOW)


def _drop_expired(conn, key):
    conn.execute(delete(throttle_hit).where(throttle_hit.c.key == key, throttle_hit.c.expires_at <= NOW))


def _count(conn, key):
    """The key's rows: all live, once ``_drop_expired`` ran in this transaction."""
    return conn.scalar(select(func.count()).where(throttle_hit.c.key == key))


def _insert(conn, key, amount, expires_at):
    rows = select(literal(key), expires_at).select_from(func.generate_series(1, amount))
    conn.execute(insert(throttle_hit).from_select(["key", "expires_at"], rows))


def _epoch(moment):
    return extract("epoch", moment)
