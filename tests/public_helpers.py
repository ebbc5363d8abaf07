"""Helpers for tests of the public site: the report form's hidden fields, a valid report,
a questionnaire, pictures with EXIF, and row counts."""
import html as html_lib
import re
from io import BytesIO

from PIL import Image
from sqlalchemy import func, select

from extensions import db
from models import Case, CaseAttachment, CaseChild, CaseMessage, Question, Questionnaire, StoredFile
from services.questionnaires import publish
from tests.helpers import csrf_token

COUNTED = (Case, CaseChild, CaseAttachment, StoredFile, CaseMessage)
_RECEIPT = re.compile(r'data-testid="receipt-code"[^>]*>([\d ]+)<')
_NUMBER = re.compile(r'data-testid="registration-number">([^<]+)<')


def prefixed_csrf(html, prefix):
    """The CSRF token of the form whose fields are prefixed (``message-``, ``close-``)."""
    return hidden_value(html, f"{prefix}-csrf_token")


def hidden_value(html, name):
    match = re.search(r'<input[^>]*name="%s"[^>]*value="([^"]*)"' % re.escape(name), html)
    assert match, f"no field {name} on the page"
    return html_lib.unescape(match.group(1))


def form_tokens(client, region="75", lang="en"):
    """Open step 2 of /report and return its CSRF token and signed start time."""
    page = client.get(f"/report?region={region}&lang={lang}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    return {"csrf_token": csrf_token(html), "started": hidden_value(html, "started")}


def report_data(**overrides):
    """A complete, anonymous appeal about one child; ``overrides`` set or remove (None) fields."""
    data = {
        "danger_now": "no", "kind": "appeal", "child1-age": "9", "child1-sex": "boy",
        "categories": ["bullying"],
        "description": "Older pupils take his lunch and push him every day after school.",
        "occurred_when": "Every day this month", "occurred_where": "School No. 12",
        "responsible": "education_org", "website": "",
    }
    for key, value in overrides.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def post_report(client, data, region="75", tokens=None, **kwargs):
    tokens = form_tokens(client, region) if tokens is None else tokens
    return client.post(f"/report?region={region}", data={**tokens, **data},
                       content_type="multipart/form-data", **kwargs)


def receipt_from(html):
    match = _RECEIPT.search(html)
    return match.group(1).strip() if match else None


def registration_number_from(html):
    match = _NUMBER.search(html)
    return match.group(1).strip() if match else None


def counts(app):
    with app.app_context():
        return {model.__name__: db.session.scalar(select(func.count()).select_from(model)) for model in COUNTED}


def png_with_gps():
    """A small PNG carrying EXIF with a GPS position and a camera name."""
    image = Image.new("RGB", (24, 24), "orange")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (43.0, 15.0, 0.0), 3: "E", 4: (76.0, 57.0, 0.0)})
    out = BytesIO()
    image.save(out, "PNG", exif=exif)
    return out.getvalue()


def make_questionnaire(region_code=None, required=True, key="place"):
    """A published questionnaire with one single-choice question (and a dependent one);
    call inside an app context; commits."""
    questionnaire = Questionnaire(title_kk="Қосымша сұрақтар", title_ru="Дополнительные вопросы",
                                  title_en="More questions", region_code=region_code)
    questionnaire.questions.append(Question(
        position=1, key=key, type="single_choice", required=required,
        label_kk="Бұл қайда болды?", label_ru="Где это произошло?", label_en="Where did it happen?",
        help_kk="Біреуін таңдаңыз.", help_ru="Выберите одно.", help_en="Choose one.",
        options="home | Үйде | Дома | At home\nschool | Мектепте | В школе | At school\n"
                "street | Көшеде | На улице | In the street"))
    questionnaire.questions.append(Question(
        position=2, key="teacher_told", type="yes_no", required=False,
        label_kk="Мұғалімге айттыңыз ба?", label_ru="Вы сказали учителю?", label_en="Did you tell a teacher?",
        show_if_key=key, show_if_answer="school"))
    db.session.add(questionnaire)
    db.session.flush()
    version = publish(questionnaire)
    db.session.commit()
    return questionnaire, version
