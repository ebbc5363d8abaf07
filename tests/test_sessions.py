"""Staff sessions: idle timeout and absolute lifetime, every session ending on a password,
role, region or status change, the password changed by its owner, and the reset link."""
import re
import time
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import select

from config import Config
from extensions import db
from models import AuditEvent, OutboxMessage, Region, Setting, User
from services import notifications, password_links
from services.users import end_sessions_if_access_changed, set_enabled
from tests.helpers import PASSWORD, AuthActions, admin_form_data, csrf_token, gen_user

NEW_PASSWORD = "a-brand-new-password-42"


@pytest.fixture
def akimat(app):
    with app.app_context():
        return gen_user("akimat_admin", "75")


def _logged_in(app, email):
    client = app.test_client()
    assert AuthActions(client).login(email).status_code == 302
    assert client.get("/admin/").status_code == 200
    return client


def _is_out(client):
    response = client.get("/admin/")
    return response.status_code == 302 and response.headers["Location"].startswith("/login")


def _move_back(client, seconds, key):
    with client.session_transaction() as session:
        session[key] -= seconds


# --- cookie and lifetime ----------------------------------------------------------------------------

def test_login_stamps_the_session(client, auth, akimat):
    before = int(time.time())
    auth.login(akimat.email)
    with client.session_transaction() as session:
        assert before <= session["login_at"] == session["seen_at"] <= int(time.time())


def test_cookie_flags(client, auth, akimat, app):
    response = auth.login(akimat.email)
    cookie = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("session=")][0]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert app.config["PERMANENT_SESSION_LIFETIME"] == timedelta(hours=app.config["SESSION_MAX_HOURS"])


def test_production_cookies_are_secure():
    class Production(Config):
        APP_ENV = "production"

    config = Production()
    assert config.SESSION_COOKIE_SECURE and config.REMEMBER_COOKIE_SECURE
    assert config.SESSION_COOKIE_HTTPONLY and config.SESSION_COOKIE_SAMESITE == "Lax"


def test_a_request_within_the_idle_time_keeps_the_session(client, auth, akimat):
    auth.login(akimat.email)
    _move_back(client, 29 * 60, "seen_at")
    assert client.get("/admin/").status_code == 200
    with client.session_transaction() as session:
        assert int(time.time()) - session["seen_at"] <= 2


def test_idle_for_30_minutes_logs_out_with_a_message(client, auth, akimat):
    auth.login(akimat.email)
    _move_back(client, 30 * 60 + 1, "seen_at")
    response = client.get("/admin/region/?lang=en")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/admin/region/?lang%3Den"
    page = client.get("/login?lang=en").get_data(as_text=True)
    assert "logged out after 30 minutes without activity" in page
    assert _is_out(client)


def test_the_idle_time_is_a_setting(app, client, auth, akimat):
    with app.app_context():
        db.session.add(Setting(key="session_idle_minutes", value="10"))
        db.session.commit()
    auth.login(akimat.email)
    _move_back(client, 10 * 60 + 1, "seen_at")
    assert _is_out(client)


def test_an_idle_time_below_five_minutes_counts_as_five(app, client, auth, akimat):
    with app.app_context():
        db.session.add(Setting(key="session_idle_minutes", value="0"))
        db.session.commit()
    auth.login(akimat.email)
    _move_back(client, 4 * 60, "seen_at")
    assert client.get("/admin/").status_code == 200


def test_a_session_ends_12_hours_after_login_even_when_busy(client, auth, akimat):
    auth.login(akimat.email)
    _move_back(client, 12 * 3600 - 60, "login_at")
    assert client.get("/admin/").status_code == 200
    _move_back(client, 61, "login_at")
    response = client.get("/admin/?lang=en")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert "at most 12 hours" in client.get("/login?lang=en").get_data(as_text=True)
    assert _is_out(client)


def test_the_lifetime_is_a_setting(app, client, auth, akimat):
    with app.app_context():
        db.session.add(Setting(key="session_max_hours", value="2"))
        db.session.commit()
    auth.login(akimat.email)
    _move_back(client, 2 * 3600 + 1, "login_at")
    assert _is_out(client)


def test_an_expired_session_on_the_public_site_just_ends(client, auth, akimat):
    auth.login(akimat.email)
    _move_back(client, 31 * 60, "seen_at")
    assert client.get("/").status_code == 200
    with client.session_transaction() as session:
        assert "_user_id" not in session and "login_at" not in session
    assert _is_out(client)


# --- every session ends ------------------------------------------------------------------------------

def test_disabling_ends_every_session(app, akimat):
    first, second = _logged_in(app, akimat.email), _logged_in(app, akimat.email)
    with app.app_context():
        set_enabled(db.session.get(User, akimat.id), False)
        db.session.commit()
    assert _is_out(first) and _is_out(second)


def _edit_user(app, user_id, **changes):
    admin = _logged_in(app, "superadmin.kz@test.kz")
    html = admin.get(f"/admin/user/edit/?id={user_id}").get_data(as_text=True)
    data = admin_form_data(html)
    data.update({key: [value] for key, value in changes.items()})
    response = admin.post(f"/admin/user/edit/?id={user_id}", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)


@pytest.mark.parametrize("changes", [{"role": "ombudsman"}, {"region": "71"}, {"email": "moved@test.kz"}])
def test_a_new_role_region_or_email_ends_every_session(app, akimat, changes):
    with app.app_context():
        gen_user("superadmin")
    victim = _logged_in(app, akimat.email)
    _edit_user(app, akimat.id, **changes)
    with app.app_context():
        user = db.session.get(User, akimat.id)
        assert (user.role, user.region_code, user.email) != ("akimat_admin", "75", akimat.email)
    assert _is_out(victim)


def test_a_new_name_does_not_end_the_session(app, akimat):
    with app.app_context():
        gen_user("superadmin")
    victim = _logged_in(app, akimat.email)
    _edit_user(app, akimat.id, name="Renamed")
    with app.app_context():
        assert db.session.get(User, akimat.id).name == "Renamed"
    assert victim.get("/admin/").status_code == 200


def test_an_ended_session_says_so_on_the_login_page(app, client, auth, akimat):
    auth.login(akimat.email)
    with app.app_context():
        db.session.get(User, akimat.id).session_version += 1
        db.session.commit()
    response = client.get("/admin/?lang=en", follow_redirects=True)
    assert "Your session has ended" in response.get_data(as_text=True)


# --- changing one's password ----------------------------------------------------------------------------

def _change_password(client, old, new, confirm=None):
    page = client.get("/account/password").get_data(as_text=True)
    return client.post("/account/password?lang=en", data={
        "csrf_token": csrf_token(page), "old_password": old, "password": new,
        "confirm": new if confirm is None else confirm})


def test_changing_the_password_ends_the_other_sessions_only(app, akimat):
    this, other = _logged_in(app, akimat.email), _logged_in(app, akimat.email)
    response = _change_password(this, PASSWORD, NEW_PASSWORD)
    assert response.status_code == 302 and response.headers["Location"] == "/account/"
    assert this.get("/admin/").status_code == 200
    assert _is_out(other)
    with this.session_transaction() as session:
        assert session["_user_id"].endswith(":2")
    fresh = app.test_client()
    assert AuthActions(fresh).login(akimat.email).status_code == 401
    assert AuthActions(fresh).login(akimat.email, NEW_PASSWORD).status_code == 302
    with app.app_context():
        assert db.session.scalars(select(AuditEvent.action).where(
            AuditEvent.object_id == str(akimat.id), AuditEvent.action == "user.password")).all()


def test_changing_the_password_keeps_two_factor_users_logged_in(app):
    with app.app_context():
        user = gen_user("commissioner")
    this = _logged_in(app, user.email)
    assert _change_password(this, PASSWORD, NEW_PASSWORD).status_code == 302
    assert this.get("/admin/").status_code == 200


@pytest.mark.parametrize("old,new,confirm,message", [
    ("wrong-password-123", NEW_PASSWORD, None, "The current password is not right."),
    (PASSWORD, "short", None, "Field must be between 12 and 1000 characters long."),
    (PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "x", "The passwords differ."),
    (PASSWORD, PASSWORD, None, "The new password must differ from the current one."),
])
def test_a_refused_password_change_changes_nothing(app, akimat, old, new, confirm, message):
    client = _logged_in(app, akimat.email)
    response = _change_password(client, old, new, confirm)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 200
    assert AuthActions(app.test_client()).login(akimat.email).status_code == 302


def test_wrong_current_passwords_are_throttled_and_audited(app, akimat):
    client = _logged_in(app, akimat.email)
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        _change_password(client, "wrong-password-123", NEW_PASSWORD)
    blocked = _change_password(client, PASSWORD, NEW_PASSWORD)
    assert blocked.status_code == 400 and "Too many failed attempts" in blocked.get_data(as_text=True)
    with app.app_context():
        assert len(db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "user.password_check_failed")).all()) == 5


def test_the_password_page_needs_a_login(client):
    response = client.get("/account/password")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")


# --- forgotten password ------------------------------------------------------------------------------

def _forgot(client, email):
    page = client.get("/password/forgot")
    return client.post("/password/forgot?lang=en", data={
        "csrf_token": csrf_token(page.get_data(as_text=True)), "email": email})


def _reset_mails(app):
    """The reset e-mails sent: requests are queued as they are, and written at delivery."""
    with app.app_context():
        notifications.deliver_due()
        return db.session.scalars(select(OutboxMessage).where(OutboxMessage.topic == "password_reset",
                                                              OutboxMessage.status == "sent")
                                  .order_by(OutboxMessage.id)).all()


def _link(message):
    links = {t.rstrip(".") for t in re.findall(r"/password/set/([\w.-]+)", message.body)}
    assert len(links) == 1
    return f"/password/set/{links.pop()}"


def test_the_login_page_links_to_the_forgotten_password_page(client):
    page = client.get("/login?lang=en").get_data(as_text=True)
    assert 'href="/password/forgot"' in page and "Forgot your password?" in page


def test_the_answer_is_the_same_for_known_and_unknown_e_mails(app, client, akimat):
    known = _forgot(client, akimat.email.upper())
    unknown = _forgot(app.test_client(), "nobody@test.kz")
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"] == "/login"
    assert client.get("/login?lang=en").get_data(as_text=True).count("If an account with this e-mail exists") == 1
    [mail] = _reset_mails(app)
    assert mail.recipients == [akimat.email]
    assert app.config["PUBLIC_BASE_URL"] + "/password/set/" in mail.body


def test_a_disabled_account_gets_no_link(app, client, akimat):
    with app.app_context():
        set_enabled(db.session.get(User, akimat.id), False)
        db.session.commit()
    assert _forgot(client, akimat.email).status_code == 302
    assert _reset_mails(app) == []


def test_the_reset_link_works_once_and_ends_every_session(app, client, akimat):
    session = _logged_in(app, akimat.email)
    _forgot(client, akimat.email)
    link = _link(_reset_mails(app)[0])
    page = client.get(link)
    assert page.status_code == 200
    response = client.post(link, data={"csrf_token": csrf_token(page.get_data(as_text=True)),
                                       "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert _is_out(session)
    used = client.get(link + "?lang=en")
    assert used.status_code == 400 and "already been used" in used.get_data(as_text=True)
    assert AuthActions(app.test_client()).login(akimat.email, NEW_PASSWORD).status_code == 302


def test_a_reset_does_not_skip_two_factor_login(app, client):
    with app.app_context():
        user = gen_user("commissioner")
        link = urlsplit(password_links.set_password_url(user, password_links.RESET)).path
    page = client.get(link)
    client.post(link, data={"csrf_token": csrf_token(page.get_data(as_text=True)),
                            "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    fresh = app.test_client()
    login_page = fresh.get("/login")
    response = fresh.post("/login", data={"csrf_token": csrf_token(login_page.get_data(as_text=True)),
                                          "email": user.email, "password": NEW_PASSWORD})
    assert response.headers["Location"] == "/login/two-factor"


def test_the_reset_link_expires_after_two_hours(app, client, akimat, monkeypatch):
    with app.app_context():
        user = db.session.get(User, akimat.id)
        tokens = {}
        for minutes in (119, 121):
            with monkeypatch.context() as patch:
                patch.setattr(TimestampSigner, "get_timestamp",
                              lambda self, minutes=minutes: int(time.time()) - minutes * 60)
                tokens[minutes] = password_links.make_token(user, password_links.RESET)
    assert client.get(f"/password/set/{tokens[119]}").status_code == 200
    expired = client.get(f"/password/set/{tokens[121]}?lang=en")
    assert expired.status_code == 400 and "This link has expired. Ask for a new one." in expired.get_data(as_text=True)
    assert 'href="/password/forgot"' in expired.get_data(as_text=True)


def test_a_new_role_voids_an_unused_link(app, client, akimat):
    _forgot(client, akimat.email)
    link = _link(_reset_mails(app)[0])
    with app.app_context():
        user = db.session.get(User, akimat.id)
        user.role, user.region = "ombudsman", db.session.get(Region, "75")
        assert end_sessions_if_access_changed(user) == ["role"]
        db.session.commit()
    assert client.get(link).status_code == 400


def test_requests_are_limited_per_account_and_per_address(app, client, akimat):
    for _ in range(5):
        assert _forgot(client, akimat.email).status_code == 302
    assert len(_reset_mails(app)) == password_links.RESET_LINKS_PER_ACCOUNT
    for n in range(password_links.RESET_REQUESTS_PER_ADDRESS - 5):
        assert _forgot(client, f"nobody{n}@test.kz").status_code == 302
    blocked = _forgot(client, "someone@test.kz")
    assert blocked.status_code == 429 and "Too many requests" in blocked.get_data(as_text=True)


def test_a_reset_request_is_audited_without_saying_so_to_the_page(app, client, akimat):
    _forgot(client, akimat.email)
    assert len(_reset_mails(app)) == 1  # audited when the link is written, at delivery
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "user.password_reset_requested")).one()
        assert event.object_id == str(akimat.id)


# --- a copy of the cookie is refused once its session ended (issue 16, item 1) --------------------

def _cookie(client):
    return client.get_cookie("session").value


def _replayed(app, cookie):
    """A new browser that presents ``cookie``, as a thief with a copy would."""
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    return thief


def _logout(client):
    token = csrf_token(client.get("/admin/").get_data(as_text=True))
    return client.post("/logout", data={"csrf_token": token})


def test_a_cookie_copied_before_logout_is_refused_after_it(app, akimat):
    client = _logged_in(app, akimat.email)
    copy = _cookie(client)
    assert not _is_out(_replayed(app, copy))  # the copy works while the session lives
    assert _logout(client).status_code == 302
    assert _is_out(_replayed(app, copy))
    assert _is_out(client)


def test_a_cookie_copied_before_a_password_change_is_refused_after_it(app, akimat):
    client = _logged_in(app, akimat.email)
    other = _logged_in(app, akimat.email)
    copy = _cookie(other)
    assert _change_password(client, PASSWORD, NEW_PASSWORD).status_code == 302
    assert _is_out(_replayed(app, copy)) and _is_out(other)
    assert not _is_out(client)  # the session that changed it goes on


def test_an_administrator_ends_all_sessions_of_a_user(app, login, people):
    akimat = people["akimat75"]
    victim = _logged_in(app, akimat.email)
    copy = _cookie(victim)
    admin = login("superadmin")
    page = admin.get("/admin/user/").get_data(as_text=True)
    assert "end_sessions" in page
    response = admin.post("/admin/user/action/?lang=en", data={
        "csrf_token": csrf_token(page), "action": "end_sessions", "rowid": str(akimat.id)}, follow_redirects=True)
    assert "All sessions of 1 user have ended." in response.get_data(as_text=True)
    assert _is_out(victim) and _is_out(_replayed(app, copy))
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.sessions_ended"))
        assert event.object_id == str(akimat.id) and event.data["sessions"] == 1


def test_the_database_keeps_no_token_that_opens_a_session(app, akimat):
    from models import StaffSession

    client = _logged_in(app, akimat.email)
    with client.session_transaction() as session:
        token = session["session_token"]
    with app.app_context():
        hashes = db.session.scalars(select(StaffSession.token_hash)).all()
    assert token not in hashes and len(hashes) >= 1


def test_staff_pages_exports_and_files_are_not_stored(app, login):
    client = login("commissioner")
    for path in ("/admin/", "/admin/case/", "/admin/case/export/csv/", "/admin/audit/"):
        response = client.get(path)
        assert response.headers.get("Cache-Control") == "no-store", path
    assert "no-store" not in (app.test_client().get("/static/css/site.css").headers.get("Cache-Control") or "")


def test_a_reset_request_does_the_same_work_whether_or_not_the_account_exists(app, client, akimat):
    """Issue 16, item 2: the page queues one request either way; only the worker knows."""
    def queued():
        with app.app_context():
            return db.session.scalars(select(OutboxMessage).where(OutboxMessage.topic == "password_reset")
                                      .order_by(OutboxMessage.id)).all()

    _forgot(client, akimat.email)
    _forgot(app.test_client(), "nobody@test.kz")
    known, unknown = queued()
    assert (known.subject, known.body, known.status) == (unknown.subject, unknown.body, unknown.status) == (
        "", "", "pending")
    [sent] = _reset_mails(app)
    assert sent.recipients == [akimat.email]
    with app.app_context():
        dropped = db.session.get(OutboxMessage, unknown.id)
        assert dropped.status == "dropped" and dropped.body == ""
