"""Correcting a case as facts arrive late, and what follows (issue 15, scenario a) [R10], [R11]."""
import html

import pytest
from sqlalchemy import select

from extensions import db
from models import AuditEvent, CaseStep, OutboxMessage
from services import case_facts, checklist, terms
from services import case_workflow as workflow
from core.errors import InvalidInput, PermissionDenied, RegionMismatch
from tests.factories import gen_case, gen_directory
from tests.helpers import gen_user

REASON = "Мұғалім хабарлады: бала әкесінен қорқады, әкесі онымен бірге тұрады."


@pytest.fixture
def staff(app_ctx):
    gen_directory("75")
    return {"ombudsman": gen_user("ombudsman", "75"), "ombudsman71": gen_user("ombudsman", "71"),
            "commissioner": gen_user("commissioner"), "akimat": gen_user("akimat_admin", "75")}


def bullying_at_school():
    case, _code = gen_case(categories=["bullying"], responsible="education_org", danger_now=False)
    return case


def rules(case):
    return [item.rule for item in case.checklist]


def alerts(topic):
    return db.session.scalars(select(OutboxMessage).where(OutboxMessage.topic == topic)).all()


def test_the_father_living_with_the_child_turns_out_to_be_violent(staff):
    case = bullying_at_school()
    assert rules(case) == ["R10.1", "R10.2", "R10.2"] and not alerts("alert.R10.3")
    case_facts.correct(staff["ombudsman"], case, {"responsible": "parent_cohabiting",
                                                  "categories": ["bullying", "violence"], "danger_now": True},
                       REASON)
    assert case.urgent and case.responsible == "parent_cohabiting"
    assert rules(case).count("R10.3") == 1
    [notice] = alerts("alert.R10.3")
    assert set(notice.recipients) == {"opeka.75@test.kz", "police.75@test.kz"}
    assert "R10.2" in rules(case)[3:]  # a conversation with the father, too
    step = db.session.scalar(select(CaseStep).where(CaseStep.case_id == case.id, CaseStep.action == "correct"))
    assert step.note == REASON and set(step.details["changes"]) >= {"responsible", "categories", "danger_now"}
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "case.correct"))
    assert event.data["changes"]["responsible"] == {"old": "education_org", "new": "parent_cohabiting"}
    # Corrected again to the same party: no second notice.
    case_facts.correct(staff["ombudsman"], case, {"responsible_details": "Әкесі"}, "Аты белгілі болды.")
    assert len(alerts("alert.R10.3")) == 1


def test_a_child_in_danger_makes_r11_2_and_r11_7_required(staff):
    case = bullying_at_school()
    workflow.start(staff["ombudsman"], case)
    workflow.confirm_police(staff["ombudsman"], case, case.received_at.date(), "КУИ № 3")
    required = {i.rule: i.required for i in case.checklist if i.rule.startswith("R11")}
    assert not required["R11.2"] and not required["R11.7"]
    case_facts.correct(staff["commissioner"], case, {"danger_now": True}, "Бала үйден қашып кетті.")
    required = {i.rule: i.required for i in case.checklist if i.rule.startswith("R11")}
    assert required["R11.2"] and required["R11.7"] and case.urgent


def test_another_kind_gets_its_own_term(staff):
    case = bullying_at_school()
    case_facts.correct(staff["ombudsman"], case, {"kind": "complaint", "complaint_target": "Мектеп директоры"},
                       "Бұл мектеп директорының әрекетсіздігіне шағым.")
    assert case.due_on == terms.answer_due(case.received_at, "complaint")


def test_children_are_added_corrected_and_removed_with_a_reason(staff):
    case = bullying_at_school()
    case_facts.add_child(staff["ombudsman"], case, {"age": 6, "sex": "boy"}, "Інісі де бар.")
    assert len(case.children) == 2
    second = case.children[1]
    case_facts.correct_child(staff["ombudsman"], second, {"age": 7, "sex": "boy", "name": "Ерлан"}, "Жасы анықталды.")
    assert second.age == 7 and second.name == "Ерлан"
    step = db.session.scalar(select(CaseStep).where(CaseStep.action == "child_corrected"))
    assert step.details["changes"]["name"] == {"old": None, "new": "***"}  # no identity on the timeline
    case_facts.remove_child(staff["ombudsman"], second, "Қате енгізілген.")
    assert len(case.children) == 1
    with pytest.raises(InvalidInput):
        case_facts.remove_child(staff["ombudsman"], case.children[0], "Соңғы бала.")


@pytest.mark.parametrize("who, error", [("akimat", PermissionDenied), ("ombudsman71", RegionMismatch)])
def test_only_the_ombudsman_of_the_region_or_the_commissioner_corrects(staff, who, error):
    case = bullying_at_school()
    with pytest.raises(error):
        case_facts.correct(staff[who], case, {"danger_now": True}, "x")
    assert not case.danger_now


@pytest.mark.parametrize("facts, reason", [
    ({"danger_now": True}, " "),                      # no reason
    ({"responsible": "somebody"}, "x"),               # not a party the form offers
    ({"categories": []}, "x"),
    ({"kind": "complaint", "complaint_target": ""}, "x"),
    ({}, "x"),                                        # nothing changed
])
def test_a_bad_correction_is_refused_and_changes_nothing(staff, facts, reason):
    case = bullying_at_school()
    before = (case.responsible, list(case.categories), case.kind, case.danger_now)
    with pytest.raises(InvalidInput):
        case_facts.correct(staff["ombudsman"], case, facts, reason)
    assert (case.responsible, list(case.categories), case.kind, case.danger_now) == before
    assert not db.session.scalars(select(CaseStep).where(CaseStep.action == "correct")).all()


def test_the_ombudsman_adds_a_guardianship_notice_by_hand(staff):
    case = bullying_at_school()
    item = checklist.add_guardianship_notice(staff["ombudsman"], case)
    assert item.rule == "R10.3" and item.automatic and len(alerts("alert.R10.3")) == 1


# --- on the case page ------------------------------------------------------------------------

def _committed_case(app):
    with app.app_context():
        gen_directory("75")
        case = bullying_at_school()
        db.session.commit()
        return case.id


def _post(client, url, **fields):
    from tests.helpers import csrf_token

    token = csrf_token(client.get("/admin/").get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **fields}, follow_redirects=True)


FACTS = {"kind": "appeal", "categories": ["bullying", "violence"], "responsible": "parent_cohabiting",
         "responsible_details": "Әкесі", "danger_now": "y", "occurred_when": "", "occurred_where": ""}


def test_the_ombudsman_corrects_the_facts_on_the_case_page(app, login):
    case_id = _committed_case(app)
    client = login("ombudsman75")
    page = client.get(f"/admin/case/details/?id={case_id}").get_data(as_text=True)
    assert 'data-action="correct"' in page and 'data-action="add-child"' in page
    url = f"/admin/case/facts/?id={case_id}"
    body = _post(client, url, **FACTS, reason="").get_data(as_text=True)
    assert 'data-testid="form-errors"' in body
    body = _post(client, url, **FACTS, reason=REASON).get_data(as_text=True)
    assert "The case is corrected." in body and 'data-rule="R10.3"' in body
    assert "Facts corrected" in body and "Who is responsible: A school" in body and REASON in body
    assert "Әкесі" not in body.split('data-testid="timeline"')[1]  # the person's name: not on the timeline


def test_children_are_managed_on_the_case_page(app, login):
    case_id = _committed_case(app)
    client = login("ombudsman75")
    body = _post(client, f"/admin/case/child/add/?id={case_id}", age="5", sex="boy", reason="Інісі де бар.")
    assert "The case is corrected." in body.get_data(as_text=True)
    with app.app_context():
        from models import Case

        children = db.session.get(Case, case_id).children
        assert [c.age for c in children] == [10, 5]
        second = children[1].id
    _post(client, f"/admin/case/child/remove/?id={case_id}&child={second}", reason="Қате.")
    with app.app_context():
        from models import Case

        assert [c.age for c in db.session.get(Case, case_id).children] == [10]


@pytest.mark.parametrize("who", ["akimat75", "committee"])
def test_others_cannot_correct(app, login, who):
    case_id = _committed_case(app)
    client = login(who)
    assert 'data-action="correct"' not in client.get(f"/admin/case/details/?id={case_id}").get_data(as_text=True)
    body = html.unescape(_post(client, f"/admin/case/facts/?id={case_id}", **FACTS, reason=REASON).get_data(as_text=True))
    assert "Only the regional ombudsman or the Commissioner's office corrects a case." in body
    with app.app_context():
        from models import Case

        assert db.session.get(Case, case_id).responsible == "education_org"
