"""The ombudsman's own words in the half-year report [R8]: a draft saved as it is typed (by the
page's script or its "Save" button), prepared by the akimat or the ombudsman, resonant cases
checked to be the region's; at submission the words are frozen with the figures and shown by
case number only; a browser test closes the tab and finds the text kept."""
import html
import io
from datetime import date

import openpyxl
import pytest
from pypdf import PdfReader
from playwright.sync_api import expect
from sqlalchemy import select

from extensions import db
from models import (HalfYearNarrative, HalfYearReport, HalfYearReview, Interaction, LegislativeRecommendation,
                    OutboxMessage, Visit)
from tests.browser import browser, live_server, log_in, page  # noqa: F401
from tests.factories import gen_case
from tests.helpers import csrf_token, gen_user

BASE = "/admin/half_year_report"
PERIOD = "year=2026&half=2"
SUMMARY_KK = "Жарты жылда мектептердегі қорлау туралы өтініштер екі есе көбейді."


def _save(client, fields, script=False):
    token = csrf_token(client.get(f"{BASE}/?{PERIOD}&lang=en").get_data(as_text=True))
    headers = {"X-Autosave": "1"} if script else {}
    return client.post(f"{BASE}/narrative/?{PERIOD}&lang=en", data={"csrf_token": token, **fields}, headers=headers)


def _draft(app, region="75"):
    with app.app_context():
        return db.session.scalar(select(HalfYearNarrative).where(HalfYearNarrative.region_code == region))


def test_the_draft_is_saved_by_the_script_and_by_the_button(app, login):
    ombudsman = login("ombudsman75")
    answer = _save(ombudsman, {"summary_kk": SUMMARY_KK}, script=True)
    assert answer.status_code == 200 and answer.json["message"].startswith("Saved")
    assert _draft(app).sections["summary"] == {"kk": SUMMARY_KK, "ru": ""}
    akimat = login("akimat75")                      # the akimat may prepare it too [R3]
    assert _save(akimat, {"summary_kk": SUMMARY_KK, "plans_ru": "Проверить все интернаты."}).status_code == 302
    assert _draft(app).sections["plans"]["ru"] == "Проверить все интернаты."
    page = html.unescape(ombudsman.get(f"{BASE}/?{PERIOD}&lang=en").get_data(as_text=True))
    assert SUMMARY_KK in page and "Проверить все интернаты." in page


def test_refusals_keep_the_draft(app, login):
    with app.app_context():
        other = gen_case("71")[0]
        db.session.commit()
        number = other.registration_number
    ombudsman = login("ombudsman75")
    _save(ombudsman, {"summary_kk": SUMMARY_KK})
    refused = _save(ombudsman, {"summary_kk": "Changed", "resonant": number}, script=True)
    assert refused.status_code == 400 and number in refused.json["message"]
    assert _draft(app).sections["summary"]["kk"] == SUMMARY_KK and _draft(app).resonant_cases == []
    # An expired form (no token) is refused before the view: the script then keeps the text.
    expired = ombudsman.post(f"{BASE}/narrative/?{PERIOD}", data={"summary_kk": "x"}, headers={"X-Autosave": "1"})
    assert expired.status_code == 400 and _draft(app).sections["summary"]["kk"] == SUMMARY_KK
    national = login("commissioner").post(f"{BASE}/narrative/?{PERIOD}&region=75", data={"summary_kk": "x"})
    assert national.status_code in (302, 400) and _draft(app).sections["summary"]["kk"] == SUMMARY_KK
    assert 'id="narrative"' not in login("commissioner").get(f"{BASE}/?{PERIOD}&region=75").get_data(as_text=True)


def test_the_submitted_version_freezes_the_words_with_the_figures(app, login):
    with app.app_context():
        case = gen_case("75", children=({"age": 12, "sex": "girl", "name": "Айгерім Сейітова"},))[0]
        db.session.commit()
        number = case.registration_number
    ombudsman = login("ombudsman75")
    _save(ombudsman, {"summary_kk": SUMMARY_KK, "summary_ru": "Жалоб на травлю стало вдвое больше.",
                      "resonant": number})
    token = csrf_token(ombudsman.get(f"{BASE}/?{PERIOD}&lang=en").get_data(as_text=True))
    ombudsman.post(f"{BASE}/submit/?{PERIOD}&lang=en", data={"csrf_token": token})
    _save(ombudsman, {"summary_kk": "Кейін жазылған мәтін."})   # after submission: the draft only
    with app.app_context():
        report = db.session.scalar(select(HalfYearReport))
        assert report.narrative["sections"]["summary"]["kk"] == SUMMARY_KK
        assert report.narrative["resonant_cases"][0]["number"] == number
        report_id = report.id
    shown = html.unescape(ombudsman.get(f"{BASE}/version/?id={report_id}&report_lang=ru&lang=ru")
                          .get_data(as_text=True))
    assert "Жалоб на травлю стало вдвое больше." in shown and number in shown
    assert "Айгерім" not in shown and "Кейін жазылған" not in shown
    for language, words in (("kk", SUMMARY_KK), ("ru", "Жалоб на травлю стало вдвое больше.")):
        texts = {fmt: _file_text(ombudsman.get(f"{BASE}/file/?id={report_id}&format={fmt}&language={language}").data,
                                 fmt) for fmt in ("xlsx", "pdf")}
        for fmt, text in texts.items():
            assert words in " ".join(text.split()) and number in text, (fmt, language)
            assert "Айгерім" not in text and "Сейітова" not in text


def _file_text(data, fmt):
    """The text a reader of the file sees (every cell, or every page)."""
    if fmt == "xlsx":
        book = openpyxl.load_workbook(io.BytesIO(data))
        return " ".join(str(cell.value) for sheet in book for row in sheet.iter_rows() for cell in row
                        if cell.value is not None)
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.mark.browser
def test_the_words_survive_a_closed_tab_and_an_expired_session(app, live_server, browser):
    with app.app_context():
        ombudsman = gen_user("ombudsman", "75")
        db.session.commit()
    first = browser.new_context(locale="kk-KZ")
    page = first.new_page()
    log_in(page, live_server, ombudsman.email)
    page.goto(f"{live_server}{BASE}/?{PERIOD}&lang=kk")
    page.fill("#summary_kk", SUMMARY_KK)
    expect(page.locator("[data-testid=narrative-status]")).to_contain_text("Сақталды")
    first.close()                                       # the tab is closed

    second = browser.new_context(locale="kk-KZ")
    page = second.new_page()
    log_in(page, live_server, ombudsman.email)
    page.goto(f"{live_server}{BASE}/?{PERIOD}&lang=kk")
    expect(page.locator("#summary_kk")).to_have_value(SUMMARY_KK)

    second.clear_cookies()                              # the session has expired meanwhile
    page.fill("#plans_kk", "Барлық интернаттарды тексеру.")
    expect(page.locator("[data-testid=narrative-status]")).to_contain_text("браузерде сақтаулы")
    log_in(page, live_server, ombudsman.email)          # logs in again in the same browser
    page.goto(f"{live_server}{BASE}/?{PERIOD}&lang=kk")
    expect(page.locator("#plans_kk")).to_have_value("Барлық интернаттарды тексеру.")
    expect(page.locator("[data-testid=narrative-status]")).to_contain_text("Сақталды")
    assert _draft(app).sections["plans"]["kk"] == "Барлық интернаттарды тексеру."
    second.close()


def _submitted_with_words(app, login, person, region, problems):
    with app.app_context():
        case = gen_case(region, children=({"age": 9, "sex": "boy", "name": "Тимур Әлиев", "iin": "080215600012"},))[0]
        db.session.commit()
        number = case.registration_number
    client = login(person)
    _save(client, {"problems_ru": problems, "resonant": number})
    token = csrf_token(client.get(f"{BASE}/?{PERIOD}&lang=en").get_data(as_text=True))
    client.post(f"{BASE}/submit/?{PERIOD}&lang=en", data={"csrf_token": token})
    return number


def test_the_roll_up_puts_the_regions_words_side_by_side_without_identities(app, login):
    numbers = [_submitted_with_words(app, login, "ombudsman75", "75", "В интернатах нет психологов."),
               _submitted_with_words(app, login, "ombudsman71", "71", "Школы не сообщают о травле.")]
    commissioner = login("commissioner")
    shown = {"html": html.unescape(commissioner.get(f"/admin/national_rollup/?{PERIOD}&report_lang=ru")
                                   .get_data(as_text=True)),
             **{fmt: _file_text(commissioner.get(f"/admin/national_rollup/{fmt}/?{PERIOD}&report_lang=ru").data, fmt)
                for fmt in ("xlsx", "pdf")}}
    for where, text in shown.items():
        flat = " ".join(text.split())
        assert "В интернатах нет психологов." in flat and "Школы не сообщают о травле." in flat, where
        assert all(number in flat for number in numbers), where
        assert "Тимур" not in flat and "Әлиев" not in flat and "080215600012" not in flat, where


def test_returned_with_remarks_then_a_new_version_is_accepted(app, login, people):
    _submitted_with_words(app, login, "ombudsman75", "75", "В интернатах нет психологов.")
    commissioner, ombudsman = login("commissioner"), login("ombudsman75")
    with app.app_context():
        first = db.session.scalar(select(HalfYearReport)).id

    def decide(client, report_id, **fields):
        token = csrf_token(client.get(f"{BASE}/version/?id={report_id}&lang=en").get_data(as_text=True))
        return html.unescape(client.post(f"{BASE}/review/?id={report_id}&lang=en", data={"csrf_token": token, **fields},
                                         follow_redirects=True).get_data(as_text=True))

    assert 'data-testid="review-form"' not in ombudsman.get(f"{BASE}/version/?id={first}").get_data(as_text=True)
    assert "Only the Commissioner" in decide(ombudsman, first, decision="accepted")
    assert "Say what to correct" in decide(commissioner, first, decision="returned", remarks=" ")
    decide(commissioner, first, decision="returned", remarks="Добавьте данные о посещениях колоний.")
    with app.app_context():
        returned = db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.topic == "half_year_report.returned")).one()
        assert people["ombudsman75"].email in returned.recipients and "колоний" in returned.body
    shown = html.unescape(ombudsman.get(f"{BASE}/?{PERIOD}&lang=en").get_data(as_text=True))
    assert 'data-decision="returned"' in shown and "Добавьте данные о посещениях колоний." in shown

    _save(ombudsman, {"problems_ru": "В интернатах нет психологов; в колонии отказали в доступе."})
    token = csrf_token(ombudsman.get(f"{BASE}/?{PERIOD}&lang=en").get_data(as_text=True))
    ombudsman.post(f"{BASE}/submit/?{PERIOD}&lang=en", data={"csrf_token": token,
                                                          "correction_reason": "Учтены замечания."})
    with app.app_context():
        second = db.session.scalar(select(HalfYearReport).where(HalfYearReport.version == 2))
        assert "колонии" in second.narrative["sections"]["problems"]["ru"]
        second_id = second.id
    assert "Only the latest version" in decide(commissioner, first, decision="accepted")
    decide(commissioner, second_id, decision="accepted")
    with app.app_context():
        decisions = dict(db.session.execute(select(HalfYearReview.report_id, HalfYearReview.decision)).all())
    assert decisions == {first: "returned", second_id: "accepted"}


def test_problems_show_their_cases_and_visits_and_recommendations_their_fate(app, login):
    with app.app_context():
        case = gen_case("75")[0]
        visit = Visit(region_code="75", visited_on=date(2026, 9, 10), organization_type="penal_institution",
                      organization_name="ЛА-155/4 колониясы", access="refused", refused_by="Орынбасар",
                      refused_what="Сөйлесу")
        other = Visit(region_code="71", visited_on=date(2026, 9, 11), organization_type="education",
                      organization_name="Астана мектебі")
        db.session.add_all([visit, other, LegislativeRecommendation(
            region_code="75", text="Интернаттарға психолог ставкасын енгізу.", state="answered",
            submitted_on=date(2026, 10, 1), outcome="partly", response="Бюджетте ескерілді."), Interaction(
            region_code="75", dated_on=date(2026, 11, 1), direction="outgoing", kind="recommendation",
            body="Аудандық білім бөлімі", subject="Баланы мектепке қайта қабылдау")])
        db.session.commit()
        number, visit_id, other_id = case.registration_number, visit.id, other.id
    ombudsman = login("ombudsman75")
    page = html.unescape(ombudsman.get(f"{BASE}/?{PERIOD}&lang=en").get_data(as_text=True))
    assert "ЛА-155/4 колониясы" in page and "Астана мектебі" not in page
    refused = _save(ombudsman, {"problems_ru": "Нет психологов.", "problem_visits": str(other_id)}, script=True)
    assert refused.status_code == 400
    _save(ombudsman, {"problems_ru": "Нет психологов.", "problem_cases": number, "problem_visits": str(visit_id)})
    token = csrf_token(ombudsman.get(f"{BASE}/?{PERIOD}&lang=en").get_data(as_text=True))
    ombudsman.post(f"{BASE}/submit/?{PERIOD}&lang=en", data={"csrf_token": token})
    with app.app_context():
        report = db.session.scalar(select(HalfYearReport))
        evidence, recommendations = report.narrative["problem_evidence"], report.narrative["recommendations"]
        report_id = report.id
    assert [c["number"] for c in evidence["cases"]] == [number]
    assert evidence["visits"] == [{"on": "2026-09-10", "organization": "ЛА-155/4 колониясы", "access": "refused"}]
    assert [(r["to"], r["outcome"], r["answered_on"]) for r in recommendations] == [
        ("commissioner", "partly", None), ("Аудандық білім бөлімі", None, None)]
    shown = " ".join(_file_text(ombudsman.get(f"{BASE}/file/?id={report_id}&format=pdf&language=ru").data,
                                "pdf").split())
    for words in (number, "ЛА-155/4 колониясы", "Интернаттарға психолог", "Аудандық білім бөлімі"):
        assert words in shown, words
