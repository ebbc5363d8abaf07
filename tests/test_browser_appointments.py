"""An appointment clicked through in a real browser [R4]: propose → consent → order.

Selectors are data attributes, never English text: the pages are shown in Kazakh.
Screenshots along the way go to /tmp/screens/appt-*.png.
"""
import re
from datetime import date

import pytest
from playwright.sync_api import expect

from tests.browser import (PDF, assert_no_csp_violations, browser, live_server, log_in,  # noqa: F401
                           log_out, page, shot)
from tests.helpers import gen_user

pytestmark = pytest.mark.browser


def confirm_step(page, action):
    """Press the step's button on the details page, then confirm its form."""
    page.locator(f'[data-testid=step-buttons] [data-action="{action}"]').click()
    expect(page).to_have_url(re.compile(rf"/admin/appointment/step/{action}/\?id=\d+"))
    return page.locator("[data-testid=step-form]")


def test_propose_consent_and_order(app, live_server, page, tmp_path):
    with app.app_context():
        akimat = gen_user("akimat_admin", "75").email
        commissioner = gen_user("commissioner").email
    letter = tmp_path / "Келісім хаты.pdf"
    letter.write_bytes(PDF)

    # The akimat administrator proposes a candidate through the Create form.
    log_in(page, live_server, akimat)
    page.goto(f"{live_server}/admin/appointment/")
    page.locator('a[href^="/admin/appointment/new/"]').first.click()
    expect(page).to_have_url(re.compile(r"/admin/appointment/new/"))
    page.fill("#full_name", "Айгерім Сәрсенова")
    page.fill("#email", "new.ombudsman@test.kz")
    page.fill("#workplace", "№ 12 мектеп-гимназия, директор")
    shot(page, "appt-1-create")
    page.locator("form.admin-form input[type=submit]:not([name])").click()
    # Saved: the proposal itself, with its next step.
    expect(page).to_have_url(re.compile(r"/admin/appointment/details/\?id=\d+"))
    shot(page, "appt-2-details")
    expect(page.locator("[data-testid=state]")).to_have_attribute("data-state", "draft")
    details_url = page.url

    # ... and asks for the Commissioner's consent.
    form = confirm_step(page, "request_consent")
    shot(page, "appt-3-request-consent")
    form.locator("[data-testid=confirm-step]").click()
    expect(page.locator("[data-testid=state]")).to_have_attribute("data-state", "consent_requested")
    expect(page.locator("[data-testid=step-buttons] [data-action]")).to_have_count(0)
    log_out(page, live_server)

    # The Commissioner finds the request with the list's Year filter (Flask-Admin's script,
    # under our CSP) and on the overview, then grants consent with the scanned letter.
    log_in(page, live_server, commissioner)
    page.goto(f"{live_server}/admin/appointment/")
    page.locator("a.dropdown-toggle:has(+ .field-filters)").click()
    page.locator(".field-filters a.filter").nth(2).click()  # Region, State, Year
    page.locator("#filter_form input.filter-val").fill(str(date.today().year))
    page.locator("#filter_form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"[?&]flt\d+_2=\d{4}"))
    expect(page.locator('a[href*="/admin/appointment/details/"]')).to_have_count(1)
    shot(page, "appt-4-filtered-list")
    page.goto(f"{live_server}/admin/region_overview/")
    expect(page.locator("[data-testid=region-overview] tbody tr").first).to_have_attribute("data-region", "75")
    shot(page, "appt-5-overview")
    page.locator('[data-region="75"] a[href*="/admin/appointment/details/"]').click()
    expect(page.locator("[data-testid=state]")).to_have_attribute("data-state", "consent_requested")
    form = confirm_step(page, "grant_consent")
    form.locator("#number").fill("04-12/318")
    form.locator("#date").fill("2025-01-20")
    form.locator("#file").set_input_files(str(letter))
    shot(page, "appt-6-grant-consent")
    form.locator("[data-testid=confirm-step]").click()
    expect(page.locator("[data-testid=state]")).to_have_attribute("data-state", "consent_granted")
    expect(page.locator('[data-file="consent_file"]')).to_contain_text("Келісім хаты.pdf")
    log_out(page, live_server)

    # The akimat administrator records the akim's order.
    log_in(page, live_server, akimat)
    page.goto(details_url)
    form = confirm_step(page, "record_order")
    form.locator("#number").fill("15-ө")
    form.locator("#date").fill("2025-02-03")
    form.locator("[data-testid=confirm-step]").click()

    expect(page.locator("[data-testid=state]")).to_have_attribute("data-state", "active")
    expect(page.locator("[data-testid=timeline] tbody tr")).to_have_count(4)
    steps = page.locator("[data-testid=timeline] tbody tr")
    assert [steps.nth(i).get_attribute("data-step") for i in range(4)] == [
        "propose", "request_consent", "grant_consent", "record_order"]
    expect(page.locator("[data-testid=step-buttons] [data-action]")).to_have_attribute(
        "data-action", "request_dismissal")
    shot(page, "appt-7-active")
    assert_no_csp_violations(page)
