"""Corrections to the working-day calendar, made by administrators.

The ``holidays`` package knows Kazakhstan's public holidays, but not the days off the
Government transfers each year (nor new holidays): a row here makes a date a day off
(``holiday``) or a working day (``working_day``, e.g. a working Saturday).
"""
from datetime import date

from sqlalchemy import CheckConstraint, Date, String
from sqlalchemy.orm import Mapped, mapped_column

from extensions import db


class CalendarOverride(db.Model):
    __tablename__ = "calendar_override"
    __table_args__ = (CheckConstraint("kind IN ('holiday', 'working_day')", name="kind_known"),)

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(String(200), default="")
