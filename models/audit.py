"""The audit log: who did what, when, to which record.

Rows are only ever inserted; triggers in the migration refuse UPDATE, DELETE and TRUNCATE.
"""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.base import created_at_column


class AuditEvent(db.Model):
    __tablename__ = "audit_event"
    # The audit screen (admin/audit.py) at millions of rows: newest first, each filter
    # reading its first page straight from an index in that order.
    __table_args__ = (
        Index("ix_audit_event_at", "at"),
        # Action equal to, or starting with ("case."): a pattern index serves both.
        Index("ix_audit_event_action_at", "action", "at", postgresql_ops={"action": "varchar_pattern_ops"}),
        Index("ix_audit_event_actor_at", "actor_id", "at"),
        Index("ix_audit_event_region_at", "region_code", "at"),
        # Search by object id, optionally with its type.
        Index("ix_audit_event_object", "object_id", "object_type"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = created_at_column()
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(50))
    object_type: Mapped[str | None] = mapped_column(String(50))
    object_id: Mapped[str | None] = mapped_column(String(50))
    region_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"))
    ip_address: Mapped[str | None] = mapped_column(String(45))
    data: Mapped[dict] = mapped_column(JSONB, default=dict, server_default="{}")

    actor = relationship("User", lazy="joined")
