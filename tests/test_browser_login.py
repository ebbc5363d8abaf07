"""Staff login in a real browser: default language, language switch, log in, log out."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser import assert_no_csp_violations, browser, live_server, page  # noqa: F401
from tests.helpers import PASSWORD, gen_user

pytestmark = pytest.mark.browser


@pytest.fixture
def browser_locale():
    """A browser that asks for none of our languages (de) must get Kazakh, the default."""
    return "de-DE"


def test_login_language_and_logout(app, live_server, page):
    with app.app_context():
        user = gen_user("akimat_admin", "75")
        email = user.email

    page.goto(f"{live_server}/login")
    expect(page.locator("html")).to_have_attribute("lang", "kk")
    assert_no_csp_violations(page)

    page.locator('.lang-switcher a[hreflang="ru"]').click()
    expect(page).to_have_url(re.compile(r"/login\?lang=ru$"))
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    assert any(c["name"] == "lang" and c["value"] == "ru" for c in page.context.cookies())

    # The choice is kept in a cookie: the next page, without ?lang=, is Russian too.
    page.goto(f"{live_server}/login")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.locator('.lang-switcher a[hreflang="ru"]')).to_have_attribute("aria-current", "true")

    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form.stacked-form [type=submit]").click()
    expect(page).to_have_url(f"{live_server}/admin/")
    expect(page.locator("[data-testid=current-user]")).to_have_text(email)
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    # The admin's scripts (jQuery, Bootstrap) run under the CSP: the menu opens, nothing blocked.
    # (Clicked once Bootstrap has bound its dropdowns: on a busy machine a click can come first.)
    page.wait_for_function("window.jQuery !== undefined && jQuery.fn.dropdown !== undefined")
    page.locator("#admin-navbar-collapse .dropdown-toggle").first.click()
    expect(page.locator("#admin-navbar-collapse .dropdown-menu").first).to_be_visible()
    assert_no_csp_violations(page)

    page.locator('form[action="/logout"] [type=submit]').click()
    expect(page).to_have_url(f"{live_server}/login")
    expect(page.locator("[data-testid=current-user]")).to_have_count(0)

    page.goto(f"{live_server}/admin/")
    expect(page).to_have_url(re.compile(re.escape(live_server) + r"/login(\?|$)"))
    assert_no_csp_violations(page)


def test_anonymous_admin_redirects_to_login(live_server, page):
    page.goto(f"{live_server}/admin/")
    expect(page).to_have_url(re.compile(re.escape(live_server) + r"/login(\?|$)"))
    expect(page.locator("form.stacked-form input[name=email]")).to_be_visible()
    assert_no_csp_violations(page)
