"""[R6.5] unimpeded access: a visit recorded as refused or obstructed says by whom and what,
alerts the Commissioner's office once (by every channel), and counts in the half-year report;
end to end, the alert reaches a real SMTP server through the real worker."""
import html
from datetime import date

import pytest
from sqlalchemy import select

from extensions import db
from models import OutboxMessage, Visit
from services.reports import build_half_year_report
from tests.helpers import AuthActions, admin_form_data, gen_user
from tests.smtp_server import smtp_server, wait_until  # noqa: F401
from tests.workers import start_worker  # noqa: F401

VISIT_DAY = date(2026, 3, 12)
REFUSED = {"organization_type": "penal_institution", "organization_name": "ЛА-155/4 колониясы",
           "visited_on": VISIT_DAY.isoformat(), "access": "refused",
           "refused_by": "Мекеме бастығының орынбасары", "refused_what": "Тәрбиеленушілермен жеке сөйлесу",
           "refusal_basis": "Ішкі тәртіп қағидалары"}


def _save_visit(client, values, visit_id=None):
    url = f"/admin/visit/edit/?id={visit_id}" if visit_id else "/admin/visit/new/"
    data = admin_form_data(client.get(url).get_data(as_text=True))
    data.update({key: [value] for key, value in values.items()})
    return client.post(url, data=data)


def _alerts():
    return db.session.scalars(select(OutboxMessage).where(OutboxMessage.topic == "visit.access_impeded")).all()


def test_a_refused_access_needs_by_whom_and_what(app, login):
    client = login("ombudsman75")
    refused = _save_visit(client, {**REFUSED, "refused_by": "", "refused_what": ""})
    assert refused.status_code == 200
    assert "say by whom and what was refused" in html.unescape(refused.get_data(as_text=True))
    assert 'value="ЛА-155/4 колониясы"' in html.unescape(refused.get_data(as_text=True))  # nothing lost
    with app.app_context():
        assert db.session.scalar(select(Visit)) is None and not _alerts()


def test_a_refused_access_alerts_the_commissioner_once_and_counts_in_the_report(app, login, people):
    client = login("ombudsman75")
    assert _save_visit(client, REFUSED).status_code == 302
    with app.app_context():
        visit = db.session.scalar(select(Visit))
        visit_id = visit.id
        (alert,) = _alerts()
        assert app.config["COMMISSIONER_EMAIL"] in alert.recipients
        assert "Мекеме бастығының орынбасары" in alert.body and "ЛА-155/4" in alert.body
        assert "12 марта 2026" in alert.body and f"/admin/visit/details/?id={visit_id}" in alert.body
    assert _save_visit(client, {"findings": "Қайта барамыз."}, visit_id).status_code == 302
    assert _save_visit(client, {"access": "obstructed"}, visit_id).status_code == 302
    assert _save_visit(client, {"organization_name": "№ 3 мектеп", "access": "granted",
                                "visited_on": "2026-04-02"}).status_code == 302
    with app.app_context():
        assert len(_alerts()) == 1                      # once per visit, not once per save
        granted = db.session.scalar(select(Visit).where(Visit.organization_name == "№ 3 мектеп"))
        assert granted.refused_by is None and granted.refused_what is None
        activities = build_half_year_report("75", 2026, 1)["activities"]
        assert activities["visits"] == 2 and activities["visits_access_impeded"] == 1
    details = html.unescape(client.get(f"/admin/visit/details/?id={visit_id}").get_data(as_text=True))
    assert "Access obstructed" in details and "Ішкі тәртіп қағидалары" in details


@pytest.mark.committed
def test_the_commissioner_hears_of_a_refused_access_by_e_mail(app, client, smtp_server, start_worker):
    with app.app_context():
        ombudsman = gen_user("ombudsman", "75")
        db.session.commit()
    start_worker(smtp_server.url)
    AuthActions(client).login(ombudsman.email)
    client.get("/admin/?lang=en")
    assert _save_visit(client, REFUSED).status_code == 302
    to_commissioner = lambda: [m for m in smtp_server.messages if app.config["COMMISSIONER_EMAIL"] in m.to]  # noqa: E731
    assert wait_until(lambda: to_commissioner(), timeout=10), smtp_server.messages
    message = to_commissioner()[0]
    assert "Доступ" in message.subject or "доступ" in message.subject
    assert "Тәрбиеленушілермен жеке сөйлесу" in message.body
