"""The partner API: ``POST /api/v1/cases`` at 16 connections, as a ratio to the floor's
``POST /floor/json`` measured in the same run (issue 21); then the check that every success
is exactly one stored case.

Each request is a case as the 111 line's system sends it (``bench.load.api_case``): the
token's secret as ``Authorization: Bearer …``, a fresh ``Idempotency-Key`` (a UUID), the
regions in turn. What the app does for it is what is measured: the token looked up and
counted against its limit (the throttle's rows in Postgres), the idempotency key kept, the
case registered as a staff entry registers it (terms, [R10] checklist, alerts in the
outbox), then the call's audit row and, at most once a minute, the token's last use.

``prepare(database_url, prepared)`` mints the token in the bench database: a national
organization of the directory ("Bench: 111 line", made once), a token issued to it by the
demo superadmin (``flask seed-demo``, run by ``bench.submit.prepare``) through
``services.api_tokens.issue`` for every region the requests use, with a limit of calls per
minute the bench never reaches. Earlier bench tokens are revoked. The secret goes from the
preparing process to the load clients only.
"""
from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import timedelta

from bench import load
from bench.common import ROOT, Gunicorn, Row, flask_env, ratio_row, say
from bench.floor import create_table
from bench.submit import check_exactly_once, exactly_once_row, last_case_id, load_rows

SUPERADMIN = "superadmin@demo.kz"  # made by ``flask seed-demo``
ORGANIZATION = "Bench: 111 line"
RATE_LIMIT = 1_000_000  # calls per minute: the token's limit is counted, never reached
SCOPES = ("cases:create", "cases:read")
CONNECTIONS = (16,)
PATH = "POST /api/v1/cases"


def prepare(database_url, prepared):
    """A live token for every region of ``prepared`` (from ``bench.submit.prepare``):
    {"secret", "token_id", "regions"}."""
    out = subprocess.run([sys.executable, "-m", "bench.api", "prepare", *prepared["regions"]], cwd=ROOT,
                         env=flask_env(database_url), check=False, text=True,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if out.returncode:
        raise RuntimeError("bench.api prepare failed:\n" + out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def mint_token(actor, regions):
    """Revoke the earlier bench tokens, issue a new one for ``regions``: (ApiToken, secret).
    In an app context; the caller commits."""
    from sqlalchemy import select

    from extensions import db
    from models import ApiToken, Organization
    from services import api_tokens
    from services.deadlines import now_local

    organization = db.session.scalar(select(Organization).where(
        Organization.name_ru == ORGANIZATION, Organization.region_code.is_(None)).limit(1))
    if organization is None:
        organization = Organization(region_code=None, type="ngo", name_kk=ORGANIZATION, name_ru=ORGANIZATION)
        db.session.add(organization)
        db.session.flush()
    for earlier in db.session.scalars(select(ApiToken).where(ApiToken.organization_id == organization.id,
                                                             ApiToken.revoked_at.is_(None))):
        api_tokens.revoke(actor, earlier)
    token, secret, _webhook_secret = api_tokens.issue(
        actor, organization, f"bench {now_local():%Y-%m-%d %H:%M:%S}", list(SCOPES), list(regions),
        now_local().date() + timedelta(days=1), rate_limit=RATE_LIMIT)
    return token, secret


def _prepare_in_app(regions):
    """In an app context (``python -m bench.api prepare REGION…``): print the new token."""
    import logging

    logging.disable(logging.WARNING)
    from app import create_app
    from extensions import db
    from services.users import find_by_email

    app = create_app()
    with app.app_context():
        actor = find_by_email(SUPERADMIN)
        if actor is None:
            raise SystemExit(f"{SUPERADMIN} is missing: run `flask seed-demo` first")
        token, secret = mint_token(actor, regions)
        db.session.commit()
        print(json.dumps({"secret": secret, "token_id": token.id, "regions": sorted(regions)}))


# --- the measurements ----------------------------------------------------------------------

def run_floor(database_url, regions, connections=CONNECTIONS, duration=20.0):
    """{connections: LoadResult} for the floor's ``POST /floor/json`` (the same bodies)."""
    create_table(database_url)
    env = flask_env(database_url, FLOOR_DATABASE_URL=database_url)
    results = {}
    with Gunicorn("bench.floor:app", env, name="floor-json") as server:
        load.run("floor-json", server.port, max(connections), min(duration, 2.0), regions=regions)  # warm up
        for n in connections:
            say(f"floor JSON: {n} connections for {duration:g} s")
            results[n] = load.run("floor-json", server.port, n, duration, regions=regions)
    return results


def run_api(database_url, token, connections=CONNECTIONS, duration=20.0):
    """{connections: (LoadResult, check)} for ``POST /api/v1/cases``."""
    kwargs = dict(regions=token["regions"], secret=token["secret"])
    results = {}
    with Gunicorn("app:app", flask_env(database_url), name="api-app") as server:
        # Warm up (first connections, the throttle's engine); its cases are not counted.
        warm = load.run("api", server.port, max(connections), min(duration, 2.0),
                        run_id="warmup-" + uuid.uuid4().hex[:6], **kwargs)
        require_success(warm, server)
        for n in connections:
            say(f"{PATH}: {n} connections for {duration:g} s")
            after = last_case_id(database_url)
            result = load.run("api", server.port, n, duration, run_id=uuid.uuid4().hex[:8], **kwargs)
            time.sleep(0.2)
            results[n] = (result, check_exactly_once(database_url, result, after, named_by="registration_number"))
    return results


def require_success(result, server):
    """Stop early, and say why, when the API took none of the bench's cases."""
    if not result.ok():
        counts = {k: v for k, v in result.by_outcome().items() if v}
        answers = Counter(s[4] for s in result.samples if s[2] != "ok").most_common(1)
        said = f" (answered: {answers[0][0]})" if answers else ""
        raise RuntimeError(f"the API accepted none of the bench's cases ({counts}){said}: {server.last_error()}")


def errors_row(label, result):
    """Requests not answered 201 with a case: how many, of which kind, the commonest answer."""
    counts = {k: v for k, v in result.by_outcome().items() if k != "ok" and v}
    total = sum(counts.values())
    note = ", ".join(f"{v} {k}" for k, v in counts.items()) or f"of {len(result.samples)} requests"
    answers = Counter(s[4] for s in result.samples if s[2] != "ok" and s[4]).most_common(1)
    if answers:
        note += f"; most often: {answers[0][0]} ({answers[0][1]}×)"
    return Row(f"{label}: errors", total, "requests", note=note)


def measure(database_url, prepared, duration=20.0, connections=CONNECTIONS):
    """The floor's JSON POST and the API's case POST; rows for the table."""
    token = prepare(database_url, prepared)
    say(f"API token {token['token_id']} minted for {len(token['regions'])} regions")
    rows = []
    floor = run_floor(database_url, token["regions"], connections, duration)
    for n in connections:
        rows += load_rows(f"floor JSON, {n} conn", floor[n], "req/s")
    cases = run_api(database_url, token, connections, duration)
    for n in connections:
        result, check = cases[n]
        label = f"{PATH}, {n} conn"
        rows += load_rows(label, result, "cases/s", percentiles=(50, 95))
        rows.append(errors_row(label, result))
        ratio = ratio_row(f"{label}: ÷ floor", result.rate, floor[n].rate)
        if ratio.value is not None:
            ratio.note = f"{result.rate:.1f} cases/s ÷ {floor[n].rate:.0f} req/s of POST /floor/json"
        rows.append(ratio)
        rows.append(exactly_once_row(f"{label}: successes ≠ one stored case", check))
    return rows


if __name__ == "__main__":
    if sys.argv[1:2] == ["prepare"] and sys.argv[2:]:
        _prepare_in_app(sys.argv[2:])
    else:
        sys.exit("usage: python -m bench.api prepare REGION…  (with DATABASE_URL set)")
