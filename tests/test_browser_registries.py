"""A memorandum [R6.8] recorded in a real browser with its signed PDF, then found in the list.

Selectors are ids and data attributes, never English text: the pages are shown in Kazakh.
"""
import re

import pytest
from playwright.sync_api import expect

from tests.browser import assert_no_csp_violations, browser, live_server, page  # noqa: F401
from tests.helpers import PASSWORD, gen_user
from tests.upload_samples import PLAIN_PDF

pytestmark = pytest.mark.browser

PDF = PLAIN_PDF  # a real PDF: uploads are rewritten by pypdf, an unreadable one refused


def test_record_a_memorandum_with_its_pdf(app, live_server, page, tmp_path):
    with app.app_context():
        akimat = gen_user("akimat_admin", "75").email
    signed = tmp_path / "Меморандум қол қойылған.pdf"
    signed.write_bytes(PDF)

    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", akimat)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form.stacked-form [type=submit]").click()
    expect(page).to_have_url(f"{live_server}/admin/")

    page.goto(f"{live_server}/admin/memorandum/")
    page.locator('a[href^="/admin/memorandum/new/"]').first.click()
    expect(page).to_have_url(re.compile(r"/admin/memorandum/new/"))
    page.fill("#title", "Алматы ПД-мен ынтымақтастық туралы меморандум")
    page.fill("#signed_on", "2026-03-02")
    page.keyboard.press("Escape")
    page.set_input_files("#attachment", str(signed))
    page.locator("form.admin-form input[type=submit]:not([name])").click()

    # Saved: the record itself.
    expect(page).to_have_url(re.compile(r"/admin/memorandum/details/\?id=\d+"))
    expect(page.locator("table")).to_contain_text("Алматы ПД-мен ынтымақтастық туралы меморандум")
    link = page.locator("[data-testid=attachments] a[data-attachment]")
    expect(link).to_have_count(1)
    expect(link).to_contain_text("Меморандум қол қойылған.pdf")
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "Меморандум қол қойылған.pdf"
    assert_no_csp_violations(page)
