"""The life of a case, step by step [R6.2], [R6.3], [R10], [R11].

received → registered → in_progress → answered → closed; side exits forwarded (outside
competence, within 3 working days), rejected (with a reason) and withdrawn (by the
reporter). The term may be extended, with a reason, up to two months in all. The police
may confirm the violation at any time, often after the answer: the [R11] measures then
start, and a closed case reopens (back to "answered") for them, with a reason. Each
step checks role, region and state, records a CaseStep and an audit row, queues what
must be sent, and flushes; the caller commits once.
"""
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l

from models.capabilities import roles_with
from extensions import db
from models import CaseMessage, CaseStep
from models.base import utcnow
from models.case import OUTCOMES, CaseState
from services.links import public_url
from services import audit, checklist, notifications, settings, terms, webhooks
from services.deadlines import now_local
from core.formats import date_in_words
from core.errors import InvalidInput, PermissionDenied
from services.workflow import Refusals, Transition, Workflow

CLOSING_OUTCOMES = ("restored_fully", "restored_partly", "not_restored")
OMBUDSMAN = roles_with("cases_handle")
OPEN, TAKEN_UP = CaseState.OPEN, ("registered", "in_progress")  # taken up: registered, not answered

STEP_LABELS = {
    "register": _l("Registered"), "start": _l("Start work"), "answer": _l("Final answer"),
    "close": _l("Close the case"), "forward": _l("Forward to another body"), "reject": _l("Reject"),
    "extend": _l("Extend the term"), "confirm_police": _l("Police confirmation [R11]"),
    "withdraw": _l("Withdrawn by the reporter"), "reopen": _l("Reopened"),
}
WORKFLOW = Workflow(
    "case",
    {
        "register": Transition(frozenset(), frozenset({"received"}), "registered", offered=False),
        "start": Transition(OMBUDSMAN, frozenset({"registered"}), "in_progress"),
        "answer": Transition(OMBUDSMAN, frozenset(TAKEN_UP), "answered"),
        "close": Transition(OMBUDSMAN, frozenset({"answered"}), "closed"),
        "forward": Transition(OMBUDSMAN, frozenset(OPEN), "forwarded"),
        "reject": Transition(OMBUDSMAN, frozenset(OPEN), "rejected"),
        "extend": Transition(OMBUDSMAN, frozenset(TAKEN_UP)),
        "confirm_police": Transition(OMBUDSMAN, frozenset({*TAKEN_UP, "answered", "closed"}),
                                     offered_when=lambda case: case.police_confirmed_on is None),
        "reopen": Transition(OMBUDSMAN, frozenset({"closed"}), "answered", offered=False),
        "withdraw": Transition(frozenset(), frozenset(OPEN), "withdrawn", offered=False),
    },
    Refusals(role=_l("Only the regional ombudsman handles cases."),
             region=_l("This case belongs to another region."),
             state=_l("This step is not possible in the case's current state.")),
    step_model=CaseStep, owner="case", labels=STEP_LABELS, on_change=webhooks.case_state_changed)


def check(actor, case, action):
    """Raise unless ``actor`` — the ombudsman of the case's region — may take ``action`` now."""
    WORKFLOW.check(actor, case, action)


def allowed_actions(actor, case):
    """The steps ``actor`` may take now: the buttons the case page shows."""
    return WORKFLOW.allowed_actions(actor, case)


def register(case, actor=None):
    """Register a received case: the [R10] checklist is generated and its alerts queued."""
    if case.state != CaseState.RECEIVED:
        raise InvalidInput(_l("This step is not possible in the case's current state."))
    case.registered_at = utcnow()
    WORKFLOW.record(case, actor, "register")
    checklist.generate_at_registration(case)  # flushes the step with the checklist


def start(actor, case, note=None):
    check(actor, case, "start")
    WORKFLOW.record(case, actor, "start", step_note=note)
    db.session.flush()


def send_message(actor, case, body, internal=False, final=False):
    """A message of the office; the reporter sees it at /status unless it is internal,
    and gets an e-mail notice without its content when they left an e-mail."""
    if actor is None or actor.role != "ombudsman" or actor.region_code != case.region_code:
        raise PermissionDenied(_l("Only the ombudsman of the region writes in a case."))
    if not (body or "").strip() or len(body) > 10000:
        raise InvalidInput(_l("Write a message of 1 to 10,000 characters."))
    message = CaseMessage(case=case, from_reporter=False, author_id=actor.id, body=body.strip(),
                          internal=internal, is_final_answer=final)
    db.session.add(message)
    audit.record("case.message", actor=actor, obj=case, internal=internal, final=final)
    if not internal:
        _notify_reporter(case)
    db.session.flush()
    return message


def answer(actor, case, body, open_items_reason=None):
    """The final answer, in the language of the case; the reporter reads it at /status.

    While required checklist items are open the answer goes only with a reason, kept on
    the step: the measures of [R10] and [R11] are not to be forgotten by answering early.
    """
    check(actor, case, "answer")
    reason = (open_items_reason or "").strip()
    if checklist.open_required(case) and not reason:
        raise InvalidInput(_l("Required checklist items are still open. Finish them, or say why the "
                              "answer goes now."))
    send_message(actor, case, body, final=True)
    case.answered_at = utcnow()
    WORKFLOW.record(case, actor, "answer", step_note=reason)
    db.session.flush()


def close(actor, case, outcome, note=None):
    """Close an answered case with its outcome: rights restored fully, partly or not [R6.3]."""
    check(actor, case, "close")
    if outcome not in CLOSING_OUTCOMES:
        raise InvalidInput(_l("Choose the outcome: rights restored fully, partly or not restored."))
    case.outcome, case.closed_at = outcome, utcnow()
    WORKFLOW.record(case, actor, "close", step_note=note or str(OUTCOMES[outcome]))
    db.session.flush()


def forward(actor, case, to_body, note=None):
    """Outside the office's competence: forwarded within 3 working days, the reporter told."""
    check(actor, case, "forward")
    if not (to_body or "").strip():
        raise InvalidInput(_l("Say to which body the case is forwarded."))
    case.forwarded_to, case.forwarded_on, case.outcome = to_body.strip()[:300], now_local().date(), "forwarded"
    case.closed_at = utcnow()
    WORKFLOW.record(case, actor, "forward", step_note=note)
    _tell_reporter(actor, case, "Your report is outside our competence and was forwarded to: %(body)s.",
                   body=case.forwarded_to)
    db.session.flush()


def reject(actor, case, reason):
    check(actor, case, "reject")
    if not (reason or "").strip():
        raise InvalidInput(_l("A rejection needs a reason."))
    case.rejection_reason, case.outcome, case.closed_at = reason.strip(), "rejected", utcnow()
    WORKFLOW.record(case, actor, "reject", step_note=reason)
    _tell_reporter(actor, case, "Your report was not taken up. The reason: %(reason)s", reason=reason.strip())
    db.session.flush()


def extend(actor, case, new_due, reason):
    """Extend the term by a reasoned decision, up to two months from receipt in all;
    the reporter is told at once."""
    check(actor, case, "extend")
    if not (reason or "").strip():
        raise InvalidInput(_l("An extension needs a reason."))
    if new_due is None or new_due <= case.deadline:
        raise InvalidInput(_l("The new date must be later than the current deadline."))
    if new_due > terms.latest_extension(case.received_at):
        raise InvalidInput(_l("The term can be extended to %(months)s months from receipt at most.",
                              months=settings.get("extension_max_months")))
    case.extended_due_on, case.extension_reason = new_due, reason.strip()
    WORKFLOW.record(case, actor, "extend", step_note=reason)
    _tell_reporter(actor, case, "The time to consider your report was extended to %(date)s. The reason: %(reason)s",
                   date=date_in_words(new_due, case.language), reason=reason.strip())
    db.session.flush()


def confirm_police(actor, case, confirmed_on, reference, reopen_reason=None):
    """The police confirmed the violation, whenever that is: the [R11] checklist begins. A
    closed case reopens for it (the reporter's answer stays as given), with a reason."""
    check(actor, case, "confirm_police")
    if case.police_confirmed_on is not None:
        raise InvalidInput(_l("The police confirmation is already recorded."))
    if confirmed_on is None or not (reference or "").strip():
        raise InvalidInput(_l("Give the date and the reference of the police confirmation."))
    if confirmed_on > now_local().date():
        raise InvalidInput(_l("The date of the police confirmation cannot be in the future."))
    if case.state == CaseState.CLOSED:
        _reopen(actor, case, reopen_reason)
    case.police_confirmed_on, case.police_reference = confirmed_on, reference.strip()[:200]
    WORKFLOW.record(case, actor, "confirm_police", step_note=reference)
    checklist.generate_after_police_confirmation(case)
    db.session.flush()


def _reopen(actor, case, reason):
    """A closed case back to "answered" for its [R11] measures; it is closed again after them."""
    if not (reason or "").strip():
        raise InvalidInput(_l("The case is closed: say why it is reopened."))
    case.closed_at = case.outcome = None
    WORKFLOW.record(case, actor, "reopen", step_note=reason.strip())


def withdraw_by_reporter(case, note=None):
    """The reporter withdraws the report at /status."""
    if case.state not in WORKFLOW.transitions["withdraw"].sources:
        raise InvalidInput(_l("This report can no longer be withdrawn."))
    case.closed_at = utcnow()
    WORKFLOW.record(case, None, "withdraw", step_note=note)
    db.session.flush()


def _tell_reporter(actor, case, message, **values):
    """A message to the reporter, written in the language of the case."""
    with force_locale(case.language):
        body = gettext(message, **values)
    send_message(actor, case, body)


def _notify_reporter(case):
    if not case.reporter_email:
        return
    with force_locale(case.language):
        subject = gettext("New message about your report %(number)s", number=case.registration_number)
        body = gettext("There is a new message about your report %(number)s. Open %(link)s and enter "
                       "your receipt code to read it.", number=case.registration_number,
                       link=public_url("/status"))
    notifications.queue_email([case.reporter_email], subject, body, topic="case.reporter_notice", obj=case)
