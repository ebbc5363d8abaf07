"""Smoke tests of the benchmark's machinery (``bench/``): helpers, the floor app, and that
the report and the API case the load generator sends are ones the app accepts. Figures are
never asserted."""
import io
from io import BytesIO

import psycopg2
import pytest
from sqlalchemy import select

from bench import floor
from bench.api import mint_token
from bench.common import BENCH_SETTINGS, Row, libpq_url, percentile, table
from bench.load import _CSRF, _STARTED, ApiScenario, ReportScenario, api_case, flask_session, hidden
from bench.submit import KEY, _answers
from extensions import db
from models import ApiToken, AuditEvent, Case
from services.questionnaires import version_for_region, visible
from tests.public_helpers import make_questionnaire


def test_percentile_is_linear_between_ranks():
    assert percentile([], 50) is None
    assert percentile([7], 99) == 7
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert percentile(range(1, 101), 99) == pytest.approx(99.01)


def test_table_shows_every_row_with_its_target_and_mark():
    out = io.StringIO()
    table([Row("throughput", 1234.5, "req/s", "≥ 100", True), Row("p99", 71.25, "ms", "≤ 50", False),
           Row("lists", None, "", note="not available")], file=out)
    lines = out.getvalue().splitlines()
    assert [cell.strip() for cell in lines[0].split("|")][:5] == ["figure", "value", "unit", "target", "met"]
    assert "1,234" in lines[2] and "yes" in lines[2]
    assert "71.2" in lines[3] and "NO" in lines[3]
    assert "—" in lines[4] and "not available" in lines[4]


def test_floor_app_stores_one_row_per_post(database_url, monkeypatch):
    monkeypatch.setenv("FLOOR_DATABASE_URL", database_url)
    monkeypatch.setenv("FLOOR_TABLE", "bench_smoke.floor")
    monkeypatch.setattr(floor, "_pool", None)
    conn = psycopg2.connect(libpq_url(database_url))
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("CREATE SCHEMA IF NOT EXISTS bench_smoke")
        floor.create_table(database_url)
        client = floor.app.test_client()
        assert client.get("/healthz").status_code == 200
        assert client.post("/floor", data={"payload": "x" * floor.PAYLOAD_BYTES}).status_code == 201
        assert client.post("/floor", data={}).status_code == 400
        answer = client.post("/floor/json", json=api_case("75", "bench-smoke-0-1"))
        assert answer.status_code == 201 and answer.get_json()["id"] > 0
        assert client.post("/floor/json", data="[]", content_type="application/json").status_code == 400
        with conn.cursor() as cur:
            cur.execute("SELECT count(*), max(length(payload)) FROM bench_smoke.floor")
            assert cur.fetchone() == (2, floor.PAYLOAD_BYTES)
            cur.execute("SELECT payload::json->>'region' FROM bench_smoke.floor ORDER BY id DESC LIMIT 1")
            assert cur.fetchone() == ("75",)
    finally:
        if floor._pool is not None:
            floor._pool.closeall()
        with conn.cursor() as cur:
            cur.execute("DROP SCHEMA bench_smoke CASCADE")
        conn.close()


def test_the_bench_report_is_accepted_and_its_case_found(app, client, monkeypatch):
    """The load generator's POST (a child, the extra question answered, no file) is a
    success (redirect to /report/done), and the case it names carries the attempt's key."""
    monkeypatch.setitem(app.config, "MIN_FILL_SECONDS", 0)
    # The generator signs each report's start token with the key the bench server runs with.
    monkeypatch.setitem(app.config, "SECRET_KEY", BENCH_SETTINGS["SECRET_KEY"])
    with app.app_context():
        make_questionnaire()
        answers = {"75": _answers(version_for_region("75").definition, visible)}
    assert answers["75"] == [("q-place", "home")]
    scenario = ReportScenario(0, "smoke", ["75"], answers)
    html = client.get("/report?region=75").data
    scenario.tokens = {"csrf_token": hidden(_CSRF, html), "started": hidden(_STARTED, html)}
    data = {}
    for name, value in scenario.fields("75", "bench-smoke-0-1"):
        data.setdefault(name, []).append(value)
    data["attachments"] = (BytesIO(b""), "")
    response = client.post("/report?region=75", data=data, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert response.headers["Location"].endswith("/report/done")
    case_id = flask_session(client.get_cookie("session").value)["reported_case"]
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.id == case_id))
        assert KEY.match(case.description).group(1) == "bench-smoke-0-1"
        assert case.answers == {"place": "home"}


def test_the_bench_api_case_is_accepted_with_the_bench_token(app, client, people):
    """The bench's token (a national organization, all the requests' regions, a limit never
    reached) lets the load generator's ``POST /api/v1/cases`` through: 201, and the case
    its answer names carries the attempt's key; a second token revokes the first."""
    with app.app_context():
        first, _secret = mint_token(people["superadmin"], ["71", "75"])
        token, secret = mint_token(people["superadmin"], ["71", "75"])
        db.session.commit()
        assert db.session.get(ApiToken, first.id).revoked_at is not None
        assert (token.organization.region_code, token.region_codes, token.rate_limit_per_minute) == \
            (None, ["71", "75"], 1_000_000)
    scenario = ApiScenario(0, "smoke", ["75", "71"], secret)
    headers, again = scenario.headers(), scenario.headers()
    assert headers["Authorization"] == f"Bearer {secret}"
    assert headers["Idempotency-Key"] != again["Idempotency-Key"], "a fresh key per request"
    answer = client.post(scenario.path, json=api_case("71", "bench-smoke-0-1", 1), headers=headers)
    assert answer.status_code == 201, answer.get_data(as_text=True)[:2000]
    number = answer.get_json()["registration_number"]
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.registration_number == number))
        assert KEY.match(case.description).group(1) == "bench-smoke-0-1"
        assert (case.region_code, case.api_token_id) == ("71", token.id)
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "api.call",
                                                          AuditEvent.object_id == str(token.id))) is not None
