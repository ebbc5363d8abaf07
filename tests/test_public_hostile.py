"""Hostile and random input to the public forms: never a 500, never part of a case saved,
never markup echoed back unescaped."""
import re
from io import BytesIO
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.helpers import csrf_token
from tests.public_helpers import (counts, form_tokens, png_with_gps, post_report, prefixed_csrf, receipt_from,
                                  report_data)

HOSTILE = [
    "<script>alert(1)</script>", '"><script>alert(1)</script>', "<img src=x onerror=alert(1)>",
    "'; DROP TABLE cases; --", "1 OR 1=1", "' OR ''='", "\x00", "a\x00b", "\u202e\u202d", "\ufeff",
    "%00", "../../etc/passwd", "{{ 7*7 }}", "${7*7}", "\r\n\r\n", "9" * 5000, "-1", "1e309", "NaN",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "Ё" * 400, "0x1F", "true", "[]", "{}", "", " ", "yes", "complaint", "parent_cohabiting",
    "x" * 10001,
]
FIELDS = [
    "danger_now", "kind", "complaint_target", "child1-age", "child1-birth_year", "child1-sex", "child1-name",
    "child1-iin", "child1-school", "child2-age", "child2-birth_year", "child2-name", "child3-iin", "child3-sex",
    "categories", "description", "occurred_when", "occurred_where", "responsible", "responsible_details",
    "reporter_type", "reporter_name", "reporter_phone", "reporter_email", "consent", "website", "q-place",
]
TEXT = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=200),
                 st.text(alphabet=st.characters(max_codepoint=0x20), max_size=20))
# Bytes are sent raw: most are not valid UTF-8.
VALUE = st.one_of(TEXT, st.lists(TEXT, min_size=2, max_size=3), st.binary(min_size=1, max_size=24))
KEYS = st.one_of(st.sampled_from(FIELDS), st.text(max_size=12))
FILE_NAMES = ["x.pdf", "<script>alert(1)</script>.png", "../../a.docx", "файл.mp4", "a\x00.pdf", "", "noext"]
ALLOWED_STATUS = {200, 302, 400, 413, 429}
OUR_SCRIPT = re.compile(r'<script src="/static/js/[\w-]+\.js" defer></script>')


def _encode(pairs):
    """A urlencoded body; bytes values go out raw, so invalid UTF-8 reaches the server."""
    flat = []
    for key, value in pairs:
        for item in value if isinstance(value, list) else [value]:
            flat.append((key, item))
    return urlencode(flat).encode("ascii")


def _assert_safe_page(response):
    event(f"status {response.status_code}")
    assert response.status_code in ALLOWED_STATUS, response.status_code
    body = response.get_data(as_text=True)
    assert "<script>alert" not in body and "<img src=x" not in body
    assert len(re.findall(r"<script", body)) == len(OUR_SCRIPT.findall(body))


def _assert_all_or_nothing(before, after, response):
    delta = {name: after[name] - before[name] for name in before}
    if response.status_code == 302:
        assert delta["Case"] == 1 and 1 <= delta["CaseChild"] <= 3, delta
        assert delta["CaseAttachment"] == delta["StoredFile"] <= 5, delta
    else:
        assert all(value == 0 for value in delta.values()), delta


@pytest.fixture
def open_doors(app, monkeypatch):
    """No minimum fill time and limits far away, so that every example reaches the checks."""
    monkeypatch.setitem(app.config, "MIN_FILL_SECONDS", 0)
    monkeypatch.setitem(app.config, "SUBMISSIONS_PER_HOUR", 100000)
    monkeypatch.setitem(app.config, "RECEIPT_ATTEMPTS_PER_MINUTE", 100000)


@st.composite
def report_posts(draw):
    data = report_data()
    for key in draw(st.lists(st.sampled_from(FIELDS), max_size=3)):
        data.pop(key, None)
    data.update(draw(st.dictionaries(KEYS, VALUE, max_size=5)))
    return [(k, v) for k, v in data.items() if k not in ("csrf_token", "started")]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pairs=report_posts())
def test_hostile_reports_never_500_never_partial(client, app, open_doors, pairs):
    tokens = form_tokens(client)
    before = counts(app)
    response = client.post("/report?region=75", data=_encode(list(tokens.items()) + pairs),
                           content_type="application/x-www-form-urlencoded")
    _assert_safe_page(response)
    _assert_all_or_nothing(before, counts(app), response)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pairs=report_posts(), files=st.lists(st.tuples(st.binary(max_size=2000), st.sampled_from(FILE_NAMES)),
                                            max_size=6), with_png=st.booleans())
def test_hostile_multipart_reports_with_files(client, app, open_doors, pairs, files, with_png):
    data = {}
    for key, value in pairs:
        data[key] = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
    uploads = [(BytesIO(content), name) for content, name in files]
    if with_png:
        uploads.append((BytesIO(png_with_gps()), "photo.png"))
    data["attachments"] = uploads
    before = counts(app)
    response = post_report(client, data, tokens=form_tokens(client))
    _assert_safe_page(response)
    _assert_all_or_nothing(before, counts(app), response)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(code=VALUE, extra=st.dictionaries(KEYS, VALUE, max_size=3))
def test_hostile_receipt_codes(client, app, open_doors, code, extra):
    token = csrf_token(client.get("/status").get_data(as_text=True))
    response = client.post("/status", data=_encode([("csrf_token", token), ("code", code)] + list(extra.items())),
                           content_type="application/x-www-form-urlencoded")
    _assert_safe_page(response)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=VALUE, extra=st.dictionaries(KEYS, VALUE, max_size=3))
def test_hostile_messages_on_an_opened_case(client, app, open_doors, body, extra):
    page = client.get("/status").get_data(as_text=True)
    if 'name="message-csrf_token"' not in page:
        assert post_report(client, report_data()).status_code == 302
        code = receipt_from(client.get("/report/done").get_data(as_text=True))
        assert client.post("/status", data={"csrf_token": csrf_token(page), "code": code}).status_code == 302
        page = client.get("/status").get_data(as_text=True)
    token = prefixed_csrf(page, "message")
    before = counts(app)
    response = client.post("/status/message", content_type="application/x-www-form-urlencoded", data=_encode(
        [("message-csrf_token", token), ("message-body", body)] + list(extra.items())))
    _assert_safe_page(response)
    after = counts(app)
    if response.status_code == 302:
        assert after["CaseMessage"] == before["CaseMessage"] + 1
    else:
        assert after == before


@pytest.mark.parametrize("path", [
    "/report?region=%00", "/report?region=7%005", "/report?region=<script>alert(1)</script>",
    "/report?region=75&region=71", "/report?region=" + "9" * 5000, "/report?region=75&lang=%00",
    "/status/files/99999999999999999999", "/status/files/-1", "/report/done", "/exit",
])
def test_hostile_urls(client, path):
    response = client.get(path)
    assert response.status_code in ALLOWED_STATUS | {404}
    assert "<script>alert" not in response.get_data(as_text=True)


def test_other_bodies_are_refused_without_a_500(client, app, open_doors):
    tokens = form_tokens(client)
    before = counts(app)
    for kwargs in ({"json": {**tokens, **report_data()}}, {"data": b""}, {"data": b"\xff\xfe\x00\x00"},
                   {"data": b"csrf_token=%ZZ&&&==", "content_type": "application/x-www-form-urlencoded"}):
        response = client.post("/report?region=75", **kwargs)
        assert response.status_code == 400, kwargs
    # A POST without a region is no report.
    assert client.post("/report", data={**tokens, **report_data()}).status_code == 400
    assert counts(app) == before


def test_an_oversized_body_gets_the_friendly_413_in_the_users_language(client, app, open_doors):
    tokens = form_tokens(client)
    before = counts(app)
    limit = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 50_000
    try:
        response = client.post("/report?region=75&lang=ru", data={
            **tokens, **report_data(), "attachments": [(BytesIO(b"%PDF-1.4 " + b"0" * 80_000), "big.pdf")]},
            content_type="multipart/form-data")
    finally:
        app.config["MAX_CONTENT_LENGTH"] = limit
    html = response.get_data(as_text=True)
    assert response.status_code == 413
    assert '<html lang="ru">' in html and 'data-status="413"' in html
    with app.test_request_context("/?lang=ru"):
        from flask_babel import gettext
        expected = gettext("What you sent is too large. Please send smaller files, or fewer at a time.")
    assert expected in html and "too large" not in html
    assert counts(app) == before


def test_a_huge_description_is_refused(client, app, open_doors):
    before = counts(app)
    response = post_report(client, report_data(description="a" * 10001))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Write 20 to 10,000 characters. Now there are 10001." in html
    assert counts(app) == before
    exactly = post_report(client, report_data(description="b" * 10000))
    assert exactly.status_code == 302
