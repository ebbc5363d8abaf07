"""Browser tests: the app on a live local server, driven by Debian's chromium via Playwright.

Import the fixtures into a test module and mark its tests ``browser``::

    from tests.browser import browser, live_server, page  # noqa: F401

    @pytest.mark.browser
    def test_something(app, live_server, page):
        with app.app_context():
            gen_user("akimat_admin", "75")      # commits: the live server must see it
        page.goto(live_server + "/login")

The ``browser`` marker makes tests/conftest.py empty the tables after the test instead of
rolling back, so data for a browser test is created and committed in ``app.app_context()``.

Chromium is never downloaded (no ``playwright install``): Debian's ``chromium`` package is
used, or ``CHROMIUM_PATH``. Without it the browser tests are skipped, except under
``CI=true``, where they fail. A failing test leaves ``test-artifacts/<test name>.png``.
Every page records its console errors; a Content Security Policy violation fails the test.
The browser asks for Kazakh (``kk-KZ``) unless the module defines a ``browser_locale`` fixture.
"""
import os
from pathlib import Path
import re
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from tests.upload_samples import PLAIN_PDF

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
MISSING_CHROMIUM = "Debian's chromium is missing: install it with `apt-get install chromium` (CI installs it)"
ARTIFACTS = "test-artifacts"
TIMEOUT_MS = 10_000
CSP_MARKER = "content security policy"
DEFAULT_LOCALE = "kk-KZ"


def _on_ci():
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def _chromium_available():
    return os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)


@pytest.fixture(scope="session")
def live_server(app):
    """The session's ``app`` served on 127.0.0.1 (a free port, threaded); yields the base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


# One Playwright and one chromium per run. Each module that imports ``browser`` gets its own
# session-scoped fixture from pytest, and a second ``sync_playwright()`` started while the
# first still runs fails ("Sync API inside the asyncio loop"): so they share this one, which
# is closed when pytest ends.
_SHARED = {}


def _shared_browser(config):
    if "browser" not in _SHARED:
        from playwright.sync_api import sync_playwright

        playwright = sync_playwright().start()
        try:
            _SHARED["browser"] = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        except BaseException:
            playwright.stop()
            raise
        _SHARED["playwright"] = playwright
        config.add_cleanup(_close_shared_browser)
    return _SHARED["browser"]


def _close_shared_browser():
    browser, playwright = _SHARED.pop("browser", None), _SHARED.pop("playwright", None)
    try:
        if browser is not None:
            browser.close()
    finally:
        if playwright is not None:
            playwright.stop()


def launch_another(args):
    """A second chromium of the run's Playwright with extra command-line switches (the shared
    one must be running: ask for the ``browser`` fixture first); the caller closes it."""
    return _SHARED["playwright"].chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, *args])


@pytest.fixture(scope="session")
def browser(request):
    """One headless chromium for the whole run, whichever modules import this fixture."""
    if not _chromium_available():
        if _on_ci():
            pytest.fail(f"{MISSING_CHROMIUM} (looked for {CHROMIUM}; CI=true, so not skipping)",
                        pytrace=False)
        pytest.skip(MISSING_CHROMIUM)
    return _shared_browser(request.config)


def _browser_locale(request):
    """The browser's language, sent as Accept-Language: ``DEFAULT_LOCALE`` unless a module
    (or conftest) defines a ``browser_locale`` fixture. Fixed either way, so that the
    language a page shows does not depend on the machine's own locale."""
    try:
        return request.getfixturevalue("browser_locale")
    except pytest.FixtureLookupError:
        return DEFAULT_LOCALE


@pytest.fixture
def page(request, browser):
    """A fresh browser context (no cookies) and page for each test.

    ``page.console_errors`` lists ``(url, text)`` of every console error; a Content Security
    Policy violation among them fails the test (see ``assert_no_csp_violations``).
    """
    if request.node.get_closest_marker("browser") is None:
        pytest.fail("tests using the browser fixtures must be marked @pytest.mark.browser "
                    "(the live server needs committed data)", pytrace=False)
    _register_report_keeper(request.config)
    context = browser.new_context(locale=_browser_locale(request), viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda message: message.type == "error"
            and page.console_errors.append((page.url, message.text)))
    page.on("pageerror", lambda error: page.console_errors.append((page.url, f"uncaught: {error}")))
    try:
        yield page
        if _failed(request.node) or csp_violations(page):
            _screenshot(request, page)
        assert_no_csp_violations(page)
    finally:
        context.close()


def csp_violations(page):
    """The console errors of ``page`` that report a Content Security Policy violation."""
    return [(url, text) for url, text in page.console_errors if CSP_MARKER in text.lower()]


def assert_no_csp_violations(page):
    violations = csp_violations(page)
    assert not violations, "Content Security Policy violations in the browser console:\n" + "\n".join(
        f"  {url}: {text}" for url, text in violations)


# --- a screenshot when a test fails -----------------------------------------------------------

_REPORTS = pytest.StashKey[dict]()


class _ReportKeeper:
    """Keeps each phase's report on the item, so that fixture teardown knows if the test failed."""

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item, call):
        report = yield
        item.stash.setdefault(_REPORTS, {})[report.when] = report
        return report


def _register_report_keeper(config):
    # A plugin object, registered on first use: tests/conftest.py stays untouched.
    name = "tests.browser.report-keeper"
    if not config.pluginmanager.has_plugin(name):
        config.pluginmanager.register(_ReportKeeper(), name)


def _failed(item):
    reports = item.stash.get(_REPORTS, {})
    return any(report.failed for report in reports.values())


def _screenshot(request, page):
    folder = request.config.rootpath / ARTIFACTS
    folder.mkdir(exist_ok=True)
    name = re.sub(r"[^\w.\-\[\]]+", "_", request.node.name)
    path = folder / f"{name}.png"
    try:
        page.screenshot(path=str(path), full_page=True)
    except Exception as error:  # a crashed page must not hide the test's own failure
        request.node.add_report_section("teardown", "screenshot", f"no screenshot: {error}")
        return
    request.node.add_report_section("teardown", "screenshot", f"saved {path}")


SCREENS = Path("/tmp/screens")
PDF = PLAIN_PDF  # a real PDF: uploads are rewritten by pypdf, an unreadable one refused


def shot(page, name):
    """A full-page screenshot in /tmp/screens, to look at after a run."""
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / f"{name}.png"), full_page=True)


def log_in(page, live_server, email, password=None):
    """Log in through the staff login form and land on the admin home; a user with two-factor
    login types a code (tests.helpers.SecondFactor), as a person would."""
    from playwright.sync_api import expect

    from tests.helpers import PASSWORD, SECOND_FACTORS

    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password or PASSWORD)
    page.locator("form.stacked-form [type=submit]").click()
    if email.lower() in SECOND_FACTORS:
        expect(page).to_have_url(f"{live_server}/login/two-factor")
        page.fill("input[name=code]", SECOND_FACTORS[email.lower()].code())
        page.locator("form.stacked-form [type=submit]").click()
    expect(page).to_have_url(f"{live_server}/admin/")


def log_out(page, live_server):
    from playwright.sync_api import expect

    page.locator('form[action="/logout"] [type=submit]').click()
    expect(page).to_have_url(f"{live_server}/login")
