"""A new report's receipt code, held for the browser that sent it until the reporter says
it is saved (issue 19; [R3]: the reporter follows the case only with this code).

The browser's session cookie holds a random token; this row holds the token's SHA-256 and
the code sealed under a key derived from the token itself (services/receipt_holds.py). So
neither the cookie alone (no code in it) nor the database alone (no key for the seal)
gives the code; the row is deleted when the reporter ticks "I have saved it", and at the
latest a day after the report was sent.
"""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.base import created_at_column


class ReceiptHold(db.Model):
    __tablename__ = "receipt_hold"
    __table_args__ = (Index("ix_receipt_hold_created_at", "created_at"),)

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    sealed_code: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()

    case = relationship("Case")
