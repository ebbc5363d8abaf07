"""The questionnaires screen (extra questions of the public form) and the settings screen."""
import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from extensions import db
from models import AuditEvent, Question, Questionnaire, QuestionnaireVersion, Setting
from services import settings
from services.questionnaires import publish, version_for_region
from tests.browser import browser, live_server, log_in, page  # noqa: F401
from tests.helpers import admin_form_data, csrf_token, gen_user

QUESTION_FIELDS = ("id", "position", "key", "type", "label_kk", "label_ru", "label_en", "help_kk",
                   "help_ru", "help_en", "options", "required", "show_if_key", "show_if_answer")


def _question(index, **values):
    """The inline fields of one question as the create form names them (``questions-N-…``)."""
    data = {f"questions-{index}-{name}": "" for name in QUESTION_FIELDS}
    for name, value in values.items():
        if name == "required":
            if value:
                data[f"questions-{index}-required"] = "y"
            else:
                data.pop(f"questions-{index}-required")
        else:
            data[f"questions-{index}-{name}"] = value
    return data


TWO_QUESTIONS = {
    **_question(0, position="1", key="goes_to_school", type="yes_no", label_kk="Бала мектепке бара ма?",
                label_ru="Ребёнок ходит в школу?", label_en="Does the child go to school?", required=True),
    **_question(1, position="2", key="school_kind", type="single_choice", label_kk="Мектеп түрі",
                label_ru="Тип школы", label_en="Kind of school", help_en="As on the certificate",
                options="public | Мемлекеттік | Государственная | Public\nprivate | Жеке | Частная | Private",
                show_if_key="goes_to_school", show_if_answer="yes"),
}


def _create(client, title="Қосымша сұрақтар", region="", questions=TWO_QUESTIONS, lang="en"):
    form = client.get("/admin/").get_data(as_text=True)  # any page: the token is the session's
    data = {"csrf_token": csrf_token(form), "title_kk": title, "title_ru": "Дополнительные вопросы",
            "title_en": "Extra questions", "region": region, "is_active": "y", **questions}
    return client.post(f"/admin/questionnaire/new/?lang={lang}", data=data, follow_redirects=True)


def _questionnaire(app, title):
    with app.app_context():
        questionnaire = db.session.scalar(select(Questionnaire).where(Questionnaire.title_kk == title))
        if questionnaire is None:
            return None
        versions = db.session.scalars(select(QuestionnaireVersion).where(
            QuestionnaireVersion.questionnaire_id == questionnaire.id)
            .order_by(QuestionnaireVersion.number)).all()
        return {"id": questionnaire.id, "region": questionnaire.region_code,
                "questions": [(q.position, q.key, q.label_en) for q in questionnaire.questions],
                "versions": [(v.number, v.definition) for v in versions]}


def _national(app, title="Ұлттық", region=None, author=None):
    """A questionnaire made through the service, as the seed data would."""
    with app.app_context():
        questionnaire = Questionnaire(title_kk=title, title_ru=title, title_en=title, region_code=region)
        questionnaire.questions.append(Question(position=1, key="pets", type="short_text",
                                                label_kk="Үй жануарлары", label_ru="Питомцы",
                                                label_en="Pets"))
        db.session.add(questionnaire)
        db.session.flush()
        publish(questionnaire, author)
        db.session.commit()
        return questionnaire.id


def test_create_with_two_questions_publishes_version_1(client, auth, people, app):
    auth.login(people["superadmin"].email)
    response = _create(client)
    assert response.status_code == 200
    assert "Record was successfully created." in response.get_data(as_text=True)
    saved = _questionnaire(app, "Қосымша сұрақтар")
    assert saved["region"] is None
    assert [key for _p, key, _l in saved["questions"]] == ["goes_to_school", "school_kind"]
    assert [number for number, _d in saved["versions"]] == [1]
    definition = saved["versions"][0][1]
    assert definition["questions"][1]["options"][0] == {
        "value": "public", "label": {"kk": "Мемлекеттік", "ru": "Государственная", "en": "Public"}}
    assert definition["questions"][1]["show_if"] == {"key": "goes_to_school", "answer": "yes"}
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action).where(
            AuditEvent.object_type == "questionnaire", AuditEvent.object_id == str(saved["id"]))).all()
    assert "questionnaire.publish" in actions

    listing = client.get("/admin/questionnaire/?lang=en").get_data(as_text=True)
    assert "Қосымша сұрақтар" in listing and "All regions (national)" in listing


def test_editing_a_label_publishes_version_2_and_unchanged_save_publishes_nothing(client, auth, people, app):
    auth.login(people["superadmin"].email)
    _create(client)
    saved = _questionnaire(app, "Қосымша сұрақтар")
    url = f"/admin/questionnaire/edit/?id={saved['id']}&lang=en"

    # Saving the form exactly as drawn: nothing changed, no new version.
    data = admin_form_data(client.get(url).get_data(as_text=True))
    assert data["questions-1-key"] == ["school_kind"] and data["questions-0-required"] == ["y"]
    assert client.post(url, data=data).status_code == 302
    assert [n for n, _d in _questionnaire(app, "Қосымша сұрақтар")["versions"]] == [1]

    data = admin_form_data(client.get(url).get_data(as_text=True))
    data["questions-1-label_en"] = ["Type of school"]
    assert client.post(url, data=data).status_code == 302
    saved = _questionnaire(app, "Қосымша сұрақтар")
    assert [n for n, _d in saved["versions"]] == [1, 2]
    assert saved["versions"][0][1]["questions"][1]["label"]["en"] == "Kind of school"  # v1 kept
    assert saved["versions"][1][1]["questions"][1]["label"]["en"] == "Type of school"

    details = client.get(f"/admin/questionnaire/details/?id={saved['id']}&lang=en").get_data(as_text=True)
    assert 'data-version="2"' in details and 'data-version="1"' in details
    listing = client.get("/admin/questionnaire/?lang=en").get_data(as_text=True)
    assert "Latest version" in listing


def test_removing_a_question_publishes_a_version_without_it(client, auth, people, app):
    auth.login(people["superadmin"].email)
    _create(client)
    saved = _questionnaire(app, "Қосымша сұрақтар")
    url = f"/admin/questionnaire/edit/?id={saved['id']}&lang=en"
    data = admin_form_data(client.get(url).get_data(as_text=True))
    data["del-questions-1"] = ["on"]
    assert client.post(url, data=data).status_code == 302
    saved = _questionnaire(app, "Қосымша сұрақтар")
    assert [key for _p, key, _l in saved["questions"]] == ["goes_to_school"]
    assert [q["key"] for q in saved["versions"][-1][1]["questions"]] == ["goes_to_school"]


def test_choice_without_options_is_refused_and_nothing_saved(client, auth, people, app):
    auth.login(people["superadmin"].email)
    bad = {**TWO_QUESTIONS, "questions-1-options": ""}
    response = _create(client, title="Нашар", questions=bad)
    body = response.get_data(as_text=True)
    assert "needs options" in body and "IntegrityError" not in body
    assert _questionnaire(app, "Нашар") is None

    # On an edit too: the new question, the title and a version are all left unsaved.
    _create(client)
    saved = _questionnaire(app, "Қосымша сұрақтар")
    url = f"/admin/questionnaire/edit/?id={saved['id']}&lang=en"
    data = admin_form_data(client.get(url).get_data(as_text=True))
    data["title_en"] = ["Changed"]
    data.update({k: [v] for k, v in _question(2, position="3", key="favourite", type="multiple_choice",
                                              label_kk="Таңдау", label_ru="Выбор").items()})
    body = client.post(url, data=data, follow_redirects=True).get_data(as_text=True)
    assert "“favourite” needs options" in body
    after = _questionnaire(app, "Қосымша сұрақтар")
    assert after["questions"] == saved["questions"] and after["versions"] == saved["versions"]
    with app.app_context():
        assert db.session.get(Questionnaire, saved["id"]).title_en == "Extra questions"


def test_condition_on_a_later_question_and_duplicate_keys_are_refused(client, auth, people, app):
    auth.login(people["superadmin"].email)
    later = {**_question(0, position="1", key="a", type="short_text", label_kk="А", label_ru="А",
                         show_if_key="b", show_if_answer="yes"),
             **_question(1, position="2", key="b", type="yes_no", label_kk="Б", label_ru="Б")}
    body = _create(client, title="Кейін", questions=later).get_data(as_text=True)
    assert "depends on a question that is not before it" in body
    twice = {**_question(0, key="a", type="short_text", label_kk="А", label_ru="А"),
             **_question(1, key="a", type="short_text", label_kk="Б", label_ru="Б")}
    body = _create(client, title="Екі рет", questions=twice).get_data(as_text=True)
    assert "Two questions have the key “a”" in body
    impossible = {**_question(0, position="1", key="a", type="yes_no", label_kk="А", label_ru="А"),
                  **_question(1, position="2", key="b", type="short_text", label_kk="Б", label_ru="Б",
                              show_if_key="a", show_if_answer="maybe")}
    body = _create(client, title="Мүмкін емес", questions=impossible).get_data(as_text=True)
    assert "depends on the answer “maybe”, which “a” cannot have (possible: yes, no)" in body
    bad_key = _question(0, key="Бала аты", type="short_text", label_kk="А", label_ru="А")
    body = _create(client, title="Кілт", questions=bad_key).get_data(as_text=True)
    assert "Use lowercase Latin letters" in body
    assert all(_questionnaire(app, t) is None for t in ("Кейін", "Екі рет", "Мүмкін емес", "Кілт"))


def test_akimat_admin_creates_only_for_own_region(client, auth, people, app):
    auth.login(people["akimat75"].email)
    form = client.get("/admin/questionnaire/new/?lang=en").get_data(as_text=True)
    assert 'name="region"' not in form
    # Asking for a national one (or another region) still gives a region-75 questionnaire.
    _create(client, title="Алматы облысы", region="")
    _create(client, title="Басқа өңір", region="71")
    assert _questionnaire(app, "Алматы облысы")["region"] == "75"
    assert _questionnaire(app, "Басқа өңір")["region"] == "75"


def test_akimat_admin_cannot_reach_other_regions_or_national_questionnaires(client, auth, people, app):
    other = _national(app, "Жамбыл сауалнамасы", region="71")
    national = _national(app, "Ұлттық сауалнама")
    own = _national(app, "Өз сауалнамасы", region="75")
    auth.login(people["akimat75"].email)
    listing = client.get("/admin/questionnaire/?lang=en").get_data(as_text=True)
    assert "Өз сауалнамасы" in listing
    assert "Жамбыл сауалнамасы" not in listing and "Ұлттық сауалнама" not in listing
    for target, title in ((other, "Жамбыл сауалнамасы"), (national, "Ұлттық сауалнама")):
        for url in (f"/admin/questionnaire/details/?id={target}", f"/admin/questionnaire/edit/?id={target}"):
            body = client.get(url, follow_redirects=True).get_data(as_text=True)
            assert title not in body and "Үй жануарлары" not in body, url
        assert client.get(f"/admin/questionnaire/preview/?id={target}").status_code == 404
        # A forged edit POST changes nothing.
        token = csrf_token(client.get("/admin/").get_data(as_text=True))
        client.post(f"/admin/questionnaire/edit/?id={target}", data={
            "csrf_token": token, "title_kk": "Hacked", "title_ru": "Hacked"})
        with app.app_context():
            assert db.session.get(Questionnaire, target).title_kk == title
    export = client.get("/admin/questionnaire/export/csv/", follow_redirects=True).get_data(as_text=True)
    assert "Жамбыл сауалнамасы" not in export and "Ұлттық сауалнама" not in export
    assert client.get(f"/admin/questionnaire/preview/?id={own}").status_code == 200


@pytest.mark.parametrize("who,status", [("superadmin", 200), ("commissioner", 200), ("akimat75", 200),
                                        ("committee", 403), ("ombudsman75", 200)])
def test_questionnaire_screen_roles(client, auth, people, who, status):
    auth.login(people[who].email)
    assert client.get("/admin/questionnaire/").status_code == status


def test_the_akimat_prepares_the_questionnaire_and_only_the_ombudsman_publishes_it(client, auth, people, app):
    """[R3] independence: the akimat's saves are drafts, not on the public form, until the
    region's ombudsman opens the questionnaire and publishes it."""
    auth.login(people["akimat75"].email)
    form = client.get("/admin/questionnaire/new/?lang=en").get_data(as_text=True)
    assert 'name="is_active"' not in form
    created = _create(client, title="Алматы сұрақтары").get_data(as_text=True)
    assert "Saved as a draft" in created
    saved = _questionnaire(app, "Алматы сұрақтары")
    assert saved["region"] == "75" and saved["versions"] == []
    with app.app_context():
        assert version_for_region("75") is None   # not on the public form
    details = client.get(f"/admin/questionnaire/details/?id={saved['id']}&lang=en").get_data(as_text=True)
    assert 'data-testid="unpublished"' in details and 'data-testid="publish"' not in details
    token = csrf_token(details)
    refused = client.post("/admin/questionnaire/publish/?lang=en", data={"csrf_token": token, "id": saved["id"]},
                          follow_redirects=True).get_data(as_text=True)
    assert "Only the region" in refused and _questionnaire(app, "Алматы сұрақтары")["versions"] == []

    auth.logout()
    auth.login(people["ombudsman71"].email)   # another region's ombudsman cannot reach it
    assert client.post("/admin/questionnaire/publish/", data={
        "csrf_token": csrf_token(client.get("/admin/").get_data(as_text=True)), "id": saved["id"]}).status_code == 404
    auth.logout()
    auth.login(people["ombudsman75"].email)
    details = client.get(f"/admin/questionnaire/details/?id={saved['id']}&lang=en").get_data(as_text=True)
    assert 'data-testid="publish"' in details
    client.post("/admin/questionnaire/publish/", data={"csrf_token": csrf_token(details), "id": saved["id"]})
    assert [number for number, _d in _questionnaire(app, "Алматы сұрақтары")["versions"]] == [1]
    with app.app_context():
        assert version_for_region("75").questionnaire_id == saved["id"]
        author = db.session.scalar(select(QuestionnaireVersion.created_by_id))
        assert author == people["ombudsman75"].id
    details = client.get(f"/admin/questionnaire/details/?id={saved['id']}&lang=en").get_data(as_text=True)
    assert 'data-testid="unpublished"' not in details


def test_commissioner_reads_all_but_cannot_create_or_edit(client, auth, people, app):
    regional = _national(app, "Жамбыл сауалнамасы", region="71")
    auth.login(people["commissioner"].email)
    listing = client.get("/admin/questionnaire/?lang=en").get_data(as_text=True)
    assert "Жамбыл сауалнамасы" in listing and "/admin/questionnaire/new/" not in listing
    _create(client, title="Комиссар")
    assert _questionnaire(app, "Комиссар") is None
    token = csrf_token(client.get("/admin/").get_data(as_text=True))
    client.post(f"/admin/questionnaire/edit/?id={regional}", data={
        "csrf_token": token, "title_kk": "Changed", "title_ru": "Changed"})
    with app.app_context():
        assert db.session.get(Questionnaire, regional).title_kk == "Жамбыл сауалнамасы"


def test_preview_draws_the_latest_version_in_the_current_language(client, auth, people, app):
    auth.login(people["superadmin"].email)
    _create(client)
    saved = _questionnaire(app, "Қосымша сұрақтар")
    html = client.get(f"/admin/questionnaire/preview/?id={saved['id']}&lang=en").get_data(as_text=True)
    assert "Does the child go to school?" in html and "As on the certificate" in html
    assert 'name="q_goes_to_school" id="q_goes_to_school-1" value="yes"' in html
    assert 'name="q_school_kind"' in html and ">Private</label>" in html
    assert "Answer only if your answer to “Does the child go to school?” is “Yes”." in html
    assert "(required)" in html
    russian = client.get(f"/admin/questionnaire/preview/?id={saved['id']}&lang=ru").get_data(as_text=True)
    assert "Ребёнок ходит в школу?" in russian and "Частная" in russian
    assert client.get("/admin/questionnaire/preview/?id=999999").status_code == 404
    assert client.get("/admin/questionnaire/preview/?id=abc").status_code == 404
    assert client.get(f"/admin/questionnaire/preview/?id={saved['id']}&version=7").status_code == 404


def test_questions_macro_fills_answers_and_marks_errors(app):
    definition = {"questions": [
        {"key": "pets", "type": "multiple_choice", "required": True, "label": {"kk": "Ж", "ru": "Ж", "en": "Pets"},
         "help": {"kk": "", "ru": "", "en": ""}, "show_if": None,
         "options": [{"value": "cat", "label": {"kk": "Мысық", "ru": "Кошка", "en": "Cat"}},
                     {"value": "dog", "label": {"kk": "Ит", "ru": "Собака", "en": "Dog"}}]},
        {"key": "age", "type": "number", "required": False, "label": {"kk": "Жас", "ru": "Возраст", "en": "Age"},
         "help": {"kk": "", "ru": "", "en": ""}, "show_if": None, "options": []},
    ]}
    with app.test_request_context("/?lang=en"):
        template = app.jinja_env.from_string(
            "{% from '_questions.html' import render_questions %}{{ render_questions(d, 'en', a, e) }}")
        html = template.render(d=definition, a={"pets": ["dog"], "age": "<b>"}, e={"age": "Enter a number."})
    assert 'value="dog" checked' in html and 'value="cat" checked' not in html
    assert 'type="number" name="q_age"' in html and 'value="&lt;b&gt;"' in html
    assert 'aria-invalid="true"' in html and "Enter a number." in html


# --- settings ---------------------------------------------------------------------------------

@pytest.mark.parametrize("who,status", [("superadmin", 200), ("commissioner", 403), ("akimat75", 403)])
def test_settings_screen_is_for_superadmins(client, auth, people, who, status):
    auth.login(people[who].email)
    assert client.get("/admin/setting/").status_code == status
    assert client.get("/admin/setting/edit/?key=upload_max_mb").status_code == status


def test_settings_lists_known_keys_with_defaults(client, auth, people):
    auth.login(people["superadmin"].email)
    html = client.get("/admin/setting/?lang=en").get_data(as_text=True)
    for key in settings.KNOWN:
        assert f'data-key="{key}"' in html
    assert "Largest attachment, MB" in html and "112,102,111" in html
    assert client.get("/admin/setting/edit/?key=nope").status_code == 404


def _save_setting(client, key, value):
    url = f"/admin/setting/edit/?key={key}&lang=en"
    token = csrf_token(client.get(url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, "value": value}, follow_redirects=True)


def test_superadmin_changes_a_setting_and_it_is_audited(client, auth, people, app):
    auth.login(people["superadmin"].email)
    response = _save_setting(client, "upload_max_mb", " 20 ")
    assert "Saved" in response.get_data(as_text=True)
    _save_setting(client, "emergency_numbers", "112,  150 ,111")
    _save_setting(client, "two_factor_for_all", " Yes ")
    with app.app_context():
        row = db.session.get(Setting, "upload_max_mb")
        assert row.value == "20" and row.updated_by_id == people["superadmin"].id
        assert settings.get("upload_max_mb") == 20
        assert settings.emergency_numbers() == ["112", "150", "111"]
        assert db.session.get(Setting, "two_factor_for_all").value == "true"
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "setting.update")
                                  .order_by(AuditEvent.id).limit(1))
        assert event.actor_id == people["superadmin"].id
        assert event.data == {"key": "upload_max_mb", "old": None, "new": "20"}
    html = client.get("/admin/setting/?lang=en").get_data(as_text=True)
    assert "112, 150, 111" in html


@pytest.mark.parametrize("key,value,message", [
    ("upload_max_mb", "abc", "Enter a whole number."),
    ("upload_max_mb", "2.5", "Enter a whole number."),
    ("upload_max_mb", "0", "Enter a number from 1 to 100."),
    ("workday_cutoff", "24:00", "Enter a time of day as hours and minutes, e.g. 18:30."),
    ("workday_cutoff", "6pm", "Enter a time of day as hours and minutes, e.g. 18:30."),
    ("term_complaint", "0", "Enter a number from 1 to 90."),
    ("receipt_day_counts", "perhaps", "Choose yes or no."),
    ("submissions_per_hour", "", "This field is required."),
    ("emergency_numbers", "112; 103", "Use only digits, commas and spaces"),
    ("emergency_numbers", "+7 701", "Use only digits, commas and spaces"),
    ("emergency_numbers", " , ", "Use only digits, commas and spaces"),
    ("two_factor_for_all", "maybe", "Choose yes or no."),
    ("session_idle_minutes", "2", "Enter a number from 5 to 1440."),
    ("retention_years", "0", "Enter a number from 1 to 75."),
])
def test_bad_setting_values_are_refused(client, auth, people, app, key, value, message):
    auth.login(people["superadmin"].email)
    body = _save_setting(client, key, value).get_data(as_text=True)
    assert message in body
    with app.app_context():
        assert db.session.get(Setting, key) is None
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                                 .where(AuditEvent.action == "setting.update")) == 0


# --- in a browser: the inline "Add" button works under our CSP ---------------------------------

@pytest.mark.browser
def test_questions_are_added_in_a_browser_and_previewed(app, live_server, page):  # noqa: F811
    with app.app_context():
        email = gen_user("superadmin").email
    page.goto(f"{live_server}/login?lang=en")  # English from here on (a cookie)
    log_in(page, live_server, email)

    page.goto(f"{live_server}/admin/questionnaire/new/")
    page.fill("#title_kk", "Браузер")
    page.fill("#title_ru", "Браузер")
    page.locator("[data-inline-add=questions]").click()
    page.fill("#questions-0-key", "bus")
    page.select_option("#questions-0-type", "yes_no")
    page.fill("#questions-0-label_kk", "Автобус па?")
    page.fill("#questions-0-label_ru", "Автобус?")
    page.fill("#questions-0-label_en", "By bus?")
    page.locator("[data-inline-add=questions]").click()
    page.fill("#questions-1-key", "shift")
    page.select_option("#questions-1-type", "single_choice")
    page.fill("#questions-1-label_kk", "Ауысым")
    page.fill("#questions-1-label_ru", "Смена")
    page.fill("#questions-1-options", "first | Бірінші | Первая | First\nsecond | Екінші | Вторая | Second")
    page.fill("#questions-1-show_if_key", "bus")
    page.fill("#questions-1-show_if_answer", "yes")
    page.locator("form.admin-form input[type=submit]").first.click()
    expect(page.locator(".alert-success")).to_be_visible()

    saved = _questionnaire(app, "Браузер")
    assert [key for _p, key, _l in saved["questions"]] == ["bus", "shift"]
    assert [number for number, _d in saved["versions"]] == [1]
    page.goto(f"{live_server}/admin/questionnaire/preview/?id={saved['id']}")
    expect(page.locator("input[name=q_shift][value=second]")).to_be_visible()
    expect(page.locator("[data-testid=show-if-note]")).to_contain_text("By bus?")
