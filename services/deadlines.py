"""Deadlines in Kazakhstan working days (Administrative Procedural and Process Code).

Working days are Monday to Friday except the public holidays of the ``holidays``
package's ``KZ`` calendar (observed days included), corrected by the
``calendar_override`` table for the days off the Government transfers and for working
Saturdays. A term is counted from the day a case counts as received: the receipt date,
or the next working day for a receipt on a day off or after the cut-off time. Whether
that day is the first day of the term, the cut-off and the term of each kind of case are
settings (``services.terms``); this module only counts.
"""
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from flask import g, has_app_context
from sqlalchemy import Date, cast, func, select

from extensions import db
from models import CalendarOverride

KZ_TZ = ZoneInfo("Asia/Almaty")


@lru_cache(maxsize=32)
def _public_holidays(year):
    return frozenset(holidays.KZ(years=year).keys())


@dataclass(frozen=True)
class Term:
    """A term of ``days`` working days, or calendar days (``unit="calendar"``)."""

    days: int
    unit: str = "working"


@dataclass(frozen=True)
class Counting:
    """How a term runs from receipt: whether the day a case counts as received is the first
    day of the term (e-Otinish's practice) or the term starts the day after; and the time of
    day after which a receipt counts from the next working day."""

    receipt_day_counts: bool = True
    cutoff: time = time(18, 30)


class WorkingCalendar:
    """Kazakhstan's working days with administrators' overrides (date → kind)."""

    def __init__(self, overrides=None):
        self.overrides = dict(overrides or {})

    def is_working_day(self, day):
        kind = self.overrides.get(day)
        if kind is not None:
            return kind == "working_day"
        return day.weekday() < 5 and day not in _public_holidays(day.year)

    def add_working_days(self, start, days):
        """The date ``days`` working days after ``start`` (``start`` itself not counted)."""
        day = start
        remaining = days
        while remaining > 0:
            day += timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
        return day

    def subtract_working_days(self, start, days):
        """The date ``days`` working days before ``start`` (``start`` itself not counted)."""
        day = start
        remaining = days
        while remaining > 0:
            day -= timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
        return day

    def receipt_day(self, received_at, cutoff):
        """The local date a case counts as received: the receipt date, or the next working
        day when it came on a day off or at or after the ``cutoff`` time."""
        local = received_at.astimezone(KZ_TZ)
        day = local.date()
        if not self.is_working_day(day) or local.time() >= cutoff:
            day = self.add_working_days(day, 1)
        return day

    def term_end(self, received_at, term, counting=Counting()):
        """The last day of ``term`` for a case received at ``received_at``. A term in calendar
        days that ends on a day off ends on the next working day."""
        start = self.receipt_day(received_at, counting.cutoff)
        days = term.days - 1 if counting.receipt_day_counts else term.days
        if term.unit == "working":
            return self.add_working_days(start, days)
        end = start + timedelta(days=days)
        return end if self.is_working_day(end) else self.add_working_days(end, 1)


def load_calendar():
    """The calendar with every override from the database."""
    rows = db.session.execute(select(CalendarOverride.day, CalendarOverride.kind)).all()
    return WorkingCalendar({day: kind for day, kind in rows})


def calendar():
    """The calendar for this request or command (loaded once per app context)."""
    if not has_app_context():
        return WorkingCalendar()
    if "working_calendar" not in g:
        g.working_calendar = load_calendar()
    return g.working_calendar


def months_after(received_at, months):
    """The local date ``months`` months after receipt (the last day of a shorter month)."""
    local = received_at.astimezone(KZ_TZ).date()
    month = local.month - 1 + months
    year, month = local.year + month // 12, month % 12 + 1
    for day in (local.day, 30, 29, 28):
        try:
            return local.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def now_local():
    return datetime.now(KZ_TZ)


# -- The same facts in SQL, for every query that counts cases ---------------------------------

def local_day(column):
    """The Asia/Almaty calendar day of a timestamptz column."""
    return cast(func.timezone(KZ_TZ.key, column), Date)


def deadline_column():
    """``Case.deadline`` as SQL: the extended date when the term was extended."""
    from models import Case

    return func.coalesce(Case.extended_due_on, Case.due_on)


def answered_on_time():
    """A case answered on time: the answer's local date is on or before its deadline.
    A case without a deadline or an answer is never on time."""
    from models import Case

    return local_day(Case.answered_at) <= deadline_column()
