"""A case handled in a real browser [R6.2], [R10.2]: queue → start → conversation → answer,
then the reporter reads the answer at /status with the receipt code.

Selectors are data attributes, never English text: the pages are shown in Kazakh.
Screenshots along the way go to /tmp/screens/case-*.png.
"""
import re

import pytest
from playwright.sync_api import expect

from extensions import db
from services import case_workflow as workflow
from tests.browser import (PDF, assert_no_csp_violations, browser, live_server, log_in,  # noqa: F401
                           page, shot)
from tests.factories import gen_case, gen_directory
from tests.helpers import gen_user
from tests.smtp_server import smtp_server, wait_until  # noqa: F401
from tests.workers import start_worker  # noqa: F401

pytestmark = pytest.mark.browser

ANSWER = "Құрметті ата-ана! Мектеп директорымен сөйлестік, сынып жетекшісіне шара қолданылды."


def confirm(page):
    page.locator("[data-testid=step-form] [data-testid=confirm-step]").click()


def test_ombudsman_answers_and_the_reporter_reads_it(app, live_server, page, tmp_path):
    with app.app_context():
        ombudsman = gen_user("ombudsman", "75").email
        gen_directory("75")
        case, receipt = gen_case(responsible="education_org", categories=["bullying"],
                                 reporter_email="parent@test.kz", reporter_name="Сәуле")
        if case.state == "received":  # until submit_case registers by itself
            workflow.register(case)
        db.session.commit()
        case_id = case.id
    protocol = tmp_path / "Әңгіме хаттамасы.pdf"
    protocol.write_bytes(PDF)

    # The ombudsman finds the new case in the work queue and opens it.
    log_in(page, live_server, ombudsman)
    page.goto(f"{live_server}/admin/queue/")
    row = page.locator(f'[data-testid=queue-new] tr[data-case="{case_id}"]')
    expect(row).to_be_visible()
    shot(page, "case-1-queue")
    row.locator("[data-action=open-case]").click()
    expect(page.locator("[data-testid=state]")).to_have_attribute("data-state", "registered")
    expect(page.locator("[data-testid=checklist] tbody tr")).to_have_count(3)
    shot(page, "case-2-registered")

    # Start.
    page.locator('[data-testid=step-buttons] [data-action="start"]').click()
    expect(page).to_have_url(re.compile(r"/admin/case/step/start/\?id=\d+"))
    confirm(page)
    expect(page.locator("[data-testid=state]")).to_have_attribute("data-state", "in_progress")

    # [R10.2] the conversation with the parents: date, summary and the signed protocol.
    conversation = page.locator('[data-testid=checklist] tr[data-rule="R10.2"]').first
    conversation.locator('[data-action="done"]').click()
    expect(page).to_have_url(re.compile(r"/admin/case/item/done/\?id=\d+&item=\d+"))
    form = page.locator("[data-testid=step-form]")
    form.locator("#held_on").fill("2026-11-24")
    form.locator("#note").fill("Ата-анамен кездесу өтті, заң бойынша жауапкершілік түсіндірілді.")
    form.locator("#files").set_input_files(str(protocol))
    shot(page, "case-3-conversation-form")
    confirm(page)
    done = page.locator('[data-testid=checklist] tr[data-rule="R10.2"]').first
    expect(done).to_have_attribute("data-status", "done")
    expect(done).to_contain_text("Әңгіме хаттамасы.pdf")

    # The final answer, in the language of the case.
    page.locator('[data-testid=step-buttons] [data-action="answer"]').click()
    expect(page.locator("[data-testid=answer-language]")).to_have_attribute("data-language", "kk")
    page.locator("[data-testid=step-form] #body").fill(ANSWER)
    # The other conversation is still open: the answer goes with the reason, as the form asks.
    expect(page.locator("[data-testid=open-items]")).to_contain_text("10-т. 2) тт.")  # [R10.2] in kk
    page.locator("[data-testid=step-form] #open_items_reason").fill(
        "Мектеппен әңгіме келесі аптада өтеді; жауап бұдан әрі кешіктірілмейді.")
    shot(page, "case-4-answer-form")
    confirm(page)
    expect(page.locator("[data-testid=state]")).to_have_attribute("data-state", "answered")
    expect(page.locator('[data-testid=timeline] [data-testid=final-answer]')).to_have_count(1)
    # After the answer: close it, or record the police confirmation, which may come later [R11].
    expect(page.locator('[data-testid=step-buttons] [data-action]')).to_have_count(2)
    expect(page.locator('[data-testid=step-buttons] [data-action="confirm_police"]')).to_have_count(1)
    shot(page, "case-5-answered")
    assert_no_csp_violations(page)

    # The reporter, in another browser session, opens /status with the receipt code.
    page.context.clear_cookies()
    page.goto(f"{live_server}/status")
    page.fill("input[name=code]", receipt)
    page.locator('form[action="/status"] [type=submit]').click()
    expect(page.locator("[data-testid=case-state]")).to_be_visible()
    expect(page.locator(".message-office .message-body").last).to_have_text(ANSWER)
    shot(page, "case-6-status")
    assert_no_csp_violations(page)


def test_ombudsman_enters_a_phone_call(app, live_server, page):
    with app.app_context():
        ombudsman = gen_user("ombudsman", "75").email
        gen_directory("75")
        db.session.commit()

    log_in(page, live_server, ombudsman)
    page.goto(f"{live_server}/admin/case/")
    page.locator('a[href^="/admin/case/new/"]').first.click()
    form = page.locator("[data-testid=case-entry-form]")
    form.locator("#channel").select_option("phone")
    form.locator("#language").select_option("ru")
    form.locator('input[name=categories][value="violence"]').check()
    form.locator("#description").fill("Звонила соседка: отчим бьёт мальчика, ребёнок часто плачет на лестнице.")
    form.locator("#responsible").select_option("parent_cohabiting")
    form.locator("#danger_now").check()
    form.locator("#child1-age").fill("8")
    form.locator("#reporter_type").select_option("neighbour")
    form.locator("[data-testid=save-case]").click()

    code = page.locator("[data-testid=receipt-code]")
    expect(code).to_have_attribute("data-code", re.compile(r"^\d{16}$"))
    shot(page, "case-8-receipt")
    page.locator("[data-testid=open-case]").click()
    expect(page.locator("[data-testid=state]")).to_have_attribute("data-state", "registered")
    expect(page.locator("[data-testid=case-language]")).to_have_attribute("data-language", "ru")
    expect(page.locator('[data-testid=checklist] tr[data-rule="R10.3"]')).to_have_count(1)
    assert_no_csp_violations(page)


def test_a_bullying_case_corrected_when_the_father_turns_out_to_be_responsible(app, live_server, page,
                                                                             smtp_server, start_worker):
    """Scenario (a) of issue 15 in a browser: facts learnt late are corrected, and the [R10.3]
    notice to the guardianship authority and the police starts then and is delivered."""
    with app.app_context():
        ombudsman = gen_user("ombudsman", "75").email
        gen_directory("75")
        case, _receipt = gen_case(responsible="education_org", categories=["bullying"])
        db.session.commit()
        case_id, number = case.id, case.registration_number
    start_worker(smtp_server.url)
    log_in(page, live_server, ombudsman)
    page.goto(f"{live_server}/admin/case/details/?id={case_id}")
    expect(page.locator('[data-testid=checklist] tr[data-rule="R10.3"]')).to_have_count(0)

    page.locator('[data-action="correct"]').click()
    form = page.locator("[data-testid=correction-form]")
    form.locator("#responsible").select_option("parent_cohabiting")
    form.locator("#responsible_details").fill("Әкесі, баламен бірге тұрады")
    form.locator('input[name=categories][value="violence"]').check()
    form.locator("#danger_now").check()
    form.locator("#reason").fill("Сынып жетекшісі хабарлады: баланы әкесі ұрады.")
    shot(page, "case-9-correction")
    form.locator("[data-testid=confirm-correction]").click()

    expect(page.locator("[data-testid=urgent]")).to_be_visible()
    expect(page.locator('[data-testid=checklist] tr[data-rule="R10.3"]')).to_have_count(1)
    expect(page.locator('[data-testid=timeline] [data-key="correct"]')).to_have_count(1)
    shot(page, "case-10-corrected")
    assert wait_until(lambda: [m for m in smtp_server.messages if "opeka.75@test.kz" in m.to
                               and number in m.subject], timeout=15)
    page.reload()
    expect(page.locator('[data-testid=checklist] tr[data-rule="R10.3"]')).to_have_attribute("data-status", "done")
    assert_no_csp_violations(page)
