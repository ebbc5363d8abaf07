"""The 20 regions (administrative-territorial units) of Kazakhstan [R2].

Loaded by a migration from the table in KZ-FACTS.md; codes are the two KATO digits.
"""
from flask_babel import get_locale
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from extensions import db


# Cities of republican significance and the capital: "Алматы қаласы" beside "Алматы облысы".
CITY_CODES = ("71", "75", "79")
CITY_NAMES = {"kk": "{} қаласы", "ru": "город {}", "en": "{} city"}


class Region(db.Model):
    __tablename__ = "region"

    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    iso_code: Mapped[str] = mapped_column(String(5), unique=True)
    name_kk: Mapped[str] = mapped_column(String(100))
    name_ru: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))

    def localized_name(self, language=None):
        """The name in ``language`` (kk, ru or en), by default the one being shown."""
        language = language or str(get_locale() or "kk")[:2]
        return getattr(self, f"name_{language}", None) or self.name_kk

    def official_name(self, language=None):
        """The name with its kind, as a letter writes it: a city says it is one."""
        name = self.localized_name(language)
        language = language or str(get_locale() or "kk")[:2]
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
