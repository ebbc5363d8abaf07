"""The partner API keeps its contract: schemathesis (its command line, as a partner would run
it) reads the OpenAPI document the live app serves and calls every operation with a real
token — the document's examples, then inputs it generates, valid and not — and checks each
answer: no server error, a documented status code and content type, a body that matches the
documented schema. (Its pytest plugin cannot load a schema from a fixture under pytest 9.)"""
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest
import requests
from sqlalchemy import select

from api.schemas import CASE_NUMBER_EXAMPLE, NEW_CASE_EXAMPLE
from extensions import db
from models import HalfYearReport, Region
from services.reports import build_half_year_report
from tests.api_helpers import bearer, issue_token, new_key
from tests.browser import live_server  # noqa: F401 (fixture)

pytestmark = pytest.mark.committed
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"


@pytest.fixture
def partner(app, people, client):
    """The secret of a national body's token with every scope in every region, unthrottled;
    what the document's examples name exists: the token's case 75-2026-000001 and region
    75's report of the first half of 2026."""
    with app.app_context():
        regions = list(db.session.scalars(select(Region.code)))
        _token, secret = issue_token(people["superadmin"], region_codes=regions,
                                     scopes=("cases:create", "cases:read", "reports:read"), rate_limit=1_000_000)
        db.session.add(HalfYearReport(region_code="75", year=2026, half=1, version=1,
                                      figures=build_half_year_report("75", 2026, 1)))
        db.session.commit()
    sent = client.post("/api/v1/cases", json=NEW_CASE_EXAMPLE, headers=bearer(secret, key=new_key()))
    assert sent.get_json()["registration_number"] == CASE_NUMBER_EXAMPLE
    return secret


def test_every_operation_keeps_the_contract(partner, live_server, tmp_path):  # noqa: F811
    run = subprocess.run(
        [str(SCHEMATHESIS), "run", f"{live_server}/api/v1/openapi.json",
         "--header", f"Authorization: Bearer {partner}", "--checks", CHECKS,
         "--phases", "examples,coverage,fuzzing", "--max-examples", "30", "--seed", "2026",
         "--report", "junit", "--report-dir", str(tmp_path)],
        capture_output=True, text=True, timeout=600, cwd=tmp_path)
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    [report] = tmp_path.glob("junit-*.xml")
    suite = ElementTree.parse(report).getroot().find("testsuite")
    assert (suite.get("failures"), suite.get("errors")) == ("0", "0"), output
    tested = {case.get("name") for case in suite.iter("testcase")}
    assert tested == {f"{method.upper()} {path}" for path, item in schema_paths(live_server).items()
                      for method in item if method in ("get", "post")}, output
    assert "Examples" in output and "skipped" not in output.split("Examples")[1].split("Coverage")[0], output


def schema_paths(live_server):  # noqa: F811
    return requests.get(f"{live_server}/api/v1/openapi.json", timeout=10).json()["paths"]
