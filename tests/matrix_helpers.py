"""Helpers shared by the access matrix and the hostile-input tests: a data set of region 75
with one row of every kind and a logged-in browser per person, committed once per module;
cloned clients, a fingerprint of the database, flashed messages, savepoints, HTML forms."""
import re
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from html.parser import HTMLParser
from io import BytesIO

from sqlalchemy import select, text
from werkzeug.datastructures import FileStorage

from extensions import db
from models import (AuditEvent, CalendarOverride, ChecklistEvidence, CourtHearing, LegislativeRecommendation,
                    Organization, PlanItem, Question, Questionnaire, RegionOffice, RegistryAttachment,
                    ReportDefinition)
from models.registry_specs import REGISTRY_SPECS
from services import api_tokens, appointments, case_workflow, plans, receipt_holds, report_workflow
from services.cases import add_reporter_message, submit_case
from services.files import store_file
from services.password_links import make_token
from services.questionnaires import publish
from tests.factories import REPORT, gen_registry_record
from tests.helpers import PASSWORD, AuthActions, csrf_token, gen_user
from tests.upload_samples import PLAIN_PDF

# The people: a visitor, a visitor holding the receipt code of the region-75 case, and staff.
PEOPLE = ("anon", "rep", "sa", "com", "cte", "ak75", "ak71", "om75", "om71")
STAFF = {"sa": ("superadmin", None), "com": ("commissioner", None), "cte": ("committee", None),
         "ak75": ("akimat_admin", "75"), "ak71": ("akimat_admin", "71"),
         "om75": ("ombudsman", "75"), "om71": ("ombudsman", "71")}
# Two-factor login is required of sa and com; om75 turned it on for themselves.
TWO_FACTOR = {"sa", "com", "om75"}

# Tables whose content may change on a refused request: the audit log records views and
# refusals on purpose (it is append-only, so it never hides a change either), and the
# throttles count refused attempts (committed apart from the request: core/throttle_store.py),
# and a session's record ends when a refused request logs it out (services/staff_sessions.py).
NOT_FINGERPRINTED = {"audit_event", "alembic_version", "throttle_hit", "staff_session"}

# The measures go on after the answer: it goes with the reason [R10], [R11].
REASON = "Шаралар жауаптан кейін жалғасады."


def cookies_of(client):
    """The cookies of a test client, to start other clients in the same browser session."""
    return [(c.decoded_key, c.decoded_value, c.domain, c.origin_only, c.path) for c in client._cookies.values()]


def client_with(app, cookies):
    """A fresh test client holding ``cookies``: whatever it does to its session (log out,
    flash, close a case at /status) stays with it."""
    client = app.test_client()
    for key, value, domain, origin_only, path in cookies:
        client.set_cookie(key, value, domain=domain, origin_only=origin_only, path=path)
    return client


def flashes(client):
    """The messages flashed to the client's session and not shown yet, as (category, text)."""
    with client.session_transaction() as session:
        return [tuple(item) for item in session.get("_flashes", [])]


def transaction_connection(app):
    """The connection the rolled-back test transaction runs on (tests/conftest.py)."""
    with app.app_context():
        return db.engines[None]


def fingerprint_sql(app):
    """One statement: (table, row count, sum of hashes of the row versions' ids) of every
    table that matters. An insert, update or delete adds or removes a row version (a new
    ``ctid`` and ``xmin``), so any change moves the sum; reading the rows themselves (files
    included) would take longer."""
    with app.app_context():
        names = sorted(t.name for t in db.metadata.sorted_tables if t.name not in NOT_FINGERPRINTED)
    parts = [f"SELECT '{name}', count(*), coalesce(sum(hashtext(x.ctid::text || x.xmin::text)::bigint), 0) "
             f"FROM \"{name}\" x" for name in names]
    return text(" UNION ALL ".join(parts))


def fingerprint(connection, statement):
    return {name: (count, total) for name, count, total in connection.execute(statement)}


def changed_tables(before, after):
    return sorted(name for name in before if before[name] != after.get(name))


@contextmanager
def savepoint(connection):
    """Whatever happens inside is rolled back at the end (inside the test's transaction)."""
    nested = connection.begin_nested()
    try:
        yield
    finally:
        if nested.is_active:
            nested.rollback()


class FormReader(HTMLParser):
    """Every ``<form>`` of a page: its action, method, enctype and the fields a browser
    would send (first option of a select unless one is selected; checked boxes only),
    plus the names of all fields (``names``), checkboxes and file inputs included."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms, self._form, self._select, self._textarea = [], None, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._form = {"action": attrs.get("action") or "", "method": (attrs.get("method") or "get").lower(),
                          "enctype": attrs.get("enctype") or "", "fields": [], "names": {},
                          "class": attrs.get("class") or ""}
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        if tag == "option" and self._select is not None:
            self._select[1].append((attrs.get("value", ""), "selected" in attrs))
            return
        name = attrs.get("name")
        if not name:
            return
        if tag == "input":
            kind = (attrs.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset"):
                return
            self._form["names"].setdefault(name, kind)
            if kind == "file" or (kind in ("checkbox", "radio") and "checked" not in attrs):
                return
            self._form["fields"].append((name, attrs.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select":
            self._form["names"].setdefault(name, "select")
            self._select = [name, [], "multiple" in attrs]
        elif tag == "textarea":
            self._form["names"].setdefault(name, "textarea")
            self._textarea = [name, ""]

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None:
            name, options, multiple = self._select
            chosen = [v for v, selected in options if selected]
            if not chosen and not multiple:
                chosen = [v for v, _ in options[:1]]
            if self._form is not None:
                self._form["fields"].extend((name, v) for v in chosen)
                self._form.setdefault("options", {})[name] = [v for v, _ in options]
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            if self._form is not None:
                self._form["fields"].append((self._textarea[0], self._textarea[1].removeprefix("\n")))
            self._textarea = None


def page_forms(html):
    reader = FormReader()
    reader.feed(html)
    return reader.forms


def form_with(html, field):
    """The first form of the page that has a field named ``field`` (the navigation's "Log out"
    aside), or None."""
    return next((form for form in page_forms(html)
                 if field in form["names"] and not form["action"].endswith("/logout")), None)


_TOKEN = re.compile(r'name="(?:[\w-]+-)?csrf_token"[^>]*value="([^"]+)"')


def any_csrf_token(html):
    """The CSRF token of any form on the page (the session's token, whatever the prefix)."""
    match = _TOKEN.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def empty_tables(app, kept=frozenset({"region", "alembic_version"})):
    """Delete what a module committed (as tests marked ``committed`` do in conftest)."""
    with app.app_context():
        db.session.remove()
        tables = [t.name for t in db.metadata.sorted_tables if t.name not in kept]
        with db.engine.begin() as conn:
            # Triggers off for the cleanup only: the audit log refuses TRUNCATE otherwise.
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))


# --- the region-75 data set ---------------------------------------------------------------

PDF = PLAIN_PDF  # a real PDF: uploads are rewritten by pypdf, an unreadable one refused


def pdf_upload(name="scan.pdf"):
    return FileStorage(BytesIO(PDF), filename=name, content_type="application/pdf")


def _attach(record, actor):
    stored = store_file(pdf_upload(), region_code=record.region_code, actor=actor)
    attachment = RegistryAttachment(record_type=record.__tablename__, record_id=record.id,
                                    region_code=record.region_code, file_id=stored.id)
    db.session.add(attachment)
    db.session.flush()
    return attachment.id


def _registry_rows():
    """One record of every registry in region 75, each naming itself (the list marker), and a
    closed court session."""
    rows = {spec.endpoint: gen_registry_record(spec, f"MX75-{spec.endpoint}") for spec in REGISTRY_SPECS}
    rows["closed_hearing"] = CourtHearing(court="MX75-closed_hearing", court_case_number="2-2",
                                          hearing_on=date(2026, 3, 2), closed_session=True)
    return rows


def _plan(actor, year, *steps):
    plan = plans.create_plan(actor, "75", year)
    plan.items.append(PlanItem(position=1, activity="Visits to schools"))
    db.session.flush()
    for step, who in steps:
        step(who, plan)
    return plan


def _build(users):
    """Rows of region 75 of every kind the screens need; returns their ids, the text each
    kind shows in a list (its marker) and the receipt code of the case."""
    om75, ak75, com = users["om75"], users["ak75"], users["com"]
    ids, markers = {}, {}

    case, code = submit_case(dict(REPORT, region_code="75", reporter_email="parent@example.kz"),
                             [{"age": 10, "sex": "girl", "name": "Айгүл"}], uploads=[pdf_upload()], consent=True)
    message = add_reporter_message(case, "Тағы бір ақпарат.", [pdf_upload("more.pdf")])
    ids["receipt_hold"] = receipt_holds.hold(case, code)  # the reporter's browser just sent it
    item = next(i for i in case.checklist if i.rule == "R10.2")
    evidence = ChecklistEvidence(item=item, file=store_file(pdf_upload(), "75", om75))
    db.session.add(evidence)
    started, _code = submit_case(dict(REPORT, region_code="75", responsible="parent_cohabiting"),
                                 [{"age": 7, "sex": "boy"}], consent=True)
    case_workflow.start(om75, started)
    case_workflow.confirm_police(om75, started, date.today(), "KUI-1")
    answered, _code = submit_case(dict(REPORT, region_code="75"), [{"age": 12, "sex": "girl"}], consent=True)
    case_workflow.answer(om75, answered, "Жауап: бала қорғалды.", open_items_reason=REASON)
    db.session.flush()
    ids.update(case=case.id, regnum=case.registration_number, item=item.id, evidence=evidence.id,
               case_file=next(a.id for a in case.attachments if a.message_id is None),
               status_file=next(a.id for a in case.attachments if a.message_id == message.id),
               started_case=started.id, answered_case=answered.id,
               started_items={i.rule: i.id for i in started.checklist})
    markers["case"] = case.registration_number

    for name, record in _registry_rows().items():
        record.region_code = "75"
        db.session.add(record)
        db.session.flush()
        ids[name], ids[f"{name}_file"] = record.id, _attach(record, om75)
        markers[name] = f"MX75-{name}"
    sent_recommendation = LegislativeRecommendation(region_code="75", text="Sent to the Commissioner.",
                                                    state="sent", submitted_on=date(2026, 3, 2))
    db.session.add(sent_recommendation)
    db.session.flush()
    ids["sent_recommendation"] = sent_recommendation.id

    appointment = appointments.propose(ak75, "75", full_name="MX75 Appointee", email="appointee.75@test.kz")
    appointment.consent_file = store_file(pdf_upload(), "75", ak75)
    asked = appointments.propose(ak75, "75", full_name="Asked Appointee", email="asked.75@test.kz")
    appointments.request_consent(ak75, asked)
    granted = appointments.propose(ak75, "75", full_name="Granted Appointee", email="granted.75@test.kz")
    appointments.request_consent(ak75, granted)
    appointments.grant_consent(com, granted, "K-1", date(2026, 3, 1))
    plan = _plan(om75, 2097)
    sent = _plan(om75, 2098, (plans.send_for_agreement, om75))
    agreed = _plan(om75, 2099, (plans.send_for_agreement, om75), (plans.agree, com))
    questionnaire = Questionnaire(title_kk="MX75-questionnaire", title_ru="Вопросы", region_code="75")
    questionnaire.questions.append(Question(position=1, key="place", type="yes_no", label_kk="Үйде ме?",
                                            label_ru="Дома?"))
    organization = Organization(region_code="75", type="ngo", name_kk="MX75-organization", name_ru="НПО")
    calendar = CalendarOverride(day=date(2097, 1, 2), kind="holiday", note="MX-calendar")
    definition = ReportDefinition(name="MX75-definition", dataset="cases", group_by="kind", measure="count",
                                  chart="bar", filters={}, region_code="75", owner_id=om75.id)
    office = RegionOffice(region_code="75", phones="+7 727 000 00 00", email="mx75-office@test.kz",
                          address_kk="Алматы қ., Абай даңғылы, 1", address_ru="г. Алматы, просп. Абая, 1",
                          controller_name_kk="Алматы қаласы әкімінің аппараты",
                          controller_name_ru="Аппарат акима города Алматы")
    national = Organization(region_code=None, type="committee", name_kk="MX-national", name_ru="MX-national")
    db.session.add_all([questionnaire, organization, calendar, definition, office, national])
    db.session.flush()
    # A partner API token of a national body, issued by the Commissioner's office [R7].
    api_token, _secret, _signing = api_tokens.issue(com, national, "MX-api-token", ["cases:create", "cases:read"],
                                                    ["75"], date.today() + timedelta(days=30))
    publish(questionnaire)
    year, half = report_workflow.due_half()
    report = report_workflow.submit(om75, "75", year, half)
    newcomer = gen_user("ombudsman", "79", email="newcomer.79@test.kz", two_factor_login=False)
    db.session.flush()
    ids.update(appointment=appointment.id, asked_appointment=asked.id, granted_appointment=granted.id,
               plan=plan.id, plan_item=plan.items[0].id, sent_plan=sent.id, agreed_plan=agreed.id,
               questionnaire=questionnaire.id, organization=organization.id, calendar="2097-01-02",
               user=om75.id, definition=definition.id, report=report.id, year=year, half=half,
               token=make_token(newcomer), password=PASSWORD, api_token=api_token.id,
               audit=db.session.scalar(select(AuditEvent.id).where(AuditEvent.region_code == "75")
                                       .order_by(AuditEvent.id.desc()).limit(1)))
    markers.update(appointment="MX75 Appointee", year_plan=f"/admin/year_plan/details/?id={plan.id}&amp;",
                   questionnaire="MX75-questionnaire", organization="MX75-organization", calendar="MX-calendar",
                   user=om75.email, region="KZ-75", report_definition="MX75-definition",
                   region_office="mx75-office@test.kz", api_token="MX-api-token")
    return ids, markers, code


@dataclass
class World:
    cookies: dict      # person → the cookies of their logged-in browser
    tokens: dict       # person → the CSRF token of their session
    ids: dict          # ids of the region-75 rows (and the year and half-year of the report)
    markers: dict      # kind of row → the text its region-75 row shows in a list
    emails: dict       # person → e-mail (staff)

    def client(self, app, person):
        """A browser of ``person``, cloned: what it does to its session stays with it."""
        return client_with(app, self.cookies[person])


def build_world(app):
    """The data set and the logged-in browsers, committed (for a module-scoped fixture;
    each test still runs in its rolled-back transaction); yields the World, then empties
    the tables."""
    try:
        with app.app_context():
            users = {key: gen_user(role, region, two_factor_login=(key in TWO_FACTOR) or None)
                     for key, (role, region) in STAFF.items()}
            ids, markers, receipt = _build(users)
            db.session.commit()
            emails = {key: user.email for key, user in users.items()}
        cookies, tokens = {}, {}
        for person in PEOPLE:
            client = app.test_client()
            if person in STAFF:
                response = AuthActions(client).login(emails[person])
                assert response.status_code == 302 and "/login" not in response.location, person
                page = client.get("/admin/?lang=en")
            else:
                page = client.get("/status?lang=en")
            if person == "rep":
                with client.session_transaction() as session:
                    session.update(receipt_hold=ids["receipt_hold"], reported_case=ids["case"])
                opened = client.post("/status", data={"csrf_token": csrf_token(page.get_data(as_text=True)),
                                                      "code": receipt})
                assert opened.status_code == 302
                page = client.get("/status")
                assert ids["regnum"] in page.get_data(as_text=True)
            assert page.status_code == 200, person
            cookies[person] = cookies_of(client)
            tokens[person] = any_csrf_token(page.get_data(as_text=True))
        yield World(cookies, tokens, ids, markers, emails)
    finally:
        empty_tables(app)
