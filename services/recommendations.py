"""Recommendations on improving legislation [R6.4]: the ombudsman drafts them and submits
them to the Commissioner from the software; the Commissioner's office answers.

draft → sent (by the ombudsman: the Commissioner's office is alerted, and finds it on its
home page) → answered (by the Commissioner's office: taken into account, partly, or not,
with a note; the region is alerted). The akimat may prepare a draft; sending it is the
ombudsman's own act [R3: independence]. Each step checks role, region and state, audits,
queues its alert and flushes; the caller commits.
"""
from flask_babel import lazy_gettext as _l

from core.errors import InvalidInput
from extensions import db
from models.capabilities import roles_with
from models.registry import RECOMMENDATION_OUTCOMES
from services import alerts
from services.deadlines import now_local
from services.links import public_url
from services.workflow import Refusals, Transition, Workflow

ACTION_LABELS = {"send": _l("Send to the Commissioner"), "answer": _l("Record the Commissioner's answer")}
WORKFLOW = Workflow(
    "recommendation",
    {
        "send": Transition(roles_with("recommendations_send"), frozenset({"draft"}), "sent"),
        "answer": Transition(roles_with("recommendations_answer"), frozenset({"sent"}), "answered"),
    },
    Refusals(role=_l("Your role cannot do this step."),
             region=_l("This recommendation belongs to another region."),
             state=_l("This step is not possible in the recommendation's current state.")),
    labels=ACTION_LABELS)


def send(actor, recommendation):
    """[R6.4] the ombudsman submits the recommendation to the Commissioner."""
    WORKFLOW.check(actor, recommendation, "send")
    recommendation.submitted_on = now_local().date()
    recommendation.sent_by_id = actor.id
    WORKFLOW.record(recommendation, actor, "send")
    _alert(recommendation, "recommendation.sent")


def answer(actor, recommendation, outcome, note=None):
    """The Commissioner's office records what it made of the recommendation; a note is
    needed unless it was taken into account in full."""
    WORKFLOW.check(actor, recommendation, "answer")
    if outcome not in RECOMMENDATION_OUTCOMES:
        raise InvalidInput(_l("Choose what became of the recommendation."))
    note = (note or "").strip() or None
    if outcome != "taken" and note is None:
        raise InvalidInput(_l("Say why the recommendation was not taken into account in full."))
    recommendation.outcome, recommendation.response = outcome, note
    recommendation.response_on = now_local().date()
    recommendation.answered_by_id = actor.id
    WORKFLOW.record(recommendation, actor, "answer", outcome=outcome)
    _alert(recommendation, "recommendation.answered")


ACTIONS = {"send": send, "answer": answer}


def _alert(recommendation, event):
    db.session.flush()
    alerts.raise_alert(event, recommendation.region_code, obj=recommendation,
                       region=recommendation.region, text=_excerpt(recommendation.text),
                       outcome=RECOMMENDATION_OUTCOMES.get(recommendation.outcome, ""),
                       note=recommendation.response or "",
                       link=public_url(f"/admin/recommendation/details/?id={recommendation.id}"))


def _excerpt(text, chars=300):
    text = " ".join((text or "").split())
    return text if len(text) <= chars else text[:chars].rsplit(" ", 1)[0] + " …"
