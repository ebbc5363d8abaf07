"""Files stored in Postgres (a PaaS disk does not keep them).

Each file has a generated key; the original name is kept as data only, never used as
a path (Cyrillic names survive intact). The content type is detected from the bytes.
"""
import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, deferred, mapped_column

from extensions import db
from models.base import created_at_column


class StoredFile(db.Model):
    __tablename__ = "stored_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), unique=True, default=uuid.uuid4)
    original_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    region_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"), index=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = created_at_column()
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary))

    def __str__(self):
        return self.original_name
