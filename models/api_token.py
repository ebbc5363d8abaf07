"""Partner API tokens [R7]: the 111 line, e-Otinish operators and partner organizations send
cases and follow them by machine; national bodies read the submitted reports [R8].

A token belongs to an organization of the directory; its secret is shown once and only its
SHA-256 is kept (the secret is 256 random bits, so no slow hash is needed to protect it).
"""
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ARRAY, CheckConstraint, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.base import created_at_column
from models.types import EncryptedText

SCOPES = {
    "cases:create": _l("Send cases"),
    "cases:read": _l("Follow the cases it sent"),
    "reports:read": _l("Read submitted half-year reports (national bodies only)"),
}


class ApiToken(db.Model):
    __tablename__ = "api_token"
    __table_args__ = (
        CheckConstraint("scopes <@ ARRAY['cases:create', 'cases:read', 'reports:read']::varchar[]",
                        name="scopes_known"),
        CheckConstraint("rate_limit_per_minute IS NULL OR rate_limit_per_minute > 0", name="rate_limit_positive"),
        CheckConstraint("webhook_url IS NULL OR webhook_url LIKE 'https://%'", name="webhook_https"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(100))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters of the secret, to tell tokens apart on screen; they open nothing.
    prefix: Mapped[str] = mapped_column(String(12))
    scopes: Mapped[list[str]] = mapped_column(ARRAY(String(20)))
    region_codes: Mapped[list[str]] = mapped_column(ARRAY(String(2)))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # None: the admin setting ``api_requests_per_minute``.
    rate_limit_per_minute: Mapped[int | None] = mapped_column(Integer)
    webhook_url: Mapped[str | None] = mapped_column(String(500))
    webhook_secret: Mapped[str | None] = mapped_column(EncryptedText(100))
    created_at: Mapped[datetime] = created_at_column()
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    organization = relationship("Organization", lazy="joined")
    created_by = relationship("User", foreign_keys=[created_by_id])

    def __str__(self):
        return self.label


class ApiIdempotencyKey(db.Model):
    """A POST's ``Idempotency-Key``: a retried request gets the first one's answer, never a
    second case."""

    __tablename__ = "api_idempotency_key"
    __table_args__ = (UniqueConstraint("token_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_id: Mapped[int] = mapped_column(ForeignKey("api_token.id"))
    key: Mapped[str] = mapped_column(String(200))
    # SHA-256 of the request body: the same key with another body is refused.
    request_digest: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = created_at_column()
