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
from models.case import CaseState
from models.checklist import RULE_LABELS
from models.base import utcnow
from services import alerts, settings
from services.deadlines import KZ_TZ, deadline_column, now_local
from services.work_queue import forward_overdue, not_started


def send_reminders(now=None):
    """One reminder per open item due within the reminder window; returns how many queued."""
    now = now or utcnow()
    window = now + timedelta(hours=settings.get("reminder_hours_before"))
    items = db.session.scalars(select(ChecklistItem).join(Case, Case.id == ChecklistItem.case_id).where(
        ChecklistItem.status == "open", ChecklistItem.automatic.is_(False),
        ChecklistItem.due_at > now, ChecklistItem.due_at <= window,
        Case.state.in_(CaseState.UNFINISHED))).all()
    queued = 0
    for item in items:
        case = item.case
        due = item.due_at.astimezone(KZ_TZ)
        message = alerts.raise_alert(
            "reminder.item", case.region_code, obj=item, dedupe_key=f"reminder:item:{item.id}",
            what=RULE_LABELS[item.rule], number=case.registration_number, due=due.date(),
            time=due.strftime("%H:%M"))
        queued += message is not None
    return queued


def send_term_reminders(now=None):
    """One reminder per case term (the answer, or the forwarding of a case nobody started)
    ending within the reminder window; returns how many queued."""
    now = now or utcnow()
    last_day = (now + timedelta(hours=settings.get("reminder_hours_before"))).astimezone(KZ_TZ).date()
    today = now.astimezone(KZ_TZ).date()
    queued = 0
    for term, due, where in (("answer", deadline_column(), Case.state.in_(CaseState.OPEN)),
                             ("forward", Case.forward_due_on, not_started())):
        for case, day in db.session.execute(select(Case, due).where(where, due >= today, due <= last_day)):
            message = alerts.raise_alert(
                f"reminder.{term}", case.region_code, obj=case, number=case.registration_number,
                due=day, dedupe_key=f"reminder:case:{case.id}:{term}:{day.isoformat()}")
            queued += message is not None
    return queued


def overdue_by_region(now=None):
    """region → {"items": overdue open items, "cases": open cases past their deadline,
    "forward": cases not started past their forwarding term}."""
    now = now or utcnow()
    today = now_local().date()
    found = defaultdict(lambda: {"items": [], "cases": [], "forward": []})
    for item in db.session.scalars(select(ChecklistItem).join(Case, Case.id == ChecklistItem.case_id).where(
            ChecklistItem.status == "open", ChecklistItem.due_at < now,
            Case.state.in_(CaseState.UNFINISHED))):
        found[item.case.region_code]["items"].append(item)
    # The deadline is compared in SQL: loading every open case to compare in Python
    # would read the whole table (and each case's children and files) on every run.
    for case in db.session.scalars(select(Case).where(
            Case.state.in_(CaseState.OPEN), deadline_column() < today).order_by(Case.id)):
        found[case.region_code]["cases"].append(case)
    for case in db.session.scalars(select(Case).where(forward_overdue(today)).order_by(Case.id)):
        found[case.region_code]["forward"].append(case)
    return found


def send_digests(now=None):
    """One overdue digest per region and day; returns how many queued."""
    today = now_local().date().isoformat()
    queued = 0
    for region_code, overdue in sorted(overdue_by_region(now).items()):
        serious = overdue["cases"] or overdue["forward"] or any(i.rule.startswith("R10") for i in overdue["items"])
        message = alerts.raise_alert(
            "digest.escalated" if serious else "digest", region_code, dedupe_key=f"digest:{region_code}:{today}",
            region=db.session.get(Region, region_code), overdue=overdue)
        queued += message is not None
    return queued


def run(now=None):
    """Queue reminders and digests; the caller commits."""
    return send_reminders(now) + send_term_reminders(now), send_digests(now)
