"""Compliance marks computed from a hand-built data set [R6.1], [R6.10], [R8], [R9], [R6.6], [R6.8].

Region 75 has everything in order; region 71 has no plan, no briefing and an overdue
document request. Both have an ombudsman in office [R4] (75 by its appointment, 71 by an
account), the 18 others have none: vacant. Marks say what they mean: nothing to do is "not
applicable", a vacant region's undone duties are "vacant", a real gap stays "missing".
The national table lists the 20 regions.
"""
import html
import re
from datetime import date, datetime, timezone

from extensions import db
from models import (Appointment, Briefing, CommissionMeeting, DocumentRequest, HalfYearReport, Memorandum,
                    PlanItem, User, YearPlan)
from services import compliance
from tests.helpers import AuthActions, gen_user

DAY = date(2026, 9, 15)  # second half-year of 2026


def in_office(region, state="active"):
    """An appointment of ``region``'s ombudsman, in office by the akim's order [R4]."""
    appointment = Appointment(region_code=region, state=state, full_name="Омбудсмен", email=f"rco{region}@test.kz",
                              consent_number="К-1", consent_date=date(2025, 1, 10), order_number="Ө-1",
                              order_date=date(2025, 1, 20))
    if state == "dismissed":
        appointment.dismissal_consent_date, appointment.dismissal_order_number = date(2026, 5, 1), "Ө-2"
        appointment.dismissal_order_date = date(2026, 5, 5)
    db.session.add(appointment)
    db.session.flush()
    return appointment


def ombudsman_account(region, enabled=True):
    """An ombudsman's account where no appointment is recorded (older data, as notices read it)."""
    user = User(email=f"ombudsman.{region}@example.kz", role="ombudsman", region_code=region, name="",
                is_enabled=enabled)
    db.session.add(user)
    db.session.flush()
    return user


def build_data():
    in_office("75")
    ombudsman_account("71")
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
    assert report["vacant"] is False
    assert compliance.marks(report["checks"]) == {
        "plan": "ok", "plan_items": "ok", "briefing": "ok", "report": "ok",
        "meetings": "ok", "memoranda": "not_applicable", "document_requests": "ok"}
    checks = {c["key"]: c for c in report["checks"]}
    assert (checks["plan_items"]["done"], checks["plan_items"]["total"]) == (2, 3)
    assert (checks["meetings"]["attended"], checks["meetings"]["recorded"]) == (2, 2)
    assert str(checks["report"]["detail"]) == "2026/1: version 2 submitted."
    # None of its memoranda ends within 30 days: nothing to renew, so not "done" either.
    assert str(checks["memoranda"]["detail"]) == "No memorandum ends within 30 days."
    # One request awaits an answer, not yet due: in order.
    assert str(checks["document_requests"]["detail"]) == "1 awaiting an answer, none overdue."


def test_region_with_gaps(app_ctx):
    build_data()
    report = compliance.region_compliance("71", DAY)
    checks = {c["key"]: c for c in report["checks"]}
    assert report["vacant"] is False  # its ombudsman has an account: the gaps are real
    assert compliance.marks(checks.values()) == {
        "plan": "missing", "plan_items": "not_applicable", "briefing": "missing", "report": "missing",
        "meetings": "not_applicable", "memoranda": "not_applicable", "document_requests": "warning"}
    assert str(checks["plan_items"]["detail"]) == "No plan to count the items of."
    assert str(checks["meetings"]["detail"]) == "No commission meeting recorded this year."
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
    assert {row["region"].code for row in rows if not row["vacant"]} == {"71", "75"}


# --- nothing to do: not applicable ------------------------------------------------------------------

def test_nothing_to_do_is_not_applicable(app_ctx):
    """No memorandum ends soon, no request awaits an answer, no meeting was recorded, no plan
    to count items of: "not applicable", neither "done" nor "missing" [R6.8], [R6.6], [R9], [R6.1]."""
    in_office("75")
    checks = {c["key"]: c for c in compliance.region_compliance("75", DAY)["checks"]}
    assert {key: checks[key]["mark"] for key in ("plan_items", "meetings", "memoranda", "document_requests")} \
        == dict.fromkeys(("plan_items", "meetings", "memoranda", "document_requests"), "not_applicable")
    assert (checks["meetings"]["attended"], checks["meetings"]["recorded"]) == (0, 0)
    assert str(checks["document_requests"]["detail"]) == "No request awaits an answer."
    # An answered request leaves nothing to do either; one unanswered and past due is late.
    db.session.add(DocumentRequest(region_code="75", addressee="School", subject="Files", sent_on=date(2026, 8, 1),
                                   answer_due=date(2026, 8, 20), answered_on=date(2026, 8, 18)))
    db.session.flush()
    assert compliance.marks(compliance.region_compliance("75", DAY)["checks"])["document_requests"] \
        == "not_applicable"
    db.session.add(DocumentRequest(region_code="75", addressee="Police", subject="Records", sent_on=date(2026, 8, 1),
                                   answer_due=date(2026, 9, 1)))
    db.session.flush()
    assert compliance.marks(compliance.region_compliance("75", DAY)["checks"])["document_requests"] == "warning"


def test_a_plan_without_items_and_real_gaps_stay_missing(app_ctx):
    """Where there was something to do and it was not done, with an ombudsman in office, the
    mark stays "missing": no plan, no briefing, no report, a plan with no items."""
    in_office("75")
    marks = compliance.marks(compliance.region_compliance("75", DAY)["checks"])
    assert (marks["plan"], marks["briefing"], marks["report"]) == ("missing", "missing", "missing")
    db.session.add(YearPlan(region_code="75", year=2026, state="draft"))
    db.session.flush()
    marks = compliance.marks(compliance.region_compliance("75", DAY)["checks"])
    assert (marks["plan"], marks["plan_items"]) == ("warning", "missing")


# --- no ombudsman in office: vacant -----------------------------------------------------------------

def test_a_vacant_region_is_vacant_not_missing(app_ctx):
    """[R4] a region with nobody in office: its undone duties are "vacant", with what is
    lacking still said; a duty done before (a report submitted) keeps its "ok"."""
    db.session.add_all([
        HalfYearReport(region_code="63", year=2026, half=1, version=1, figures={}),
        DocumentRequest(region_code="63", addressee="Akimat", subject="Old", sent_on=date(2026, 6, 1),
                        answer_due=date(2026, 7, 1)),
    ])
    db.session.flush()
    report = compliance.region_compliance("63", DAY)
    checks = {c["key"]: c for c in report["checks"]}
    assert report["vacant"] is True
    assert compliance.marks(checks.values()) == {
        "plan": "vacant", "plan_items": "not_applicable", "briefing": "vacant", "report": "ok",
        "meetings": "not_applicable", "memoranda": "not_applicable", "document_requests": "vacant"}
    assert str(checks["plan"]["detail"]) == "No plan for 2026."
    assert str(checks["document_requests"]["detail"]) == "1 overdue."
    national = {row["region"].code: row for row in compliance.national_compliance(DAY)}
    assert national["63"]["vacant"] and compliance.marks(national["63"]["checks"]) == compliance.marks(checks.values())
    assert not any(c["mark"] == "missing" for row in national.values() for c in row["checks"])


def test_who_is_in_office(app_ctx):
    """In office: an appointment from the akim's order until the dismissal order, or an enabled
    ombudsman account; a dismissed ombudsman or a disabled account leaves the post vacant."""
    def vacant(region):
        return compliance.region_compliance(region, DAY)["vacant"]

    in_office("10", state="dismissed")
    in_office("11", state="dismissal_requested")  # still in office until the order
    ombudsman_account("15", enabled=False)
    ombudsman_account("19")
    in_office("23", state="dismissed")
    in_office("23")  # the next ombudsman
    assert [region for region in ("10", "11", "15", "19", "23", "27") if vacant(region)] == ["10", "15", "27"]
    gen_user("akimat_admin", "27")  # an akimat administrator is not the ombudsman
    assert vacant("27")


def test_pages(app, login):
    national = login("commissioner").get("/admin/compliance/?lang=en")
    assert national.status_code == 200
    page = html.unescape(national.get_data(as_text=True))
    assert len(set(re.findall(r'data-region="(\d+)"', page))) == 20
    # 75 and 71 have their ombudsmen's accounts (the people fixture): their gaps are missing;
    # the 18 others are vacant, said in words beside each name and in each undone mark.
    rows = {code: row for code, _attributes, row in re.findall(r'<tr data-region="(\d+)"([^>]*)>(.*?)</tr>',
                                                               page, re.S)}
    assert 'data-mark="missing"' in rows["71"] and 'data-testid="vacant"' not in rows["71"]
    vacant = {code for code, row in rows.items() if 'data-testid="vacant"' in row}
    assert vacant == set(rows) - {"71", "75"}
    assert all('data-mark="missing"' not in rows[code] and "Vacant" in rows[code] for code in vacant)
    # Marks are words, not colours only: each badge carries its word.
    assert "Not applicable" in page and "Vacant: no ombudsman in office [R4]" in page
    home = login("commissioner").get("/admin/?lang=en").get_data(as_text=True)
    assert 'data-testid="compliance-link"' in home
    regional = login("ombudsman71").get("/admin/?lang=en").get_data(as_text=True)
    assert 'data-check="plan"' in regional and 'data-testid="compliance-link"' not in regional
    assert 'data-testid="vacant"' not in regional
    assert login("ombudsman71").get("/admin/compliance/").status_code == 403


def test_a_vacant_regions_home_page_says_so(app):
    """The akimat of a region with nobody in office reads "vacant" above its duties."""
    with app.app_context():
        akimat = gen_user("akimat_admin", "63")
    client = app.test_client()
    assert AuthActions(client).login(akimat.email).status_code == 302
    page = html.unescape(client.get("/admin/?lang=en").get_data(as_text=True))
    assert 'data-testid="vacant"' in page and 'data-mark="vacant"' in page
    assert 'data-mark="missing"' not in page
