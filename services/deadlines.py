"""Deadlines in Kazakhstan working days (Administrative Procedural and Process Code).

An appeal is considered within 15 working days of receipt (art. 76). Working days are
Monday to Friday except public holidays, from the ``holidays`` package's ``KZ``
calendar (observed days included). A case received after the cut-off hour counts from
the next working day. One function computes every deadline.
"""
from datetime import datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

KZ_TZ = ZoneInfo("Asia/Almaty")
APPEAL_WORKING_DAYS = 15


@lru_cache(maxsize=32)
def _public_holidays(year):
    return frozenset(holidays.KZ(years=year).keys())


def is_working_day(day):
    return day.weekday() < 5 and day not in _public_holidays(day.year)


def add_working_days(start, days):
    """The date ``days`` working days after ``start`` (``start`` itself not counted)."""
    day = start
    remaining = days
    while remaining > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day


def effective_receipt_day(received_at, cutoff_hour=18):
    """The local date a case counts as received: the receipt date, or the next working
    day when it came on a day off or after the cut-off hour."""
    local = received_at.astimezone(KZ_TZ)
    day = local.date()
    if not is_working_day(day) or local.time() >= time(cutoff_hour):
        day = add_working_days(day, 1)
    return day


def due_date(received_at, working_days=APPEAL_WORKING_DAYS, cutoff_hour=18):
    """The last day to answer: ``working_days`` working days after the day of receipt
    (a term in days runs from the day after the event)."""
    return add_working_days(effective_receipt_day(received_at, cutoff_hour), working_days)


def now_local():
    return datetime.now(KZ_TZ)
