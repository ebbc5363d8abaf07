"""Retention (services/retention.py): an ended case keeps its personal data for the set
number of years after it closed, then loses its identities, free text and files, and the
half-year report of its period says exactly what it said before."""
from datetime import datetime, timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, text
from werkzeug.datastructures import FileStorage

from extensions import db
from models import AuditEvent, Case, ChecklistEvidence, ChecklistItem, OutboxMessage, Setting, StoredFile
from services import notifications, reports, retention
from services.cases import add_reporter_message, submit_case
from core.errors import InvalidInput
from tests.factories import REPORT
from tests.upload_samples import PLAIN_PDF

ALMATY = ZoneInfo("Asia/Almaty")
PDF = PLAIN_PDF  # a real PDF: uploads are rewritten by pypdf, an unreadable one refused
CHILD = {"age": 12, "sex": "girl", "name": "Айгерим Сарсенова", "iin": "120305601238",
         "school": "№12 мектеп-гимназия"}
REPORTER = {"reporter_name": "Марат Сериков", "reporter_phone": "+77011234567",
            "reporter_email": "marat.serikov@example.kz"}
PERSONAL = ("Айгерим", "120305601238", "№12 мектеп", "Марат", "+77011234567", "marat.serikov@example.kz",
            "Сарсенова_анықтама.pdf", "Сериковтың хаты")
YEAR_NOW = datetime.now(ALMATY).year


def at(year, month, day, hour=10):
    return datetime(year, month, day, hour, tzinfo=ALMATY)


def _upload(name="Сарсенова_анықтама.pdf"):
    return FileStorage(BytesIO(PDF), filename=name, content_type="application/pdf")


def _case(year, state, closed=True):
    """A case of region 75 received on 10 February of ``year``, with every kind of personal
    data and file; answered, then closed on 20 March unless ``closed`` is False."""
    report = dict(REPORT, region_code="75", occurred_where="Алматы, Абай даңғылы 10",
                  responsible_details="Сынып жетекшісі Ахметова", **REPORTER)
    case, _code = submit_case(report, [dict(CHILD), {"birth_year": year - 8, "sex": "boy"}],
                              uploads=[_upload()], consent=True)
    add_reporter_message(case, "Сериковтың хаты: Айгерим бүгін де жылады.", uploads=[_upload("хат.pdf")])
    notifications.queue_email([REPORTER["reporter_email"]], "New message", "Open /status",
                              topic="case.reporter_notice", obj=case)
    conversation = next(item for item in case.checklist if item.rule == "R10.2")
    conversation.person, conversation.note = "Ахметова Сауле", "Айгерим туралы сөйлестік"
    conversation.status, conversation.done_at = "done", at(year, 2, 20)
    evidence = StoredFile(original_name="Ахметова_хаттама.pdf", content_type="application/pdf",
                          size=len(PDF), sha256="0" * 64, data=PDF, region_code="75")
    db.session.add(ChecklistEvidence(item=conversation, file=evidence))
    alert = next(item for item in case.checklist if item.rule == "R10.1")
    alert.status, alert.done_at = "done", at(year, 2, 10, 10) + timedelta(minutes=5)
    case.received_at, case.registered_at = at(year, 2, 10, 9), at(year, 2, 10, 10)
    case.state = state
    if closed:
        case.answered_at, case.closed_at = at(year, 3, 1), at(year, 3, 20)
        case.outcome = {"closed": "restored_fully", "rejected": "rejected"}.get(state)
    db.session.flush()
    return case


def _file_ids(case):
    return [a.file_id for a in case.attachments] + [e.file_id for i in case.checklist for e in i.evidence]


def _figures(year):
    figures = reports.build_half_year_report("75", year, 1)
    figures.pop("computed_at")
    return figures


def _dump(case_id):
    """Every text of the case as the database holds it: its row, children, messages, checklist
    and the e-mails about it."""
    rows = db.session.execute(text(
        "SELECT c::text FROM cases c WHERE id = :id UNION ALL "
        "SELECT k::text FROM case_child k WHERE case_id = :id UNION ALL "
        "SELECT m::text FROM case_message m WHERE case_id = :id UNION ALL "
        "SELECT i::text FROM checklist_item i WHERE case_id = :id UNION ALL "
        "SELECT o::text FROM outbox_message o WHERE object_type = 'cases' AND object_id = :key"),
        {"id": case_id, "key": str(case_id)}).scalars()
    return "\n".join(rows)


def test_a_case_closed_six_years_ago_loses_identities_and_files(app_ctx):
    year = YEAR_NOW - 6
    old = _case(year, "closed")
    files = _file_ids(old)
    assert len(files) == 3 and "Айгерим" in _dump(old.id) and "marat.serikov" in _dump(old.id)
    before = _figures(year)

    assert sum(retention.run()) == 1
    db.session.expire_all()
    case = db.session.get(Case, old.id)

    assert case.identities_removed_at is not None
    assert (case.reporter_name, case.reporter_phone, case.reporter_email) == (None, None, None)
    assert case.description == retention.REMOVED_TEXT
    assert case.occurred_where is None and case.responsible_details is None
    assert all(m.body == retention.REMOVED_TEXT for m in case.messages) and len(case.messages) == 1
    girl, boy = case.children
    assert (girl.name, girl.iin, girl.iin_hash, girl.school) == (None, None, None, None)
    assert (girl.age, girl.sex, boy.birth_year, boy.sex) == (12, "girl", year - 8, "boy")
    assert case.attachments == [] and all(not item.evidence for item in case.checklist)
    assert db.session.scalar(select(func.count()).where(StoredFile.id.in_(files))) == 0
    conversation = next(item for item in case.checklist if item.rule == "R10.2")
    assert (conversation.person, conversation.note, conversation.status) == (None, None, "done")
    # Nothing in the database names anyone any more (the e-mail queued to the reporter included).
    dumped = _dump(case.id)
    for personal in PERSONAL:
        assert personal not in dumped, personal
    # The report of its half-year is the same, figure by figure.
    assert _figures(year) == before
    assert before["received"]["total"] == 1 and before["handled"]["closed_by_outcome"] == {"restored_fully": 1}
    # One audit row, without personal data.
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "case.identities_removed"))
    assert event.object_id == str(case.id) and event.data["files"] == 3 and event.data["children"] == 2
    assert not any(personal in str(event.data) for personal in PERSONAL)
    # Done once: a second run finds nothing.
    assert sum(retention.run()) == 0


def test_a_case_closed_four_years_ago_keeps_its_data(app_ctx):
    recent = _case(YEAR_NOW - 4, "closed")
    assert sum(retention.run()) == 0
    db.session.expire_all()
    case = db.session.get(Case, recent.id)
    assert case.identities_removed_at is None and case.reporter_email == REPORTER["reporter_email"]
    assert case.children[0].iin == CHILD["iin"] and len(case.attachments) == 2


def test_an_open_old_case_keeps_its_data(app_ctx):
    open_case = _case(YEAR_NOW - 8, "in_progress", closed=False)
    assert sum(retention.run()) == 0
    db.session.expire_all()
    assert db.session.get(Case, open_case.id).children[0].name == CHILD["name"]


@pytest.mark.parametrize("state", ["forwarded", "rejected", "withdrawn"])
def test_every_ended_state_counts(app_ctx, state):
    ended = _case(YEAR_NOW - 6, state)
    assert sum(retention.run()) == 1
    assert ended.identities_removed_at is not None


def test_the_period_is_a_setting(app_ctx):
    case = _case(YEAR_NOW - 4, "closed")
    db.session.add(Setting(key="retention_years", value="3"))
    db.session.flush()
    assert retention.count_due() == 1
    assert sum(retention.run()) == 1 and case.identities_removed_at is not None
    db.session.get(Setting, "retention_years").value = "0"
    with pytest.raises(InvalidInput):
        retention.count_due()


def test_the_command_runs_in_batches_and_has_a_dry_run(app, app_ctx, runner):
    cases = [_case(YEAR_NOW - 6, "closed") for _ in range(3)]
    db.session.commit()
    dry = runner.invoke(args=["retention", "run", "--dry-run"])
    assert dry.exit_code == 0 and "3 case(s) are due" in dry.output
    assert all(c.identities_removed_at is None for c in db.session.scalars(
        select(Case).where(Case.id.in_([c.id for c in cases])).execution_options(populate_existing=True)))
    result = runner.invoke(args=["retention", "run", "--batch-size", "2"])
    assert result.exit_code == 0, result.output
    assert "2 case(s) (2 so far)" in result.output and "Done: 3 case(s)." in result.output
    assert db.session.scalar(select(func.count()).where(
        AuditEvent.action == "case.identities_removed")) == 3
    assert db.session.scalar(select(func.count()).where(
        ChecklistItem.case_id.in_([c.id for c in cases]))) > 0  # the checklist stays
    assert db.session.scalar(select(func.count()).where(OutboxMessage.object_type == "cases")) > 0
