"""Terms by kind of case, counted as e-Otinish counts them, and due dates that follow the
settings and the working-day calendar (issue 15, scenario d)."""
import html
import re
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from extensions import db
from models import CalendarOverride, Case, CaseStep, OutboxMessage
from services import escalation, settings, terms, work_queue
from services.deadlines import KZ_TZ, now_local
from tests.factories import gen_case
from tests.helpers import admin_form_data, csrf_token


def almaty(*args):
    """A moment given in Almaty time."""
    return datetime(*args, tzinfo=KZ_TZ)


THURSDAY_1717 = almaty(2022, 5, 26, 17, 17)
THURSDAY_1845 = almaty(2022, 5, 26, 18, 45)


def test_an_appeal_received_on_thursday_26_may_2022_is_due_on_15_june_as_in_e_otinish(app_ctx):
    assert terms.answer_due(THURSDAY_1717, "appeal") == date(2022, 6, 15)


def test_a_receipt_after_18_30_counts_from_the_next_working_day(app_ctx):
    # Friday 27 May is then the first of the 15 working days.
    assert terms.answer_due(THURSDAY_1845, "appeal") == date(2022, 6, 16)
    assert terms.answer_due(almaty(2022, 5, 26, 18, 29), "appeal") == date(2022, 6, 15)


@pytest.mark.parametrize("kind, due", [
    ("complaint", date(2022, 6, 22)),            # 20 working days
    ("proposal", date(2022, 6, 15)),             # 15 working days
    ("request_information", date(2022, 6, 9)),   # 15 calendar days, 26 May the first
    ("media_request", date(2022, 6, 1)),         # 7 calendar days
])
def test_each_kind_has_its_own_term(app_ctx, kind, due):
    assert terms.answer_due(THURSDAY_1717, kind) == due


def test_a_calendar_term_ending_on_a_day_off_ends_on_the_next_working_day(app_ctx):
    # Received Monday 23 May 2022: day 7 of a media request is Sunday 29 May.
    assert terms.answer_due(almaty(2022, 5, 23, 10, 0), "media_request") == date(2022, 5, 30)


def test_the_complaint_term_comes_from_its_setting(app_ctx, people):
    settings.store("term_complaint", "10", people["superadmin"])
    assert terms.answer_due(THURSDAY_1717, "complaint") == date(2022, 6, 8)


def test_counting_from_the_day_after_receipt_is_a_setting(app_ctx, people):
    settings.store("receipt_day_counts", "false", people["superadmin"])
    assert terms.answer_due(THURSDAY_1717, "appeal") == date(2022, 6, 16)


def test_forwarding_has_its_own_due_date(app_ctx):
    case, _code = gen_case()
    case.received_at = THURSDAY_1717
    terms.set_due_dates(case)
    assert case.forward_due_on == date(2022, 5, 30)  # 26, 27 and 30 May


def _open_complaint():
    case, _code = gen_case(kind="complaint", complaint_target="Аудан әкімдігі")
    case.received_at = almaty(2026, 12, 3, 10, 0)  # Thursday
    terms.set_due_dates(case)
    db.session.flush()
    return case


def test_changing_a_term_in_the_settings_screen_moves_open_cases_with_a_timeline_step(app, login, people):
    with app.app_context():
        case = _open_complaint()
        db.session.commit()
        case_id, before = case.id, case.due_on
    client = login("superadmin")
    url = "/admin/setting/edit/?key=term_complaint&lang=en"
    page = client.get(url).get_data(as_text=True)
    assert "Basis:" in page and "e-Otinish" in page
    response = client.post(url, data={"csrf_token": csrf_token(page), "value": "25"}, follow_redirects=True)
    assert "The due date of 1 open case was recomputed." in response.get_data(as_text=True)
    with app.app_context():
        moved = db.session.get(type(case), case_id)
        assert moved.due_on == terms.calendar().add_working_days(before, 5)
        [step] = db.session.scalars(select(CaseStep).where(CaseStep.case_id == case_id,
                                                           CaseStep.action == "deadline")).all()
        assert step.details["due_on"] == [before.isoformat(), moved.due_on.isoformat()]
        assert step.details["reason"] == "term_complaint"
    html = login("ombudsman75").get(f"/admin/case/details/?id={case_id}").get_data(as_text=True)
    assert "Due dates recomputed" in html and "answer due" in html and "Term of a complaint" in html


def test_a_day_off_added_to_the_calendar_moves_open_cases(app, login, people):
    with app.app_context():
        case = _open_complaint()
        db.session.commit()
        case_id, before = case.id, case.due_on
    client = login("superadmin")
    url = "/admin/calendar/new/?lang=en"
    form = admin_form_data(client.get(url).get_data(as_text=True))
    form.update(day="2026-12-08", kind="holiday", note="Transferred day off")
    response = client.post(url, data=form, follow_redirects=True)
    assert "was recomputed" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(CalendarOverride).where(CalendarOverride.day == date(2026, 12, 8)))
        moved = db.session.get(type(case), case_id)
        assert moved.due_on == terms.calendar().add_working_days(before, 1)
        step = db.session.scalar(select(CaseStep).where(CaseStep.case_id == case_id, CaseStep.action == "deadline"))
        assert step.details["reason"] == "calendar"


def test_answered_cases_keep_their_due_dates(app_ctx, people):
    case = _open_complaint()
    case.state = "answered"
    before = case.due_on
    settings.store("term_complaint", "30", people["superadmin"])
    assert terms.recompute_open_cases(people["superadmin"], "term_complaint") == 0
    assert case.due_on == before


# --- staff intake as it arrives (scenario e), and the forwarding term at work ------------------

LETTER = {
    "channel": "letter", "language": "ru", "kind": "complaint", "complaint_target": "Отдел образования",
    "categories": ["education"], "description": "Письмо родителей: ребёнку третий месяц не дают место в школе.",
    "responsible": "local_executive", "responsible_details": "Начальник отдела образования",
    "incoming_number": "ВХ-2026-0412", "sender": "Аппарат акима района",
    "child1-age": "7", "child1-sex": "girl", "child2-birth_year": "2016", "child2-sex": "boy",
    "reporter_type": "parent",
}


def _enter(client, **fields):
    from tests.helpers import csrf_token as token

    data = {"csrf_token": token(client.get("/admin/case/new/").get_data(as_text=True)), **LETTER, **fields}
    return client.post("/admin/case/new/?lang=en", data=data)


def test_a_letter_entered_with_last_weeks_date_and_its_number_counts_from_that_date(app, login):
    received = now_local().date() - timedelta(days=7)
    response = _enter(login("ombudsman75"), received_on=received.isoformat(), received_time="16:40")
    assert response.status_code == 200, response.get_data(as_text=True)
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.incoming_number == "ВХ-2026-0412"))
        assert case.received_at == datetime.combine(received, time(16, 40), tzinfo=KZ_TZ)
        assert case.due_on == terms.answer_due(case.received_at, "complaint")
        assert case.forward_due_on == terms.forward_due(case.received_at)
        assert case.sender == "Аппарат акима района" and case.channel == "letter"
        assert [(c.age, c.birth_year, c.sex) for c in case.children] == [(7, None, "girl"), (None, 2016, "boy")]


@pytest.mark.parametrize("fields, message", [
    ({"received_on": (now_local().date() + timedelta(days=1)).isoformat()}, "The date received cannot be in the future."),
    ({"received_on": (now_local().date() - timedelta(days=400)).isoformat()}, "more than a year ago"),
    ({"received_time": "25:00"}, "Enter a time of day as hours and minutes"),
    ({"responsible": ""}, "Say who is responsible"),
    ({"child1-birth_year": str(now_local().date().year - 20), "child1-age": ""}, "was already an adult"),
])
def test_a_wrong_entry_is_refused_in_words_and_saves_nothing(app, login, fields, message):
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(Case))
    body = _enter(login("ombudsman75"), **fields).get_data(as_text=True)
    assert message in html.unescape(body)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Case)) == before


def test_the_staff_form_preselects_no_responsible_party(login):
    page = login("ombudsman75").get("/admin/case/new/?lang=en").get_data(as_text=True)
    select_html = re.search(r'<select[^>]*id="responsible".*?</select>', page, re.S).group(0)
    assert "selected" not in select_html  # the browser shows the first, empty, choice


def test_a_case_not_started_by_its_forwarding_term_is_in_the_queue_and_escalated(app_ctx, people):
    case = _open_complaint()
    case.forward_due_on = now_local().date() - timedelta(days=1)
    db.session.flush()
    rows = work_queue.sections(people["ombudsman75"])["overdue"]
    assert [(r.number, r.term) for r in rows if r.case_id == case.id] == [(case.registration_number, "forward")]
    _reminders, digests = escalation.run()
    digest = db.session.scalars(select(OutboxMessage).where(OutboxMessage.topic == "digest")).one()
    assert case.registration_number in digest.body and "office@" not in digest.body
    assert settings_commissioner() in digest.recipients
    workflow_start(case, people)
    assert not [r for r in work_queue.sections(people["ombudsman75"])["overdue"] if r.case_id == case.id]


def test_a_term_about_to_end_is_reminded_once(app_ctx, people):
    case = _open_complaint()
    case.due_on, case.forward_due_on = now_local().date() + timedelta(days=1), now_local().date() + timedelta(days=9)
    db.session.flush()
    assert escalation.send_term_reminders() == 1
    assert escalation.send_term_reminders() == 0
    reminder = db.session.scalars(select(OutboxMessage).where(OutboxMessage.topic == "reminder")).one()
    assert reminder.recipients == [people["ombudsman75"].email]
    assert not re.search(r"\d{4}-\d{2}-\d{2}", reminder.body)  # the date in words


def settings_commissioner():
    from flask import current_app

    return current_app.config["COMMISSIONER_EMAIL"]


def workflow_start(case, people):
    from services import case_workflow

    case_workflow.start(people["ombudsman75"], case)
