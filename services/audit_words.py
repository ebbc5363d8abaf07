"""The audit log in words (PRODUCT.md, "Trust"; [R3] transparency): what each recorded
action, object and detail is called on the screens, in the reader's language.

``services.audit`` writes codes (``two_factor.recovery_code_used``, ``{"new_state": …}``);
this module is their one vocabulary. ``ACTIONS`` names every action the code records
(tests/test_audit_words.py scans the source, so an action without a name fails a test);
the create / update / delete / export of any screen's table is named by its verb
(``CRUD``); ``OBJECTS`` names every table; ``DETAILS`` the keys of the recorded data.
Something unknown (an old row, a test's row) gets a neutral name, never an error.

``describe(event, words)`` gives an event's data as lines to show: states by their
labels, regions by their names, dates in the reader's format, coded values by their
labels, masked personal data as "hidden". Nothing is unmasked: what ``services.audit``
masked stays masked.
"""
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import format_date, format_datetime
from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, DateTime

from core.formats import rule_reference
from extensions import db
from i18n import LANGUAGE_NAMES, current_language
from models.api_token import SCOPES
from models.appointment import STATE_LABELS as APPOINTMENT_STATES
from models.case import CASE_STATE_LABELS, CATEGORIES, CHANNELS, KINDS, OUTCOMES, RESPONSIBLE, SEXES
from models.checklist import ITEM_STATES, RULE_LABELS, SET_ASIDE_REASONS
from models.organization import ORGANIZATION_TYPES
from models.outbox import ALERT_CHANNELS
from models.plan import ITEM_STATUSES, PLAN_STATES
from models.registry import RECOMMENDATION_OUTCOMES
from models.registry_specs import REGISTRY_SPECS
from models.report import REPORT_FORMATS, REVIEW_DECISIONS
from models.user import ROLE_LABELS
from services.audit import MASK

OTHER_ACTION, OTHER_OBJECT, OTHER_DETAIL = _l("Other action"), _l("Other record"), _l("Other detail")
HIDDEN = _l("hidden (personal data)")
YES, NO = _l("yes"), _l("no")

# Every action recorded by name (``audit.record("…")`` and the workflows' steps), as the log reads.
ACTIONS = {
    # signing in and accounts
    "login": _l("Signed in"),
    "login.password": _l("Password accepted at sign-in"),
    "login.failed": _l("Sign-in refused"),
    "login.disabled": _l("Sign-in refused: the account is disabled"),
    "user.create": _l("Staff account created"),
    "user.update": _l("Staff account changed"),
    "user.password": _l("Password set"),
    "user.enable": _l("Account enabled"),
    "user.disable": _l("Account disabled"),
    "user.password_check_failed": _l("Wrong current password entered"),
    "user.password_reset_requested": _l("Link to set a password requested"),
    "user.alert_channels": _l("Alert channels set"),
    "user.telegram_code": _l("Code to link the messenger issued"),
    "user.telegram_linked": _l("Messenger linked"),
    "user.telegram_unlinked": _l("Messenger unlinked"),
    "user.sessions_ended": _l("Sessions ended"),
    "two_factor.enrol": _l("Two-factor login set up"),
    "two_factor.login": _l("Second login step passed"),
    "two_factor.failed": _l("Second login step refused"),
    "two_factor.recovery_code_used": _l("Recovery code used"),
    "two_factor.recovery_codes_renewed": _l("Recovery codes renewed"),
    "two_factor.disable": _l("Two-factor login turned off"),
    "two_factor.reset": _l("Two-factor login reset by an administrator"),
    "keys.rotate": _l("Encryption keys rotated"),
    "setting.update": _l("Setting changed"),
    "region_office.update": _l("Office contacts changed"),
    # the log itself
    "audit.head": _l("Daily checksum of the audit log sent"),
    # appointments [R4]
    "appointment.propose": _l("Appointment proposed"),
    "appointment.update": _l("Proposal changed"),
    "appointment.withdraw": _l("Proposal withdrawn"),
    "appointment.request_consent": _l("Commissioner's consent requested"),
    "appointment.grant_consent": _l("Consent granted"),
    "appointment.refuse_consent": _l("Consent refused"),
    "appointment.record_order": _l("Akim's order recorded: the ombudsman took office"),
    "appointment.request_dismissal": _l("Consent to the dismissal requested"),
    "appointment.grant_dismissal": _l("Dismissal consented"),
    "appointment.refuse_dismissal": _l("Dismissal refused"),
    "appointment.record_dismissal": _l("Dismissal order recorded"),
    # cases [R6.2], [R10], [R11]
    "case.submit": _l("Case received"),
    "case.register": _l("Case registered"),
    "case.start": _l("Work on the case started"),
    "case.answer": _l("Final answer given"),
    "case.close": _l("Case closed"),
    "case.forward": _l("Case forwarded to another body"),
    "case.reject": _l("Case rejected"),
    "case.extend": _l("Term extended"),
    "case.confirm_police": _l("Police confirmation recorded [R11]"),
    "case.reopen": _l("Case reopened"),
    "case.withdraw": _l("Withdrawn by the reporter"),
    "case.message": _l("Message or internal note written"),
    "case.reporter_message": _l("Message from the reporter"),
    "case.view_identity": _l("Child's identity viewed"),
    "case.identities_removed": _l("Personal data removed at the end of the keeping period"),
    "case.deadlines_recomputed": _l("Due dates of open cases recomputed"),
    "case.correct": _l("Facts corrected"),
    "case.child_added": _l("Child added"),
    "case.child_corrected": _l("Child corrected"),
    "case.child_removed": _l("Child removed"),
    "checklist.add": _l("Checklist step added"),
    "checklist.delivered": _l("Alert delivered"),
    "checklist.done": _l("Checklist step done"),
    "checklist.publication_linked": _l("Media informed by a publication [R11.1]"),
    "checklist.reference": _l("Reference numbers recorded"),
    "checklist.set_aside": _l("Checklist step set aside"),
    # files
    "file.upload": _l("File attached"),
    "file.download": _l("File downloaded"),
    # year plans [R6.1]
    "year_plan.create": _l("Year plan started"),
    "year_plan.update_items": _l("Plan items changed"),
    "year_plan.link_item": _l("Plan item linked to a record"),
    "year_plan.send_for_agreement": _l("Plan sent to the Commissioner for agreement"),
    "year_plan.agree": _l("Plan agreed by the Commissioner"),
    "year_plan.return_with_remarks": _l("Plan returned with remarks"),
    "year_plan.approve": _l("Plan approved"),
    "recommendation.send": _l("Recommendation sent to the Commissioner"),
    "recommendation.answer": _l("The Commissioner's answer to a recommendation recorded"),
    # the public form
    "questionnaire.create": _l("Questionnaire created"),
    "questionnaire.update": _l("Questionnaire changed"),
    "questionnaire.publish": _l("Questionnaire version published"),
    # reports [R8]
    "half_year_report.submit": _l("Half-year report submitted"),
    "half_year_report.seal": _l("Half-year report sealed in the audit log"),
    "half_year_report.download": _l("Half-year report downloaded"),
    "half_year_report.rollup_download": _l("Report of the 20 regions downloaded"),
    "half_year_report.review": _l("Decision on a half-year report"),
    "report_definition.create": _l("Report saved"),
    "report_definition.update": _l("Saved report changed"),
    "report_definition.delete": _l("Saved report deleted"),
    "report_definition.run": _l("Report run"),
    "report_definition.download": _l("Report downloaded"),
    # the partner API [R7]
    "api_token.issue": _l("API token issued"),
    "api_token.revoke": _l("API token revoked"),
    "api.call": _l("Call to the partner API"),
}
# What every screen records of its table (``admin.base.SecureModelView``): ``<table>.<verb>``.
CRUD = {"create": _l("Record created"), "update": _l("Record changed"), "delete": _l("Record deleted"),
        "export": _l("List exported to a file")}

OBJECTS = {
    "appointment": _l("Appointment"), "appointment_step": _l("Step of an appointment"),
    "audit_event": _l("Audit log entry"), "calendar_override": _l("Day of the working-day calendar"),
    "cases": _l("Case"), "case_child": _l("Child of a case"), "case_message": _l("Message of a case"),
    "case_attachment": _l("File of a case"), "case_counter": _l("Counter of case numbers"),
    "case_step": _l("Step of a case"), "checklist_item": _l("Checklist step"),
    "checklist_evidence": _l("Evidence of a checklist step"),
    "commission_meeting_case": _l("Case discussed at a commission meeting"),
    "commission_membership": _l("Membership of a commission"),
    "interaction_case": _l("Case a letter concerns"), "publication_case": _l("Case a publication informs about"),
    "half_year_report": _l("Half-year report"), "half_year_report_file": _l("File of a half-year report"),
    "memorandum_party": _l("Party to a memorandum"), "organization": _l("Partner organization"),
    "outbox_message": _l("Alert"), "outbox_attempt": _l("Attempt to deliver an alert"),
    "plan_item": _l("Plan item"), "year_plan": _l("Year plan"), "question": _l("Question"),
    "questionnaire": _l("Questionnaire"), "questionnaire_version": _l("Questionnaire version"),
    "recovery_code": _l("Recovery code"), "region": _l("Region"),
    "region_office": _l("Contacts of an ombudsman's office"),
    "registry_attachment": _l("File of a record"), "report_definition": _l("Saved report"),
    "setting": _l("Setting"), "staff_session": _l("Staff session"), "stored_file": _l("File"),
    "throttle_hit": _l("Counted attempt"), "used_form_token": _l("Used form"),
    "receipt_hold": _l("Receipt code kept until saved"),
    "half_year_narrative": _l("The ombudsman's words in a half-year report"),
    "half_year_review": _l("Decision on a half-year report"),
    "users": _l("Staff account"), "visit_case": _l("Case looked into on a visit"),
    "api_token": _l("API token"), "api_idempotency_key": _l("Repeat key of a partner's case"),
    **{spec.table: spec.record_label for spec in REGISTRY_SPECS},
}

DETAILS = {
    "old_state": _l("Previous state"), "new_state": _l("New state"), "changes": _l("Changes"),
    "values": _l("Values deleted"), "region_code": _l("Region"), "rule": _l("Rule"),
    "reason": _l("Reason"), "note": _l("Note"), "remarks": _l("Remarks"), "rows": _l("Rows"),
    "rewritten": _l("Rows rewritten"), "cases": _l("Cases"), "sessions": _l("Sessions"),
    "children": _l("Children"), "messages": _l("Messages"), "files": _l("Files"),
    "items": _l("Plan items"), "remaining": _l("Recovery codes left"), "year": _l("Year"),
    "half": _l("Half-year"), "version": _l("Version"), "day": _l("Day"), "seq": _l("Place in the chain"),
    "hash": _l("Checksum"), "digest": _l("Seal (checksum)"), "screen": _l("Screen"),
    "search": _l("Search"), "filters": _l("Filters"), "format": _l("Format"), "language": _l("Language"),
    "draft": _l("Draft figures"), "published": _l("Version published"), "role": _l("Role"),
    "channel": _l("Channel"), "phone": _l("Mobile number given"), "email": _l("E-mail"),
    "stage": _l("Stage"), "method": _l("Second step by"), "step": _l("Time step of the code"),
    "was_enabled": _l("Two-factor login was on"), "key": _l("Setting"), "old": _l("Old value"),
    "new": _l("New value"), "dataset": _l("Data set"), "registration_number": _l("Registration number"),
    "closed_at": _l("Closed"), "retention_years": _l("Years kept"), "approved_on": _l("Approved on"),
    "late": _l("Late"), "outcome": _l("Outcome"), "publication": _l("Publication"), "decision": _l("Decision"), "internal": _l("Internal note"), "final": _l("Final answer"),
    "urgent": _l("Urgent"), "record_type": _l("Record type"), "record_id": _l("Linked record"),
    "file": _l("File"), "message_id": _l("Message"), "item": _l("Plan item"),
    "appointment": _l("Appointment"), "case": _l("Case"), "child": _l("Child"),
    "evidence": _l("Evidence"), "attachment": _l("File of a case"),
    # the partner API [R7]
    "label": _l("Label"), "organization": _l("Organization"), "scopes": _l("Permissions"),
    "regions": _l("Regions"), "expires_at": _l("Expires"), "token": _l("API token"),
    "path": _l("Address called"), "status": _l("Answer code"),
}
# Where one key means different things: the name it has for one action.
ACTION_DETAILS = {("user.alert_channels", "channel"): _l("Ordinary alerts come by"),
                  ("api.call", "method"): _l("Kind of call")}
# Details holding the number of a row, shown as "№ 12".
NUMBERS = frozenset({"file", "message_id", "item", "record_id", "appointment", "case", "child", "evidence",
                     "attachment", "publication", "organization"})

# Coded values by detail key, or by (action, key) where one key means different things.
DETAIL_VALUES = {
    "role": ROLE_LABELS, "language": LANGUAGE_NAMES, "format": REPORT_FORMATS,
    "stage": {"enrolment": _l("Setting up"), "login": _l("Login")},
    "method": {"totp": _l("Code from the authenticator app"), "recovery_code": _l("Recovery code")},
    ("user.alert_channels", "channel"): ALERT_CHANNELS, ("case.submit", "channel"): CHANNELS,
    ("user.sessions_ended", "reason"): {"password": _l("The password was changed"),
                                         "ended_by_admin": _l("Ended by an administrator")},
    ("two_factor.failed", "reason"): {"wrong": _l("Wrong code"), "reused": _l("Code already used")},
    ("checklist.set_aside", "reason"): SET_ASIDE_REASONS,
    ("recommendation.answer", "outcome"): RECOMMENDATION_OUTCOMES,
    ("half_year_report.review", "decision"): REVIEW_DECISIONS,
    ("case.deadlines_recomputed", "reason"): {"calendar": _l("working-day calendar")},
}
# Coded columns by table: a change or a deleted row shows their labels, as the screens do.
COLUMN_VALUES = {
    "appointment": {"state": APPOINTMENT_STATES},
    "cases": {"state": CASE_STATE_LABELS, "kind": KINDS, "categories": CATEGORIES, "channel": CHANNELS,
              "responsible": RESPONSIBLE, "outcome": OUTCOMES, "language": LANGUAGE_NAMES, "sex": SEXES},
    "case_child": {"sex": SEXES},
    "checklist_item": {"status": ITEM_STATES, "rule": RULE_LABELS, "set_aside_reason": SET_ASIDE_REASONS},
    "year_plan": {"state": PLAN_STATES}, "plan_item": {"status": ITEM_STATUSES},
    "users": {"role": ROLE_LABELS, "alert_channel": ALERT_CHANNELS},
    "organization": {"type": ORGANIZATION_TYPES},
    "api_token": {"scopes": SCOPES},
    **{spec.table: dict(spec.choices) for spec in REGISTRY_SPECS},
}
# The most lines and the longest value a list row shows; its details page shows everything.
SHORT_LINES, SHORT_VALUE = 6, 120


@dataclass
class Words:
    """What the screens call things, given by the admin: region names (code: name), the
    labels of each table's columns (table: {column: label}), the screens' names (endpoint:
    name)."""

    regions: dict = field(default_factory=dict)
    fields: dict = field(default_factory=dict)
    screens: dict = field(default_factory=dict)


def action_label(action):
    """The action in words, or None when nobody named it (``OTHER_ACTION`` is shown)."""
    if action in ACTIONS:
        return ACTIONS[action]
    table, _, verb = (action or "").rpartition(".")
    return CRUD[verb] if table in OBJECTS and verb in CRUD else None


def object_label(table):
    return OBJECTS.get(table)


def detail_label(key):
    return DETAILS.get(key)


def state_labels(table):
    """The labels of a table's states, for ``old_state`` and ``new_state`` [R4], [R6.1], [R6.2]."""
    columns = COLUMN_VALUES.get(table, {})
    return columns.get("state") or columns.get("status") or {}


def describe(event, words, short=False):
    """The event's data as ``[{"label", "text"} or {"label", "rows": [(field, old, new)]}]``.

    ``short``: a list row's summary (at most ``SHORT_LINES`` lines and changed fields,
    values cut at ``SHORT_VALUE`` characters); the details page shows all of it.
    """
    data = event.data if isinstance(event.data, dict) else {"": event.data} if event.data else {}
    lines = [_line(event, key, value, words, short) for key, value in sorted(data.items(), key=_order)]
    return _cut(lines, short)


def _order(item):
    """States first, then the changes, then the rest alphabetically (as stored)."""
    return ({"old_state": 0, "new_state": 1, "changes": 2, "values": 3}.get(item[0], 4), item[0])


def _line(event, key, value, words, short):
    label = ACTION_DETAILS.get((event.action, key)) or DETAILS.get(key, OTHER_DETAIL)
    if key in ("changes", "values") and isinstance(value, dict):
        return {"label": label, "rows": _rows(event.object_type, value, words, short)}
    return {"label": label, "text": _detail_value(event, key, value, words, short)}


def _rows(table, values, words, short):
    """(field, old, new) for a diff, (field, value, None) for a row's values; in the order
    of the table's columns, as its screen lists them."""
    rows = []
    for name, value in sorted(values.items(), key=lambda item: _column_order(table, item[0])):
        if isinstance(value, dict) and set(value) == {"old", "new"}:
            old, new = (_column_value(table, name, value[side], words, short) for side in ("old", "new"))
            rows.append((_field_label(table, name, words), old, new))
        else:
            rows.append((_field_label(table, name, words), _column_value(table, name, value, words, short), None))
    return rows


def _column_order(table, name):
    found = db.metadata.tables.get(table)
    keys = list(found.c.keys()) if found is not None else []
    return (keys.index(name), name) if name in keys else (len(keys), name)


def _cut(lines, short):
    if not short:
        return lines
    for line in lines:
        if "rows" in line and len(line["rows"]) > SHORT_LINES:
            line["more"] = len(line["rows"]) - SHORT_LINES
            line["rows"] = line["rows"][:SHORT_LINES]
    if len(lines) > SHORT_LINES:
        lines = lines[:SHORT_LINES] + [{"label": OTHER_DETAIL, "more": len(lines) - SHORT_LINES}]
    return lines


def _field_label(table, name, words):
    return words.fields.get(table, {}).get(name) or DETAILS.get(name) or OTHER_DETAIL


def _detail_value(event, key, value, words, short):
    """A detail's value as the screens show it."""
    special = _SPECIAL.get(key)
    if special is not None:
        shown = special(event, value, words)
        if shown is not None:
            return _plain(shown, short)
    catalogue = DETAIL_VALUES.get((event.action, key)) or DETAIL_VALUES.get(key) or {}
    return _plain(catalogue.get(value, value) if _hashable(value) else value, short)


def _state(event, value, words):
    return state_labels(event.object_type).get(value) if _hashable(value) else None


def _rule(event, value, words):
    """``[R10.3] …``, the reference as the page's language cites the Rules."""
    if not (_hashable(value) and value in RULE_LABELS):
        return None
    return f"[{rule_reference(value, current_language())}] {RULE_LABELS[value]}"


def _region(event, value, words):
    return words.regions.get(value) if _hashable(value) else None


def _setting(event, value, words):
    from services.settings import KNOWN

    return KNOWN[value].label if _hashable(value) and value in KNOWN else None


def _reason(event, value, words):
    return _setting(event, value, words) if event.action == "case.deadlines_recomputed" else None


def _number(event, value, words):
    return f"№ {value}" if isinstance(value, int) and not isinstance(value, bool) else None


def _dataset(event, value, words):
    from services.report_builder import DATASETS

    dataset = DATASETS.get(value) if _hashable(value) else None
    return dataset.label if dataset is not None else None


def _filters(event, value, words):
    if not isinstance(value, list):
        return None
    return "; ".join(map(_filter_text, value)) or None


def _scopes(event, value, words):
    """A token's permissions in words, one after another."""
    if not isinstance(value, list):
        return None
    return "; ".join(str(SCOPES.get(scope, scope)) if _hashable(scope) else str(scope) for scope in value)


def _regions(event, value, words):
    if not isinstance(value, list):
        return None
    return ", ".join(str(words.regions.get(code, code)) if _hashable(code) else str(code) for code in value)


def _day(event, value, words):
    return _iso(value, Date)


def _time(event, value, words):
    return _iso(value, DateTime)


# Details shown by a function of their own (None: shown plainly after all).
_SPECIAL = {
    "old_state": _state, "new_state": _state, "rule": _rule, "region_code": _region, "key": _setting,
    "reason": _reason, "dataset": _dataset, "filters": _filters, "day": _day, "approved_on": _day,
    "closed_at": _time, "expires_at": _time, "scopes": _scopes, "regions": _regions,
    "record_type": lambda event, value, words: OBJECTS.get(value) if _hashable(value) else None,
    "screen": lambda event, value, words: words.screens.get(value) if _hashable(value) else None,
    **{key: _number for key in NUMBERS},
}


def _filter_text(item):
    if isinstance(item, dict):
        return " ".join(str(item.get(part, "")) for part in ("filter", "operation", "value")).strip()
    return str(item)


def _column_value(table, name, value, words, short):
    """A column's value as its screen shows it: the label of a code, the name of a region,
    a date in the reader's format, yes or no; a masked one says it is hidden."""
    if not _hashable(value) and not isinstance(value, list):
        return _plain(value, short)
    if value == MASK:
        return HIDDEN
    if name == "region_code" or (table == "region" and name == "code"):
        return _plain(words.regions.get(value, value), short)
    if name in NUMBERS and (number := _number(None, value, words)):
        return number
    catalogue = COLUMN_VALUES.get(table, {}).get(name) or {}
    if isinstance(value, list):
        return ", ".join(str(catalogue.get(v, v) if _hashable(v) else v) for v in value) or "—"
    if value in catalogue:
        return catalogue[value]
    shown = _iso(value, _column_type(table, name))
    return _plain(value if shown is None else shown, short)


def _column_type(table, name):
    found = db.metadata.tables.get(table)
    column = found.c.get(name) if found is not None else None
    return column.type if column is not None else None


def _iso(value, kind):
    """An ISO date or time in the reader's format (``kind``: ``Date`` or ``DateTime``, the
    class or a column's type), or None for anything else."""
    if not isinstance(value, str) or kind is None:
        return None
    try:
        if kind is DateTime or isinstance(kind, DateTime):
            return format_datetime(datetime.fromisoformat(value), "short")
        if kind is Date or isinstance(kind, Date):
            return format_date(date.fromisoformat(value), "medium")
    except ValueError:
        return None
    return None


def _plain(value, short):
    """Yes or no, a number, a list joined, text (cut in a list row); nothing as a dash."""
    if isinstance(value, bool):
        return YES if value else NO
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if value == MASK:
        return HIDDEN
    if isinstance(value, list):
        return ", ".join(str(_plain(item, short)) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{DETAILS.get(key, OTHER_DETAIL)}: {_plain(item, short)}" for key, item in value.items())
    return _text(value, short)


def _text(value, short):
    text = str(value)
    return text[:SHORT_VALUE] + "…" if short and len(text) > SHORT_VALUE else value


def _hashable(value):
    return isinstance(value, (str, int, float, bool)) or value is None
