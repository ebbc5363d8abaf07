"""The partner API's reports and open data: a national body reads a region's submitted
half-year report [R8]; anyone reads the public figures of /stats, withheld alike [R3]; a case
sent by a partner counts in the report as the same case entered by staff would."""
import pytest
from sqlalchemy import select

from extensions import db
from models import HalfYearReport
from services import api_tokens
from services.cases import submit_case
from services.reports import build_half_year_report
from tests.api_helpers import CASE, bearer, issue_token, new_key, organization
from tests.test_public_stats import HALF, YEAR, half_year  # noqa: F401 (fixture)

PROBLEM = "application/problem+json"
REPORT = "/api/v1/reports/half-year/75/2026/1"


@pytest.fixture
def national(app, people):
    """The Committee's token: reads reports of regions 75 and 71."""
    with app.app_context():
        return issue_token(people["superadmin"], region_codes=("75", "71"), scopes=("reports:read",))


def _submitted(app, version=1, reason=None):
    with app.app_context():
        db.session.add(HalfYearReport(region_code="75", year=2026, half=1, version=version,
                                      figures=build_half_year_report("75", 2026, 1), correction_reason=reason))
        db.session.commit()


def test_a_national_body_reads_the_newest_submitted_version(app, client, national):
    _token, secret = national
    assert client.get(REPORT, headers=bearer(secret)).status_code == 404  # nothing submitted yet
    _submitted(app)
    _submitted(app, version=2, reason="Исправлено число визитов.")
    answer = client.get(REPORT, headers=bearer(secret))
    assert answer.status_code == 200
    body = answer.get_json()
    assert (body["region"], body["year"], body["half"], body["version"]) == ("75", 2026, 1, 2)
    assert body["correction_reason"] == "Исправлено число визитов."
    assert body["figures"]["region_code"] == "75" and "received" in body["figures"]


def test_reports_are_refused_outside_the_scope_and_regions(app, client, people, national):
    _submitted(app)
    _token, secret = national
    assert client.get("/api/v1/reports/half-year/10/2026/1", headers=bearer(secret)).status_code == 403
    with app.app_context():
        _sender, sender_secret = issue_token(people["superadmin"])  # cases only
    refused = client.get(REPORT, headers=bearer(sender_secret, "ru"))
    assert refused.status_code == 403 and refused.mimetype == PROBLEM
    assert refused.get_json()["detail"] == "Этот API-токен не может выполнять это действие."


def test_a_regional_organization_never_gets_reports(app, people):
    with app.app_context():
        org = organization("75", kind="ngo", name="НПО Алматы")
        with pytest.raises(api_tokens.InvalidInput):
            api_tokens.issue(people["superadmin"], org, "НПО", ["reports:read"], ["75"], None)
        with pytest.raises(api_tokens.InvalidInput):
            api_tokens.issue(people["commissioner"], org, "НПО", ["cases:create"], ["71"], None)


def test_open_data_is_the_stats_download(client, half_year):  # noqa: F811
    query = f"year={YEAR}&half={HALF}&region=75"
    answer = client.get(f"/api/v1/stats?{query}")
    assert answer.status_code == 200 and answer.headers["Access-Control-Allow-Origin"] == "*"
    assert answer.get_json() == client.get(f"/stats.json?{query}").get_json()
    astana = next(row for row in answer.get_json()["regions"] if row["code"] == "71")
    assert astana["total"] == {"value": None, "withheld": "hidden"}


def test_an_unknown_address_of_the_api_is_a_problem_too(client):
    answer = client.get("/api/v1/nothing-here", headers={"Accept-Language": "ru"})
    assert answer.status_code == 404 and answer.mimetype == PROBLEM
    assert answer.get_json()["title"] == "Такой страницы нет."
    wrong_method = client.delete("/api/v1/stats")
    assert wrong_method.status_code == 405 and wrong_method.mimetype == PROBLEM


@pytest.mark.parametrize("query, status", [
    ("year=2999&half=1", 422), ("year=1999", 422), ("half=3", 422), ("region=99", 404), ("region=x", 422),
])
def test_open_data_refuses_what_it_does_not_publish(client, query, status):
    answer = client.get(f"/api/v1/stats?{query}", headers={"Accept-Language": "kk"})
    assert answer.status_code == status and answer.mimetype == PROBLEM


def test_a_partners_case_counts_as_the_same_case_entered_by_staff(app, client, people):
    """One case sent to region 75 through the API, the same case entered by the ombudsman of
    region 71 in their region: the two regions' report figures are the same."""
    with app.app_context():
        _token, secret = issue_token(people["superadmin"], region_codes=("75",))
    assert client.post("/api/v1/cases", json=CASE, headers=bearer(secret, key=new_key())).status_code == 201
    with app.app_context():
        staff = {key: value for key, value in CASE.items() if key not in ("region", "children")}
        case, _code = submit_case(dict(staff, region_code="71"), [dict(child) for child in CASE["children"]],
                                  actor=db.session.merge(people["ombudsman71"]))
        db.session.commit()
        year, half = case.received_at.year, 1 if case.received_at.month <= 6 else 2
        api_figures, staff_figures = (build_half_year_report(code, year, half) for code in ("75", "71"))
    for figures in (api_figures, staff_figures):
        del figures["region_code"], figures["computed_at"]
    assert api_figures == staff_figures
    assert api_figures["received"]["total"] == 1


def test_api_case_rows_are_the_tokens(app, client, people):
    """The token that sent a case is kept on it, and nobody's staff account."""
    from models import Case

    with app.app_context():
        token, secret = issue_token(people["superadmin"])
    client.post("/api/v1/cases", json=CASE, headers=bearer(secret, key=new_key()))
    with app.app_context():
        case = db.session.scalar(select(Case))
        assert (case.api_token_id, case.entered_by_id) == (token.id, None)
