"""Shared column helpers."""
from datetime import datetime, timezone

from sqlalchemy import DateTime, func
from sqlalchemy.orm import mapped_column


def utcnow():
    return datetime.now(timezone.utc)


def created_at_column():
    """A ``timestamptz`` set by the database at insert (stored in UTC)."""
    return mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
