"""The year plan workflow [R6.1] through the services and through the admin screens."""
import html
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from extensions import db
from models import AuditEvent, Briefing, Memorandum, OutboxMessage, PlanItem, YearPlan
from models.registry import CommissionMembership, CourtHearing
from services import plans as service
from services.deadlines import now_local
from core.errors import InvalidInput, PermissionDenied, RegionMismatch
from tests.helpers import admin_form_data, csrf_token, gen_user

ACTION_ATTR = re.compile(r'data-action="([a-z_]+)"')


# --- services ---------------------------------------------------------------------------

@pytest.fixture
def staff(app_ctx):
    return {"ombudsman75": gen_user("ombudsman", "75"), "akimat75": gen_user("akimat_admin", "75"),
            "ombudsman71": gen_user("ombudsman", "71"), "commissioner": gen_user("commissioner"),
            "committee": gen_user("committee")}


def draft(staff, year=2026, items=("Briefing on the half-year", "Visits to schools")):
    plan = service.create_plan(staff["ombudsman75"], "75", year)
    plan.items = [PlanItem(position=i, activity=a) for i, a in enumerate(items, 1)]
    db.session.flush()
    return plan


def alerts(plan):
    return {m.topic: m for m in db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.object_type == "year_plan", OutboxMessage.object_id == str(plan.id)))}


def audit_actions(plan):
    return [a for (a,) in db.session.execute(select(AuditEvent.action).where(
        AuditEvent.object_type == "year_plan", AuditEvent.object_id == str(plan.id))
        .order_by(AuditEvent.id))]


def test_whole_path_with_a_return_and_a_late_approval(app, staff):
    plan = draft(staff)
    assert service.allowed_actions(plan, staff["ombudsman75"]) == ["send_for_agreement"]
    assert service.allowed_actions(plan, staff["commissioner"]) == []

    service.send_for_agreement(staff["ombudsman75"], plan)
    assert plan.state == "sent" and plan.sent_at is not None
    sent = alerts(plan)["year_plan.sent"]
    assert app.config["COMMISSIONER_EMAIL"] in sent.recipients
    assert staff["commissioner"].email in sent.recipients
    with pytest.raises(InvalidInput):
        service.check_items_editable(staff["ombudsman75"], plan)

    service.return_with_remarks(staff["commissioner"], plan, "  Add a visit to a penal institution. ")
    assert plan.state == "returned" and plan.remarks == "Add a visit to a penal institution."
    returned = alerts(plan)["year_plan.returned"]
    assert set(returned.recipients) == {staff["ombudsman75"].email, staff["akimat75"].email}
    service.check_items_editable(staff["ombudsman75"], plan)  # editable again

    service.send_for_agreement(staff["ombudsman75"], plan, note="Corrected")
    service.agree(staff["commissioner"], plan)
    assert plan.state == "agreed" and plan.agreed_by_id == staff["commissioner"].id
    assert staff["ombudsman75"].email in alerts(plan)["year_plan.agreed"].recipients

    plan.agreed_at = datetime(2025, 12, 29, 10, tzinfo=UTC)  # agreed in time, approved late
    service.approve(staff["ombudsman75"], plan, date(2026, 1, 12))
    assert plan.state == "approved" and plan.approved_late
    assert audit_actions(plan) == [
        "year_plan.create", "year_plan.send_for_agreement", "year_plan.return_with_remarks",
        "year_plan.send_for_agreement", "year_plan.agree", "year_plan.approve"]
    approve_row = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "year_plan.approve", AuditEvent.object_id == str(plan.id))).one()
    assert approve_row.data["late"] is True


def test_the_akimat_prepares_the_plan_but_only_the_ombudsman_sends_and_approves_it(staff):
    """[R3] independence: the akimat may draft the plan and its items; the plan is sent for
    agreement and approved by the ombudsman alone."""
    plan = service.create_plan(staff["akimat75"], "75", 2027)
    plan.items = [PlanItem(position=1, activity="Visits to boarding schools")]
    db.session.flush()
    service.check_items_editable(staff["akimat75"], plan)
    assert service.allowed_actions(plan, staff["akimat75"]) == []
    with pytest.raises(PermissionDenied):
        service.send_for_agreement(staff["akimat75"], plan)
    service.send_for_agreement(staff["ombudsman75"], plan)
    service.agree(staff["commissioner"], plan)
    plan.agreed_at = None
    with pytest.raises(PermissionDenied):
        service.approve(staff["akimat75"], plan, date(2026, 11, 20))
    assert plan.state == "agreed" and plan.approved_on is None
    assert service.allowed_actions(plan, staff["akimat75"]) == []
    assert service.allowed_actions(plan, staff["ombudsman75"]) == ["approve"]
    service.approve(staff["ombudsman75"], plan, date(2026, 11, 20))
    assert plan.state == "approved"


def test_approval_on_time(staff):
    plan = draft(staff, year=2027)
    service.send_for_agreement(staff["ombudsman75"], plan)
    service.agree(staff["commissioner"], plan)
    # agreed "today" (2026 or later): approving before the agreement is refused
    with pytest.raises(InvalidInput):
        service.approve(staff["ombudsman75"], plan, date(2020, 1, 1))
    with pytest.raises(InvalidInput):
        service.approve(staff["ombudsman75"], plan, None)
    with pytest.raises(InvalidInput):
        service.approve(staff["ombudsman75"], plan, now_local().date() + timedelta(days=1))
    plan.agreed_at = None  # agreed long ago in this test's story
    service.approve(staff["ombudsman75"], plan, date(2026, 11, 20))
    assert plan.state == "approved" and not plan.approved_late


def test_refusals(staff):
    with pytest.raises(PermissionDenied):
        service.create_plan(staff["commissioner"], "75", 2026)
    with pytest.raises(RegionMismatch):
        service.create_plan(staff["ombudsman71"], "75", 2026)
    plan = draft(staff)
    with pytest.raises(service.PlanExists):
        service.create_plan(staff["akimat75"], "75", 2026)
    with pytest.raises(InvalidInput):  # empty plans are not sent
        service.send_for_agreement(staff["ombudsman75"], draft(staff, 2028, items=()))
    with pytest.raises(PermissionDenied):  # wrong role
        service.agree(staff["ombudsman75"], plan)
    with pytest.raises(InvalidInput):  # wrong state
        service.agree(staff["commissioner"], plan)
    with pytest.raises(InvalidInput):
        service.approve(staff["ombudsman75"], plan, date(2025, 12, 1))
    with pytest.raises(RegionMismatch):  # wrong region
        service.send_for_agreement(staff["ombudsman71"], plan)
    with pytest.raises(PermissionDenied):
        service.send_for_agreement(staff["committee"], plan)
    service.send_for_agreement(staff["ombudsman75"], plan)
    with pytest.raises(InvalidInput):  # remarks required
        service.return_with_remarks(staff["commissioner"], plan, "  ")
    with pytest.raises(InvalidInput):  # already sent
        service.send_for_agreement(staff["ombudsman75"], plan)
    assert plan.state == "sent"
    assert service.allowed_actions(plan, staff["ombudsman71"]) == []
    assert service.allowed_actions(plan, staff["commissioner"]) == ["agree", "return_with_remarks"]


def test_link_item_and_progress(staff):
    plan = draft(staff)
    first, second = plan.items
    assert service.progress(plan) == (0, 2)
    briefing = Briefing(region_code="75", held_on=date(2026, 7, 10), topic="Half-year")
    other_region = Briefing(region_code="71", held_on=date(2026, 7, 10), topic="Not ours")
    last_year = Memorandum(region_code="75", title="Old", signed_on=date(2025, 3, 1))
    db.session.add_all([briefing, other_region, last_year])
    db.session.flush()

    keys = [key for key, _ in service.region_records("75", 2026)]
    assert f"briefing:{briefing.id}" in keys
    assert f"briefing:{other_region.id}" not in keys and f"memorandum:{last_year.id}" not in keys

    with pytest.raises(RegionMismatch):
        service.link_item(staff["ombudsman75"], first, other_region)
    with pytest.raises(InvalidInput):
        service.link_item(staff["ombudsman75"], first, last_year)
    with pytest.raises(PermissionDenied):
        service.link_item(staff["commissioner"], first, briefing)
    with pytest.raises(RegionMismatch):
        service.link_item(staff["ombudsman71"], first, briefing)
    service.link_item(staff["ombudsman75"], first, service.find_record(f"briefing:{briefing.id}"))
    assert (first.record_type, first.record_id, first.status) == ("briefing", briefing.id, "done")
    assert service.progress(plan) == (1, 2)
    second.status = "cancelled"
    db.session.flush()
    assert service.progress(plan) == (1, 1)
    assert service.progress_by_plan([plan.id]) == {plan.id: (1, 1)}


def test_a_commission_membership_fulfils_an_item(staff):
    """[R9] the membership record is offered and linked through its spec alone: named by its
    commission, dated by the akimat's decision, in its own region and year."""
    plan = draft(staff)
    first = plan.items[0]
    member = CommissionMembership(region_code="75", commission="women_family", decision_number="№ 214",
                                  decision_date=date(2026, 2, 3), member_from=date(2026, 2, 10))
    other_region = CommissionMembership(region_code="71", commission="kdn", decision_number="№ 9",
                                        decision_date=date(2026, 2, 3), member_from=date(2026, 2, 3))
    last_year = CommissionMembership(region_code="75", commission="kdn", decision_number="№ 1",
                                     decision_date=date(2025, 1, 20), member_from=date(2025, 2, 1))
    db.session.add_all([member, other_region, last_year])
    db.session.flush()

    offered = dict(service.region_records("75", 2026))
    assert offered[f"commission_membership:{member.id}"] == (
        "Commission membership: Commission on Women's Affairs and Family-Demographic Policy / 2026-02-03")
    assert f"commission_membership:{other_region.id}" not in offered
    assert f"commission_membership:{last_year.id}" not in offered
    with pytest.raises(InvalidInput):
        service.link_item(staff["ombudsman75"], first, last_year)
    service.link_item(staff["akimat75"], first, service.find_record(f"commission_membership:{member.id}"))
    assert (first.record_type, first.record_id, first.status) == ("commission_membership", member.id, "done")
    assert service.linked_record_label(first) == f"Commission membership #{member.id}"


def test_a_closed_court_session_is_offered_only_to_those_who_may_see_it(staff):
    """[R6.7] the akimat links no closed session: it would read its court case number."""
    closed = CourtHearing(region_code="75", court="Алматы қалалық соты", court_case_number="2-999/2026",
                          hearing_on=date(2026, 3, 3), closed_session=True)
    db.session.add(closed)
    db.session.flush()
    key = f"court_hearing:{closed.id}"
    assert key in dict(service.region_records("75", 2026, "ombudsman"))
    assert key not in dict(service.region_records("75", 2026, "akimat_admin"))


# --- the admin screens ----------------------------------------------------------------------

def page_text(response):
    return html.unescape(response.get_data(as_text=True))


def submit(client, url, fields=None):
    page = client.get(url)
    assert page.status_code == 200, (url, page.status_code)
    data = {"csrf_token": csrf_token(page.get_data(as_text=True)), **(fields or {})}
    return client.post(url, data=data, follow_redirects=True)


def step(client, plan_id, action, **fields):
    return submit(client, f"/admin/year_plan/step/{action}/?id={plan_id}&lang=en", fields)


def load(app, plan_id):
    with app.app_context():
        plan = db.session.get(YearPlan, plan_id)
        return {"state": plan.state, "remarks": plan.remarks, "approved_on": plan.approved_on,
                "late": plan.approved_late,
                "items": [(i.activity, i.status, i.record_type) for i in plan.items]}


def details(client, plan_id):
    return client.get(f"/admin/year_plan/details/?id={plan_id}&lang=en")


def buttons(response):
    assert response.status_code == 200
    return set(ACTION_ATTR.findall(response.get_data(as_text=True)))


def save_items(client, plan_id, new_activities):
    """Post the edit form as a browser would (existing rows kept), adding new rows."""
    url = f"/admin/year_plan/edit/?id={plan_id}&lang=en"
    page = client.get(url)
    assert page.status_code == 200
    data = admin_form_data(page.get_data(as_text=True))
    start = len({key.split("-")[1] for key in data if key.startswith("items-")})
    for n, activity in enumerate(new_activities, start):
        data.update({f"items-{n}-position": [str(n + 1)], f"items-{n}-activity": [activity],
                     f"items-{n}-planned_month": [""], f"items-{n}-planned_quarter": [str(n % 4 + 1)],
                     f"items-{n}-rule": ["R6.10"], f"items-{n}-status": ["planned"]})
    return client.post(url, data=data, follow_redirects=True)


def test_workflow_through_the_screens(app, people, login):
    ombudsman, akimat, commissioner = login("ombudsman75"), login("akimat75"), login("commissioner")

    response = submit(ombudsman, "/admin/year_plan/new/?lang=en", {"year": "2026"})
    assert response.status_code == 200
    with app.app_context():
        plan_id = db.session.scalar(select(YearPlan.id).where(YearPlan.region_code == "75"))
    assert plan_id is not None, page_text(response)
    assert load(app, plan_id)["state"] == "draft"
    again = submit(akimat, "/admin/year_plan/new/?lang=en", {"year": "2026"})
    assert "This region already has a plan for that year." in page_text(again)

    response = save_items(ombudsman, plan_id, ["Briefing on the half-year", "Visits to schools"])
    assert response.status_code == 200
    assert [a for a, _, _ in load(app, plan_id)["items"]] == ["Briefing on the half-year",
                                                              "Visits to schools"]

    assert buttons(details(ombudsman, plan_id)) == {"send_for_agreement"}
    assert buttons(details(commissioner, plan_id)) == set()
    response = step(ombudsman, plan_id, "send_for_agreement", note="")
    assert "Done: Send to the Commissioner for agreement." in page_text(response)
    assert load(app, plan_id)["state"] == "sent"
    assert 'data-alert="year_plan.sent"' in page_text(details(commissioner, plan_id))

    # Items are frozen while the Commissioner looks at the plan.
    frozen = ombudsman.get(f"/admin/year_plan/edit/?id={plan_id}&lang=en", follow_redirects=True)
    assert "can be changed only while it is a draft or returned" in page_text(frozen)
    # A step not offered is refused with a message.
    refused = ombudsman.post(
        f"/admin/year_plan/step/agree/?id={plan_id}&lang=en",
        data={"csrf_token": csrf_token(ombudsman.get("/admin/").get_data(as_text=True))},
        follow_redirects=True)
    assert "This step is not possible for you in the plan's current state." in page_text(refused)
    assert load(app, plan_id)["state"] == "sent"

    # Returned with remarks: remarks are required.
    assert buttons(details(commissioner, plan_id)) == {"agree", "return_with_remarks"}
    empty = step(commissioner, plan_id, "return_with_remarks", remarks="")
    assert load(app, plan_id)["state"] == "sent" and 'data-testid="step-form"' in page_text(empty)
    response = step(commissioner, plan_id, "return_with_remarks", remarks="Add penal institutions.")
    assert "Done: Return with remarks." in page_text(response)
    row = load(app, plan_id)
    assert row["state"] == "returned" and row["remarks"] == "Add penal institutions."
    assert "Add penal institutions." in page_text(details(ombudsman, plan_id))

    save_items(akimat, plan_id, ["Visit to the juvenile colony"])  # the akimat prepares …
    assert len(load(app, plan_id)["items"]) == 3
    assert buttons(details(akimat, plan_id)) == set()               # … the ombudsman sends
    step(ombudsman, plan_id, "send_for_agreement", note="Corrected")
    response = step(commissioner, plan_id, "agree", note="")
    assert "Done: Agree." in page_text(response)
    assert load(app, plan_id)["state"] == "agreed"

    # Approved today, after 30 December 2025: approved, marked late.
    assert buttons(details(akimat, plan_id)) == set()
    assert buttons(details(ombudsman, plan_id)) == {"approve"}
    today = now_local().date()
    response = step(ombudsman, plan_id, "approve", approved_on=today.isoformat())
    assert "it is marked late" in page_text(response)
    row = load(app, plan_id)
    assert row["state"] == "approved" and row["approved_on"] == today and row["late"]
    listing = page_text(commissioner.get("/admin/year_plan/?lang=en"))
    assert "Late" in listing and "0 of 3" in listing

    # The briefing held fulfils the first item.
    with app.app_context():
        briefing = Briefing(region_code="75", held_on=date(2026, 7, 2), topic="Half-year results")
        db.session.add(briefing)
        db.session.commit()
        briefing_id = briefing.id
        item_id = db.session.scalar(select(PlanItem.id).where(PlanItem.plan_id == plan_id,
                                                              PlanItem.position == 1))
    link_url = f"/admin/year_plan/link/?id={plan_id}&item={item_id}&lang=en"
    form_page = page_text(ombudsman.get(link_url))
    assert "Briefing: Half-year results / 2026-07-02" in form_page
    response = submit(ombudsman, link_url, {"record": f"briefing:{briefing_id}"})
    assert "Done: the item is linked to its record." in page_text(response)
    assert load(app, plan_id)["items"][0] == ("Briefing on the half-year", "done", "briefing")
    assert "1 of 3" in page_text(commissioner.get("/admin/year_plan/?lang=en"))
    refused = commissioner.get(link_url, follow_redirects=True)
    assert "Only the region's ombudsman or akimat administrator links records." in page_text(refused)


def test_other_region_and_roles(app, people, login):
    with app.app_context():
        plan = service.create_plan(db.session.merge(people["ombudsman75"]), "75", 2026)
        db.session.commit()
        plan_id = plan.id
    own, other = login("ombudsman75"), login("ombudsman71")
    assert f"id={plan_id}" in own.get("/admin/year_plan/").get_data(as_text=True)
    assert f"id={plan_id}" not in other.get("/admin/year_plan/").get_data(as_text=True)
    assert details(other, plan_id).status_code == 302  # "Record does not exist."
    assert other.get(f"/admin/year_plan/step/send_for_agreement/?id={plan_id}").status_code == 404
    assert other.get(f"/admin/year_plan/link/?id={plan_id}&item=1").status_code == 404
    assert other.get(f"/admin/year_plan/edit/?id={plan_id}", follow_redirects=True).status_code == 200
    assert "Record does not exist." in page_text(other.get(f"/admin/year_plan/edit/?id={plan_id}&lang=en",
                                                           follow_redirects=True))
    # National roles read plans but create none.
    committee = login("committee")
    assert committee.get("/admin/year_plan/?lang=en").status_code == 200
    new = committee.get("/admin/year_plan/new/?lang=en", follow_redirects=True)
    assert 'name="year"' not in new.get_data(as_text=True)
