"""Case handling by the rules: checklist scenarios, workflow steps and refusals [R10], [R11]."""
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from extensions import db
from models import CaseStep, OutboxMessage
from models.base import utcnow
from services import case_workflow as workflow
from services import checklist, escalation
from services.deadlines import KZ_TZ, calendar, now_local
from core.errors import InvalidInput, PermissionDenied, RegionMismatch
from tests.factories import gen_case, gen_directory
from tests.helpers import gen_user

# The measures go on after the answer: it goes with the reason [R10], [R11].
REASON = "Шаралар жауаптан кейін жалғасады."


@pytest.fixture
def staff(app_ctx):
    return {"ombudsman": gen_user("ombudsman", "75"), "ombudsman71": gen_user("ombudsman", "71"),
            "akimat": gen_user("akimat_admin", "75"), "commissioner": gen_user("commissioner")}


def registered(**overrides):
    gen_directory("75")
    case, _code = gen_case(**overrides)
    if case.state == "received":
        workflow.register(case)
    return case


def rules(case):
    return [(item.rule, item.required) for item in case.checklist]


def test_neglect_by_a_teacher_has_no_r10_3(staff):
    case = registered(responsible="education_org", categories=["neglect"])
    assert [r for r, _ in rules(case)] == ["R10.1", "R10.2", "R10.2"]
    alert = case.checklist[0]
    assert alert.automatic and alert.due_at - case.registered_at == timedelta(hours=1)
    messages = db.session.scalars(select(OutboxMessage).where(OutboxMessage.topic == "alert.R10.1")).all()
    assert len(messages) == 1
    to = set(messages[0].recipients)
    assert {"commissioner@demo.kz", "committee@demo.kz", "akimat.75@test.kz",
            staff["akimat"].email} <= to
    assert not db.session.scalars(select(OutboxMessage).where(OutboxMessage.topic == "alert.R10.3")).all()


def test_violence_by_a_father_living_with_the_child_adds_r10_3(staff):
    case = registered(responsible="parent_cohabiting", categories=["violence"])
    assert [r for r, _ in rules(case)] == ["R10.1", "R10.2", "R10.2", "R10.3"]
    item = case.checklist[-1]
    assert item.automatic and item.due_at - case.registered_at == timedelta(hours=1)
    message = db.session.scalars(select(OutboxMessage).where(OutboxMessage.topic == "alert.R10.3")).one()
    assert set(message.recipients) == {"opeka.75@test.kz", "police.75@test.kz"}
    checklist.record_reference(staff["ombudsman"], item, "ПОЛ-123 / ОП-45")
    assert item.reference == "ПОЛ-123 / ОП-45"


def test_police_confirmation_with_the_child_in_danger_requires_all_of_r11(staff):
    case = registered(responsible="parent_cohabiting", categories=["violence"], danger_now=True)
    workflow.start(staff["ombudsman"], case)
    workflow.confirm_police(staff["ombudsman"], case, date(2026, 11, 20), "КУИ №1234")
    r11 = [(rule, required) for rule, required in rules(case) if rule.startswith("R11")]
    assert [r for r, _ in r11] == ["R11.1", "R11.2", "R11.3", "R11.4", "R11.5", "R11.6", "R11.7"]
    required = dict(r11)
    assert required["R11.2"] and required["R11.7"]
    assert not required["R11.5"]
    placement = next(i for i in case.checklist if i.rule == "R11.7")
    with pytest.raises(InvalidInput):
        checklist.complete(staff["ombudsman"], placement, note="placed")
    with pytest.raises(InvalidInput):
        checklist.set_aside(staff["ombudsman"], placement, "no need")  # not a reason the rules allow
    crisis = next(o for o in checklist.placement_organizations("75") if o.type == "crisis_centre")
    checklist.complete(staff["ombudsman"], placement, note="Placed", organization=crisis)
    assert placement.status == "done" and placement.organization is crisis
    with pytest.raises(InvalidInput):
        workflow.confirm_police(staff["ombudsman"], case, date(2026, 11, 20), "again")


def test_police_confirmation_without_danger_makes_r11_2_and_r11_7_optional(staff):
    case = registered(responsible="parent_cohabiting")
    workflow.confirm_police(staff["ombudsman"], case, date(2026, 11, 20), "ref")
    required = dict(rules(case))
    assert not required["R11.2"] and not required["R11.7"]
    item = next(i for i in case.checklist if i.rule == "R11.2")
    with pytest.raises(InvalidInput):
        checklist.set_aside(staff["ombudsman"], item, "other", "")
    checklist.set_aside(staff["ombudsman"], item, "other", "The child lives safely with the mother.")
    assert item.status == "not_applicable" and item.set_aside_reason == "other"


def test_conversation_needs_date_and_summary(staff):
    case = registered()
    conversation = next(i for i in case.checklist if i.rule == "R10.2")
    with pytest.raises(InvalidInput):
        checklist.complete(staff["ombudsman"], conversation, note="talked")
    checklist.complete(staff["ombudsman"], conversation, note="Explained the law.", held_on=date(2026, 11, 24))
    assert conversation.status == "done" and conversation.done_by_id == staff["ombudsman"].id
    extra = checklist.add_conversation(staff["ombudsman"], case, "Сынып жетекшісі")
    assert extra.rule == "R10.2" and extra.person == "Сынып жетекшісі"


def test_full_workflow_to_closing(staff):
    case = registered(reporter_email="parent@test.kz")
    ombudsman = staff["ombudsman"]
    assert workflow.allowed_actions(ombudsman, case) == ["start", "answer", "forward", "reject", "extend",
                                                         "confirm_police"]
    workflow.start(ombudsman, case)
    workflow.extend(ombudsman, case, case.deadline + timedelta(days=10), "Awaiting documents")
    workflow.answer(ombudsman, case, "Жауап: мектепке ұсыныс жіберілді.", open_items_reason=REASON)
    workflow.close(ombudsman, case, "restored_partly")
    assert case.state == "closed" and case.outcome == "restored_partly" and case.closed_at
    actions = [s.action for s in db.session.scalars(select(CaseStep).where(CaseStep.case_id == case.id)
                                                    .order_by(CaseStep.id))]
    assert actions == ["register", "start", "extend", "answer", "close"]
    notices = db.session.scalars(select(OutboxMessage).where(OutboxMessage.topic == "case.reporter_notice")).all()
    assert notices and all(m.recipients == ["parent@test.kz"] for m in notices)
    assert all("Жауап" not in m.body for m in notices)  # a notice, never the content


@pytest.mark.parametrize("who", ["akimat", "commissioner"])
def test_other_roles_cannot_handle_cases(staff, who):
    case = registered()
    with pytest.raises(PermissionDenied):
        workflow.start(staff[who], case)


def test_ombudsman_of_another_region_is_refused(staff):
    case = registered()
    with pytest.raises(RegionMismatch):
        workflow.start(staff["ombudsman71"], case)


def test_wrong_state_is_refused(staff):
    case = registered()
    with pytest.raises(InvalidInput):
        workflow.close(staff["ombudsman"], case, "restored_fully")
    workflow.answer(staff["ombudsman"], case, "Жауап беру.", open_items_reason=REASON)
    with pytest.raises(InvalidInput):
        workflow.start(staff["ombudsman"], case)
    with pytest.raises(InvalidInput):
        workflow.close(staff["ombudsman"], case, "forwarded")  # not a closing outcome


def test_rejection_and_forwarding_need_their_reason_and_body(staff):
    case = registered()
    with pytest.raises(InvalidInput):
        workflow.reject(staff["ombudsman"], case, " ")
    with pytest.raises(InvalidInput):
        workflow.forward(staff["ombudsman"], case, "")
    workflow.forward(staff["ombudsman"], case, "Білім басқармасы")
    assert case.state == "forwarded" and case.outcome == "forwarded"
    assert case.forward_due_on >= case.received_at.date()


def test_extension_is_limited_to_two_months(staff):
    case = registered()
    with pytest.raises(InvalidInput):
        workflow.extend(staff["ombudsman"], case, case.deadline + timedelta(days=90), "too long")
    with pytest.raises(InvalidInput):
        workflow.extend(staff["ombudsman"], case, case.deadline + timedelta(days=5), "")


def test_reporter_can_withdraw_an_open_case(staff):
    case = registered()
    workflow.withdraw_by_reporter(case)
    assert case.state == "withdrawn"
    with pytest.raises(InvalidInput):
        workflow.withdraw_by_reporter(case)


def test_case_steps_are_append_only(staff):
    registered()
    db.session.flush()
    with pytest.raises(DBAPIError):
        with db.session.begin_nested():
            db.session.execute(text("UPDATE case_step SET note = 'x'"))


def test_an_alert_cannot_be_set_aside_but_a_required_conversation_can_with_a_reason(staff):
    case = registered()
    alert, conversation = case.checklist[0], case.checklist[1]
    with pytest.raises(InvalidInput):
        checklist.set_aside(staff["ombudsman"], alert, "other", "not needed")
    checklist.set_aside(staff["ombudsman"], conversation, "reporter")
    assert conversation.required and conversation.status == "not_applicable"


def test_escalation_sends_each_reminder_once(staff):
    case = registered()
    soon = case.checklist[1]
    soon.due_at = soon.created_at + timedelta(hours=2)
    db.session.flush()
    first = escalation.run()
    second = escalation.run()
    assert first[0] == 1 and second[0] == 0
    assert second[1] == 0


def test_overdue_r10_item_escalates_to_commissioner_and_akimat(staff):
    case = registered()
    alert = case.checklist[0]
    alert.due_at = alert.created_at - timedelta(hours=2)
    db.session.flush()
    _reminders, digests = escalation.run()
    assert digests == 1
    digest = db.session.scalars(select(OutboxMessage).where(OutboxMessage.topic == "digest")).one()
    assert "commissioner@demo.kz" in digest.recipients and staff["akimat"].email in digest.recipients
    assert case.registration_number in digest.body
    assert escalation.run()[1] == 0


def test_allowed_actions_are_empty_for_other_roles_and_regions(staff):
    case = registered()
    for who in ("akimat", "commissioner", "ombudsman71"):
        assert workflow.allowed_actions(staff[who], case) == []


@pytest.mark.parametrize("who", ["akimat", "commissioner", "ombudsman71"])
def test_only_the_ombudsman_of_the_region_works_on_the_checklist(staff, who):
    case = registered(responsible="parent_cohabiting")
    conversation, guardianship = case.checklist[1], case.checklist[-1]
    expected = RegionMismatch if who == "ombudsman71" else PermissionDenied
    with pytest.raises(expected):
        checklist.complete(staff[who], conversation, note="x", held_on=date(2026, 11, 24))
    with pytest.raises(expected):
        checklist.add_conversation(staff[who], case, "Ағасы")
    with pytest.raises(expected):
        checklist.record_reference(staff[who], guardianship, "ref")
    with pytest.raises(expected):
        checklist.set_aside(staff[who], conversation, "other", "x")
    assert conversation.status == "open" and guardianship.reference is None


def test_a_finished_case_keeps_its_checklist(staff):
    case = registered()
    workflow.reject(staff["ombudsman"], case, "Not about a child's rights.")
    with pytest.raises(InvalidInput):
        checklist.complete(staff["ombudsman"], case.checklist[1], note="x", held_on=date(2026, 11, 24))
    assert checklist.allowed_item_actions(staff["ombudsman"], case.checklist[1]) == []


def test_placement_only_in_an_organization_of_the_region(staff):
    gen_directory("71")
    case = registered(responsible="parent_cohabiting", danger_now=True)
    workflow.confirm_police(staff["ombudsman"], case, date(2026, 11, 20), "ref")
    placement = next(i for i in case.checklist if i.rule == "R11.7")
    other = next(o for o in checklist.placement_organizations("71") if o.type == "crisis_centre")
    with pytest.raises(InvalidInput):
        checklist.complete(staff["ombudsman"], placement, note="x", organization=other)
    assert placement.status == "open"


def test_automatic_alerts_done_by_hand_say_how(staff):
    case = registered(responsible="parent_cohabiting")
    alert, guardianship = case.checklist[0], case.checklist[-1]
    with pytest.raises(InvalidInput):
        checklist.complete(staff["ombudsman"], alert)
    checklist.complete(staff["ombudsman"], alert, note="Told the akim's office by phone at 10:15.")
    with pytest.raises(InvalidInput):
        checklist.complete(staff["ombudsman"], guardianship, note="By phone")
    checklist.complete(staff["ombudsman"], guardianship, note="By phone", reference="ПОЛ-1 / ОП-2")
    assert alert.status == guardianship.status == "done"
    with pytest.raises(InvalidInput):
        checklist.record_reference(staff["ombudsman"], alert, "not for R10.1")


def test_cases_past_their_deadline_are_found_in_sql(staff):
    late = registered()
    closed = registered()
    on_time = registered()
    today = now_local().date()
    yesterday = today - timedelta(days=1)
    late.due_on = closed.due_on = yesterday
    workflow.answer(staff["ombudsman"], closed, "Жауап.", open_items_reason=REASON)
    workflow.close(staff["ombudsman"], closed, "restored_fully")
    late.extended_due_on = None
    db.session.flush()
    found = escalation.overdue_by_region()["75"]["cases"]
    assert late in found and closed not in found and on_time not in found
    late.extended_due_on = today + timedelta(days=5)  # extended: no longer late
    db.session.flush()
    assert late not in escalation.overdue_by_region().get("75", {"cases": []})["cases"]


def test_open_items_of_an_answered_case_still_escalate(staff):
    case = registered()
    workflow.answer(staff["ombudsman"], case, "Жауап берілді.", open_items_reason=REASON)
    conversation = next(i for i in case.checklist if i.rule == "R10.2")
    conversation.due_at = conversation.created_at - timedelta(hours=1)
    db.session.flush()
    assert escalation.run()[1] == 1


# --- police confirmation at any time (issue 15, scenario b) ----------------------------------

def _answered(staff, **overrides):
    case = registered(**overrides)
    workflow.start(staff["ombudsman"], case)
    workflow.answer(staff["ombudsman"], case, "Жауап: мектеппен сөйлестік.", open_items_reason=REASON)
    return case


def test_police_confirm_a_month_after_the_answer_and_r11_runs_on_its_own_terms(staff):
    case = _answered(staff, responsible="parent_cohabiting", categories=["violence"], danger_now=True)
    case.due_on = now_local().date() - timedelta(days=30)  # the answer's term ended a month ago
    assert "confirm_police" in workflow.allowed_actions(staff["ombudsman"], case)
    workflow.confirm_police(staff["ombudsman"], case, now_local().date(), "КУИ № 4410")
    measures = {item.rule: item for item in case.checklist if item.rule.startswith("R11")}
    assert list(measures) == ["R11.1", "R11.2", "R11.3", "R11.4", "R11.5", "R11.6", "R11.7"]
    assert measures["R11.2"].required and measures["R11.7"].required  # the child is in danger
    # Their own due times, from now, never the answer's deadline a month ago.
    now = utcnow()
    assert all(item.due_at > now for item in measures.values())
    assert measures["R11.7"].due_at - now < timedelta(hours=2)  # "urgent": within the alert time
    assert measures["R11.3"].due_at.astimezone(KZ_TZ).date() == calendar().add_working_days(
        now.astimezone(KZ_TZ).date(), 15)
    assert case.state == "answered"


def test_a_closed_case_reopens_for_r11_with_a_reason_and_the_answer_stays(staff):
    case = _answered(staff)
    workflow.close(staff["ombudsman"], case, "restored_fully")
    answer = [m.body for m in case.messages if m.is_final_answer]
    with pytest.raises(InvalidInput):
        workflow.confirm_police(staff["ombudsman"], case, now_local().date(), "КУИ № 77")  # no reason
    assert case.state == "closed" and case.police_confirmed_on is None
    workflow.confirm_police(staff["ombudsman"], case, now_local().date(), "КУИ № 77",
                            reopen_reason="Полиция растады: шаралар қажет.")
    assert case.state == "answered" and case.closed_at is None and case.outcome is None
    assert [m.body for m in case.messages if m.is_final_answer] == answer
    assert [s.action for s in case.steps][-2:] == ["reopen", "confirm_police"]
    assert any(item.rule == "R11.1" for item in case.checklist)


def test_a_police_confirmation_cannot_be_dated_in_the_future(staff):
    case = registered()
    with pytest.raises(InvalidInput):
        workflow.confirm_police(staff["ombudsman"], case, now_local().date() + timedelta(days=1), "КУИ № 1")


def test_a_delivered_r10_3_notice_without_its_incoming_number_is_in_the_queue_after_3_working_days(staff):
    from services import work_queue

    case = registered(responsible="parent_cohabiting", categories=["violence"])
    notice = next(i for i in case.checklist if i.rule == "R10.3")
    today = now_local().date()
    notice.status, notice.done_at = "done", datetime.combine(
        calendar().subtract_working_days(today, 2), time(10), tzinfo=KZ_TZ)
    db.session.flush()

    def waiting():
        return [r for r in work_queue.sections(staff["ombudsman"])["overdue"] if r.term == "reference"]

    assert waiting() == []  # two working days: still in time
    notice.done_at = datetime.combine(calendar().subtract_working_days(today, 3), time(10), tzinfo=KZ_TZ)
    db.session.flush()
    assert [r.number for r in waiting()] == [case.registration_number]
    checklist.record_reference(staff["ombudsman"], notice, "ПОЛ-123 / ОП-45")
    assert waiting() == []
