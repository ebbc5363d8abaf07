"""Health check, security headers, error pages and languages over HTTP."""
import re

import pytest

from app import create_app
from config import TestConfig


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_is_503_when_postgres_is_unreachable():
    config = TestConfig()
    config.DATABASE_URL = "postgresql+psycopg2://postgres@127.0.0.1:1/nowhere"
    app = create_app(config)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "database": "error"}


def test_security_headers_on_every_response(client):
    for path in ("/", "/login", "/healthz", "/no-such-page"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        script_src = [d for d in csp.split(";") if d.strip().startswith("script-src")][0]
        assert "'nonce-" in script_src and "unsafe-inline" not in script_src
        assert "frame-ancestors 'none'" in csp
        # Same-origin, not no-referrer: Flask-WTF refuses an HTTPS form post without a
        # Referer of our own origin (tests/test_deployed.py posts through a real browser).
        assert headers["Referrer-Policy"] == "same-origin"
        policies = re.findall(r'<meta name="referrer" content="([^"]+)"', client.get(path).get_data(as_text=True))
        assert set(policies) <= {"same-origin"}, path  # a page's own policy would override the header
        assert headers["X-Content-Type-Options"] == "nosniff"


def test_hsts_only_in_production(client):
    assert "Strict-Transport-Security" not in client.get("/").headers


def test_pages_load_no_assets_from_other_hosts(client, auth, app):
    from tests.helpers import gen_user

    with app.app_context():
        user = gen_user("superadmin")
    auth.login(user.email)
    for path in ("/", "/login", "/admin/", "/admin/user/", "/stats"):
        html = client.get(path).get_data(as_text=True)
        # Anything the browser would fetch: src, href, srcset, url(...) and @import.
        external = re.findall(r'(?:src|href|srcset|action)\s*=\s*["\']\s*(?:https?:)?//(?!localhost)[^"\']*'
                              r'|url\(\s*["\']?\s*(?:https?:)?//[^)]*|@import', html)
        assert external == [], (path, external)


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_lang_parameter_sets_html_lang_and_cookie(client, lang):
    response = client.get(f"/login?lang={lang}")
    assert f'<html lang="{lang}">' in response.get_data(as_text=True)
    assert f"lang={lang}" in response.headers.get("Set-Cookie", "")
    again = client.get("/login")
    assert f'<html lang="{lang}">' in again.get_data(as_text=True)


def test_kazakh_is_the_default_language(client):
    assert '<html lang="kk">' in client.get("/").get_data(as_text=True)


def test_accept_language_is_honoured_without_a_cookie(client):
    page = client.get("/", headers={"Accept-Language": "ru-RU,ru;q=0.9"}).get_data(as_text=True)
    assert '<html lang="ru">' in page


def test_unknown_lang_is_ignored(client):
    response = client.get("/?lang=xx")
    assert '<html lang="kk">' in response.get_data(as_text=True)
    assert "lang=xx" not in response.headers.get("Set-Cookie", "")


def test_language_switcher_keeps_other_query_arguments(client):
    html = client.get("/login?next=/admin/&lang=ru").get_data(as_text=True)
    assert "/login?next=%2Fadmin%2F&amp;lang=kk" in html


def test_not_found_page_is_friendly(client):
    response = client.get("/no-such-page?lang=en")
    assert response.status_code == 404
    assert "This page does not exist." in response.get_data(as_text=True)


def test_request_too_large_is_a_friendly_413(app):
    limit = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 1000
    try:
        response = app.test_client().post("/login?lang=en", data={"email": "x" * 5000})
    finally:
        app.config["MAX_CONTENT_LENGTH"] = limit
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)


@pytest.fixture
def production_app(database_url):
    from tests.helpers import production_config

    return create_app(production_config(database_url))


def test_production_forces_https_and_sends_hsts(production_app):
    client = production_app.test_client()
    assert client.get("/login").status_code in (301, 302)
    secure = client.get("/login", base_url="https://localhost")
    assert secure.status_code == 200
    assert "max-age=" in secure.headers["Strict-Transport-Security"]
    cookie = client.get("/login?lang=ru", base_url="https://localhost").headers.get("Set-Cookie", "")
    assert "Secure" in cookie


def test_production_healthz_answers_plain_http(production_app):
    """A platform's health check probes the process over plain HTTP: no redirect."""
    response = production_app.test_client().get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok", "database": "ok"}


def test_https_form_post_needs_a_same_origin_referer_and_a_refusal_is_logged(production_app, caplog):
    client = production_app.test_client()
    https = "https://ombudsman.example.kz"
    page = client.get("/login?lang=en", base_url=https).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    form = {"csrf_token": token, "email": "nobody@example.kz", "password": "wrong password 123"}

    refused = client.post("/login?lang=en", data=form, base_url=https)
    assert refused.status_code == 400
    [line] = [r.getMessage() for r in caplog.records if "CSRF" in r.getMessage()]
    assert "The referrer header is missing." in line and "POST /login" in line
    assert token not in line

    accepted = client.post("/login?lang=en", data=form, base_url=https,
                           headers={"Referer": f"{https}/login?lang=en"})
    assert accepted.status_code == 401 and "Wrong e-mail or password." in accepted.get_data(as_text=True)
