"""Each region's office contacts and its data controller (issue 19, item 6): kept by the region's
akimat administrator and ombudsman (their own region only) and by the superadmin, every change
audited; shown on the home page once a region is chosen, on /status for the case's region and
in the privacy notice, which names the data controller."""
import re
from html import unescape

import pytest
from flask import render_template
from sqlalchemy import select

from core.errors import PermissionDenied, RegionMismatch
from extensions import db
from models import AuditEvent, Region, RegionOffice, Setting
from services import audit_words, demo, offices
from i18n import sort_key
from tests.factories import gen_case
from tests.helpers import csrf_token

EDIT = "/admin/region_office/edit/?region={}"
CONTACTS = {
    "phones": "+7 727 000 00 00; 8 (700) 000-00-75", "email": "office.75@test.kz",
    "address_kk": "050000, Алматы қ., Абай даңғылы, 1, 214-кабинет",
    "address_ru": "050000, г. Алматы, просп. Абая, 1, кабинет 214",
    "hours_kk": "Дс–Жм 9:00–18:00", "hours_ru": "Пн–Пт 9:00–18:00",
    "controller_name_kk": "Алматы қаласы әкімінің аппараты", "controller_name_ru": "Аппарат акима города Алматы",
    "controller_address_kk": "050000, Алматы қ., Абай даңғылы, 1",
    "controller_address_ru": "050000, г. Алматы, просп. Абая, 1",
}


def _office(app, code):
    with app.app_context():
        return db.session.get(RegionOffice, code)


def _audits(app, code):
    with app.app_context():
        return db.session.scalars(select(AuditEvent).where(AuditEvent.action == "region_office.update",
                                                           AuditEvent.region_code == code)).all()


def _post(client, code, data):
    page = client.get(EDIT.format(code))
    assert page.status_code == 200, page.status_code
    return client.post(EDIT.format(code), data={"csrf_token": csrf_token(page.get_data(as_text=True)), **data})


def _publish(app, code="75", **values):
    """An office with ``values`` (default: every contact above), committed in the test's transaction."""
    with app.app_context():
        db.session.merge(RegionOffice(region_code=code, **(values or CONTACTS)))
        db.session.commit()


def _text(html):
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


# --- the admin screen ------------------------------------------------------------------------------

def test_the_superadmin_edits_any_region_and_the_change_is_audited(app, login, people):
    client = login("superadmin")
    response = _post(client, "79", dict(CONTACTS, email="office.79@test.kz"))
    assert response.status_code == 302 and response.location.endswith("/admin/region_office/")
    office = _office(app, "79")
    assert office.email == "office.79@test.kz"
    # Several numbers are kept comma-separated, as typed otherwise.
    assert office.phones == "+7 727 000 00 00, 8 (700) 000-00-75"
    assert office.updated_by_id == people["superadmin"].id
    [event] = _audits(app, "79")
    assert event.actor_id == people["superadmin"].id and event.object_type == "region_office"
    assert event.data["changes"]["email"] == {"old": None, "new": "office.79@test.kz"}
    assert set(event.data["changes"]) == set(RegionOffice.FIELDS)
    listed = client.get("/admin/region_office/").get_data(as_text=True)
    assert "Saved: the contacts of the office of Shymkent city." in listed and "office.79@test.kz" in listed
    assert 'data-region="79"' in listed and 'data-region="75"' in listed


@pytest.mark.parametrize("person", ["akimat75", "ombudsman75"])
def test_the_region_keeps_its_own_contacts(app, login, people, person):
    _publish(app, "75", phones="+7 727 000 00 00", email="old.75@test.kz")
    client = login(person)
    listed = client.get("/admin/region_office/").get_data(as_text=True)
    assert 'href="/admin/region_office/edit/?region=75"' in listed
    assert 'data-region="71"' not in listed  # another region is not even listed
    response = _post(client, "75", dict(CONTACTS, email="new.75@test.kz", phones=" +7 727 000 00 00 "))
    assert response.status_code == 302
    assert _office(app, "75").email == "new.75@test.kz"
    [event] = _audits(app, "75")
    assert event.actor_id == people[person].id
    assert event.data["changes"]["email"] == {"old": "old.75@test.kz", "new": "new.75@test.kz"}
    assert "phones" not in event.data["changes"]  # the same number: no change


def test_an_akimat_admin_of_71_cannot_edit_region_75_by_its_code(app, login, people):
    _publish(app, "75", email="office.75@test.kz")
    client = login("akimat71")
    assert client.get(EDIT.format("75")).status_code == 404
    token = csrf_token(client.get(EDIT.format("71")).get_data(as_text=True))
    refused = client.post(EDIT.format("75"), data={"csrf_token": token, **dict(CONTACTS, email="taken@test.kz")})
    assert refused.status_code == 404
    assert _office(app, "75").email == "office.75@test.kz" and _audits(app, "75") == []
    listed = client.get("/admin/region_office/").get_data(as_text=True)
    assert 'data-region="75"' not in listed and "office.75@test.kz" not in listed
    # Its own region, yes.
    assert _post(client, "71", {"email": "office.71@test.kz"}).status_code == 302
    assert _office(app, "71").email == "office.71@test.kz"


@pytest.mark.parametrize("person", ["commissioner", "committee"])
def test_the_national_offices_read_and_do_not_edit(app, login, person):
    client = login(person)
    listed = client.get("/admin/region_office/")
    assert listed.status_code == 200 and 'data-region="75"' in listed.get_data(as_text=True)
    assert "/admin/region_office/edit/" not in listed.get_data(as_text=True)
    refused = client.get(EDIT.format("75"))
    assert refused.status_code == 302 and refused.location.endswith("/admin/region_office/")
    token = csrf_token(client.get("/admin/region_office/").get_data(as_text=True))
    client.post(EDIT.format("75"), data={"csrf_token": token, "email": "x@test.kz"})
    assert _office(app, "75") is None


def test_unknown_and_odd_region_codes_are_not_found(login):
    client = login("superadmin")
    for code in ("00", "7", "750", "７５", "<script>", ""):
        assert client.get(EDIT.format(code)).status_code == 404, code


def test_the_form_needs_its_csrf_token(app, login):
    client = login("superadmin")
    response = client.post(EDIT.format("75"), data={"email": "office.75@test.kz"})
    assert response.status_code in (200, 400)
    assert _office(app, "75") is None


def test_bad_input_is_refused_with_what_was_typed_kept(app, login):
    client = login("ombudsman75")
    typed = dict(CONTACTS, phones="+7 727 000 00 00, call me", email="office at test.kz",
                 address_kk="Абай даңғылы, 1 <b>")
    response = _post(client, "75", typed)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    text = _text(html)
    assert "“call me” is not a phone number." in text
    assert "Write the e-mail like name@example.kz." in text
    assert 'data-testid="form-errors"' in html and 'aria-invalid="true"' in html
    # Nothing typed is lost: every field comes back as it was (escaped).
    assert 'value="+7 727 000 00 00, call me"' in html and 'value="office at test.kz"' in html
    assert "Абай даңғылы, 1 &lt;b&gt;" in html
    for name in ("hours_kk", "hours_ru", "controller_name_kk", "controller_address_ru"):
        assert CONTACTS[name] in html, name
    assert _office(app, "75") is None and _audits(app, "75") == []


@pytest.mark.parametrize("phones", ["12", "+7 727 000 00 00 ext. 5", "7-7-7", "+" + "9" * 20])
def test_a_phone_number_must_be_one(app, login, phones):
    response = _post(login("superadmin"), "75", {"phones": phones})
    assert response.status_code == 200 and "is not a phone number" in _text(response.get_data(as_text=True))
    assert _office(app, "75") is None


def test_what_was_typed_comes_back_escaped_in_the_error_too(login):
    html = _post(login("superadmin"), "75", {"phones": "<script>alert(1)</script>"}).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "“&lt;script&gt;alert(1)&lt;/script&gt;” is not a phone number." in html


def test_saving_the_same_contacts_again_changes_nothing(app, login):
    client = login("superadmin")
    _post(client, "75", CONTACTS)
    again = _post(client, "75", CONTACTS)
    assert again.status_code == 302
    assert len(_audits(app, "75")) == 1
    assert "Nothing changed." in client.get("/admin/region_office/").get_data(as_text=True)


def test_the_service_refuses_other_regions_and_roles(app_ctx, people):
    region = db.session.get(Region, "75")
    with pytest.raises(RegionMismatch):
        offices.save_contacts(people["akimat71"], region, {"email": "a@test.kz"})
    with pytest.raises(PermissionDenied):
        offices.save_contacts(people["committee"], region, {"email": "a@test.kz"})
    assert region.office is None
    assert offices.save_contacts(people["ombudsman75"], region, {}) == {}  # empty and new: nothing written
    assert db.session.get(RegionOffice, "75") is None


def test_the_audit_log_names_the_action_and_the_fields(app, login):
    client = login("superadmin")
    _post(client, "75", {"email": "office.75@test.kz", "hours_ru": "Пн–Пт 9:00–18:00"})
    assert str(audit_words.ACTIONS["region_office.update"]) == "Office contacts changed"
    assert audit_words.OBJECTS["region_office"]
    [event] = _audits(app, "75")
    page = client.get(f"/admin/audit/details/?id={event.id}").get_data(as_text=True)
    text = _text(page)
    assert "Office contacts changed" in text
    assert "E-mail" in text and "Reception hours (Russian)" in text and "Пн–Пт 9:00–18:00" in text


# --- the public pages --------------------------------------------------------------------------------

def test_the_home_page_shows_the_office_once_a_region_is_chosen(app, client):
    _publish(app)
    first = client.get("/?lang=ru").get_data(as_text=True)
    assert 'data-testid="office-choice"' in first and 'data-testid="office-contacts"' not in first
    assert '<select id="office-region" name="region">' in first
    html = client.get("/?region=75").get_data(as_text=True)
    card = html[html.index('data-testid="office-contacts"'):]
    card = card[:card.index("</section>")]
    assert 'href="tel:+77270000000"' in card and 'href="tel:+77000000075"' in card
    assert '<a class="office-email" href="mailto:office.75@test.kz">office.75@test.kz</a>' in card
    assert "г. Алматы, просп. Абая, 1, кабинет 214" in card and "Пн–Пт 9:00–18:00" in card
    assert "Алматы қ." not in card  # Russian page, Russian texts
    assert '<option value="75" selected>город Алматы</option>' in html
    # Remembered for the browser session, then shown without ?region=.
    with client.session_transaction() as session:
        assert session["office_region"] == "75"
    again = client.get("/?lang=kk").get_data(as_text=True)
    assert 'data-region="75"' in again and "Алматы қ., Абай даңғылы, 1, 214-кабинет" in again
    assert "Дс–Жм 9:00–18:00" in again
    # English reads Russian; "?region=" forgets the choice.
    english = client.get("/?lang=en").get_data(as_text=True)
    assert "The ombudsman’s office of Almaty city" in english and "Пн–Пт 9:00–18:00" in english
    assert 'data-testid="office-contacts"' not in client.get("/?region=").get_data(as_text=True)
    with client.session_transaction() as session:
        assert "office_region" not in session


def test_the_region_choice_lists_the_cities_apart_sorted(client):
    html = client.get("/?lang=kk").get_data(as_text=True)
    groups = re.findall(r'<optgroup label="([^"]+)">(.*?)</optgroup>', html, re.S)
    assert len(groups) == 2
    cities = re.findall(r'<option value="\d\d">([^<]+)</option>', groups[0][1])
    oblasts = re.findall(r'<option value="\d\d">([^<]+)</option>', groups[1][1])
    assert cities == ["Алматы қаласы", "Астана қаласы", "Шымкент қаласы"]
    assert len(oblasts) == 17 and oblasts[:3] == ["Абай облысы", "Ақмола облысы", "Ақтөбе облысы"]
    assert oblasts == sorted(oblasts, key=sort_key) and oblasts[-1] == "Шығыс Қазақстан облысы"


def test_an_empty_field_is_not_shown(app, client):
    _publish(app, "71", phones="+7 7172 00 00 00")
    html = client.get("/?region=71&lang=en").get_data(as_text=True)
    card = html[html.index('data-testid="office-contacts"'):html.index("</section>", html.index("office-contacts"))]
    assert 'href="tel:+77172000000"' in card
    for label in ("E-mail", "Address", "Reception hours", "mailto:"):
        assert label not in card, label


def test_a_region_without_contacts_says_so_with_the_help_line(app, client):
    with app.app_context():
        db.session.add(Setting(key="emergency_numbers", value="112, 102, 111"))
        db.session.commit()
    html = client.get("/?region=79&lang=en").get_data(as_text=True)
    card = html[html.index('data-testid="office-contacts"'):]
    card = card[:card.index("</section>")]
    assert "not published yet" in card and 'href="tel:111"' in card
    assert 'href="tel:112"' not in card  # the emergency numbers are elsewhere on the page


@pytest.mark.parametrize("query", ["region=99", "region=abc", "region=%3Cscript%3E", "region=75x", "region=%D9%A3"])
def test_an_unknown_region_is_a_notice_not_an_error(client, query):
    for path in ("/", "/privacy"):
        response = client.get(f"{path}?{query}&lang=en")
        html = response.get_data(as_text=True)
        assert response.status_code == 400, (path, query)
        assert "There is no such region. Choose your region from the list." in html
        assert 'data-testid="office-contacts"' not in html and 'id="office-region"' in html


def test_the_status_page_shows_the_office_of_the_cases_region(app, client):
    _publish(app, "71", phones="+7 7172 00 00 00", email="office.71@test.kz")
    with app.app_context():
        _case, code = gen_case(region="71")
        db.session.commit()
    page = client.get("/status?lang=en")
    opened = client.post("/status", data={"csrf_token": csrf_token(page.get_data(as_text=True)), "code": code})
    assert opened.status_code == 302
    html = client.get("/status").get_data(as_text=True)
    assert 'data-testid="office-contacts" data-region="71"' in html
    assert "The ombudsman’s office of Astana city" in html and "mailto:office.71@test.kz" in html


def test_the_privacy_notice_names_the_data_controller_and_the_rights(app, client):
    _publish(app)
    before = client.get("/privacy?lang=ru").get_data(as_text=True)
    assert 'data-testid="data-controller"' not in before and 'id="office-region"' in before
    html = client.get("/privacy?region=75").get_data(as_text=True)
    controller = _text(html[html.index('data-testid="data-controller"'):html.index("</p>", html.index(
        'data-testid="data-controller"'))])
    assert "Аппарат акима города Алматы" in controller and "г. Алматы, просп. Абая, 1" in controller
    assert 'data-testid="office-contacts" data-region="75"' in html and "mailto:office.75@test.kz" in html
    english = _text(client.get("/privacy?lang=en").get_data(as_text=True))  # the region remembered
    assert "Who is responsible for your data" in english and "Аппарат акима города Алматы" in english
    for right in ("know whether we keep personal data", "correct or complete", "withdraw your consent"):
        assert right in english, right
    assert "No. 94-V" in english


def test_the_privacy_notice_says_when_no_controller_is_named(app, client):
    _publish(app, "79", phones="+7 7252 00 00 00")
    html = client.get("/privacy?region=79&lang=en").get_data(as_text=True)
    assert 'data-testid="data-controller-missing"' in html and 'href="tel:+77252000000"' in html


def test_the_partial_needs_only_a_region(app):
    """The confirmation page includes it with ``{% with region=case.region %}``."""
    _publish(app, "75")
    with app.test_request_context("/?lang=ru"):
        region = db.session.get(Region, "75")
        html = render_template("public/_office_contacts.html", region=region)
        assert "<h2 " in html and "город Алматы" in html and 'href="tel:+77270000000"' in html
        empty = render_template("public/_office_contacts.html", region=db.session.get(Region, "79"))
        assert 'data-testid="office-not-published"' in empty


def test_the_demo_fills_every_regions_office(app_ctx):
    demo.seed_offices()
    rows = db.session.scalars(select(RegionOffice)).all()
    assert len(rows) == 20
    for office in rows:
        assert office.has_contacts and office.names_controller
        assert all(target.startswith("tel:+77") for _number, target in office.phone_links())
        assert office.email == f"office.{office.region_code}@demo.kz"
        assert office.text("address", "kk") != office.text("address", "ru")
        assert office.text("hours", "kk").startswith("Дс") and office.text("hours", "ru").startswith("Пн")
    assert db.session.get(RegionOffice, "11").controller_name_ru == "Аппарат акима Акмолинской области"
    assert db.session.get(RegionOffice, "10").controller_name_ru == "Аппарат акима области Абай"
    assert db.session.get(RegionOffice, "71").controller_name_kk == "Астана қаласы әкімінің аппараты"
    demo.seed_offices()  # again: nothing added, nothing changed
    assert len(db.session.scalars(select(RegionOffice)).all()) == 20
