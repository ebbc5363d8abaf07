"""The partner API's guide at /api/v1/docs [R7]: a page of the site in kk, ru and en that
lists every operation of the OpenAPI document with a curl example, speaks no English on the
Kazakh and Russian pages, loads nothing from elsewhere, and whose examples work: the case
of the POST example is accepted, the Python check of a webhook accepts our signature.
"""
import html
import json
import re
import time

import pytest

from core import webhooks
from tests.api_helpers import issue_token
from tests.browser import browser, live_server, page, shot  # noqa: F401

PHONE = {"width": 390, "height": 844}
# Sentences of the English page, written in the template and in api/docs.py.
ENGLISH = (
    "Send the token in the Authorization header of every call",
    "Make a new key for each new case",
    "A field inside a list is named with its position",
    "Answer with any 2xx status within 10 seconds",
    "Check the signature on the raw bytes of the body",
    "Creates the case as the region's ombudsman would enter a case",
    "No case with this number was sent with this token.",
    "The child is in danger now",
    "Field names and codes are the API’s own",
)
# Four English words in a row, outside code: prose nobody translated.
ENGLISH_RUN = re.compile(r"\b[A-Za-z]{2,}(?:[ ,]+[A-Za-z]{2,}){3,}\b")


def _spec(client):
    return client.get("/api/v1/openapi.json").get_json()


def _guide(client, lang):
    answer = client.get(f"/api/v1/docs?lang={lang}")
    assert answer.status_code == 200 and answer.mimetype == "text/html"
    return answer.get_data(as_text=True)


def _operations(page):
    """{"METHOD path": curl example} of each operation on the page."""
    found = {}
    for section in page.split('<section class="operation"')[1:]:
        line = re.search(r'<p class="op-line"><code><span class="op-method">(\w+)</span> ([^<]+)</code>', section)
        curl = re.search(r'data-testid="curl"><code>(.*?)</code></pre>', section, re.S)
        found[f"{line[1]} {html.unescape(line[2])}"] = html.unescape(curl[1]) if curl else None
    return found


def _documented(spec):
    """"METHOD path" of every operation of the document."""
    return {f"{method.upper()} {path}" for path, item in spec["paths"].items() for method in item
            if method in ("get", "post", "put", "patch", "delete")}


def _prose(page):
    """The page's visible words outside code, scripts and styles."""
    body = page.split('<main', 1)[1].split("</main>", 1)[0]
    body = re.sub(r"<(pre|code|style|script)\b.*?</\1>", " ", body, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_the_guide_lists_each_operation_with_a_curl_example(client, lang):
    page = _guide(client, lang)
    assert f'<html lang="{lang}">' in page
    assert page.count("<h1>") == 1 and page.count("<main") == 1
    operations = _operations(page)
    assert set(operations) == _documented(_spec(client))
    for operation, curl in operations.items():
        method, path = operation.split(" ", 1)
        assert curl and curl.startswith("curl "), operation
        assert path.split("{")[0].rstrip("/") in curl, operation
        assert (f"-X {method}" in curl) == (method != "GET"), operation
        assert f"Accept-Language: {lang}" in curl
    assert 'Idempotency-Key: ' in operations["POST /api/v1/cases"]
    assert "Authorization: Bearer" not in operations["GET /api/v1/stats"], "the public figures need no token"
    assert 'href="/api/v1/openapi.json"' in page


def test_every_path_and_schema_of_the_document_is_on_the_page(client):
    spec = _spec(client)
    page = html.unescape(_guide(client, "ru"))
    for path in spec["paths"]:
        assert path in page, path
    for name in ("NewCase", "Child", "Reporter", "CaseState", "Message", "Problem", "HalfYearReport"):
        assert f'id="schema-{name}"' in page, name
        for field in spec["components"]["schemas"][name]["properties"]:
            assert f"<code>{field}</code>" in page, (name, field)
    for code in spec["components"]["schemas"]["NewCase"]["properties"]["kind"]["enum"]:
        assert f"<code>{code}</code>" in page, code
    assert "PaginationMetadata" not in page, "a schema no operation uses is left out"


def _descriptions(node):
    """Every description of the OpenAPI document (English)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "description" and isinstance(value, str):
                yield value
            else:
                yield from _descriptions(value)
    elif isinstance(node, list):
        for value in node:
            yield from _descriptions(value)


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_no_english_prose_on_the_kazakh_and_russian_pages(client, lang):
    english = html.unescape(_guide(client, "en"))
    for sentence in ENGLISH:
        assert sentence in english, sentence
    page = html.unescape(_guide(client, lang))
    for sentence in ENGLISH:
        assert sentence not in page, sentence
    for description in _descriptions(_spec(client)):
        if len(description) > 20:
            assert description not in page, description
    prose = _prose(_guide(client, lang))
    runs = ENGLISH_RUN.findall(prose)
    assert not runs, runs
    assert re.search("[а-яәғқңөұүһі]{4}", prose)


def test_nothing_is_loaded_from_another_site(client):
    page = _guide(client, "kk")
    scripts, links = re.findall(r"<script\b[^>]*>", page), re.findall(r"<link\b[^>]*>", page)
    # Our own files only; and no inline script, which the site's CSP forbids.
    assert scripts and all(re.search(r'\ssrc="/static/', tag) for tag in scripts), scripts
    assert links and all(re.search(r'\shref="/static/', tag) for tag in links), links
    assert not re.search(r"""\ssrc=["']?(https?:)?//""", page)
    assert not re.search(r"""@import|url\(\s*["']?(https?:)?//""", page)


def test_the_footer_leads_to_the_guide(client):
    assert 'href="/api/v1/docs"' in client.get("/?lang=ru").get_data(as_text=True)


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_the_post_example_sends_a_case(app, client, people, lang):
    """The example's body and headers, taken from the page, are accepted: 201, then 200 retried."""
    curl = _operations(_guide(client, lang))["POST /api/v1/cases"]
    body = json.loads(curl.split("<<'EOF'\n", 1)[1].rsplit("\nEOF", 1)[0])
    key = re.search(r'Idempotency-Key: ([^"]+)"', curl)[1]
    with app.app_context():
        _token, secret = issue_token(people["superadmin"])
    headers = {"Authorization": f"Bearer {secret}", "Idempotency-Key": key, "Accept-Language": lang}
    first = client.post("/api/v1/cases", json=body, headers=headers)
    assert first.status_code == 201, first.get_json()
    assert client.post("/api/v1/cases", json=body, headers=headers).status_code == 200
    assert first.get_json()["region"] == body["region"]


def test_the_python_example_checks_our_signature(client):
    page = _guide(client, "en")
    code = html.unescape(re.search(r'data-testid="verify-example"><code>(.*?)</code>', page, re.S)[1])
    names = {}
    exec(compile(code, "verify-example", "exec"), names)  # noqa: S102 - our own page's sample
    verify = names["verify"]
    secret = webhooks.new_secret(b"k" * 32)
    body = json.dumps({"type": "case.state_changed", "state": "answered"}).encode()
    stamp = str(int(time.time()))
    headers = {"webhook-id": "msg_1", "webhook-timestamp": stamp,
               "webhook-signature": "v1,bm90IGl0 " + webhooks.signature(secret, "msg_1", stamp, body)}
    assert verify(secret, headers, body)
    assert not verify(secret, headers, body + b" ")
    assert not verify(webhooks.new_secret(b"x" * 32), headers, body)
    old = str(int(time.time()) - 600)
    assert not verify(secret, dict(headers, **{"webhook-timestamp": old,
                                               "webhook-signature": webhooks.signature(secret, "msg_1", old, body)}),
                      body)


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_the_guide_fits_a_phone_and_axe_finds_nothing(live_server, page, lang):
    from axe_playwright_python.sync_playwright import Axe

    page.set_viewport_size(PHONE)
    page.goto(f"{live_server}/api/v1/docs?lang={lang}")
    assert page.locator("html").get_attribute("lang") == lang
    shot(page, f"api-docs-{lang}-390")
    widest = page.evaluate("""() => [...document.querySelectorAll('main *')]
        .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1
                     && !e.closest('pre'))
        .map(e => e.tagName + '.' + e.className).slice(0, 5)""")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], widest
    pre = page.locator("[data-testid=curl]").first
    assert pre.evaluate("e => e.scrollWidth > e.clientWidth"), "a long line scrolls inside its block"
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
