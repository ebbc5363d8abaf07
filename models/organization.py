"""Partner organizations of a region [R7]: the recipients of alerts and placements.

The ombudsman interacts with the Commissioner for Human Rights and their regional
representatives, the Commissioner for Children's Rights, the Committee, local executive
bodies, law enforcement, public associations and other organizations [R7]; alerts of
[R10.1] and [R10.3] go to them, and [R11.7] places a child with one of them.
"""
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.outbox import channel_constraint

ORGANIZATION_TYPES = {
    "guardianship": _l("Guardianship and trusteeship authority"),
    "police": _l("Police (internal affairs)"),
    "education": _l("Education organization"),
    "health": _l("Health organization"),
    "social_protection": _l("Social protection organization"),
    "culture_sport": _l("Culture and sport organization"),
    "penal_institution": _l("Penal institution holding minors"),
    "crisis_centre": _l("Crisis centre"),
    "adaptation_centre": _l("Centre for the adaptation of minors"),
    "child_support_centre": _l("Child support centre"),
    "medical_organization": _l("Medical organization"),
    "court": _l("Court"),
    "ngo": _l("Public association (NGO)"),
    "media": _l("Media"),
    "commissioner": _l("Commissioner for Children's Rights"),
    "committee": _l("Committee for the Protection of Children's Rights"),
    "akimat": _l("Akimat"),
    "human_rights_commissioner": _l("Commissioner for Human Rights or their regional representative"),
    "local_executive": _l("Local executive body"),
}

# [R11.7] the child may be placed, until the KDN decides, in one of these.
PLACEMENT_TYPES = ("medical_organization", "adaptation_centre", "child_support_centre", "crisis_centre")


class Organization(db.Model):
    __tablename__ = "organization"
    __table_args__ = (
        CheckConstraint(f"type IN {tuple(ORGANIZATION_TYPES)!r}", name="type_known"),
        channel_constraint(),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # None: a national body (the Commissioner, the Committee).
    region_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"), index=True)
    type: Mapped[str] = mapped_column(String(40), index=True)
    name_kk: Mapped[str] = mapped_column(String(300))
    name_ru: Mapped[str] = mapped_column(String(300))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    # Alerts [R10.1]: a Telegram chat or channel ("@name" or its number), and the channel
    # for ordinary alerts (an urgent one goes by every channel the organization has).
    telegram_chat_id: Mapped[str | None] = mapped_column(String(64))
    alert_channel: Mapped[str] = mapped_column(String(10), default="email", server_default="email")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)

    region = relationship("Region")

    def localized_name(self, language=None):
        language = language or str(get_locale() or "kk")[:2]
        return self.name_ru if language == "ru" else self.name_kk

    def __str__(self):
        return self.localized_name()
