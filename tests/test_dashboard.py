"""The staff dashboard's figures from hand-built cases [R3], [R6.2], [R6.3], [R10], [R11].

"Now" is 15 September 2026, noon in Almaty: the window runs from 1 October 2025 (local)
to now. Times are given in Almaty time; several sit next to midnight, where the UTC
date or month differs from the local one.
"""
from datetime import date, datetime, timedelta

import pytest

from extensions import db
from models import ChecklistItem
from services import dashboard
from services.deadlines import KZ_TZ
from tests.factories import gen_case

NOW = datetime(2026, 9, 15, 12, 0, tzinfo=KZ_TZ)


def local(*args):
    return datetime(*args, tzinfo=KZ_TZ)


def make(region, received, categories=("neglect",), due=None, extended=None, answered=None, state=None):
    """A case with the given facts; unless given, its deadline is after NOW and its state
    "in_progress" ("answered" when an answer time is given). The generated checklist
    items get no due time, so only the items a test adds can be overdue."""
    case, _code = gen_case(region, categories=list(categories))
    case.received_at = received
    case.due_on = due or NOW.date() + timedelta(days=30)
    case.extended_due_on = extended
    case.answered_at = answered
    case.state = state or ("answered" if answered else "in_progress")
    for item in case.checklist:
        item.due_at = None
    db.session.flush()
    return case


def item(case, rule, due_at, status="open"):
    db.session.add(ChecklistItem(case_id=case.id, rule=rule, due_at=due_at, status=status,
                                 done_at=due_at if status == "done" else None))
    db.session.flush()


def received_data():
    make("75", local(2025, 10, 1, 0, 30), ["neglect", "bullying"])  # 30 Sep 19:30 UTC: October here
    make("75", local(2025, 9, 30, 23, 0))  # before the window
    make("75", local(2026, 3, 5, 10, 0), ["education"])
    make("75", local(2026, 9, 1, 3, 0), ["violence"])  # 31 August in UTC
    make("75", local(2026, 9, 10, 10, 0), ["violence", "neglect"])
    make("71", local(2026, 9, 2, 10, 0), ["health"])


def test_window_is_twelve_local_months():
    assert dashboard.months(NOW) == [date(2025, 10, 1), date(2025, 11, 1), date(2025, 12, 1)] + [
        date(2026, month, 1) for month in range(1, 10)]
    # 1 January, 01:00 in Almaty is still 31 December in UTC: the window is local.
    assert dashboard.months(local(2026, 1, 1, 1, 0))[-1] == date(2026, 1, 1)


def test_received_by_month(app_ctx):
    received_data()
    #                      Oct Nov Dec Jan Feb Mar Apr May Jun Jul Aug Sep
    assert dashboard.received_by_month(NOW, "75") == [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 2]
    assert dashboard.received_by_month(NOW, "71") == [0] * 11 + [1]
    assert dashboard.received_by_month(NOW) == [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 3]


def test_by_category(app_ctx):
    received_data()
    counts = dashboard.by_category(NOW, "75")
    assert list(counts)[:3] == ["violence", "neglect", "bullying"]  # models.case.CATEGORIES order
    assert {k: v for k, v in counts.items() if v} == {"violence": 2, "neglect": 2, "bullying": 1,
                                                      "education": 1}
    assert dashboard.by_category(NOW)["health"] == 1 and counts["health"] == 0


def test_by_region(app_ctx):
    received_data()
    rows = dashboard.by_region(NOW)
    assert len(rows) == 20
    counts = {region.code: count for region, count in rows}
    assert counts["75"] == 4 and counts["71"] == 1 and sum(counts.values()) == 5


def answered_data():
    # Due 20 June; answered 21 June 02:00 in Almaty (20 June in UTC): late.
    make("75", local(2026, 6, 1, 10, 0), due=date(2026, 6, 20), answered=local(2026, 6, 21, 2, 0))
    # Answered on the due date, late in the evening: on time.
    make("75", local(2026, 6, 2, 10, 0), due=date(2026, 6, 20), answered=local(2026, 6, 20, 23, 30),
         state="closed")
    # Late against the first term, on time against the extended one.
    make("75", local(2026, 7, 1, 10, 0), due=date(2026, 7, 10), extended=date(2026, 8, 31),
         answered=local(2026, 8, 15, 10, 0))
    # Answered before the window: not counted.
    make("75", local(2025, 9, 1, 10, 0), due=date(2025, 9, 25), answered=local(2025, 9, 20, 10, 0))
    # Region 71: one late answer.
    make("71", local(2026, 8, 1, 10, 0), due=date(2026, 8, 20), answered=local(2026, 9, 1, 10, 0))


def test_answered_on_time(app_ctx):
    answered_data()
    result = dashboard.on_time(NOW, "75")
    assert (result["answered"], result["on_time"]) == (3, 2)
    assert result["share"] == pytest.approx(2 / 3)
    #                        Oct  Nov  Dec  Jan  Feb  Mar  Apr  May  Jun  Jul  Aug  Sep
    assert result["by_month"] == [None] * 8 + [0.5, None, 1.0, None]
    national = dashboard.on_time(NOW)
    assert (national["answered"], national["on_time"]) == (4, 2)
    assert national["by_month"][-1] == 0.0  # region 71's late answer in September
    assert dashboard.on_time(NOW, "01")["share"] is None  # nothing answered there


def overdue_data():
    late = make("75", local(2026, 8, 20, 10, 0), due=date(2026, 9, 14))
    make("75", local(2026, 8, 20, 10, 0), due=date(2026, 9, 10), extended=date(2026, 10, 10))
    answered = make("75", local(2026, 8, 1, 10, 0), due=date(2026, 9, 1), answered=local(2026, 9, 14, 10, 0))
    today = make("75", local(2026, 8, 25, 10, 0), due=date(2026, 9, 15), state="registered")
    closed = make("75", local(2026, 7, 1, 10, 0), due=date(2026, 8, 1), answered=local(2026, 7, 30, 10, 0),
                  state="closed")
    make("75", local(2026, 7, 1, 10, 0), due=date(2026, 8, 1), state="withdrawn")
    other = make("71", local(2026, 8, 1, 10, 0), due=date(2026, 9, 1))
    item(late, "R10.2", NOW - timedelta(hours=1))  # overdue
    item(answered, "R11.1", NOW - timedelta(days=1))  # overdue: the answer does not end the checklist
    item(answered, "R11.3", NOW - timedelta(days=1), status="done")
    item(today, "R10.2", NOW + timedelta(hours=1))  # due later today
    item(closed, "R11.4", NOW - timedelta(days=30))  # the case is closed
    item(other, "R10.3", NOW - timedelta(minutes=5))
    item(other, "R10.3", NOW - timedelta(minutes=5))


def test_overdue(app_ctx):
    overdue_data()
    assert dashboard.overdue(NOW, "75") == {"cases": 1, "items": 2, "items_by_rule": {"R10.2": 1, "R11.1": 1}}
    assert dashboard.overdue(NOW, "71") == {"cases": 1, "items": 2, "items_by_rule": {"R10.3": 2}}
    assert dashboard.overdue(NOW) == {"cases": 2, "items": 4,
                                      "items_by_rule": {"R10.2": 1, "R10.3": 2, "R11.1": 1}}


def test_overdue_matches_the_work_queue(app_ctx, people):
    """The dashboard counts what the work queue lists (with fewer than its LIMIT rows)."""
    from services.work_queue import sections

    overdue_data()
    rows = sections(people["ombudsman75"], now=NOW)["overdue"]
    late = dashboard.overdue(NOW, "75")
    assert len([r for r in rows if r.rule]) == late["items"]
    assert len([r for r in rows if not r.rule]) == late["cases"]


def test_regional_user_sees_own_region_only(app_ctx, people):
    received_data()
    answered_data()
    overdue_data()
    mine = dashboard.for_user(people["ombudsman71"], NOW)
    assert mine["region_code"] == "71" and mine["by_region"] is None
    assert list(mine["charts"]) == ["received", "categories", "on_time"]
    # Region 71: one case received in September, the answered and the overdue one in August.
    assert mine["received_by_month"] == [0] * 10 + [2, 1]
    assert mine["on_time"]["answered"] == 1 and mine["overdue"]["cases"] == 1
    assert mine == dashboard.for_user(people["akimat71"], NOW) | {"charts": mine["charts"]}
    national = dashboard.for_user(people["committee"], NOW)
    assert list(national["charts"]) == ["received", "categories", "regions", "on_time"]
    assert sum(national["received_by_month"]) == sum(
        count for _region, count in national["by_region"]) == 5 + 4 + 7
    assert national["overdue"]["cases"] == 2
    chart = national["charts"]["received"]
    assert [row["label"] for row in chart["rows"]][:2] == ["Oct 2025", "Nov 2025"]
    assert national["charts"]["on_time"]["rows"][8]["values"] == ["50%"]  # June, both regions


def test_home_page(app, people, login):
    from models.base import utcnow

    with app.app_context():
        for region in ("75", "71", "71"):
            case = make(region, utcnow() - timedelta(days=2), ["bullying"])
            case.due_on = utcnow().astimezone(KZ_TZ).date() - timedelta(days=1)  # overdue
        db.session.commit()

    regional = login("ombudsman71").get("/admin/?lang=en").get_data(as_text=True)
    assert 'data-testid="role-greeting"' in regional and 'data-testid="compliance"' in regional
    assert 'data-scope="71"' in regional
    assert 'data-figure="overdue-cases" data-count="2"' in regional
    assert 'data-testid="dashboard-chart-received"' in regional
    assert 'data-testid="dashboard-chart-regions"' not in regional
    assert 'data-testid="dashboard-queue-link"' in regional
    assert "<script" not in regional.split('data-testid="dashboard"')[1].split("</section>")[0]

    akimat = login("akimat75").get("/admin/?lang=en").get_data(as_text=True)
    assert 'data-figure="overdue-cases" data-count="1"' in akimat
    assert 'data-testid="dashboard-queue-link"' not in akimat  # no work queue for the akimat
    assert 'data-testid="dashboard-cases-link"' in akimat

    for key in ("commissioner", "committee", "superadmin"):
        national = login(key).get("/admin/?lang=en").get_data(as_text=True)
        assert 'data-scope="national"' in national and 'data-testid="compliance-link"' in national
        assert 'data-figure="overdue-cases" data-count="3"' in national
        assert 'data-testid="dashboard-chart-regions"' in national
        assert 'role="img"' in national and "Cases received per month" in national


def test_national_figures_are_kept_a_minute(app_ctx, monkeypatch):
    """The admin home's national figures of the 12 months are kept up to NATIONAL_SECONDS by
    the worker; what is overdue is counted afresh, and a given ``now`` is always computed."""
    from models.base import utcnow

    today = utcnow().astimezone(KZ_TZ).date()
    make("75", utcnow() - timedelta(days=2), ["bullying"], due=today + timedelta(days=30))
    first = dashboard.figures()
    make("71", utcnow() - timedelta(days=1), ["health"], due=today - timedelta(days=1))  # overdue
    kept = dashboard.figures()
    assert sum(kept["received_by_month"]) == sum(first["received_by_month"]) == 1
    assert kept["by_category"] == first["by_category"] and kept["on_time"] == first["on_time"]
    assert dict((region.code, n) for region, n in kept["by_region"])["71"] == 0
    assert kept["overdue"]["cases"] == first["overdue"]["cases"] + 1 == 1
    assert sum(dashboard.figures(now=utcnow())["received_by_month"]) == 2  # computed
    assert sum(dashboard.figures("71")["received_by_month"]) == 1  # a region: always computed
    monkeypatch.setattr(dashboard, "NATIONAL_SECONDS", -1)
    later = dashboard.figures()
    assert sum(later["received_by_month"]) == 2 and later["by_category"]["health"] == 1
