"""Reminders and escalation of what falls due (``flask --app app deadlines run``).

Run by a scheduler (e.g. every 10 minutes); safe to run twice: every message carries a
dedupe key, so each reminder is sent once and each digest once a day.
- A reminder to the region's ombudsman before a checklist item falls due, and before a
  case's own term ends: its answer, or its forwarding while nobody has started it.
- A daily digest of what is overdue to the ombudsman; overdue [R10] items, cases past
  their deadline and cases not forwarded in time also go to the Commissioner's office
  and the akimat.
"""
from collections import defaultdict
from datetime import timedelta

from sqlalchemy import select

from extensions import db
from models import Case, ChecklistItem, Region
from models.checklist import RULE_LABELS
from models.base import utcnow
from services import notices, notifications, recipients, settings
from services.case_workflow import OPEN_STATES
from services.deadlines import KZ_TZ, deadline_column, now_local
from core.formats import N_, bilingual, bilingual_subject
from services.work_queue import forward_overdue, not_started


# A checklist is worked on until the case is closed, even after the answer went out.
CHECKLIST_STATES = OPEN_STATES + ("answered",)


def send_reminders(now=None):
    """One reminder per open item due within the reminder window; returns how many queued."""
    now = now or utcnow()
    window = now + timedelta(hours=settings.get("reminder_hours_before"))
    items = db.session.scalars(select(ChecklistItem).join(Case, Case.id == ChecklistItem.case_id).where(
        ChecklistItem.status == "open", ChecklistItem.automatic.is_(False),
        ChecklistItem.due_at > now, ChecklistItem.due_at <= window,
        Case.state.in_(CHECKLIST_STATES))).all()
    queued = 0
    for item in items:
        case = item.case
        message = notifications.queue_email(
            recipients.ombudsman(case.region_code),
            bilingual_subject("Reminder: case %(number)s, an item is due soon", number=case.registration_number),
            bilingual("“%(what)s” of case %(number)s is due on %(due)s at %(time)s (Almaty time).",
                      what=RULE_LABELS[item.rule], number=case.registration_number,
                      due=item.due_at.astimezone(KZ_TZ).date(), time=item.due_at.astimezone(KZ_TZ).strftime("%H:%M")),
            topic="reminder", obj=item, dedupe_key=f"reminder:item:{item.id}")
        queued += message is not None
    return queued


def send_term_reminders(now=None):
    """One reminder per case term (the answer, or the forwarding of a case nobody started)
    ending within the reminder window; returns how many queued."""
    now = now or utcnow()
    last_day = (now + timedelta(hours=settings.get("reminder_hours_before"))).astimezone(KZ_TZ).date()
    today = now.astimezone(KZ_TZ).date()
    queued = 0
    for term, due, where in (("answer", deadline_column(), Case.state.in_(OPEN_STATES)),
                             ("forward", Case.forward_due_on, not_started())):
        for case, day in db.session.execute(select(Case, due).where(where, due >= today, due <= last_day)):
            message = notifications.queue_email(
                recipients.ombudsman(case.region_code),
                bilingual_subject(TERM_SUBJECTS[term], number=case.registration_number),
                bilingual(TERM_BODIES[term], number=case.registration_number, due=day),
                topic="reminder", obj=case, dedupe_key=f"reminder:case:{case.id}:{term}:{day.isoformat()}")
            queued += message is not None
    return queued


TERM_SUBJECTS = {"answer": N_("Reminder: case %(number)s is due soon"),
                 "forward": N_("Reminder: case %(number)s, take it up or forward it")}
TERM_BODIES = {"answer": N_("The answer to case %(number)s is due on %(due)s."),
               "forward": N_("Case %(number)s has not been started. If it is outside the office's competence, "
                             "forward it by %(due)s.")}


def overdue_by_region(now=None):
    """region → {"items": overdue open items, "cases": open cases past their deadline,
    "forward": cases not started past their forwarding term}."""
    now = now or utcnow()
    today = now_local().date()
    found = defaultdict(lambda: {"items": [], "cases": [], "forward": []})
    for item in db.session.scalars(select(ChecklistItem).join(Case, Case.id == ChecklistItem.case_id).where(
            ChecklistItem.status == "open", ChecklistItem.due_at < now,
            Case.state.in_(CHECKLIST_STATES))):
        found[item.case.region_code]["items"].append(item)
    # The deadline is compared in SQL: loading every open case to compare in Python
    # would read the whole table (and each case's children and files) on every run.
    for case in db.session.scalars(select(Case).where(
            Case.state.in_(OPEN_STATES), deadline_column() < today).order_by(Case.id)):
        found[case.region_code]["cases"].append(case)
    for case in db.session.scalars(select(Case).where(forward_overdue(today)).order_by(Case.id)):
        found[case.region_code]["forward"].append(case)
    return found


def send_digests(now=None):
    """One overdue digest per region and day; returns how many queued."""
    today = now_local().date().isoformat()
    queued = 0
    for region_code, overdue in sorted(overdue_by_region(now).items()):
        to = recipients.ombudsman(region_code)
        if overdue["cases"] or overdue["forward"] or any(i.rule.startswith("R10") for i in overdue["items"]):
            to += recipients.commissioner_office() + recipients.akimat(region_code)
        subject, body = notices.overdue_digest(db.session.get(Region, region_code), overdue)
        message = notifications.queue_email(to, subject, body, topic="digest",
                                            dedupe_key=f"digest:{region_code}:{today}")
        queued += message is not None
    return queued


def run(now=None):
    """Queue reminders and digests; the caller commits."""
    return send_reminders(now) + send_term_reminders(now), send_digests(now)
