"""Appointments of regional ombudsmen through the admin screens [R4].

Everything goes through the test client with real CSRF tokens: the whole path from the
proposal to the dismissal, the buttons each role sees, uploads, list filters, region
isolation by URL and export, editing only drafts, and the overview of the 20 regions.
"""
import html
import itertools
import json
import re
from datetime import UTC, date, datetime, timedelta
from io import BytesIO
from urllib.parse import quote

import pytest
from sqlalchemy import func, select, update

from extensions import db
from models import Appointment, OutboxMessage, StoredFile
from services import appointments as service
from services.users import find_by_email
from tests.helpers import PASSWORD, AuthActions, csrf_token, gen_user
from tests.upload_samples import PLAIN_PDF

PDF = PLAIN_PDF  # a real PDF: uploads are rewritten by pypdf, an unreadable one refused
CYRILLIC_NAME = "Келісім хаты №318.pdf"
NOT_ACCEPTED = "This file type is not accepted. Send a PDF, JPEG or PNG file."
NOT_FOR_YOU = "This step is not possible for you in the appointment's current state."
NO_RECORD = "Record does not exist."
ACTION_ATTR = re.compile(r'data-action="([a-z_]+)"')
STEP_ATTR = re.compile(r'data-step="([a-z_]+)"')
REGION_ATTR = re.compile(r'data-region="(\d+)"')

STAFF = {
    "superadmin": ("superadmin", None),
    "commissioner": ("commissioner", None),
    "committee": ("committee", None),
    "akimat75": ("akimat_admin", "75"),
    "ombudsman75": ("ombudsman", "75"),
    "akimat71": ("akimat_admin", "71"),
    "ombudsman71": ("ombudsman", "71"),
}

# The service calls that bring a new draft to each state, in order.
PATH = (
    ("request_consent", {}),
    ("grant_consent", {"number": "04-12/318", "letter_date": date(2025, 1, 20)}),
    ("record_order", {"number": "15-ө", "order_date": date(2025, 2, 3)}),
    ("request_dismissal", {"reason": "Moved to another city"}),
    ("grant_dismissal", {"number": "04-12/900", "letter_date": date(2025, 6, 2)}),
    ("record_dismissal", {"number": "88-ө", "order_date": date(2025, 6, 10)}),
)
STEPS_TO = {"draft": 0, "consent_requested": 1, "consent_granted": 2, "active": 3,
            "dismissal_requested": 4, "dismissal_consented": 5, "dismissed": 6}
_emails = itertools.count(1)


# --- helpers ------------------------------------------------------------------------------

@pytest.fixture
def people(app):
    """Every staff role, committed; returns their e-mails."""
    with app.app_context():
        return {key: gen_user(role, region).email for key, (role, region) in STAFF.items()}


@pytest.fixture
def login(app):
    """A fresh client logged in as ``email``: one client per person, as in real life."""
    def login(email, password=PASSWORD):
        client = app.test_client()
        response = AuthActions(client).login(email, password)
        assert response.status_code == 302, html.unescape(response.get_data(as_text=True))
        return client
    return login


def make_appointment(app, region, state="draft", name="Айгерім Сәрсенова"):
    """An appointment brought to ``state`` by the services; returns its id."""
    with app.app_context():
        akimat = find_by_email(f"akimat_admin.{region}@test.kz") or gen_user("akimat_admin", region)
        commissioner = find_by_email("commissioner.kz@test.kz") or gen_user("commissioner")
        appointment = service.propose(akimat, region, full_name=name,
                                      email=f"appointee{next(_emails)}@test.kz")
        for action, arguments in PATH[:STEPS_TO[state]]:
            actor = commissioner if action.startswith(("grant", "refuse")) else akimat
            service.ACTIONS[action](actor, appointment, **arguments)
        db.session.commit()
        assert appointment.state == state
        return appointment.id


def text(response):
    """The page as the reader sees it (entities such as &#39; decoded)."""
    return html.unescape(response.get_data(as_text=True))


def actions(response):
    assert response.status_code == 200, response.status_code
    return set(ACTION_ATTR.findall(response.get_data(as_text=True)))


def details(client, appointment_id):
    return client.get(f"/admin/appointment/details/?id={appointment_id}&lang=en")


def any_token(client):
    """A CSRF token of the client's session (the logout form of the admin home has one)."""
    return csrf_token(client.get("/admin/").get_data(as_text=True))


def multipart(token, fields, files):
    data = {"csrf_token": token, **fields}
    for name, (content, filename) in (files or {}).items():
        data[name] = (BytesIO(content), filename)
    return data


def submit(client, url, fields=None, files=None):
    """Open a form page, then post it back with its CSRF token (multipart, like a browser)."""
    page = client.get(url)
    assert page.status_code == 200, (url, page.status_code)
    data = multipart(csrf_token(page.get_data(as_text=True)), fields or {}, files)
    return client.post(url, data=data, content_type="multipart/form-data", follow_redirects=True)


def step(client, appointment_id, action, files=None, **fields):
    return submit(client, f"/admin/appointment/step/{action}/?id={appointment_id}&lang=en", fields, files)


def force_step(client, appointment_id, action, files=None, **fields):
    """POST a step without opening its page first (as a crafted request would)."""
    data = multipart(any_token(client), fields, files)
    return client.post(f"/admin/appointment/step/{action}/?id={appointment_id}&lang=en", data=data,
                       content_type="multipart/form-data", follow_redirects=True)


def load(app, appointment_id):
    """The appointment's columns as a dict, read fresh from the database."""
    with app.app_context():
        appointment = db.session.get(Appointment, appointment_id)
        return {c.key: getattr(appointment, c.key) for c in Appointment.__table__.columns}


def stored_files(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(StoredFile))


# --- the whole path ---------------------------------------------------------------------------

def test_whole_path_through_the_screens(app, people, login):
    akimat, commissioner = login(people["akimat75"]), login(people["commissioner"])

    # The akimat proposes a candidate through the Create form.
    response = submit(akimat, "/admin/appointment/new/?lang=en", {
        "full_name": "Айгерім Сәрсенова", "iin": "", "phone": "+7 701 000 00 00",
        "email": "new.ombudsman@test.kz", "workplace": "№ 12 мектеп-гимназия", "note": ""})
    assert response.status_code == 200
    with app.app_context():
        appointment_id = db.session.scalar(select(Appointment.id).where(
            Appointment.email == "new.ombudsman@test.kz"))
    assert appointment_id is not None, text(response)
    assert load(app, appointment_id)["state"] == "draft"
    assert load(app, appointment_id)["region_code"] == "75"

    assert actions(details(akimat, appointment_id)) == {"withdraw", "request_consent"}
    response = step(akimat, appointment_id, "request_consent", note="Please consent")
    assert "Done: Request the Commissioner's consent." in text(response)
    assert response.request.path == "/admin/appointment/details/"
    assert load(app, appointment_id)["state"] == "consent_requested"

    # The Commissioner's office is alerted; the alert shows on the details page.
    page = details(commissioner, appointment_id)
    assert actions(page) == {"grant_consent", "refuse_consent"}
    body = text(page)
    assert 'data-alert="appointment.consent_requested"' in body
    assert people["commissioner"] in body and app.config["COMMISSIONER_EMAIL"] in body

    # The Commissioner grants consent with the scanned letter (a Cyrillic file name).
    response = step(commissioner, appointment_id, "grant_consent", number="04-12/318",
                    date="2025-01-20", note="", files={"file": (PDF, CYRILLIC_NAME)})
    assert "Done: Grant consent." in text(response)
    row = load(app, appointment_id)
    assert row["state"] == "consent_granted" and row["consent_number"] == "04-12/318"
    assert row["consent_date"] == date(2025, 1, 20) and row["consent_file_id"] is not None

    # Both sides download it, byte for byte, under its original name.
    assert 'data-file="consent_file"' in text(details(akimat, appointment_id))
    for client in (commissioner, akimat):
        download = client.get(f"/admin/appointment/file/consent_file/?id={appointment_id}")
        assert download.status_code == 200
        assert download.data == PDF and download.mimetype == "application/pdf"
        disposition = download.headers["Content-Disposition"]
        assert disposition.startswith("attachment")
        assert f"filename*=UTF-8''{quote(CYRILLIC_NAME)}" in disposition

    # The akim's order makes the appointment active and gives the ombudsman a login.
    assert actions(details(akimat, appointment_id)) == {"record_order"}
    response = step(akimat, appointment_id, "record_order", number="15-ө", date="2025-02-03")
    assert "Done: Record the akim's order." in text(response)
    assert load(app, appointment_id)["state"] == "active"

    with app.app_context():
        bodies = db.session.scalars(select(OutboxMessage.body).where(
            OutboxMessage.topic == "ombudsman_access",
            OutboxMessage.recipients.any("new.ombudsman@test.kz"))).all()
    assert len(bodies) == 1
    link = re.search(r"/password/set/[\w.\-]+", bodies[0]).group(0)
    ombudsman = app.test_client()
    new_password = "a-long-new-password-42"
    response = submit(ombudsman, link, {"password": new_password, "confirm": new_password})
    assert response.request.path == "/login"
    ombudsman = login("new.ombudsman@test.kz", new_password)
    assert ombudsman.get("/admin/").status_code == 200
    assert actions(details(ombudsman, appointment_id)) == set()

    # Dismissal: the akimat asks, the Commissioner consents, the akimat records the order.
    assert actions(details(akimat, appointment_id)) == {"request_dismissal"}
    response = step(akimat, appointment_id, "request_dismissal", reason="Moved to another city")
    assert load(app, appointment_id)["state"] == "dismissal_requested", text(response)
    assert actions(details(commissioner, appointment_id)) == {"grant_dismissal", "refuse_dismissal"}
    response = step(commissioner, appointment_id, "grant_dismissal", number="04-12/900",
                    date="2025-06-02", files={"file": (PDF, "dismissal.pdf")})
    assert load(app, appointment_id)["state"] == "dismissal_consented", text(response)
    assert ombudsman.get("/admin/").status_code == 200  # still in office until the order

    response = step(akimat, appointment_id, "record_dismissal", number="88-ө", date="2025-06-10")
    assert "Done: Record the dismissal order." in text(response)
    assert load(app, appointment_id)["state"] == "dismissed"

    # The dismissed ombudsman is locked out at once, and cannot log in again.
    locked_out = ombudsman.get("/admin/")
    assert locked_out.status_code == 302 and locked_out.headers["Location"].startswith("/login")
    again = AuthActions(app.test_client()).login("new.ombudsman@test.kz", new_password)
    assert again.status_code != 302
    with app.app_context():
        assert find_by_email("new.ombudsman@test.kz").is_enabled is False

    # The timeline holds every step, in order.
    page = details(commissioner, appointment_id)
    assert STEP_ATTR.findall(page.get_data(as_text=True)) == [
        "propose", "request_consent", "grant_consent", "record_order", "request_dismissal",
        "grant_dismissal", "record_dismissal"]
    assert actions(page) == set()


def test_refusing_consent_through_the_screen(app, people, login):
    appointment_id = make_appointment(app, "75", "consent_requested")
    commissioner = login(people["commissioner"])
    response = step(commissioner, appointment_id, "refuse_consent", number="04-12/5",
                    date="2025-02-01", reason="The candidate works in the akimat")
    assert response.status_code == 200
    assert "Done: Refuse consent." in text(response)
    row = load(app, appointment_id)
    assert row["state"] == "consent_refused"
    assert row["refusal_reason"] == "The candidate works in the akimat"


def test_step_form_errors_are_shown_and_nothing_changes(app, people, login):
    appointment_id = make_appointment(app, "75", "consent_requested")
    commissioner = login(people["commissioner"])
    response = step(commissioner, appointment_id, "grant_consent", number="", date="")
    assert response.status_code == 200 and response.request.path.endswith("/grant_consent/")
    assert 'class="form-control is-invalid"' in text(response)
    assert load(app, appointment_id)["state"] == "consent_requested"


# --- uploads ----------------------------------------------------------------------------------

def test_text_file_named_pdf_is_refused_and_nothing_saved(app, people, login):
    appointment_id = make_appointment(app, "75", "consent_requested")
    commissioner = login(people["commissioner"])
    response = step(commissioner, appointment_id, "grant_consent", number="04-12/318",
                    date="2025-01-20", files={"file": (b"just some text, not a PDF\n", "letter.pdf")})
    assert response.status_code == 200
    assert NOT_ACCEPTED in text(response)
    row = load(app, appointment_id)
    assert row["state"] == "consent_requested"
    assert row["consent_number"] is None and row["consent_file_id"] is None
    assert stored_files(app) == 0


def test_file_over_the_size_limit_is_refused(app, people, login, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_MAX_MB", 1)
    appointment_id = make_appointment(app, "75", "consent_requested")
    commissioner = login(people["commissioner"])
    too_big = PDF + b"0" * (1024 * 1024)
    response = step(commissioner, appointment_id, "grant_consent", number="04-12/318",
                    date="2025-01-20", files={"file": (too_big, "big.pdf")})
    assert "The file is larger than 1 MB." in text(response)
    assert load(app, appointment_id)["state"] == "consent_requested"
    assert stored_files(app) == 0


# --- who sees which button --------------------------------------------------------------------

@pytest.mark.parametrize("state,expected", [
    ("draft", {"akimat75": {"withdraw", "request_consent"}}),
    ("consent_requested", {"commissioner": {"grant_consent", "refuse_consent"}}),
    ("consent_granted", {"akimat75": {"record_order"}}),
    ("active", {"akimat75": {"request_dismissal"}}),
    ("dismissal_requested", {"commissioner": {"grant_dismissal", "refuse_dismissal"}}),
    ("dismissal_consented", {"akimat75": {"record_dismissal"}}),
    ("dismissed", {}),
])
def test_details_show_only_the_buttons_the_user_may_press(app, people, login, state, expected):
    appointment_id = make_appointment(app, "75", state)
    for who in ("superadmin", "commissioner", "committee", "akimat75", "ombudsman75"):
        page = details(login(people[who]), appointment_id)
        assert actions(page) == expected.get(who, set()), who
        if not expected.get(who):
            assert 'data-testid="no-steps"' in page.get_data(as_text=True), who


def test_timeline_and_alert_rows(app, people, login):
    appointment_id = make_appointment(app, "75", "consent_granted")
    body = text(details(login(people["committee"]), appointment_id))
    assert STEP_ATTR.findall(body) == ["propose", "request_consent", "grant_consent"]
    assert "Grant consent" in body and "Consent granted" in body
    assert "20.01.2025" in body and "2025-01-20" not in body  # one local date format
    assert re.search(r'data-alert="appointment.consent_requested" data-status="pending"', body)
    assert re.search(r'data-alert="appointment.consent_granted" data-status="pending"', body)
    assert people["akimat75"] in body  # the akimat is told of the consent


# --- refusals through the screens ----------------------------------------------------------------

def test_akimat_admin_cannot_grant_consent(app, people, login):
    appointment_id = make_appointment(app, "75", "consent_requested")
    akimat = login(people["akimat75"])
    response = akimat.get(f"/admin/appointment/step/grant_consent/?id={appointment_id}&lang=en",
                          follow_redirects=True)
    assert NOT_FOR_YOU in text(response)
    response = force_step(akimat, appointment_id, "grant_consent", number="1", date="2025-01-20",
                          files={"file": (PDF, "letter.pdf")})
    assert NOT_FOR_YOU in text(response)
    assert response.request.path == "/admin/appointment/details/"
    assert load(app, appointment_id)["state"] == "consent_requested"
    assert stored_files(app) == 0


@pytest.mark.parametrize("who", ["committee", "ombudsman75", "superadmin"])
def test_read_only_roles_cannot_post_a_step(app, people, login, who):
    appointment_id = make_appointment(app, "75", "consent_requested")
    client = login(people[who])
    response = force_step(client, appointment_id, "grant_consent", number="1", date="2025-01-20",
                          files={"file": (PDF, "letter.pdf")})
    assert NOT_FOR_YOU in text(response)
    assert load(app, appointment_id)["state"] == "consent_requested"
    assert stored_files(app) == 0
    response = force_step(client, appointment_id, "withdraw")
    assert load(app, appointment_id)["state"] == "consent_requested"


def test_step_in_the_wrong_state_is_refused(app, people, login):
    appointment_id = make_appointment(app, "75", "draft")
    akimat = login(people["akimat75"])
    response = force_step(akimat, appointment_id, "record_order", number="1", date="2025-01-20")
    assert NOT_FOR_YOU in text(response)
    assert load(app, appointment_id)["state"] == "draft"


def test_unknown_step_or_malformed_id_is_not_found(app, people, login):
    appointment_id = make_appointment(app, "75", "draft")
    akimat = login(people["akimat75"])
    assert akimat.get(f"/admin/appointment/step/delete_everything/?id={appointment_id}").status_code == 404
    for url in ("/admin/appointment/step/withdraw/?id=abc", "/admin/appointment/step/withdraw/",
                "/admin/appointment/file/consent_file/?id=1x", "/admin/appointment/step/withdraw/?id=²"):
        assert akimat.get(url).status_code == 404, url
    for url in ("/admin/appointment/details/?id=abc", "/admin/appointment/edit/?id=abc"):
        response = akimat.get(url + "&lang=en", follow_redirects=True)
        assert response.status_code == 200 and NO_RECORD in text(response), url


# --- region isolation ---------------------------------------------------------------------------

def test_other_region_is_invisible_by_list_url_file_and_export(app, people, login):
    name = "Гүлнар Оспанова"
    appointment_id = make_appointment(app, "75", "consent_requested", name=name)
    with app.app_context():
        stored = StoredFile(original_name="letter.pdf", content_type="application/pdf", size=len(PDF),
                            sha256="0" * 64, data=PDF, region_code="75")
        db.session.add(stored)
        db.session.flush()
        db.session.execute(update(Appointment).where(Appointment.id == appointment_id)
                           .values(consent_file_id=stored.id))
        db.session.commit()
    make_appointment(app, "71", "draft", name="Нұрлан Жақыпов")
    intruder = login(people["akimat71"])

    listing = text(intruder.get("/admin/appointment/?lang=en"))
    assert "Нұрлан Жақыпов" in listing and name not in listing
    found = text(intruder.get(f"/admin/appointment/?search={quote(name)}&lang=en"))
    assert f"/admin/appointment/details/?id={appointment_id}&" not in found  # the box echoes the name
    for view in ("details", "edit"):
        response = intruder.get(f"/admin/appointment/{view}/?id={appointment_id}&lang=en",
                                follow_redirects=True)
        body = text(response)
        assert NO_RECORD in body and name not in body, view
    for action in ("grant_consent", "withdraw", "request_consent"):
        url = f"/admin/appointment/step/{action}/?id={appointment_id}&lang=en"
        assert intruder.get(url).status_code == 404
        response = intruder.post(url, data={"csrf_token": any_token(intruder), "note": "x"})
        assert response.status_code == 404 and name not in text(response)
    assert intruder.get(f"/admin/appointment/file/consent_file/?id={appointment_id}").status_code == 404
    assert load(app, appointment_id)["state"] == "consent_requested"

    export = intruder.get("/admin/appointment/export/csv/")
    assert export.status_code == 200 and export.mimetype == "text/csv"
    body = export.get_data(as_text=True)
    assert "Нұрлан Жақыпов" in body and name not in body
    # Even asking for region 75 with a filter returns nothing of it.
    assert name not in intruder.get("/admin/appointment/export/csv/?flt0_0=75").get_data(as_text=True)

    # The ombudsman of region 71 sees nothing of 75 either; national roles see both.
    ombudsman71 = login(people["ombudsman71"])
    assert name not in text(ombudsman71.get("/admin/appointment/?lang=en"))
    assert ombudsman71.get(f"/admin/appointment/file/consent_file/?id={appointment_id}").status_code == 404
    committee_export = login(people["committee"]).get("/admin/appointment/export/csv/").get_data(as_text=True)
    assert name in committee_export and "Нұрлан Жақыпов" in committee_export
    akimat75 = login(people["akimat75"])
    assert akimat75.get(f"/admin/appointment/file/consent_file/?id={appointment_id}").data == PDF
    found = text(akimat75.get(f"/admin/appointment/?search={quote(name)}&lang=en"))
    assert f"/admin/appointment/details/?id={appointment_id}&" in found


def test_export_neutralizes_formulas(app, people, login):
    make_appointment(app, "75", "draft", name='=HYPERLINK("http://evil.example","Click")')
    body = login(people["commissioner"]).get("/admin/appointment/export/csv/").get_data(as_text=True)
    assert "'=HYPERLINK" in body
    assert not re.search(r'(^|,)"?=HYPERLINK', body, re.MULTILINE)


# --- editing ------------------------------------------------------------------------------------

def test_only_a_draft_can_be_edited(app, people, login):
    draft_id = make_appointment(app, "75", "draft", name="Draft Candidate")
    active_id = make_appointment(app, "75", "active", name="Active Ombudsman")
    akimat = login(people["akimat75"])

    listing = akimat.get("/admin/appointment/").get_data(as_text=True)
    assert f"/admin/appointment/edit/?id={draft_id}&" in listing
    assert f"/admin/appointment/edit/?id={active_id}&" not in listing
    assert 'data-action="request_dismissal"' in details(akimat, active_id).get_data(as_text=True)
    assert "/admin/appointment/edit/" not in details(akimat, active_id).get_data(as_text=True)

    before = load(app, active_id)
    url = f"/admin/appointment/edit/?id={active_id}&lang=en"
    response = akimat.get(url, follow_redirects=True)
    assert "Only a draft can be edited." in text(response)
    assert response.request.path == "/admin/appointment/details/"
    response = akimat.post(url, data={
        "csrf_token": any_token(akimat), "full_name": "Someone Else", "email": "else@test.kz"},
        follow_redirects=True)
    assert "Only a draft can be edited." in text(response)
    assert load(app, active_id) == before

    # A draft is edited through the same form.
    response = submit(akimat, f"/admin/appointment/edit/?id={draft_id}&lang=en", {
        "full_name": "Draft Candidate Corrected", "iin": "", "phone": "", "email": "draft@test.kz",
        "workplace": "", "note": ""})
    assert response.status_code == 200
    assert load(app, draft_id)["full_name"] == "Draft Candidate Corrected"


def test_committee_cannot_create_or_edit(app, people, login):
    draft_id = make_appointment(app, "75", "draft", name="Draft Candidate")
    committee = login(people["committee"])
    assert "/admin/appointment/new/" not in committee.get("/admin/appointment/").get_data(as_text=True)
    committee.post("/admin/appointment/new/", data={
        "csrf_token": any_token(committee), "full_name": "Sneaky", "email": "sneaky@test.kz"})
    committee.post(f"/admin/appointment/edit/?id={draft_id}", data={
        "csrf_token": any_token(committee), "full_name": "Changed", "email": "x@test.kz"})
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Appointment)) == 1
    assert load(app, draft_id)["full_name"] == "Draft Candidate"


# --- list filters -------------------------------------------------------------------------------

def filter_args(client):
    """Filter name -> query argument, read from the list page's filter markup."""
    page = client.get("/admin/appointment/?lang=en").get_data(as_text=True)
    data = re.search(r'<div id="filter-groups-data"[^>]*>(.*?)</div>', page, re.DOTALL).group(1)
    groups = json.loads(html.unescape(data))
    return {name: f"flt{position}_{entries[0]['arg']}"
            for position, (name, entries) in enumerate(groups.items())}


def listed(client, query):
    response = client.get(f"/admin/appointment/?{query}&lang=en")
    assert response.status_code == 200, query
    return text(response)


def test_list_filters_by_region_state_and_year(app, people, login):
    make_appointment(app, "75", "draft", name="Candidate Almaty")
    make_appointment(app, "71", "active", name="Ombudsman Astana")
    old_id = make_appointment(app, "79", "consent_requested", name="Candidate Shymkent")
    new_year_id = make_appointment(app, "10", "draft", name="Candidate Abai")
    with app.app_context():
        db.session.execute(update(Appointment).where(Appointment.id == old_id)
                           .values(created_at=datetime(2024, 6, 1, tzinfo=UTC)))
        # 31 December 2023, 20:00 UTC is already 1 January 2024 in Almaty (UTC+5).
        db.session.execute(update(Appointment).where(Appointment.id == new_year_id)
                           .values(created_at=datetime(2023, 12, 31, 20, 0, tzinfo=UTC)))
        db.session.commit()
    commissioner = login(people["commissioner"])
    args = filter_args(commissioner)
    assert set(args) == {"Region", "State", "Year"}
    names = ("Candidate Almaty", "Ombudsman Astana", "Candidate Shymkent", "Candidate Abai")

    def shown(query):
        page = listed(commissioner, query)
        return {name for name in names if name in page}

    assert shown("") == set(names)
    assert shown(f"{args['Region']}=75") == {"Candidate Almaty"}
    assert shown(f"{args['State']}=active") == {"Ombudsman Astana"}
    assert shown(f"{args['Year']}=2024") == {"Candidate Shymkent", "Candidate Abai"}
    assert shown(f"{args['Year']}=2023") == set()
    region, state = args["Region"], args["State"]
    assert shown(f"{region}=79&{state}=consent_requested") == {"Candidate Shymkent"}
    assert shown(f"{region}=79&{state}=draft") == set()
    # Nonsense values are ignored or match nothing; never an error.
    for query in (f"{args['Year']}=abcd", f"{args['Year']}=²²²²", f"{args['Year']}=99999",
                  f"{args['State']}=nonsense", f"{args['Region']}=zz", "flt0_42=1", "flt9_0=75"):
        listed(commissioner, query)


def test_region_filter_offers_only_own_region_to_akimat(app, people, login):
    akimat = login(people["akimat71"])
    page = akimat.get("/admin/appointment/?lang=en").get_data(as_text=True)
    data = json.loads(html.unescape(re.search(
        r'<div id="filter-groups-data"[^>]*>(.*?)</div>', page, re.DOTALL).group(1)))
    assert data["Region"][0]["options"] == [["71", "Astana"]]


# --- the overview of the 20 regions ---------------------------------------------------------------

def _age(app, appointment_id, days):
    with app.app_context():
        db.session.execute(update(Appointment).where(Appointment.id == appointment_id).values(
            state_changed_at=datetime.now(UTC) - timedelta(days=days, hours=1)))
        db.session.commit()


def test_overview_lists_all_regions_pending_first_for_the_commissioner(app, people, login):
    make_appointment(app, "71", "active", name="Нұрлан Жақыпов")
    _age(app, make_appointment(app, "79", "consent_requested", name="Гүлнар Оспанова"), 5)
    _age(app, make_appointment(app, "75", "dismissal_requested", name="Айгерім Сәрсенова"), 2)
    make_appointment(app, "10", "consent_requested", name="Асқар Бекұлы")

    page = text(login(people["commissioner"]).get("/admin/region_overview/?lang=en"))
    order = REGION_ATTR.findall(page)
    assert len(order) == 20 and len(set(order)) == 20
    assert order[:3] == ["79", "75", "10"]
    assert order[3:] == sorted(order[3:])
    assert page.count("Vacant") == 18  # all but 71 and 75, whose ombudsmen are in office
    assert "Нұрлан Жақыпов" in page and "Айгерім Сәрсенова" in page
    assert "5 days waiting" in page and "2 days waiting" in page and "0 days waiting" in page

    committee = text(login(people["committee"]).get("/admin/region_overview/?lang=en"))
    committee_order = REGION_ATTR.findall(committee)
    assert committee_order == sorted(committee_order) and len(committee_order) == 20
    assert committee.count("Vacant") == 18 and "Гүлнар Оспанова" in committee


@pytest.mark.parametrize("who", ["akimat75", "ombudsman75", "akimat71"])
def test_regional_roles_get_403_on_the_overview(people, login, who):
    assert login(people[who]).get("/admin/region_overview/").status_code == 403


def test_overview_links_open_for_the_commissioner(app, people, login):
    appointment_id = make_appointment(app, "71", "active", name="Нұрлан Жақыпов")
    commissioner = login(people["commissioner"])
    page = commissioner.get("/admin/region_overview/?lang=en").get_data(as_text=True)
    assert f"/admin/appointment/details/?id={appointment_id}" in page
    assert details(commissioner, appointment_id).status_code == 200



# --- guard rails -----------------------------------------------------------------------------

def test_a_proposal_lands_on_its_record_and_a_region_in_office_takes_only_a_replacement(app, people, login):
    """[R4] after saving, the proposal itself with its next step; while an ombudsman is in
    office, a proposal is refused at once unless it is their replacement, which it says."""
    akimat = login(people["akimat75"])
    fields = {"full_name": "Дана Бекова", "email": "dana@test.kz"}
    page = submit(akimat, "/admin/appointment/new/?lang=en", fields)
    assert page.request.path == "/admin/appointment/details/" and "request_consent" in actions(page)
    with app.app_context():
        first = db.session.scalar(select(Appointment).where(Appointment.email == "dana@test.kz"))
        for action, arguments in PATH[:STEPS_TO["active"]]:
            actor = find_by_email(people["commissioner"]) if action.startswith("grant") else find_by_email(
                people["akimat75"])
            service.ACTIONS[action](actor, first, **arguments)
        db.session.commit()
    refused = submit(akimat, "/admin/appointment/new/?lang=en", {**fields, "email": "next@test.kz"})
    assert "This region has an ombudsman in office, Дана Бекова" in text(refused)
    with app.app_context():
        assert find_by_email("next@test.kz") is None
        assert db.session.scalar(select(func.count()).select_from(Appointment)) == 1
    page = submit(akimat, "/admin/appointment/new/?lang=en", {**fields, "email": "next@test.kz",
                                                               "replacement": "y"})
    assert page.request.path == "/admin/appointment/details/", re.findall(r'alert[^>]*>([^<]+)', text(page))
    assert "A replacement of Дана Бекова" in text(page)


def test_a_waiting_appointment_says_who_takes_the_next_step(app, people, login):
    appointment_id = make_appointment(app, "75", "consent_requested")
    page = text(details(login(people["committee"]), appointment_id))
    assert "The next step is for: Commissioner" in page
    finished = make_appointment(app, "71", "consent_requested")
    with app.app_context():
        service.ACTIONS["refuse_consent"](find_by_email(people["commissioner"]), db.session.get(
            Appointment, finished), number="04-12/1", letter_date=date(2025, 1, 20), reason="Another candidate.")
        db.session.commit()
    assert "The procedure is over" in text(details(login(people["commissioner"]), finished))
