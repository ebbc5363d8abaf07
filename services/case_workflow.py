"""The life of a case, step by step [R6.2], [R6.3], [R10], [R11].

received → registered → in_progress → answered → closed; side exits forwarded (outside
competence, within 3 working days), rejected (with a reason) and withdrawn (by the
reporter). The term may be extended, with a reason, up to two months in all. The police
may confirm the violation at any time, often after the answer: the [R11] measures then
start, and a closed case reopens (back to "answered") for them, with a reason. Each
step checks role, region and state, records a CaseStep and an audit row, queues what
must be sent, and flushes; the caller commits once.
"""
from flask import current_app
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l

from extensions import db
from models import CaseMessage, CaseStep
from models.base import utcnow
from models.case import OUTCOMES
from services import audit, checklist, notifications, settings, terms
from services.deadlines import now_local
from core.formats import date_in_words
from core.errors import InvalidInput, PermissionDenied, RegionMismatch

OPEN_STATES = ("received", "registered", "in_progress")
CLOSING_OUTCOMES = ("restored_fully", "restored_partly", "not_restored")

# action → (states it may start from, the state it leads to; None keeps the state)
TRANSITIONS = {
    "register": (("received",), "registered"),
    "start": (("registered",), "in_progress"),
    "answer": (("registered", "in_progress"), "answered"),
    "close": (("answered",), "closed"),
    "forward": (("received", "registered", "in_progress"), "forwarded"),
    "reject": (("received", "registered", "in_progress"), "rejected"),
    "extend": (("registered", "in_progress"), None),
    "confirm_police": (("registered", "in_progress", "answered", "closed"), None),
    "reopen": (("closed",), "answered"),
    "withdraw": (OPEN_STATES, "withdrawn"),
}


def check(actor, case, action):
    """Raise unless ``actor`` — the ombudsman of the case's region — may take ``action`` now."""
    if actor is None or actor.role != "ombudsman":
        raise PermissionDenied(_l("Only the regional ombudsman handles cases."))
    if actor.region_code != case.region_code:
        raise RegionMismatch(_l("This case belongs to another region."))
    if case.state not in TRANSITIONS[action][0]:
        raise InvalidInput(_l("This step is not possible in the case's current state."))


def allowed_actions(actor, case):
    """The steps ``actor`` may take now: the buttons the case page shows."""
    actions = []
    for action in TRANSITIONS:
        if action in ("register", "withdraw", "reopen"):
            continue
        if action == "confirm_police" and case.police_confirmed_on is not None:
            continue
        try:
            check(actor, case, action)
        except PermissionDenied:
            return []  # another role or region: no step at all (RegionMismatch included)
        except InvalidInput:
            continue
        actions.append(action)
    return actions


def _step(case, actor, action, note=None):
    old = case.state
    target = TRANSITIONS[action][1]
    if target is not None:
        case.state = target
    db.session.add(CaseStep(case=case, actor_id=getattr(actor, "id", None), action=action,
                            from_state=old, to_state=case.state, note=note or None))
    audit.record(f"case.{action}", actor=actor, obj=case, old_state=old, new_state=case.state)


def register(case, actor=None):
    """Register a received case: the [R10] checklist is generated and its alerts queued."""
    if case.state != "received":
        raise InvalidInput(_l("This step is not possible in the case's current state."))
    case.registered_at = utcnow()
    _step(case, actor, "register")
    checklist.generate_at_registration(case)  # flushes the step with the checklist


def start(actor, case, note=None):
    check(actor, case, "start")
    _step(case, actor, "start", note)
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


def answer(actor, case, body):
    """The final answer, in the language of the case; the reporter reads it at /status."""
    check(actor, case, "answer")
    send_message(actor, case, body, final=True)
    case.answered_at = utcnow()
    _step(case, actor, "answer")
    db.session.flush()


def close(actor, case, outcome, note=None):
    """Close an answered case with its outcome: rights restored fully, partly or not [R6.3]."""
    check(actor, case, "close")
    if outcome not in CLOSING_OUTCOMES:
        raise InvalidInput(_l("Choose the outcome: rights restored fully, partly or not restored."))
    case.outcome, case.closed_at = outcome, utcnow()
    _step(case, actor, "close", note or str(OUTCOMES[outcome]))
    db.session.flush()


def forward(actor, case, to_body, note=None):
    """Outside the office's competence: forwarded within 3 working days, the reporter told."""
    check(actor, case, "forward")
    if not (to_body or "").strip():
        raise InvalidInput(_l("Say to which body the case is forwarded."))
    case.forwarded_to, case.forwarded_on, case.outcome = to_body.strip()[:300], now_local().date(), "forwarded"
    case.closed_at = utcnow()
    _step(case, actor, "forward", note)
    _tell_reporter(actor, case, "Your report is outside our competence and was forwarded to: %(body)s.",
                   body=case.forwarded_to)
    db.session.flush()


def reject(actor, case, reason):
    check(actor, case, "reject")
    if not (reason or "").strip():
        raise InvalidInput(_l("A rejection needs a reason."))
    case.rejection_reason, case.outcome, case.closed_at = reason.strip(), "rejected", utcnow()
    _step(case, actor, "reject", reason)
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
    _step(case, actor, "extend", reason)
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
    if case.state == "closed":
        _reopen(actor, case, reopen_reason)
    case.police_confirmed_on, case.police_reference = confirmed_on, reference.strip()[:200]
    _step(case, actor, "confirm_police", reference)
    checklist.generate_after_police_confirmation(case)
    db.session.flush()


def _reopen(actor, case, reason):
    """A closed case back to "answered" for its [R11] measures; it is closed again after them."""
    if not (reason or "").strip():
        raise InvalidInput(_l("The case is closed: say why it is reopened."))
    case.closed_at = case.outcome = None
    _step(case, actor, "reopen", reason.strip())


def withdraw_by_reporter(case, note=None):
    """The reporter withdraws the report at /status."""
    if case.state not in TRANSITIONS["withdraw"][0]:
        raise InvalidInput(_l("This report can no longer be withdrawn."))
    case.closed_at = utcnow()
    _step(case, None, "withdraw", note)
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
                       link=f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/status")
    notifications.queue_email([case.reporter_email], subject, body, topic="case.reporter_notice", obj=case)
