"""Two-factor login in a real browser: a commissioner is sent to set it up at first login,
adds the key shown on the page (the one in the QR code) to an "app" (pyotp), sees the
recovery codes once, logs out, and logs in again with a code."""
import re
from urllib.parse import parse_qs, urlsplit

import pyotp
import pytest
import segno
from playwright.sync_api import expect

from services import two_factor
from tests.browser import browser, live_server, log_out, page, shot  # noqa: F401
from tests.helpers import PASSWORD, gen_user

pytestmark = pytest.mark.browser


@pytest.fixture
def browser_locale():
    return "en-US"


def _code(secret, step):
    return pyotp.TOTP(secret).at(step * two_factor.STEP_SECONDS)


def _submit_password(page, live_server, email):
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form.stacked-form [type=submit]").click()


def test_commissioner_enrols_from_the_qr_code_and_logs_in_with_a_code(app, live_server, page):
    with app.app_context():
        email = gen_user("commissioner", two_factor_login=False).email

    _submit_password(page, live_server, email)
    expect(page).to_have_url(f"{live_server}/account/two-factor")
    page.goto(f"{live_server}/admin/")  # nothing else opens before two-factor login is set up
    expect(page).to_have_url(f"{live_server}/account/two-factor")

    qr = page.locator("svg.qr-code")
    expect(qr).to_be_visible()
    secret = page.locator("[data-testid=totp-secret]").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    # The QR code on the page is the provisioning address of this very secret.
    uri = pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=two_factor.ISSUER)
    assert parse_qs(urlsplit(uri).query)["secret"] == [secret]
    expected = segno.make(uri, error="m").svg_inline(scale=5, border=4, dark="#000", light="#fff")
    drawn = re.search(r' d="([^"]+)"', qr.evaluate("node => node.outerHTML")).group(1)
    assert f' d="{drawn}"' in expected
    shot(page, "two_factor_enrol")

    enrol_step = two_factor.current_step()
    page.fill("input[name=code]", _code(secret, enrol_step))
    page.locator("form.stacked-form [type=submit]").click()
    codes = page.locator("[data-testid=recovery-codes] li")
    expect(codes).to_have_count(10)
    assert all(re.fullmatch(r"[a-z2-7]{5}-[a-z2-7]{5}", text) for text in codes.all_inner_texts())
    shot(page, "two_factor_recovery_codes")
    page.locator("a.button-primary", has_text="I have saved them").click()
    expect(page).to_have_url(f"{live_server}/admin/")
    expect(page.locator("[data-testid=current-user]")).to_have_text(email)
    log_out(page, live_server)

    _submit_password(page, live_server, email)
    expect(page).to_have_url(f"{live_server}/login/two-factor")
    # The code that confirmed the set-up is spent; the app's next code (one step ahead is
    # accepted, for phones whose clock runs fast) logs in.
    page.fill("input[name=code]", _code(secret, enrol_step))
    page.locator("form.stacked-form [type=submit]").click()
    expect(page.locator(".flash-error")).to_be_visible()
    expect(page).to_have_url(f"{live_server}/login/two-factor")
    page.fill("input[name=code]", _code(secret, two_factor.current_step() + 1))
    page.locator("form.stacked-form [type=submit]").click()
    expect(page).to_have_url(f"{live_server}/admin/")
    expect(page.locator("[data-testid=current-user]")).to_have_text(email)
    shot(page, "two_factor_logged_in")
