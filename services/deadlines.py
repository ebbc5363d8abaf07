"""Deadlines in Kazakhstan working days (Administrative Procedural and Process Code).

An appeal is considered within 15 working days of receipt (art. 76); a term may be
extended by a reasoned decision up to two months in all; an appeal outside the
office's competence is forwarded within 3 working days. Working days are Monday to
Friday except the public holidays of the ``holidays`` package's ``KZ`` calendar
(observed days included), corrected by the ``calendar_override`` table for the days
off the Government transfers and for working Saturdays. A case received after the
cut-off hour (a setting) counts from the next working day. Every deadline in the
system comes from ``due_date``.
"""
from datetime import datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from flask import g, has_app_context
from sqlalchemy import Date, cast, func, select

from extensions import db
from models import CalendarOverride

KZ_TZ = ZoneInfo("Asia/Almaty")
APPEAL_WORKING_DAYS = 15
FORWARD_WORKING_DAYS = 3
MAX_EXTENSION_MONTHS = 2


@lru_cache(maxsize=32)
def _public_holidays(year):
    return frozenset(holidays.KZ(years=year).keys())


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

    def effective_receipt_day(self, received_at, cutoff_hour):
        """The local date a case counts as received: the receipt date, or the next
        working day when it came on a day off or at or after the cut-off hour."""
        local = received_at.astimezone(KZ_TZ)
        day = local.date()
        if not self.is_working_day(day) or local.time() >= time(cutoff_hour):
            day = self.add_working_days(day, 1)
        return day

    def due_date(self, received_at, working_days=APPEAL_WORKING_DAYS, cutoff_hour=18):
        """The last day of a term of ``working_days`` working days from receipt
        (a term in days runs from the day after the event)."""
        return self.add_working_days(self.effective_receipt_day(received_at, cutoff_hour), working_days)


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


def due_date(received_at, working_days=APPEAL_WORKING_DAYS, cutoff_hour=18):
    return calendar().due_date(received_at, working_days, cutoff_hour)


def latest_extension(received_at):
    """An extension may reach at most two months from receipt in all."""
    local = received_at.astimezone(KZ_TZ).date()
    month = local.month - 1 + MAX_EXTENSION_MONTHS
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
