"""The admin panel: who may open what, and region isolation by list, URL and export."""
import pytest

from tests.helpers import csrf_token


@pytest.mark.parametrize("who", ["superadmin", "commissioner", "committee", "akimat75", "ombudsman75"])
def test_every_role_reaches_admin_home(client, auth, people, who):
    auth.login(people[who].email)
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize("who,status", [("superadmin", 200), ("akimat75", 200), ("commissioner", 403),
                                        ("committee", 403), ("ombudsman75", 403)])
def test_users_screen_roles(client, auth, people, who, status):
    auth.login(people[who].email)
    assert client.get("/admin/user/").status_code == status


def test_akimat_admin_lists_only_own_region_users(client, auth, people):
    auth.login(people["akimat75"].email)
    page = client.get("/admin/user/").get_data(as_text=True)
    assert people["ombudsman75"].email in page
    assert people["ombudsman71"].email not in page
    assert people["akimat71"].email not in page
    assert people["superadmin"].email not in page


def test_akimat_admin_cannot_open_other_region_user_by_url(client, auth, people):
    auth.login(people["akimat75"].email)
    other = people["ombudsman71"]
    for url in (f"/admin/user/details/?id={other.id}", f"/admin/user/edit/?id={other.id}"):
        response = client.get(url, follow_redirects=True)
        assert other.email not in response.get_data(as_text=True), url
    own = client.get(f"/admin/user/details/?id={people['ombudsman75'].id}")
    assert people["ombudsman75"].email in own.get_data(as_text=True)


def test_akimat_admin_export_holds_only_own_region(client, auth, people):
    auth.login(people["akimat75"].email)
    response = client.get("/admin/user/export/csv/")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert people["ombudsman75"].email in body
    assert people["ombudsman71"].email not in body and people["superadmin"].email not in body


def test_akimat_admin_is_read_only_on_users(client, auth, people):
    auth.login(people["akimat75"].email)
    page = client.get("/admin/user/").get_data(as_text=True)
    assert "/admin/user/new/" not in page
    token = csrf_token(client.get("/admin/").get_data(as_text=True))
    response = client.post("/admin/user/new/", data={"csrf_token": token, "email": "x@test.kz",
                                                     "role": "superadmin"})
    assert response.status_code in (302, 403)
    listing = client.get("/admin/user/").get_data(as_text=True)
    assert "x@test.kz" not in listing


def test_akimat_admin_sees_only_own_region_in_regions(client, auth, people):
    auth.login(people["akimat75"].email)
    page = client.get("/admin/region/?lang=en").get_data(as_text=True)
    assert "KZ-75" in page and "KZ-71" not in page
    assert "Record does not exist" in client.get("/admin/region/edit/?id=71",
                                                 follow_redirects=True).get_data(as_text=True) \
        or client.get("/admin/region/edit/?id=71").status_code in (302, 403)


def test_superadmin_creates_user_with_csrf(client, auth, people, app):
    auth.login(people["superadmin"].email)
    form = client.get("/admin/user/new/").get_data(as_text=True)
    response = client.post("/admin/user/new/", data={
        "csrf_token": csrf_token(form), "email": "new.ombudsman@test.kz", "name": "New",
        "role": "ombudsman", "region": "79", "is_enabled": "y"})
    assert response.status_code == 302
    assert "new.ombudsman@test.kz" in client.get("/admin/user/").get_data(as_text=True)


def test_superadmin_create_without_csrf_is_refused(client, auth, people):
    auth.login(people["superadmin"].email)
    client.post("/admin/user/new/", data={"email": "nocsrf@test.kz", "role": "committee"})
    assert "nocsrf@test.kz" not in client.get("/admin/user/").get_data(as_text=True)


def test_regional_role_without_region_gets_a_clear_message(client, auth, people):
    auth.login(people["superadmin"].email)
    form = client.get("/admin/user/new/?lang=en").get_data(as_text=True)
    response = client.post("/admin/user/new/?lang=en", data={
        "csrf_token": csrf_token(form), "email": "noregion@test.kz", "role": "ombudsman"},
        follow_redirects=True)
    assert response.status_code == 200
    assert "This role needs a region." in response.get_data(as_text=True)
    assert "noregion@test.kz" not in client.get("/admin/user/").get_data(as_text=True)


def test_duplicate_email_gets_a_clear_message(client, auth, people):
    auth.login(people["superadmin"].email)
    form = client.get("/admin/user/new/?lang=en").get_data(as_text=True)
    response = client.post("/admin/user/new/?lang=en", data={
        "csrf_token": csrf_token(form), "email": people["committee"].email.upper(),
        "role": "committee"}, follow_redirects=True)
    body = response.get_data(as_text=True)
    assert "already exists" in body and "IntegrityError" not in body
