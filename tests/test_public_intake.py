"""The public intake through the client [R3, R6.2]: the report form, its confirmation with
the receipt code, and following the case at /status without an account."""
import json
import re
import time
from datetime import date, timedelta
from io import BytesIO

import pytest
from PIL import Image
from sqlalchemy import func, select, update

from extensions import db
from models import Case, CaseMessage, Question, QuestionnaireVersion, ReceiptHold
from models.base import utcnow
from services.questionnaires import publish
from tests.helpers import AuthActions, csrf_token, gen_user
from tests.public_helpers import (counts, form_tokens, hidden_value, make_questionnaire, png_with_gps, post_report,
                                  prefixed_csrf, receipt_from, registration_number_from, report_data)

VALID_IIN = "080215600012"   # a well-formed IIN: the check digit is right


@pytest.fixture(autouse=True)
def _english_and_quick(app, client, monkeypatch):
    """English pages (the texts are asserted), and no minimum fill time unless a test sets it."""
    monkeypatch.setitem(app.config, "MIN_FILL_SECONDS", 0)
    client.get("/?lang=en")


def _submit(client, **overrides):
    response = post_report(client, report_data(**overrides))
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"].endswith("/report/done")
    return client.get("/report/done").get_data(as_text=True)


def _case(app, number):
    with app.app_context():
        return db.session.scalar(select(Case).where(Case.registration_number == number))


def _open_status(client, code):
    token = csrf_token(client.get("/status").get_data(as_text=True))
    return client.post("/status", data={"csrf_token": token, "code": code})


# --- pages -------------------------------------------------------------------------------------

def test_home_explains_links_and_lists_emergency_numbers(client):
    html = client.get("/").get_data(as_text=True)
    assert 'href="/report"' in html and "Report a violation" in html
    assert 'href="/status"' in html and 'href="/privacy"' in html
    for number, label in (("112", "Single emergency number"), ("102", "Police"),
                          ("111", "Contact centre for family, women's and children's rights")):
        assert f'href="tel:{number}"' in html
        assert label in html
    assert "What the ombudsman does not do" in html


def test_quick_exit_is_on_every_public_page_and_leaves(client):
    for path in ("/", "/report", "/report?region=75", "/status", "/privacy", "/login"):
        html = client.get(path).get_data(as_text=True)
        assert 'data-quick-exit' in html and 'href="/exit"' in html, path
        assert "/static/js/quick-exit.js" in html
    response = client.get("/exit")
    assert response.status_code == 302
    assert response.headers["Location"] == "https://www.google.kz/"


def test_emergency_numbers_follow_the_setting(client, app):
    from models import Setting

    with app.app_context():
        db.session.add(Setting(key="emergency_numbers", value="112, 150"))
        db.session.commit()
    html = client.get("/").get_data(as_text=True)
    assert 'href="tel:150"' in html and "Help line" in html
    assert 'href="tel:102"' not in html


def test_step_one_lists_the_20_regions(client):
    html = client.get("/report").get_data(as_text=True)
    assert len(re.findall(r'href="/report\?region=\d\d"', html)) == 20
    assert "Almaty" in html and "Step 1 of 2" in html
    unknown = client.get("/report?region=99").get_data(as_text=True)
    assert "Choose a region from the list." in unknown


def test_regions_are_in_alphabetical_order(client):
    """The three cities first, then the oblasts, each group in the language's alphabet."""
    kk = client.get("/report?lang=kk").get_data(as_text=True)
    names = re.findall(r'class="region-link" href="/report\?region=\d\d">([^<]+)<', kk)
    assert len(names) == 20
    assert names[:3] == ["Алматы қаласы", "Астана қаласы", "Шымкент қаласы"]
    assert names.index("Ақмола облысы") < names.index("Алматы облысы") < names.index("Қарағанды облысы")
    ru = client.get("/report?lang=ru").get_data(as_text=True)
    names = re.findall(r'class="region-link" href="/report\?region=\d\d">([^<]+)<', ru)
    assert names[:3] == ["город Алматы", "город Астана", "город Шымкент"] and names[3] == "Акмолинская область"


def test_privacy_notice(client):
    html = client.get("/privacy").get_data(as_text=True)
    for words in ("What we collect", "Kazakhstan", "legal representative", "Who sees it", "How long"):
        assert words in html


def test_staying_safe_online_is_a_page_in_every_language_linked_from_the_form(client):
    for language, words in (("kk", "Жасырын терезені"), ("ru", "Приватное окно"), ("en", "private window")):
        page = client.get(f"/safety?lang={language}").get_data(as_text=True)
        assert words in page and 'href="tel:112"' in page
    assert 'href="/safety"' in client.get("/report?region=75").get_data(as_text=True)
    assert 'data-testid="safety-link"' in _submit(client)


# --- a full report ------------------------------------------------------------------------------

def test_full_report_with_two_children_extra_question_and_a_photo(client, app):
    with app.app_context():
        _questionnaire, version = make_questionnaire()
        version_id = version.id
    page = client.get("/report?region=75").get_data(as_text=True)
    assert "Where did it happen?" in page and 'name="q-place"' in page
    assert "Answer only if you answered “At school” to “Where did it happen?”." in page

    photo = png_with_gps()
    before = counts(app)
    html = _submit(client, **{
        "child1-name": "Aruzhan", "child1-iin": VALID_IIN, "child1-school": "School No. 12",
        "child2-birth_year": str(date.today().year - 12), "child2-sex": "girl",
        "categories": ["bullying", "education"], "q-place": "school", "q-teacher_told": "yes",
        "reporter_type": "parent", "reporter_phone": "+7 701 234 56 78", "consent": "y",
        "attachments": [(BytesIO(photo), "фото.png", "image/png")],
    })
    number = registration_number_from(html)
    assert re.fullmatch(rf"75-{utcnow().year}-000001", number)
    assert re.fullmatch(r"\d{4} \d{4} \d{4} \d{4}", receipt_from(html))
    after = counts(app)
    assert after["Case"] == before["Case"] + 1 and after["CaseChild"] == before["CaseChild"] + 2
    assert after["CaseAttachment"] == before["CaseAttachment"] + 1

    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.registration_number == number))
        assert case.language == "en" and case.channel == "web"
        # "Who did something wrong?" a school: a complaint about an organization [R6.2].
        assert case.kind == "complaint"
        assert case.complaint_target == "A school, kindergarten or other education organization"
        assert case.categories == ["bullying", "education"]
        assert [c.name for c in case.children] == ["Aruzhan", None]
        assert case.children[0].iin == VALID_IIN and case.children[1].sex == "girl"
        assert case.questionnaire_version_id == version_id
        assert case.answers == {"place": "school", "teacher_told": "yes"}
        assert case.consent_given_at is not None and not case.urgent
        stored = case.attachments[0].file
        assert stored.original_name == "фото.png" and stored.content_type == "image/png"
        picture = Image.open(BytesIO(stored.data))
        assert not picture.getexif() and "exif" not in picture.info
        assert b"eXIf" not in stored.data and b"PhoneMaker" not in stored.data


def test_anonymous_report_is_accepted_without_consent(client, app):
    html = _submit(client)
    case = _case(app, registration_number_from(html))
    assert case.anonymous and case.consent_given_at is None
    assert case.children[0].age == 9 and case.children[0].name is None


def test_danger_now_marks_the_case_urgent(client, app):
    page = client.get("/report?region=75").get_data(as_text=True)
    assert 'class="danger-alert"' in page and 'href="tel:112"' in page
    html = _submit(client, danger_now="yes")
    assert "marked urgent" in html
    assert _case(app, registration_number_from(html)).urgent


def test_what_a_child_typed_is_never_cached(client):
    """The form, shown again with what was typed, is kept by no cache and no back button."""
    assert client.get("/report?region=75").headers["Cache-Control"] == "no-store"
    refused = post_report(client, report_data(description=""))
    assert refused.status_code == 400 and refused.headers["Cache-Control"] == "no-store"


def test_a_child_in_danger_puts_the_numbers_to_call_first(client, app):
    """Danger first: after "a child is in danger now", the confirmation opens with the numbers
    to call and no promise of an answer in 15 days; /status shows them while the case is open."""
    html = _submit(client, danger_now="yes")
    danger = html.index('data-testid="danger-first"')
    assert danger < html.index("Thank you") and danger < html.index('data-testid="receipt-code"')
    assert 'href="tel:112"' in html[danger:html.index("</section>", danger)]
    assert "15 working days" not in html and "You left no phone or e-mail" in html
    opened = _open_status(client, receipt_from(html))
    assert 'data-testid="danger-first"' in client.get(opened.headers["Location"]).get_data(as_text=True)

    other = app.test_client()
    calm = _submit(other)
    assert 'data-testid="danger-first"' not in calm and "15 working days" in calm
    _open_status(other, receipt_from(calm))
    assert 'data-testid="danger-first"' not in other.get("/status").get_data(as_text=True)


@pytest.mark.parametrize("personal", [
    {"reporter_phone": "+7 701 000 00 00"}, {"reporter_email": "mother@example.kz"},
    {"reporter_name": "Aigerim"}, {"child1-name": "Timur"}, {"child1-iin": VALID_IIN},
])
def test_consent_is_required_only_with_personal_data(client, app, personal):
    before = counts(app)
    refused = post_report(client, report_data(**personal))
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert 'href="#consent"' in html and "(tick the box)" in html
    assert counts(app) == before
    accepted = post_report(client, report_data(consent="y", **personal))
    assert accepted.status_code == 302
    assert counts(app)["Case"] == before["Case"] + 1


def test_the_kind_is_read_from_who_did_wrong(client, app):
    """Nobody is asked "appeal or complaint": an organization or an official who did wrong
    makes a complaint naming them [R6.2]; anyone else, or nobody chosen, an appeal."""
    html = _submit(client, kind="appeal", responsible="local_executive",
                   responsible_details="The education department of the akimat")
    case = _case(app, registration_number_from(html))
    assert case.kind == "complaint" and case.complaint_target == "The education department of the akimat"
    html = _submit(app.test_client(), kind="complaint", complaint_target="Ignored", responsible="parent_cohabiting")
    case = _case(app, registration_number_from(html))
    assert case.kind == "appeal" and case.complaint_target is None and case.responsible == "parent_cohabiting"


def test_the_shortest_report_danger_what_happened_and_age(client, app):
    """A child answers three questions and sends: no kind, category or responsible party is
    asked; staff sort the case out at registration."""
    html = _submit(client, **{"categories": None, "responsible": None, "occurred_when": None,
                              "occurred_where": None, "child1-sex": None})
    case = _case(app, registration_number_from(html))
    assert (case.kind, case.categories, case.responsible) == ("appeal", ["other"], "unknown")
    assert case.children[0].age == 9 and case.children[0].sex == "unspecified"


def test_the_optional_sections_are_closed_until_they_hold_something(client):
    page = client.get("/report?region=75").get_data(as_text=True)
    assert re.findall(r'<details class="optional-section" data-testid="([\w-]+)"( open)?', page) == [
        ("section-what", ""), ("section-who", ""), ("section-children", ""), ("section-files", ""),
        ("section-you", "")]
    refused = post_report(client, report_data(description="Short.")).get_data(as_text=True)
    opened = dict(re.findall(r'<details class="optional-section" data-testid="([\w-]+)"( open)?', refused))
    assert opened == {"section-what": " open", "section-who": " open", "section-children": " open",
                      "section-files": "", "section-you": ""}


@pytest.mark.parametrize("overrides, target, kept", [
    ({"child1-iin": "123456789012", "consent": "y"}, "child1-iin", 'value="123456789012"'),
    ({"description": "Too short."}, "description", "Too short."),
    ({"child1-birth_year": "1990", "child1-age": None}, "child1-birth_year", "Every day this month"),
    ({"child1-age": None}, "child1-age", "Every day this month"),
    ({"child1-age": "25"}, "child1-age", 'value="25"'),
    ({"child2-name": "Second child", "consent": "y"}, "child2-age", 'value="Second child"'),
    ({"responsible": None, "danger_now": None}, "danger_now-0", "School No. 12"),
    ({"reporter_phone": "+7 701 000 00 00", "description": "Short."}, "consent", 'value="+7 701 000 00 00"'),
])
def test_invalid_report_is_shown_again_with_errors_and_nothing_saved(client, app, overrides, target, kept):
    before = counts(app)
    response = post_report(client, report_data(**overrides))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    summary = html[html.index('id="error-summary"'):]
    assert f'href="#{target}"' in summary
    assert f'id="{target}"' in html
    assert 'aria-invalid="true"' in html and f'{target.rsplit("-", 1)[0] if target.endswith("-0") else target}-error' in html
    assert kept in html
    assert "Older pupils take his lunch" in html or overrides.get("description")
    assert counts(app) == before


def test_the_three_cities_are_listed_apart_from_the_regions(client):
    """"Алматы қаласы" and "Алматы облысы" are not neighbours in one list to be mistaken."""
    html = client.get("/report?lang=kk").get_data(as_text=True)
    cities = html[html.index('data-testid="cities"'):html.index("</ul>", html.index('data-testid="cities"'))]
    regions = html[html.index('data-testid="regions"'):html.index("</ul>", html.index('data-testid="regions"'))]
    assert cities.count("region-link") == 3 and "Алматы қаласы" in cities and "облысы" not in cities
    assert regions.count("region-link") == 17 and "Алматы облысы" in regions and "қаласы" not in regions


@pytest.mark.parametrize("query, lang, expected", [
    ("алм", "kk", ["Алматы қаласы", "Алматы облысы"]),
    ("Алматинская", "kk", ["Алматы облысы"]),          # a Russian name on the Kazakh page
    ("  ШЫМКЕНТ ", "ru", ["город Шымкент"]),
    ("turkistan", "ru", ["Туркестанская область"]),
])
def test_the_region_search_works_without_javascript(client, query, lang, expected):
    html = client.get("/report", query_string={"q": query, "lang": lang}).get_data(as_text=True)
    assert re.findall(r'class="region-link"[^>]*>([^<]+)<', html) == expected
    assert f'value="{query.strip()}"' in html


def test_a_region_search_that_finds_nothing_shows_them_all_and_says_so(client):
    html = client.get("/report?lang=en&q=Zzz").get_data(as_text=True)
    assert html.count('class="region-link"') == 20
    assert "No city or region has “Zzz” in its name. Here are all of them." in html
    assert client.get("/report?lang=en&q=" + "x" * 5000).status_code == 200


def test_each_extra_child_has_its_own_button(client):
    html = client.get("/report?region=75&lang=en").get_data(as_text=True)
    assert "Add a second child" in html and "Add a third child" in html and "Add another child" not in html


def test_the_error_summary_names_each_problem_once(client):
    """A message that already names its field is not prefixed with the label again."""
    html = post_report(client, report_data(description="")).get_data(as_text=True)
    summary = html[html.index('id="error-summary"'):html.index("</div>", html.index('id="error-summary"'))]
    for item in re.findall(r'<a href="#[^"]+">([^<]+)</a>', summary):
        label, _, message = item.partition(" — ")
        assert not message or label.lower() not in message.lower(), item


def test_a_required_extra_question_is_checked_on_the_server(client, app):
    with app.app_context():
        make_questionnaire()
    before = counts(app)
    response = post_report(client, report_data(**{"q-place": "moon"}))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'href="#q-place-0"' in html and "Choose from the list." in html
    assert counts(app) == before
    missing = post_report(client, report_data()).get_data(as_text=True)
    assert "Please answer this question." in missing


def test_a_text_file_named_pdf_is_refused_and_nothing_saved(client, app):
    before = counts(app)
    response = post_report(client, report_data(attachments=[(BytesIO(b"just some text, not a PDF"), "x.pdf")]))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "“x.pdf”: This file type is not accepted. Send PDF, JPEG, PNG, DOCX, MP3, M4A, OGG or MP4 files." in html
    assert 'href="#attachments"' in html
    assert "choose them again" in html
    assert "Older pupils take his lunch" in html
    assert counts(app) == before


def test_more_than_five_files_are_refused(client, app):
    before = counts(app)
    files = [(BytesIO(png_with_gps()), f"p{i}.png") for i in range(6)]
    response = post_report(client, report_data(attachments=files))
    assert response.status_code == 400
    assert "You can attach at most 5 files." in response.get_data(as_text=True)
    assert counts(app) == before


def test_missing_csrf_token_is_refused(client, app):
    before = counts(app)
    tokens = form_tokens(client)
    response = client.post("/report?region=75", data={"started": tokens["started"], **report_data()})
    assert response.status_code == 400
    assert counts(app) == before


def test_filled_honeypot_is_refused(client, app):
    before = counts(app)
    response = post_report(client, report_data(website="http://spam.example"))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "We could not accept this report." in html
    assert 'name="website" tabindex="-1" type="text" value=""' in html
    assert counts(app) == before


def test_a_form_sent_too_fast_is_refused_with_everything_kept(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "MIN_FILL_SECONDS", 60)
    before = counts(app)
    response = post_report(client, report_data(**{"child1-school": "Lyceum 7"}))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "You sent the form very quickly" in html
    assert "Lyceum 7" in html and "Older pupils take his lunch" in html
    assert counts(app) == before
    forged = post_report(client, report_data(), tokens={**form_tokens(client), "started": "report.forged.x"})
    assert forged.status_code == 400


def test_sixth_report_in_an_hour_from_one_address_is_429_with_data_kept(client, app):
    before = counts(app)
    for _ in range(5):
        _submit(client)
    response = post_report(client, report_data(**{"child1-school": "Gymnasium 3"}))
    html = response.get_data(as_text=True)
    assert response.status_code == 429
    assert "Please wait" in html and "Gymnasium 3" in html and "Older pupils take his lunch" in html
    assert counts(app)["Case"] == before["Case"] + 5
    other = post_report(client, report_data(), environ_base={"REMOTE_ADDR": "10.9.8.7"})
    assert other.status_code == 302


def test_registration_numbers_follow_each_other(client):
    year = utcnow().year
    numbers = [registration_number_from(_submit(client)) for _ in range(2)]
    assert numbers == [f"75-{year}-000001", f"75-{year}-000002"]
    other_region = post_report(client, report_data(), region="71")
    assert other_region.status_code == 302
    assert registration_number_from(client.get("/report/done").get_data(as_text=True)) == f"71-{year}-000001"


def test_the_receipt_code_stays_until_the_reporter_has_saved_it(client, app):
    """Reload after reload the code is shown, kept server-side: not in the cookie, sealed in
    the database; "I have saved it" ends that, and the page says how to reach the office."""
    html = _submit(client)
    code = receipt_from(html)
    again = client.get("/report/done")
    assert again.headers["Cache-Control"] == "no-store"
    assert receipt_from(again.get_data(as_text=True)) == code
    cookie = client.get_cookie("session").value
    in_cookie = json.dumps(app.session_interface.get_signing_serializer(app).loads(cookie))
    assert code.replace(" ", "") not in in_cookie + cookie and "receipt_hold" in in_cookie
    with app.app_context():
        sealed = db.session.scalars(select(ReceiptHold.sealed_code)).all()
    assert len(sealed) == 1 and code.replace(" ", "") not in sealed[0]
    assert receipt_from(app.test_client().get("/report/done").get_data(as_text=True)) is None

    token = csrf_token(again.get_data(as_text=True))
    unticked = client.post("/report/done", data={"csrf_token": token})
    assert unticked.status_code == 400 and receipt_from(unticked.get_data(as_text=True)) == code
    assert 'id="saved-error"' in unticked.get_data(as_text=True)
    saved = client.post("/report/done", data={"csrf_token": token, "saved": "y"})
    assert saved.status_code == 302
    gone = client.get("/report/done").get_data(as_text=True)
    assert receipt_from(gone) is None and code.replace(" ", "") not in gone.replace(" ", "")
    assert 'data-testid="receipt-gone"' in gone and "do not send the same report again" in gone
    assert registration_number_from(gone) == registration_number_from(html)
    assert client.get("/report/done/receipt.png").status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ReceiptHold)) == 0


def test_a_held_receipt_code_is_forgotten_after_a_day(client, app):
    code = receipt_from(_submit(client))
    with app.app_context():
        db.session.execute(update(ReceiptHold).values(created_at=utcnow() - timedelta(hours=24, minutes=1)))
        db.session.commit()
    later = client.get("/report/done").get_data(as_text=True)
    assert code and receipt_from(later) is None and 'data-testid="receipt-gone"' in later


def test_the_receipt_card_is_a_picture_to_save(client):
    code = receipt_from(_submit(client))
    card = client.get("/report/done/receipt.png")
    assert card.status_code == 200 and card.mimetype == "image/png" and code
    assert card.headers["Cache-Control"] == "no-store"
    assert card.headers["Content-Disposition"].startswith("attachment")
    image = Image.open(BytesIO(card.data))
    assert image.size[0] == 720 and 300 < image.size[1] < 900
    assert client.application.test_client().get("/report/done/receipt.png").status_code == 404


def test_confirmation_without_a_report_goes_to_the_form(client):
    response = client.get("/report/done")
    assert response.status_code == 302 and response.headers["Location"].endswith("/report")


# --- /status ------------------------------------------------------------------------------------

def test_status_with_the_right_code_shows_state_and_due_date_and_no_child_name(client, app):
    html = _submit(client, consent="y", **{"child1-name": "Zarina", "reporter_name": "Gulnara",
                                            "description": "Zarina is left alone at home for days without food."})
    code = receipt_from(html)
    case = _case(app, registration_number_from(html))
    response = _open_status(client, "  " + code + " ")
    assert response.status_code == 302
    page = client.get("/status")
    status_html = page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    assert "Registered" in status_html and "Your report is registered." in status_html
    assert case.registration_number in status_html
    assert 'data-testid="due-on"' in status_html
    from flask_babel import format_date

    with app.test_request_context("/?lang=en"):
        assert format_date(case.due_on, "long") in status_html
    assert "Zarina" not in status_html and "Gulnara" not in status_html
    # The code without spaces works as well.
    client.post("/status/close", data={"close-csrf_token": prefixed_csrf(status_html, "close")})
    assert _open_status(client, code.replace(" ", "")).status_code == 302


def test_status_shows_the_office_without_staff_names(client, app):
    html = _submit(client)
    code = receipt_from(html)
    with app.app_context():
        staff = gen_user("ombudsman", "75", name="Saule Ombudsmanova")
        case = db.session.scalar(select(Case).where(Case.registration_number == registration_number_from(html)))
        case.state = "in_progress"
        db.session.add(CaseMessage(case_id=case.id, from_reporter=False, author_id=staff.id,
                                   body="We have asked the school to explain."))
        db.session.commit()
    _open_status(client, code)
    status_html = client.get("/status").get_data(as_text=True)
    assert "In progress" in status_html and "is working on your report" in status_html
    assert "We have asked the school to explain." in status_html
    assert "The ombudsman’s office" in status_html
    assert "Saule" not in status_html and staff.email not in status_html


def test_wrong_codes_are_counted_and_throttled(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "RECEIPT_ATTEMPTS_PER_MINUTE", 3)
    code = receipt_from(_submit(client))
    for _ in range(3):
        wrong = _open_status(client, "0000 0000 0000 0000")
        assert wrong.status_code == 400
        assert "No report has this code." in wrong.get_data(as_text=True)
    short = _open_status(client, "1234")
    throttled = _open_status(client, code)
    assert throttled.status_code == 429
    html = throttled.get_data(as_text=True)
    assert re.search(r"Please wait \d+ minutes? and try again", html)
    assert short.status_code == 429
    assert _open_status(client, code).status_code == 429
    other = client.post("/status", data={"csrf_token": csrf_token(client.get("/status").get_data(as_text=True)),
                                         "code": code}, environ_base={"REMOTE_ADDR": "10.1.1.1"})
    assert other.status_code == 302


def test_malformed_codes_are_explained_and_not_counted(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "RECEIPT_ATTEMPTS_PER_MINUTE", 1)
    code = receipt_from(_submit(client))
    for _ in range(3):
        response = _open_status(client, "12345")
        assert response.status_code == 400
        assert "A receipt code has 16 digits." in response.get_data(as_text=True)
    assert _open_status(client, code).status_code == 302


def test_reporter_adds_a_message_and_a_file_then_closes(client, app):
    code = receipt_from(_submit(client))
    _open_status(client, code)
    page = client.get("/status").get_data(as_text=True)
    before = counts(app)
    response = client.post("/status/message", data={
        "message-csrf_token": prefixed_csrf(page, "message"), "message-body": "He was pushed again today.",
        "message-attachments": [(BytesIO(png_with_gps()), "bruise.png")]}, content_type="multipart/form-data")
    assert response.status_code == 302
    after = counts(app)
    assert after["CaseMessage"] == before["CaseMessage"] + 1
    assert after["CaseAttachment"] == before["CaseAttachment"] + 1
    html = client.get("/status").get_data(as_text=True)
    assert "Your message is sent." in html
    assert "He was pushed again today." in html and "bruise.png" in html
    link = re.search(r'href="(/status/files/\d+)"', html).group(1)
    download = client.get(link)
    assert download.status_code == 200 and download.mimetype == "image/png"
    assert "attachment" in download.headers["Content-Disposition"]
    with app.app_context():
        message = db.session.scalar(select(CaseMessage).order_by(CaseMessage.id.desc()))
        assert message.from_reporter and message.author_id is None
        assert message.attachments[0].from_reporter and message.attachments[0].case_id == message.case_id

    closed = client.post("/status/close", data={"close-csrf_token": prefixed_csrf(html, "close")})
    assert closed.status_code == 302
    after_close = client.get("/status").get_data(as_text=True)
    assert "He was pushed again today." not in after_close and 'name="code"' in after_close
    assert client.get(link).status_code == 404


def test_a_refused_message_file_saves_nothing_and_keeps_the_text(client, app):
    code = receipt_from(_submit(client))
    _open_status(client, code)
    page = client.get("/status").get_data(as_text=True)
    before = counts(app)
    response = client.post("/status/message", data={
        "message-csrf_token": prefixed_csrf(page, "message"), "message-body": "Here is the school's letter.",
        "message-attachments": [(BytesIO(b"MZ\x90\x00 not a document"), "letter.pdf")]},
        content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "“letter.pdf”: This file type is not accepted." in html
    assert "Here is the school&#39;s letter." in html
    assert counts(app) == before
    empty = client.post("/status/message", data={"message-csrf_token": prefixed_csrf(page, "message"), "message-body": "  "})
    assert empty.status_code == 400 and counts(app) == before


def test_message_without_an_opened_case_goes_back_to_the_code(client, app):
    page = client.get("/status").get_data(as_text=True)
    response = client.post("/status/message", data={"message-csrf_token": csrf_token(page), "message-body": "Hi"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/status")


def test_another_cases_files_are_not_served(client, app):
    first = receipt_from(_submit(client))
    _open_status(client, first)
    page = client.get("/status").get_data(as_text=True)
    client.post("/status/message", data={"message-csrf_token": prefixed_csrf(page, "message"), "message-body": "File attached.",
                                         "message-attachments": [(BytesIO(png_with_gps()), "a.png")]},
                content_type="multipart/form-data")
    link = re.search(r'href="(/status/files/\d+)"', client.get("/status").get_data(as_text=True)).group(1)
    client.post("/status/close", data={"close-csrf_token": prefixed_csrf(page, "close")})
    second = receipt_from(_submit(client))
    _open_status(client, second)
    assert client.get(link).status_code == 404


# --- questionnaire versions ---------------------------------------------------------------------

def test_a_questionnaire_edited_later_keeps_the_case_on_its_version(client, app):
    with app.app_context():
        questionnaire, first = make_questionnaire()
        questionnaire_id, first_id = questionnaire.id, first.id
    html = _submit(client, **{"q-place": "street"})
    number = registration_number_from(html)

    with app.app_context():
        question = db.session.scalar(select(Question).where(Question.questionnaire_id == questionnaire_id,
                                                            Question.key == "place"))
        question.label_en = "Where exactly?"
        question.options = "home | Үйде | Дома | At home\nschool | Мектепте | В школе | At school"
        second = publish(question.questionnaire)
        db.session.commit()
        assert second.id != first_id and second.number == 2

    assert "Where exactly?" in client.get("/report?region=75").get_data(as_text=True)
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.registration_number == number))
        assert case.questionnaire_version_id == first_id
        assert case.answers == {"place": "street"}
        kept = db.session.get(QuestionnaireVersion, first_id).definition
        question = kept["questions"][0]
        assert question["label"]["en"] == "Where did it happen?"
        assert "street" in [o["value"] for o in question["options"]]
        case_id = case.id
        staff = gen_user("commissioner")

    # The case page shows the questions as they were asked, with the answer given.
    AuthActions(client).login(staff.email)
    page = client.get(f"/admin/case/details/?id={case_id}&lang=en").get_data(as_text=True)
    assert "Where did it happen?" in page and "Where exactly?" not in page


# --- the service's own guards (for callers other than the form) ----------------------------------

def test_submit_case_refuses_personal_data_without_consent_and_a_complaint_without_target(app_ctx):
    from services.cases import ConsentRequired, submit_case
    from core.errors import InvalidInput

    report = {"region_code": "75", "kind": "appeal", "categories": ["neglect"], "responsible": "unknown",
              "description": "The child is alone at home for days.", "language": "kk"}
    with pytest.raises(ConsentRequired):
        submit_case(report, [{"age": 5, "sex": "girl", "name": "Aisha"}])
    with pytest.raises(InvalidInput, match="complaint"):
        submit_case({**report, "kind": "complaint"}, [{"age": 5, "sex": "girl"}])
    case, code = submit_case(report, [{"age": 5, "sex": "girl", "name": "Aisha"}], consent=True)
    assert case.consent_given_at is not None and len(code) == 16


def test_an_iin_of_an_adult_is_accepted_with_a_warning_and_flagged_for_staff(client, app):
    """Issue 15, item 7: not refused (the reporter may be wrong), but said, and flagged."""
    response = post_report(client, report_data(**{"child1-iin": "900101300017", "child1-age": "12",
                                                  "child1-name": "Дана", "consent": "y"}))
    assert response.status_code == 302, response.get_data(as_text=True)
    html = client.get("/report/done?lang=en").get_data(as_text=True)
    assert 'data-testid="iin-warning" data-flag="adult"' in html and "already 18" in html
    with app.app_context():
        from models import CaseChild

        child = db.session.scalars(select(CaseChild).order_by(CaseChild.id.desc())).first()
        assert child.iin_flag == "adult" and child.iin == "900101300017"


def test_the_receipt_code_never_travels_in_the_cookie_in_clear(client, app):
    """Issue 16, item 1: the session cookie is signed, not encrypted; the code opens the case."""
    import base64
    import zlib

    response = post_report(client, report_data())
    assert response.status_code == 302
    cookie = client.get_cookie("session").value
    payload = cookie.lstrip(".").split(".")[0]
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    data = zlib.decompress(raw) if cookie.startswith(".") else raw
    html = client.get("/report/done").get_data(as_text=True)
    code = re.search(r'data-testid="receipt-code"[^>]*>([\d ]+)<', html).group(1).replace(" ", "")
    assert len(code) == 16 and code.encode() not in data


def test_reporter_messages_are_limited_per_receipt_and_per_address(client, app, monkeypatch):
    """Issue 16, item 2: a shared or stolen code cannot flood the office; nothing is lost."""
    monkeypatch.setitem(app.config, "STATUS_MESSAGES_PER_HOUR", 2)
    code = receipt_from(_submit(client))
    _open_status(client, code)

    def send(text):
        page = client.get("/status").get_data(as_text=True)
        return client.post("/status/message", data={"message-csrf_token": prefixed_csrf(page, "message"),
                                                     "message-body": text})

    assert send("First.").status_code == 302 and send("Second.").status_code == 302
    refused = send("Third, the one too many.")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "Too many attempts from your connection" in html
    assert "Third, the one too many." in html  # the text is kept in the form
    with app.app_context():
        bodies = db.session.scalars(select(CaseMessage.body).where(CaseMessage.from_reporter.is_(True))).all()
        assert "Third, the one too many." not in bodies and {"First.", "Second."} <= set(bodies)


def test_a_form_sends_one_report_only(client, app):
    """Issue 16, item 6: the start token is single-use; the second post says what happened."""
    tokens = form_tokens(client)
    first = post_report(client, report_data(), tokens=tokens)
    assert first.status_code == 302
    before = counts(app)
    again = post_report(client, report_data(), tokens=tokens)
    assert again.status_code == 400 and "This form was already sent" in again.get_data(as_text=True)
    assert counts(app) == before


def test_a_form_open_for_more_than_a_day_is_renewed_and_keeps_the_answers(client, app):
    from services.intake import start_token_for

    tokens = form_tokens(client)
    tokens["started"] = start_token_for(app.secret_key, time.time() - 25 * 3600)  # shown 25 hours ago
    before = counts(app)
    response = post_report(client, report_data(description="A report typed slowly over two days."), tokens=tokens)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "open for more than a day" in html
    assert "A report typed slowly over two days." in html
    assert hidden_value(html, "started") != tokens["started"]
    assert counts(app) == before


def test_start_tokens_are_forgotten_once_no_form_could_send_them(client, app, runner):
    from datetime import timedelta

    from models import UsedFormToken

    assert post_report(client, report_data()).status_code == 302
    with app.app_context():
        old = UsedFormToken(token_hash="0" * 64, used_at=utcnow() - timedelta(days=3))
        db.session.add(old)
        db.session.commit()
    result = runner.invoke(args=["deadlines", "run"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        kept = db.session.scalars(select(UsedFormToken.token_hash)).all()
        assert "0" * 64 not in kept and len(kept) == 1
