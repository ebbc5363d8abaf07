"""A partner's webhook [R7]: each change of state of a case it sent reaches its HTTPS server
once, signed, through the outbox and the real worker, even after the server was down."""
import json
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from core import webhooks
from extensions import db
from models import Case, OutboxMessage
from services import api_tokens, case_workflow
from services.deadlines import now_local
from tests.api_helpers import CASE, bearer, new_key, organization
from tests.smtp_server import wait_until
from tests.webhook_receiver import webhook_ca, webhook_receiver  # noqa: F401 (fixtures)
from tests.workers import start_worker  # noqa: F401 (fixture)

pytestmark = pytest.mark.committed


def _partner(app, people, url):
    """A token of a national body with a webhook; its (API secret, webhook secret)."""
    with app.app_context():
        _token, secret, signing = api_tokens.issue(
            people["superadmin"], organization(), "111 line", ["cases:create", "cases:read"], ["75"],
            now_local().date() + timedelta(days=30), webhook_url=url)
        db.session.commit()
    return secret, signing


def _start_work(app, people, number):
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.registration_number == number))
        case_workflow.start(db.session.merge(people["ombudsman75"]), case, "Работа начата.")
        db.session.commit()


def test_a_change_reaches_the_partner_once_signed_after_its_server_was_down(
        app, client, people, webhook_ca, webhook_receiver, start_worker):
    secret, signing = _partner(app, people, webhook_receiver.url)
    answer = client.post("/api/v1/cases", json=CASE, headers=bearer(secret, key=new_key()))
    number = answer.get_json()["registration_number"]
    webhook_receiver.stop()  # the partner's server is down for a while
    start_worker("", WEBHOOK_CA_FILE=webhook_ca[1])
    _start_work(app, people, number)
    with app.app_context():
        assert wait_until(lambda: _attempts() >= 2, timeout=10), "the worker did not retry"
    webhook_receiver.start()
    [event] = webhook_receiver.wait_for(1, timeout=15)
    body = json.loads(event.body)
    assert (body["type"], body["registration_number"], body["previous_state"], body["state"]) == (
        "case.state_changed", number, "registered", "in_progress")
    assert webhooks.verify(signing, event.headers, event.body)
    assert not webhooks.verify(signing, event.headers, event.body.replace(b"in_progress", b"closed"))
    time.sleep(1.5)  # a second delivery of the same change would arrive by now
    assert len(webhook_receiver.events) == 1
    with app.app_context():
        message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.channel == "webhook"))
        assert message.status == "sent" and message.attempts >= 3
        assert event.headers["webhook-id"] == f"msg_{message.id}"


def _attempts():
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.channel == "webhook"))
    db.session.rollback()
    return message.attempts if message else 0
