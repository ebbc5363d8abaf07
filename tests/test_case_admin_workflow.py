"""Case handling through the admin screens [R6.2], [R6.3], [R10], [R11].

Everything goes through the test client with real CSRF tokens: every workflow step and
checklist action of the ombudsman of the region; every refusal (other roles, another
region by URL, a wrong state) with a clear message and no change; the three checklist
scenarios as the case page shows them; the work queue; the staff entry of a phone case.
"""
import html
import re
from datetime import date, datetime, time, timedelta
from io import BytesIO

import pytest
from sqlalchemy import func, select

from extensions import db
from models import AuditEvent, Case, CaseStep, ChecklistItem, OutboxMessage, StoredFile
from services.cases import add_reporter_message
from models.base import utcnow
from services import case_workflow as workflow
from services import escalation
from services.cases import find_by_receipt
from services.deadlines import KZ_TZ, now_local
from services.users import find_by_email
from tests.factories import gen_case, gen_directory
from tests.helpers import csrf_token, gen_user
from tests.upload_samples import PLAIN_PDF

PDF = PLAIN_PDF  # a real PDF: uploads are rewritten by pypdf, an unreadable one refused
CHILD = {"age": 9, "sex": "boy", "name": "Нұрлан Ахметов", "iin": "170305500014", "school": "№40 мектеп"}
REPORTER = {"reporter_name": "Сәуле Ахметова", "reporter_phone": "+77015550011",
            "reporter_email": "saule.akhmetova@example.kz"}
IDENTITY = (CHILD["name"], CHILD["iin"], CHILD["school"], *REPORTER.values())

ONLY_OMBUDSMAN = "Only the regional ombudsman handles cases."
WRONG_STATE = "This step is not possible in the case's current state."
ACTION_ATTR = re.compile(r'data-action="([a-z_]+)"')
STAFF = {
    "ombudsman75": ("ombudsman", "75"), "ombudsman71": ("ombudsman", "71"),
    "akimat75": ("akimat_admin", "75"), "committee": ("committee", None),
    "commissioner": ("commissioner", None), "superadmin": ("superadmin", None),
}

# The measures go on after the answer: it goes with the reason [R10], [R11].
REASON = "Шаралар жауаптан кейін жалғасады."


# --- helpers ------------------------------------------------------------------------------

@pytest.fixture
def people(app):
    with app.app_context():
        return {key: gen_user(role, region).email for key, (role, region) in STAFF.items()}


@pytest.fixture
def directory(app):
    """The partner organizations of 75 (and 71, whose crisis centre 75 must never offer)."""
    with app.app_context():
        orgs = {region: {k: o.id for k, o in gen_directory(region).items()} for region in ("75", "71")}
        db.session.commit()
        return orgs


def make_case(app, directory, region="75", started=False, **overrides):
    """A registered case, submitted through the services; returns its id."""
    with app.app_context():
        overrides.setdefault("reporter_email", REPORTER["reporter_email"])
        overrides.setdefault("reporter_name", REPORTER["reporter_name"])
        overrides.setdefault("reporter_phone", REPORTER["reporter_phone"])
        case, _code = gen_case(region=region, children=(CHILD,), **overrides)
        if case.state == "received":  # until submit_case registers by itself
            workflow.register(case)
        if started:
            workflow.start(_ombudsman(region), case)
        db.session.commit()
        return case.id


def _ombudsman(region):
    return find_by_email(f"ombudsman.{region}@test.kz")


def load(app, case_id):
    """The case as the database holds it now (state, checklist, steps)."""
    with app.app_context():
        case = db.session.get(Case, case_id)
        steps = [s.action for s in db.session.scalars(
            select(CaseStep).where(CaseStep.case_id == case_id).order_by(CaseStep.id))]
        items = [(i.id, i.rule, i.status, i.required) for i in case.checklist]
        return {"state": case.state, "outcome": case.outcome, "steps": steps, "items": items,
                "deadline": case.deadline, "police": case.police_confirmed_on,
                "messages": [(m.body, m.internal, m.is_final_answer) for m in case.messages]}


def item_id(app, case_id, rule, nth=0):
    return [i for i, r, _s, _req in load(app, case_id)["items"] if r == rule][nth]


def text(response):
    return html.unescape(response.get_data(as_text=True))


def details(client, case_id):
    response = client.get(f"/admin/case/details/?id={case_id}")
    assert response.status_code == 200
    return text(response)


def post(client, url, fields=None, files=None, follow=True):
    """POST like a browser: a CSRF token of the session, multipart with any files."""
    data = {"csrf_token": csrf_token(client.get("/admin/").get_data(as_text=True)), **(fields or {})}
    for name, items in (files or {}).items():
        data[name] = [(BytesIO(content), filename) for content, filename in items]
    return client.post(url, data=data, content_type="multipart/form-data", follow_redirects=follow)


def step(client, case_id, action, **fields):
    return post(client, f"/admin/case/step/{action}/?id={case_id}", fields)


def item_action(client, case_id, item, action, files=None, **fields):
    return post(client, f"/admin/case/item/{action}/?id={case_id}&item={item}", fields, files)


def step_buttons(body):
    section = body.split('data-testid="step-buttons"', 1)
    return set(ACTION_ATTR.findall(section[1].split("</div>", 1)[0])) if len(section) == 2 else set()


def checklist_rows(body):
    """rule → list of (data attributes) of the checklist table's rows, in order."""
    rows = re.findall(r'<tr id="item-(\d+)" data-item="\d+" data-rule="([^"]+)" data-status="([a-z_]+)"\s*'
                      r'data-required="(true|false)" data-overdue="(true|false)"', body)
    return [{"id": int(i), "rule": r, "status": s, "required": req == "true", "overdue": o == "true"}
            for i, r, s, req, o in rows]


def row_html(body, item):
    start = body.index(f'id="item-{item}"')
    return body[start:body.index("</tr>", start)]


def count(app, model, *where):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


# --- the case page --------------------------------------------------------------------------

def test_ombudsman_sees_the_steps_checklist_and_message_box(app, login, directory):
    case_id = make_case(app, directory)
    body = details(login("ombudsman75"), case_id)
    assert step_buttons(body) == {"start", "answer", "forward", "reject", "extend", "confirm_police"}
    assert 'data-testid="checklist"' in body and 'data-testid="message-form"' in body
    assert 'data-testid="add-conversation"' in body
    assert 'data-testid="case-language" data-language="kk">Қазақша' in body
    for value in IDENTITY:
        assert value in body, value


@pytest.mark.parametrize("who", ["commissioner", "superadmin", "committee", "akimat75"])
def test_other_roles_see_the_workflow_read_only(app, people, login, directory, who):
    case_id = make_case(app, directory, responsible="parent_cohabiting")
    with app.app_context():  # a message to the reporter: a notice goes to their e-mail
        workflow.send_message(_ombudsman("75"), db.session.get(Case, case_id), "Құрметті Сәуле Ахметова!")
        db.session.commit()
    body = details(login(who), case_id)
    assert step_buttons(body) == set()
    assert 'data-testid="read-only"' in body
    assert 'data-testid="message-form"' not in body and 'data-testid="add-conversation"' not in body
    rows = checklist_rows(body)
    assert [r["rule"] for r in rows] == ["R10.1", "R10.2", "R10.2", "R10.3"]
    assert "/admin/case/item/" not in body and "/admin/case/step/" not in body
    timeline = body[body.index('data-testid="timeline"'):]
    assert 'data-kind="alert" data-key="alert.R10.3"' in timeline
    if who in ("committee", "akimat75"):
        for value in IDENTITY:  # not the child, not the reporter's contacts, not in the alerts
            assert value not in body, value
        assert "the reporter (hidden)" in timeline and 'data-testid="message-hidden"' in timeline
        assert "Құрметті" not in body  # the letter names its addressee
    else:
        assert REPORTER["reporter_email"] in timeline and "Құрметті Сәуле Ахметова!" in timeline


def test_viewing_identity_is_audited_and_hidden_views_are_not(app, login, directory):
    case_id = make_case(app, directory)
    details(login("ombudsman75"), case_id)
    details(login("committee"), case_id)
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "case.view_identity", AuditEvent.object_id == str(case_id))).all()
    assert len(events) == 1


# --- every workflow step ----------------------------------------------------------------------

def test_every_step_from_start_to_closing(app, login, directory):
    case_id = make_case(app, directory, responsible="parent_cohabiting", categories=["violence"])
    client = login("ombudsman75")

    assert "Done: Start work." in text(step(client, case_id, "start", note="Took it up"))
    assert load(app, case_id)["state"] == "in_progress"
    assert step_buttons(details(client, case_id)) == {"answer", "forward", "reject", "extend", "confirm_police"}

    form = text(client.get(f"/admin/case/step/extend/?id={case_id}"))
    assert 'data-testid="extend-limits"' in form
    new_due = load(app, case_id)["deadline"] + timedelta(days=7)
    step(client, case_id, "extend", new_due=new_due.isoformat(), reason="Waiting for the school's documents")
    assert load(app, case_id)["deadline"] == new_due

    step(client, case_id, "confirm_police", confirmed_on="2026-11-20", reference="КУИ №1234")
    state = load(app, case_id)
    assert state["police"] == date(2026, 11, 20)
    assert [r for _i, r, _s, _req in state["items"] if r.startswith("R11")] == [
        "R11.1", "R11.2", "R11.3", "R11.4", "R11.5", "R11.6", "R11.7"]
    assert "confirm_police" not in step_buttons(details(client, case_id))

    form = text(client.get(f"/admin/case/step/answer/?id={case_id}"))
    assert 'data-testid="answer-language" data-language="kk"' in form and "Answer in: Қазақша" in form
    step(client, case_id, "answer", body="Жауап: қорғаншылық органы мен полиция хабардар етілді.",
         open_items_reason=REASON)
    state = load(app, case_id)
    assert state["state"] == "answered"
    assert ("Жауап: қорғаншылық органы мен полиция хабардар етілді.", False, True) in state["messages"]
    assert step_buttons(details(client, case_id)) == {"close"}

    form = text(client.get(f"/admin/case/step/close/?id={case_id}"))
    for outcome in ("restored_fully", "restored_partly", "not_restored"):
        assert f'value="{outcome}"' in form
    assert 'value="forwarded"' not in form and 'value="rejected"' not in form
    body = text(step(client, case_id, "close", outcome="restored_partly", note=""))
    state = load(app, case_id)
    assert state["state"] == "closed" and state["outcome"] == "restored_partly"
    assert state["steps"] == ["register", "start", "extend", "confirm_police", "answer", "close"]
    assert "Rights restored partly" in body and 'data-testid="no-steps"' in body
    timeline = body[body.index('data-testid="timeline"'):]
    for action in state["steps"]:
        assert f'data-kind="step" data-key="{action}"' in timeline
    assert 'data-testid="final-answer"' in timeline
    with app.app_context():
        notices = db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.topic == "case.reporter_notice", OutboxMessage.object_id == str(case_id))).all()
    # The extension and the answer are told to the reporter, by a notice without content.
    assert len(notices) == 2 and all(m.recipients == [REPORTER["reporter_email"]] for m in notices)


def test_forwarding_outside_competence(app, login, directory):
    case_id = make_case(app, directory)
    client = login("ombudsman75")
    form = text(client.get(f"/admin/case/step/forward/?id={case_id}"))
    assert 'data-testid="forward-due"' in form
    body = text(step(client, case_id, "forward", to_body="Алматы қ. білім басқармасы", note=""))
    state = load(app, case_id)
    assert state["state"] == "forwarded" and state["outcome"] == "forwarded"
    assert any("Алматы қ. білім басқармасы" in m for m, internal, _f in state["messages"] if not internal)
    assert step_buttons(body) == set()


def test_rejection_with_a_reason(app, login, directory):
    case_id = make_case(app, directory)
    client = login("ombudsman75")
    body = text(step(client, case_id, "reject", reason=""))
    assert 'data-testid="form-errors"' in body and load(app, case_id)["state"] == "registered"
    step(client, case_id, "reject", reason="Баланың құқықтары туралы емес.")
    state = load(app, case_id)
    assert state["state"] == "rejected" and state["outcome"] == "rejected"


def test_extension_beyond_two_months_is_refused_with_the_reason(app, login, directory):
    case_id = make_case(app, directory)
    client = login("ombudsman75")
    deadline = load(app, case_id)["deadline"]
    body = text(step(client, case_id, "extend", new_due=(deadline + timedelta(days=90)).isoformat(), reason="x"))
    assert "The term can be extended to 2 months from receipt at most." in body
    assert load(app, case_id)["deadline"] == deadline


# --- refusals -------------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["akimat75", "committee", "commissioner", "superadmin"])
def test_other_roles_cannot_take_steps_or_touch_the_checklist(app, login, directory, who):
    case_id = make_case(app, directory)
    conversation = item_id(app, case_id, "R10.2")
    client = login(who)
    files_before = count(app, StoredFile)

    response = client.get(f"/admin/case/step/start/?id={case_id}", follow_redirects=True)
    assert ONLY_OMBUDSMAN in text(response)
    body = text(step(client, case_id, "start", note="x"))
    assert ONLY_OMBUDSMAN in body
    body = text(item_action(client, case_id, conversation, "done", held_on="2026-11-24",
                            note="Talked", files={"files": [(PDF, "evidence.pdf")]}))
    assert ONLY_OMBUDSMAN in body
    body = text(post(client, f"/admin/case/conversation/?id={case_id}", {"person": "Ағасы"}))
    assert ONLY_OMBUDSMAN in body
    body = text(post(client, f"/admin/case/message/?id={case_id}", {"body": "Hello"}))
    assert "Only the ombudsman of the region writes in a case." in body

    state = load(app, case_id)
    assert state["state"] == "registered" and state["steps"] == ["register"]
    assert all(status == "open" for _i, _r, status, _req in state["items"])
    assert len(state["items"]) == 3 and state["messages"] == []
    assert count(app, StoredFile) == files_before  # refused before the upload was read


def test_ombudsman_of_another_region_gets_not_found_and_changes_nothing(app, login, directory):
    case_id = make_case(app, directory)
    conversation = item_id(app, case_id, "R10.2")
    client = login("ombudsman71")
    assert client.get(f"/admin/case/step/start/?id={case_id}").status_code == 404
    assert step(client, case_id, "start").status_code == 404
    assert client.get(f"/admin/case/item/done/?id={case_id}&item={conversation}").status_code == 404
    assert item_action(client, case_id, conversation, "done", held_on="2026-11-24", note="x").status_code == 404
    assert post(client, f"/admin/case/message/?id={case_id}", {"body": "x"}).status_code == 404
    assert post(client, f"/admin/case/conversation/?id={case_id}", {"person": "x"}).status_code == 404
    # Its own case with the 75 case's item id: not found either.
    own = make_case(app, directory, region="71")
    assert client.get(f"/admin/case/item/done/?id={own}&item={conversation}").status_code == 404
    state = load(app, case_id)
    assert state["state"] == "registered" and state["steps"] == ["register"] and state["messages"] == []
    assert all(status == "open" for _i, _r, status, _req in state["items"])


def test_the_final_answer_shows_the_report_and_waits_for_a_reason_while_items_are_open(
        app, login, directory):
    """[R10], [R11] guard rail: open required items are listed on the answer form; without a
    reason the answer is refused and nothing is sent; with one it goes, the reason kept."""
    case_id = make_case(app, directory, started=True)
    client = login("ombudsman75")
    form = text(client.get(f"/admin/case/step/answer/?id={case_id}"))
    assert 'data-testid="open-items"' in form and "R10.2" in form.split('data-testid="open-items"')[1]
    assert 'data-testid="answer-report"' in form and 'name="open_items_reason"' in form
    body = text(step(client, case_id, "answer", body="Жауап."))
    assert 'data-testid="form-errors"' in body
    state = load(app, case_id)
    assert state["state"] == "in_progress" and state["messages"] == []
    step(client, case_id, "answer", body="Жауап.", open_items_reason=REASON)
    with app.app_context():
        case = db.session.get(Case, case_id)
        assert case.state == "answered" and case.steps[-1].note == REASON


def test_wrong_state_is_refused_with_a_clear_message(app, login, directory):
    case_id = make_case(app, directory)
    client = login("ombudsman75")
    body = text(step(client, case_id, "close", outcome="restored_fully"))
    assert WRONG_STATE in body and load(app, case_id)["state"] == "registered"
    step(client, case_id, "answer", body="Жауап.", open_items_reason=REASON)
    body = text(step(client, case_id, "start"))
    assert WRONG_STATE in body and load(app, case_id)["state"] == "answered"
    body = text(step(client, case_id, "close", outcome="forwarded"))  # not a closing outcome
    assert load(app, case_id)["state"] == "answered" and 'data-testid="form-errors"' in body
    assert client.get(f"/admin/case/step/nonsense/?id={case_id}").status_code == 404


def test_police_confirmation_is_recorded_once(app, login, directory):
    case_id = make_case(app, directory, started=True)
    client = login("ombudsman75")
    step(client, case_id, "confirm_police", confirmed_on="2026-11-20", reference="КУИ 1")
    body = text(step(client, case_id, "confirm_police", confirmed_on="2026-11-21", reference="КУИ 2"))
    assert "The police confirmation is already recorded." in body
    assert load(app, case_id)["police"] == date(2026, 11, 20)


def test_a_finished_case_keeps_its_checklist(app, login, directory):
    case_id = make_case(app, directory)
    client = login("ombudsman75")
    step(client, case_id, "reject", reason="Not about a child's rights.")
    conversation = item_id(app, case_id, "R10.2")
    body = text(item_action(client, case_id, conversation, "done", held_on="2026-11-24", note="x"))
    assert "The checklist of a finished case cannot be changed." in body
    assert 'data-testid="add-conversation"' not in details(client, case_id)


# --- checklist actions ----------------------------------------------------------------------

def test_conversation_done_with_date_summary_and_evidence(app, login, directory):
    case_id = make_case(app, directory, started=True)
    conversation = item_id(app, case_id, "R10.2")
    client = login("ombudsman75")
    form = text(client.get(f"/admin/case/item/done/?id={case_id}&item={conversation}"))
    assert 'name="held_on"' in form and 'name="note"' in form and 'name="files"' in form
    assert 'name="reference"' not in form and 'name="organization"' not in form

    body = text(item_action(client, case_id, conversation, "done", held_on="", note=""))
    assert 'data-testid="form-errors"' in body
    body = text(item_action(client, case_id, conversation, "done", held_on="2026-11-24",
                            note="Заң бойынша жауапкершілік түсіндірілді.",
                            files={"files": [(PDF, "Әңгіме хаттамасы.pdf")]}))
    row = row_html(body, conversation)
    assert 'data-status="done"' in row and "Заң бойынша жауапкершілік түсіндірілді." in row
    assert "Әңгіме хаттамасы.pdf" in row and "/admin/case/evidence/" in row
    assert 'data-action="done"' not in row
    evidence = re.search(r'/admin/case/evidence/\?id=\d+&evidence=(\d+)', body).group(1)
    download = client.get(f"/admin/case/evidence/?id={case_id}&evidence={evidence}")
    assert download.status_code == 200 and download.data == PDF
    timeline = body[body.index('data-testid="timeline"'):]
    assert 'data-kind="checklist" data-key="R10.2"' in timeline and "Әңгіме хаттамасы.pdf" in timeline

    # The committee sees that it was done, not the file's name, and cannot download it.
    committee = login("committee")
    hidden = details(committee, case_id)
    assert "Әңгіме хаттамасы.pdf" not in hidden and "file 1" in row_html(hidden, conversation)
    assert "/admin/case/evidence/" not in hidden
    assert committee.get(f"/admin/case/evidence/?id={case_id}&evidence={evidence}").status_code == 403

    # Done is done: a second POST is refused.
    body = text(item_action(client, case_id, conversation, "done", held_on="2026-11-25", note="again"))
    assert "This item is already closed." in body


def test_adding_a_person_for_a_preventive_conversation(app, login, directory):
    case_id = make_case(app, directory)
    client = login("ombudsman75")
    body = text(post(client, f"/admin/case/conversation/?id={case_id}", {"person": "Сынып жетекшісі"}))
    rows = [r for r in checklist_rows(body) if r["rule"] == "R10.2"]
    assert len(rows) == 3 and "Сынып жетекшісі" in row_html(body, rows[-1]["id"])
    body = text(post(client, f"/admin/case/conversation/?id={case_id}", {"person": "  "}))
    assert "Say whom the conversation is with." in body
    assert len([r for r in checklist_rows(body) if r["rule"] == "R10.2"]) == 3


def test_an_alert_cannot_be_set_aside(app, login, directory):
    case_id = make_case(app, directory)
    alert = item_id(app, case_id, "R10.1")
    client = login("ombudsman75")
    assert 'data-action="set_aside"' not in row_html(details(client, case_id), alert)
    body = text(item_action(client, case_id, alert, "set_aside", reason="other", note="Not needed"))
    assert "Only a conversation or a measure can be set aside." in body
    assert dict((i, s) for i, _r, s, _req in load(app, case_id)["items"])[alert] == "open"


def test_the_conversation_with_parents_who_reported_is_set_aside_and_never_escalates(app, login, directory):
    """Scenario (c): the parents themselves reported; the conversation with them is set aside
    with that reason, shows as such, and no digest ever names it."""
    case_id = make_case(app, directory)
    parents = item_id(app, case_id, "R10.2")
    client = login("ombudsman75")
    assert 'data-action="set_aside"' in row_html(details(client, case_id), parents)
    body = text(item_action(client, case_id, parents, "set_aside", reason="unreachable", note=""))
    assert "Say what was tried, or why it is set aside." in body
    body = text(item_action(client, case_id, parents, "set_aside", reason="reporter"))
    row = row_html(body, parents)
    assert 'data-status="not_applicable"' in row and 'data-reason="reporter"' in row
    assert "The person is the reporter" in row
    with app.app_context():
        item = db.session.get(ChecklistItem, parents)
        item.due_at = utcnow() - timedelta(days=3)  # long past: it would be overdue if it were open
        db.session.commit()
        _reminders, digests = escalation.run()
        db.session.commit()
        bodies = " ".join(m.body for m in db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.topic == "digest")))
        assert "R10.2" not in bodies


def test_messages_to_the_reporter_and_internal_notes(app, login, directory):
    case_id = make_case(app, directory)
    client = login("ombudsman75")
    post(client, f"/admin/case/message/?id={case_id}", {"body": "Құжаттарды жіберіңізші."})
    body = text(post(client, f"/admin/case/message/?id={case_id}",
                     {"body": "Мектеп директорына қоңырау шалу керек.", "internal": "y"}))
    assert load(app, case_id)["messages"] == [("Құжаттарды жіберіңізші.", False, False),
                                              ("Мектеп директорына қоңырау шалу керек.", True, False)]
    timeline = body[body.index('data-testid="timeline"'):]
    assert 'data-kind="message" data-key="office"' in timeline
    assert 'data-kind="message" data-key="internal"' in timeline and 'data-testid="internal"' in timeline
    with app.app_context():
        notices = db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.topic == "case.reporter_notice", OutboxMessage.object_id == str(case_id))).all()
    assert len(notices) == 1  # the internal note tells the reporter nothing
    body = text(post(client, f"/admin/case/message/?id={case_id}", {"body": ""}))
    assert "Write a message of 1 to 10,000 characters." in body
    assert len(load(app, case_id)["messages"]) == 2


# --- the three scenarios of the rules, as the page shows them ---------------------------------

def test_neglect_by_a_teacher_shows_no_r10_3(app, login, directory):
    case_id = make_case(app, directory, responsible="education_org", categories=["neglect"])
    body = details(login("ombudsman75"), case_id)
    rows = checklist_rows(body)
    assert [r["rule"] for r in rows] == ["R10.1", "R10.2", "R10.2"]
    assert all(r["required"] for r in rows)
    with app.app_context():  # the person reported: the school (in the language it was registered in)
        person = db.session.get(ChecklistItem, rows[2]["id"]).person
    assert person and person in row_html(body, rows[2]["id"])
    timeline = body[body.index('data-testid="timeline"'):]
    assert 'data-key="alert.R10.1"' in timeline and 'data-key="alert.R10.3"' not in timeline


def test_violence_by_a_father_living_with_the_child_shows_r10_3_with_its_alert(app, login, directory):
    case_id = make_case(app, directory, responsible="parent_cohabiting", categories=["violence"])
    client = login("ombudsman75")
    body = details(client, case_id)
    rows = checklist_rows(body)
    assert [r["rule"] for r in rows] == ["R10.1", "R10.2", "R10.2", "R10.3"]
    alert_row = body[body.index('data-kind="alert" data-key="alert.R10.3" data-status="pending"'):]
    alert_row = alert_row[:alert_row.index("</tr>")]
    assert "opeka.75@test.kz" in alert_row and "police.75@test.kz" in alert_row
    r10_3 = rows[-1]["id"]
    assert {"done", "reference"} <= set(ACTION_ATTR.findall(row_html(body, r10_3)))

    # The reference numbers the guardianship authority and the police gave.
    body = text(item_action(client, case_id, r10_3, "reference", reference="ПОЛ-123 / ОП-45"))
    assert "ПОЛ-123 / ОП-45" in row_html(body, r10_3)
    # Done by hand (the alert went by phone), it needs the references: kept from above.
    body = text(item_action(client, case_id, r10_3, "done", reference="ПОЛ-123 / ОП-45", note="By phone"))
    assert 'data-status="done"' in row_html(body, r10_3)


def test_police_confirmation_with_the_child_in_danger_requires_r11_2_and_r11_7(app, login, directory):
    case_id = make_case(app, directory, started=True, responsible="parent_cohabiting",
                        categories=["violence"], danger_now=True)
    client = login("ombudsman75")
    step(client, case_id, "confirm_police", confirmed_on="2026-11-20", reference="КУИ №1234")
    body = details(client, case_id)
    rows = {r["rule"]: r for r in checklist_rows(body) if r["rule"].startswith("R11")}
    assert list(rows) == ["R11.1", "R11.2", "R11.3", "R11.4", "R11.5", "R11.6", "R11.7"]
    assert rows["R11.2"]["required"] and rows["R11.7"]["required"]
    assert not rows["R11.5"]["required"]
    assert 'data-action="set_aside"' in row_html(body, rows["R11.7"]["id"])  # with a reason the rules allow

    # [R11.7] offers the placement organizations of the region's directory only.
    placement = rows["R11.7"]["id"]
    form = text(client.get(f"/admin/case/item/done/?id={case_id}&item={placement}"))
    crisis75, ngo75 = directory["75"]["crisis_centre"], directory["75"]["ngo"]
    crisis71 = directory["71"]["crisis_centre"]
    assert f'value="{crisis75}"' in form
    assert f'value="{crisis71}"' not in form and f'value="{ngo75}"' not in form
    assert 'value=""' not in form.split('name="organization"')[1].split("</select>")[0]  # required
    body = text(item_action(client, case_id, placement, "done", organization=str(crisis71), note="x"))
    assert 'data-testid="form-errors"' in body
    body = text(item_action(client, case_id, placement, "done", organization=str(crisis75),
                            note="Бала дағдарыс орталығына орналастырылды."))
    assert "Дағдарыс орталығы" in row_html(body, placement) and 'data-status="done"' in row_html(body, placement)

    # [R11.5]: set aside with a reason.
    optional = rows["R11.5"]["id"]
    body = text(item_action(client, case_id, optional, "set_aside", reason=""))
    assert 'data-testid="form-errors"' in body
    body = text(item_action(client, case_id, optional, "set_aside", reason="other", note="No inspection is planned."))
    row = row_html(body, optional)
    assert 'data-status="not_applicable"' in row and "No inspection is planned." in row


def test_overdue_items_are_marked_in_text_and_colour(app, login, directory):
    case_id = make_case(app, directory)
    alert = item_id(app, case_id, "R10.1")
    with app.app_context():
        db.session.get(ChecklistItem, alert).due_at = utcnow() - timedelta(hours=2)
        db.session.commit()
    body = details(login("committee"), case_id)
    row = row_html(body, alert)
    assert 'data-overdue="true"' in row and "table-danger" in row and "Overdue" in row
    others = [r for r in checklist_rows(body) if r["id"] != alert]
    assert not any(r["overdue"] for r in others)


# --- the work queue ---------------------------------------------------------------------------

def _late_today():
    today = now_local().date()
    return datetime.combine(today, time(23, 59, 30), tzinfo=KZ_TZ)


def queue_section(body, key):
    """The (case id, rule) pairs of a queue section, in order."""
    start = body.find(f'data-testid="queue-{key}"')
    if start < 0:
        return []
    part = body[start:body.index("</table>", start)]
    rows = re.findall(r'data-case="(\d+)" data-number="[^"]+" data-rule="([^"]+)"', part)
    return [(int(c), rule) for c, rule in rows]


@pytest.fixture
def queue_cases(app, people, directory):
    """Cases in each section of the queue, in 75 and in 71."""
    now = utcnow()
    ids = {
        "overdue_item": make_case(app, directory),
        "overdue_case": make_case(app, directory, started=True),
        "due_today": make_case(app, directory, started=True),
        "urgent": make_case(app, directory, started=True, danger_now=True),
        "new": make_case(app, directory),
        "closed": make_case(app, directory),
        "answered": make_case(app, directory),
        "other_region": make_case(app, directory, region="71", danger_now=True),
    }
    with app.app_context():
        far = now + timedelta(days=3)
        for item in db.session.scalars(select(ChecklistItem)):
            item.due_at = far  # nothing is due unless a test says so
        for key in ("overdue_item", "other_region"):
            db.session.get(ChecklistItem, item_id(app, ids[key], "R10.1")).due_at = now - timedelta(hours=1)
        db.session.get(ChecklistItem, item_id(app, ids["due_today"], "R10.2")).due_at = max(
            _late_today(), now + timedelta(seconds=5))
        overdue = db.session.get(Case, ids["overdue_case"])
        overdue.due_on = now_local().date() - timedelta(days=1)
        db.session.get(Case, ids["due_today"]).due_on = now_local().date()
        closed = db.session.get(Case, ids["closed"])
        workflow.answer(_ombudsman("75"), closed, "Жауап.", open_items_reason=REASON)
        workflow.close(_ombudsman("75"), closed, "restored_fully")
        for key in ("closed", "answered"):  # a conversation not held in time
            db.session.get(ChecklistItem, item_id(app, ids[key], "R10.2")).due_at = now - timedelta(hours=1)
        workflow.answer(_ombudsman("75"), db.session.get(Case, ids["answered"]), "Жауап.", open_items_reason=REASON)
        db.session.commit()
    return ids


def test_queue_of_the_ombudsman(app, login, queue_cases):
    ids = queue_cases
    response = login("ombudsman75").get("/admin/queue/")
    assert response.status_code == 200
    body = text(response)
    overdue = queue_section(body, "overdue")
    assert (ids["overdue_item"], "R10.1") in overdue and (ids["overdue_case"], "deadline") in overdue
    assert (ids["answered"], "R10.2") in overdue  # the checklist is work until the case is closed
    due_today = queue_section(body, "due_today")
    assert (ids["due_today"], "R10.2") in due_today and (ids["due_today"], "deadline") in due_today
    assert (ids["overdue_case"], "deadline") not in due_today
    assert [c for c, _r in queue_section(body, "urgent")] == [ids["urgent"]]
    new = [c for c, _r in queue_section(body, "new")]
    assert ids["new"] in new and ids["overdue_item"] in new and ids["urgent"] not in new
    every = {c for key in ("overdue", "due_today", "urgent", "new") for c, _r in queue_section(body, key)}
    assert ids["other_region"] not in every and ids["closed"] not in every
    for value in IDENTITY:
        assert value not in body
    assert f'href="/admin/case/details/?id={ids["urgent"]}"' in body


def test_queue_puts_urgent_cases_first(app, login, directory):
    ordinary = make_case(app, directory)
    urgent = make_case(app, directory, danger_now=True)
    body = text(login("ombudsman75").get("/admin/queue/"))
    new = [c for c, _r in queue_section(body, "new")]
    assert new.index(urgent) < new.index(ordinary)  # the urgent one came later, yet is first


@pytest.mark.parametrize("who", ["commissioner", "superadmin", "committee"])
def test_national_queue_covers_every_region_with_a_region_column(app, login, queue_cases, who):
    body = text(login(who).get("/admin/queue/"))
    overdue = queue_section(body, "overdue")
    assert (queue_cases["other_region"], "R10.1") in overdue and (queue_cases["overdue_item"], "R10.1") in overdue
    assert "Astana" in body and "Region" in body
    urgent = [c for c, _r in queue_section(body, "urgent")]
    assert set(urgent) == {queue_cases["urgent"], queue_cases["other_region"]}
    for value in IDENTITY:
        assert value not in body


def test_a_reporters_new_message_is_at_the_top_of_the_case_and_in_the_queue(app, login, directory):
    """Guard rail: the reporter's message waits for a reply in plain sight until the office
    answers them (an internal note is no answer)."""
    case_id = make_case(app, directory)
    client = login("ombudsman75")
    assert 'data-testid="reporter-waiting"' not in details(client, case_id)
    with app.app_context():
        add_reporter_message(db.session.get(Case, case_id), "Мектеп әлі жауап бермеді.")
        db.session.commit()
    waiting = lambda: [c for c, _r in queue_section(text(client.get("/admin/queue/")), "messages")]  # noqa: E731
    assert 'data-testid="reporter-waiting"' in details(client, case_id) and waiting() == [case_id]
    post(client, f"/admin/case/message/?id={case_id}", {"body": "Тексеру керек.", "internal": "y"})
    assert waiting() == [case_id]
    post(client, f"/admin/case/message/?id={case_id}", {"body": "Хатыңыз алынды, тексереміз."})
    assert 'data-testid="reporter-waiting"' not in details(client, case_id) and waiting() == []


def test_akimat_has_no_queue(app, login):
    assert login("akimat75").get("/admin/queue/").status_code == 403


# --- staff entry of a case from another channel --------------------------------------------------

PHONE_CASE = {
    "channel": "phone", "language": "ru", "kind": "appeal", "complaint_target": "",
    "categories": ["violence", "neglect"], "responsible": "parent_cohabiting", "danger_now": "y",
    "description": "Звонила соседка: отчим бьёт мальчика, ребёнок часто плачет на лестнице.",
    "child1-age": "8", "child1-birth_year": "", "child1-sex": "boy", "child1-name": "Тимур",
    "child1-iin": "", "child1-school": "", "reporter_type": "neighbour", "reporter_name": "Гульмира",
    "reporter_phone": "+77017770000", "reporter_email": "", "consent": "y",
}


def test_ombudsman_enters_a_phone_case(app, login, people):
    client = login("ombudsman75")
    assert "/admin/case/new/" in text(client.get("/admin/case/"))
    form = text(client.get("/admin/case/new/"))
    assert 'data-testid="case-entry-form"' in form and 'value="web"' not in form
    response = post(client, "/admin/case/new/", PHONE_CASE, follow=False)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    code = re.search(r'data-testid="receipt-code" data-code="(\d{16})"', text(response)).group(1)
    with app.app_context():
        case = find_by_receipt(code)
        assert case.channel == "phone" and case.region_code == "75" and case.language == "ru"
        assert case.state == "registered" and case.urgent and case.entered_by_id is not None
        assert case.consent_given_at is not None
        assert [i.rule for i in case.checklist] == ["R10.1", "R10.2", "R10.2", "R10.3"]
        assert case.children[0].name == "Тимур" and case.reporter_phone == "+77017770000"
        case_id = case.id
    body = details(client, case_id)
    assert "Phone" in body and "Русский" in body
    # The code is shown once: it is stored only as a hash.
    assert code not in body


def test_case_entry_checks_its_fields(app, login, people):
    client = login("ombudsman75")
    before = count(app, Case)
    body = text(post(client, "/admin/case/new/", {**PHONE_CASE, "child1-age": "", "consent": ""}))
    assert "Give the child's age or year of birth." in body
    assert "record the reporter's consent" in body
    body = text(post(client, "/admin/case/new/", {**PHONE_CASE, "kind": "complaint", "child1-iin": "123"}))
    assert "Say which body, organization or official the complaint is about." in body
    assert "This IIN is not valid" in body
    body = text(post(client, "/admin/case/new/", {**PHONE_CASE, "channel": "web"}))
    assert 'data-testid="form-errors"' in body
    assert count(app, Case) == before


@pytest.mark.parametrize("who", ["akimat75", "committee", "commissioner", "superadmin"])
def test_only_the_ombudsman_enters_cases(app, login, who):
    client = login(who)
    assert "/admin/case/new/" not in text(client.get("/admin/case/"))
    before = count(app, Case)
    body = text(post(client, "/admin/case/new/", PHONE_CASE))
    assert "Only the regional ombudsman enters cases." in body
    assert count(app, Case) == before


def test_an_alert_done_by_hand_says_how(app, login, directory):
    case_id = make_case(app, directory)
    alert = item_id(app, case_id, "R10.1")
    client = login("ombudsman75")
    body = text(item_action(client, case_id, alert, "done", note=""))
    assert 'data-testid="form-errors"' in body
    body = text(item_action(client, case_id, alert, "done", note="Told the akim's office by phone."))
    assert 'data-status="done"' in row_html(body, alert)


# --- what the reporter sees at /status ----------------------------------------------------------

def _status_page(app, code):
    client = app.test_client()
    form = client.get("/status?lang=en").get_data(as_text=True)
    client.post("/status", data={"csrf_token": csrf_token(form), "code": code})
    return text(client.get("/status"))


def test_internal_notes_never_reach_the_reporter(app, login, people, directory):
    with app.app_context():
        case, code = gen_case(children=(CHILD,))
        if case.state == "received":
            workflow.register(case)
        db.session.commit()
        case_id = case.id
    client = login("ombudsman75")
    post(client, f"/admin/case/message/?id={case_id}", {"body": "Бізге құжаттарды жіберіңіз."})
    post(client, f"/admin/case/message/?id={case_id}", {"body": "INTERNAL: the father is known to police.",
                                                        "internal": "y"})
    status = _status_page(app, code)
    assert "Бізге құжаттарды жіберіңіз." in status
    assert "INTERNAL: the father is known to police." not in status


def test_evidence_of_a_wrong_type_is_refused_and_nothing_is_saved(app, login, directory):
    case_id = make_case(app, directory)
    conversation = item_id(app, case_id, "R10.2")
    client = login("ombudsman75")
    files_before = count(app, StoredFile)
    body = text(item_action(client, case_id, conversation, "done", held_on="2026-11-24", note="Talked",
                            files={"files": [(b"MZ\x90\x00 not a pdf at all", "protocol.pdf")]}))
    assert "This file type is not accepted." in body
    assert dict((i, s) for i, _r, s, _req in load(app, case_id)["items"])[conversation] == "open"
    assert count(app, StoredFile) == files_before


def test_police_confirmation_after_closing_asks_why_the_case_reopens(app, login, directory):
    case_id = make_case(app, directory, started=True)
    client = login("ombudsman75")
    step(client, case_id, "answer", body="Жауап берілді.", open_items_reason=REASON)
    step(client, case_id, "close", outcome="restored_fully")
    assert 'data-action="confirm_police"' in details(client, case_id)
    form = text(client.get(f"/admin/case/step/confirm_police/?id={case_id}"))
    assert 'name="reopen_reason"' in form
    body = text(step(client, case_id, "confirm_police", confirmed_on=now_local().date().isoformat(),
                     reference="КУИ № 9"))
    assert 'data-testid="form-errors"' in body and load(app, case_id)["state"] == "closed"
    step(client, case_id, "confirm_police", confirmed_on=now_local().date().isoformat(), reference="КУИ № 9",
         reopen_reason="Полиция бұзушылықты растады.")
    case = load(app, case_id)
    assert case["state"] == "answered" and case["steps"][-2:] == ["reopen", "confirm_police"]
    assert "R11.1" in [rule for _i, rule, _s, _r in case["items"]]
