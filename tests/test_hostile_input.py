"""Bad input at scale (issue "Trust", item 7): thousands of random and hostile values posted
to every public form, the staff login and account forms, every admin create and edit form and
every workflow step form, as a person allowed to use it.

Each example runs in a savepoint rolled back after it, and must give:
- never a 5xx;
- no live markup: a posted ``<script>``/``onerror=`` payload appears only escaped in the page
  answered, in the page a success redirects to, and on the page that shows the saved record
  back (a case's details for staff, a registry record's details…); no ``javascript:`` link;
- no partial row: a refused post (the form shown again, or an error flashed) writes nothing at
  all; an accepted create adds its row, complete (a public report: the case with its children,
  its checklist and its registration step).

The values: very long strings, control characters and NUL, RTL marks, emoji, Kazakh letters,
SQL and HTML/JS fragments, ``javascript:`` URLs, text in number and date fields, huge and
negative numbers, invalid UTF-8, several values for one field, missing fields, unknown fields,
hostile file names, and broken multipart bodies (``test_broken_multipart``).

``FORMS`` lists the forms by hand; ``test_every_form_is_attacked`` walks the app's admin views
and POST routes and fails when a form is not attacked here (or named as having no fields).
"""
import os
import re
import traceback
from dataclasses import dataclass
from datetime import date, timedelta
from html.parser import HTMLParser
from io import BytesIO
from urllib.parse import urlencode, urlsplit

import pytest
from flask_admin.model import BaseModelView
from hypothesis import HealthCheck, Phase, event, given, note, settings
from hypothesis import strategies as st
from sqlalchemy import text
from werkzeug.exceptions import MethodNotAllowed, NotFound

from core import throttle
from models.registry_specs import REGISTRY_SPECS
from tests.helpers import PASSWORD
from tests.public_helpers import report_data
from tests.matrix_helpers import (PDF, any_csrf_token, build_world, changed_tables, client_with, cookies_of,
                                  fingerprint, fingerprint_sql, flashes, form_with, page_forms, savepoint,
                                  transaction_connection)

# --- hostile values ------------------------------------------------------------------------

MARKUP = [
    "<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "'><svg onload=alert(1)>",
    "</textarea><script>alert(1)</script>", "</title><script>alert(1)</script>",
    "<a href=javascript:alert(1)>x</a>", "<iframe src=javascript:alert(1)></iframe>",
    '" autofocus onfocus="alert(1)', "javascript:alert(1)", "JaVaScRiPt:alert(1)//",
    "data:text/html,<script>alert(1)</script>",
    "{{ 7*7 }}", "${7*7}", "{% print 1 %}", "%(name)s", "<!--", "]]>",
]
SQL = ["'; DROP TABLE cases; --", "1' OR '1'='1", "' OR ''='", "1; SELECT pg_sleep(0)--", "%' --", "\\", "';--",
       "1 UNION SELECT email FROM users--"]
CONTROL = ["\x00", "a\x00b", "\x07\x08\x1b[31m", "\r\n\r\nX-Injected: 1", "\u202e\u202dtxt", "\ufeff", "\u200b",
           "\x7f\x85\x9f", "\t\t", "%00", "../../etc/passwd", "C:\\Windows\\system32"]
UNICODE = ["Әлия Қасымқызы: ә ғ қ ң ө ұ ү һ і", "😀👨‍👩‍👧‍👦🇰🇿", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "Z̸͖a̵l̷g̴o", "ﷺ" * 50, "\U0010ffff"]
LONG = ["ә" * 10_001, "x" * 65_536, "<script>" * 2_000, "9" * 5_000]
NUMBERS = ["-1", "0", "-0", "99999999999999999999", "1e309", "NaN", "Infinity", "0x1F", "1,5", "3.7",
           "2026-02-30", "0000-00-00", "9999-12-31", "31.12.2026", "2026-13-45T25:61", "yes", "true", "[]", "{}",
           "", " "]
# Plausible values, so that examples also get past validation and are saved (then shown back).
PLAUSIBLE = ["2026-05-06", "2026-01-15", "12", "3", "1", "2030", "new.person@example.kz", "+77015550011",
             "Мектептегі жағдай туралы толық ақпарат берілді.", "Valid text of more than twenty characters",
             "y", "on", "no", "kk", "ru", "75"]
DANGEROUS = MARKUP + SQL + CONTROL + UNICODE + LONG + NUMBERS

SCALAR = st.one_of(
    st.sampled_from(DANGEROUS), st.sampled_from(PLAUSIBLE),
    st.builds(lambda a, payload, b: a + payload + b, st.text(max_size=20), st.sampled_from(MARKUP + SQL + CONTROL),
              st.text(max_size=20)),
    st.text(max_size=120),
    st.text(alphabet=st.characters(max_codepoint=0x9f), max_size=30),
    st.binary(min_size=1, max_size=24),  # sent raw: mostly invalid UTF-8
)
VALUE = st.one_of(SCALAR, SCALAR, SCALAR, st.lists(SCALAR, min_size=2, max_size=3))
MISSING = object()
FILE_NAMES = ["scan.pdf", "<script>alert(1)</script>.pdf", '"><img src=x onerror=alert(1)>.pdf', "../../a.pdf",
              "файл.pdf", "a\x00.pdf", "", "x" * 300 + ".pdf", "CON.pdf", "javascript:alert(1).pdf"]
FILE_CONTENTS = [PDF, b"", b"<script>alert(1)</script>", b"\x89PNG\r\n\x1a\nbroken", b"%PDF-" + b"\x00" * 64]
FILES = st.lists(st.tuples(st.sampled_from(FILE_CONTENTS), st.sampled_from(FILE_NAMES)), max_size=2)


class LiveMarkup(HTMLParser):
    """The live markup of a page as a browser parses it: an event handler attribute, a
    ``javascript:`` (or ``data:text/html``) URL, or an inline script calling ``alert``.
    Escaped text (``&lt;script&gt;``, ``value="&#34;&gt;&lt;img …"``) is never a tag here."""

    URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background"}
    # Flask-Admin's own menu toggles and bulk-action links (constants of its templates).
    INERT_URLS = {"javascript:void(0)", "javascript:void(0);"}
    INERT_HANDLER = re.compile(r"return modelActions\.execute\('[a-z_]+'\);")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found, self._script = [], False

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            url = re.sub(r"[\s\x00-\x1f]", "", value or "").lower()
            if url in self.INERT_URLS:
                continue
            if name == "onclick" and self.INERT_HANDLER.fullmatch(value or ""):
                continue
            if name.startswith("on") or (name in self.URL_ATTRIBUTES and url.startswith(
                    ("javascript:", "vbscript:", "data:text/html"))):
                self.found.append(f"<{tag} {name}={value!r}>")
        self._script = tag == "script"

    def handle_endtag(self, tag):
        self._script = False

    def handle_data(self, data):
        if self._script and "alert(" in data:
            self.found.append(f"<script>{data[:80]}")


def live_markup(body):
    finder = LiveMarkup()
    finder.feed(body)
    finder.close()
    return finder.found


# --- the forms -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Form:
    name: str
    person: str          # whose browser posts (see tests/matrix_helpers.py PEOPLE), or "2fa" (mid-login)
    page: str            # the page showing the form; ``{key}``: an id of the data set
    pick: str = ""       # a field of the form, to pick it among the page's forms
    post: str = ""       # where it posts (else the form's action, else the page)
    examples: int = 15
    creates: str = ""    # the table that gains one row when the form is accepted
    shows: str = ""      # "person URL" of a page showing the saved data back ({new}: the new row's id)
    done: str = ""       # text of a 200 page that means "accepted" (else only a redirect does)
    valid: tuple = ()    # (field, value) pairs making the page's form acceptable, before the attack


PUBLIC_FORMS = [
    Form("public-report", "anon", "/report?region=75&lang=en", pick="description", examples=150, creates="cases",
         shows="om75 /admin/case/details/?id={new}", valid=tuple(report_data().items())),
    Form("public-status-lookup", "anon", "/status", pick="code", examples=80),
    Form("public-status-message", "rep", "/status", pick="message-body", post="/status/message", examples=100,
         creates="case_message",
         shows="om75 /admin/case/details/?id={case}"),
    Form("public-receipt-saved", "rep", "/report/done", pick="saved", examples=40),
    Form("login", "anon", "/login", pick="password", examples=80),
    Form("login-two-factor", "2fa", "/login/two-factor", pick="code", examples=50),
    Form("password-forgot", "anon", "/password/forgot", pick="email", examples=50),
    Form("password-set", "anon", "/password/set/{token}", pick="confirm", examples=40),
    Form("account-password", "om71", "/account/password", pick="old_password", examples=40),
    Form("account-two-factor-enrol", "om71", "/account/two-factor", pick="code", examples=30),
    Form("account-recovery-codes", "om75", "/account/", pick="codes-password",
         post="/account/two-factor/recovery-codes", examples=20),
    Form("account-two-factor-off", "om75", "/account/", pick="off-password", post="/account/two-factor/turn-off",
         examples=20),
    Form("account-alert-channels", "om71", "/account/", pick="alerts-phone", post="/account/alerts", examples=40),
]

CASE = "/admin/case/details/?id={case}"
STEP_FORMS = [
    Form("case-entry", "om75", "/admin/case/new/", pick="description", examples=40, creates="cases",
         done='data-testid="receipt-code"', shows="om75 /admin/case/details/?id={new}",
         valid=(("channel", "phone"), ("kind", "appeal"), ("categories", ["neglect"]), ("child1-age", "9"),
                ("description", "Older pupils push him every day after school."), ("responsible", "education_org"))),
    *(Form(f"case-step-{action}", "om75", f"/admin/case/step/{action}/?id={{{case}}}", pick="admin-form",
           shows=f"om75 /admin/case/details/?id={{{case}}}")
      for action, case in (("start", "case"), ("forward", "case"), ("reject", "case"),
                           ("confirm_police", "case"), ("answer", "started_case"), ("close", "answered_case"))),
    Form("case-step-extend", "om75", "/admin/case/step/extend/?id={case}", pick="admin-form",
         shows="om75 " + CASE, valid=(("new_due", "{in_40_days}"), ("reason", "The school has not answered yet."))),
    Form("case-item-done", "om75", "/admin/case/item/done/?id={case}&item={item}", pick="admin-form",
         shows="om75 " + CASE),
    Form("case-item-set-aside", "om75",
         "/admin/case/item/set_aside/?id={started_case}&item={started_items[R11.2]}", pick="admin-form",
         shows="om75 /admin/case/details/?id={started_case}"),
    Form("case-item-reference", "om75",
         "/admin/case/item/reference/?id={started_case}&item={started_items[R10.3]}", pick="admin-form",
         shows="om75 /admin/case/details/?id={started_case}"),
    Form("case-correct-facts", "om75", "/admin/case/facts/?id={case}", pick="admin-form",
         shows="om75 " + CASE, valid=(("reason", "A teacher called."),)),
    Form("case-add-child", "om75", "/admin/case/child/add/?id={case}", pick="admin-form",
         shows="om75 " + CASE, valid=(("age", "7"), ("sex", "girl"), ("reason", "A sister."))),
    Form("case-conversation", "om75", CASE, pick="person", post="/admin/case/conversation/?id={case}",
         shows="om75 " + CASE),
    Form("case-message", "om75", CASE, pick="internal", post="/admin/case/message/?id={case}",
         shows="om75 " + CASE),
    Form("appointment-request-consent", "ak75", "/admin/appointment/step/request_consent/?id={appointment}",
         pick="admin-form", shows="com /admin/appointment/details/?id={appointment}"),
    Form("appointment-withdraw", "ak75", "/admin/appointment/step/withdraw/?id={appointment}", pick="admin-form",
         shows="com /admin/appointment/details/?id={appointment}"),
    Form("appointment-grant-consent", "com", "/admin/appointment/step/grant_consent/?id={asked_appointment}",
         pick="number", shows="ak75 /admin/appointment/details/?id={asked_appointment}",
         valid=(("number", "K-2"), ("date", "{today}"))),
    Form("appointment-refuse-consent", "com", "/admin/appointment/step/refuse_consent/?id={asked_appointment}",
         pick="reason", shows="ak75 /admin/appointment/details/?id={asked_appointment}",
         valid=(("number", "K-3"), ("date", "{today}"), ("reason", "Another candidate."))),
    Form("appointment-record-order", "ak75", "/admin/appointment/step/record_order/?id={granted_appointment}",
         pick="number", shows="com /admin/appointment/details/?id={granted_appointment}",
         valid=(("number", "Order-7"), ("date", "{today}"))),
    Form("plan-send", "om75", "/admin/year_plan/step/send_for_agreement/?id={plan}", pick="admin-form",
         shows="com /admin/year_plan/details/?id={plan}"),
    Form("plan-agree", "com", "/admin/year_plan/step/agree/?id={sent_plan}", pick="admin-form",
         shows="om75 /admin/year_plan/details/?id={sent_plan}"),
    Form("plan-return", "com", "/admin/year_plan/step/return_with_remarks/?id={sent_plan}", pick="remarks",
         shows="om75 /admin/year_plan/details/?id={sent_plan}"),
    Form("plan-approve", "om75", "/admin/year_plan/step/approve/?id={agreed_plan}", pick="approved_on",
         shows="com /admin/year_plan/details/?id={agreed_plan}", valid=(("approved_on", "{today}"),)),
    Form("recommendation-send", "om75", "/admin/recommendation/step/send/?id={recommendation}", pick="admin-form",
         shows="com /admin/recommendation/details/?id={recommendation}"),
    Form("recommendation-answer", "com", "/admin/recommendation/step/answer/?id={sent_recommendation}",
         pick="note", shows="om75 /admin/recommendation/details/?id={sent_recommendation}",
         valid=(("outcome", "partly"),)),
    Form("plan-link", "om75", "/admin/year_plan/link/?id={plan}&item={plan_item}", pick="record",
         shows="com /admin/year_plan/details/?id={plan}"),
    # A submission freezes four files (two PDFs): slow, so few examples.
    Form("half-year-submit", "om75", "/admin/half_year_report/?year={year}&half={half}", pick="correction_reason",
         examples=8),
    Form("half-year-narrative", "om75", "/admin/half_year_report/?year={year}&half={half}", pick="summary_kk",
         post="/admin/half_year_report/narrative/?year={year}&half={half}", examples=40),
    Form("half-year-review", "com", "/admin/half_year_report/version/?id={report}", pick="remarks",
         post="/admin/half_year_report/review/?id={report}", examples=30),
    Form("setting-emergency-numbers", "sa", "/admin/setting/edit/?key=emergency_numbers", pick="value",
         examples=20, shows="anon /"),
    Form("setting-submissions", "sa", "/admin/setting/edit/?key=submissions_per_hour", pick="value", examples=15),
    # The office's contacts are shown back on the public home page once its region is chosen.
    Form("office-contacts", "om75", "/admin/region_office/edit/?region=75", pick="phones", examples=40,
         shows="anon /?region=75"),
    # A partner API token [R7]: accepted, it answers with its secret (shown once) on a 200 page;
    # the label is shown back on the list of tokens.
    Form("api-token-issue", "com", "/admin/api_token/new/", pick="label", examples=40, creates="api_token",
         done='data-testid="api-secret"', shows="sa /admin/api_token/",
         valid=(("organization", "{organization}"), ("label", "Partner system"), ("scopes", ["cases:create"]),
                ("region_codes", ["75"]))),
]

# Every admin model screen with a create or an edit form, and the region-75 row its edit form
# opens (None: no row is edited there). Its person is the first of om75, ak75, sa let in.
ADMIN_FORMS = {
    "appointment": "appointment", "questionnaire": "questionnaire", "organization": "organization",
    "calendar": "calendar", "user": "user", "region": None,
    **{spec.endpoint: spec.endpoint for spec in REGISTRY_SPECS},  # every registry, its matrix row
    "year_plan": "plan", "report_definition": "definition",
}
EDIT_ROWS = {"region": "75"}  # screens that edit but do not create
CREATE_PAGES = {"report_definition": "/admin/report_definition/new/?dataset=cases"}
# What a create form copied from the region-75 row's edit form needs to be new (a unique key).
CREATE_VALID = {"user": (("email", "new.staff@test.kz"),), "calendar": (("day", "2098-03-03"),),
                "year_plan": (("year", "2031"),)}
# Model screens with no form at all (read-only), and the case screen whose "create" is the
# staff entry of a case (``case-entry`` above; cases are never edited).
NO_FORM_SCREENS = {"audit", "case"}
ADMIN_EXAMPLES = 14
NOT_ID_KEYED = {"calendar"}  # its key is the day: the new row is found by the list only


def _admin_forms():
    forms = []
    for endpoint, row in ADMIN_FORMS.items():
        table_shows = f"/admin/{endpoint}/details/?id="
        if endpoint not in EDIT_ROWS:
            forms.append(Form(f"admin-{endpoint}-create", "", CREATE_PAGES.get(endpoint, f"/admin/{endpoint}/new/"),
                              pick="admin-form", examples=ADMIN_EXAMPLES, creates=endpoint,
                              shows="" if endpoint in NOT_ID_KEYED else f"self {table_shows}{{new}}",
                              valid=CREATE_VALID.get(endpoint, ())))
        row = EDIT_ROWS.get(endpoint, row and f"{{{row}}}")
        if row:
            forms.append(Form(f"admin-{endpoint}-edit", "", f"/admin/{endpoint}/edit/?id={row}", pick="admin-form",
                              examples=ADMIN_EXAMPLES, shows=f"self {table_shows}{row}"))
    return forms


FORMS = PUBLIC_FORMS + STEP_FORMS + _admin_forms()
# POST routes without fields to attack (or covered by ``test_hostile_ids_and_queries``).
NOT_FORMS = {"auth.logout", "public.status_close", "case.guardianship_view",  # a button, no fields
             "questionnaire.publish_view",
             # a button posting a token's id (HOSTILE_POSTS sends it hostile ids)
             "api_token.revoke_view",
             "auth.telegram_code", "auth.telegram_unlink",
             # Telegram's JSON, behind its secret (tests/test_alert_channels.py sends it garbage)
             "auth.telegram_webhook",
             # The partner API's JSON, behind a token (tests/test_api_contract.py: schemathesis attacks it)
             "cases.create_case",
             # Forms refused to everyone: the audit log and cases are never edited, regions never created.
             "audit.create_view", "audit.edit_view", "case.edit_view", "region.create_view"}
ATTACKED_BY_URL = {"delete_view", "action_view", "ajax_update"}

# --- fixtures ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(app):
    """The region-75 data set and a logged-in browser per person (tests/matrix_helpers.py)."""
    yield from build_world(app)


@pytest.fixture
def open_doors(app, monkeypatch):
    """No minimum fill time and limits far away, so that every example reaches the checks
    (each example also starts with fresh throttle counters)."""
    for name, value in {"MIN_FILL_SECONDS": 0, "SUBMISSIONS_PER_HOUR": 10**6, "RECEIPT_ATTEMPTS_PER_MINUTE": 10**6,
                        "LOGIN_MAX_FAILURES_PER_ADDRESS": 10**6, "LOGIN_MAX_FAILURES_PER_ACCOUNT": 10**6}.items():
        monkeypatch.setitem(app.config, name, value)


def _scaled(examples):
    """``HOSTILE_SCALE=0.1`` runs a tenth of the examples (a quick look), ``=10`` ten times more."""
    return max(1, round(examples * float(os.environ.get("HOSTILE_SCALE", "1"))))


# No shrinking: the failing values are printed as they were drawn (``note``), and a shrink
# over requests would take minutes.
SETTINGS = dict(deadline=None, database=None, phases=(Phase.explicit, Phase.generate),
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large, HealthCheck.large_base_example])

# --- checks --------------------------------------------------------------------------------


def _text(value):
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def _posted_markup(pairs):
    """The posted values that would be live markup if a page showed them unescaped."""
    return {_text(v) for _k, v in pairs if isinstance(v, (str, bytes)) and re.search(r"<[a-zA-Z/!]", _text(v))}


def assert_inert(response, posted, where):
    """No live markup in an HTML page: no posted markup unescaped, no event handler, no
    javascript: URL. Reads the body to its end (a CSV streams)."""
    raw = response.get_data()
    response.close()
    assert response.status_code < 500, f"{where}: {response.status_code}"
    if "html" not in (response.content_type or ""):
        return
    body = raw.decode("utf-8", "replace")
    shown = [value for value in posted if len(value) >= 6 and value in body]
    assert not shown, f"{where}: posted markup shown unescaped: {[v[:80] for v in shown]}"
    live = live_markup(body)
    assert not live, f"{where}: live markup in the page: {live[:3]}"


def _refused(response, flashed, form):
    """The form came back (with its errors) or an error was flashed."""
    if any(category in ("error", "danger") for category, _t in flashed):
        return True
    if response.status_code in (301, 302, 303):
        return False
    return not (form.done and response.status_code == 200 and form.done in response.get_data(as_text=True))


def _new_id(connection, table):
    return connection.execute(text(f'SELECT max(id) FROM "{table}"')).scalar()


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + "/"


def request(send, *args, **kwargs):
    """``send(*args, **kwargs)``; an exception escaping the app (a 500 in production: the
    tests propagate it) becomes an assertion naming it and where it was raised."""
    try:
        return send(*args, **kwargs)
    except Exception as error:  # noqa: BLE001 - whatever escapes the app is the finding
        frames = traceback.extract_tb(error.__traceback__)
        ours = [f for f in frames if f.filename.startswith(ROOT) and "/.venv/" not in f.filename
                and "/tests/" not in f.filename] or frames
        where = ", ".join(f"{f.filename.removeprefix(ROOT)}:{f.lineno}" for f in ours[-2:])
        first = str(error).splitlines()[0] if str(error) else ""
        raise AssertionError(f"500: {type(error).__name__}: {first} (at {where}; raised in "
                             f"{frames[-1].filename.rsplit('/', 2)[-1]}:{frames[-1].lineno})") from error


# --- building a post -----------------------------------------------------------------------


def _fill(template, ids):
    return template.format(**ids) if "{" in template else template


def _encode(pairs):
    """A urlencoded body; bytes go out raw, so invalid UTF-8 reaches the server."""
    return urlencode([(k, v) for k, v in pairs]).encode("ascii")


def _mutate(data, base, names, files_allowed):
    """``base`` (the form as the page gives it) with up to 4 fields given hostile values or
    dropped, unknown fields added, maybe hostile files; returns (pairs, files)."""
    fields = dict(base)
    targets = [n for n in names if not n.endswith("csrf_token")]
    for name in data.draw(st.lists(st.sampled_from(targets), max_size=min(4, len(targets)), unique=True)
                          if targets else st.just([]), label="fields"):
        value = data.draw(st.one_of(VALUE, st.just(MISSING)), label=name)
        if value is MISSING:
            fields.pop(name, None)
        else:
            fields[name] = value if isinstance(value, list) else [value]
    for key, value in data.draw(st.dictionaries(st.text(max_size=12), VALUE, max_size=2), label="unknown").items():
        if not key.endswith("csrf_token"):
            fields[key] = value if isinstance(value, list) else [value]
    files = {}
    for name in files_allowed:
        chosen = data.draw(FILES, label=f"files {name}")
        if chosen:
            files[name] = chosen
    pairs = [(key, value) for key, values in fields.items() for value in values]
    return pairs, files


def _send(client, url, pairs, files, environ):
    if not files:
        return request(client.post, url, data=_encode(pairs), content_type="application/x-www-form-urlencoded",
                       environ_base=environ)
    data = {}
    for key, value in pairs:
        data.setdefault(key, []).append(_text(value))
    for name, items in files.items():
        data[name] = [(BytesIO(content), filename) for content, filename in items]
    return request(client.post, url, data=data, content_type="multipart/form-data", environ_base=environ)


def _person_client(app, world, person):
    if person != "2fa":
        return world.client(app, person)
    # Half-way through a login: the password was right, the code is asked for.
    client = world.client(app, "anon")
    token = any_csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"csrf_token": token, "email": world.emails["om75"], "password": PASSWORD})
    assert urlsplit(response.location).path == "/login/two-factor"
    return client


def _open_form(app, world, form):
    """(person, browser cookies, page form) of ``form``: the admin forms try om75, ak75, sa."""
    candidates = [form.person] if form.person else ["om75", "ak75", "sa"]
    url = _fill(form.page, world.ids)
    for person in candidates:
        client = _person_client(app, world, person)
        response = client.get(url)
        html = response.get_data(as_text=True)
        if response.status_code != 200:
            continue
        if form.pick == "admin-form":
            found = next((f for f in page_forms(html) if "admin-form" in f["class"].split()), None)
        else:
            found = form_with(html, form.pick)
        if found is not None:
            return person, cookies_of(client), found
    pytest.fail(f"{form.name}: no form at {url} for {candidates}")


def _baseline(app, world, form, person, cookies, found):
    """The values the page gives; a create form takes those of the region-75 row's edit form
    where it has them, so that a hostile value in one field is often the only problem."""
    base = {}
    for key, value in found["fields"]:
        base.setdefault(key, []).append(value)
    endpoint = form.name.removeprefix("admin-").removesuffix("-create")
    if form.creates and form.name.startswith("admin-") and ADMIN_FORMS.get(endpoint):
        client = client_with(app, cookies)
        edit = client.get(_fill(f"/admin/{endpoint}/edit/?id={{{ADMIN_FORMS[endpoint]}}}", world.ids))
        edited = next((f for f in page_forms(edit.get_data(as_text=True)) if "admin-form" in f["class"].split()),
                      None) if edit.status_code == 200 else None
        if edited is not None:
            values = {}
            for key, value in edited["fields"]:
                values.setdefault(key, []).append(value)
            base.update({key: value for key, value in values.items() if key in found["names"]})
    for key, value in form.valid:
        base[key] = [_fill(v, _dates(world)) for v in (value if isinstance(value, list) else [value])]
    return base


def _dates(world):
    today = date.today()
    return {**world.ids, "today": today.isoformat(), "in_40_days": (today + timedelta(days=40)).isoformat()}


# --- the tests -----------------------------------------------------------------------------


@pytest.mark.parametrize("form", FORMS, ids=lambda form: form.name)
def test_hostile_form(app, world, open_doors, form):
    person, cookies, found = _open_form(app, world, form)
    base = _baseline(app, world, form, person, cookies, found)
    names = sorted(found["names"])
    file_names = sorted(name for name, kind in found["names"].items() if kind == "file")
    url = _fill(form.post, world.ids) if form.post else (found["action"] or _fill(form.page, world.ids))
    connection, statement = transaction_connection(app), fingerprint_sql(app)
    before = fingerprint(connection, statement)
    table = form.creates and (form.creates if form.creates in before else _table_of(app, form.creates))
    shown_by, _sep, shown_at = form.shows.partition(" ")
    counter = iter(range(1, 10**6))

    @settings(max_examples=_scaled(form.examples), **SETTINGS)
    @given(data=st.data())
    def attack(data):
        pairs, files = _mutate(data, base, names, file_names)
        environ = {"REMOTE_ADDR": f"10.{next(counter) % 250}.{len(pairs) % 250}.1"}
        with app.app_context():
            throttle.forget_all()
        with savepoint(connection):
            client = client_with(app, cookies)
            response = _send(client, url, pairs, files, environ)
            posted = _posted_markup(pairs) | {name for items in files.values() for _c, name in items if "<" in name}
            note(f"{form.name}: POST {url} as {person} → {response.status_code} {response.location or ''}")
            assert_inert(response, posted, f"{form.name} answer")
            flashed = flashes(client)
            after = fingerprint(connection, statement)
            changes = changed_tables(before, after)
            if _refused(response, flashed, form):
                event("refused")
                assert not changes, f"{form.name}: refused ({response.status_code}, {flashed}) but wrote {changes}"
                return
            event("accepted")
            new_id = None
            if table:
                assert after[table][0] == before[table][0] + 1, f"{form.name}: accepted without its row: {changes}"
                _assert_complete(form, before, after)
                if "{new}" in shown_at:
                    new_id = _new_id(connection, table)
            if response.status_code in (301, 302, 303) and urlsplit(response.location).path != "/login":
                assert_inert(request(client.get, response.location), posted, f"{form.name} after the redirect")
            if shown_at:
                viewer = client_with(app, cookies) if shown_by == "self" else world.client(app, shown_by)
                page = request(viewer.get, _fill(shown_at, {**world.ids, "new": new_id}))
                assert page.status_code in (200, 302), f"{form.name}: {shown_at} → {page.status_code}"
                assert_inert(page, posted, f"{form.name} shown back at {shown_at}")

    attack()


def _table_of(app, endpoint):
    """The table behind an admin screen."""
    view = next(v for admin in app.extensions["admin"] for v in admin._views if v.endpoint == endpoint)
    return view.model.__tablename__


def _assert_complete(form, before, after):
    delta = {name: after[name][0] - before[name][0] for name in before}
    if form.creates == "cases":
        assert 1 <= delta["case_child"] <= 3, delta
        assert delta["checklist_item"] >= 1 and delta["case_step"] >= 1, delta
        assert delta["case_attachment"] == delta["stored_file"] <= 5, delta


HOSTILE_URLS = [
    # list pages: search, sort, page, page size and filters
    *(f"/admin/{view}/?search={{v}}&sort={{v}}&desc={{v}}&page={{v}}&page_size={{v}}&flt0_0={{v}}&flt1_3={{v}}"
      for view in ("case", "appointment", "memorandum", "court_hearing", "year_plan", "report_definition", "user",
                   "audit", "organization", "questionnaire")),
    *(f"/admin/{view}/{page}/?id={{v}}&url={{v}}" for view in ("case", "visit", "appointment", "report_definition",
                                                               "year_plan", "questionnaire", "calendar", "region")
      for page in ("details", "edit")),
    "/admin/case/file/?id={v}&attachment={v}", "/admin/case/evidence/?id={v}&evidence={v}",
    "/admin/visit/file/?id={v}&attachment={v}", "/admin/appointment/file/{v}/?id={v}",
    "/admin/visit/ajax/lookup/?name={v}&query={v}&offset={v}&limit={v}",
    "/admin/visit/ajax/lookup/?name=cases&query={v}", "/admin/case/export/csv/?search={v}&flt0_0={v}",
    "/admin/case/step/{v}/?id={v}", "/admin/case/item/{v}/?id={case}&item={v}",
    "/admin/year_plan/link/?id={plan}&item={v}", "/admin/questionnaire/preview/?id={questionnaire}&version={v}",
    # the report builder: the run page and its file, with any query
    "/admin/report_definition/run/?id={v}", "/admin/report_definition/run/?id={definition}&{v}={v}",
    "/admin/report_definition/run/?id={definition}&region={v}&group_by={v}&measure={v}&from={v}&to={v}",
    "/admin/report_definition/xlsx/?id={definition}&region={v}&filters={v}",
    "/admin/report_definition/new/?dataset={v}&url={v}",
    # the half-year report and the roll-up
    "/admin/half_year_report/?region={v}&year={v}&half={v}&report_lang={v}",
    "/admin/half_year_report/draft/?region=75&year={v}&half={v}&format={v}&language={v}",
    "/admin/half_year_report/version/?id={v}&report_lang={v}",
    "/admin/half_year_report/file/?id={v}&format=pdf&language=kk",
    "/admin/national_rollup/?year={v}&half={v}", "/admin/national_rollup/xlsx/?year={v}&half={v}",
    "/admin/setting/edit/?key={v}", "/admin/?lang={v}",
    # the public site: step 1 of /report, files at /status, languages, the health check
    "/report?region={v}", "/report?region={v}&lang={v}", "/report?region=75&region={v}", "/status/files/{v}",
    "/?lang={v}", "/privacy?lang={v}", "/login?next={v}", "/password/set/{v}",
    "/stats?year={v}&half={v}&region={v}", "/stats?year=2025&half=1&region={v}&lang={v}",
]
QUERY_EXAMPLES = 60
HOSTILE_POSTS = [
    "/admin/{view}/delete/ id={v} url={v}", "/admin/{view}/action/ action={v} rowid={v} url={v}",
    "/admin/{view}/ajax/update/ list_form_pk={v} name={v}",
    "/admin/api_token/revoke/ id={v}",
]


@pytest.mark.parametrize("person", ["sa", "om75", "ak71", "anon"])
def test_hostile_ids_and_queries(app, world, open_doors, person):
    """Hostile ids and query strings on every kind of URL: never a 5xx, never live markup,
    and a hostile delete, bulk action or inline update changes nothing."""
    connection, statement = transaction_connection(app), fingerprint_sql(app)
    before = fingerprint(connection, statement)
    views = sorted(ADMIN_FORMS) + ["case"]
    token = world.tokens[person]

    @settings(max_examples=_scaled(QUERY_EXAMPLES), **SETTINGS)
    @given(data=st.data())
    def attack(data):
        value = data.draw(SCALAR, label="value")
        text_value = _text(value)
        with savepoint(connection):
            client = world.client(app, person)
            # A hostile id that is a number may name a real row: a delete would be legitimate.
            if data.draw(st.booleans(), label="post") and not text_value.strip().isdigit():
                template = data.draw(st.sampled_from(HOSTILE_POSTS), label="post to")
                url, *pairs = _fill(template.replace("{v}", "\x01"), {**world.ids, "view": data.draw(
                    st.sampled_from(views), label="view")}).split()
                pairs = [(k, value if v == "\x01" else v) for k, v in (p.split("=", 1) for p in pairs)]
                response = request(client.post, url, data=_encode([("csrf_token", token), *pairs]),
                                   content_type="application/x-www-form-urlencoded")
                note(f"POST {url} {pairs!r} → {response.status_code}")
                assert_inert(response, _posted_markup(pairs), url)
                assert not changed_tables(before, fingerprint(connection, statement)), url
            else:
                template = data.draw(st.sampled_from(HOSTILE_URLS), label="url")
                quoted = urlencode({"x": value})[2:]
                url = _fill(template.replace("{v}", "\x01"), world.ids).replace("\x01", quoted)
                response = request(client.get, url)
                note(f"GET {url} → {response.status_code}")
                assert_inert(response, {text_value} if "<" in text_value else set(), url)

    attack()


TOKEN = b'Content-Disposition: form-data; name="csrf_token"\r\n\r\n{t}\r\n'  # {t}: the session's token
BROKEN_MULTIPART = [
    # (content type, body), each with a valid CSRF token where the server would look for it
    ("multipart/form-data; boundary=XYZ", b"--ABC\r\n" + TOKEN + b"--ABC--\r\n"),  # not the announced boundary
    ("multipart/form-data; boundary=XYZ", b"--XYZ\r\n" + TOKEN + b"--XYZ\r\n"  # cut off in a field
     b'Content-Disposition: form-data; name="description"\r\n\r\n<script>alert(1)</scr'),
    ("multipart/form-data", b"--XYZ\r\n" + TOKEN + b"--XYZ--\r\n"),  # no boundary announced
    ("multipart/form-data; boundary=", b"----\r\n\r\n{t}"),  # an empty one
    ("multipart/form-data; boundary=XYZ", b"--XYZ\r\n"  # a file cut off, no token
     b'Content-Disposition: form-data; name="attachments"; filename="<script>alert(1)</script>.pdf"\r\n'
     b"Content-Type: application/pdf\r\n\r\n%PDF-1.4\r\n"),
    ("multipart/form-data; boundary=XYZ", b"--XYZ\r\n" + TOKEN + b"--XYZ\r\n"  # NUL in a name, bytes in a file name
     b'Content-Disposition: form-data; name="a\x00b"; filename="\xff\xfe.pdf"\r\n\r\n\x00\x00--XYZ--\r\n'),
    ("multipart/form-data; boundary=XYZ", b"--XYZ\r\n" + TOKEN + b"--XYZ\r\n"  # a part without a name
     b"Content-Disposition: form-data\r\nX-Long: " + b"a" * 70_000 + b"\r\n\r\nx\r\n--XYZ--\r\n"),
    ('multipart/form-data; boundary="' + "B" * 300 + '"', b"--" + b"B" * 300 + b"\r\n\r\n{t}"),  # too long
    ("multipart/mixed; boundary=XYZ", b"--XYZ\r\n\r\n{t}\r\n--XYZ--"),
    ("application/x-www-form-urlencoded", b"csrf_token={t}&%ZZ=%&&==&description=%E0%A4%A"),
    ("application/json", b'{"csrf_token": "{t}", "description": ["<script>alert(1)</script>"]}'),
    ("text/plain; charset=utf-16", "csrf_token={t}".encode("utf-16")),
]
MULTIPART_TARGETS = ["public-report", "public-status-message", "login", "case-entry", "case-step-reject",
                     "appointment-grant-consent", "admin-memorandum-create", "admin-questionnaire-edit",
                     "admin-year_plan-edit", "half-year-submit", "password-set"]


@pytest.mark.parametrize("name", MULTIPART_TARGETS)
def test_broken_multipart(app, world, open_doors, name):
    """Truncated bodies, wrong and missing boundaries, other content types: a 4xx or the form
    again, never a 5xx, never a partial row."""
    form = next(f for f in FORMS if f.name == name)
    person, cookies, found = _open_form(app, world, form)
    url = _fill(form.post, world.ids) if form.post else (found["action"] or _fill(form.page, world.ids))
    token = next(value for key, value in found["fields"] if key.endswith("csrf_token")).encode()
    connection, statement = transaction_connection(app), fingerprint_sql(app)
    before = fingerprint(connection, statement)
    failures = []
    for number, (content_type, body) in enumerate(BROKEN_MULTIPART):
        where = f"{name} body {number} ({content_type}, {body[:50]!r}…)"
        with savepoint(connection):
            client = client_with(app, cookies)
            try:
                response = request(client.post, url, data=body.replace(b"{t}", token), content_type=content_type)
                assert_inert(response, {"<script>alert(1)</script>"}, where)
                changes = changed_tables(before, fingerprint(connection, statement))
                assert not changes, f"{where}: wrote {changes}"
            except AssertionError as error:
                failures.append(f"{where}: {str(error).splitlines()[0]}")
    assert not failures, "\n".join(failures)


def test_every_form_is_attacked(app):
    """Every admin model screen with a form, and every POST route, is attacked here (or
    named as having no fields): a new form cannot ship without this test reaching it."""
    screens = {view.endpoint for admin in app.extensions["admin"] for view in admin._views
               if isinstance(view, BaseModelView)}
    unknown = sorted(screens - set(ADMIN_FORMS) - NO_FORM_SCREENS)
    adapter = app.url_map.bind("localhost")
    attacked = set()
    for form in FORMS:
        path = re.sub(r"\{[^}]+\}", "1", urlsplit(form.post or form.page).path)
        try:
            attacked.add(adapter.match(path, method="POST")[0])
        except (MethodNotAllowed, NotFound):
            pass
    attacked.add("half_year_report.submit")  # the form on the report page posts there
    posts = {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods}
    missed = sorted(endpoint for endpoint in posts - attacked - NOT_FORMS
                    if endpoint.rsplit(".", 1)[-1] not in ATTACKED_BY_URL)
    assert not unknown and not missed, (f"admin screens not in ADMIN_FORMS: {unknown}; "
                                        f"POST routes no test attacks: {missed}")


def test_the_strategy_is_hostile():
    """The values reach what the issue asks for (a guard against a weakened strategy)."""
    joined = "".join(DANGEROUS)
    for needle in ("<script>", "onerror=", "javascript:", "DROP TABLE", "\x00", "\u202e", "😀", "ә", "1e309", "-1"):
        assert needle in joined, needle
    assert max(map(len, DANGEROUS)) > 10_000
    assert sum(form.examples for form in FORMS) + 4 * QUERY_EXAMPLES >= 2000
