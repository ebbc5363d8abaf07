"""One thread from [R11.1] to [R13]: a publication cites a case (by its number only) and the
briefing it reported; saved by the ombudsman, it marks the case's [R11.1] item done, and the
half-year report counts it once, as a publication."""
import html
from datetime import date

from sqlalchemy import select

from extensions import db
from models import Briefing, ChecklistItem, Publication
from services import case_workflow
from services.reports import build_half_year_report
from tests.factories import gen_case
from tests.helpers import admin_form_data


def _publish(client, case_id, briefing_id, title):
    data = admin_form_data(client.get("/admin/publication/new/").get_data(as_text=True))
    data.update({"outlet": ["Almaty TV"], "title": [title], "published_on": ["2026-03-05"],
                 "confirmed_by": ["Полиция департаменті"], "cases": [str(case_id)], "briefing": [str(briefing_id)]})
    response = client.post("/admin/publication/new/", data=data)
    assert response.status_code == 302, html.unescape(response.get_data(as_text=True))[-2000:]


def _r11_1(app, case_id):
    with app.app_context():
        return db.session.scalar(select(ChecklistItem).where(ChecklistItem.case_id == case_id,
                                                             ChecklistItem.rule == "R11.1"))


def test_a_publication_citing_a_case_informs_the_media_for_it(app, login, people):
    with app.app_context():
        case = gen_case("75")[0]
        case_workflow.start(people["ombudsman75"], case)
        case_workflow.confirm_police(people["ombudsman75"], case, date(2026, 3, 1), "KUI-7")
        briefing = Briefing(region_code="75", held_on=date(2026, 3, 4), topic="Жарты жылдың қорытындысы")
        db.session.add(briefing)
        db.session.commit()
        case_id, briefing_id, number = case.id, briefing.id, case.registration_number
    assert _r11_1(app, case_id).status == "open"
    ombudsman = login("ombudsman75")
    _publish(ombudsman, case_id, briefing_id, "Мектептегі зорлық: мемлекеттік органдар не істеп жатыр")
    item = _r11_1(app, case_id)
    with app.app_context():
        publication = db.session.scalar(select(Publication))
        assert item.status == "done" and item.publication_id == publication.id
        assert publication.briefing_id == briefing_id and [c.id for c in publication.cases] == [case_id]
        assert build_half_year_report("75", 2026, 1)["activities"]["publications"] == 1
    details = html.unescape(ombudsman.get(f"/admin/publication/details/?id={publication.id}").get_data(as_text=True))
    assert number in details and "Жарты жылдың қорытындысы" in details
