"""The audit log reads in words (PRODUCT.md, "Trust"; [R3] transparency).

Every action the code records has a name: the source is scanned for ``audit.record(…)``
and what feeds it (the workflows' steps, the screens' create / update / delete / export,
the functions that pass an action on), so a new action without a name fails here. Every
table and every recorded detail has a name too; something unknown gets a neutral one.
The list shows states, regions, dates and coded values as the screens do, personal data
still masked, and the stored codes and JSON only behind the "Stored data" toggle.
"""
import ast
import html
import importlib
import pkgutil
import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from flask_babel import force_locale

import services
from extensions import db
from models import AuditEvent
from services import audit, audit_chain, audit_words
from services.workflow import Workflow

ROOT = Path(__file__).resolve().parents[1]
# Not the application's code: the virtualenv, the tests, the migrations (their one audit
# row, the report seal, is ``audit_chain.SEAL_ACTION``, added below).
NOT_SCANNED = {".venv", "tests", "migrations", "instance", "node_modules", "static", "templates", "translations"}
# The files whose audit actions are computed in code: a screen's table and verb (admin/base.py),
# a workflow's name and step (services/workflow.py); ``computed_actions`` lists them all.
COMPUTED = {"admin/base.py", "services/workflow.py"}
# Keywords of the recording calls that are not details of the row.
NOT_DETAILS = {"actor", "obj", "region_code", "action", "step_note", None}


def sources():
    """(path relative to the project, syntax tree) of every module of the application."""
    for top in sorted(ROOT.iterdir()):
        if top.name in NOT_SCANNED or top.name.startswith((".", "__")):
            continue
        paths = [top] if top.suffix == ".py" else sorted(top.rglob("*.py")) if top.is_dir() else []
        for path in paths:
            yield path.relative_to(ROOT).as_posix(), ast.parse(path.read_text(encoding="utf-8"))


def _name(call):
    return call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", None)


def _is_audit_record(call):
    func = call.func
    return isinstance(func, ast.Attribute) and func.attr == "record" and getattr(func.value, "id", None) == "audit"


class Scan:
    """The recording calls of the whole code base, with their enclosing functions."""

    def __init__(self):
        self.records = []  # (path, call, enclosing function, module tree)
        self.calls = {}  # function name: every call of it, with the file it is in
        for path, tree in sources():
            self._walk(path, tree, tree, None)

    def _walk(self, path, tree, node, function):
        for child in ast.iter_child_nodes(node):
            inner = child if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) else function
            if isinstance(child, ast.Call):
                self.calls.setdefault(_name(child), []).append((path, child))
                if _is_audit_record(child):
                    self.records.append((path, child, function, tree))
            self._walk(path, tree, child, inner)


@pytest.fixture(scope="module")
def scan():
    return Scan()


def _literals(node):
    """The strings an expression can be, or None when it is computed."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        body, orelse = _literals(node.body), _literals(node.orelse)
        return body | orelse if body is not None and orelse is not None else None
    return None


def _module_constant(tree, name):
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == name for t in node.targets):
            return _literals(node.value)
    return None


def _passed(scan, path, function, parameter):
    """Every value ``function`` is given for ``parameter``: its default and what each call
    passes (by keyword or by position), all of them literals. A private function (``_record``)
    is called from its own module only."""
    names = [argument.arg for argument in function.args.args]
    defaults = dict(zip(names[len(names) - len(function.args.defaults):], function.args.defaults))
    values = set(_literals(defaults[parameter]) or ()) if parameter in defaults else set()
    index = names.index(parameter)
    private = function.name.startswith("_")
    for call in (call for where, call in scan.calls.get(function.name, []) if where == path or not private):
        given = {k.arg: k.value for k in call.keywords}.get(parameter)
        if given is None and len(call.args) > index:
            given = call.args[index]
        if given is not None:
            found = _literals(given)
            assert found is not None, f"{function.name}() is given a computed {parameter}: {ast.unparse(given)}"
            values |= found
    return values


def _actions_of(scan, path, call, function, tree):
    """The actions one ``audit.record`` call can write."""
    argument = call.args[0] if call.args else {k.arg: k.value for k in call.keywords}["action"]
    found = _literals(argument)
    if found is not None:
        return found
    if isinstance(argument, ast.Name):
        constant = _module_constant(tree, argument.id)
        if constant is not None:
            return constant
        return _passed(scan, path, function, argument.id)
    if isinstance(argument, ast.JoinedStr) and path not in COMPUTED:
        return _joined(scan, path, argument, function)
    assert path in COMPUTED, (f"{path}:{call.lineno}: an audit action computed as {ast.unparse(argument)}: "
                              "list its values in tests/test_audit_words.py and name them in "
                              "services/audit_words.py")
    return set()


def _joined(scan, path, argument, function):
    """``f"case.{action}"`` where ``action`` is a parameter: one action per value passed."""
    [prefix, value] = argument.values
    assert isinstance(prefix, ast.Constant) and isinstance(value.value, ast.Name), ast.unparse(argument)
    return {prefix.value + passed for passed in _passed(scan, path, function, value.value.id)}


def computed_actions(app):
    """The screens' create / update / delete / export and the workflows' steps."""
    screens = {f"{view.model.__tablename__}.{verb}" for view in app.extensions["admin"][0]._views
               if hasattr(view, "model") for verb in audit_words.CRUD}
    modules = [importlib.import_module(f"services.{info.name}") for info in pkgutil.iter_modules(services.__path__)]
    workflows = [value for module in modules for value in vars(module).values() if isinstance(value, Workflow)]
    assert {workflow.name for workflow in workflows} >= {"appointment", "case", "year_plan"}
    steps = {f"{workflow.name}.{action}" for workflow in workflows for action in workflow.transitions}
    return screens | steps


def recorded_actions(app, scan):
    actions = set()
    for path, call, function, tree in scan.records:
        actions |= _actions_of(scan, path, call, function, tree)
    return actions | computed_actions(app) | set(audit_chain.SEAL_ACTIONS)


def test_the_scan_finds_the_actions_named_in_the_issue(app, scan):
    """The scan itself works: it finds literal, passed-on, f-string and computed actions."""
    found = recorded_actions(app, scan)
    assert {"two_factor.recovery_code_used", "file.download", "checklist.delivered", "user.telegram_linked",
            "appointment.record_order", "case.answer", "year_plan.approve", "case.child_added",
            "report_definition.run", "report_definition.download", "half_year_report.download",
            "audit.head", "half_year_report.seal", "memorandum.update", "audit_event.export"} <= found
    assert len(found) > 100


def test_every_action_recorded_in_the_code_has_a_name(app, scan):
    unnamed = sorted(a for a in recorded_actions(app, scan) if audit_words.action_label(a) is None)
    assert unnamed == [], f"name these audit actions in services/audit_words.ACTIONS: {unnamed}"


def test_every_detail_recorded_in_the_code_has_a_name(scan):
    """The keywords of every recording call (``audit.record``, a workflow's step, the
    functions passing details on) are named in ``audit_words.DETAILS``."""
    passing = {"send_audited", "record_run"}
    calls = [call for _path, call, _function, _tree in scan.records]
    calls += [call for name in passing for _path, call in scan.calls.get(name, [])]
    calls += [call for _path, call in scan.calls.get("record", [])
              if getattr(getattr(call.func, "value", None), "id", None) == "WORKFLOW"]
    keys = {keyword.arg for call in calls for keyword in call.keywords} - NOT_DETAILS
    assert {"remaining", "old_state", "changes", "format", "note", "approved_on"} <= keys
    assert sorted(keys - set(audit_words.DETAILS)) == []


def test_every_table_has_a_name(app_ctx):
    assert sorted(set(db.metadata.tables) - set(audit_words.OBJECTS)) == []


def test_something_unknown_gets_a_neutral_name(app_ctx):
    assert audit_words.action_label("nobody.knows") is None
    assert audit_words.action_label("memorandum.export") == audit_words.CRUD["export"]
    event = AuditEvent(action="nobody.knows", object_type="no_table", object_id="1",
                       data={"strange": {"nested": [1, {"x": None}]}, "changes": {"zzz": {"old": 1, "new": None}},
                             "old_state": "unheard_of"})
    lines = audit_words.describe(event, audit_words.Words())
    assert [str(line["label"]) for line in lines] == ["Previous state", "Changes", "Other detail"]
    assert lines[0]["text"] == "unheard_of"
    assert [tuple(map(str, row)) for row in lines[1]["rows"]] == [("Other detail", "1", "—")]
    assert audit_words.describe(AuditEvent(action="x", data=None), audit_words.Words()) == []
    assert audit_words.describe(AuditEvent(action="x", data=[1, 2]), audit_words.Words())[0]["text"] == "1, 2"


def screen_words(app, **regions):
    """The words the audit screen gives ``describe``: its admin's labels, these regions."""
    from admin.audit import _screen_words

    fields, screens = _screen_words(app.extensions["admin"][0])
    return audit_words.Words(regions=regions, fields=fields, screens=screens)


def test_details_read_as_the_screens_show_them(app, app_ctx):
    words = screen_words(app, **{"75": "Almaty"})
    plan = AuditEvent(action="year_plan.approve", object_type="year_plan", object_id="3",
                      data={"old_state": "agreed", "new_state": "approved", "approved_on": "2025-12-20",
                            "late": False})
    assert [(str(line["label"]), str(line["text"])) for line in audit_words.describe(plan, words)] == [
        ("Previous state", "Agreed by the Commissioner"), ("New state", "Approved"),
        ("Approved on", "20.12.2025"), ("Late", "no")]
    edit = AuditEvent(action="memorandum.update", object_type="memorandum", object_id="4",
                      data={"changes": {"title": {"old": "A", "new": "B"},
                                        "region_code": {"old": None, "new": "75"},
                                        "signed_on": {"old": "2026-03-02", "new": "2026-04-01"}}})
    [line] = audit_words.describe(edit, words)  # in the order of the table's columns
    assert [tuple(map(str, row)) for row in line["rows"]] == [
        ("Title", "A", "B"), ("Signed on", "02.03.2026", "01.04.2026"), ("Region", "—", "Almaty")]
    delivered = AuditEvent(action="checklist.delivered", object_type="checklist_item", object_id="7",
                           data={"rule": "R10.3"})
    assert str(audit_words.describe(delivered, words)[0]["text"]) == (
        "[R10.3] Alert the guardianship authority and the police")
    export = AuditEvent(action="memorandum.export", object_type="memorandum",
                        data={"screen": "memorandum", "rows": 3, "search": None,
                              "filters": [{"filter": "Region", "operation": "equals", "value": "75"}]})
    assert [(str(line["label"]), str(line["text"])) for line in audit_words.describe(export, words)] == [
        ("Filters", "Region equals 75"), ("Rows", "3"), ("Screen", "Memoranda"), ("Search", "—")]


def test_personal_data_stays_masked(app, app_ctx):
    """What ``services.audit`` masked is said to be hidden, never shown; the fields are named
    as the case's timeline names them."""
    event = audit.record("case.child_corrected", region_code="75",
                         changes={"child": 5, "name": {"old": audit.MASK, "new": audit.MASK},
                                  "sex": {"old": "girl", "new": "boy"}})
    event.object_type = "cases"
    [line] = audit_words.describe(event, screen_words(app))
    assert [tuple(str(value) for value in row if value is not None) for row in line["rows"]] == [
        ("Child", "№ 5"), ("Name", "hidden (personal data)", "hidden (personal data)"), ("Sex", "Girl", "Boy")]


def test_a_list_row_is_cut_short_and_its_details_page_is_not(app_ctx):
    values = {f"column_{n}": n for n in range(20)}
    event = AuditEvent(action="memorandum.delete", object_type="memorandum", object_id="1",
                       data={"values": values, **{f"extra_{n}": "x" * 300 for n in range(8)}})
    short = audit_words.describe(event, audit_words.Words(), short=True)
    assert len(short) == audit_words.SHORT_LINES + 1 and short[-1]["more"] == 3
    assert len(short[0]["rows"]) == audit_words.SHORT_LINES and short[0]["more"] == 14
    assert len(str(short[1]["text"])) == audit_words.SHORT_VALUE + 1
    full = audit_words.describe(event, audit_words.Words())
    assert len(full) == 9 and len(full[0]["rows"]) == 20


# --- the screen -------------------------------------------------------------------------------------

ALMATY = ZoneInfo("Asia/Almaty")
# Rows as the code writes them (data as services.audit stores it), one per kind of detail.
ROWS = [
    dict(action="two_factor.recovery_code_used", object_type="users", object_id="2", data={"remaining": 7}),
    dict(action="appointment.grant_consent", object_type="appointment", object_id="5", region_code="75",
         data={"old_state": "consent_requested", "new_state": "consent_granted"}),
    dict(action="memorandum.update", object_type="memorandum", object_id="9", region_code="75",
         data={"changes": {"title": {"old": "Меморандум А", "new": "Меморандум Б"},
                           "signed_on": {"old": "2026-03-02", "new": "2026-04-01"}}}),
    dict(action="case.child_corrected", object_type="cases", object_id="12", region_code="71",
         data={"reason": "Қате жазылған", "changes": {"child": 4, "name": {"old": "***", "new": "***"},
                                                         "sex": {"old": "girl", "new": "boy"}}}),
    dict(action="checklist.delivered", object_type="checklist_item", object_id="31", region_code="71",
         data={"rule": "R10.1"}),
    dict(action="checklist.set_aside", object_type="checklist_item", object_id="32", region_code="71",
         data={"rule": "R10.2", "reason": "reporter"}),
    dict(action="year_plan.approve", object_type="year_plan", object_id="3", region_code="75",
         data={"old_state": "agreed", "new_state": "approved", "approved_on": "2025-12-20", "late": False}),
    dict(action="case.submit", object_type="cases", object_id="13", region_code="75",
         data={"channel": "web", "urgent": True}),
    dict(action="file.download", object_type="stored_file", object_id="40", region_code="75",
         data={"case": 13, "attachment": 8}),
    dict(action="half_year_report.download", region_code="75",
         data={"year": 2026, "half": 1, "draft": True, "format": "xlsx", "language": "ru"}),
    dict(action="setting.update", data={"key": "upload_max_mb", "old": 10, "new": 20}),
    dict(action="user.telegram_linked", object_type="users", object_id="2"),
    dict(action="user.sessions_ended", object_type="users", object_id="2",
         data={"sessions": 2, "reason": "ended_by_admin"}),
]
CODES = [row["action"] for row in ROWS]
# The rows above only (1 March 2026), not the logins and accounts of the people fixture.
THAT_DAY = "flt0_0=2026-03-01&flt1_1=2026-03-01"


@pytest.fixture
def readable_rows(app):
    with app.app_context():
        db.session.add_all(AuditEvent(at=datetime(2026, 3, 1, 10, n, tzinfo=ALMATY), **row)
                           for n, row in enumerate(ROWS))
        db.session.commit()


def _visible(page):
    """The list table's text a reader sees: without the "Stored data" toggles, the tags, the
    e-mail addresses (who acted) and the IP addresses."""
    table = page[page.index(">", page.index("model-list")) + 1:]
    table = table[:table.index("</table>")]
    table = re.sub(r"<details.*?</details>", " ", table, flags=re.S)
    text = html.unescape(re.sub(r"<[^>]+>", " ", table))
    return re.sub(r"\S+@\S+|\d+\.\d+\.\d+\.\d+", " ", text)


def test_the_list_reads_in_words_with_the_codes_behind_a_toggle(login, readable_rows):
    page = login("superadmin").get(f"/admin/audit/?{THAT_DAY}&lang=en").get_data(as_text=True)
    visible = _visible(page)
    for words in ("Recovery code used", "Recovery codes left: 7", "Consent granted",
                  "Previous state: Consent requested", "New state: Consent granted", "Appointment № 5",
                  "Title: Меморандум А", "Меморандум Б", "Signed on: 02.03.2026", "01.04.2026",
                  "hidden (personal data)", "Girl", "Boy", "[R10.1] Alert the Commissioner, the Committee and the akim",
                  "The person is the reporter", "Agreed by the Commissioner", "Public form",
                  "Largest attachment, MB", "Ended by an administrator", "Messenger linked", "Русский"):
        assert words in " ".join(visible.split()), words
    assert not [code for code in CODES if code in visible]
    stored = " ".join(re.findall(r"<details.*?</details>", page, re.S))
    assert all(code in stored for code in CODES) and "&#34;remaining&#34;:7" in stored


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_the_list_in_kazakh_and_russian_has_no_codes_and_no_english(app, login, readable_rows, language):
    """Needs the kk and ru catalogues with the audit log's words (issue 18)."""
    page = login("superadmin").get(f"/admin/audit/?{THAT_DAY}&lang={language}").get_data(as_text=True)
    visible = _visible(page)
    assert not [code for code in CODES if code in visible]
    # A rule's reference ([R10.1]) and a file format (XLSX) are not English words.
    english = sorted(set(re.findall(r"[A-Za-z]*[a-z][A-Za-z]*", visible)))
    assert english == [], english
    with app.app_context(), force_locale(language):
        said = [str(audit_words.ACTIONS[code]) for code in CODES if code in audit_words.ACTIONS]
    assert [words for words in said if words not in visible] == []


def test_the_details_page_shows_everything_and_the_stored_data(app, login, readable_rows):
    with app.app_context():
        event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "memorandum.update")).one()
    page = login("commissioner").get(f"/admin/audit/details/?id={event.id}&lang=en").get_data(as_text=True)
    assert "Record changed" in page and "Memorandum № 9" in page and "Signed on: 02.03.2026" in page
    assert "Stored data" in page and "memorandum.update" in page
