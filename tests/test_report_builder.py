"""The report builder [R3], [R8]: saved definitions run as one aggregate query.

Service tests run definitions on a hand-built data set and check every figure: counts,
median days, shares on time, one and two group-bys, categories unnested (a case with two
categories counts once in the totals), the period in local time. Validation refuses what the
whitelist does not hold. Isolation: a region-71 user never builds nor downloads anything about
region 75 (a national definition, a filter naming 75, a tampered form all give region 71; a
region-75 definition is a 404 on every URL). The admin tests go through the client: the
two-step form with its CSRF token, the run page with its table and chart, the XLSX.
"""
import html
import re
from datetime import date, datetime, timezone
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import delete, select

from extensions import db
from models import (AuditEvent, ChecklistItem, CommissionMeeting, CourtHearing, DocumentRequest,
                    ReportDefinition)
from models.registry import COMMISSIONS, CommissionMembership
from models.registry_specs import REGISTRY_SPECS
from services import report_builder as builder
from core.errors import InvalidInput, PermissionDenied
from tests.factories import gen_case
from tests.helpers import admin_form_data, csrf_token, gen_user


def utc(*args):
    return datetime(*args, tzinfo=timezone.utc)


def build_cases():
    """Six cases: four in Almaty (75), two in Astana (71). Local time is UTC+5."""
    specs = [
        # region, kind, categories, received (UTC), answered (UTC), due, extended due
        ("75", "appeal", ["neglect", "violence"], utc(2026, 3, 2, 4), utc(2026, 3, 5, 6), date(2026, 3, 20), None),
        ("75", "complaint", ["neglect"], utc(2026, 3, 10, 4), utc(2026, 3, 31, 6), date(2026, 3, 25), None),
        # 31 March 20:00 UTC is 1 April in Kazakhstan.
        ("75", "appeal", ["bullying"], utc(2026, 3, 31, 20), None, date(2026, 4, 22), None),
        ("75", "appeal", ["violence"], utc(2026, 4, 2, 4), utc(2026, 4, 12, 6), date(2026, 4, 8), date(2026, 4, 20)),
        ("71", "appeal", ["neglect"], utc(2026, 3, 3, 4), utc(2026, 3, 4, 6), date(2026, 3, 20), None),
        ("71", "complaint", ["other"], utc(2026, 5, 5, 4), None, date(2026, 5, 26), None),
    ]
    cases = []
    for region, kind, categories, received, answered, due, extended in specs:
        target = {"complaint_target": "Мектеп директоры"} if kind == "complaint" else {}
        case = gen_case(region, kind=kind, categories=categories, **target)[0]
        case.received_at, case.answered_at, case.due_on, case.extended_due_on = received, answered, due, extended
        case.state = "answered" if answered else "registered"
        cases.append(case)
    db.session.flush()
    return cases


def build_items(cases):
    """Four items of our own: the ones generated with the cases are dropped first."""
    db.session.execute(delete(ChecklistItem).where(ChecklistItem.case_id.in_([c.id for c in cases])))
    c75, c71 = cases[0], cases[4]
    db.session.add_all([
        ChecklistItem(case_id=c75.id, rule="R10.1", status="done", due_at=utc(2026, 3, 2, 6),
                      done_at=utc(2026, 3, 2, 5)),
        ChecklistItem(case_id=c75.id, rule="R10.2", status="done", due_at=utc(2026, 3, 5, 6),
                      done_at=utc(2026, 3, 6, 6)),
        ChecklistItem(case_id=c75.id, rule="R10.3", status="open", due_at=utc(2026, 3, 5, 6)),
        ChecklistItem(case_id=c71.id, rule="R10.1", status="done", due_at=utc(2026, 3, 3, 6),
                      done_at=utc(2026, 3, 3, 5)),
    ])
    db.session.flush()


def build_registries():
    db.session.add_all([
        DocumentRequest(region_code="75", addressee="School 5", subject="Files", sent_on=date(2026, 3, 1),
                        answer_due=date(2026, 3, 10), answered_on=date(2026, 3, 5)),
        DocumentRequest(region_code="75", addressee="School 6", subject="Files", sent_on=date(2026, 3, 2),
                        answer_due=date(2026, 3, 5), answered_on=date(2026, 3, 12)),
        DocumentRequest(region_code="75", addressee="Police", subject="Files", sent_on=date(2026, 4, 1),
                        answer_due=date(2026, 4, 10)),
        DocumentRequest(region_code="71", addressee="Akimat", subject="Files", sent_on=date(2026, 3, 1),
                        answer_due=date(2026, 3, 10), answered_on=date(2026, 3, 2)),
        CommissionMeeting(region_code="75", commission="kdn", held_on=date(2026, 2, 10), attended=True),
        CommissionMeeting(region_code="75", commission="women_family", held_on=date(2026, 5, 5),
                          attended=False),
        CommissionMeeting(region_code="71", commission="kdn", held_on=date(2026, 2, 11), attended=True),
        CourtHearing(region_code="75", court="Court 1", court_case_number="2-1", hearing_on=date(2026, 3, 3),
                     closed_session=True),
        CourtHearing(region_code="75", court="Court 2", court_case_number="2-2", hearing_on=date(2026, 3, 4)),
    ])
    db.session.flush()


def definition(dataset="cases", group_by="region", second=None, measure="count", filters=None,
               region=None, name="Test report", chart="bar"):
    return ReportDefinition(name=name, dataset=dataset, group_by=group_by, group_by_second=second,
                            measure=measure, chart=chart, filters=filters or {}, region_code=region)


@pytest.fixture
def staff(app_ctx):
    return {"superadmin": gen_user("superadmin"), "commissioner": gen_user("commissioner"),
            "akimat75": gen_user("akimat_admin", "75"), "ombudsman75": gen_user("ombudsman", "75"),
            "ombudsman71": gen_user("ombudsman", "71")}


@pytest.fixture
def data(staff):
    cases = build_cases()
    build_items(cases)
    build_registries()
    return cases


def run(user, **kwargs):
    return builder.run_definition(definition(**kwargs), user)


def as_dict(result):
    """{first label: value} of a one-group-by result."""
    return {row[0]: row[1] for row in result["rows"]}


# --- the whitelist --------------------------------------------------------------------------------

def test_every_registry_is_a_data_set():
    assert {"cases", "checklist_items"} <= set(builder.DATASETS)
    for spec in REGISTRY_SPECS:
        dataset = builder.DATASETS[spec.table]
        assert {"region", "month", "year"} <= set(dataset.fields)
        assert "count" in dataset.measures
    assert set(builder.DATASETS["cases"].measures) == {"count", "median_days", "share_on_time"}
    assert set(builder.DATASETS["checklist_items"].measures) == {"count", "share_on_time"}
    assert set(builder.DATASETS["document_request"].measures) == {"count", "median_days", "share_on_time"}
    assert set(builder.DATASETS["visit"].measures) == {"count"}


# --- figures --------------------------------------------------------------------------------------

def test_count_by_region_national(data, staff):
    result = run(staff["commissioner"])
    assert as_dict(result) == {"Almaty": 4, "Astana": 2}
    assert result["totals"]["overall"] == 6
    assert result["columns"] == [{"label": "Region", "kind": "text"}, {"label": "Count", "kind": "count"}]
    assert result["scope"] == "All regions"


def test_count_by_kind_and_state(data, staff):
    result = run(staff["superadmin"], group_by="kind")
    assert [row[1] for row in result["rows"]] == [4, 2]  # appeal, complaint: in the order of KINDS
    assert result["rows"][0][0].startswith("An appeal")
    assert as_dict(run(staff["superadmin"], group_by="state")) == {"Registered": 2, "Answered": 4}


def test_median_days_and_share_on_time(data, staff):
    # Almaty answered in 3, 21 and 10 days; Astana in 1.
    national = run(staff["commissioner"], measure="median_days")
    assert as_dict(national) == {"Almaty": 10.0, "Astana": 1.0}
    assert national["totals"]["overall"] == 6.5
    assert national["unit"] == "days"
    # On time: the first (by the deadline) and the fourth (by the extended deadline); the
    # second late; the third not answered yet and not counted.
    share = run(staff["commissioner"], measure="share_on_time")
    assert as_dict(share) == {"Almaty": pytest.approx(0.6667), "Astana": 1.0}
    assert share["totals"]["overall"] == 0.75
    assert share["kind"] == "percent"


def test_two_group_bys_give_a_cross_table_with_totals(data, staff):
    result = run(staff["commissioner"], group_by="region", second="kind")
    assert result["first"]["values"] == ["Astana", "Almaty"]  # regions by code: 71, 75
    assert len(result["second"]["values"]) == 2  # appeal, complaint
    assert result["matrix"] == [[1, 1], [3, 1]]
    assert result["totals"] == {"overall": 6, "first": [2, 4], "second": [4, 2]}
    assert [row[2] for row in result["rows"]] == [1, 1, 3, 1]
    table = builder.table(result)
    assert table["rows"][0] == ["Astana", 1, 1, 2]
    assert table["rows"][-1] == ["Total", 4, 2, 6]
    labels, series = builder.chart_data(result)
    assert labels == ["Astana", "Almaty"]
    assert list(series.values()) == [[1, 3], [1, 1]]


def test_categories_are_unnested_and_totals_count_each_case_once(data, staff):
    result = run(staff["commissioner"], group_by="category")
    assert as_dict(result) == {"Violence": 2, "Neglect": 3, "Bullying": 1, "Other": 1}
    assert result["totals"]["overall"] == 6  # six cases, not seven case-category pairs
    cross = run(staff["commissioner"], group_by="category", second="region")
    assert cross["first"]["values"] == ["Violence", "Neglect", "Bullying", "Other"]
    assert cross["second"]["values"] == ["Astana", "Almaty"]
    assert cross["matrix"] == [[0, 2], [1, 2], [0, 1], [1, 0]]
    assert cross["totals"]["second"] == [2, 4]  # by region: cases, each once
    assert cross["totals"]["first"] == [2, 3, 1, 1]
    # The category as the second field, with a median.
    median = run(staff["commissioner"], group_by="region", second="category", measure="median_days")
    assert median["totals"]["first"] == [1.0, 10.0]
    assert median["totals"]["overall"] == 6.5
    # A category filter matches any of a case's categories.
    assert as_dict(run(staff["commissioner"], filters={"category": "neglect"})) == {"Almaty": 2, "Astana": 1}


def test_period_filter_and_months_in_local_time(data, staff):
    march = run(staff["commissioner"], group_by="month",
                filters={"date_from": "2026-03-01", "date_to": "2026-03-31"})
    assert as_dict(march) == {"2026-03": 3}  # the case of 31 March 20:00 UTC is April's
    months = run(staff["commissioner"], group_by="month")
    assert as_dict(months) == {"2026-03": 3, "2026-04": 2, "2026-05": 1}
    assert as_dict(run(staff["commissioner"], group_by="year")) == {"2026": 6}
    april_on = run(staff["commissioner"], group_by="month", filters={"date_from": "2026-04-01"})
    assert as_dict(april_on) == {"2026-04": 2, "2026-05": 1}
    assert march["period"] == "Received from 2026-03-01 to 2026-03-31"


def test_checklist_items(data, staff):
    assert as_dict(run(staff["commissioner"], dataset="checklist_items", group_by="rule")) == {
        "Alert the Commissioner, the Committee and the akim": 2, "Preventive conversation": 1,
        "Alert the guardianship authority and the police": 1}
    share = run(staff["commissioner"], dataset="checklist_items", group_by="region", measure="share_on_time")
    assert as_dict(share) == {"Almaty": 0.5, "Astana": 1.0}
    assert share["totals"]["overall"] == pytest.approx(0.6667)
    own = run(staff["ombudsman75"], dataset="checklist_items", group_by="status")
    assert as_dict(own) == {"Open": 1, "Done": 2}


def test_document_requests(data, staff):
    own = run(staff["ombudsman75"], dataset="document_request", group_by="month", measure="median_days")
    assert as_dict(own) == {"2026-03": 7.0, "2026-04": None}  # 4 and 10 days; April not answered
    assert own["totals"]["overall"] == 7.0
    share = run(staff["commissioner"], dataset="document_request", group_by="region", measure="share_on_time")
    assert as_dict(share) == {"Almaty": 0.5, "Astana": 1.0}
    assert share["totals"]["overall"] == pytest.approx(0.6667)


def test_registry_choice_and_yes_no_fields(data, staff):
    result = run(staff["commissioner"], dataset="commission_meeting", group_by="commission", second="attended")
    assert result["second"]["values"] == ["Yes", "No"]
    assert result["matrix"] == [[2, 0], [0, 1]]
    kdn_only = run(staff["commissioner"], dataset="commission_meeting", group_by="region",
                   filters={"commission": "kdn", "attended": "true"})
    assert as_dict(kdn_only) == {"Almaty": 1, "Astana": 1}


def test_closed_court_sessions_count_only_for_who_may_see_them(data, staff):
    assert run(staff["ombudsman75"], dataset="court_hearing")["totals"]["overall"] == 2
    assert run(staff["akimat75"], dataset="court_hearing")["totals"]["overall"] == 1


def test_commission_memberships_are_a_data_set_from_their_spec(staff):
    """[R9] the membership record is grouped by commission and by year of the akimat's
    decision, each region seeing its own."""
    db.session.add_all([
        CommissionMembership(region_code=region, commission=commission, decision_number=number,
                             decision_date=day, member_from=day)
        for region, commission, number, day in (("75", "kdn", "1", date(2026, 1, 15)),
                                                ("75", "women_family", "2", date(2026, 2, 1)),
                                                ("75", "kdn", "3", date(2025, 12, 1)),
                                                ("71", "kdn", "4", date(2026, 1, 20)))])
    db.session.flush()
    own = run(staff["ombudsman75"], dataset="commission_membership", group_by="commission", second="year")
    assert own["scope"] == "Almaty" and own["totals"]["overall"] == 3
    assert own["first"]["values"] == [str(label) for label in COMMISSIONS.values()]
    assert own["second"]["values"] == ["2025", "2026"] and own["matrix"] == [[1, 1], [0, 1]]
    assert run(staff["ombudsman71"], dataset="commission_membership")["totals"]["overall"] == 1
    assert as_dict(run(staff["commissioner"], dataset="commission_membership",
                       filters={"commission": "kdn", "date_from": "2026-01-01"})) == {"Almaty": 1, "Astana": 1}


def test_no_rows(staff):
    result = run(staff["commissioner"], dataset="visit", second="organization_type")
    assert result["rows"] == [] and result["totals"]["overall"] == 0
    assert builder.table(result)["rows"] == [["Total", 0]]


def test_a_run_is_one_statement(data, staff):
    """Nothing is loaded row by row: the figures come from one SELECT (the other one is the
    20 region names)."""
    from sqlalchemy import event
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    engine = db.session.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        run(staff["commissioner"], group_by="category", second="region", measure="median_days")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    aggregates = [s for s in statements if "GROUP BY" in s]
    assert len(aggregates) == 1 and "cube" in aggregates[0].lower()
    assert len(statements) == 2


# --- validation -----------------------------------------------------------------------------------

@pytest.mark.parametrize("values,message", [
    ({"dataset": "users"}, "Choose a data set"),
    ({"dataset": "visit", "group_by": "category"}, "cannot be grouped by"),
    ({"group_by": "kind", "second": "kind"}, "two different fields"),
    ({"second": "password_hash"}, "cannot be grouped by"),
    ({"dataset": "visit", "measure": "median_days"}, "is not defined for Visits"),
    ({"dataset": "checklist_items", "group_by": "rule", "measure": "median_days"}, "is not defined"),
    ({"chart": "pie"}, "Choose a chart"),
    ({"filters": {"secret": "x"}}, "is not a filter of Cases"),
    ({"filters": {"state": "lost"}}, "Choose a value of “State”"),
    ({"filters": {"region": "99"}}, "Choose a region"),
    ({"filters": {"date_from": "01.03.2026"}}, "YYYY-MM-DD"),
    ({"filters": {"date_from": "2026-04-01", "date_to": "2026-03-01"}}, "ends before it starts"),
    ({"name": "  "}, "Give the report a name"),
    ({"dataset": "visit", "filters": {"commission": "kdn"}}, "is not a filter of Visits"),
])
def test_validation_refuses_what_the_whitelist_does_not_hold(app_ctx, values, message):
    with pytest.raises(InvalidInput) as error:
        builder.validate_definition(definition(**values))
    assert message in str(error.value)


def test_valid_definitions_pass(app_ctx):
    builder.validate_definition(definition(dataset="visit", group_by="organization_type", second="month",
                                           filters={"organization_type": "education", "region": "75",
                                                    "date_from": "2026-01-01"}))
    builder.validate_definition(definition(dataset="court_hearing", group_by="closed_session",
                                           filters={"closed_session": "false"}, chart="line"))


# --- isolation: a region-71 user learns nothing about region 75 ------------------------------------

def test_a_regional_user_runs_a_national_definition_on_their_region_only(data, staff):
    user = staff["ombudsman71"]
    result = run(user)
    assert as_dict(result) == {"Astana": 2}
    assert result["totals"]["overall"] == 2 and result["scope"] == "Astana"
    assert as_dict(run(user, group_by="category")) == {"Neglect": 1, "Other": 1}
    assert run(user, measure="median_days")["totals"]["overall"] == 1.0
    assert as_dict(run(user, dataset="document_request")) == {"Astana": 1}
    assert as_dict(run(user, dataset="checklist_items")) == {"Astana": 1}


def test_a_filter_naming_another_region_still_gives_the_users_region(data, staff):
    result = run(staff["ombudsman71"], filters={"region": "75"}, region="75")
    assert as_dict(result) == {"Astana": 2}
    assert as_dict(run(staff["commissioner"], filters={"region": "75"})) == {"Almaty": 4}


def test_a_regional_user_saves_in_their_region_whatever_is_sent(data, staff):
    values = {"name": "Мой отчёт", "dataset": "cases", "group_by": "region", "measure": "count",
              "chart": "bar", "filters": {"region": "75", "kind": "appeal"}, "region_code": "75"}
    saved = builder.create_definition(staff["ombudsman71"], values)
    assert saved.region_code == "71" and saved.owner_id == staff["ombudsman71"].id
    assert saved.filters == {"kind": "appeal"}
    national = builder.create_definition(staff["commissioner"], dict(values, region_code=""))
    assert national.region_code is None and national.filters == {"region": "75", "kind": "appeal"}
    assert builder.create_definition(staff["commissioner"], values).region_code == "75"
    with pytest.raises(PermissionDenied):
        builder.update_definition(staff["ombudsman71"], national, dict(values, name="Changed"))
    with pytest.raises(PermissionDenied):
        builder.delete_definition(staff["ombudsman75"], national)
    builder.update_definition(staff["ombudsman71"], saved, dict(values, name="Changed", region_code=None))
    assert saved.name == "Changed" and saved.region_code == "71"
    actions = db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.action.like("report_definition.%"))).all()
    assert actions.count("report_definition.create") == 3 and "report_definition.update" in actions


# --- the admin screen -----------------------------------------------------------------------------

def page(response):
    return html.unescape(response.get_data(as_text=True))


def figures(response):
    """The numbers of the report table, row by row (data-value attributes)."""
    body = response.get_data(as_text=True)
    table = body[body.index('data-testid="report-table"'):]
    table = table[:table.index("</table>")]
    return [re.findall(r'data-value="([^"]*)"', row) for row in table.split("<tr")[2:]]


@pytest.fixture
def saved(app, people):
    """Cases in both regions and three definitions: national, of region 75, of region 71."""
    with app.app_context():
        build_cases()
        rows = {
            "national": definition(name="National by region"),
            "r75": definition(name="Almaty secret report", region="75", group_by="kind"),
            "r71": definition(name="Astana report", region="71", group_by="category",
                              filters={"region": "75"}),
        }
        db.session.add_all(rows.values())
        db.session.commit()
        return {key: row.id for key, row in rows.items()}


def stored(app, name):
    with app.app_context():
        row = db.session.scalar(select(ReportDefinition).where(ReportDefinition.name == name))
        return None if row is None else (row.id, row.region_code, dict(row.filters), row.owner_id,
                                         row.group_by, row.measure)


def audit_actions(app, definition_id):
    with app.app_context():
        return db.session.scalars(select(AuditEvent.action).where(
            AuditEvent.object_type == "report_definition",
            AuditEvent.object_id == str(definition_id)).order_by(AuditEvent.id)).all()


def test_create_in_two_steps_then_run(app, login, people):
    client = login("ombudsman71")
    chooser = client.get("/admin/report_definition/new/")
    assert chooser.status_code == 200
    assert 'data-dataset="cases"' in page(chooser) and 'data-dataset="document_request"' in page(chooser)
    form = client.get("/admin/report_definition/new/?dataset=cases")
    body = page(form)
    assert "Step 2 of 2" in body and 'name="filter_category"' in body
    assert 'name="region_code"' not in body and 'name="filter_region"' not in body  # national roles only
    data = admin_form_data(form.get_data(as_text=True))
    assert data["csrf_token"]
    data.update({"name": ["Astana by kind"], "group_by": ["kind"], "measure": ["count"], "chart": ["bar"]})
    response = client.post("/admin/report_definition/new/?dataset=cases", data=data)
    assert response.status_code == 302, page(response)
    found = stored(app, "Astana by kind")
    assert found[1] == "71" and found[3] == people["ombudsman71"].id and found[4] == "kind"
    assert f"/admin/report_definition/run/?id={found[0]}" in response.headers["Location"]
    with app.app_context():
        build_cases()
        db.session.commit()
    result = client.get(f"/admin/report_definition/run/?id={found[0]}")
    assert result.status_code == 200
    assert figures(result) == [["1"], ["1"], ["2"]]  # appeal, complaint, total: Astana only
    assert "<svg" in result.get_data(as_text=True)
    assert f"/admin/report_definition/xlsx/?id={found[0]}" in result.get_data(as_text=True)
    assert "report_definition.run" in audit_actions(app, found[0])
    assert "Astana by kind" in page(client.get("/admin/report_definition/"))


def test_a_crafted_post_for_another_region_stores_the_users_region(app, login):
    client = login("akimat71")
    data = admin_form_data(client.get("/admin/report_definition/new/?dataset=visit").get_data(as_text=True))
    data.update({"name": ["Crafted"], "group_by": ["region"], "region_code": ["75"], "filter_region": ["75"]})
    assert client.post("/admin/report_definition/new/?dataset=visit", data=data).status_code == 302
    found = stored(app, "Crafted")
    assert found[1] == "71" and found[2] == {}


def test_a_wrong_combination_is_refused_with_a_clear_message(app, login):
    client = login("ombudsman71")
    form = client.get("/admin/report_definition/new/?dataset=visit").get_data(as_text=True)
    assert 'value="median_days"' not in form  # only the measures of the data set are offered
    data = admin_form_data(form)
    data.update({"name": ["Wrong"], "group_by": ["region"], "group_by_second": ["region"]})
    response = client.post("/admin/report_definition/new/?dataset=visit", data=data)
    assert response.status_code == 200
    assert "Group by two different fields" in page(response)
    data.update({"group_by_second": [""], "measure": ["median_days"]})
    response = client.post("/admin/report_definition/new/?dataset=visit", data=data)
    assert response.status_code == 200 and "Not a valid choice" in page(response)
    data.update({"measure": ["count"]})
    del data["csrf_token"]
    assert client.post("/admin/report_definition/new/?dataset=visit", data=data).status_code == 400
    assert stored(app, "Wrong") is None


def test_a_national_role_shares_nationally_or_with_a_region(app, login):
    client = login("commissioner")
    form = client.get("/admin/report_definition/new/?dataset=document_request").get_data(as_text=True)
    assert 'name="region_code"' in form and 'name="filter_region"' in form
    data = admin_form_data(form)
    data.update({"name": ["National requests"], "group_by": ["region"], "measure": ["share_on_time"],
                 "region_code": [""], "filter_region": ["75"], "date_from": ["2026-01-01"]})
    assert client.post("/admin/report_definition/new/?dataset=document_request", data=data).status_code == 302
    assert stored(app, "National requests")[1:3] == (None, {"region": "75", "date_from": "2026-01-01"})
    data.update({"name": ["For Almaty"], "region_code": ["75"]})
    assert client.post("/admin/report_definition/new/?dataset=document_request", data=data).status_code == 302
    assert stored(app, "For Almaty")[1] == "75"


def test_the_list_shows_own_region_and_national_definitions(app, login, saved):
    listing = page(login("ombudsman71").get("/admin/report_definition/"))
    assert "National by region" in listing and "Astana report" in listing
    assert "Almaty secret report" not in listing
    everything = page(login("committee").get("/admin/report_definition/"))
    assert all(name in everything for name in ("National by region", "Almaty secret report", "Astana report"))


def test_another_regions_definition_is_not_found_anywhere(app, login, saved):
    client = login("ombudsman71")
    secret = saved["r75"]
    for view in ("run", "xlsx", "details", "edit"):
        response = client.get(f"/admin/report_definition/{view}/?id={secret}")
        assert response.status_code == 404, view
        assert "Almaty secret report" not in page(response)
    token = csrf_token(client.get("/admin/report_definition/").get_data(as_text=True))
    edit = client.post(f"/admin/report_definition/edit/?id={secret}",
                       data={"csrf_token": token, "name": "Hijacked", "group_by": "region",
                             "measure": "count", "chart": "bar"})
    assert edit.status_code == 404
    delete = client.post("/admin/report_definition/delete/", data={"csrf_token": token, "id": str(secret)})
    assert delete.status_code == 404
    assert stored(app, "Almaty secret report") is not None and stored(app, "Hijacked") is None
    assert audit_actions(app, secret) == []
    # Its own region reaches it.
    assert login("akimat75").get(f"/admin/report_definition/run/?id={secret}").status_code == 200


def test_a_national_definition_runs_on_the_users_region_and_stays_read_only(app, login, saved):
    client = login("ombudsman71")
    national = saved["national"]
    result = client.get(f"/admin/report_definition/run/?id={national}")
    assert result.status_code == 200
    assert figures(result) == [["2"], ["2"]]  # Astana, total
    assert "Almaty" not in page(result).split('data-testid="report-table"')[1]
    # The region-71 definition filtering on region 75 shows Astana's categories.
    own = client.get(f"/admin/report_definition/run/?id={saved['r71']}")
    assert figures(own) == [["1"], ["1"], ["2"]]  # neglect, other, total
    # Read-only: no edit, no delete.
    edit = client.get(f"/admin/report_definition/edit/?id={national}")
    assert edit.status_code == 302 and "details" in edit.headers["Location"]
    token = csrf_token(client.get("/admin/report_definition/").get_data(as_text=True))
    client.post("/admin/report_definition/delete/", data={"csrf_token": token, "id": str(national)})
    assert stored(app, "National by region") is not None
    # The national offices see every region and change it.
    assert figures(login("commissioner").get(f"/admin/report_definition/run/?id={national}")) == [
        ["2"], ["4"], ["6"]]  # Astana (71), Almaty (75): by region code


def test_edit_keeps_the_region_and_delete_works_for_the_owner_region(app, login, saved):
    client = login("ombudsman71")
    mine = saved["r71"]
    form = client.get(f"/admin/report_definition/edit/?id={mine}")
    assert form.status_code == 200
    data = admin_form_data(form.get_data(as_text=True))
    assert data["group_by"] == ["category"]
    data.update({"name": ["Astana by month"], "group_by": ["month"], "region_code": ["75"]})
    assert client.post(f"/admin/report_definition/edit/?id={mine}", data=data).status_code == 302
    assert stored(app, "Astana by month")[1] == "71"
    token = csrf_token(client.get("/admin/report_definition/").get_data(as_text=True))
    client.post("/admin/report_definition/delete/", data={"csrf_token": token, "id": str(mine)})
    assert stored(app, "Astana by month") is None
    assert audit_actions(app, mine)[-2:] == ["report_definition.update", "report_definition.delete"]


def test_xlsx_download(app, login, saved):
    client = login("commissioner")
    with app.app_context():
        cross = definition(name="Kinds by region", group_by="region", second="kind", measure="share_on_time")
        db.session.add(cross)
        db.session.commit()
        cross_id = cross.id
    response = client.get(f"/admin/report_definition/xlsx/?id={cross_id}")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert f"report-{cross_id}.xlsx" in response.headers["Content-Disposition"]
    sheet = load_workbook(BytesIO(response.data)).active
    values = [[cell for cell in row] for row in sheet.iter_rows(values_only=True)]
    assert values[0][0] == "Kinds by region"
    numbers = [cell for row in values for cell in row if isinstance(cell, (int, float))]
    # Almaty: appeals 2 of 2 on time (one not answered), the complaint late; Astana: 1 of 1.
    # Astana: 1.0 and none; Almaty: 1.0, 0.0, 0.6667; totals 1.0, 0.0, 0.75.
    assert numbers == [1.0, 1.0, 1.0, 0.0, pytest.approx(0.6667), 1.0, 0.0, 0.75]
    assert "report_definition.download" in audit_actions(app, cross_id)
    # A regional user's download holds their region only.
    sheet = load_workbook(BytesIO(login("ombudsman71").get(
        f"/admin/report_definition/xlsx/?id={saved['national']}").data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert not any("Almaty" in str(cell) for row in rows for cell in row if cell)
    assert [cell for row in rows for cell in row if isinstance(cell, int)] == [2, 2]


@pytest.mark.parametrize("who", ["superadmin", "commissioner", "committee", "akimat75", "ombudsman75"])
def test_every_staff_role_opens_the_builder(login, who):
    client = login(who)
    assert client.get("/admin/report_definition/").status_code == 200
    # The Committee reads and runs reports but saves none (read-only, PRODUCT.md).
    expected = 302 if who == "committee" else 200
    assert client.get("/admin/report_definition/new/?dataset=cases").status_code == expected


def test_the_committee_saves_no_definition(app_ctx, people):
    with pytest.raises(PermissionDenied):
        builder.create_definition(people["committee"], {"name": "x", "dataset": "cases",
                                                         "group_by": "state", "measure": "count"})


def test_anonymous_is_sent_to_login(client):
    response = client.get("/admin/report_definition/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
