"""The audit log: who did what, when, to which record.

Rows are only ever inserted; triggers in the migration refuse UPDATE, DELETE and TRUNCATE.
When the writing transaction commits, each row is linked into one hash chain (migration
0022): ``seq`` is its place (1, 2, 3 …) and ``hash`` the SHA-256 of its content and of the
previous row's hash; both stay empty until then. ``services.audit_chain`` checks the chain.
"""
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String
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
        # The chain in order, and its last row (read at every commit that writes to the log).
        Index("ix_audit_event_seq", "seq", unique=True),
        {"info": {"append_only": True}},
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
    seq: Mapped[int | None] = mapped_column(BigInteger)  # set at commit by the database
    hash: Mapped[str | None] = mapped_column(String(64))  # set at commit by the database

    actor = relationship("User", lazy="joined")
