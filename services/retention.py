"""Retention: personal data of an ended case is kept for a set time, then removed
(PRODUCT.md, "Trust"; Law No. 94-V: personal data is kept no longer than its purpose needs).

A case that ended — closed, forwarded, rejected or withdrawn — keeps its personal data for
the ``retention_years`` setting (default 5) after ``closed_at``. Then ``flask --app app
retention run`` (from a scheduler, e.g. daily) removes it:

- identities: the reporter's name, phone and e-mail (also from the e-mails queued to
  them); each child's name, IIN (with its hash) and school;
- free text, which names people: the description and every message's body become
  ``REMOVED_TEXT``; where and when, about the responsible, the complaint's target, the
  reasons given, the checklist's persons and notes are cleared, and the answers to text
  questions dropped;
- files: the case's attachments and its checklist's evidence, stored bytes included.

What the half-year report [R8] counts stays as it was: kind, categories, channel,
responsible party, dates, states and steps, outcome, the children's age, year of birth
and sex, the checklist items and their times. ``identities_removed_at`` is set and one
audit row per case says what was removed (counts only, no personal data). Batches of
cases are each their own transaction; a second run finds nothing left to do.

Not removed: the notes of the case's timeline (``case_step`` is append-only, like the
audit log, and its notes are the staff's own words on each step).
"""
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from extensions import db
from models import Case, CaseState, OutboxMessage
from models.base import utcnow
from services import audit, settings
from core.errors import InvalidInput

ENDED_STATES = (CaseState.CLOSED.value, CaseState.FORWARDED.value, CaseState.REJECTED.value,
                CaseState.WITHDRAWN.value)
# Replaces the description (20 to 10,000 characters by a check constraint) and message bodies.
REMOVED_TEXT = "[removed at the end of the retention period]"
# Free text of a case that is cleared (what the report counts is not free text).
CLEARED_CASE_FIELDS = ("reporter_name", "reporter_phone", "reporter_email", "complaint_target",
                       "occurred_when", "occurred_where", "responsible_details", "extension_reason",
                       "rejection_reason")
CLEARED_CHILD_FIELDS = ("name", "iin", "school")  # the IIN's hash goes with the IIN
TEXT_QUESTION_TYPES = ("short_text", "long_text")


def retention_years():
    """The ``retention_years`` setting; below one year is refused (0 would remove a case's
    data the day it closed, before the reporter could read the answer)."""
    years = settings.get("retention_years")
    if years < 1:
        raise InvalidInput(_l("The retention period must be at least one year."))
    return years


def cutoff(years):
    """Cases that ended before this moment are due: ``years`` before now."""
    now = utcnow()
    try:
        return now.replace(year=now.year - years)
    except ValueError:  # 29 February
        return now.replace(year=now.year - years, day=28)


def due_cases(before):
    """The ids of ended cases closed before ``before`` that still hold personal data."""
    return (select(Case.id)
            .where(Case.state.in_(ENDED_STATES), Case.closed_at < before,
                   Case.identities_removed_at.is_(None))
            .order_by(Case.id))


def count_due():
    return db.session.scalar(select(func.count()).select_from(
        due_cases(cutoff(retention_years())).subquery()))


def run(batch_size=100):
    """Remove the personal data of every due case, ``batch_size`` cases per transaction.

    Yields the number of cases done after each committed batch.
    """
    years = retention_years()
    before, last = cutoff(years), 0
    while True:
        ids = db.session.scalars(due_cases(before).where(Case.id > last).limit(batch_size)
                                 .with_for_update(skip_locked=True, of=Case)).all()
        if not ids:
            return
        for case in db.session.scalars(select(Case).where(Case.id.in_(ids)).order_by(Case.id)):
            remove_identities(case, years)
        db.session.commit()
        last = ids[-1]
        yield len(ids)


def remove_identities(case, years):
    """Remove the personal data and files of one ended case; write its audit row; flush."""
    reporter_email = case.reporter_email
    for field in CLEARED_CASE_FIELDS:
        setattr(case, field, None)
    case.description = REMOVED_TEXT
    case.answers = _without_text_answers(case)
    for child in case.children:
        for field in CLEARED_CHILD_FIELDS:
            setattr(child, field, None)
    for message in case.messages:
        message.body = REMOVED_TEXT
    for item in case.checklist:
        item.person = item.note = None
        if item.na_reason is not None:  # required while the item is "not applicable"
            item.na_reason = REMOVED_TEXT
    files = _delete_files(case)
    if reporter_email and reporter_email.strip():
        _forget_address(case, reporter_email.strip())
    case.identities_removed_at = utcnow()
    audit.record("case.identities_removed", obj=case, closed_at=case.closed_at.isoformat(),
                 retention_years=years, children=len(case.children), messages=len(case.messages),
                 files=files)
    db.session.flush()


def _without_text_answers(case):
    """The extra answers that are choices, numbers or dates; free text answers dropped."""
    definition = case.questionnaire_version.definition if case.questionnaire_version else {}
    types = {question["key"]: question["type"] for question in definition.get("questions", [])}
    return {key: value for key, value in (case.answers or {}).items()
            if types.get(key, "short_text") not in TEXT_QUESTION_TYPES}


def _delete_files(case):
    """Delete the case's attachments and its checklist's evidence, with their stored files."""
    links = [*case.attachments, *(evidence for item in case.checklist for evidence in item.evidence)]
    for link in links:
        db.session.delete(link)
        db.session.delete(link.file)
    return len(links)


def _forget_address(case, address):
    """The e-mails queued to the reporter about this case named their address: it goes."""
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.object_type == Case.__tablename__, OutboxMessage.object_id == str(case.id),
               OutboxMessage.recipients.any(address))
        .values(recipients=func.array_remove(OutboxMessage.recipients, address)))
