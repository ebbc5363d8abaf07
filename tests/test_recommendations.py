"""[R6.4] a recommendation on legislation travels: the ombudsman sends it to the Commissioner
from the software (the akimat may only prepare it), the Commissioner's office finds it on its
home page and records its answer, and the region hears of it; end to end through a real
SMTP server and the real worker."""
import html
import re

import pytest
from sqlalchemy import select

from extensions import db
from models import LegislativeRecommendation, OutboxMessage
from tests.helpers import AuthActions, csrf_token, gen_user
from tests.smtp_server import smtp_server, wait_until  # noqa: F401
from tests.workers import start_worker  # noqa: F401

TEXT = "Балалар үйлерінен шыққан түлектерге тұрғын үй кезегін 18 жастан емес, 16 жастан ашу."
ACTION = re.compile(r'data-action="([a-z_]+)"')


def _text(response):
    return html.unescape(response.get_data(as_text=True))


def _create(client, text=TEXT):
    token = csrf_token(client.get("/admin/recommendation/new/").get_data(as_text=True))
    response = client.post("/admin/recommendation/new/", data={"csrf_token": token, "region": "75", "text": text})
    assert response.status_code == 302, _text(response)
    return db.session.scalar(select(LegislativeRecommendation.id).where(LegislativeRecommendation.text == text))


def _step(client, recommendation_id, action, **fields):
    url = f"/admin/recommendation/step/{action}/?id={recommendation_id}"
    token = csrf_token(client.get("/admin/").get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **fields}, follow_redirects=True)


def _buttons(client, recommendation_id):
    return set(ACTION.findall(client.get(f"/admin/recommendation/details/?id={recommendation_id}").get_data(
        as_text=True)))


def _row(app, recommendation_id):
    with app.app_context():
        return db.session.get(LegislativeRecommendation, recommendation_id)


def _alerts(app, topic):
    with app.app_context():
        return db.session.scalars(select(OutboxMessage).where(OutboxMessage.topic == topic)).all()


def test_the_round_trip_through_the_screens(app, login, people):
    akimat, ombudsman, commissioner = login("akimat75"), login("ombudsman75"), login("commissioner")
    with app.app_context():
        recommendation_id = _create(akimat)                      # the akimat prepares a draft …
    assert _buttons(akimat, recommendation_id) == set()
    refused = _step(akimat, recommendation_id, "send")
    assert _row(app, recommendation_id).state == "draft" and "not possible" in _text(refused)
    assert _buttons(ombudsman, recommendation_id) == {"send"}    # … the ombudsman sends it
    assert "Done: Send to the Commissioner." in _text(_step(ombudsman, recommendation_id, "send"))
    sent = _row(app, recommendation_id)
    assert sent.state == "sent" and sent.submitted_on is not None
    (alert,) = _alerts(app, "recommendation.sent")
    assert app.config["COMMISSIONER_EMAIL"] in alert.recipients and TEXT[:40] in alert.body

    home = _text(commissioner.get("/admin/?lang=en"))
    assert f"/admin/recommendation/details/?id={recommendation_id}" in home
    assert "16 жастан" in home
    edited = ombudsman.post(f"/admin/recommendation/edit/?id={recommendation_id}", data={
        "csrf_token": csrf_token(ombudsman.get("/admin/").get_data(as_text=True)), "region": "75",
        "text": "Changed."},
        follow_redirects=True)
    assert "its text no longer changes" in _text(edited) and _row(app, recommendation_id).text == TEXT

    assert _buttons(commissioner, recommendation_id) == {"answer"}
    no_note = _step(commissioner, recommendation_id, "answer", outcome="partly", note="")
    assert "Say why" in _text(no_note) and _row(app, recommendation_id).state == "sent"
    _step(commissioner, recommendation_id, "answer", outcome="partly",
          note="Заң жобасына 16 жас енгізілді, кезек тәртібі өзгермеді.")
    answered = _row(app, recommendation_id)
    assert (answered.state, answered.outcome) == ("answered", "partly") and answered.response_on
    (back,) = _alerts(app, "recommendation.answered")
    assert people["ombudsman75"].email in back.recipients and people["akimat75"].email in back.recipients
    details = _text(ombudsman.get(f"/admin/recommendation/details/?id={recommendation_id}&lang=en"))
    assert "Partly taken into account" in details and "кезек тәртібі" in details
    assert _buttons(ombudsman, recommendation_id) == set()
    other = login("ombudsman71").get(f"/admin/recommendation/details/?id={recommendation_id}", follow_redirects=True)
    assert TEXT not in _text(other)


@pytest.mark.committed
def test_the_round_trip_by_e_mail(app, smtp_server, start_worker):
    with app.app_context():
        ombudsman, commissioner = gen_user("ombudsman", "75"), gen_user("commissioner")
        db.session.commit()
    start_worker(smtp_server.url)
    region, national = app.test_client(), app.test_client()
    for client, user in ((region, ombudsman), (national, commissioner)):
        AuthActions(client).login(user.email)
        client.get("/admin/?lang=en")
    with app.app_context():
        recommendation_id = _create(region)
    _step(region, recommendation_id, "send")
    assert wait_until(lambda: any(TEXT[:30] in m.body for m in smtp_server.messages
                                  if app.config["COMMISSIONER_EMAIL"] in m.to), timeout=10), smtp_server.messages
    _step(national, recommendation_id, "answer", outcome="taken", note="")
    assert wait_until(lambda: any(ombudsman.email in m.to and TEXT[:30] in m.body
                                  for m in smtp_server.messages), timeout=10), smtp_server.messages
