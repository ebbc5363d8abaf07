"""Figure 4: the case list at a million cases (``bench.seed``), as the ombudsman of one
region and as the Commissioner's office: page 1, sorted by due date, filtered by state,
and searched by registration number, by a word of the description, by a child's IIN and
with no match. Target: p95 ≤ 50 ms each, and no query that reads the whole table.

The real app (``create_app`` on the bench database) answers through Flask's test client,
logged in through the real forms (two-factor step included); each request is warmed up,
then timed ``REPEAT`` times. Every SQL statement a request sends is recorded and run again
under ``EXPLAIN (ANALYZE)``: a plan reading the whole ``cases`` table is reported as a row
of its own, with the most ``cases`` rows any one plan node read.
"""
from __future__ import annotations

import json
import re
import time
from contextlib import contextmanager
from urllib.parse import quote, urlsplit

from bench.common import Row, flask_env, percentile, say, unavailable

TARGET_MS = 50.0
WARMUP = 3
REPEAT = 30
REGION = "75"  # the region with the most cases
PASSWORD = "bench-list-password-1"
TOTP_SECRET = "BENCHLISTSBENCHLISTSBENCHLISTS23"
USERS = {
    "ombudsman": ("bench.ombudsman.75@bench.kz", "ombudsman", REGION),
    "Commissioner": ("bench.commissioner@bench.kz", "commissioner", None),
}
NO_MATCH = "жоқсөзжоқ"
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def measure(database_url, repeat=REPEAT):
    """Time each list request for both users; return the rows."""
    try:
        app = _app(database_url)
    except Exception as exc:  # noqa: BLE001 — a figure module reports, it does not crash the bench
        return [unavailable("lists", f"the app did not start: {exc}")]
    with app.app_context():
        _users()
        probes = _probes()
    rows, plans = [], []
    for who in USERS:
        client = app.test_client()
        _login(client, USERS[who][0])
        for label, url in _requests(probes, who):
            timings, statements = _time(app, client, url, repeat)
            p95 = percentile(timings, 95)
            note = f"median {percentile(timings, 50):.1f} ms; {_count_note(client, url)}"
            rows.append(Row(f"lists: {label}, {who}", p95, "ms p95", f"≤ {TARGET_MS:.0f} ms",
                            p95 <= TARGET_MS, note))
            plans.extend((f"{label}, {who}", statement) for statement in statements)
            say(f"lists: {label}, {who}: p95 {p95:.1f} ms")
    rows.extend(_plan_rows(database_url, plans))
    return rows


# --- set-up ------------------------------------------------------------------------------------

def _app(database_url):
    from app import create_app
    from config import normalize_database_url

    env = flask_env(database_url)
    overrides = {name: env.get(name) for name in ("APP_ENV", "SECRET_KEY", "DATA_KEYS", "IIN_HASH_KEY")}
    overrides["DATABASE_URL"] = normalize_database_url(database_url)
    import logging

    app = create_app(overrides)
    logging.getLogger().setLevel(logging.WARNING)
    return app


def _users():
    """The two staff users of the bench (created once), the Commissioner's office with
    two-factor login on, as its role requires."""
    import pyotp

    from extensions import db
    from services import two_factor
    from services.users import create_user, find_by_email

    for email, role, region in USERS.values():
        user = find_by_email(email) or create_user(email, role, PASSWORD, region_code=region,
                                                   name="Bench")
        if two_factor.required_for(user) and not two_factor.is_enabled(user):
            user.totp_secret = TOTP_SECRET
            two_factor.confirm_enrolment(user, pyotp.TOTP(TOTP_SECRET).now())
    db.session.commit()


def _probes():
    """What to search for: a registration number and a child's IIN of the region (the IIN
    is stored encrypted: it is read back through the model), and the seed's words."""
    from sqlalchemy import select

    from bench.seed import COMMON_WORD, SEARCH_WORD
    from extensions import db
    from models import Case, CaseChild

    number = db.session.scalar(select(Case.registration_number).where(Case.region_code == REGION)
                               .order_by(Case.id.desc()).offset(1_000).limit(1)) or f"{REGION}-2024-000001"
    child = db.session.scalars(select(CaseChild).join(Case).where(
        Case.region_code == REGION, CaseChild.iin_hash.isnot(None)).order_by(CaseChild.id.desc())
        .limit(1)).first()
    return {"number": number, "iin": child.iin if child else "120305601238",
            "word": SEARCH_WORD, "common": COMMON_WORD}


def _requests(probes, who):
    search = lambda text: "/admin/case/?search=" + quote(text)  # noqa: E731
    return [
        ("page 1", "/admin/case/"),
        ("sorted by due date", "/admin/case/?sort=7"),
        ("filtered by state (in progress)", "/admin/case/?flt0_1=in_progress"),
        ("search by registration number", search(probes["number"])),
        ("search by a word (a place, ~0.5 % of cases)", search(probes["word"])),
        ("search by a common word (~50 % of cases)", search(probes["common"])),
        ("search by child's IIN", search(probes["iin"])),
        ("search with no match", search(NO_MATCH)),
    ]


def _csrf(response):
    return _CSRF.search(response.get_data(as_text=True)).group(1)


def _login(client, email):
    """The real login form, then the two-factor step when the user has it on (a code is
    accepted once per 30-second step: a second run within the step waits for the next)."""
    import pyotp

    response = client.post("/login", data={"csrf_token": _csrf(client.get("/login")),
                                           "email": email, "password": PASSWORD})
    if urlsplit(response.headers.get("Location", "")).path != "/login/two-factor":
        return
    for _attempt in range(2):
        page = client.get("/login/two-factor")
        response = client.post("/login/two-factor", data={"csrf_token": _csrf(page),
                                                          "code": pyotp.TOTP(TOTP_SECRET).now()})
        if response.status_code in (302, 303):
            return
        time.sleep(31 - time.time() % 30)
    raise RuntimeError(f"{email}: the two-factor step failed")


# --- timing and plans ----------------------------------------------------------------------------

@contextmanager
def _recording(app):
    """Every statement sent to Postgres meanwhile, with its parameters filled in."""
    from sqlalchemy import event

    from extensions import db

    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(cursor.mogrify(statement, parameters).decode())

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _time(app, client, url, repeat):
    for _ in range(WARMUP):
        assert client.get(url).status_code == 200, url
    timings = []
    for _ in range(repeat):
        began = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, url
    with _recording(app) as statements:
        client.get(url)
    return timings, [s for s in statements
                     if re.search(r"\bFROM cases\b", s) and not s.lstrip().startswith("EXPLAIN")]


def _count_note(client, url):
    body = client.get(url).get_data(as_text=True)
    for kind in ("estimate", "capped"):
        note = re.search(rf'data-testid="count-{kind}">\s*(.*?)\s*</p>', body, re.S)
        if note:
            return f"count {kind}: {note.group(1)}"
    shown = re.search(r'class="nav-link active">[^<(]*\((\d+)\)', body)
    return f"count {int(shown.group(1)):,}" if shown else "no records"


def _plan_nodes(plan):
    yield plan
    for child in plan.get("Plans", ()):
        yield from _plan_nodes(child)


def _plan_rows(database_url, plans, cap=1_000):
    """EXPLAIN ANALYZE of every statement on ``cases`` the list requests sent: how many
    rows of ``cases`` each plan node read; a Seq Scan that read more than the count's cap
    (one that did not stop at its LIMIT) is a scan of the table."""
    from bench.common import query

    full, early, most, worst = [], [], 0, ""
    for label, statement in plans:
        result = query(database_url, "EXPLAIN (ANALYZE, FORMAT JSON) " + statement)[0][0]
        result = result if isinstance(result, list) else json.loads(result)
        for node in _plan_nodes(result[0]["Plan"]):
            if node.get("Relation Name") != "cases":
                continue
            read = (node.get("Actual Rows", 0) + node.get("Rows Removed by Filter", 0)
                    + node.get("Rows Removed by Index Recheck", 0)) * node.get("Actual Loops", 1)
            if read > most:
                most, worst = read, label
            if node["Node Type"] == "Seq Scan":
                (full if read > cap + 1 else early).append(label)
    note = (f"Seq Scan that stopped at the LIMIT (≤ {cap + 1:,} rows): {', '.join(sorted(set(early)))}"
            if early else f"no Seq Scan on cases in the {len(plans)} statements (EXPLAIN ANALYZE)")
    return [
        Row("lists: queries scanning the whole cases table", len(full), "plans", "0", not full,
            ", ".join(sorted(set(full))) or note),
        Row("lists: most cases rows read by one plan node", most, "rows",
            note=f"{worst} (of the whole table: none)"),
    ]


if __name__ == "__main__":
    import argparse

    from bench.common import table

    parser = argparse.ArgumentParser(description="Figure 4: the case list at a million cases.")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--repeat", type=int, default=REPEAT)
    args = parser.parse_args()
    table(measure(args.database_url, args.repeat))
