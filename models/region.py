"""The 20 regions (administrative-territorial units) of Kazakhstan [R2], and each region's
ombudsman office as the public reaches it.

Regions are loaded by a migration from the table in KZ-FACTS.md; codes are the two KATO digits.
"""
from datetime import datetime

from flask_babel import get_locale
from sqlalchemy import DateTime, ForeignKey, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core import phones
from extensions import db


# Cities of republican significance and the capital: "Алматы қаласы" beside "Алматы облысы".
CITY_CODES = ("71", "75", "79")
CITY_NAMES = {"kk": "{} қаласы", "ru": "город {}", "en": "{} city"}
# The office's texts exist in Kazakh and Russian: a page in one reads the other when its own
# is empty, and an English page reads Russian, then Kazakh.
TEXT_LANGUAGES = {"kk": ("kk", "ru"), "ru": ("ru", "kk"), "en": ("ru", "kk")}


def _language(language=None):
    return language or str(get_locale() or "kk")[:2]


class Region(db.Model):
    __tablename__ = "region"

    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    iso_code: Mapped[str] = mapped_column(String(5), unique=True)
    name_kk: Mapped[str] = mapped_column(String(100))
    name_ru: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))

    # None until the region's akimat, its ombudsman or the superadmin publishes the contacts.
    office = relationship("RegionOffice", uselist=False, back_populates="region")

    def localized_name(self, language=None):
        """The name in ``language`` (kk, ru or en), by default the one being shown."""
        language = _language(language)
        return getattr(self, f"name_{language}", None) or self.name_kk

    def official_name(self, language=None):
        """The name with its kind, as a letter writes it: a city says it is one."""
        name = self.localized_name(language)
        language = _language(language)
        return CITY_NAMES.get(language, "{}").format(name) if self.code in CITY_CODES else name

    @property
    def is_city(self):
        """Astana, Almaty or Shymkent: a city, not the region around it."""
        return self.code in CITY_CODES

    @property
    def name(self):
        return self.localized_name()

    def __str__(self):
        return f"{self.code} {self.localized_name()}"


class RegionOffice(db.Model):
    """How the public reaches a region's ombudsman office (phones, e-mail, address, reception
    hours), and the data controller named in the privacy notice: the body that decides why
    and how personal data are processed, "the owner and operator of the database" in the
    words of the Law "On personal data and their protection" (No. 94-V of 21 May 2013),
    typically the akim's apparatus where the regional ombudsman sits. Texts in kk and ru;
    every field may be empty, and an empty one is not shown."""

    __tablename__ = "region_office"

    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), primary_key=True)
    phones: Mapped[str | None] = mapped_column(String(300))  # several, comma-separated
    email: Mapped[str | None] = mapped_column(String(254))
    address_kk: Mapped[str | None] = mapped_column(String(500))
    address_ru: Mapped[str | None] = mapped_column(String(500))
    hours_kk: Mapped[str | None] = mapped_column(String(300))
    hours_ru: Mapped[str | None] = mapped_column(String(300))
    controller_name_kk: Mapped[str | None] = mapped_column(String(500))
    controller_name_ru: Mapped[str | None] = mapped_column(String(500))
    controller_address_kk: Mapped[str | None] = mapped_column(String(500))
    controller_address_ru: Mapped[str | None] = mapped_column(String(500))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                                 onupdate=func.now())
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    region = relationship(Region, back_populates="office")

    # The fields staff fill in, in the order of the form.
    CONTACT_FIELDS = ("phones", "email", "address_kk", "address_ru", "hours_kk", "hours_ru")
    CONTROLLER_FIELDS = ("controller_name_kk", "controller_name_ru", "controller_address_kk",
                         "controller_address_ru")
    FIELDS = CONTACT_FIELDS + CONTROLLER_FIELDS

    def text(self, field, language=None):
        """``field`` (address, hours, controller_name, controller_address) in the page's
        language, or the other one when that is empty; "" when both are."""
        for candidate in TEXT_LANGUAGES.get(_language(language), ("kk", "ru")):
            value = (getattr(self, f"{field}_{candidate}") or "").strip()
            if value:
                return value
        return ""

    def phone_links(self):
        """(number as written, ``tel:`` target) for each published number."""
        return phones.links(self.phones)

    @property
    def has_contacts(self):
        """Whether the public can reach the office by anything published here."""
        return any((getattr(self, field) or "").strip() for field in self.CONTACT_FIELDS)

    @property
    def names_controller(self):
        return bool(self.text("controller_name", "kk"))
