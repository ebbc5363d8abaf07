"""Alerts by e-mail, SMS and Telegram [R10.1]: a recipient with all three gets an urgent alert
by all three, through a real worker, a real SMTP server and stand-ins of the SMSC.kz gateway
and of the Telegram Bot API over real HTTP; the case's timeline shows each channel. Also:
ordinary alerts by the preferred channel, a staff member linking their Telegram with a
one-time code (webhook and polling), and what may be typed as a mobile number."""
import re
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from core import sms
from extensions import db
from models import Case, ChecklistItem, OutboxMessage, Region, User
from services import alerts, notifications, recipients
from services.appointments import grant_consent
from tests.helpers import AuthActions, csrf_token, gen_user
from tests.outbox_helpers import FAILED, SENT
from tests.public_helpers import post_report, registration_number_from
from tests.sms_gateway import sms_gateway  # noqa: F401 (fixture)
from tests.smtp_server import smtp_server, wait_until  # noqa: F401 (fixture)
from tests.telegram_server import telegram_api  # noqa: F401 (fixture)
from tests.factories import gen_directory
from tests.workers import start_worker  # noqa: F401 (fixture)

PHONE, CHAT = "+77011234567", 555001
DANGER_REPORT = {
    "danger_now": "yes", "kind": "appeal", "child1-age": "7", "child1-sex": "girl",
    "categories": ["violence"], "responsible": "parent_cohabiting", "website": "",
    "description": "Her father beats her in the evenings; the neighbours hear it."}


@pytest.fixture
def channels(app, monkeypatch, sms_gateway, telegram_api):
    """The app's SMS and Telegram pointed at the stand-ins (the web side decides the channels)."""
    for name, value in settings_of(sms_gateway, telegram_api).items():
        monkeypatch.setitem(app.config, name, value)
    return sms_gateway, telegram_api


def settings_of(sms_gateway, telegram_api):
    return {"SMS_URL": sms_gateway.url, "SMS_LOGIN": sms_gateway.login,
            "SMS_PASSWORD": sms_gateway.password, "TELEGRAM_API_URL": telegram_api.url,
            "TELEGRAM_BOT_TOKEN": telegram_api.token}


def committee_with_all_channels(telegram_api):
    telegram_api.user_writes(CHAT, "/start")  # the person wrote to the bot: their chat exists
    user = gen_user("committee", email="duty.committee@test.kz", two_factor_login=False)
    user.phone, user.telegram_chat_id = PHONE, str(CHAT)
    db.session.commit()
    return user


def report_in_danger(client, app):
    app.config["MIN_FILL_SECONDS"] = 0
    try:
        response = post_report(client, DANGER_REPORT, follow_redirects=True)
    finally:
        app.config["MIN_FILL_SECONDS"] = 3
    assert response.status_code == 200
    return registration_number_from(response.get_data(as_text=True))


def timeline_channels(app, number, key="alert.R10.1"):
    """The (channel, status) pairs the case page's timeline shows for one alert."""
    with app.app_context():
        ombudsman = db.session.scalar(select(User.email).where(User.role == "ombudsman"))
        case_id = db.session.scalar(select(Case.id).where(Case.registration_number == number))
    client = app.test_client()
    AuthActions(client).login(ombudsman)
    page = client.get(f"/admin/case/details/?id={case_id}&lang=en").get_data(as_text=True)
    rows = re.findall(rf'<tr data-kind="alert" data-key="{re.escape(key)}" data-status="(\w+)" '
                      r'data-channel="(\w+)">', page)
    return sorted((channel, status) for status, channel in rows)


def r10_1_status(app, number):
    with app.app_context():
        return db.session.scalar(select(ChecklistItem.status).join(Case, ChecklistItem.case_id == Case.id).where(
        Case.registration_number == number, ChecklistItem.rule == "R10.1"))


@pytest.mark.committed
def test_an_urgent_alert_reaches_email_sms_and_telegram_and_the_timeline_shows_all_three(
        app, client, channels, smtp_server, start_worker):
    sms_gateway, telegram_api = channels
    with app.app_context():
        gen_directory("75")
        gen_user("ombudsman", "75")
        committee = committee_with_all_channels(telegram_api)
    start_worker(smtp_server.url, **settings_of(sms_gateway, telegram_api))
    number = report_in_danger(client, app)

    [sent_sms] = sms_gateway.wait_for(1, timeout=10)
    assert wait_until(lambda: any(m.chat_id == CHAT for m in telegram_api.sent), timeout=10)
    assert wait_until(lambda: any(committee.email in m.to for m in smtp_server.messages), timeout=10)
    [message] = [m for m in telegram_api.sent if m.chat_id == CHAT]
    for text in (sent_sms.text, message.text):
        assert number in text and "бала қауіпте" in text and "ребёнок в опасности" in text
        assert re.search(r"/c/\d+$", text)
        assert "father" not in text.lower() and "beats" not in text.lower()  # nothing personal
    assert sent_sms.phone == PHONE and sms.segments(sent_sms.text) <= 3
    assert r10_1_status(app, number) == "done"
    assert timeline_channels(app, number) == [("email", SENT), ("sms", SENT), ("telegram", SENT)]


def deliver(app):
    with app.app_context():
        return notifications.deliver_due()


@pytest.mark.committed
def test_with_the_sms_gateway_down_the_other_channels_deliver_and_sms_follows_exactly_once(
        app, client, channels, smtp_server, monkeypatch):
    sms_gateway, telegram_api = channels
    monkeypatch.setitem(app.config, "MAIL_URL", smtp_server.url)
    with app.app_context():
        gen_directory("75")
        gen_user("ombudsman", "75")
        committee_with_all_channels(telegram_api)
    sms_gateway.stop()
    number = report_in_danger(client, app)
    deliver(app)
    assert r10_1_status(app, number) == "done"  # done at the first channel delivered
    assert ("sms", "pending") in timeline_channels(app, number)
    sms_gateway.rate_limit_next(1)  # back, but busy at first
    sms_gateway.start()
    assert wait_until(lambda: deliver(app) >= 0 and sms_gateway.messages, timeout=10)
    assert timeline_channels(app, number) == [("email", SENT), ("sms", SENT), ("telegram", SENT)]
    time.sleep(0.5)
    assert deliver(app) == 0
    assert [m.phone for m in sms_gateway.messages] == [PHONE] and len([m for m in telegram_api.sent if m.chat_id == CHAT]) == 1


def test_a_refused_number_fails_at_once_and_the_rest_is_delivered(app, app_ctx, channels):
    sms_gateway, telegram_api = channels
    sms_gateway.refuse.add(PHONE)
    committee = committee_with_all_channels(telegram_api)
    alerts.send([recipients.Contact(committee.email, PHONE, str(CHAT))], "Alert", "Body", topic="test",
                every_channel=True)
    notifications.deliver_due()
    by_channel = {m.channel: m for m in db.session.scalars(select(OutboxMessage))}
    assert by_channel["sms"].status == FAILED and by_channel["sms"].attempts == 1
    assert "error 8" in by_channel["sms"].last_error and sms_gateway.password not in by_channel["sms"].last_error
    assert (by_channel["email"].status, by_channel["telegram"].status) == (SENT, SENT)


def test_ordinary_alerts_go_by_the_preferred_channel_else_by_email(app, app_ctx, channels, monkeypatch):
    _sms_gateway, telegram_api = channels
    telegram_api.user_writes(CHAT, "/start")
    akimat = gen_user("akimat_admin", "75")
    akimat.phone, akimat.telegram_chat_id, akimat.alert_channel = PHONE, str(CHAT), "telegram"
    commissioner = gen_user("commissioner", two_factor_login=False)
    appointment = _appointment_waiting_for_consent(akimat)
    grant_consent(commissioner, appointment, "01-12/345", appointment.created_at.date())
    sent = {m.channel: m.recipients for m in db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.topic == "appointment.consent_granted"))}
    assert sent == {"telegram": [str(CHAT)]}
    monkeypatch.setitem(app.config, "TELEGRAM_BOT_TOKEN", None)  # Telegram off: e-mail instead
    assert recipients.Contact(akimat.email, PHONE, str(CHAT), "telegram").addresses() == [("email", akimat.email)]


def _appointment_waiting_for_consent(akimat):
    from services import appointments

    appointment = appointments.propose(akimat, "75", full_name="Айгерім Сәрсенова",
                                       email="new.ombudsman@test.kz")
    appointments.request_consent(akimat, appointment)
    return appointment


@pytest.mark.parametrize("danger", [True, False])
def test_the_sms_of_any_region_fits_in_three_parts(app, app_ctx, monkeypatch, danger):
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://bala-ombudsman.example.kz")
    for region in db.session.scalars(select(Region)):
        case = Case(registration_number="75-2026-000123", region=region, danger_now=danger, id=1234567)
        text = alerts.case_text(case)
        assert sms.segments(text) <= 3, (region.code, len(text), text)


# --- a staff member's own channels -----------------------------------------------------------

def _account(client):
    return client.get("/account/?lang=en").get_data(as_text=True)


def _ask_telegram_code(app):
    """How linking starts, by polling or by webhook: a new ombudsman of 75, logged in, asks
    for a one-time code to link Telegram:
    ``(user, their client, the code page, the code)``."""
    with app.app_context():
        user = gen_user("ombudsman", "75")
    client = app.test_client()
    AuthActions(client).login(user.email)
    page = client.post("/account/telegram/code", data={"csrf_token": csrf_token(_account(client))})
    code = re.search(r'data-testid="telegram-code">(\d{8})<', page.get_data(as_text=True)).group(1)
    return user, client, page, code


def test_linking_telegram_with_a_one_time_code_by_polling(app, channels, runner):
    _sms_gateway, telegram_api = channels
    user, client, page, code = _ask_telegram_code(app)
    assert page.headers["Cache-Control"] == "no-store"
    telegram_api.user_writes(CHAT, "00000000")  # a wrong code links nothing
    telegram_api.user_writes(CHAT, f"/start {code}")
    result = runner.invoke(args=["telegram", "poll", "--once"])
    assert result.exit_code == 0 and "2 update(s)" in result.output, result.output
    with app.app_context():
        assert db.session.get(User, user.id).telegram_chat_id == str(CHAT)
        notifications.deliver_due()
    assert [m.chat_id for m in telegram_api.sent] == [CHAT, CHAT]  # "send the code", then "done"
    assert "telegram-linked" in _account(client)
    telegram_api.user_writes(CHAT + 1, f"/start {code}")  # the code works once
    assert runner.invoke(args=["telegram", "poll", "--once"]).exit_code == 0
    with app.app_context():
        assert db.session.get(User, user.id).telegram_chat_id == str(CHAT)
    assert telegram_api.updates == []  # confirmed: not read again


def test_the_webhook_needs_its_secret_and_links_the_chat(app, channels, monkeypatch):
    monkeypatch.setitem(app.config, "TELEGRAM_WEBHOOK_SECRET", "hook-secret-1")
    user, _client, _page, code = _ask_telegram_code(app)
    update = {"update_id": 1, "message": {"message_id": 1, "text": code,
                                          "chat": {"id": CHAT, "type": "private"}}}
    bot = app.test_client()
    assert bot.post("/telegram/webhook", json=update).status_code == 403
    assert bot.post("/telegram/webhook", json=update,
                    headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"}).status_code == 403
    with app.app_context():
        assert db.session.get(User, user.id).telegram_chat_id is None
    answer = bot.post("/telegram/webhook", json=update,
                      headers={"X-Telegram-Bot-Api-Secret-Token": "hook-secret-1"})
    assert answer.status_code == 200
    with app.app_context():
        assert db.session.get(User, user.id).telegram_chat_id == str(CHAT)


@pytest.mark.parametrize("typed, kept", [("8 701 123 45 67", PHONE), ("+7 (701) 123-45-67", PHONE)])
def test_a_mobile_number_is_kept_in_one_form(app, channels, typed, kept):
    with app.app_context():
        user = gen_user("ombudsman", "75")
    client = app.test_client()
    AuthActions(client).login(user.email)
    response = client.post("/account/alerts", data={
        "csrf_token": csrf_token(_account(client)), "alerts-phone": typed, "alerts-channel": "sms"})
    assert response.status_code == 302
    with app.app_context():
        saved = db.session.get(User, user.id)
        assert (saved.phone, saved.alert_channel) == (kept, "sms")


@pytest.mark.parametrize("typed, channel, error", [
    ("8 727 250 00 00", "email", "Enter a Kazakhstan mobile number"),  # an Almaty landline
    ("", "sms", "Enter your mobile number to get alerts by SMS."),
    ("", "telegram", "Link your Telegram first"),
])
def test_a_channel_one_cannot_get_is_refused_and_nothing_is_saved(app, channels, typed, channel, error):
    with app.app_context():
        user = gen_user("ombudsman", "75")
    client = app.test_client()
    AuthActions(client).login(user.email)
    client.get("/admin/?lang=en")
    response = client.post("/account/alerts", data={
        "csrf_token": csrf_token(_account(client)), "alerts-phone": typed, "alerts-channel": channel})
    assert response.status_code == 400 and error in response.get_data(as_text=True)
    with app.app_context():
        saved = db.session.get(User, user.id)
        assert (saved.phone, saved.alert_channel) == (None, "email")


# --- the catalogue ---------------------------------------------------------------------------

SERVICES = Path(__file__).resolve().parent.parent / "services"
# E-mails to one person's own address, which are not alerts: the reporter's notice of a new
# message, a password link, the new ombudsman's first login.
PERSONAL_EMAILS = {"case_workflow.py": 1, "password_links.py": 1, "appointments.py": 1}


def test_every_alert_is_raised_from_the_catalogue():
    """Nothing outside services/alerts.py composes an alert: the use cases name an event."""
    for path in sorted(SERVICES.glob("*.py")):
        source = path.read_text()
        if path.name == "alerts.py":
            continue
        assert "alerts.send(" not in source, path.name
        assert source.count("queue_email(") == PERSONAL_EMAILS.get(path.name, 0) + (
            path.name == "notifications.py"), path.name
    events = set(re.findall(r'raise_alert\(\s*f?"([\w.{}]+)"', "".join(
        p.read_text() for p in SERVICES.glob("*.py"))))
    assert {e for e in events if "{" not in e} <= set(alerts.CATALOGUE)


@pytest.mark.parametrize("event", sorted(set(alerts.CATALOGUE) - {"alert.R10.1", "alert.R10.3", "digest",
                                                                     "digest.escalated"}))
def test_each_alert_reads_in_kazakh_and_russian(app_ctx, event):
    values = dict(number="75-2026-000123", region="Алматы", name="Айгерім", year=2027, remarks="—",
                  period="2026", version=2, link="https://x.kz/c/1", what="R10.2", due="2026-12-20",
                  time="18:00", day="2026-12-06", checksum="ab" * 32, text="Ұсыным мәтіні", outcome="—",
                  note="—", organization="№ 5 мектеп", by="Директор", basis="—")
    subject, body = alerts.CATALOGUE[event].compose(**values)
    kk, ru = body.split("\n\n")[0], body.split("\n\n")[-1]
    assert " / " in subject and kk != ru
    assert re.search("[әғқңөұүһі]", (subject + kk).lower()), (event, subject, kk)


@pytest.mark.parametrize("body", [
    b"not json", b"[1, 2]", b'{"message": "text"}', b'{"message": {"chat": {"id": "555"}, "text": "1"}}',
    b'{"message": {"chat": {"id": 1, "type": "group"}, "text": "12345678"}}',
    b'{"message": {"chat": {"id": 1}, "text": ["12345678"]}}',
    '{"message": {"chat": {"id": 1}, "text": "/start ١٢٣٤٥٦٧٨"}}'.encode(),
    b'{"message": {"chat": {"id": 1}, "text": "' + b"9" * 100000 + b'"}}',
])
def test_the_webhook_takes_any_body_without_a_fault(app, channels, monkeypatch, body):
    monkeypatch.setitem(app.config, "TELEGRAM_WEBHOOK_SECRET", "hook-secret-1")
    answer = app.test_client().post("/telegram/webhook", data=body, content_type="application/json",
                                    headers={"X-Telegram-Bot-Api-Secret-Token": "hook-secret-1"})
    assert answer.status_code == 200
    with app.app_context():
        assert db.session.scalar(select(User.id).where(User.telegram_chat_id.is_not(None))) is None
