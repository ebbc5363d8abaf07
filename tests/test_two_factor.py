"""Two-factor login: enrolment, TOTP codes (window, no reuse), recovery codes, throttling,
who must use it, and the reset by a superadmin; through the services and through the pages."""
import hashlib
import hmac
import re
from urllib.parse import parse_qs, unquote, urlsplit

import pyotp
import pytest
from sqlalchemy import select

from extensions import db
from models import AuditEvent, RecoveryCode, Setting, User
from services import two_factor
from core.errors import InvalidInput, PermissionDenied
from services.two_factor import TwoFactorFailed, TwoFactorThrottled
from tests.helpers import PASSWORD, SECOND_FACTORS, TOTP_SECRET, AuthActions, csrf_token, gen_user

ADDRESS = "192.0.2.1"


def totp(secret=TOTP_SECRET, step=None):
    step = two_factor.current_step() if step is None else step
    return pyotp.TOTP(secret).at(step * two_factor.STEP_SECONDS)


def actions(user_id, prefix="two_factor."):
    return [e.action for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.actor_id == user_id, AuditEvent.action.startswith(prefix))
        .order_by(AuditEvent.id))]


class Clock:
    """``time.time`` of services.two_factor, moved by hand."""

    def __init__(self, now):
        self.now = now

    def time(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    fake = Clock(1_900_000_000.0)  # the start of a 30-second step
    monkeypatch.setattr(two_factor, "time", fake)
    return fake


# --- who must use it -----------------------------------------------------------------------------

@pytest.mark.parametrize("role,region,required", [
    ("superadmin", None, True), ("commissioner", None, True), ("committee", None, False),
    ("akimat_admin", "75", False), ("ombudsman", "75", False)])
def test_required_for_the_superadmin_and_the_commissioners_office(app_ctx, role, region, required):
    user = gen_user(role, region, two_factor_login=False)
    assert two_factor.required_for(user) is required


def test_the_setting_requires_it_of_everyone(app_ctx):
    user = gen_user("ombudsman", "75")
    db.session.add(Setting(key="two_factor_for_all", value="true"))
    db.session.flush()
    assert two_factor.required_for(user)
    db.session.get(Setting, "two_factor_for_all").value = "false"
    db.session.flush()
    assert not two_factor.required_for(user)


def test_the_setting_is_off_by_default(app_ctx):
    assert two_factor.required_for(gen_user("committee")) is False


# --- enrolment -----------------------------------------------------------------------------------

def test_enrolment_keeps_its_secret_until_confirmed(app_ctx):
    user = gen_user("commissioner", two_factor_login=False)
    secret = two_factor.begin_enrolment(user)
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    assert two_factor.begin_enrolment(user) == secret
    assert not two_factor.is_enabled(user)
    uri = urlsplit(two_factor.provisioning_uri(user))
    assert uri.scheme == "otpauth" and uri.netloc == "totp"
    assert unquote(uri.path) == f"/Children's Ombudsman KZ:{user.email}"
    assert parse_qs(uri.query)["secret"] == [secret]


def test_the_qr_code_is_our_own_inline_svg(app_ctx):
    user = gen_user("commissioner", two_factor_login=False)
    two_factor.begin_enrolment(user)
    svg = str(two_factor.qr_code_svg(user, "QR <code>"))
    assert svg.startswith("<svg") and 'class="qr-code"' in svg
    assert "<title>QR &lt;code&gt;</title>" in svg
    assert "<script" not in svg and "http" not in svg and "href" not in svg


def test_a_wrong_code_does_not_turn_it_on(app_ctx, clock):
    user = gen_user("commissioner", two_factor_login=False)
    secret = two_factor.begin_enrolment(user)
    step = two_factor.current_step()
    with pytest.raises(TwoFactorFailed):
        two_factor.confirm_enrolment(user, totp(secret, step + 2))
    assert not two_factor.is_enabled(user)
    assert actions(user.id) == ["two_factor.failed"]


def test_confirmed_enrolment_gives_ten_recovery_codes_stored_as_keyed_hashes(app, app_ctx, clock):
    user = gen_user("commissioner", two_factor_login=False)
    secret = two_factor.begin_enrolment(user)
    codes = two_factor.confirm_enrolment(user, totp(secret))
    assert two_factor.is_enabled(user) and user.totp_secret == secret
    assert len(codes) == 10 == len(set(codes))
    assert all(re.fullmatch(r"[a-z2-7]{5}-[a-z2-7]{5}", code) for code in codes)
    stored = db.session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id)).all()
    assert len(stored) == 10 and all(row.used_at is None for row in stored)
    expected = {hmac.new(app.secret_key.encode(), b"recovery-code:" + code.replace("-", "").encode(),
                         hashlib.sha256).hexdigest() for code in codes}
    assert {row.code_hash for row in stored} == expected
    assert not any(code.replace("-", "") in row.code_hash for row in stored for code in codes)
    assert actions(user.id) == ["two_factor.enrol"]
    with pytest.raises(InvalidInput):
        two_factor.begin_enrolment(user)


# --- codes at login ------------------------------------------------------------------------------

def test_a_code_is_accepted_once(app_ctx, clock):
    user = gen_user("akimat_admin", "75", two_factor_login=True)
    clock.now += 30
    code = totp()
    assert two_factor.verify_login(user, code, ADDRESS) == "totp"
    with pytest.raises(TwoFactorFailed, match="already been used"):
        two_factor.verify_login(user, code, ADDRESS)
    clock.now += 30
    assert two_factor.verify_login(user, totp(), ADDRESS) == "totp"
    assert actions(user.id) == ["two_factor.enrol", "two_factor.login", "two_factor.failed",
                                "two_factor.login"]
    failed = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "two_factor.failed")).one()
    assert failed.data["reason"] == "reused" and failed.object_id == str(user.id)


def test_the_code_used_to_enrol_cannot_log_in(app_ctx, clock):
    user = gen_user("commissioner", two_factor_login=False)
    secret = two_factor.begin_enrolment(user)
    code = totp(secret)
    two_factor.confirm_enrolment(user, code)
    with pytest.raises(TwoFactorFailed):
        two_factor.verify_login(user, code, ADDRESS)


def test_one_step_early_or_late_is_accepted_two_are_not(app_ctx, clock):
    user = gen_user("commissioner")  # enrolled at the clock's step
    clock.now += 5 * 30
    here = two_factor.current_step()
    for wrong in (here - 2, here + 2):
        with pytest.raises(TwoFactorFailed, match="Wrong code"):
            two_factor.verify_login(user, totp(step=wrong), ADDRESS)
    assert two_factor.verify_login(user, totp(step=here - 1), ADDRESS) == "totp"
    # After a later step was accepted, an earlier one is refused even if still in the window.
    assert two_factor.verify_login(user, totp(step=here + 1), ADDRESS) == "totp"
    with pytest.raises(TwoFactorFailed):
        two_factor.verify_login(user, totp(step=here), ADDRESS)


def test_a_recovery_code_works_once_whatever_its_case_and_spaces(app_ctx, clock):
    user = gen_user("commissioner")
    codes = list(SECOND_FACTORS[user.email].recovery_codes)
    typed = " " + codes[3].upper().replace("-", " - ") + " "
    assert two_factor.verify_login(user, typed, ADDRESS) == "recovery_code"
    assert two_factor.recovery_codes_left(user) == 9
    with pytest.raises(TwoFactorFailed):
        two_factor.verify_login(user, codes[3], ADDRESS)
    used = db.session.scalars(select(RecoveryCode).where(RecoveryCode.used_at.is_not(None))).one()
    assert used.user_id == user.id
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "two_factor.recovery_code_used")).one()
    assert event.data == {"remaining": 9} and codes[3] not in str(event.data)
    assert actions(user.id)[-3:] == ["two_factor.recovery_code_used", "two_factor.login", "two_factor.failed"]


def test_another_users_recovery_code_does_not_work(app_ctx):
    first = gen_user("commissioner")
    code = SECOND_FACTORS[first.email].recovery_codes[0]
    second = gen_user("superadmin")
    with pytest.raises(TwoFactorFailed):
        two_factor.verify_login(second, code, ADDRESS)


def test_wrong_codes_are_throttled_per_account(app, app_ctx, clock):
    user = gen_user("commissioner")
    clock.now += 30
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        with pytest.raises(TwoFactorFailed):
            two_factor.verify_login(user, "000000" if totp() != "000000" else "111111", ADDRESS)
    with pytest.raises(TwoFactorThrottled, match="15 minutes"):
        two_factor.verify_login(user, totp(), ADDRESS)
    with pytest.raises(TwoFactorThrottled):
        two_factor.verify_login(user, SECOND_FACTORS[user.email].recovery_codes[0], "192.0.2.99")


def test_new_recovery_codes_replace_the_old_ones(app_ctx):
    user = gen_user("commissioner")
    old = SECOND_FACTORS[user.email].recovery_codes[0]
    with pytest.raises(InvalidInput):
        two_factor.new_recovery_codes(user, "not-the-password")
    new = two_factor.new_recovery_codes(user, PASSWORD)
    assert len(new) == 10 and old not in new
    with pytest.raises(TwoFactorFailed):
        two_factor.verify_login(user, old, ADDRESS)
    assert two_factor.verify_login(user, new[0], ADDRESS) == "recovery_code"


# --- turning it off, resetting it -----------------------------------------------------------------

def test_a_required_user_cannot_turn_it_off(app_ctx):
    user = gen_user("commissioner")
    with pytest.raises(PermissionDenied):
        two_factor.turn_off(user, PASSWORD)
    assert two_factor.is_enabled(user)


def test_a_volunteer_turns_it_off_with_their_password(app_ctx):
    user = gen_user("ombudsman", "75", two_factor_login=True)
    with pytest.raises(InvalidInput):
        two_factor.turn_off(user, "wrong-password-123")
    two_factor.turn_off(user, PASSWORD)
    assert not two_factor.is_enabled(user) and user.totp_secret is None
    assert two_factor.recovery_codes_left(user) == 0
    assert "two_factor.disable" in actions(user.id)


def test_a_superadmin_resets_it_and_the_users_sessions_end(app_ctx):
    admin = gen_user("superadmin")
    user = gen_user("commissioner")
    version = user.session_version
    with pytest.raises(PermissionDenied):
        two_factor.reset(user, actor=gen_user("akimat_admin", "75"))
    two_factor.reset(user, actor=admin)
    assert not two_factor.is_enabled(user) and user.totp_secret is None
    assert two_factor.recovery_codes_left(user) == 0
    assert user.session_version == version + 1
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "two_factor.reset")).one()
    assert (event.actor_id, event.object_id, event.data) == (admin.id, str(user.id), {"was_enabled": True})


# --- through the pages ----------------------------------------------------------------------------

def _post_code(client, code, url="/login/two-factor"):
    """Post a code, the page in English (flashed messages are written in the request's language)."""
    page = client.get(url)
    return client.post(url + "?lang=en", data={"csrf_token": csrf_token(page.get_data(as_text=True)),
                                               "code": code})


def _password_step(client, email, next_url=None):
    page = client.get("/login" + (f"?next={next_url}" if next_url else ""))
    html = page.get_data(as_text=True)
    data = {"csrf_token": csrf_token(html), "email": email, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post("/login", data=data)


def test_login_asks_for_the_code_after_the_password(app, client):
    with app.app_context():
        user = gen_user("commissioner")
    response = _password_step(client, user.email, next_url="/admin/region/")
    assert response.status_code == 302 and response.headers["Location"] == "/login/two-factor"
    assert client.get("/admin/").status_code == 302  # not logged in yet
    page = client.get("/login/two-factor?lang=en").get_data(as_text=True)
    assert 'autocomplete="one-time-code"' in page

    wrong = _post_code(client, "000000" if totp() != "000000" else "111111")
    assert wrong.status_code == 401 and "Wrong code." in wrong.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302

    response = _post_code(client, totp(step=two_factor.current_step() + 1))
    assert response.status_code == 302 and response.headers["Location"] == "/admin/region/"
    assert client.get("/admin/").status_code == 200
    with app.app_context():
        assert actions(user.id)[-2:] == ["two_factor.failed", "two_factor.login"]


def test_the_second_step_without_a_password_goes_back_to_login(client):
    response = client.get("/login/two-factor")
    assert response.status_code == 302 and response.headers["Location"] == "/login"


def test_the_pending_step_lasts_five_minutes(app, client):
    with app.app_context():
        user = gen_user("commissioner")
    _password_step(client, user.email)
    with client.session_transaction() as session:
        marker = session["two_factor_pending"]
        marker["at"] -= 5 * 60 + 1
        session["two_factor_pending"] = marker
    response = client.get("/login/two-factor")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert client.get("/admin/").status_code == 302


def test_the_pending_step_ends_when_the_account_changes(app, client):
    with app.app_context():
        user = gen_user("commissioner")
    _password_step(client, user.email)
    with app.app_context():
        db.session.get(User, user.id).session_version += 1
        db.session.commit()
    response = client.get("/login/two-factor")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert client.get("/admin/").status_code == 302


def test_wrong_codes_are_throttled_at_the_login(app, client):
    with app.app_context():
        user = gen_user("commissioner")
    _password_step(client, user.email)
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        assert _post_code(client, "000000" if totp() != "000000" else "111111").status_code == 401
    blocked = _post_code(client, SECOND_FACTORS[user.email].recovery_codes[0])
    assert blocked.status_code == 401 and "15" in blocked.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302


def test_a_recovery_code_logs_in_and_few_left_are_announced(app, client):
    with app.app_context():
        user = gen_user("commissioner")
        codes = SECOND_FACTORS[user.email].recovery_codes
        for code in codes[:7]:
            two_factor.verify_login(db.session.get(User, user.id), code, ADDRESS)
        db.session.commit()
    _password_step(client, user.email)
    response = _post_code(client, codes[7])
    assert response.status_code == 302
    page = client.get("/admin/?lang=en").get_data(as_text=True)
    assert "You have 2 recovery codes left." in page


def test_the_same_code_cannot_log_in_twice(app):
    with app.app_context():
        user = gen_user("commissioner")
        user_id = user.id
    step = two_factor.current_step() + 1  # in the window, and after the step used to enrol
    first, second = app.test_client(), app.test_client()
    _password_step(first, user.email)
    _password_step(second, user.email)
    assert _post_code(first, totp(step=step)).status_code == 302
    refused = _post_code(second, totp(step=step))
    assert refused.status_code == 401 and "already been used" in refused.get_data(as_text=True)
    with app.app_context():
        assert actions(user_id)[-2:] == ["two_factor.login", "two_factor.failed"]


def test_a_user_who_must_enrol_is_sent_to_enrolment_first(app, client, auth):
    with app.app_context():
        user = gen_user("commissioner", two_factor_login=False)
    response = auth.login(user.email, enrol=False)
    assert response.status_code == 302 and response.headers["Location"] == "/account/two-factor"
    for path in ("/admin/", "/admin/case/", "/admin/user/", "/account/", "/account/password"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"] == "/account/two-factor", path
    # The public site, static files and the enrolment page itself stay open.
    assert client.get("/").status_code == 200
    assert client.get("/privacy").status_code == 200
    assert client.get("/static/css/site.css").status_code == 200
    enrol = client.get("/account/two-factor?lang=en")
    assert enrol.status_code == 200 and "Your account needs two-factor login" in enrol.get_data(as_text=True)
    auth.logout(page="/account/two-factor")
    assert client.get("/admin/").headers["Location"].startswith("/login")


def test_enrolment_page_shows_the_qr_code_and_the_secret_then_the_codes_once(app, client, auth):
    with app.app_context():
        user = gen_user("superadmin", two_factor_login=False)
    auth.login(user.email, enrol=False)
    response = client.get("/account/two-factor")
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    secret = re.search(r'id="totp-secret"[^>]*>([A-Z2-7]{32})<', page).group(1)
    assert '<svg' in page and 'class="qr-code"' in page
    with app.app_context():
        assert db.session.get(User, user.id).totp_secret == secret
    assert client.get("/account/two-factor").get_data(as_text=True).count(secret) == 1  # same secret

    wrong = _post_code(client, totp(secret, two_factor.current_step() + 3), url="/account/two-factor")
    assert wrong.status_code == 400
    done = _post_code(client, totp(secret), url="/account/two-factor")
    assert done.status_code == 200 and done.headers["Cache-Control"] == "no-store"
    codes = re.findall(r"<li>([a-z2-7]{5}-[a-z2-7]{5})</li>", done.get_data(as_text=True))
    assert len(codes) == 10
    assert 'href="/admin/"' in done.get_data(as_text=True)
    assert client.get("/admin/").status_code == 200
    # Shown once: the page now says it is on, and the codes are nowhere.
    again = client.get("/account/two-factor")
    assert again.status_code == 302 and again.headers["Location"] == "/account/"
    assert not any(code in client.get("/account/").get_data(as_text=True) for code in codes)
    with app.app_context():
        assert actions(user.id)[-2:] == ["two_factor.failed", "two_factor.enrol"]


def test_the_setting_sends_every_role_to_enrolment(app, client, auth):
    with app.app_context():
        user = gen_user("ombudsman", "75")
        db.session.add(Setting(key="two_factor_for_all", value="true"))
        db.session.commit()
    response = auth.login(user.email, enrol=False)
    assert response.headers["Location"] == "/account/two-factor"
    assert client.get("/admin/").headers["Location"] == "/account/two-factor"


def test_anyone_may_enrol_from_their_account_page(app, client, auth):
    with app.app_context():
        user = gen_user("akimat_admin", "75")
    auth.login(user.email)
    account = client.get("/account/?lang=en").get_data(as_text=True)
    assert 'href="/account/two-factor"' in account and 'href="/account/password"' in account
    auth.enrol(user.email)
    assert "Recovery codes left: 10." in client.get("/account/?lang=en").get_data(as_text=True)
    auth.logout()
    response = auth.login(user.email)  # now with the code
    assert response.status_code == 302 and response.headers["Location"] == "/admin/"
    with app.app_context():
        assert actions(user.id)[0] == "two_factor.enrol" and actions(user.id)[-1] == "two_factor.login"


def _token(html, form):
    """The CSRF token of a form with a prefix (``off-csrf_token``)."""
    return re.search(rf'name="{form}-csrf_token"[^>]*value="([^"]+)"', html).group(1)


def test_turning_it_off_on_the_account_page(app, client, auth):
    with app.app_context():
        volunteer = gen_user("akimat_admin", "75", two_factor_login=True)
        required = gen_user("commissioner")
    auth.login(volunteer.email)
    page = client.get("/account/").get_data(as_text=True)
    assert "/account/two-factor/turn-off" in page
    client.post("/account/two-factor/turn-off", data={"off-csrf_token": _token(page, "off"),
                                                      "off-password": PASSWORD})
    with app.app_context():
        assert not two_factor.is_enabled(db.session.get(User, volunteer.id))

    other = app.test_client()
    AuthActions(other).login(required.email)
    page = other.get("/account/").get_data(as_text=True)
    assert "/account/two-factor/turn-off" not in page
    other.post("/account/two-factor/turn-off", data={"off-csrf_token": _token(page, "codes"),
                                                     "off-password": PASSWORD})
    with app.app_context():
        assert two_factor.is_enabled(db.session.get(User, required.id))


def test_new_recovery_codes_on_the_account_page(app, client, auth):
    with app.app_context():
        user = gen_user("commissioner")
    auth.login(user.email)
    page = client.get("/account/").get_data(as_text=True)
    response = client.post("/account/two-factor/recovery-codes",
                           data={"codes-csrf_token": _token(page, "codes"), "codes-password": PASSWORD})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert len(re.findall(r"<li>([a-z2-7]{5}-[a-z2-7]{5})</li>", response.get_data(as_text=True))) == 10


def _reset_through_the_users_screen(client, user_id):
    page = client.get("/admin/user/").get_data(as_text=True)
    return client.post("/admin/user/action/", data={
        "csrf_token": csrf_token(page), "action": "reset_two_factor", "rowid": str(user_id)})


def test_a_superadmin_resets_two_factor_on_the_users_screen(app, auth, client):
    with app.app_context():
        admin = gen_user("superadmin")
        target = gen_user("commissioner")
    victim = app.test_client()
    AuthActions(victim).login(target.email)
    assert victim.get("/admin/").status_code == 200

    auth.login(admin.email)
    assert "reset_two_factor" in client.get("/admin/user/").get_data(as_text=True)
    assert _reset_through_the_users_screen(client, target.id).status_code == 302
    with app.app_context():
        user = db.session.get(User, target.id)
        assert not two_factor.is_enabled(user)
        assert actions(admin.id)[-1] == "two_factor.reset"
    # Their session has ended; at the next login they must enrol again.
    assert victim.get("/admin/").headers["Location"].startswith("/login")
    response = AuthActions(victim).login(target.email, enrol=False)
    assert response.headers["Location"] == "/account/two-factor"


def test_an_akimat_administrator_cannot_reset_two_factor(app, auth, client, people):
    auth.login(people["akimat75"].email)
    assert "reset_two_factor" not in client.get("/admin/user/").get_data(as_text=True)
    _reset_through_the_users_screen(client, people["ombudsman75"].id)
    _reset_through_the_users_screen(client, people["commissioner"].id)
    with app.app_context():
        assert two_factor.is_enabled(db.session.get(User, people["commissioner"].id))
        assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "two_factor.reset")).all() == []


def test_the_users_screen_shows_who_has_two_factor_login(app, auth, client, people):
    auth.login(people["superadmin"].email)
    page = client.get("/admin/user/?lang=en").get_data(as_text=True)
    assert "Two-factor login since" in page
