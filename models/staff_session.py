"""Server-side records of staff sessions, and of public forms already sent.

A staff session's cookie holds a random token; the database keeps only its SHA-256, so a
reader of the database cannot take over a session. Logging out, a password change and an
administrator's "end all sessions" end the record, and the cookie is refused at the next
request, even a copy taken before (services/staff_sessions.py).

A public report form carries a signed start token; once a report made with it is saved, its
hash is kept for a while, so the same form cannot be sent twice (services/intake.py).
"""
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from extensions import db
from models.base import created_at_column


class StaffSession(db.Model):
    __tablename__ = "staff_session"
    __table_args__ = (
        # A user's live sessions, to end them all at once.
        Index("ix_staff_session_user_live", "user_id", postgresql_where=text("ended_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = created_at_column()
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # "logout", "password", "ended_by_admin", "idle", "expired", "account_changed"
    ended_reason: Mapped[str | None] = mapped_column(String(30))


class UsedFormToken(db.Model):
    __tablename__ = "used_form_token"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    used_at: Mapped[datetime] = created_at_column()

    __table_args__ = (Index("ix_used_form_token_used_at", "used_at"),)
