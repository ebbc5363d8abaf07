"""[R7] letters and requests with the bodies of the region, and [R11.6] recommendations to
restore a child's rights among them: recorded with the cases they concern, counted in the
half-year report, and waiting in the work queue until the body answers."""
import html
from datetime import date, timedelta

from sqlalchemy import select

from extensions import db
from models import Interaction
from services.deadlines import now_local
from services.reports import build_half_year_report
from tests.factories import gen_case
from tests.helpers import admin_form_data

DAY = date(2026, 2, 10)


def _save(client, values, record_id=None):
    url = f"/admin/interaction/edit/?id={record_id}" if record_id else "/admin/interaction/new/"
    data = admin_form_data(client.get(url).get_data(as_text=True))
    data.update({key: [str(value)] for key, value in values.items()})
    response = client.post(url, data=data)
    assert response.status_code == 302, html.unescape(response.get_data(as_text=True))[-3000:]


def _queue(client):
    return html.unescape(client.get("/admin/queue/?lang=en").get_data(as_text=True))


def test_a_recommendation_to_a_body_waits_in_the_queue_until_answered(app, login):
    with app.app_context():
        case = gen_case("75")[0]
        db.session.commit()
        case_id, number = case.id, case.registration_number
    ombudsman = login("ombudsman75")
    yesterday = now_local().date() - timedelta(days=1)
    _save(ombudsman, {"dated_on": DAY, "direction": "outgoing", "kind": "recommendation",
                      "body": "Аудандық білім бөлімі", "subject": "Баланы мектепке қайта қабылдау туралы",
                      "cases": case_id, "answer_due": yesterday})
    with app.app_context():
        letter = db.session.scalar(select(Interaction))
        letter_id = letter.id
        assert [c.id for c in letter.cases] == [case_id]
    queue = _queue(ombudsman)
    section = queue[queue.index('data-testid="queue-letters"'):]
    assert "Аудандық білім бөлімі" in section and "Overdue" in section
    assert "Recommendation to restore a child's rights" in section
    assert "Аудандық білім бөлімі" in _queue(login("commissioner"))
    assert "Аудандық білім бөлімі" not in _queue(login("ombudsman71"))
    details = html.unescape(ombudsman.get(f"/admin/interaction/details/?id={letter_id}").get_data(as_text=True))
    assert number in details

    _save(ombudsman, {"answered_on": now_local().date(), "answer": "Бала мектепке қайта қабылданды."}, letter_id)
    assert "Аудандық білім бөлімі" not in _queue(ombudsman)


def test_letters_count_in_the_half_year_report(app, login):
    client = login("akimat75")
    for values in ({"direction": "outgoing", "kind": "request"}, {"direction": "incoming", "kind": "answer"},
                   {"direction": "outgoing", "kind": "recommendation"}):
        _save(client, {"dated_on": DAY, "body": "Полиция департаменті", "subject": "Ақпарат алмасу", **values})
    _save(client, {"dated_on": date(2026, 8, 1), "direction": "outgoing", "kind": "letter",
                   "body": "Әкімдік", "subject": "Келесі жарты жыл"})
    with app.app_context():
        activities = build_half_year_report("75", 2026, 1)["activities"]
    assert (activities["letters_sent"], activities["letters_received"], activities["recommendations_to_bodies"]) == (
        2, 1, 1)
