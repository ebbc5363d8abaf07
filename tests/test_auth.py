"""Staff login at /login: CSRF, safe ``next``, throttling, same error text, sessions."""
import time

import pytest

from extensions import db
from models import AuditEvent, User
from services.users import set_enabled, set_password
from tests.helpers import PASSWORD, AuthActions, gen_user


@pytest.fixture
def akimat75(app):
    with app.app_context():
        return gen_user("akimat_admin", "75", name="Akimat 75")


def test_login_lands_on_admin_and_greets_by_region(client, auth, akimat75):
    response = auth.login(akimat75.email)
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/"
    page = client.get("/admin/?lang=en").get_data(as_text=True)
    assert "Akimat 75" in page and "Almaty" in page


def test_email_is_case_insensitive(client, auth, akimat75):
    assert auth.login(akimat75.email.upper()).status_code == 302


def test_same_error_for_unknown_email_and_wrong_password(client, auth, akimat75):
    unknown = auth.login("nobody@test.kz", "whatever-password-1")
    wrong = auth.login(akimat75.email, "wrong-password-123")
    assert unknown.status_code == wrong.status_code == 401
    strip = lambda r: r.get_data(as_text=True).replace("nobody@test.kz", "").replace(akimat75.email, "")
    assert strip(unknown).count("flash-error") == 1
    unknown_msg = strip(unknown).split('class="flash flash-error">')[1].split("<")[0]
    wrong_msg = strip(wrong).split('class="flash flash-error">')[1].split("<")[0]
    assert unknown_msg == wrong_msg


def test_login_without_csrf_token_is_refused(client, akimat75):
    response = client.post("/login", data={"email": akimat75.email, "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/admin/").status_code == 302


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example",
                                    "javascript:alert(1)", "http:/evil"])
def test_next_must_be_a_local_path(client, auth, akimat75, target):
    response = auth.login(akimat75.email, next_url=target)
    assert response.headers["Location"] == "/admin/"


def test_next_local_path_is_followed(client, auth, akimat75):
    response = auth.login(akimat75.email, next_url="/admin/region/")
    assert response.headers["Location"] == "/admin/region/"


def test_failed_logins_are_throttled_per_account_and_address(client, auth, akimat75, app):
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        assert auth.login(akimat75.email, "wrong-password-123").status_code == 401
    blocked = auth.login(akimat75.email)  # even the right password waits now
    assert blocked.status_code == 401
    assert "15" in blocked.get_data(as_text=True)  # says how long to wait
    assert client.get("/admin/").status_code == 302


def _from(app, address):
    """A browser at another address."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return AuthActions(client)


def test_a_strangers_wrong_passwords_do_not_lock_the_staff_member_out(auth, akimat75, app):
    """Issue 16, item 2: the stranger's address is blocked for this account; the staff member
    logs in from their own, only slowed down."""
    stranger = _from(app, "198.51.100.7")
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"] + 2):
        assert stranger.login(akimat75.email, "wrong-password-123").status_code == 401
    assert "15" in stranger.login(akimat75.email).get_data(as_text=True)  # blocked, even the right one
    started = time.monotonic()
    assert auth.login(akimat75.email).status_code == 302  # the owner, from their own address
    assert time.monotonic() - started >= app.config["LOGIN_SLOWDOWN_SECONDS"]


def test_failed_logins_are_throttled_per_address(client, auth, akimat75, app):
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 3
    try:
        for n in range(3):
            auth.login(f"nobody{n}@test.kz", "wrong-password-123")
        assert auth.login(akimat75.email).status_code == 401
    finally:
        app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 20


def test_failed_login_is_audited(client, auth, akimat75, app):
    auth.login(akimat75.email, "wrong-password-123")
    with app.app_context():
        event = db.session.query(AuditEvent).filter_by(action="login.failed").one()
        assert event.actor_id == akimat75.id


def test_session_cookie_flags(client, auth, akimat75):
    response = auth.login(akimat75.email)
    cookie = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("session=")][0]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_logout_needs_post_with_csrf(client, auth, akimat75):
    auth.login(akimat75.email)
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    auth.logout()
    assert client.get("/admin/").status_code == 302


def test_disabled_user_is_locked_out_at_next_request(client, auth, akimat75, app):
    auth.login(akimat75.email)
    assert client.get("/admin/").status_code == 200
    with app.app_context():
        set_enabled(db.session.get(User, akimat75.id), False)
        db.session.commit()
    response = client.get("/admin/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_disabled_user_cannot_log_in(client, auth, akimat75, app):
    with app.app_context():
        set_enabled(db.session.get(User, akimat75.id), False)
        db.session.commit()
    client.get("/login?lang=en")
    refused = auth.login(akimat75.email)
    assert refused.status_code == 401 and "Your account is disabled." in refused.get_data(as_text=True)
    wrong = auth.login(akimat75.email, password="not-the-password-123")
    assert wrong.status_code == 401 and "Wrong e-mail or password." in wrong.get_data(as_text=True)
    assert "disabled" not in wrong.get_data(as_text=True)  # a stranger learns nothing more


def test_a_dismissed_ombudsman_is_told_so_at_login(client, auth, app):
    from datetime import date

    from services import appointments

    with app.app_context():
        akimat, commissioner = gen_user("akimat_admin", "75"), gen_user("commissioner")
        appointment = appointments.propose(akimat, "75", full_name="Дана Бекова", email="dana@test.kz")
        appointments.request_consent(akimat, appointment)
        appointments.grant_consent(commissioner, appointment, "04-12/1", date(2025, 1, 20))
        appointments.record_order(akimat, appointment, "15-ө", date(2025, 2, 3))
        set_password(appointment.user, PASSWORD, actor=appointment.user)
        appointments.request_dismissal(akimat, appointment, "Moved to another city")
        appointments.grant_dismissal(commissioner, appointment, "04-12/9", date(2025, 6, 2))
        appointments.record_dismissal(akimat, appointment, "88-ө", date(2025, 6, 10))
        db.session.commit()
    client.get("/login?lang=en")
    refused = auth.login("dana@test.kz")
    assert refused.status_code == 401 and "dismissed" in refused.get_data(as_text=True)


def test_anonymous_admin_redirects_to_login(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
