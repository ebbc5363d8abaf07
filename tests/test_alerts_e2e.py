"""Alerts end to end: a report sent on the public form reaches a real SMTP server through a
real ``flask --app app worker`` within seconds [R10.1], [R10.3], even after an outage."""
import time

import pytest
from sqlalchemy import select

from extensions import db
from models import Case, ChecklistItem
from tests.factories import gen_directory
from tests.helpers import gen_user
from tests.public_helpers import post_report, registration_number_from
from tests.smtp_server import smtp_port_down, smtp_server, wait_until  # noqa: F401
from tests.workers import start_worker  # noqa: F401

pytestmark = pytest.mark.committed
# The Russian half of the notices' subjects (services/notices.py).
R10_1 = "Уведомление о нарушении прав ребёнка:"
R10_3 = "родителем, проживающим с ним"


@pytest.fixture
def region75(app):
    with app.app_context():
        gen_directory("75")
        ombudsman = gen_user("ombudsman", "75")
        db.session.commit()
        return ombudsman


def submit_father_report(client, app):
    """A public report: violence by a father living with the child, the child in danger."""
    app.config["MIN_FILL_SECONDS"] = 0
    try:
        response = post_report(client, {
            "danger_now": "yes", "kind": "appeal", "child1-age": "7", "child1-sex": "girl",
            "categories": ["violence"], "responsible": "parent_cohabiting", "website": "",
            "description": "Her father beats her in the evenings; the neighbours hear it."},
            follow_redirects=True)
    finally:
        app.config["MIN_FILL_SECONDS"] = 3
    assert response.status_code == 200
    return registration_number_from(response.get_data(as_text=True))


def subjects_to(server, address):
    return [m.subject for m in server.messages if address in m.to]


def items_done(app, number):
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.registration_number == number))
        return {i.rule: i.status for i in db.session.scalars(select(ChecklistItem).where(
            ChecklistItem.case_id == case.id, ChecklistItem.automatic.is_(True)))}


def test_report_alerts_arrive_within_seconds(client, app, region75, smtp_server, start_worker):
    start_worker(smtp_server.url)
    started = time.monotonic()
    number = submit_father_report(client, app)
    assert wait_until(lambda: len(smtp_server.messages) >= 3, timeout=10), smtp_server.messages
    elapsed = time.monotonic() - started
    assert elapsed < 10
    assert any(number in s for s in subjects_to(smtp_server, region75.email))  # the ombudsman
    assert any(R10_1 in s for s in subjects_to(smtp_server, "commissioner@demo.kz"))
    assert any(R10_1 in s for s in subjects_to(smtp_server, "committee@demo.kz"))
    assert any(R10_1 in s for s in subjects_to(smtp_server, "akimat.75@test.kz"))
    assert any(R10_3 in s for s in subjects_to(smtp_server, "opeka.75@test.kz"))
    assert any(R10_3 in s for s in subjects_to(smtp_server, "police.75@test.kz"))
    for message in smtp_server.messages:
        assert "her father beats" not in message.body.lower()  # no details of the child in e-mails
    assert wait_until(lambda: items_done(app, number) == {"R10.1": "done", "R10.3": "done"}, timeout=5)


def test_alerts_arrive_after_the_smtp_server_comes_back(client, app, region75, smtp_port_down,
                                                         start_worker):
    start_worker(smtp_port_down.url)
    number = submit_father_report(client, app)
    time.sleep(1.5)
    assert items_done(app, number) == {"R10.1": "open", "R10.3": "open"}
    smtp_port_down.start()
    assert wait_until(lambda: items_done(app, number) == {"R10.1": "done", "R10.3": "done"}, timeout=15)
    assert any(R10_1 in m.subject for m in smtp_port_down.messages)
    assert any(R10_3 in m.subject for m in smtp_port_down.messages)
