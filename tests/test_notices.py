"""Every message the outbox sends to a body outside the office reads as an official notice in
Kazakh and Russian (issue 15, scenario f): no Latin letters (so no rule codes, no English,
no "yes"/"no"/"true"/"false"), no ISO date and no region code; what the recipient needs to
act is in it, and children's names only where the rules allow."""
import re
from datetime import date, timedelta

import pytest
from flask import current_app
from sqlalchemy import select

from extensions import db
from models import OutboxMessage
from models.base import utcnow
from services import escalation, notices, report_workflow
from services import case_workflow as workflow
from tests.factories import gen_case, gen_directory
from tests.helpers import gen_user

URL_OR_ADDRESS = re.compile(r"https?://\S+|[\w.+-]+@[\w-]+(\.[\w-]+)+")
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
REGION_CODE = re.compile(r"(?<![\d-])75(?![\d-])")
CHILD = {"age": 9, "sex": "girl", "name": "Аружан Серікқызы", "iin": "120305601238"}


@pytest.fixture
def sample(app_ctx):
    """A report of violence by a father living with two children, one in danger, the reporter
    consenting; the region's directory, akimat and ombudsman; and what is overdue."""
    directory = gen_directory("75")
    gen_user("akimat_admin", "75")
    ombudsman = gen_user("ombudsman", "75", name="Айгүл Серікқызы")
    case, _code = gen_case(categories=["violence", "neglect"], responsible="parent_cohabiting", danger_now=True,
                           occurred_where="Абай ауданы, үйде", children=(CHILD, {"birth_year": 2019, "sex": "boy"}))
    case.checklist[1].due_at = utcnow() - timedelta(days=1)  # a conversation now overdue
    case.due_on = date.today() - timedelta(days=2)            # and the answer too
    db.session.flush()
    escalation.send_digests()
    return {"case": case, "directory": directory, "ombudsman": ombudsman}


def outside_addresses(directory):
    config = current_app.config
    return {config["COMMISSIONER_EMAIL"], config["COMMITTEE_EMAIL"], "akimat.75@test.kz",
            *(o.email for o in directory.values())}


def outside_messages(directory):
    outside = outside_addresses(directory)
    return [m for m in db.session.scalars(select(OutboxMessage)) if outside & set(m.recipients)]


def test_every_message_to_an_outside_body_is_free_of_codes_english_and_iso_dates(sample):
    messages = outside_messages(sample["directory"])
    assert {m.topic for m in messages} >= {"alert.R10.1", "alert.R10.3", "case.new", "digest"}
    for message in messages:
        text = URL_OR_ADDRESS.sub("", f"{message.subject}\n{message.body}")
        assert not re.search(r"[A-Za-z]", text), (message.topic, re.findall(r"\S*[A-Za-z]\S*", text))
        assert not ISO_DATE.search(text), message.topic
        assert not REGION_CODE.search(text), message.topic


def test_the_report_submitted_notice_names_the_half_year_in_words(sample, app):
    from flask_babel import force_locale

    with force_locale("kk"):
        report_workflow.submit(sample["ombudsman"], "75", 2026, 1, today=date(2026, 6, 20))
    [message] = db.session.scalars(select(OutboxMessage).where(OutboxMessage.topic == "half_year_report")).all()
    text = URL_OR_ADDRESS.sub("", f"{message.subject}\n{message.body}")
    assert not re.search(r"[A-Za-z]", text) and "2026/1" not in text
    assert "2026 жылдың бірінші жартыжылдығы" in text and "первое полугодие 2026 года" in text


def test_the_r10_1_notice_carries_what_the_recipient_needs_and_no_names(sample):
    case = sample["case"]
    subject, body = notices.violation_notice(case, "R10.1")
    kk, ru = body.split("\n\n\n")
    assert "Алматы қаласы" in subject and "город Алматы" in subject and case.registration_number in subject
    assert "10-тармағының 1) тармақшасына" in kk and "подпунктом 1) пункта 10" in ru
    for words in ("зорлық-зомбылық", "қауіпте: иә", "6-дан 9 жасқа дейін, қыз", "Абай ауданы, үйде",
                  "Айгүл Серікқызы", "ombudsman.75@test.kz"):
        assert words in kk, words
    assert "насилие" in ru and "в опасности: да" in ru and "от 6 до 9 лет, девочка" in ru
    assert "Аружан" not in body and "120305601238" not in body


def test_the_r10_3_notice_names_the_children_only_with_consent(sample):
    case = sample["case"]
    [message] = db.session.scalars(select(OutboxMessage).where(OutboxMessage.topic == "alert.R10.3")).all()
    assert set(message.recipients) == {"opeka.75@test.kz", "police.75@test.kz"}
    assert "Аружан Серікқызы" in message.body and "120305601238" in message.body
    case.consent_given_at = None
    _subject, body = notices.violation_notice(case, "R10.3", identities=True)
    assert "Аружан" not in body and "120305601238" not in body


def test_the_digest_says_what_is_overdue_in_words(sample):
    digest = db.session.scalar(select(OutboxMessage).where(OutboxMessage.topic == "digest"))
    assert "профилактикалық әңгіме" in digest.body.lower() and "профилактическая беседа" in digest.body.lower()
    assert "жауап беру мерзімі" in digest.body and "срок ответа" in digest.body
    assert "Алматы қаласы" in digest.subject


def test_a_started_case_gets_no_second_r10_3_when_corrected_to_the_same_party(sample):
    case = sample["case"]
    workflow.start(sample["ombudsman"], case)
    assert len([i for i in case.checklist if i.rule == "R10.3"]) == 1
