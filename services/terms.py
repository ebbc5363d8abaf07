"""The terms of a case, by its kind, counted as the state's own appeals system counts them [R6.2].

The Administrative Procedural and Process Code gives an appeal 15 working days (art. 76),
an extension up to two months in all by a reasoned decision, and 3 working days to
forward what is outside a body's competence; the regional ombudsman applies these terms
by analogy (KZ-FACTS.md). e-Otinish, the state appeals system, counts the day of receipt
as the first day (a case received on Thursday 26 May 2022 at 17:17 was due on 15 June
2022), moves a receipt after 18:30 to the next working day, and gives a complaint 20
working days, a proposal, message or response 15, a request for information 15 calendar
days and a media request 7. Each of these is a setting (``services.settings``) with its
legal basis, defaulting to e-Otinish's practice.

When a term, the counting rule or the working-day calendar changes, the due dates of open
cases are recomputed at once, each change on the case's timeline.
"""
from flask import g, has_app_context
from sqlalchemy import select

from extensions import db
from models import Case, CaseStep
from models.case import CaseState
from services import audit, settings
from services.deadlines import Counting, Term, calendar, months_after

# The unit of each kind's term, fixed by its law; the number of days is a setting.
UNITS = {"appeal": "working", "complaint": "working", "proposal": "working", "message": "working",
         "response": "working", "request_information": "calendar", "media_request": "calendar"}
# Settings whose change moves open cases' due dates.
COUNTING_SETTINGS = ("receipt_day_counts", "workday_cutoff", "term_forward",
                     *(f"term_{kind}" for kind in UNITS))


def counting():
    return Counting(receipt_day_counts=settings.get("receipt_day_counts"), cutoff=settings.get("workday_cutoff"))


def term(kind):
    return Term(settings.get(f"term_{kind}"), UNITS[kind])


def answer_due(received_at, kind):
    """The last day to answer a case of ``kind`` received at ``received_at``."""
    return calendar().term_end(received_at, term(kind), counting())


def forward_due(received_at):
    """The last day to forward a case outside the office's competence."""
    return calendar().term_end(received_at, Term(settings.get("term_forward")), counting())


def latest_extension(received_at):
    """An extension may reach at most ``extension_max_months`` months from receipt in all."""
    return months_after(received_at, settings.get("extension_max_months"))


def set_due_dates(case):
    """Give a new case its due dates."""
    case.due_on = answer_due(case.received_at, case.kind)
    case.forward_due_on = forward_due(case.received_at)


def recompute_open_cases(actor, reason):
    """After a change of ``reason`` (a setting's key, or ``"calendar"``), give every open case
    the due dates it has now; each case whose dates moved gets a timeline step. Returns how
    many moved. The caller commits."""
    if has_app_context():
        g.pop("working_calendar", None)  # the calendar may be what changed
    moved = 0
    for case in db.session.scalars(select(Case).where(Case.state.in_(CaseState.OPEN)).order_by(Case.id)):
        old = {"due_on": case.due_on, "forward_due_on": case.forward_due_on}
        set_due_dates(case)
        changed = {name: [_iso(before), _iso(getattr(case, name))] for name, before in old.items()
                   if getattr(case, name) != before}
        if changed:
            db.session.add(CaseStep(case=case, actor_id=getattr(actor, "id", None), action="deadline",
                                    from_state=case.state, to_state=case.state,
                                    details={**changed, "reason": reason}))
            moved += 1
    audit.record("case.deadlines_recomputed", actor=actor, reason=reason, cases=moved)
    db.session.flush()
    return moved


def _iso(day):
    return day.isoformat() if day else None
