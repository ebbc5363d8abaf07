"""Reports in a real browser [R8], [R3]: the ombudsman reads the draft in Kazakh, switches
it to Russian, submits it and downloads the frozen PDF; the Commissioner's office sees the
roll-up; the dashboard and a builder report draw their charts. No CSP violation anywhere.

Selectors are ids and data attributes, never English text: the pages are shown in Kazakh.
"""
import re

import pytest
from playwright.sync_api import expect

from extensions import db
from tests.browser import assert_no_csp_violations, browser, live_server, log_in, page, shot  # noqa: F401
from tests.helpers import gen_user
from tests.test_reports import build_cases, build_registries

pytestmark = pytest.mark.browser


@pytest.fixture
def people(app):
    with app.app_context():
        build_cases()
        build_registries()
        db.session.commit()
        return {"ombudsman": gen_user("ombudsman", "75").email,
                "commissioner": gen_user("commissioner").email}


def test_submit_the_half_year_report(app, live_server, page, people):
    log_in(page, live_server, people["ombudsman"])
    expect(page.locator("svg.chart").first).to_be_visible()  # the dashboard on the home page
    # Every chart is whole on a 1280-pixel screen: this month's bar is not scrolled out of sight.
    boxes = page.locator('[data-testid^="dashboard-chart-"] .chart-scroll')
    assert boxes.count() >= 3
    assert boxes.evaluate_all("boxes => boxes.filter(b => b.scrollWidth > b.clientWidth + 1).length") == 0
    shot(page, "reports-dashboard-kk")

    page.goto(f"{live_server}/admin/half_year_report/?year=2026&half=1")
    preview = page.locator('[data-testid="report-preview"]')
    expect(preview).to_contain_text("Қабылданған өтініштер [6-т. 2) тт.]")
    expect(preview.locator('[data-section="received"] td').first).to_have_text("5")
    shot(page, "reports-half-year-draft-kk")
    page.locator('[data-testid="report-lang-ru"]').click()
    expect(preview).to_contain_text("Поступившие обращения [пп. 2) п. 6]")

    page.locator('[data-testid="submit-report"]').click()
    expect(page).to_have_url(re.compile(r"/admin/half_year_report/version/\?id=\d+"))
    expect(page.locator('[data-testid="frozen-note"]')).to_be_visible()
    with page.expect_download() as download:
        page.locator('[data-testid="download-pdf"]').click()
    assert download.value.suggested_filename.endswith("-v1-ru.pdf")
    shot(page, "reports-half-year-submitted-ru")
    assert_no_csp_violations(page)


def test_rollup_and_builder(app, live_server, page, people):
    log_in(page, live_server, people["commissioner"])
    page.goto(f"{live_server}/admin/national_rollup/?year=2026&half=1")
    expect(page.locator('[data-testid="submission-status"] tr[data-region]')).to_have_count(20)
    expect(page.locator('[data-testid="rollup"]')).to_be_visible()
    shot(page, "reports-rollup-kk")

    page.goto(f"{live_server}/admin/report_definition/new/?dataset=cases")
    page.fill("#name", "Санаттар бойынша")
    page.select_option("#group_by", "category")
    page.locator("form.admin-form [type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/admin/report_definition/run/\?id=\d+"))
    expect(page.locator("svg.chart")).to_be_visible()
    shot(page, "reports-builder-run-kk")
    assert_no_csp_violations(page)
