"""The throttles' counted attempts (services/throttle_store.py): failed logins and second
factors, wrong receipt codes, public reports and password-reset requests.

One row per counted attempt, kept until it expires. Only counted, never loaded as objects,
hence a table and no class. It is UNLOGGED: counting writes no WAL, and after a crash
Postgres empties the table, which only forgets the last minutes' failures.
"""
from sqlalchemy import Column, DateTime, Index, Table, Text

from extensions import db

throttle_hit = Table(
    "throttle_hit", db.metadata,
    Column("key", Text, nullable=False),  # the ``limits`` key: throttle, who, limit, window
    Column("expires_at", DateTime(timezone=True), nullable=False),  # by the database's clock
    # "the live rows of this key": every count, acquire and clear.
    Index("ix_throttle_hit_key_expires_at", "key", "expires_at"),
    prefixes=["UNLOGGED"],
)
