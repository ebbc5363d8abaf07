"""A partner's webhook [R7]: its system hears of each change of state of a case it sent.

Each change queues one signed event in the outbox in the change's own transaction, so an
event is sent once the change is committed and never for a change rolled back; the worker
delivers it with retries and backoff while the partner's server is down
(``services.notifications``, ``core.webhooks``). The event names the case and its new
state only; the partner reads the rest with ``GET /api/v1/cases/{number}``.
"""
import json

from extensions import db
from models import ApiToken, CaseState
from models.base import utcnow
from services import notifications

EVENT = "case.state_changed"


def case_state_changed(case, old_state):
    """Queue the event for the token that sent ``case``, if it has a webhook (and is live)."""
    if case.api_token_id is None or old_state == CaseState.RECEIVED:
        return None  # registered as it arrives: the answer to the POST said so already
    token = db.session.get(ApiToken, case.api_token_id)
    if token is None or token.webhook_url is None or token.revoked_at is not None:
        return None
    due_on = case.deadline.isoformat() if case.deadline else None
    event = {"type": EVENT, "registration_number": case.registration_number, "state": case.state,
             "previous_state": old_state, "due_on": due_on, "changed_at": utcnow().isoformat()}
    body = json.dumps(event, ensure_ascii=False, sort_keys=True)
    return notifications.queue_webhook(token.webhook_url, EVENT, body, obj=token)

