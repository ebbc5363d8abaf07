"""Extra questions on the public form, defined by administrators without code.

A questionnaire holds questions (editable); every save publishes a new immutable
*version* — a JSON snapshot of the questions — and each case keeps the version it was
filed with, with its answers, so later edits never change what a case showed.
"""
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.base import created_at_column

QUESTION_TYPES = {
    "short_text": _l("Short text"), "long_text": _l("Long text"),
    "single_choice": _l("Single choice"), "multiple_choice": _l("Multiple choice"),
    "yes_no": _l("Yes / no"), "date": _l("Date"), "number": _l("Number"),
}


class Questionnaire(db.Model):
    __tablename__ = "questionnaire"

    id: Mapped[int] = mapped_column(primary_key=True)
    title_kk: Mapped[str] = mapped_column(String(200))
    title_ru: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200), default="")
    # None: shown in every region.
    region_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"), index=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = created_at_column()

    region = relationship("Region")
    questions = relationship("Question", back_populates="questionnaire", order_by="Question.position",
                             cascade="all, delete-orphan", lazy="selectin")
    versions = relationship("QuestionnaireVersion", back_populates="questionnaire",
                            order_by="QuestionnaireVersion.number")

    def __str__(self):
        return self.title_kk


class Question(db.Model):
    __tablename__ = "question"
    __table_args__ = (
        UniqueConstraint("questionnaire_id", "key"),
        CheckConstraint(f"type IN {tuple(QUESTION_TYPES)!r}", name="type_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaire.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    key: Mapped[str] = mapped_column(String(40))
    type: Mapped[str] = mapped_column(String(20))
    label_kk: Mapped[str] = mapped_column(String(300))
    label_ru: Mapped[str] = mapped_column(String(300))
    label_en: Mapped[str] = mapped_column(String(300), default="")
    help_kk: Mapped[str | None] = mapped_column(Text)
    help_ru: Mapped[str | None] = mapped_column(Text)
    help_en: Mapped[str | None] = mapped_column(Text)
    # One option a line: "value | kk label | ru label | en label".
    options: Mapped[str | None] = mapped_column(Text)
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    show_if_key: Mapped[str | None] = mapped_column(String(40))
    show_if_answer: Mapped[str | None] = mapped_column(String(100))

    questionnaire = relationship("Questionnaire", back_populates="questions")


class QuestionnaireVersion(db.Model):
    """An immutable published snapshot of a questionnaire's questions."""

    __tablename__ = "questionnaire_version"
    __table_args__ = (UniqueConstraint("questionnaire_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaire.id"))
    number: Mapped[int] = mapped_column(Integer)
    definition: Mapped[dict] = mapped_column(JSONB)
    created_at: Mapped[datetime] = created_at_column()
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    questionnaire = relationship("Questionnaire", back_populates="versions")
