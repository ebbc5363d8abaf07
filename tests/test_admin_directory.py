"""The directory of partner organizations [R7] and the working-day calendar overrides.

Organizations: each region keeps its own; akimat administrators and ombudsmen see and
change only their region's, by list, URL and export, and whatever they create lands in
their region. Calendar overrides (transferred days off, working Saturdays) move every
deadline: only superadmins change them; everyone else reads them.
"""
import html
from datetime import date

import pytest
from sqlalchemy import select

from extensions import db
from models import CalendarOverride, Organization
from tests.helpers import admin_form_data, csrf_token, gen_user

STAFF = {
    "superadmin": ("superadmin", None), "commissioner": ("commissioner", None),
    "committee": ("committee", None), "akimat75": ("akimat_admin", "75"),
    "ombudsman75": ("ombudsman", "75"), "akimat71": ("akimat_admin", "71"),
}
NO_RECORD = "Record does not exist."


@pytest.fixture
def people(app):
    with app.app_context():
        return {key: gen_user(role, region).email for key, (role, region) in STAFF.items()}


@pytest.fixture
def orgs(app):
    """A police department in 75 and in 71, and a national body (no region)."""
    with app.app_context():
        rows = {
            "police75": Organization(region_code="75", type="police", name_kk="Алматы ПД",
                                     name_ru="ДП Алматы", email="police75@test.kz"),
            "police71": Organization(region_code="71", type="police", name_kk="Астана ПД",
                                     name_ru="ДП Астаны", email="police71@test.kz"),
            "committee": Organization(region_code=None, type="committee", name_kk="Комитет ҚК",
                                      name_ru="Комитет НК", email="national.committee@test.kz"),
        }
        db.session.add_all(rows.values())
        db.session.commit()
        return {key: org.id for key, org in rows.items()}


def text(response):
    return html.unescape(response.get_data(as_text=True))


def org(app, org_id):
    with app.app_context():
        row = db.session.get(Organization, org_id)
        return None if row is None else (row.region_code, row.name_kk, row.email)


def by_email(app, email):
    with app.app_context():
        row = db.session.scalar(select(Organization).where(Organization.email == email))
        return None if row is None else row.region_code


def create_form(client, url):
    page = client.get(url)
    assert page.status_code == 200
    return admin_form_data(page.get_data(as_text=True))


# --- organizations ------------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["akimat75", "ombudsman75"])
def test_regional_users_list_and_export_only_their_region(login, orgs, who):
    client = login(who)
    listing = text(client.get("/admin/organization/"))
    assert "police75@test.kz" in listing
    assert "police71@test.kz" not in listing and "national.committee@test.kz" not in listing
    # A filter for another region finds nothing either.
    assert "police71@test.kz" not in text(client.get("/admin/organization/?flt0_0=71"))
    export = client.get("/admin/organization/export/csv/")
    assert export.status_code == 200 and export.mimetype == "text/csv"
    body = export.get_data(as_text=True)
    assert "police75@test.kz" in body
    assert "police71@test.kz" not in body and "national.committee@test.kz" not in body


@pytest.mark.parametrize("who", ["akimat75", "ombudsman75"])
def test_regional_users_cannot_open_or_change_another_region_by_url(app, login, orgs, who):
    client = login(who)
    for key in ("police71", "committee"):
        for view in ("details", "edit"):
            body = text(client.get(f"/admin/organization/{view}/?id={orgs[key]}", follow_redirects=True))
            assert NO_RECORD in body and "police71@test.kz" not in body, (key, view)
    token = csrf_token(client.get("/admin/").get_data(as_text=True))
    client.post(f"/admin/organization/edit/?id={orgs['police71']}", data={
        "csrf_token": token, "type": "police", "name_kk": "Hijacked", "name_ru": "Hijacked",
        "email": "evil@test.kz", "is_active": "y"})
    assert org(app, orgs["police71"]) == ("71", "Астана ПД", "police71@test.kz")
    # Their own is theirs to edit.
    edit = f"/admin/organization/edit/?id={orgs['police75']}"
    data = create_form(client, edit)
    data["phone"] = ["+77272000102"]
    assert client.post(edit, data=data).status_code == 302
    with app.app_context():
        assert db.session.get(Organization, orgs["police75"]).phone == "+77272000102"


@pytest.mark.parametrize("who", ["akimat75", "ombudsman75"])
def test_a_regional_users_new_organization_is_forced_into_their_region(app, login, orgs, who):
    client = login(who)
    data = create_form(client, "/admin/organization/new/")
    # Their region is the only one offered.
    page = text(client.get("/admin/organization/new/"))
    assert 'value="75"' in page and 'value="71"' not in page
    data.update({"type": ["crisis_centre"], "name_kk": ["Дағдарыс орталығы"], "name_ru": ["Кризисный центр"],
                 "email": [f"crisis.{who}@test.kz"], "region": [""]})
    assert client.post("/admin/organization/new/", data=data).status_code == 302
    assert by_email(app, f"crisis.{who}@test.kz") == "75"
    # A tampered post naming another region creates nothing there.
    data.update({"email": [f"tampered.{who}@test.kz"], "region": ["71"]})
    client.post("/admin/organization/new/", data=data)
    assert by_email(app, f"tampered.{who}@test.kz") in (None, "75")


def test_superadmin_keeps_national_bodies_without_a_region(app, login, orgs):
    client = login("superadmin")
    listing = text(client.get("/admin/organization/"))
    assert all(e in listing for e in ("police75@test.kz", "police71@test.kz", "national.committee@test.kz"))
    data = create_form(client, "/admin/organization/new/")
    data.update({"type": ["commissioner"], "name_kk": ["Уәкіл"], "name_ru": ["Уполномоченный"],
                 "email": ["commissioner.office@test.kz"], "region": [""]})
    assert client.post("/admin/organization/new/", data=data).status_code == 302
    assert by_email(app, "commissioner.office@test.kz") is None
    with app.app_context():
        assert db.session.scalar(select(Organization).where(
            Organization.email == "commissioner.office@test.kz")) is not None


@pytest.mark.parametrize("who", ["commissioner", "committee"])
def test_national_offices_read_every_region_without_changing(app, login, orgs, who):
    client = login(who)
    listing = text(client.get("/admin/organization/"))
    assert "police75@test.kz" in listing and "police71@test.kz" in listing
    assert "/admin/organization/new/" not in listing and "/admin/organization/edit/" not in listing
    token = csrf_token(client.get("/admin/").get_data(as_text=True))
    client.post("/admin/organization/new/", data={"csrf_token": token, "type": "ngo", "name_kk": "X",
                                                   "name_ru": "X", "email": f"{who}.ngo@test.kz"})
    client.post(f"/admin/organization/edit/?id={orgs['police71']}", data={
        "csrf_token": token, "type": "police", "name_kk": "Changed", "name_ru": "Changed"})
    with app.app_context():
        assert db.session.scalar(select(Organization).where(Organization.email == f"{who}.ngo@test.kz")) is None
    assert org(app, orgs["police71"])[1] == "Астана ПД"


# --- the working-day calendar ---------------------------------------------------------------------

def override(app, day):
    with app.app_context():
        row = db.session.get(CalendarOverride, day)
        return None if row is None else (row.kind, row.note)


def test_superadmin_edits_the_calendar(app, login):
    client = login("superadmin")
    data = create_form(client, "/admin/calendar/new/")
    data.update({"day": ["2027-01-04"], "kind": ["holiday"], "note": ["Transferred day off"]})
    assert client.post("/admin/calendar/new/", data=data).status_code == 302
    assert override(app, date(2027, 1, 4)) == ("holiday", "Transferred day off")
    assert "2027-01-04" in text(client.get("/admin/calendar/"))

    # The same day twice: a clear message on the field, not a database error.
    body = text(client.post("/admin/calendar/new/", data=data, follow_redirects=True))
    assert "Already exists." in body and "IntegrityError" not in body

    edit = "/admin/calendar/edit/?id=2027-01-04"
    data = create_form(client, edit)
    data.update({"kind": ["working_day"], "note": ["Working Saturday moved"]})
    assert client.post(edit, data=data).status_code == 302
    assert override(app, date(2027, 1, 4)) == ("working_day", "Working Saturday moved")

    # An empty note is allowed (the column is NOT NULL with an empty default).
    data = create_form(client, "/admin/calendar/new/")
    data.update({"day": ["2027-03-08"], "kind": ["holiday"], "note": [""]})
    assert client.post("/admin/calendar/new/", data=data).status_code == 302
    assert override(app, date(2027, 3, 8)) == ("holiday", "")

    token = csrf_token(client.get("/admin/calendar/").get_data(as_text=True))
    client.post("/admin/calendar/delete/", data={"csrf_token": token, "id": "2027-01-04"})
    assert override(app, date(2027, 1, 4)) is None
    # A malformed id is "no such record", not a 500.
    assert client.get("/admin/calendar/edit/?id=not-a-date").status_code == 302


@pytest.mark.parametrize("who", ["commissioner", "committee", "akimat75", "ombudsman75"])
def test_only_superadmin_changes_the_calendar(app, login, who):
    with app.app_context():
        db.session.add(CalendarOverride(day=date(2027, 1, 4), kind="holiday", note="Transferred"))
        db.session.commit()
    client = login(who)
    listing = text(client.get("/admin/calendar/"))
    assert "2027-01-04" in listing  # everyone reads the calendar their deadlines follow
    assert "/admin/calendar/new/" not in listing and "/admin/calendar/edit/" not in listing
    assert "/admin/calendar/delete/" not in listing
    token = csrf_token(client.get("/admin/").get_data(as_text=True))
    client.post("/admin/calendar/new/", data={"csrf_token": token, "day": "2027-01-05", "kind": "holiday",
                                               "note": "x"})
    client.post("/admin/calendar/edit/?id=2027-01-04", data={"csrf_token": token, "day": "2027-01-04",
                                                             "kind": "working_day", "note": "x"})
    client.post("/admin/calendar/delete/", data={"csrf_token": token, "id": "2027-01-04"})
    assert override(app, date(2027, 1, 5)) is None
    assert override(app, date(2027, 1, 4)) == ("holiday", "Transferred")


def test_a_new_day_off_moves_the_deadline(app, login):
    from services.deadlines import WorkingCalendar, load_calendar

    received = date(2027, 1, 4)  # a Monday
    with app.app_context():
        plain = WorkingCalendar().add_working_days(received, 15)
    client = login("superadmin")
    data = create_form(client, "/admin/calendar/new/")
    data.update({"day": ["2027-01-05"], "kind": ["holiday"], "note": ["Transferred day off"]})
    client.post("/admin/calendar/new/", data=data)
    with app.app_context():
        assert load_calendar().add_working_days(received, 15) > plain


def test_an_organizations_e_mail_must_be_an_address(app, login, orgs):
    """[R10.1] and [R10.3] alerts go there: a typo would lose them silently."""
    client = login("akimat75")
    data = create_form(client, "/admin/organization/new/")
    data.update({"type": ["guardianship"], "name_kk": ["Қорғаншылық"], "name_ru": ["Опека"],
                 "email": ["opeka.almaty-at-test.kz"]})
    body = text(client.post("/admin/organization/new/", data=data))
    assert "Invalid email address." in body
    assert by_email(app, "opeka.almaty-at-test.kz") is None
    data.update({"email": ["  opeka.almaty@test.kz "]})
    assert client.post("/admin/organization/new/", data=data).status_code == 302
    assert by_email(app, "opeka.almaty@test.kz") == "75"
    data.update({"email": [""], "name_kk": ["Телефон ғана"]})  # no e-mail: allowed (phone only)
    assert client.post("/admin/organization/new/", data=data).status_code == 302
