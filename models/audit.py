"""The audit log: who did what, when, to which record.

Rows are only ever inserted; a trigger in the migration refuses UPDATE and DELETE.
"""
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.base import created_at_column


class AuditEvent(db.Model):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = created_at_column()
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(50), index=True)
    object_type: Mapped[str | None] = mapped_column(String(50))
    object_id: Mapped[str | None] = mapped_column(String(50))
    region_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"), index=True)
    ip_address: Mapped[str | None] = mapped_column(String(45))
    data: Mapped[dict] = mapped_column(JSONB, default=dict, server_default="{}")

    actor = relationship("User", lazy="joined")
