"""The admin home of the Commissioner's office shows what waits for it (issue 18, guard
rails): consent requests [R4], year plans sent for agreement [R6.1], half-year reports
submitted lately [R8]; no other role gets that list."""
import re

from extensions import db
from models import HalfYearReport, PlanItem
from services import appointments, plans
from tests.helpers import AuthActions, gen_user


def _section(page, testid):
    part = page.split(f'data-testid="{testid}"', 1)[1]
    return part[:part.index("</ul>")]


def test_the_commissioners_home_lists_what_waits_for_them(app):
    with app.app_context():
        akimat, ombudsman = gen_user("akimat_admin", "75"), gen_user("ombudsman", "71")
        commissioner = gen_user("commissioner")
        appointment = appointments.propose(akimat, "75", full_name="Дана Бекова", email="dana@test.kz")
        appointments.request_consent(akimat, appointment)
        plan = plans.create_plan(ombudsman, "71", 2027)
        plan.items = [PlanItem(position=1, activity="Мектептерге бару")]
        db.session.flush()
        plans.send_for_agreement(ombudsman, plan)
        db.session.add(HalfYearReport(region_code="71", year=2026, half=2, version=1, figures={}))
        db.session.commit()
        ids = appointment.id, plan.id
    client = app.test_client()
    AuthActions(client).login(commissioner.email)
    page = client.get("/admin/?lang=ru").get_data(as_text=True)
    assert f"/admin/appointment/details/?id={ids[0]}" in _section(page, "waiting-consents")
    assert "Дана Бекова" in _section(page, "waiting-consents")
    assert f"/admin/year_plan/details/?id={ids[1]}" in _section(page, "waiting-plans")
    assert re.search(r"второе полугодие 2026|второй половин", _section(page, "waiting-reports"), re.I)

    other = app.test_client()
    AuthActions(other).login(akimat.email)
    assert 'data-testid="waiting-for-you"' not in other.get("/admin/").get_data(as_text=True)
