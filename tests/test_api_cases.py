"""The partner API's cases [R7]: sent once however often retried, kept to the token's regions
and cases, refused to dead tokens, answered in the caller's language, audited."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from extensions import db
from models import AuditEvent, Case, CaseMessage
from models.base import utcnow
from services import api_tokens, case_workflow
from tests.api_helpers import CASE, bearer, issue_token, new_key

PROBLEM = "application/problem+json"


@pytest.fixture
def sender(app, people):
    """A token of the 111 line (a national body) for region 75."""
    with app.app_context():
        return issue_token(people["superadmin"])


def _send(client, secret, body=None, key=None, language="en"):
    return client.post("/api/v1/cases", json=body or CASE, headers=bearer(secret, language, key or new_key()))


def _cases(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Case))


def test_a_case_sent_is_registered_with_its_number_and_due_date(app, client, sender):
    token, secret = sender
    answer = _send(client, secret)
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert body["registration_number"].startswith("75-") and body["state"] == "registered"
    assert body["due_on"] and answer.headers["Location"].endswith(f"/api/v1/cases/{body['registration_number']}")
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.registration_number == body["registration_number"]))
        assert (case.channel, case.incoming_number, case.api_token_id, case.entered_by_id, case.sender) == \
            ("line_111", "111-2026-0042", token.id, None, "Линия 111")
        assert case.checklist, "registered as staff entry registers it: the [R10] checklist started"


def test_a_retried_post_with_the_same_key_gives_the_same_case(app, client, sender):
    _token, secret = sender
    key = new_key()
    first = _send(client, secret, key=key)
    again = _send(client, secret, key=key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["registration_number"] == first.get_json()["registration_number"]
    assert _cases(app) == 1
    other = _send(client, secret, body=dict(CASE, description=CASE["description"] + " Ещё."), key=key)
    assert other.status_code == 422 and other.mimetype == PROBLEM
    assert "Idempotency-Key" in other.get_json()["detail"] and _cases(app) == 1


def test_a_token_of_region_71_neither_creates_nor_reads_in_region_75(app, client, people, sender):
    _token, secret75 = sender
    with app.app_context():
        _other, secret71 = issue_token(people["superadmin"], region_codes=("71",), org_region="71")
    refused = _send(client, secret71)
    assert refused.status_code == 403 and refused.mimetype == PROBLEM and _cases(app) == 0
    number = _send(client, secret75).get_json()["registration_number"]
    read = client.get(f"/api/v1/cases/{number}", headers=bearer(secret71))
    assert read.status_code == 404 and read.mimetype == PROBLEM
    own = client.get(f"/api/v1/cases/{number}", headers=bearer(secret75))
    assert own.status_code == 200 and own.headers["Cache-Control"] == "no-store"


def test_expired_and_revoked_tokens_are_refused_at_once(app, client, people, sender):
    token, secret = sender
    assert _send(client, secret).status_code == 201
    with app.app_context():
        api_tokens.revoke(people["superadmin"], db.session.get(type(token), token.id))
        db.session.commit()
        expired, expired_secret = issue_token(people["superadmin"])
        db.session.get(type(expired), expired.id).expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    for dead in (secret, expired_secret, "kzo_not-a-token", None):
        answer = client.post("/api/v1/cases", json=CASE, headers={
            **({"Authorization": f"Bearer {dead}"} if dead else {}), "Idempotency-Key": new_key()})
        assert answer.status_code == 401 and answer.mimetype == PROBLEM
        assert answer.headers["WWW-Authenticate"] == "Bearer"
    assert _cases(app) == 1


@pytest.mark.parametrize("language, words", [
    ("kk", "Сипаттама 20-дан 10 000-ға дейін таңбадан тұруы керек."),
    ("ru", "Описание должно содержать от 20 до 10\xa0000 символов."),
    ("en", "The description must be 20 to 10,000 characters long."),
])
def test_problems_speak_the_callers_language(client, sender, language, words):
    _token, secret = sender
    answer = _send(client, secret, body=dict(CASE, description="Коротко."), language=language)
    assert answer.status_code == 422 and answer.mimetype == PROBLEM
    problem = answer.get_json()
    assert problem["status"] == 422 and problem["instance"] == "/api/v1/cases"
    assert {"field": "description", "detail": words} in problem["errors"]


def test_the_partner_reads_the_answer_but_no_staff_name_nor_internal_note(app, client, people, sender):
    _token, secret = sender
    number = _send(client, secret).get_json()["registration_number"]
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.registration_number == number))
        ombudsman = db.session.merge(people["ombudsman75"])
        case_workflow.send_message(ombudsman, case, "Служебная заметка: позвонить в школу.", internal=True)
        case_workflow.send_message(ombudsman, case, "Мы связались с органом опеки.")
        db.session.commit()
    body = client.get(f"/api/v1/cases/{number}", headers=bearer(secret, "ru")).get_json()
    texts = [message["text"] for message in body["messages"]]
    assert texts == ["Мы связались с органом опеки."]
    assert body["state_label"] == "Зарегистрировано"
    assert ombudsman.email not in str(body) and "Служебная" not in str(body)


def test_the_tokens_own_rate_limit(app, client, people):
    with app.app_context():
        _token, secret = issue_token(people["superadmin"], rate_limit=2)
    answers = [client.get("/api/v1/cases/75-2026-000001", headers=bearer(secret)) for _ in range(3)]
    assert [a.status_code for a in answers] == [404, 404, 429]
    assert int(answers[2].headers["Retry-After"]) >= 1 and answers[2].mimetype == PROBLEM


def test_every_call_is_audited_with_the_tokens_label(app, client, sender):
    token, secret = sender
    _send(client, secret)
    client.get("/api/v1/cases/75-2026-999999", headers=bearer(secret))
    with app.app_context():
        calls = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "api.call")
                                   .order_by(AuditEvent.id)).all()
        assert [(c.data["token"], c.data["method"], c.data["status"]) for c in calls] == [
            (token.label, "POST", 201), (token.label, "GET", 404)]
        assert db.session.scalar(select(func.count()).select_from(CaseMessage)) == 0


def test_a_token_of_an_organization_taken_out_of_the_directory_is_refused(app, client, sender):
    token, secret = sender
    with app.app_context():
        db.session.get(type(token), token.id).organization.is_active = False
        db.session.commit()
    assert _send(client, secret).status_code == 401 and _cases(app) == 0


@pytest.mark.parametrize("change, words", [
    ({"reporter": {"name": "Айгерим", "phone": "+77011234567"}}, "record the reporter's consent"),
    ({"received_at": "2099-01-01T10:00:00+05:00"}, "future"),
    ({"kind": "complaint"}, "complaint is about"),
    ({"answers": {"no_such_question": "yes"}}, "no_such_question"),
    ({"children": [{"age": 9, "iin": "123456789012"}], "consent": True}, "IIN"),
])
def test_the_rules_of_staff_entry_hold_for_a_partner(app, client, sender, change, words):
    """What staff entry refuses, the API refuses too, saying why; nothing is saved."""
    _token, secret = sender
    answer = _send(client, secret, body=dict(CASE, **change))
    assert answer.status_code == 422 and answer.mimetype == PROBLEM, answer.get_json()
    assert words.lower() in answer.get_json()["detail"].lower()
    assert _cases(app) == 0
