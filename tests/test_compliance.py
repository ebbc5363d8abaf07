"""Compliance marks computed from a hand-built data set [R6.1], [R6.10], [R8], [R9], [R6.6], [R6.8].

Region 75 has everything in order; region 71 has no plan, no briefing and an overdue
document request. The national table lists the 20 regions.
"""
import html
import re
from datetime import date, datetime, timezone

from extensions import db
from models import (Briefing, CommissionMeeting, DocumentRequest, HalfYearReport, Memorandum, PlanItem,
                    YearPlan)
from services import compliance

DAY = date(2026, 9, 15)  # second half-year of 2026


def build_data():
    plan = YearPlan(region_code="75", year=2026, state="approved", approved_on=date(2025, 12, 20),
                    agreed_at=datetime(2025, 12, 10, tzinfo=timezone.utc))
    plan.items = [PlanItem(position=1, activity="Briefing", status="done"),
                  PlanItem(position=2, activity="Visits", status="done"),
                  PlanItem(position=3, activity="Campaign", status="planned"),
                  PlanItem(position=4, activity="Dropped", status="cancelled")]
    db.session.add_all([
        plan,
        Briefing(region_code="75", held_on=date(2026, 7, 20), topic="Half-year results"),
        Briefing(region_code="71", held_on=date(2026, 3, 1), topic="Last half-year: does not count"),
        CommissionMeeting(region_code="75", commission="kdn", held_on=date(2026, 2, 10), attended=True),
        CommissionMeeting(region_code="75", commission="women_family", held_on=date(2026, 5, 5),
                          attended=True),
        CommissionMeeting(region_code="75", commission="kdn", held_on=date(2025, 11, 5), attended=False),
        # Ended long ago, open-ended, far away, terminated: none is "expiring".
        Memorandum(region_code="75", title="Old", signed_on=date(2024, 1, 1), valid_until=date(2026, 9, 1)),
        Memorandum(region_code="75", title="Open", signed_on=date(2024, 1, 1)),
        Memorandum(region_code="75", title="Far", signed_on=date(2024, 1, 1), valid_until=date(2027, 1, 1)),
        Memorandum(region_code="75", title="Ended", signed_on=date(2024, 1, 1),
                   valid_until=date(2026, 10, 1), terminated_on=date(2026, 9, 1)),
        DocumentRequest(region_code="75", addressee="School 5", subject="Files", sent_on=date(2026, 8, 1),
                        answer_due=date(2026, 8, 20), answered_on=date(2026, 8, 18)),
        DocumentRequest(region_code="75", addressee="School 6", subject="Files", sent_on=date(2026, 9, 1),
                        answer_due=date(2026, 9, 20)),
        DocumentRequest(region_code="71", addressee="Police", subject="Records", sent_on=date(2026, 8, 20),
                        answer_due=date(2026, 9, 5)),
        # [R8] 75 submitted the report of the first half-year (twice); 71 did not.
        HalfYearReport(region_code="75", year=2026, half=1, version=1, figures={}),
        HalfYearReport(region_code="75", year=2026, half=1, version=2, figures={},
                       correction_reason="Typo"),
        HalfYearReport(region_code="71", year=2025, half=2, version=1, figures={}),
    ])
    db.session.flush()


def test_region_in_order(app_ctx):
    build_data()
    report = compliance.region_compliance("75", DAY)
    assert (report["year"], report["half"]) == (2026, 2)
    assert compliance.marks(report["checks"]) == {
        "plan": "ok", "plan_items": "ok", "briefing": "ok", "report": "ok",
        "meetings": "ok", "memoranda": "ok", "document_requests": "ok"}
    checks = {c["key"]: c for c in report["checks"]}
    assert (checks["plan_items"]["done"], checks["plan_items"]["total"]) == (2, 3)
    assert (checks["meetings"]["attended"], checks["meetings"]["recorded"]) == (2, 2)
    assert str(checks["report"]["detail"]) == "2026/1: version 2 submitted."


def test_region_with_gaps(app_ctx):
    build_data()
    checks = {c["key"]: c for c in compliance.region_compliance("71", DAY)["checks"]}
    assert compliance.marks(checks.values()) == {
        "plan": "missing", "plan_items": "missing", "briefing": "missing", "report": "missing",
        "meetings": "missing", "memoranda": "ok", "document_requests": "warning"}
    assert checks["document_requests"]["count"] == 1
    assert str(checks["document_requests"]["detail"]) == "1 overdue."
    assert str(checks["report"]["detail"]) == "2026/1: not submitted yet."
    # In the first month after the half-year, a missing report is only a warning.
    early = compliance.marks(compliance.region_compliance("71", date(2026, 7, 20))["checks"])
    assert early["report"] == "warning"


def test_warnings(app_ctx):
    build_data()
    plan = db.session.query(YearPlan).filter_by(region_code="75").one()
    plan.approved_on = date(2026, 1, 5)  # after 30 December 2025: late
    plan.items[1].status = "planned"  # 1 of 3 done after the half-year
    db.session.add_all([
        CommissionMeeting(region_code="75", commission="kdn", held_on=date(2026, 8, 1), attended=False),
        Memorandum(region_code="75", title="Soon", signed_on=date(2024, 1, 1), valid_until=date(2026, 10, 10)),
        DocumentRequest(region_code="75", addressee="Akimat", subject="Old", sent_on=date(2026, 6, 1),
                        answer_due=date(2026, 7, 1)),
    ])
    db.session.flush()
    checks = {c["key"]: c for c in compliance.region_compliance("75", DAY)["checks"]}
    assert compliance.marks(checks.values()) == {
        "plan": "warning", "plan_items": "warning", "briefing": "ok", "report": "ok",
        "meetings": "warning", "memoranda": "warning",
        "document_requests": "missing"}  # unanswered for more than 30 days after its due date
    assert checks["memoranda"]["count"] == 1
    # In the first half-year, 1 of 3 is not yet behind; an unapproved plan is a warning.
    plan.state, plan.approved_on = "agreed", None
    db.session.flush()
    first_half = compliance.marks(compliance.region_compliance("75", date(2026, 3, 1))["checks"])
    assert first_half["plan"] == "warning" and first_half["plan_items"] == "ok"


def test_national_table_lists_20_regions(app_ctx):
    build_data()
    rows = compliance.national_compliance(DAY)
    assert len(rows) == 20
    by_code = {row["region"].code: compliance.marks(row["checks"]) for row in rows}
    assert by_code["75"]["plan"] == "ok" and by_code["71"]["plan"] == "missing"
    assert by_code["71"]["document_requests"] == "warning"
    assert by_code["75"] == compliance.marks(compliance.region_compliance("75", DAY)["checks"])
    assert all(len(row["checks"]) == len(compliance.CHECKS) for row in rows)


def test_pages(app, login):
    national = login("commissioner").get("/admin/compliance/?lang=en")
    assert national.status_code == 200
    page = html.unescape(national.get_data(as_text=True))
    assert len(set(re.findall(r'data-region="(\d+)"', page))) == 20
    assert 'data-mark="missing"' in page
    home = login("commissioner").get("/admin/?lang=en").get_data(as_text=True)
    assert 'data-testid="compliance-link"' in home
    regional = login("ombudsman71").get("/admin/?lang=en").get_data(as_text=True)
    assert 'data-check="plan"' in regional and 'data-testid="compliance-link"' not in regional
    assert login("ombudsman71").get("/admin/compliance/").status_code == 403
