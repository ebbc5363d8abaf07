"""The public site in a real browser: a report in Kazakh and in Russian with a file and an
extra question, its receipt, /status with a message; axe-core finds no accessibility
violations; the whole form can be filled with the keyboard alone.

Screenshots of every page go to /tmp/screens/public-<page>-<lang>[-phone].png.
"""
import os
import re
import threading

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect
from sqlalchemy import select
from werkzeug.serving import make_server

from extensions import db
from models import Case, CaseMessage
from services import demo
from tests.browser import assert_no_csp_violations, browser, live_server, page, shot  # noqa: F401
from tests.public_helpers import make_questionnaire, png_with_gps

pytestmark = pytest.mark.browser

SCREENS = "/tmp/screens"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
RECEIPT = re.compile(r"^\d{4} \d{4} \d{4} \d{4}$")


@pytest.fixture
def quick_form(app):
    """The form may be sent at once (a robot check otherwise waits MIN_FILL_SECONDS)."""
    saved = app.config["MIN_FILL_SECONDS"]
    app.config["MIN_FILL_SECONDS"] = 0
    yield
    app.config["MIN_FILL_SECONDS"] = saved


@pytest.fixture
def questionnaire(app):
    """A national questionnaire: one required single-choice question (and one shown only
    after the answer "school"), published and committed for the live server."""
    with app.app_context():
        make_questionnaire()


def _screens(page, name, lang):
    os.makedirs(SCREENS, exist_ok=True)
    page.screenshot(path=f"{SCREENS}/public-{name}-{lang}.png", full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=f"{SCREENS}/public-{name}-{lang}-phone.png", full_page=True)
    page.set_viewport_size(DESKTOP)


def _axe_clean(page):
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def _open(page, section):
    """Open an optional part of the report form (a <details>)."""
    page.locator(f"#{section}-summary").click()
    expect(page.locator(f"[data-testid={section}]")).to_have_attribute("open", "")


def _photo():
    return {"name": "photo.png", "mimeType": "image/png", "buffer": png_with_gps()}


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_report_then_status_with_a_message(app, live_server, page, quick_form, questionnaire, lang):
    page.goto(f"{live_server}/?lang={lang}")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    _screens(page, "home", lang)
    page.locator(".report-cta a").click()
    expect(page).to_have_url(f"{live_server}/report")
    _screens(page, "regions", lang)
    page.locator('a[href="/report?region=75"]').click()

    # "Yes, in danger" shows the emergency numbers at once (CSS, no script needed).
    expect(page.locator("#danger-alert")).to_be_hidden()
    page.check("#danger_now-0")
    expect(page.locator("#danger-alert")).to_be_visible()
    expect(page.locator('#danger-alert a[href="tel:112"]')).to_be_visible()
    page.check("#danger_now-1")
    expect(page.locator("#danger-alert")).to_be_hidden()

    page.fill("#child1-age", "11")
    page.fill("#description", "Бір топ оқушы сабақтан кейін күн сайын оны ұрады. Мұғалімдер ештеңе істемейді.")
    _open(page, "section-children")
    page.check("#child1-sex-0")
    page.locator("details.another-child summary").first.click()
    page.fill("#child2-birth_year", "2019")
    _open(page, "section-what")
    page.check("#categories-2")
    _open(page, "section-who")
    page.check("#responsible-2")
    # The region's required question is drawn open; its dependent one is hidden by the
    # script until "At school" is chosen.
    expect(page.locator("#q-teacher_told-0")).to_be_hidden()
    page.check("#q-place-1")
    expect(page.locator("#q-teacher_told-0")).to_be_visible()
    page.check("#q-teacher_told-1")
    _open(page, "section-files")
    page.set_input_files("#attachments", files=[_photo()])
    _screens(page, "report", lang)
    page.locator("form.report-form button[type=submit]").click()

    expect(page).to_have_url(f"{live_server}/report/done")
    number = page.locator("[data-testid=registration-number]").inner_text().strip()
    receipt = page.locator("[data-testid=receipt-code]").inner_text().strip()
    assert re.fullmatch(r"75-\d{4}-\d{6}", number) and RECEIPT.fullmatch(receipt)
    expect(page.locator("[data-print]")).to_be_visible()      # the script shows the Print button
    _screens(page, "done", lang)
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.registration_number == number))
        assert case.language == lang and case.answers == {"place": "school", "teacher_told": "no"}
        assert len(case.children) == 2 and len(case.attachments) == 1
    page.reload()
    expect(page.locator("[data-testid=receipt-code]")).to_have_text(receipt)
    page.check("#saved")
    page.locator("form.saved-form button[type=submit]").click()
    expect(page.locator("[data-testid=receipt-gone]")).to_be_visible()
    expect(page.locator("[data-testid=receipt-code]")).to_have_count(0)

    page.goto(f"{live_server}/status")
    _screens(page, "status", lang)
    page.fill("#code", receipt.replace(" ", "  "))
    page.locator('form[action="/status"] button[type=submit]').click()
    expect(page).to_have_url(f"{live_server}/status")
    expect(page.locator("[data-testid=case-state]")).to_be_visible()
    expect(page.locator("[data-testid=due-on]")).to_be_visible()
    page.fill("#message-body", "Бүгін тағы болды. Сегодня опять.")
    page.set_input_files("#message-attachments", files=[_photo()])
    page.locator('form[action="/status/message"] button[type=submit]').click()
    expect(page.locator(".message-reporter .message-body")).to_have_text("Бүгін тағы болды. Сегодня опять.")
    expect(page.locator(".message-files a")).to_have_text("photo.png")
    _screens(page, "status-case", lang)
    with app.app_context():
        assert db.session.scalar(select(CaseMessage).where(CaseMessage.case_id == case.id)).from_reporter

    page.locator('form[action="/status/close"] button[type=submit]').click()
    expect(page.locator("#code")).to_be_visible()
    assert_no_csp_violations(page)


@pytest.fixture
def offices(app):
    """Every region's office contacts and data controller (the demo's), committed for the live server."""
    with app.app_context():
        demo.seed_offices()
        db.session.commit()


@pytest.mark.parametrize("lang", ["kk", "ru"])
@pytest.mark.parametrize("path, name", [("/", "home"), ("/report?region=75", "report"), ("/status", "status"),
                                        ("/report", "regions"), ("/privacy", "privacy"),
                                        ("/safety", "safety"),
                                        # a region chosen: its office's contacts, the data controller
                                        ("/?region=75", "home-office"), ("/privacy?region=63", "privacy-office")])
def test_no_accessibility_violations(app, live_server, page, questionnaire, offices, lang, path, name):
    sep = "&" if "?" in path else "?"
    page.goto(f"{live_server}{path}{sep}lang={lang}")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    if name.endswith("-office"):
        expect(page.locator("[data-testid=office-contacts]")).to_be_visible()
    _axe_clean(page)
    if name.startswith("privacy") or name.endswith("-office"):
        _screens(page, name, lang)
    page.set_viewport_size(PHONE)
    _axe_clean(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path
    page.set_viewport_size(DESKTOP)
    assert_no_csp_violations(page)


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_no_accessibility_violations_with_errors_and_on_the_case(app, live_server, page, quick_form,
                                                                 questionnaire, lang):
    """The form shown again with errors, the confirmation and the opened case pass too."""
    page.goto(f"{live_server}/report?region=75&lang={lang}")
    page.check("#danger_now-0")
    _open(page, "section-children")
    page.locator("details.another-child summary").first.click()
    page.fill("#child2-name", "Test")
    page.locator("form.report-form button[type=submit]").click()
    expect(page.locator("#error-summary")).to_be_focused()
    expect(page.locator("#danger-alert")).to_be_visible()
    _axe_clean(page)
    _screens(page, "report-errors", lang)

    page.fill("#child1-age", "6")
    page.fill("#child2-age", "4")
    page.fill("#description", "Балабақшаға орын бермейді, екі жыл күттік.")
    _open(page, "section-what")
    page.check("#categories-0")
    _open(page, "section-who")
    page.check("#responsible-5")
    page.check("#q-place-0")
    page.check("#consent")                        # its section is open: it holds an error
    _axe_clean(page)
    page.locator("form.report-form button[type=submit]").click()
    expect(page).to_have_url(f"{live_server}/report/done")
    receipt = page.locator("[data-testid=receipt-code]").inner_text()
    _axe_clean(page)
    page.goto(f"{live_server}/status")
    page.fill("#code", receipt)
    page.keyboard.press("Enter")
    expect(page.locator("[data-testid=case-state]")).to_be_visible()
    _axe_clean(page)
    assert_no_csp_violations(page)


def _focus_id(page):
    return page.evaluate("document.activeElement ? document.activeElement.id : ''")


def _tab_to(page, element_id, limit=120):
    """Press Tab until the element with ``element_id`` has the focus; check it shows."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if _focus_id(page) == element_id:
            outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
            assert outline != "none", f"no visible focus on #{element_id}"
            return
    raise AssertionError(f"Tab never reached #{element_id} (last: #{_focus_id(page)})")


def test_keyboard_only_report(app, live_server, page, quick_form):
    page.goto(f"{live_server}/report?region=75&lang=ru")
    keyboard = page.keyboard
    _tab_to(page, "danger_now-0")
    keyboard.press("ArrowRight")                 # "No": arrows move within a radio group
    assert page.is_checked("#danger_now-1")
    _tab_to(page, "description")
    keyboard.type("Ребёнка не пускают в школу уже месяц, директор не отвечает.")
    _tab_to(page, "child1-age")
    keyboard.type("12")
    _tab_to(page, "section-what-summary")
    keyboard.press("Enter")                      # a closed part opens from the keyboard
    _tab_to(page, "categories-0")
    keyboard.press("Space")
    _tab_to(page, "section-who-summary")
    keyboard.press("Enter")
    _tab_to(page, "responsible-0")
    keyboard.press("ArrowDown")
    keyboard.press("ArrowDown")
    assert page.is_checked("#responsible-2")
    _tab_to(page, "section-you-summary")
    keyboard.press("Enter")
    _tab_to(page, "reporter_type-0")
    keyboard.press("Space")
    _tab_to(page, "reporter_phone")
    keyboard.type("+7 701 555 44 33")
    _tab_to(page, "consent")
    keyboard.press("Space")
    keyboard.press("Tab")
    assert page.evaluate("document.activeElement.type") == "submit"
    keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server}/report/done")
    expect(page.locator("[data-testid=receipt-code]")).to_have_text(RECEIPT)
    with app.app_context():
        case = db.session.scalar(select(Case))
        assert case.language == "ru" and case.reporter_phone == "+7 701 555 44 33" and case.consent_given_at
    assert_no_csp_violations(page)


@pytest.fixture
def neutral_site(app):
    """A neutral page of another origin on this machine, as QUICK_EXIT_URL: the test needs no
    outside network."""
    server = make_server("127.0.0.1", 0, lambda environ, start: start("200 OK", []) or [b"neutral"])
    threading.Thread(target=server.serve_forever, daemon=True).start()
    saved = app.config["QUICK_EXIT_URL"]
    app.config["QUICK_EXIT_URL"] = url = f"http://localhost:{server.server_port}/"
    yield url
    app.config["QUICK_EXIT_URL"] = saved
    server.shutdown()
    server.server_close()


def test_quick_exit_leaves_and_esc_twice(app, live_server, page, neutral_site):
    page.goto(f"{live_server}/")
    page.goto(f"{live_server}/report")
    with page.context.expect_page() as new_tab:  # the neutral site in a new tab too
        page.locator("#quick-exit").click()
    expect(new_tab.value).to_have_url(neutral_site)
    new_tab.value.close()
    expect(page).to_have_url(neutral_site)
    page.go_back()
    # The report page was replaced in the history: "Back" does not return to it.
    assert page.url != f"{live_server}/report"

    page.goto(f"{live_server}/status")
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    expect(page).to_have_url(neutral_site)


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_the_public_figures_fit_a_phone(live_server, page, lang):
    """/stats at 390 px: every column, "answered on time" included, without sideways scrolling."""
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server}/stats?lang={lang}")
    shot(page, f"stats-{lang}-390")
    widest = page.evaluate("""() => [...document.querySelectorAll('.stats-table')]
        .map(e => Math.round(e.getBoundingClientRect().right))""")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], widest


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_on_a_phone_the_quick_exit_hides_no_question(live_server, page, lang):
    """The quick exit is a bar across the top on a phone: whatever is scrolled to (here the
    "in danger now" question, as a link to it brings it up) is never under it."""
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server}/report?region=75&lang={lang}#danger_now-group")
    page.evaluate("document.getElementById('danger_now-group').scrollIntoView()")
    exit_box = page.locator("#quick-exit").bounding_box()
    question = page.locator("#danger_now-group").bounding_box()
    assert question["y"] >= exit_box["y"] + exit_box["height"], (exit_box, question)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


# --- on a phone (issue 19): a child's path, danger first, a code not lost, nothing wider ----------

SCREEN = PHONE["height"]


def _fits_the_width(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], page.url


def _send_shortest(page, danger="1"):
    """The three questions of the shortest path, then "Send"."""
    page.check(f"#danger_now-{danger}")
    page.fill("#description", "Әкем мені күнде ұрады. Отец бьёт меня каждый день.")
    page.fill("#child1-age", "10")
    page.locator("form.report-form button[type=submit]").click()


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_the_shortest_path_fits_three_phone_screens(app, live_server, page, quick_form, lang):
    """From the region list to the confirmation: region, danger, what happened, age, send;
    the form down to its "Send" button fits in 3 screens of 844 px."""
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server}/report?lang={lang}")
    _fits_the_width(page)
    page.locator('a[href="/report?region=71"]').click()
    send = page.locator("form.report-form button[type=submit]").bounding_box()
    height = page.evaluate("window.scrollY") + send["y"] + send["height"]
    assert height <= 3 * SCREEN, f"the form reaches its Send button at {height} px"
    _fits_the_width(page)
    shot(page, f"report-shortest-{lang}-390")
    _send_shortest(page)
    expect(page).to_have_url(f"{live_server}/report/done")
    expect(page.locator("[data-testid=receipt-code]")).to_have_text(RECEIPT)
    _fits_the_width(page)


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_in_danger_the_confirmation_shows_the_numbers_above_the_fold(live_server, page, quick_form, lang):
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server}/report?region=75&lang={lang}")
    _send_shortest(page, danger="0")
    expect(page).to_have_url(f"{live_server}/report/done")
    calls = page.locator('[data-testid=danger-first] a[href^="tel:"]')
    assert calls.count() >= 2
    for number in range(calls.count()):
        box = calls.nth(number).bounding_box()
        assert box["y"] + box["height"] <= SCREEN, (calls.nth(number).inner_text(), box)
    shot(page, f"done-danger-{lang}-390")
    _axe_clean(page)
    _fits_the_width(page)


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_the_code_stays_until_it_is_saved(live_server, page, quick_form, lang):
    """Reload, leave and come back: the code is there until "I have saved it" is ticked;
    it can be copied and saved as a picture on the phone."""
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server}/report?region=75&lang={lang}")
    _send_shortest(page)
    code = page.locator("[data-testid=receipt-code]")
    expect(code).to_have_text(RECEIPT)
    receipt = code.inner_text()
    page.reload()
    expect(code).to_have_text(receipt)
    page.goto(f"{live_server}/")
    page.go_back()
    expect(code).to_have_text(receipt)

    page.locator("[data-copy]").click()
    expect(page.locator("#copy-status")).not_to_be_empty()
    assert page.evaluate("navigator.clipboard.readText()") == receipt
    with page.expect_download() as download:
        page.locator("[data-testid=receipt-card]").click()
    assert download.value.suggested_filename.endswith(".png")
    with open(download.value.path(), "rb") as card:
        assert card.read(8) == b"\x89PNG\r\n\x1a\n"
    shot(page, f"done-code-{lang}-390")
    _axe_clean(page)
    _fits_the_width(page)

    page.locator("form.saved-form button[type=submit]").click()          # not ticked: refused
    expect(page.locator("#saved-error")).to_be_visible()
    expect(code).to_have_text(receipt)
    page.check("#saved")
    page.locator("form.saved-form button[type=submit]").click()
    expect(page.locator("[data-testid=receipt-gone]")).to_be_visible()
    page.reload()
    expect(code).to_have_count(0)
    _axe_clean(page)


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_after_quick_exit_back_shows_neither_the_form_nor_what_was_typed(live_server, page, neutral_site,
                                                                        quick_form, lang):
    page.set_viewport_size(PHONE)
    secret = "Менің құпиям. Мой секрет."
    page.goto(f"{live_server}/?lang={lang}")
    page.goto(f"{live_server}/report?region=75")
    page.fill("#description", secret)
    with page.context.expect_page() as new_tab:
        page.locator("#quick-exit").click()
    new_tab.value.close()
    expect(page).to_have_url(neutral_site)
    page.go_back()
    assert "/report" not in page.url and secret not in page.content()

    # Left from the confirmation, Back shows at most the empty form: no code, nothing typed.
    page.goto(f"{live_server}/report?region=75")
    page.check("#danger_now-1")
    page.fill("#description", secret)
    page.fill("#child1-age", "10")
    page.locator("form.report-form button[type=submit]").click()
    expect(page).to_have_url(f"{live_server}/report/done")
    with page.context.expect_page() as new_tab:
        page.locator("#quick-exit").click()
    new_tab.value.close()
    expect(page).to_have_url(neutral_site)
    page.go_back()
    assert "/report/done" not in page.url and not page.locator("[data-testid=receipt-code]").count()
    assert secret not in page.content() and page.locator("#description").input_value() == ""


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_every_public_page_and_step_fits_a_phone(live_server, page, quick_form, questionnaire, lang):
    """No public page is wider than a 390 px phone, and axe finds nothing on the form with
    every optional part opened, nor on the opened case."""
    page.set_viewport_size(PHONE)
    for path in ("/", "/report", "/report?region=75", "/status", "/privacy", "/safety", "/stats"):
        page.goto(f"{live_server}{path}{'&' if '?' in path else '?'}lang={lang}")
        _fits_the_width(page)
    page.goto(f"{live_server}/report?region=75&lang={lang}")
    for section in ("section-what", "section-who", "section-children", "section-files", "section-you"):
        _open(page, section)
    page.locator("details.another-child summary").first.click()
    _fits_the_width(page)
    _axe_clean(page)
    page.check("#q-place-0")                  # the region's required question, drawn open
    _send_shortest(page)
    receipt = page.locator("[data-testid=receipt-code]").inner_text()
    page.goto(f"{live_server}/status")
    page.fill("#code", receipt)
    page.locator('form[action="/status"] button[type=submit]').click()
    expect(page.locator("[data-testid=case-state]")).to_be_visible()
    _fits_the_width(page)
    _axe_clean(page)


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_the_region_search_narrows_the_list_as_one_types(live_server, page, lang):
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server}/report?lang={lang}")
    page.fill("#region-q", "алм")
    shown = page.locator("li:not([hidden]) a.region-link")
    expect(shown).to_have_count(2)
    assert all("Алмат" in name for name in shown.all_inner_texts())
    page.fill("#region-q", "zzz")
    expect(shown).to_have_count(20)
    expect(page.locator("#region-q-status")).not_to_be_empty()
    _axe_clean(page)
