"""Figures 2 and 3: the floor app, and the public report (``POST /report``) at 4 and 16
connections, each as a ratio to the floor measured in the same run; then the check that
every success is exactly one stored case.

``prepare(url)`` readies a bench database for public reports (run once per bench):
demo users and ombudsmen (``seed-demo``), the submission limit raised through the
``submissions_per_hour`` *setting* (an admin setting; production keeps its own value), and
an active questionnaire with an extra question (a national one is added if a region has
none). It returns the regions and, per region, the answers to its extra questions.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import uuid

from bench import load
from bench.common import ROOT, Gunicorn, Row, flask, flask_env, query, ratio_row, say
from bench.floor import create_table

RAISED_LIMIT = 1_000_000_000
TARGET_RATIO = 0.25
TARGET_P99_MS = 50.0
KEY = re.compile(r"^\[(bench-[^\]]+)\]")


def prepare(database_url):
    """Ready the bench database for public reports; return {"regions", "answers"}."""
    result = flask(database_url, "seed-demo", check=False)
    if result.returncode:
        raise RuntimeError("flask seed-demo failed:\n" + result.stdout[-2000:])
    out = subprocess.run([sys.executable, "-m", "bench.submit", "prepare"], cwd=ROOT,
                         env=flask_env(database_url), check=False, text=True,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if out.returncode:
        raise RuntimeError("bench.submit prepare failed:\n" + out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def _prepare_in_app():
    """In an app context (``python -m bench.submit prepare``): the setting and questionnaire."""
    import logging

    logging.disable(logging.WARNING)
    from app import create_app
    from extensions import db
    from models import Question, Questionnaire, Region
    from models.setting import Setting
    from services.questionnaires import publish, version_for_region, visible

    app = create_app()
    with app.app_context():
        row = db.session.get(Setting, "submissions_per_hour") or Setting(key="submissions_per_hour")
        row.value = str(RAISED_LIMIT)
        db.session.add(row)
        regions = sorted(db.session.scalars(db.select(Region.code)))
        if any(version_for_region(code) is None for code in regions):
            questionnaire = Questionnaire(title_kk="Қосымша сұрақтар", title_ru="Дополнительные вопросы",
                                          title_en="More questions", region_code=None)
            questionnaire.questions.append(Question(
                position=1, key="place", type="single_choice", required=True,
                label_kk="Бұл қайда болды?", label_ru="Где это произошло?", label_en="Where did it happen?",
                options="home | Үйде | Дома | At home\nschool | Мектепте | В школе | At school\n"
                        "street | Көшеде | На улице | In the street"))
            db.session.add(questionnaire)
            db.session.flush()
            publish(questionnaire)
        db.session.commit()
        answers = {}
        for code in regions:
            version = version_for_region(code)
            answers[code] = _answers(version.definition if version else None, visible)
    print(json.dumps({"regions": regions, "answers": answers}))


def _answers(definition, visible):
    """A browser's fields answering every visible extra question with a valid value."""
    fields, given = [], {}
    for question in (definition or {}).get("questions", []):
        if not visible(question, given):
            continue
        kind, options = question["type"], [o["value"] for o in question.get("options") or []]
        value = {"single_choice": options[:1], "multiple_choice": options[:1], "yes_no": ["yes"],
                 "number": ["7"], "date": ["2025-03-01"]}.get(kind, ["At school, in the canteen"])
        if not value:
            continue
        given[question["key"]] = value if kind == "multiple_choice" else value[0]
        fields += [(f"q-{question['key']}", v) for v in value]
    return fields


# --- checking the stored cases -------------------------------------------------------------

def last_case_id(database_url):
    return query(database_url, "SELECT coalesce(max(id), 0) FROM cases")[0][0]


def check_exactly_once(database_url, result, after_id, named_by="id"):
    """Compare the successes of ``result`` with the cases stored after ``after_id``.

    Each success's ``info`` names its case by ``named_by``: the id (the public report's
    session cookie) or the registration number (the API's answer).
    Returns a dict: successes, stored, missing (a success with no case), duplicated (a
    success with more than one case), mismatched (the answer named another case), and
    unanswered (a case stored for an attempt that did not get its success answer, e.g.
    a time-out or a dropped connection after the commit)."""
    if named_by not in ("id", "registration_number"):
        raise ValueError(f"cases are not named by {named_by!r}")
    stored = {}
    for name, description in query(database_url, f"SELECT {named_by}::text, description FROM cases WHERE id > %s",
                                   (after_id,)):
        match = KEY.match(description or "")
        if match:
            stored.setdefault(match.group(1), []).append(name)
    ok = {}
    for sample in result.samples:
        if sample[2] == "ok":
            ok.setdefault(sample[3], []).append(sample[4])
    missing = [k for k in ok if k not in stored]
    duplicated = [k for k in ok if len(stored.get(k, [])) > 1 or len(ok[k]) > 1]
    mismatched = [k for k, infos in ok.items() if k in stored and infos[0] and str(infos[0]) not in stored[k]]
    unanswered = [k for k in stored if k not in ok]
    answers = {sample[3]: f"{sample[2]} {sample[4]}".strip() for sample in result.samples if sample[3]}
    unanswered_as = {}
    for k in unanswered:
        unanswered_as[answers.get(k, "not sent")] = unanswered_as.get(answers.get(k, "not sent"), 0) + 1
    return {"successes": sum(len(v) for v in ok.values()), "stored": sum(len(v) for v in stored.values()),
            "missing": len(missing), "duplicated": len(duplicated), "mismatched": len(mismatched),
            "unanswered": len(unanswered), "unanswered_as": unanswered_as}


def exactly_once_row(figure, check):
    bad = check["missing"] + check["duplicated"] + check["mismatched"]
    note = (f"{check['successes']} successes, {check['stored']} cases stored; missing {check['missing']}, "
            f"duplicated {check['duplicated']}, other case {check['mismatched']}; "
            f"stored without a success answer {check['unanswered']}")
    if check["unanswered_as"]:
        note += " (answered: " + ", ".join(f"{v}× {k}" for k, v in check["unanswered_as"].items()) + ")"
    return Row(figure, bad, "successes", "0", bad == 0, note)


# --- the measurements ----------------------------------------------------------------------

def run_floor(database_url, connections=(4, 16), duration=20.0):
    """{connections: LoadResult} for the floor app."""
    create_table(database_url)
    env = flask_env(database_url, FLOOR_DATABASE_URL=database_url)
    results = {}
    with Gunicorn("bench.floor:app", env, name="floor") as server:
        load.run("floor", server.port, max(connections), min(duration, 2.0))  # warm up
        for n in connections:
            say(f"floor: {n} connections for {duration:g} s")
            results[n] = load.run("floor", server.port, n, duration)
    return results


def run_reports(database_url, prepared, connections=(4, 16), duration=20.0, min_fill=3.0):
    """{connections: (LoadResult, check)} for POST /report."""
    env = flask_env(database_url)
    kwargs = dict(regions=prepared["regions"], answers=prepared["answers"])
    results = {}
    with Gunicorn("app:app", env, name="app") as server:
        # Warm up (templates, first connections); its cases are not counted.
        warm = load.run("report", server.port, max(connections), min(duration, 2.0), warmup=min_fill + 0.2,
                        run_id="warmup-" + uuid.uuid4().hex[:6], **kwargs)
        require_success(warm, server)
        for n in connections:
            say(f"POST /report: {n} connections for {duration:g} s")
            after = last_case_id(database_url)
            run_id = uuid.uuid4().hex[:8]
            result = load.run("report", server.port, n, duration, warmup=min_fill + 0.2, run_id=run_id,
                              **kwargs)
            time.sleep(0.2)
            results[n] = (result, check_exactly_once(database_url, result, after))
    return results


def require_success(result, server):
    """Stop early, and say why, when the app took none of the bench's reports (a schema
    behind the models, a form field renamed…): the figures would mean nothing."""
    if not result.ok():
        counts = {k: v for k, v in result.by_outcome().items() if v}
        raise RuntimeError(f"the app accepted none of the bench's reports ({counts}): {server.last_error()}")


def load_rows(label, result, unit, target_p99=None, percentiles=(50,)):
    """Throughput (errors in its note), the latency ``percentiles`` of the successes, then p99."""
    counts = result.by_outcome()
    failed = {k: v for k, v in counts.items() if k != "ok" and v}
    note = ", ".join(f"{v} {k}" for k, v in failed.items()) or "no errors"
    p99 = result.latency_ms(99)
    rows = [
        Row(f"{label}: throughput", result.rate, unit, note=f"{len(result.ok())} in {result.duration:.1f} s; {note}"),
        *(Row(f"{label}: p{p} latency", result.latency_ms(p), "ms") for p in percentiles),
    ]
    if target_p99 is None:
        rows.append(Row(f"{label}: p99 latency", p99, "ms"))
    else:
        rows.append(Row(f"{label}: p99 latency", p99, "ms", f"≤ {target_p99:g}",
                        None if p99 is None else p99 <= target_p99))
    return rows


def measure(database_url, prepared, duration=20.0, connections=(4, 16)):
    """The floor and the public report; rows for the table (figures 2 and 3)."""
    rows = []
    floor = run_floor(database_url, connections, duration)
    for n in connections:
        rows += load_rows(f"floor, {n} conn", floor[n], "req/s")
    reports = run_reports(database_url, prepared, connections, duration)
    for n in connections:
        result, check = reports[n]
        label = f"POST /report, {n} conn"
        main = n == max(connections)
        rows += load_rows(label, result, "subm/s", TARGET_P99_MS if main else None)
        rows.append(ratio_row(f"{label}: ÷ floor", result.rate, floor[n].rate,
                              TARGET_RATIO if main else None))
        rows.append(exactly_once_row(f"{label}: successes ≠ one stored case", check))
    return rows


if __name__ == "__main__":
    if sys.argv[1:] == ["prepare"]:
        _prepare_in_app()
    else:
        sys.exit("usage: python -m bench.submit prepare  (with DATABASE_URL set)")
