"""Staff accounts and their roles (PRODUCT.md, "Who uses it").

Citizens have no account. ``akimat_admin`` and ``ombudsman`` belong to exactly one
region; the national roles see all regions. The database enforces both.
"""
import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, Index, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.base import created_at_column
from models.outbox import channel_constraint
from models.types import EncryptedText


class Role(str, enum.Enum):
    SUPERADMIN = "superadmin"
    COMMISSIONER = "commissioner"
    COMMITTEE = "committee"
    AKIMAT_ADMIN = "akimat_admin"
    OMBUDSMAN = "ombudsman"

    @property
    def is_regional(self):
        """Regional roles act only within their own region."""
        return self in REGIONAL_ROLES

    def __str__(self):
        return self.value


REGIONAL_ROLES = frozenset({Role.AKIMAT_ADMIN, Role.OMBUDSMAN})
ROLE_LABELS = {
    Role.SUPERADMIN.value: _l("Superadmin"),
    Role.COMMISSIONER.value: _l("Commissioner's office"),
    Role.COMMITTEE.value: _l("Committee"),
    Role.AKIMAT_ADMIN.value: _l("Akimat administrator"),
    Role.OMBUDSMAN.value: _l("Regional ombudsman"),
}
ROLE_VALUES = tuple(role.value for role in Role)


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(f"role IN {ROLE_VALUES!r}", name="role_known"),
        CheckConstraint(
            "(role IN ('akimat_admin', 'ombudsman')) = (region_code IS NOT NULL)",
            name="region_matches_role",
        ),
        channel_constraint(),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(20))
    region_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    # Bumped to end every session of the user (disabling, password change).
    session_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    created_at: Mapped[datetime] = created_at_column()
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Two-factor login (TOTP): the shared secret, set at enrolment; enabled once confirmed.
    totp_secret: Mapped[str | None] = mapped_column(EncryptedText())  # encrypted at rest
    totp_enabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Alerts [R10.1]: a mobile number for SMS, a Telegram chat (linked by a one-time code
    # sent to the bot, kept hashed until it expires), and the channel for ordinary alerts.
    phone: Mapped[str | None] = mapped_column(String(20))
    telegram_chat_id: Mapped[str | None] = mapped_column(String(64))
    telegram_code_hash: Mapped[str | None] = mapped_column(String(64))
    telegram_code_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    alert_channel: Mapped[str] = mapped_column(String(10), default="email", server_default="email")

    region = relationship("Region", lazy="joined")
    recovery_codes = relationship("RecoveryCode", back_populates="user", cascade="all, delete-orphan")

    @property
    def role_enum(self):
        return Role(self.role)

    @property
    def is_active(self):
        """Flask-Login refuses disabled users."""
        return bool(self.is_enabled)

    def get_id(self):
        """The session holds the id and the session version: bumping it logs the user out."""
        return f"{self.id}:{self.session_version}"

    def sees_all_regions(self):
        return not self.role_enum.is_regional

    def can_see_region(self, region_code):
        return self.sees_all_regions() or region_code == self.region_code

    def __str__(self):
        return self.name or self.email


# E-mail is unique case-insensitively.
Index("uq_users_email_lower", func.lower(User.email), unique=True)


class RecoveryCode(db.Model):
    """A one-time code that replaces the TOTP code once (ten are shown at enrolment).

    Only a keyed hash is stored; a used code keeps its row with the time it was used.
    """

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user = relationship("User", back_populates="recovery_codes")
