"""The cases screen: region isolation and the identity rule (who sees a child's name, IIN,
school and the reporter's contacts), by list, details, export and files."""
from datetime import datetime
from io import BytesIO

import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from extensions import db
from models import AuditEvent, Question, Questionnaire
from services.cases import submit_case
from services.questionnaires import publish
from tests.upload_samples import PLAIN_PDF

CHILD_75 = {"name": "Айгерим Сарсенова", "iin": "120305601238", "school": "№12 мектеп-гимназия"}
REPORTER_75 = {"reporter_name": "Марат Сериков", "reporter_phone": "+77011234567",
               "reporter_email": "marat.serikov@example.kz"}
CHILD_71 = {"name": "Данияр Омаров", "iin": "130711504562", "school": "Тараз №5 мектебі"}
REPORTER_71 = {"reporter_name": "Гүлнар Омарова", "reporter_phone": "+77029876543",
               "reporter_email": "gulnar.omarova@example.kz"}
FILE_NAME = "Сарсенова_Айгерим_анықтама.pdf"
IDENTITY_75 = (*CHILD_75.values(), *REPORTER_75.values(), FILE_NAME)
IDENTITY_71 = (*CHILD_71.values(), *REPORTER_71.values())
PDF = PLAIN_PDF  # a real PDF: uploads are rewritten by pypdf, an unreadable one refused


def _report(region, reporter, urgent=False, **extra):
    return {"region_code": region, "kind": "appeal", "categories": ["bullying", "education"],
            "description": "Сыныптастары баланы күнде қорлайды, мұғалім шара қолданбайды.",
            "responsible": "education_org", "reporter_type": "parent", "danger_now": urgent,
            "channel": "web", "language": "kk", **reporter, **extra}


def _version(region):
    questionnaire = Questionnaire(title_kk="Қосымша", title_ru="Доп.", title_en="Extra", region_code=region)
    questionnaire.questions.extend([
        Question(position=1, key="bus", type="yes_no", label_kk="Автобуспен бара ма?",
                 label_ru="Ездит на автобусе?", label_en="Takes the school bus?"),
        Question(position=2, key="shift", type="single_choice", label_kk="Ауысым", label_ru="Смена",
                 label_en="School shift", options="first | Бірінші | Первая | First\nsecond | Екінші | Вторая | Second"),
    ])
    db.session.add(questionnaire)
    db.session.flush()
    version = publish(questionnaire)
    # A later edit must not change how the case's answers are labelled.
    questionnaire.questions[1].label_en = "Renamed later"
    publish(questionnaire)
    return version


@pytest.fixture
def cases(app, people):
    """An urgent 75 case filed before an ordinary 75 case, and a 71 case."""
    with app.app_context():
        upload = FileStorage(BytesIO(PDF), filename=FILE_NAME, content_type="application/pdf")
        urgent, _code = submit_case(
            _report("75", REPORTER_75, urgent=True),
            [{"age": 12, "sex": "girl", **CHILD_75}], answers={"bus": "yes", "shift": "second"},
            uploads=[upload], version=_version("75"), consent=True)
        db.session.commit()
        ordinary, _code = submit_case(_report("75", {}), [{"age": 9, "sex": "boy"}])
        db.session.commit()
        other, _code = submit_case(_report("71", REPORTER_71), [{"birth_year": 2013, "sex": "boy", **CHILD_71}],
                                   consent=True)
        db.session.commit()
        return {"urgent75": (urgent.id, urgent.registration_number, urgent.attachments[0].id),
                "ordinary75": (ordinary.id, ordinary.registration_number),
                "case71": (other.id, other.registration_number)}


def _get(client, url):
    response = client.get(url + ("&" if "?" in url else "?") + "lang=en", follow_redirects=True)
    return response.status_code, response.get_data(as_text=True)


def _identity_audits(app, case_id):
    with app.app_context():
        return db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "case.view_identity", AuditEvent.object_id == str(case_id))).all()


def _assert_no_identity(body, *groups):
    for group in groups:
        for value in group:
            assert value not in body, value


@pytest.mark.parametrize("who", ["superadmin", "commissioner", "committee", "akimat75", "ombudsman75"])
def test_every_staff_role_opens_the_cases_list(client, auth, people, cases, who):
    auth.login(people[who].email)
    assert client.get("/admin/case/").status_code == 200


def test_ombudsman_lists_own_region_and_sees_identity_with_an_audit_row(client, auth, people, cases, app):
    auth.login(people["ombudsman75"].email)
    case_id, number, attachment = cases["urgent75"]
    _status, listing = _get(client, "/admin/case/")
    assert number in listing and cases["ordinary75"][1] in listing
    assert cases["case71"][1] not in listing
    _assert_no_identity(listing, IDENTITY_75)  # the list never shows identities

    status, details = _get(client, f"/admin/case/details/?id={case_id}")
    assert status == 200
    for value in IDENTITY_75:
        assert value in details, value
    assert f"/admin/case/file/?id={case_id}&amp;attachment={attachment}" in details
    # Answers are labelled by the version the case was filed with, options by their labels.
    assert "Takes the school bus?" in details and "School shift" in details and "Second" in details
    assert "Renamed later" not in details
    events = _identity_audits(app, case_id)
    assert len(events) == 1
    assert events[0].actor_id == people["ombudsman75"].id and events[0].region_code == "75"


@pytest.mark.parametrize("who", ["akimat75", "committee"])
def test_akimat_and_committee_never_see_identities(client, auth, people, cases, app, who):
    auth.login(people[who].email)
    case_id, number, attachment = cases["urgent75"]
    _status, listing = _get(client, "/admin/case/")
    assert number in listing
    _assert_no_identity(listing, IDENTITY_75, IDENTITY_71)

    status, details = _get(client, f"/admin/case/details/?id={case_id}")
    assert status == 200 and number in details
    _assert_no_identity(details, IDENTITY_75)
    assert "hidden" in details and "file 1" in details
    assert "/admin/case/file/" not in details
    assert "Takes the school bus?" in details  # the facts of the case are there
    assert _identity_audits(app, case_id) == []

    assert client.get(f"/admin/case/file/?id={case_id}&attachment={attachment}").status_code == 403
    export = client.get("/admin/case/export/csv/")
    assert export.status_code == 302 and export.mimetype != "text/csv"  # no export for them
    assert "/admin/case/export/csv/" not in listing
    with app.app_context():
        assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "file.download")).all() == []


def test_akimat_admin_sees_only_own_region(client, auth, people, cases):
    auth.login(people["akimat75"].email)
    _status, listing = _get(client, "/admin/case/")
    assert cases["case71"][1] not in listing
    _status, details = _get(client, f"/admin/case/details/?id={cases['case71'][0]}")
    assert cases["case71"][1] not in details and "Record does not exist" in details


def test_committee_sees_all_regions_without_identities(client, auth, people, cases):
    auth.login(people["committee"].email)
    _status, listing = _get(client, "/admin/case/")
    assert cases["case71"][1] in listing and cases["urgent75"][1] in listing
    _status, details = _get(client, f"/admin/case/details/?id={cases['case71'][0]}")
    assert cases["case71"][1] in details
    _assert_no_identity(details, IDENTITY_71)


def test_commissioner_sees_all_with_identity_and_exports_without(client, auth, people, cases, app):
    auth.login(people["commissioner"].email)
    _status, listing = _get(client, "/admin/case/")
    assert cases["case71"][1] in listing and cases["urgent75"][1] in listing
    assert "/admin/case/export/csv/" in listing
    for key, identity in (("urgent75", IDENTITY_75), ("case71", IDENTITY_71)):
        _status, details = _get(client, f"/admin/case/details/?id={cases[key][0]}")
        for value in identity:
            assert value in details, value
        assert len(_identity_audits(app, cases[key][0])) == 1

    response = client.get("/admin/case/export/csv/")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    export = response.get_data(as_text=True)
    assert cases["case71"][1] in export and cases["urgent75"][1] in export
    assert "Bullying, Right to education" in export  # labels, in the language chosen
    _assert_no_identity(export, IDENTITY_75, IDENTITY_71)

    case_id, _number, attachment = cases["urgent75"]
    download = client.get(f"/admin/case/file/?id={case_id}&attachment={attachment}")
    assert download.status_code == 200 and download.data == PDF
    assert "attachment" in download.headers["Content-Disposition"]
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "file.download"))
        assert event.actor_id == people["commissioner"].id and event.data["case"] == case_id
        assert event.region_code == "75"


def test_ombudsman_exports_own_region_only(client, auth, people, cases):
    auth.login(people["ombudsman75"].email)
    export = client.get("/admin/case/export/csv/").get_data(as_text=True)
    assert cases["urgent75"][1] in export and cases["case71"][1] not in export
    _assert_no_identity(export, IDENTITY_75)


def test_ombudsman_of_another_region_cannot_open_a_case_by_url(client, auth, people, cases, app):
    auth.login(people["ombudsman71"].email)
    case_id, number, attachment = cases["urgent75"]
    _status, details = _get(client, f"/admin/case/details/?id={case_id}")
    assert number not in details and "Record does not exist" in details
    _assert_no_identity(details, IDENTITY_75)
    assert client.get(f"/admin/case/file/?id={case_id}&attachment={attachment}").status_code == 404
    # Its own case, with another case's attachment id: not found either.
    own = cases["case71"][0]
    assert client.get(f"/admin/case/file/?id={own}&attachment={attachment}").status_code == 404
    assert _identity_audits(app, case_id) == []


def test_cases_are_read_only_for_everyone(client, auth, people, cases):
    auth.login(people["superadmin"].email)
    listing = client.get("/admin/case/").get_data(as_text=True)
    assert "/admin/case/new/" not in listing and "/admin/case/edit/" not in listing
    assert client.get("/admin/case/new/").status_code == 302
    assert client.get(f"/admin/case/edit/?id={cases['case71'][0]}").status_code == 302


def test_urgent_cases_are_listed_first(client, auth, people, cases):
    auth.login(people["ombudsman75"].email)
    _status, listing = _get(client, "/admin/case/")
    # The urgent case was filed first, yet comes before the newer ordinary one.
    assert listing.index(cases["urgent75"][1]) < listing.index(cases["ordinary75"][1])


def test_filters_and_search_work(client, auth, people, cases):
    auth.login(people["commissioner"].email)
    year = datetime.now().year
    urgent, ordinary, other = cases["urgent75"][1], cases["ordinary75"][1], cases["case71"][1]
    # Filters in the order of CaseView.column_filters: region, state, kind, urgent, year.
    checks = [
        ("flt0_0=75", {urgent, ordinary}, {other}),
        ("flt0_1=registered", {urgent, ordinary, other}, set()),
        ("flt0_1=closed", set(), {urgent, ordinary, other}),
        ("flt0_2=appeal", {urgent, other}, set()),
        ("flt0_3=1", {urgent}, {ordinary, other}),
        (f"flt0_4={year}", {urgent, other}, set()),
        ("flt0_4=1999", set(), {urgent, ordinary, other}),
        ("flt0_4=abc", {urgent}, set()),  # an invalid value is ignored, not a 500
        ("search=71-", {other}, {urgent, ordinary}),
        (f"search={urgent}", {urgent}, {ordinary, other}),
        ("search=Айгерим", set(), {urgent, ordinary, other}),  # names are not searchable
        ("sort=1&desc=1", {urgent, other}, set()),
    ]
    for query, present, absent in checks:
        status, body = _get(client, f"/admin/case/?{query}")
        assert status == 200, query
        for number in present:
            assert number in body, (query, number)
        for number in absent:
            assert number not in body, (query, number)


def test_malformed_ids_are_not_found(client, auth, people, cases):
    auth.login(people["commissioner"].email)
    assert client.get("/admin/case/details/?id=abc").status_code == 302
    assert client.get("/admin/case/file/?id=abc&attachment=1").status_code == 404
    assert client.get(f"/admin/case/file/?id={cases['urgent75'][0]}&attachment=x").status_code == 404
