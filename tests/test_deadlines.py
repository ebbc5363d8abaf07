"""Working-day deadlines over real 2026 dates, with administrators' overrides.

These count the older way, from the day after receipt with an 18:00 cut-off (``AFTER``);
e-Otinish's way, the default, is in tests/test_terms.py.
"""
from datetime import date, datetime, time, timezone

import pytest

from extensions import db
from models import CalendarOverride
from services.deadlines import Counting, Term, WorkingCalendar, load_calendar, months_after


def utc(*args):
    return datetime(*args, tzinfo=timezone.utc)


CAL = WorkingCalendar()
AFTER = Counting(receipt_day_counts=False, cutoff=time(18))
APPEAL = Term(15)


def test_2026_public_holidays_are_days_off():
    for day in (date(2026, 1, 1), date(2026, 1, 2), date(2026, 1, 7), date(2026, 3, 9),
                date(2026, 3, 23), date(2026, 3, 24), date(2026, 3, 25), date(2026, 5, 1)):
        assert not CAL.is_working_day(day), day
    assert CAL.is_working_day(date(2026, 3, 26))


def test_fifteen_working_days_across_nauryz():
    # Monday 16 March 2026, 10:00 in Almaty. Nauryz: 21–22 March fall on a weekend and
    # 23–25 March are days off. Days 1–4: 17–20 March; 5–6: 26–27; 7–8: 30–31;
    # 9–11: 1–3 April; 12–15: 6–9 April.
    assert CAL.term_end(utc(2026, 3, 16, 5, 0), APPEAL, AFTER) == date(2026, 4, 9)


def test_fifteen_working_days_across_new_year():
    # Friday 26 December 2025, 11:00 in Almaty. 1, 2 and 7 January 2026 are days off.
    # 29–31 Dec (3), 5–6 Jan (5), 8–9 (7), 12–16 (12), 19–21 (15).
    assert CAL.term_end(utc(2025, 12, 26, 6, 0), APPEAL, AFTER) == date(2026, 1, 21)


def test_after_cutoff_hour_counts_from_next_working_day():
    # Friday 20 November 2026, 18:30 Almaty = 13:30 UTC → counts as received Monday 23.
    assert CAL.receipt_day(utc(2026, 11, 20, 13, 30), time(18)) == date(2026, 11, 23)
    assert CAL.receipt_day(utc(2026, 11, 20, 12, 59), time(18)) == date(2026, 11, 20)
    # A case received at 23:00 local on Thursday (18:00 UTC) is still Thursday in UTC terms
    # but counts from Friday.
    assert CAL.receipt_day(utc(2026, 11, 19, 18, 0), time(18)) == date(2026, 11, 20)


def test_weekend_receipt_counts_from_monday():
    assert CAL.receipt_day(utc(2026, 11, 21, 5, 0), time(18)) == date(2026, 11, 23)


def test_transferred_day_off_and_working_saturday():
    base = CAL.term_end(utc(2026, 11, 2, 5, 0), Term(3), AFTER)  # Mon → Thu 5 Nov
    assert base == date(2026, 11, 5)
    moved = WorkingCalendar({date(2026, 11, 4): "holiday"})
    assert moved.term_end(utc(2026, 11, 2, 5, 0), Term(3), AFTER) == date(2026, 11, 6)
    saturday = WorkingCalendar({date(2026, 11, 7): "working_day", date(2026, 11, 4): "holiday",
                                date(2026, 11, 5): "holiday", date(2026, 11, 6): "holiday"})
    assert saturday.term_end(utc(2026, 11, 2, 5, 0), Term(2), AFTER) == date(2026, 11, 7)


def test_overrides_come_from_the_database(app_ctx):
    received = utc(2026, 12, 8, 5, 0)  # Tuesday
    assert load_calendar().term_end(received, Term(2), AFTER) == date(2026, 12, 10)
    db.session.add(CalendarOverride(day=date(2026, 12, 10), kind="holiday", note="transferred"))
    db.session.flush()
    assert not load_calendar().is_working_day(date(2026, 12, 10))
    assert load_calendar().term_end(received, Term(2), AFTER) == date(2026, 12, 11)


@pytest.mark.parametrize("received,latest", [
    (utc(2026, 1, 10, 5), date(2026, 3, 10)),
    (utc(2025, 12, 31, 5), date(2026, 2, 28)),
    (utc(2026, 11, 30, 5), date(2027, 1, 30)),
])
def test_two_months_after_receipt(received, latest):
    assert months_after(received, 2) == latest
