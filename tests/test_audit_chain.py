"""The audit log proves itself (services/audit_chain.py, migration 0022): every committed row
is linked into one hash chain that ``flask --app app audit verify`` walks; a row changed,
removed or written behind the triggers' back by a database superuser is named with its id
and time; concurrent writers keep one linear chain; an emptied table starts a new one; the
daily checksum goes to the Commissioner's office and onto the audit screen, where a
rewrite that recomputed every hash still shows; frozen half-year reports are sealed.
"""
import json
import os
import subprocess
import sys
import threading
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import Text, cast, create_engine, func, make_url, select, text
from sqlalchemy.exc import DBAPIError

from extensions import db
from models import AuditEvent, HalfYearReport, OutboxMessage
from services import audit, audit_chain, demo, report_workflow
from services.deadlines import KZ_TZ, now_local
from tests.conftest import _empty_tables
from tests.test_migrations import flask_db

EN = {"LANG": "en_US.UTF-8"}
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def link_now():
    """Link this transaction's rows now instead of at its commit (a rolled-back test)."""
    db.session.execute(text("SET CONSTRAINTS audit_event_link IMMEDIATE"))


def verify(runner):
    return runner.invoke(args=["audit", "verify"], env=EN)


def as_superuser(app, statement, **params):
    """What someone with the database's superuser rights can do: switch the triggers off
    (the append-only one included) and rewrite a row."""
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text(statement), params)


def chain(app):
    with app.app_context():
        return db.session.execute(select(AuditEvent.id, AuditEvent.seq, AuditEvent.hash, AuditEvent.at)
                                  .order_by(AuditEvent.seq)).all()


def write_rows(app, count, **data):
    with app.app_context():
        for n in range(count):
            audit.record("test.chain", n=n, **data)
        db.session.commit()


def local(at):
    return at.astimezone(KZ_TZ).isoformat(timespec="seconds")


# --- the chain ----------------------------------------------------------------------------------

def test_verify_passes_on_demo_data(app_ctx):
    demo.seed_demo()
    link_now()
    result = audit_chain.verify()
    assert result.ok, result.problems
    assert result.entries == db.session.scalar(select(func.count()).select_from(AuditEvent)) > 5
    seqs = db.session.scalars(select(AuditEvent.seq).order_by(AuditEvent.id)).all()
    assert seqs == list(range(1, len(seqs) + 1))  # one transaction: linked in the order written


HOSTILE = "\"quoted\" \\back\\slash\n\t\r\b\f \x01\x1f \x7f Ә қ ё 😀 \u2028\u2029 </script>"


def test_the_python_checksum_is_the_databases_on_hostile_text(app_ctx):
    """The database links each row, verify computes the same again in Python: quotes,
    backslashes, control characters, Kazakh letters, emoji and the JSON line separators
    are written alike by both, and so are data keys in jsonb's order and odd numbers."""
    audit.record("test.hostile" + HOSTILE[:30], region_code="75", note=HOSTILE,
                 **{HOSTILE: [1.5, 1e-7, 10 ** 20, -0.0, True, None, {"b": 1, "aa": {"": ""}}],
                    "z": 0, "": "empty key"})
    db.session.add(AuditEvent(action="test.raw", object_type=HOSTILE[:50], object_id=HOSTILE[-50:],
                              ip_address="2001:db8::1", data={}))
    link_now()
    result = audit_chain.verify()
    assert result.ok and result.entries == 2, result.problems


@pytest.mark.committed
def test_a_row_changed_by_a_superuser_is_named_with_its_id_and_time(app, runner):
    write_rows(app, 5)
    passed = verify(runner)
    assert passed.exit_code == 0, passed.output
    assert "Audit log verified: 5 entries in one chain" in passed.output
    changed = chain(app)[2]
    as_superuser(app, "UPDATE audit_event SET data = '{\"n\": 99}' WHERE id = :id", id=changed.id)
    failed = verify(runner)
    assert failed.exit_code == 1
    assert failed.output.strip() == (f"Audit entry {changed.id} of {local(changed.at)} does not match "
                                     "its checksum: it was changed after it was written.")


@pytest.mark.committed
def test_a_removed_row_and_a_row_written_behind_the_triggers_are_named(app, runner):
    write_rows(app, 4)
    rows = chain(app)
    as_superuser(app, "DELETE FROM audit_event WHERE id = :id", id=rows[1].id)
    failed = verify(runner)
    assert failed.exit_code == 1
    assert f"Audit entry {rows[2].id} of {local(rows[2].at)} is not where the chain expects it" in failed.output

    _empty_tables(app)
    write_rows(app, 2)
    as_superuser(app, "INSERT INTO audit_event (action) VALUES ('test.unlinked')")
    with app.app_context():
        unlinked = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "test.unlinked"))
    failed = verify(runner)
    assert failed.exit_code == 1 and f"Audit entry {unlinked.id} of" in failed.output
    assert "is not in the chain" in failed.output


@pytest.mark.committed
def test_the_first_rows_removed_are_noticed(app, runner):
    write_rows(app, 3)
    rows = chain(app)
    as_superuser(app, "DELETE FROM audit_event WHERE id = :id", id=rows[0].id)
    failed = verify(runner)
    assert failed.exit_code == 1 and f"Audit entry {rows[1].id} of" in failed.output


@pytest.mark.committed
def test_an_emptied_table_starts_a_new_chain(app, runner):
    """The test suite's cleanup TRUNCATEs with the triggers off; the next row starts at 1."""
    write_rows(app, 3)
    _empty_tables(app)
    write_rows(app, 2)
    assert [row.seq for row in chain(app)] == [1, 2]
    assert verify(runner).exit_code == 0


@pytest.mark.committed
def test_truncate_is_refused_in_a_transaction_of_its_own(app):
    write_rows(app, 1)
    with app.app_context(), pytest.raises(DBAPIError, match="append-only"):
        with db.engine.begin() as conn:
            conn.execute(text("TRUNCATE audit_event"))


@pytest.mark.committed
def test_concurrent_writers_keep_one_linear_chain(app, runner):
    """Eight threads, each its own connection, commit 20 transactions of one to three rows at
    once: every row is linked once, in one line 1…N with no gap and no fork."""
    threads, rounds = 8, 20
    start = threading.Barrier(threads, timeout=30)
    errors = []

    def writer(number):
        try:
            with app.app_context():
                start.wait()
                for round_ in range(rounds):
                    for row in range(round_ % 3 + 1):
                        audit.record("test.concurrent", writer=number, round=round_, row=row)
                    db.session.commit()
        except Exception as error:  # noqa: BLE001 — reported by the assertion below
            errors.append(error)

    workers = [threading.Thread(target=writer, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    assert not errors and not any(w.is_alive() for w in workers), errors
    rows = chain(app)
    expected = threads * sum(r % 3 + 1 for r in range(rounds))
    assert [row.seq for row in rows] == list(range(1, expected + 1))
    assert len({row.hash for row in rows}) == expected
    passed = verify(runner)
    assert passed.exit_code == 0 and f"{expected} entries" in passed.output, passed.output


# --- the daily checksum -------------------------------------------------------------------------

def _at_local(day, hour):
    return datetime(day.year, day.month, day.day, hour, tzinfo=KZ_TZ)


@pytest.mark.committed
def test_the_checksum_of_the_day_goes_to_the_commissioners_office_once(app, runner, people):
    yesterday = now_local().date() - timedelta(days=1)
    with app.app_context():
        # people's accounts wrote rows today; one more late yesterday evening, one just after midnight
        db.session.add(AuditEvent(action="test.late", at=_at_local(yesterday, 23)))
        db.session.add(AuditEvent(action="test.today", at=_at_local(now_local().date(), 0) + timedelta(minutes=1)))
        db.session.commit()
        head = db.session.execute(select(AuditEvent.seq, AuditEvent.hash)
                                  .where(AuditEvent.action == "test.late")).one()
    first = runner.invoke(args=["deadlines", "run"], env=EN)
    assert first.exit_code == 0, first.output
    assert f"Queued the audit log checksum for {yesterday.isoformat()}." in first.output
    again = runner.invoke(args=["deadlines", "run"], env=EN)
    assert "audit log checksum" not in again.output  # once a day
    with app.app_context():
        message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.topic == "audit_head"))
        assert message.dedupe_key == f"audit-head:{yesterday.isoformat()}"
        assert set(message.recipients) == {app.config["COMMISSIONER_EMAIL"], people["commissioner"].email}
        kazakh, russian = message.subject.split(" / ")
        assert "аудит журналының" in kazakh.lower() and "журнала аудита" in russian
        assert message.body.count(head.hash) == 2  # in Kazakh, then in Russian
        assert "жылғы" in message.body and " г." in message.body  # the day in words
        recorded = db.session.scalar(select(AuditEvent).where(AuditEvent.action == audit_chain.HEAD_ACTION))
        assert recorded.data == {"day": yesterday.isoformat(), "seq": head.seq, "hash": head.hash}
    assert verify(runner).exit_code == 0


@pytest.mark.committed
def test_a_rewrite_that_recomputes_every_hash_still_shows(app, runner, login):
    """A superuser changes a row and recomputes every later hash, so the chain is whole again.
    While the checksum recorded as sent is left alone, verify names it; once that record is
    rewritten too, verify passes, but the checksum on the audit screen is not the e-mail's."""
    write_rows(app, 3)
    with app.app_context():
        day = audit_chain.send_daily_head(today=now_local().date() + timedelta(days=1))
        db.session.commit()
        emailed = db.session.scalar(select(OutboxMessage.body).where(OutboxMessage.topic == "audit_head"))
        head = db.session.scalar(select(AuditEvent).where(AuditEvent.action == audit_chain.HEAD_ACTION))
    assert head.data["hash"] in emailed

    _rewrite(app, {chain(app)[0].id: {"n": 42}})
    failed = verify(runner)
    assert failed.exit_code == 1
    assert (f"The checksum of {day.isoformat()} recorded in audit entry {head.id} no longer matches "
            "the log") in failed.output
    screen = login("superadmin").get("/admin/audit/").get_data(as_text=True)
    assert "Differs from the checksum sent" in screen

    now = {row.seq: row.hash for row in chain(app)}
    _rewrite(app, {head.id: dict(head.data, hash=now[head.data["seq"]])})
    assert verify(runner).exit_code == 0  # the database agrees with itself again
    now = {row.seq: row.hash for row in chain(app)}
    screen = login("superadmin").get("/admin/audit/").get_data(as_text=True)
    assert now[head.data["seq"]] in screen and now[head.data["seq"]] not in emailed
    assert "Differs from the checksum sent" not in screen


def _rewrite(app, changes):
    """Change rows' data ({id: data}), then recompute every hash, as an attacker would."""
    for event_id, data in changes.items():
        as_superuser(app, "UPDATE audit_event SET data = CAST(:data AS jsonb) WHERE id = :id",
                     data=json.dumps(data), id=event_id)
    with app.app_context():
        rows = db.session.execute(select(AuditEvent, cast(AuditEvent.data, Text).label("data_text"))
                                  .order_by(AuditEvent.seq)).all()
    previous = None
    for event, data_text in rows:
        previous = audit_chain.checksum(event.seq, event, data_text, previous)
        as_superuser(app, "UPDATE audit_event SET hash = :hash WHERE id = :id", hash=previous, id=event.id)


# --- frozen half-year reports -------------------------------------------------------------------

@pytest.fixture
def submitted_report(app, people):
    with app.app_context():
        report = report_workflow.submit(people["ombudsman75"], "75", 2026, 1, today=date(2026, 6, 20))
        db.session.commit()
        return report.id


@pytest.mark.committed
def test_a_frozen_report_changed_afterwards_is_reported(app, runner, submitted_report):
    with app.app_context():
        submit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "half_year_report.submit"))
        assert submit.data["digest"] == audit_chain.report_digest(db.session, submitted_report)
    passed = verify(runner)
    assert passed.exit_code == 0 and "1 half-year report versions match" in passed.output, passed.output

    as_superuser(app, "UPDATE half_year_report SET figures = jsonb_set(figures, '{forged}', '1') "
                      "WHERE id = :id", id=submitted_report)
    failed = verify(runner)
    assert failed.exit_code == 1
    assert f"Half-year report 75 2026/1 v1 (number {submitted_report}) does not match its seal" in failed.output


@pytest.mark.committed
def test_a_frozen_reports_file_changed_afterwards_is_reported(app, runner, submitted_report):
    """The files' rows are ordinary (stored_file): changing a PDF's bytes breaks the seal."""
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(text("UPDATE stored_file SET data = 'forged' WHERE id = (SELECT file_id FROM "
                          "half_year_report_file WHERE report_id = :id AND format = 'pdf' LIMIT 1)"),
                     {"id": submitted_report})
    failed = verify(runner)
    assert failed.exit_code == 1 and "does not match its seal" in failed.output


def test_a_report_version_nobody_sealed_is_reported(app_ctx):
    """A version added behind the service's back (no seal row) is named."""
    report = HalfYearReport(region_code="71", year=2026, half=1, version=1, figures={"cases": 1})
    db.session.add(report)
    link_now()
    problem = audit_chain.verify().problems
    assert [str(p) for p in problem] == [
        f"Half-year report 71 2026/1 v1 (number {report.id}) is not sealed in the audit log."]


# --- the migration: rows and reports older than the chain ---------------------------------------

OLDER_ROWS = """
INSERT INTO audit_event (action, region_code, data, at) VALUES
    ('test.before_chain', '75', '{"n": 1}', now() - interval '2 days'),
    ('test.before_chain', NULL, '{"n": 2, "text": "Ә \\"q\\""}', now() - interval '1 day');
INSERT INTO stored_file (key, original_name, content_type, size, sha256, data)
    VALUES (gen_random_uuid(), 'report.pdf', 'application/pdf', 3, 'unchecked', 'PDF');
INSERT INTO half_year_report (region_code, year, half, version, figures)
    VALUES ('75', 2026, 1, 1, '{"cases": {"total": 3}}');
INSERT INTO half_year_report_file (report_id, format, language, file_id)
    SELECT r.id, 'pdf', 'kk', f.id FROM half_year_report r, stored_file f;
INSERT INTO audit_event (action, object_type, object_id, data)
    SELECT 'half_year_report.submit', 'half_year_report', CAST(id AS text), '{"version": 1}'
    FROM half_year_report;
"""


@pytest.fixture
def database_at_0021(database_url):
    name = "chain_migration_check"
    admin = create_engine(make_url(database_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {name}"))
    url = make_url(database_url).set(database=name).render_as_string(hide_password=False)
    assert flask_db(url, "upgrade", "0021").returncode == 0
    yield url
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


def test_the_migration_links_older_rows_and_seals_older_reports(database_at_0021):
    engine = create_engine(database_at_0021)
    with engine.begin() as conn:
        conn.execute(text(OLDER_ROWS))
    upgraded = flask_db(database_at_0021, "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT action, seq FROM audit_event ORDER BY id")).all()
    engine.dispose()
    assert rows == [("test.before_chain", 1), ("test.before_chain", 2), ("half_year_report.submit", 3),
                    ("half_year_report.seal", 4)]  # the older rows in the order written, then the seal
    env = dict(os.environ, DATABASE_URL=database_at_0021, APP_ENV="testing", SECRET_KEY="chain-test",
               LANG="en_US.UTF-8")
    verified = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "audit", "verify"], cwd=ROOT,
                              env=env, capture_output=True, text=True, timeout=120)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "4 entries in one chain, 0 daily checksums and 1 half-year report versions match" in verified.stdout
