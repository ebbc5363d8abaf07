"""The registries besides cases ([R6.4]–[R6.11], [R9], [R12], [R13]) in the admin.

Every registry is created through its admin form by a regional user; a region-71 user
cannot reach a region-75 record by list, URL, delete, export or relation lookup; the
Committee only reads; closed court sessions stay with the ombudsman and the
Commissioner's office; the computed marks follow the dates.
"""
import html
import re
from datetime import date, timedelta
from io import BytesIO

import pytest
from sqlalchemy import func, select

from admin.registries import memorandum_state, today
from extensions import db
from models import (AuditEvent, DocumentRequest, Memorandum, Organization, RegistryAttachment, StoredFile,
                    Visit)
from models.registry import CommissionMembership
from models.registry_specs import REGISTRY_SPECS
from tests.factories import REGISTRY_DAY, REGISTRY_SAMPLES, gen_case
from tests.helpers import admin_form_data, csrf_token
from tests.upload_samples import PLAIN_PDF

NO_RECORD = "Record does not exist."
PDF = PLAIN_PDF  # a real PDF: uploads are rewritten by pypdf, an unreadable one refused
DAY = REGISTRY_DAY

# endpoint: (model, the attribute holding the marker text, other values of a valid record),
# for every registry its spec declares.
REGISTRIES = {spec.endpoint: (spec.model, *REGISTRY_SAMPLES[spec.endpoint]) for spec in REGISTRY_SPECS}


def text(response):
    return html.unescape(response.get_data(as_text=True))


def add_record(app, endpoint, marker, region="75", **extra):
    model, attribute, values = REGISTRIES[endpoint]
    with app.app_context():
        row = model(region_code=region, **{attribute: marker, **values, **extra})
        db.session.add(row)
        db.session.commit()
        return row.id


def find(app, endpoint, marker):
    model, attribute, _ = REGISTRIES[endpoint]
    with app.app_context():
        row = db.session.scalar(select(model).where(getattr(model, attribute) == marker))
        return None if row is None else (row.id, row.region_code, row.created_by_id)


def problems(response):
    """The form errors and flashed messages of a page, for assertion messages."""
    body = text(response)
    found = re.findall(r'(?s)<(?:li|div)[^>]*>([^<]*)</', body[body.find("<main") if "<main" in body else 0:])
    return [" ".join(f.split()) for f in found if f.strip()][:20]


def form_of(client, url):
    page = client.get(url)
    assert page.status_code == 200, url
    return admin_form_data(page.get_data(as_text=True))


def as_form(values):
    return {key: [value.isoformat() if isinstance(value, date) else str(value)]
            for key, value in values.items()}


# --- creating -------------------------------------------------------------------------------------

@pytest.mark.parametrize("endpoint", REGISTRIES)
@pytest.mark.parametrize("who", ["akimat75", "ombudsman75"])
def test_a_regional_user_records_every_registry_in_their_region(app, login, people, endpoint, who):
    client = login(who)
    _, attribute, values = REGISTRIES[endpoint]
    marker = f"Жазба {endpoint} {who}"
    data = form_of(client, f"/admin/{endpoint}/new/")
    assert data["region"] == ["75"]  # their region is the only one offered
    data.update(as_form({attribute: marker, **values}))
    response = client.post(f"/admin/{endpoint}/new/", data=data)
    assert response.status_code == 302, problems(response)
    found = find(app, endpoint, marker)
    assert found is not None and found[1] == "75"
    assert found[2] == people[who].id
    assert marker in text(client.get(f"/admin/{endpoint}/"))
    with app.app_context():
        table = REGISTRIES[endpoint][0].__tablename__
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == f"{table}.create",
                                                           AuditEvent.object_id == str(found[0])))
        assert event is not None and event.actor_id == people[who].id and event.region_code == "75"
    # A tampered post naming another region creates nothing there.
    data.update(as_form({attribute: marker + " 71", "region": "71"}))
    client.post(f"/admin/{endpoint}/new/", data=data)
    assert (find(app, endpoint, marker + " 71") or (None, "75"))[1] == "75"


def test_superadmin_records_in_any_region(app, login):
    client = login("superadmin")
    data = form_of(client, "/admin/event/new/")
    data.update(as_form({"title": "Балалар күні", "held_on": DAY, "region": "71"}))
    assert client.post("/admin/event/new/", data=data).status_code == 302
    assert find(app, "event", "Балалар күні")[1] == "71"


# --- region isolation -----------------------------------------------------------------------------

@pytest.mark.parametrize("endpoint", REGISTRIES)
def test_another_region_cannot_reach_the_record(app, login, endpoint):
    marker = f"Құпия {endpoint} 75"
    record = add_record(app, endpoint, marker)
    own = login("ombudsman75")
    assert marker in text(own.get(f"/admin/{endpoint}/"))
    assert marker in text(own.get(f"/admin/{endpoint}/details/?id={record}"))

    for who in ("akimat71", "ombudsman71"):
        client = login(who)
        assert marker not in text(client.get(f"/admin/{endpoint}/"))
        assert marker not in text(client.get(f"/admin/{endpoint}/?flt0_0=75"))
        for view in ("details", "edit"):
            body = text(client.get(f"/admin/{endpoint}/{view}/?id={record}", follow_redirects=True))
            assert NO_RECORD in body and marker not in body, (who, view)
        export = client.get(f"/admin/{endpoint}/export/csv/")
        assert export.status_code == 200 and marker not in export.get_data(as_text=True)
        token = csrf_token(client.get(f"/admin/{endpoint}/").get_data(as_text=True))
        client.post(f"/admin/{endpoint}/delete/", data={"csrf_token": token, "id": str(record)})
        assert client.get(f"/admin/{endpoint}/file/?id={record}&attachment=1").status_code == 404
        assert find(app, endpoint, marker) is not None

    export = own.get(f"/admin/{endpoint}/export/csv/")
    assert marker in export.get_data(as_text=True)
    # Its own region may delete it.
    token = csrf_token(own.get(f"/admin/{endpoint}/").get_data(as_text=True))
    own.post(f"/admin/{endpoint}/delete/", data={"csrf_token": token, "id": str(record)})
    assert find(app, endpoint, marker) is None


@pytest.mark.parametrize("endpoint,field", [("commission_meeting", "cases"), ("visit", "cases"),
                                            ("court_hearing", "case")])
def test_case_lookups_list_only_own_region(app, login, endpoint, field):
    with app.app_context():
        case75 = gen_case("75")[0]
        case71 = gen_case("71")[0]
        db.session.commit()
        numbers = case75.registration_number, case71.registration_number
    lookup = f"/admin/{endpoint}/ajax/lookup/?name={field}&query="
    listed = text(login("ombudsman71").get(lookup + "-"))
    assert numbers[1] in listed and numbers[0] not in listed
    assert numbers[0] not in text(login("ombudsman71").get(lookup + numbers[0]))
    assert numbers[0] in text(login("akimat75").get(lookup + numbers[0]))


def test_a_visit_links_own_cases_by_registration_number(app, login):
    with app.app_context():
        case = gen_case("75")[0]
        db.session.commit()
        case_id, number = case.id, case.registration_number
    client = login("ombudsman75")
    data = form_of(client, "/admin/visit/new/")
    data.update(as_form({"organization_type": "education", "organization_name": "№ 5 мектеп",
                         "visited_on": DAY, "cases": case_id}))
    assert client.post("/admin/visit/new/", data=data).status_code == 302
    visit_id = find(app, "visit", "№ 5 мектеп")[0]
    assert number in text(client.get(f"/admin/visit/details/?id={visit_id}"))


def test_a_commission_membership_from_its_spec_alone(app, login):
    """[R9] a registry with no screen of its own: the form offers the two commissions of the
    akimat, an open-ended membership is saved, the list names the commission and only its region
    sees it."""
    client = login("ombudsman75")
    form_page = text(client.get("/admin/commission_membership/new/"))
    for commission in ("Commission on Minors' Affairs and the Protection of their Rights (KDN)",
                       "Commission on Women's Affairs and Family-Demographic Policy"):
        assert commission in form_page
    data = form_of(client, "/admin/commission_membership/new/")
    data.update(as_form({"commission": "women_family", "decision_number": "№ 214-қ", "decision_date": DAY,
                         "member_from": DAY + timedelta(days=7)}))
    data["member_to"] = [""]
    response = client.post("/admin/commission_membership/new/", data=data)
    assert response.status_code == 302, problems(response)
    record_id, region, _author = find(app, "commission_membership", "№ 214-қ")
    with app.app_context():
        assert db.session.get(CommissionMembership, record_id).member_to is None and region == "75"
    listing = text(client.get("/admin/commission_membership/?search=214"))
    assert "№ 214-қ" in listing and "Commission on Women's Affairs and Family-Demographic Policy" in listing
    filtered = "/admin/commission_membership/?flt0_1={}&flt1_2={}"
    assert "№ 214-қ" in text(client.get(filtered.format("women_family", DAY.year)))
    assert "№ 214-қ" not in text(client.get(filtered.format("kdn", DAY.year)))
    assert "№ 214-қ" not in text(client.get(filtered.format("women_family", DAY.year - 1)))
    assert "№ 214-қ" not in text(login("ombudsman71").get("/admin/commission_membership/"))


def test_memorandum_parties_list_only_own_region(app, login):
    with app.app_context():
        db.session.add_all([
            Organization(region_code="75", type="ngo", name_kk="Алматы ҚБ", name_ru="НПО Алматы"),
            Organization(region_code="71", type="ngo", name_kk="Астана ҚБ", name_ru="НПО Астаны"),
        ])
        db.session.commit()
    form71 = text(login("akimat71").get("/admin/memorandum/new/"))
    assert "Астана" in form71 and "Алматы ҚБ" not in form71 and "НПО Алматы" not in form71
    form75 = text(login("akimat75").get("/admin/memorandum/new/"))
    assert "Алматы" in form75 and "Астана ҚБ" not in form75 and "НПО Астаны" not in form75


# --- roles ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("endpoint", REGISTRIES)
def test_committee_only_reads(app, login, endpoint):
    marker = f"Комитет {endpoint}"
    record = add_record(app, endpoint, marker, region="71")
    client = login("committee")
    listing = text(client.get(f"/admin/{endpoint}/"))
    assert marker in listing
    for link in ("/new/", "/edit/", "/delete/"):
        assert f"/admin/{endpoint}{link}" not in listing
    token = csrf_token(client.get("/admin/").get_data(as_text=True))
    _, attribute, values = REGISTRIES[endpoint]
    client.post(f"/admin/{endpoint}/new/", data={"csrf_token": token, "region": "71",
                                                 **{k: v[0] for k, v in as_form(
                                                     {attribute: "Комитет жаңа", **values}).items()}})
    client.post(f"/admin/{endpoint}/delete/", data={"csrf_token": token, "id": str(record)})
    assert find(app, endpoint, "Комитет жаңа") is None
    assert find(app, endpoint, marker) is not None


@pytest.mark.parametrize("who,sees", [("ombudsman75", True), ("commissioner", True), ("superadmin", True),
                                      ("akimat75", False), ("committee", False)])
def test_closed_court_sessions(app, login, who, sees):
    closed = add_record(app, "court_hearing", "Жабық отырыс", closed_session=True)
    add_record(app, "court_hearing", "Ашық отырыс", closed_session=False)
    client = login(who)
    listing = text(client.get("/admin/court_hearing/"))
    assert "Ашық отырыс" in listing
    assert ("Жабық отырыс" in listing) is sees
    details = text(client.get(f"/admin/court_hearing/details/?id={closed}", follow_redirects=True))
    assert ("Жабық отырыс" in details) is sees
    export = client.get("/admin/court_hearing/export/csv/").get_data(as_text=True)
    assert ("Жабық отырыс" in export) is sees


# --- computed marks -------------------------------------------------------------------------------

def test_memorandum_state_and_expiry_on_given_days(app_ctx):
    day = date(2026, 6, 1)
    memo = Memorandum(title="M", signed_on=date(2025, 1, 1), valid_until=date(2026, 6, 30))
    assert memo.state_on(day) == "in_force" and memo.expiring_on(day)
    assert memo.expiring_on(date(2026, 5, 31))  # 30 days before is the first day of the warning
    assert not memo.expiring_on(date(2026, 5, 30))
    assert memo.state_on(date(2026, 7, 1)) == "expired" and not memo.expiring_on(date(2026, 7, 1))
    assert memo.state_on(date(2026, 6, 30)) == "in_force"
    memo.terminated_on = date(2026, 3, 1)
    assert memo.state_on(day) == "terminated" and not memo.expiring_on(day)
    assert memo.state_on(date(2026, 2, 28)) == "in_force"
    open_ended = Memorandum(title="O", signed_on=date(2025, 1, 1))
    assert open_ended.state_on(day) == "in_force" and not open_ended.expiring_on(day)
    assert str(memorandum_state(open_ended, day)) == "In force"


def test_document_request_overdue_on_given_days(app_ctx):
    asked = DocumentRequest(addressee="A", subject="S", sent_on=date(2026, 5, 1), answer_due=date(2026, 5, 15))
    assert not asked.overdue_on(date(2026, 5, 15))
    assert asked.overdue_on(date(2026, 5, 16))
    asked.answered_on = date(2026, 5, 20)
    assert not asked.overdue_on(date(2026, 5, 21))
    assert not DocumentRequest(addressee="A", subject="S", sent_on=date(2026, 5, 1)).overdue_on(date(2030, 1, 1))


def test_marks_shown_in_the_lists(app, login):
    now = today()
    for title, extra in (("Жарамды", {"valid_until": now + timedelta(days=200)}),
                         ("Аяқталуда", {"valid_until": now + timedelta(days=10)}),
                         ("Мерзімі өткен", {"valid_until": now - timedelta(days=1)}),
                         ("Бұзылған", {"valid_until": now + timedelta(days=5), "terminated_on": now})):
        add_record(app, "memorandum", title, **extra)
    add_record(app, "document_request", "Кешіккен", answer_due=now - timedelta(days=1))
    add_record(app, "document_request", "Жауап берілген", answer_due=now - timedelta(days=1),
               answered_on=now - timedelta(days=2))
    client = login("akimat75")
    listing = client.get("/admin/memorandum/?sort=0").get_data(as_text=True)
    assert listing.count('data-mark="expiring"') == 1
    body = html.unescape(listing)
    for state in ("In force", "Expired", "Terminated"):
        assert state in body
    requests = client.get("/admin/document_request/").get_data(as_text=True)
    assert requests.count('data-mark="overdue"') == 1


# --- publications [R13] ---------------------------------------------------------------------------

def test_a_publication_needs_who_confirmed_it(app, login):
    client = login("ombudsman75")
    data = form_of(client, "/admin/publication/new/")
    data.update(as_form({"outlet": "Facebook", "title": "Расталмаған", "published_on": DAY,
                         "confirmed_by": "   "}))
    body = text(client.post("/admin/publication/new/", data=data))
    assert "Only confirmed information is published" in body
    assert find(app, "publication", "Расталмаған") is None


@pytest.mark.parametrize("link", ["javascript:alert(1)", "data:text/html,<b>x</b>", "ftp://files.kz/a",
                                  "https://", "//evil.example/x", "www.kazinform.kz/news"])
def test_a_publication_link_is_a_web_link_only(app, login, link):
    """Issue 16, item 6: a stored link cannot be a script or another scheme."""
    client = login("ombudsman75")
    data = form_of(client, "/admin/publication/new/")
    data.update(as_form({"outlet": "Kazinform", "title": "Сілтеме", "published_on": DAY,
                         "confirmed_by": "Полиция", "link": link}))
    body = text(client.post("/admin/publication/new/", data=data))
    assert "Give a web link that starts with https:// or http://." in body
    assert find(app, "publication", "Сілтеме") is None
    data["link"] = " https://www.kazinform.kz/news/123 "
    assert client.post("/admin/publication/new/", data=data).status_code == 302


# --- attachments ----------------------------------------------------------------------------------

def test_a_memorandum_with_its_signed_pdf(app, login):
    client = login("akimat75")
    data = form_of(client, "/admin/memorandum/new/")
    data.update(as_form({"title": "Меморандум ПД", "signed_on": DAY}))
    data["attachment"] = [(BytesIO(PDF), "Қол қойылған меморандум.pdf")]
    assert client.post("/admin/memorandum/new/", data=data,
                       content_type="multipart/form-data").status_code == 302
    record = find(app, "memorandum", "Меморандум ПД")[0]
    details = text(client.get(f"/admin/memorandum/details/?id={record}"))
    assert "Қол қойылған меморандум.pdf" in details
    with app.app_context():
        attachment = db.session.scalar(select(RegistryAttachment).where(
            RegistryAttachment.record_type == "memorandum", RegistryAttachment.record_id == record))
        assert attachment.region_code == "75"
        attachment_id, file_id = attachment.id, attachment.file_id
    url = f"/admin/memorandum/file/?id={record}&attachment={attachment_id}"
    download = client.get(url)
    assert download.status_code == 200 and download.data == PDF
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "file.download", AuditEvent.object_id == str(file_id))) == 1
    # Another region cannot download it, nor reach it through another record of theirs.
    assert login("ombudsman71").get(url).status_code == 404
    other = add_record(app, "memorandum", "Басқа", region="71")
    assert login("ombudsman71").get(
        f"/admin/memorandum/file/?id={other}&attachment={attachment_id}").status_code == 404
    # An attachment of one registry is not served through another.
    assert client.get(f"/admin/event/file/?id={record}&attachment={attachment_id}").status_code == 404


def test_a_refused_file_leaves_neither_record_nor_file(app, login):
    client = login("ombudsman75")
    with app.app_context():
        files_before = db.session.scalar(select(func.count()).select_from(StoredFile))
    data = form_of(client, "/admin/briefing/new/")
    data.update(as_form({"topic": "Жарты жылдық брифинг", "held_on": DAY}))
    data["attachment"] = [(BytesIO(b"just some text, not a pdf"), "notes.pdf")]
    body = text(client.post("/admin/briefing/new/", data=data, content_type="multipart/form-data",
                            follow_redirects=True))
    assert "This file type is not accepted" in body
    assert find(app, "briefing", "Жарты жылдық брифинг") is None
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(StoredFile)) == files_before


def test_deleting_a_record_removes_its_files(app, login):
    client = login("akimat75")
    data = form_of(client, "/admin/event/new/")
    data.update(as_form({"title": "Файлы бар іс-шара", "held_on": DAY}))
    data["attachment"] = [(BytesIO(PDF), "programme.pdf")]
    assert client.post("/admin/event/new/", data=data, content_type="multipart/form-data").status_code == 302
    record = find(app, "event", "Файлы бар іс-шара")[0]
    with app.app_context():
        file_id = db.session.scalar(select(RegistryAttachment.file_id).where(
            RegistryAttachment.record_type == "event", RegistryAttachment.record_id == record))
    token = csrf_token(client.get("/admin/event/").get_data(as_text=True))
    client.post("/admin/event/delete/", data={"csrf_token": token, "id": str(record)})
    assert find(app, "event", "Файлы бар іс-шара") is None
    with app.app_context():
        assert db.session.get(StoredFile, file_id) is None
        assert db.session.scalar(select(func.count()).select_from(RegistryAttachment)) == 0


def test_tampered_links_to_another_region_are_not_stored(app, login):
    with app.app_context():
        case = gen_case("75")[0]
        party = Organization(region_code="75", type="ngo", name_kk="Алматы ҚБ", name_ru="НПО Алматы")
        db.session.add(party)
        db.session.commit()
        case_id, party_id = case.id, party.id
    client = login("ombudsman71")
    data = form_of(client, "/admin/visit/new/")
    data.update(as_form({"organization_type": "education", "organization_name": "Астана мектебі",
                         "visited_on": DAY, "cases": case_id}))
    client.post("/admin/visit/new/", data=data)
    with app.app_context():
        visit = db.session.scalar(select(Visit).where(Visit.organization_name == "Астана мектебі"))
        assert visit is None or visit.cases == []
    data = form_of(client, "/admin/memorandum/new/")
    data.update(as_form({"title": "Бөтен тарап", "signed_on": DAY, "parties": party_id}))
    client.post("/admin/memorandum/new/", data=data)
    with app.app_context():
        memo = db.session.scalar(select(Memorandum).where(Memorandum.title == "Бөтен тарап"))
        assert memo is None or memo.parties == []
