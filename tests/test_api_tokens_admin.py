"""Settings → API tokens (issue 21, item 1) [R7]: the superadmin and the Commissioner's office
issue a partner's token, see its secret once, and revoke it with effect at once; a regional
organization's token stays in its region and never reads the reports; nobody else sees the
screen; refused input saves nothing."""
import json
import re
from html import unescape
from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select, text

from admin.api_tokens import valid_until
from core.errors import InvalidInput
from extensions import db
from models import ApiToken, AuditEvent, Organization
from services import api_tokens, audit_words
from services.deadlines import KZ_TZ, now_local
from tests.api_helpers import bearer
from tests.helpers import admin_form_data, csrf_token

LIST, NEW, REVOKE = "/admin/api_token/", "/admin/api_token/new/", "/admin/api_token/revoke/"
SECRET = re.compile(r"kzo_[A-Za-z0-9_-]{40,}")
SIGNING = re.compile(r"whsec_[A-Za-z0-9+/=]{40,}")
CASE_URL = "/api/v1/cases/75-2026-000001"
PROBLEM = "application/problem+json"


def _organization(app, region=None, name="Линия 111"):
    with app.app_context():
        org = Organization(region_code=region, type="ngo" if region else "committee", name_kk=name, name_ru=name)
        db.session.add(org)
        db.session.commit()
        return org.id


def _tokens(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(ApiToken))


def _form(client):
    """The issue form as the page gives it (its key, the default expiry), as a dict of lists."""
    page = client.get(NEW)
    assert page.status_code == 200
    return admin_form_data(page.get_data(as_text=True))


def _issue(client, org, **fields):
    data = _form(client)
    data.update(organization=[str(org)], label=["111 line, call centre"],
                scopes=["cases:create", "cases:read"], region_codes=["75"])
    data.update({key: value if isinstance(value, list) else [value] for key, value in fields.items()})
    return client.post(NEW, data=data), data


def _text(response):
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def _flashes(client):
    with client.session_transaction() as session:
        return [text for _category, text in session.get("_flashes", [])]


# --- issuing, the secret shown once, revoking -------------------------------------------------------------------------

def test_the_commissioner_issues_a_token_sees_its_secret_once_and_revokes_it(app, login, people):
    national = _organization(app)
    client = login("commissioner")
    answer, posted = _issue(client, national, scopes=["cases:read", "reports:read"], region_codes=["75", "71"])
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    page = answer.get_data(as_text=True)
    [secret] = set(SECRET.findall(page))
    assert "it will not be shown again" in page and 'data-copy="#api-secret"' in page
    assert "js/receipt.js" in page and 'href="/admin/api_token/"' in page
    assert not SIGNING.search(page), "no webhook, no signing secret"
    assert secret not in json.dumps(_flashes(client))

    # Only the SHA-256 is kept; the audit row names the token, never its secret.
    with app.app_context():
        token = db.session.scalars(select(ApiToken)).one()
        assert token.token_hash == api_tokens.digest(secret) and secret.startswith(token.prefix)
        assert (token.label, token.organization_id, token.created_by_id) == (
            "111 line, call centre", national, people["commissioner"].id)
        assert (token.scopes, token.region_codes) == (["cases:read", "reports:read"], ["71", "75"])
        # Valid to the end of the day chosen (a year from today), Almaty time.
        assert token.expires_at.astimezone(KZ_TZ).date() == now_local().date() + timedelta(days=366)
        assert valid_until(token) == now_local().date() + timedelta(days=365)
        stored = db.session.execute(text("SELECT row_to_json(t)::text FROM api_token t")).scalar()
        assert secret not in stored and secret[len(token.prefix):] not in stored
        [issued] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "api_token.issue")).all()
        assert issued.actor_id == people["commissioner"].id and issued.data["label"] == "111 line, call centre"
        assert issued.data["scopes"] == ["cases:read", "reports:read"] and issued.data["regions"] == ["71", "75"]
        logged = db.session.execute(text("SELECT string_agg(data::text, ' ') FROM audit_event")).scalar()
        assert secret not in logged
        token_id = token.id

    # Shown once: no other page has it, and a reload of the answer issues nothing more.
    for url in (LIST, NEW, "/admin/", f"/admin/audit/details/?id={issued.id}"):
        shown = client.get(url)
        assert shown.status_code == 200 and secret not in shown.get_data(as_text=True), url
    listed = _text(client.get(LIST))
    assert f"{secret[:8]}…" in listed and "111 line, call centre" in listed and "Active" in listed
    assert "Follow the cases it sent" in listed and "Read submitted half-year reports" in listed
    assert "Astana city, Almaty city" in listed or "Almaty city, Astana city" in listed
    again = client.post(NEW, data=posted)
    assert again.status_code == 200 and "This form was already sent" in _text(again)
    assert not SECRET.search(again.get_data(as_text=True)) and _tokens(app) == 1

    # The secret opens the API: an unknown case is a 404 problem, not a 401.
    api = app.test_client()
    found = api.get(CASE_URL, headers=bearer(secret))
    assert found.status_code == 404 and found.mimetype == PROBLEM, found.get_data(as_text=True)

    # Revoked: the very next call is refused.
    revoked = client.post(REVOKE, data={"csrf_token": csrf_token(client.get(LIST).get_data(as_text=True)),
                                        "id": str(token_id)})
    assert revoked.status_code == 302 and revoked.location.endswith(LIST)
    with client.session_transaction() as session:
        assert session["_flashes"] == [("success", "Revoked: the token “111 line, call centre” opens nothing "
                                                   "from now on.")]
    refused = api.get(CASE_URL, headers=bearer(secret))
    assert refused.status_code == 401 and refused.mimetype == PROBLEM
    listed = client.get(LIST).get_data(as_text=True)
    assert 'data-state="revoked"' in listed and 'data-testid="revoke-token"' not in listed
    with app.app_context():
        token = db.session.get(ApiToken, token_id)
        assert token.revoked_at is not None and token.revoked_by_id == people["commissioner"].id
        [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "api_token.revoke")).all()
        assert event.data == {"label": "111 line, call centre"}
        calls = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "api.call")).all()
        assert [call.data["token"] for call in calls] == ["111 line, call centre"]


def test_a_revoke_without_the_form_s_csrf_token_changes_nothing(app, login, people):
    client = login("superadmin")
    answer, _posted = _issue(client, _organization(app))
    assert answer.status_code == 200
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id))
    assert client.post(REVOKE, data={"id": str(token_id)}).status_code == 400
    assert client.post(REVOKE, data={"csrf_token": csrf_token(client.get(LIST).get_data(as_text=True)),
                                     "id": "999999"}).status_code == 404
    with app.app_context():
        assert db.session.get(ApiToken, token_id).revoked_at is None


def test_a_webhook_gets_its_signing_secret_shown_once_and_kept_encrypted(app, login):
    client = login("superadmin")
    answer, _posted = _issue(client, _organization(app), webhook_url=" https://partner.kz/ombudsman/events ",
                             rate_limit="120")
    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    [signing] = set(SIGNING.findall(page))
    assert "https://partner.kz/ombudsman/events" in page and 'data-copy="#webhook-secret"' in page
    with app.app_context():
        token = db.session.scalars(select(ApiToken)).one()
        assert (token.webhook_url, token.webhook_secret, token.rate_limit_per_minute) == (
            "https://partner.kz/ombudsman/events", signing, 120)
        raw = db.session.execute(text("SELECT webhook_secret FROM api_token")).scalar()
        assert signing not in raw
    assert signing not in client.get(LIST).get_data(as_text=True)


# --- what is refused ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("fields, message", [
    ({"scopes": ["cases:create", "reports:read"]}, "Only a national body may read the regions' half-year reports."),
    ({"region_codes": ["75", "71"]}, "A regional organization's token acts in its own region only."),
    ({"region_codes": ["71"]}, "A regional organization's token acts in its own region only."),
])
def test_a_regional_organization_gets_neither_the_reports_nor_another_region(app, login, fields, message):
    client = login("commissioner")
    regional = _organization(app, "75", "Алматы балалар орталығы")
    page = client.get(NEW).get_data(as_text=True)
    assert "Алматы балалар орталығы (Almaty city)" in page
    answer, _posted = _issue(client, regional, **fields)
    assert answer.status_code == 200 and not SECRET.search(answer.get_data(as_text=True))
    shown = _text(answer)
    assert message in shown and 'data-testid="form-errors"' in answer.get_data(as_text=True)
    assert _tokens(app) == 0
    # The same organization in its own region, without the reports: issued.
    answer, _posted = _issue(client, regional)
    assert SECRET.search(answer.get_data(as_text=True)) and _tokens(app) == 1


@pytest.mark.parametrize("fields, message", [
    ({"scopes": []}, "Choose at least one permission."),
    ({"region_codes": []}, "Choose the regions the token may act in."),
    ({"expires_on": "2020-01-01"}, "The token expires on a day from today to two years from now."),
    ({"expires_on": "2999-01-01"}, "The token expires on a day from today to two years from now."),
    ({"expires_on": "31.12.2026x"}, "Not a valid date value."),
    ({"webhook_url": "http://partner.kz/events"}, "Give the webhook's address as a full HTTPS URL"),
    ({"webhook_url": "https://user:password@partner.kz/events"}, "Give the webhook's address as a full HTTPS URL"),
    ({"label": "  "}, "Give the token a label."),
    ({"organization": ""}, "Choose the organization the token is for."),
    ({"organization": "abc"}, "Choose the organization the token is for."),
    ({"rate_limit": "0"}, "Enter a number from 1 to 10000."),
    ({"scopes": ["cases:delete"]}, "is not a valid choice"),
])
def test_bad_input_is_shown_by_its_field_and_saves_nothing(app, login, fields, message):
    client = login("superadmin")
    answer, _posted = _issue(client, _organization(app), **fields)
    assert answer.status_code == 200
    assert message in _text(answer)
    assert not SECRET.search(answer.get_data(as_text=True)) and _tokens(app) == 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                                 .where(AuditEvent.action == "api_token.issue")) == 0


def test_the_form_offers_active_organizations_national_first_and_the_20_regions(app, login):
    regional = _organization(app, "71", "Астана НПО")
    national = _organization(app, None, "Балалар құқықтары комитеті")
    with app.app_context():
        closed = Organization(region_code="75", type="ngo", name_kk="Жабылған", name_ru="Закрыта", is_active=False)
        db.session.add(closed)
        db.session.commit()
    page = login("superadmin").get(NEW).get_data(as_text=True)
    assert page.index(f'value="{national}"') < page.index(f'value="{regional}"')
    assert "Жабылған" not in page and "Балалар құқықтары комитеті (national body)" in page
    assert len(re.findall(r'name="region_codes"', page)) == 20
    default = (now_local().date() + timedelta(days=365)).isoformat()
    assert f'value="{default}"' in page and 'type="date"' in page


# --- who sees the screen ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("person", ["committee", "akimat75", "ombudsman75", "akimat71", "ombudsman71"])
def test_nobody_else_sees_the_screen_nor_its_menu_entry(app, login, person):
    client = login(person)
    assert LIST not in client.get("/admin/").get_data(as_text=True)
    assert client.get(LIST).status_code == 403
    assert client.get(NEW).status_code == 403
    token = csrf_token(client.get("/admin/").get_data(as_text=True))
    assert client.post(NEW, data={"csrf_token": token, "label": "x"}).status_code == 403
    assert client.post(REVOKE, data={"csrf_token": token, "id": "1"}).status_code == 403
    assert _tokens(app) == 0


@pytest.mark.parametrize("person", ["superadmin", "commissioner"])
def test_the_superadmin_and_the_commissioner_have_it_under_settings(login, person):
    page = login(person).get("/admin/").get_data(as_text=True)
    assert f'href="{LIST}"' in page and "API tokens" in page


# --- the service's webhook check and the audit log's words --------------------------------------------------------

@pytest.mark.parametrize("url", ["https://partner.kz/ombudsman/events", "https://127.0.0.1:8443/hook",
                                 "https://[::1]:8443/hook", "https://partner.kz"])
def test_a_well_formed_https_webhook_is_accepted(app_ctx, url):
    assert api_tokens.checked_webhook_url(f" {url} ") == url


@pytest.mark.parametrize("url", ["http://partner.kz/events", "ftp://partner.kz", "https://", "https:///path",
                                 "partner.kz/events", "https://user:pw@partner.kz/", "https://partner.kz:99999/",
                                 "https://partner.kz:0/", "https://partner.kz:port/", "https://[::1/hook",
                                 "https://partner .kz/", "https://partner.kz/\x00", "javascript:alert(1)",
                                 "https://partner.kz/" + "a" * 500])
def test_a_webhook_that_is_no_https_url_is_refused(app_ctx, url):
    with pytest.raises(InvalidInput, match="full HTTPS URL") as refused:
        api_tokens.checked_webhook_url(url)
    assert refused.value.field == "webhook_url"
    assert api_tokens.checked_webhook_url("") is None and api_tokens.checked_webhook_url(None) is None


def test_the_audit_log_reads_the_token_s_rows_in_words(app, login, people):
    from admin.audit import _screen_words

    national = _organization(app)
    client = login("superadmin")
    _issue(client, national, scopes=["cases:create", "cases:read"], region_codes=["75", "71"])
    with app.app_context(), force_locale("en"):
        fields, screens = _screen_words(app.extensions["admin"][0])
        words = audit_words.Words(regions={"75": "Almaty city", "71": "Astana city"}, fields=fields, screens=screens)
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "api_token.issue")).one()
        assert str(audit_words.action_label(event.action)) == "API token issued"
        assert str(audit_words.object_label(event.object_type)) == "API token"
        lines = {str(line["label"]): str(line["text"]) for line in audit_words.describe(event, words)}
        expires = (now_local().date() + timedelta(days=366)).strftime("%d.%m.%Y")
        assert lines["Label"] == "111 line, call centre" and lines["Organization"] == f"№ {national}"
        assert lines["Permissions"] == "Send cases; Follow the cases it sent"
        assert lines["Regions"] == "Astana city, Almaty city" and lines["Expires"].startswith(expires)
        call = AuditEvent(action="api.call", object_type="api_token",
                          data={"token": "111 line", "method": "GET", "path": CASE_URL, "status": 404})
        lines = {str(line["label"]): str(line["text"]) for line in audit_words.describe(call, words)}
        assert lines == {"API token": "111 line", "Kind of call": "GET", "Address called": CASE_URL,
                         "Answer code": "404"}
        submitted = AuditEvent(action="case.submit", object_type="cases", data={"channel": "line_111", "token": "x"})
        assert "API token" in [str(line["label"]) for line in audit_words.describe(submitted, words)]
