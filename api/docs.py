"""``/api/v1/docs``: the partner API's guide, a page of the site in kk, ru and en [R7].

What the page lists is read from the OpenAPI document the API serves at
``/api/v1/openapi.json``: every operation of every path with its parameters and answers,
and the fields of every request and answer, so that what is added to the API shows here at
once. What they mean is written here and in the template through Babel; the document's own
descriptions are English and are shown on the English page only, for what this guide does
not describe yet. Code samples (curl, JSON, Python) are not translated.
"""
import json
from dataclasses import dataclass, field
from datetime import timedelta

from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from api.problems import FIELD_MESSAGES, TITLES
from api.schemas import AGE_OR_YEAR
from i18n import LANGUAGE_NAMES, current_language
from models.api_token import SCOPES
from models.case import CASE_STATE_LABELS, CATEGORIES, CHANNELS, KINDS, REPORTER_TYPES, RESPONSIBLE, SEXES
from services import settings
from services.deadlines import now_local

bp = Blueprint("api_docs", __name__)

METHODS = ("get", "post", "put", "patch", "delete")
REF = "#/components/"


@dataclass(frozen=True)
class Guide:
    """What the guide says of one operation."""

    title: object
    purpose: object
    scope: str | None                 # None: no token is needed
    example: str                      # a curl command; {base} and {lang} are filled in
    meanings: dict = field(default_factory=dict)   # status → what it means for this operation


# A case as a partner sends it: the description in Kazakh on the Kazakh page, else in Russian.
CASE_TEXTS = {
    "kk": "111 желісіне қоңырау: баланы үйде ұрып-соғады, көршілер түнде айғайды естиді.",
    "ru": "Звонок на линию 111: ребёнка бьют дома, соседи по ночам слышат крики.",
}
CASE_PLACES = {"kk": "Алматы, Алатау ауданы", "ru": "Алматы, Алатауский район"}
SAMPLE_NUMBER = "75-2026-000123"
SAMPLE_KEY = "3f1c2a9e-7b4d-4e8a-9c61-0d2b5e8f4a17"


def sample_case(language):
    """The body of the POST example (kept valid by tests/test_api_docs.py)."""
    language = language if language in CASE_TEXTS else "ru"
    yesterday = now_local().date() - timedelta(days=1)  # received_at is not in the future, nor a year old
    return {
        "region": "75", "channel": "line_111", "incoming_number": "111-2026-0042",
        "received_at": f"{yesterday.isoformat()}T10:30:00+05:00", "language": language, "kind": "appeal",
        "categories": ["violence"], "description": CASE_TEXTS[language],
        "occurred_where": CASE_PLACES[language], "responsible": "parent_cohabiting",
        "danger_now": False, "children": [{"age": 9, "sex": "boy"}], "reporter": {"type": "neighbour"},
    }


SEND_EXAMPLE = """curl -i -X POST {base}/api/v1/cases \\
  -H "Authorization: Bearer $TOKEN" \\
  -H "Idempotency-Key: """ + SAMPLE_KEY + """" \\
  -H "Accept-Language: {lang}" \\
  -H "Content-Type: application/json" \\
  --data-binary @- <<'EOF'
{body}
EOF"""

GUIDES = {
    ("post", "/api/v1/cases"): Guide(
        _l("Send a case"),
        _l("Creates the case as the region's ombudsman would enter a case received by another channel: "
           "it is registered at once, its registration number given, its terms and alerts started. "
           "The region must be one of the token's regions."),
        "cases:create", SEND_EXAMPLE,
        {200: _l("A retried request: the case this Idempotency-Key created before, not a second one."),
         201: _l("The case was created and registered. The Location header gives its address."),
         422: _l("The request breaks the contract or a rule of a case (“errors” names each field), or "
                 "its Idempotency-Key was used before with another body.")}),
    ("get", "/api/v1/cases/{registration_number}"): Guide(
        _l("Follow a case"),
        _l("The state of a case this token sent, its due date and the messages the reporter reads: the "
           "office's answers and the reporter's own. Never staff names or internal notes."),
        "cases:read",
        'curl {base}/api/v1/cases/' + SAMPLE_NUMBER + ' \\\n'
        '  -H "Authorization: Bearer $TOKEN" \\\n  -H "Accept-Language: {lang}"',
        {200: _l("The case's state, due date and messages."),
         404: _l("No case with this number was sent with this token.")}),
    ("get", "/api/v1/reports/half-year/{region}/{year}/{half}"): Guide(
        _l("A region's half-year report"),
        _l("The figures of the newest submitted version of a region's half-year report, for national "
           "bodies. Only a national body's token has this scope, and the region must be one of its regions."),
        "reports:read",
        'curl {base}/api/v1/reports/half-year/75/2026/1 \\\n'
        '  -H "Authorization: Bearer $TOKEN" \\\n  -H "Accept-Language: {lang}"',
        {200: _l("The submitted figures, with the version and when it was submitted."),
         403: _l("The token has no reports:read scope, or the region is not one of its regions."),
         404: _l("The region has not submitted its report for this half-year.")}),
    ("get", "/api/v1/stats"): Guide(
        _l("Public figures"),
        _l("The public figures of the Figures page for a half-year that has ended: reports received, "
           "by region and by category, and the share answered on time, in the same shape as the "
           "/stats.json download. A count from 1 to 4 is withheld, and so is any count from which "
           "a small one could be worked out."),
        None,
        'curl "{base}/api/v1/stats?year=2026&half=1&region=75" \\\n  -H "Accept-Language: {lang}"',
        {200: _l("The figures; a withheld count has “value” null and says why in “withheld”."),
         404: _l("There is no region with this code."),
         422: _l("The half-year is not one whose figures are published, or a parameter is not understood: "
                 "“errors” or “detail” says which.")}),
}

# What each status means, where the operation's guide says nothing of its own.
MEANINGS = {
    200: _l("Success: the answer's body is described below."),
    201: _l("Created."),
    400: _l("The body is not valid JSON."),
    401: _l("No token, or a token that is unknown, revoked or expired."),
    403: _l("The token may not do this: it lacks the scope, or the region is not one of its regions."),
    404: _l("Nothing was found at this address for this token."),
    422: _l("The request breaks the contract: “errors” names each field and says why."),
    429: _l("Too many calls this minute: wait the seconds Retry-After gives, then try again."),
}
SUCCESS, FAILURE = _l("Success."), _l("An error: its “title” and “detail” say what went wrong.")

PLACES = {"path": _l("in the path"), "query": _l("in the query string"), "header": _l("a header")}
PARAMETERS = {
    "Idempotency-Key": _l("Your own key of this case, unique for each new case, for example a UUID. "
                          "Send the same key with the same body when you retry."),
    "registration_number": _l("The case's registration number, as the answer to the POST gave it."),
    "region": _l("The region's two-digit code, for example 75 for Almaty."),
    "year": _l("The year, four digits."),
    "half": _l("The half-year: 1 for January–June, 2 for July–December."),
}

SCHEMAS = {
    "NewCase": _l("The body of “Send a case”."),
    "Child": _l("A child the case is about."),
    "Reporter": _l("Who reported the case to the partner. Contacts and a name need the reporter's consent."),
    "CaseState": _l("A case as the partner follows it: what the reporter reads at “Check my report”."),
    "Message": _l("A message the reporter reads."),
    "Problem": _l("An error (RFC 9457), in the language of Accept-Language."),
    "HalfYearReport": _l("A region's submitted half-year report."),
    "PublicFigures": _l("The public figures of a half-year, as the Figures page shows them."),
    "Period": _l("The half-year: its first and last day."),
    "Count": _l("A count, or why it is withheld."),
    "Share": _l("The share of answered cases answered on time."),
    "CategoryCount": _l("Reports received in one category."),
    "RegionFigures": _l("One region's figures."),
    "NationalFigures": _l("The figures of the whole country."),
}
FIELDS = {
    ("NewCase", "region"): _l("The region's two-digit code, for example 75 for Almaty; one of the token's regions."),
    ("NewCase", "channel"): _l("How the case reached you."),
    ("NewCase", "incoming_number"): _l("Your own number of the case."),
    ("NewCase", "sender"): _l("The body that sent it on to you, if not the reporter."),
    ("NewCase", "received_at"): _l("When the case reached you, with a time zone; now when left out. Not in "
                                   "the future, nor more than a year ago: the terms count from it."),
    ("NewCase", "language"): _l("The reporter's language: the office answers in it."),
    ("NewCase", "kind"): _l("What kind of case it is."),
    ("NewCase", "complaint_target"): _l("For a complaint: the body, organization or official it is about "
                                        "(required then)."),
    ("NewCase", "categories"): _l("What the case is about: one or more categories."),
    ("NewCase", "description"): _l("What happened, in the reporter's words."),
    ("NewCase", "occurred_when"): _l("When it happened, in words."),
    ("NewCase", "occurred_where"): _l("Where it happened, in words."),
    ("NewCase", "responsible"): _l("Who is responsible for what happened."),
    ("NewCase", "responsible_details"): _l("More about who is responsible."),
    ("NewCase", "danger_now"): _l("The child is in danger now: the urgent alerts are sent at once."),
    ("NewCase", "children"): _l("The children the case is about: one to ten."),
    ("NewCase", "reporter"): _l("Who reported it, if known."),
    ("NewCase", "consent"): _l("The reporter agreed to the processing of the personal data given (Law "
                               "No. 94-V). Required when a name, an IIN or contacts are sent."),
    ("NewCase", "answers"): _l("Answers to the region's extra questions, by the question's key."),
    ("Child", "age"): _l("Age in full years, 0 to 17. Give the age or the year of birth."),
    ("Child", "birth_year"): _l("The year of birth, four digits."),
    ("Child", "sex"): _l("The child's sex, if known."),
    ("Child", "name"): _l("The child's name, if given."),
    ("Child", "iin"): _l("The child's IIN, 12 digits, checked as at staff entry."),
    ("Child", "school"): _l("The school or kindergarten."),
    ("Reporter", "type"): _l("Who the reporter is to the child."),
    ("Reporter", "name"): _l("The reporter's name."),
    ("Reporter", "phone"): _l("The reporter's phone number."),
    ("Reporter", "email"): _l("The reporter's e-mail address."),
    ("CaseState", "registration_number"): _l("The case's registration number: region, year and a sequence."),
    ("CaseState", "region"): _l("The region's two-digit code."),
    ("CaseState", "state"): _l("The case's state, as a code."),
    ("CaseState", "state_label"): _l("The state in words, in the language of Accept-Language."),
    ("CaseState", "state_explanation"): _l("What the state means for the reporter, in words."),
    ("CaseState", "received_at"): _l("When the case was received."),
    ("CaseState", "due_on"): _l("The day by which the answer is due."),
    ("CaseState", "answered_at"): _l("When the office answered."),
    ("CaseState", "closed_at"): _l("When the case was closed."),
    ("CaseState", "messages"): _l("The messages the reporter reads, oldest first."),
    ("Message", "sent_at"): _l("When the message was sent."),
    ("Message", "from_reporter"): _l("True for the reporter's own message, false for the office's."),
    ("Message", "final_answer"): _l("True for the office's final answer on the case."),
    ("Message", "text"): _l("The message's text."),
    ("Problem", "type"): _l("Always about:blank: the status says what kind of error it is."),
    ("Problem", "title"): _l("What went wrong, in words."),
    ("Problem", "status"): _l("The HTTP status."),
    ("Problem", "detail"): _l("What went wrong this time."),
    ("Problem", "instance"): _l("The path that was called."),
    ("Problem", "errors"): _l("For a request that breaks the contract: each field (“field”) and why (“detail”)."),
    ("HalfYearReport", "region"): _l("The region's two-digit code."),
    ("HalfYearReport", "year"): _l("The year."),
    ("HalfYearReport", "half"): _l("The half-year: 1 for January–June, 2 for July–December."),
    ("HalfYearReport", "version"): _l("The version: a corrected report is submitted again as the next one."),
    ("HalfYearReport", "submitted_at"): _l("When this version was submitted."),
    ("HalfYearReport", "correction_reason"): _l("Why this version corrects the one before; null for the first."),
    ("HalfYearReport", "figures"): _l("The report's figures as submitted, by the report's own rows."),
    ("PublicFigures", "small"): _l("The smallest count shown: counts from 1 to one less are withheld."),
    ("PublicFigures", "period"): _l("The half-year of the figures."),
    ("PublicFigures", "region"): _l("The region asked for, or null for the whole country."),
    ("PublicFigures", "total"): _l("Reports received in the region asked for, or in the whole country."),
    ("PublicFigures", "on_time"): _l("The share answered on time there."),
    ("PublicFigures", "categories"): _l("Reports received there, by category."),
    ("PublicFigures", "regions"): _l("Every region's figures, by code."),
    ("PublicFigures", "national"): _l("The whole country's figures."),
    ("Period", "year"): _l("The year."),
    ("Period", "half"): _l("The half-year: 1 for January–June, 2 for July–December."),
    ("Period", "start"): _l("Its first day."),
    ("Period", "end"): _l("Its last day."),
    ("Count", "value"): _l("The count; null when it is withheld."),
    ("Count", "withheld"): _l("Why it is withheld: fewer (a small count) or hidden (a small count could be "
                              "worked out from it)."),
    ("Share", "percent"): _l("Whole percent; null when too few cases were answered to say."),
    ("CategoryCount", "key"): _l("The category, as a code."),
    ("CategoryCount", "count"): _l("Reports received in it."),
    ("RegionFigures", "code"): _l("The region's two-digit code."),
    ("RegionFigures", "name"): _l("The region's name in Kazakh, Russian and English."),
    ("RegionFigures", "total"): _l("Reports the region received."),
    ("RegionFigures", "on_time"): _l("The share answered on time."),
    ("RegionFigures", "categories"): _l("Reports received, by category."),
    ("NationalFigures", "total"): _l("Reports received in the whole country."),
    ("NationalFigures", "on_time"): _l("The share answered on time."),
    ("NationalFigures", "categories"): _l("Reports received, by category."),
}
# What each code of a field means: the site's own words for it (the staff form's and /status's).
VALUE_LABELS = {
    ("NewCase", "channel"): CHANNELS, ("NewCase", "language"): LANGUAGE_NAMES, ("NewCase", "kind"): KINDS,
    ("NewCase", "categories"): CATEGORIES, ("NewCase", "responsible"): RESPONSIBLE, ("Child", "sex"): SEXES,
    ("Reporter", "type"): REPORTER_TYPES, ("CaseState", "state"): CASE_STATE_LABELS,
    ("CategoryCount", "key"): CATEGORIES,
}


@bp.route("/api/v1/docs")
def guide():
    spec = current_app.extensions["flask-smorest"]["apis"][""]["ext_obj"].spec.to_dict()
    language = current_language()
    base = request.host_url.rstrip("/")
    operations = list(_operations(spec, base, language))
    return render_template(
        "api/docs.html", operations=operations, schemas=_schemas(spec, operations),
        base=base, scopes=SCOPES, calls_per_minute=settings.get("api_requests_per_minute"),
        problem_example=_problem_example(), event_example=EVENT_EXAMPLE)


# --- the operations --------------------------------------------------------------------------

def _operations(spec, base, language):
    """Each operation of the document, in its order."""
    for path, item in spec.get("paths", {}).items():
        for method in METHODS:
            if method in item:
                yield _operation(method, path, item[method], item.get("parameters", []), spec, base, language)


def _operation(method, path, operation, shared_parameters, spec, base, language):
    known = GUIDES.get((method, path))
    needs_token = bool(operation.get("security")) if known is None else known.scope is not None
    body = (operation.get("requestBody") or {}).get("content", {}).get("application/json", {})
    return {
        "method": method.upper(), "path": path, "anchor": _anchor(method, path),
        "title": known.title if known else _english(operation.get("summary")) or f"{method.upper()} {path}",
        "purpose": known.purpose if known else _english(operation.get("description")),
        "needs_token": needs_token, "scope": known.scope if known else None,
        "parameters": [_parameter(p, spec) for p in [*shared_parameters, *operation.get("parameters", [])]],
        "body": _ref_name(body.get("schema")),
        "answers": [_answer(status, answer, spec, known) for status, answer in
                    sorted(operation.get("responses", {}).items())],
        "example": _example(method, path, known, base, language, needs_token),
    }


def _anchor(method, path):
    return method + "-" + "-".join(part.strip("{}") for part in path.split("/") if part)


def _parameter(parameter, spec):
    parameter = _resolved(parameter, spec)
    name = parameter["name"]
    schema = parameter.get("schema", {})
    if parameter.get("in") == "path":  # a path's part is never empty, a number never negative
        schema = {key: value for key, value in schema.items()
                  if (key, value) not in (("minLength", 1), ("minimum", 0))}
    return {"name": name, "place": PLACES.get(parameter.get("in")), "required": parameter.get("required", False),
            "type": _type(schema), "limits": _limits(schema),
            "allowed": _values(schema, {}),
            "meaning": PARAMETERS.get(name) or _english(parameter.get("description"))}


def _answer(status, answer, spec, known):
    answer = _resolved(answer, spec)
    code = int(status) if str(status).isdigit() else None
    content = answer.get("content", {})
    media = next(iter(content), None)
    meaning = (known.meanings.get(code) if known else None) or MEANINGS.get(code) or _english(
        answer.get("description")) or (SUCCESS if code and code < 400 else FAILURE)
    return {"status": status, "meaning": meaning, "media": media,
            "schema": _ref_name(content.get(media, {}).get("schema")) if media else None}


def _example(method, path, known, base, language, needs_token):
    if known is not None:
        body = json.dumps(sample_case(language), ensure_ascii=False, indent=2)
        return known.example.format(base=base, lang=language, body=body)
    lines = [f"curl -X {method.upper()} {base}{path}"]
    if needs_token:
        lines.append('-H "Authorization: Bearer $TOKEN"')
    lines.append(f'-H "Accept-Language: {language}"')
    return " \\\n  ".join(lines)


# --- the fields ------------------------------------------------------------------------------

def _schemas(spec, operations):
    """The schemas the operations use, each after the first that names it: a request's body,
    then its answers (successes first), nested schemas right after the one that holds them."""
    named = spec.get("components", {}).get("schemas", {})
    order = []

    def visit(node):
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith(REF + "schemas/"):
                name = ref.rsplit("/", 1)[1]
                if name not in order and name in named:
                    order.append(name)
                    visit(named[name])
            elif ref.startswith(REF):
                visit(_resolved(node, spec))
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    for (method, path) in [(o["method"].lower(), o["path"]) for o in operations]:
        operation = spec.get("paths", {}).get(path, {}).get(method, {})
        visit(operation.get("requestBody"))
        for _status, answer in sorted(operation.get("responses", {}).items()):
            visit(answer)
    return [_schema(name, named[name]) for name in order]


def _schema(name, schema):
    required = set(schema.get("required", ()))
    return {"name": name, "meaning": SCHEMAS.get(name) or _english(schema.get("description")),
            "fields": [{"name": field_name, "required": field_name in required, "type": _type(prop),
                        "limits": _limits(prop), "allowed": _values(prop, VALUE_LABELS.get((name, field_name), {})),
                        "meaning": FIELDS.get((name, field_name)) or _english(prop.get("description"))}
                       for field_name, prop in schema.get("properties", {}).items()]}


def _type(schema):
    """``{"name", "format", "ref", "item", "nullable"}`` of a JSON Schema (``item``: an array's)."""
    options = schema.get("anyOf") or schema.get("oneOf")
    if options:
        kinds = [_type(option) for option in options if option.get("type") != "null"]
        kind = dict(kinds[0]) if len(kinds) == 1 else {"name": " | ".join(k["ref"] or k["name"] for k in kinds)}
        kind["nullable"] = len(kinds) < len(options)
        return _filled(kind)
    types = schema.get("type", [])
    types = [types] if isinstance(types, str) else list(types)
    name = next((t for t in types if t != "null"), None)
    return _filled({"name": name, "format": schema.get("format"), "ref": _ref_name(schema),
                    "item": _type(schema["items"]) if name == "array" and "items" in schema else None,
                    "nullable": "null" in types})


def _filled(kind):
    return {"name": None, "format": None, "ref": None, "item": None, "nullable": False, **kind}


def _values(schema, labels):
    """``[(value as the API writes it, what it means or None)]`` of an enum (or of an
    array's items)."""
    enum = schema.get("enum") or (schema.get("items") or {}).get("enum") or ()
    return [(value if isinstance(value, str) else json.dumps(value), labels.get(value))
            for value in enum if value is not None]


def _limits(schema):
    """``[(words, code or None)]``: lengths, ranges, counts, a pattern and the default."""
    limits = []
    low, high = schema.get("minLength"), schema.get("maxLength")
    if low is not None and high is not None:
        limits.append((_("%(min)s to %(max)s characters", min=low, max=high), None))
    elif high is not None:
        limits.append((_("Up to %(max)s characters", max=high), None))
    elif low and low > 1:
        limits.append((_("At least %(min)s characters", min=low), None))
    low, high = schema.get("minimum"), schema.get("maximum")
    if low is not None and high is not None:
        limits.append((_("From %(min)s to %(max)s", min=low, max=high), None))
    elif low is not None:
        limits.append((_("At least %(min)s", min=low), None))
    elif high is not None:
        limits.append((_("At most %(max)s", max=high), None))
    low, high = schema.get("minItems"), schema.get("maxItems")
    if low is not None and high is not None:
        limits.append((_("%(min)s to %(max)s items", min=low, max=high), None))
    elif high is not None:
        limits.append((_("Up to %(max)s items", max=high), None))
    if schema.get("pattern"):
        limits.append((_("Pattern:"), schema["pattern"]))
    if "default" in schema:
        limits.append((_("Default:"), json.dumps(schema["default"], ensure_ascii=False)))
    return limits


# --- shared ----------------------------------------------------------------------------------

def _resolved(node, spec):
    """``node``, or what its ``$ref`` names in the document's components."""
    ref = (node or {}).get("$ref", "")
    if not ref.startswith(REF):
        return node or {}
    kind, name = ref[len(REF):].split("/", 1)
    return spec.get("components", {}).get(kind, {}).get(name, {})


def _ref_name(schema):
    ref = (schema or {}).get("$ref", "")
    return ref.rsplit("/", 1)[1] if ref.startswith(REF + "schemas/") else None


def _english(text):
    """The document's own (English) words: on the English page only."""
    return text if text and current_language() == "en" else None


def _problem_example():
    """A problem as the API answers it, in the page's language (its own words)."""
    body = {"type": "about:blank", "title": str(TITLES[422]), "status": 422, "instance": "/api/v1/cases",
            "errors": [{"field": "children.0.age", "detail": str(AGE_OR_YEAR)},
                       {"field": "responsible", "detail": str(FIELD_MESSAGES["Missing data for required field."])}]}
    return json.dumps(body, ensure_ascii=False, indent=2)


# The event as services.webhooks writes it (keys sorted), set out on lines for reading.
EVENT_EXAMPLE = json.dumps({"changed_at": "2026-12-09T06:12:44.381920+00:00", "due_on": "2027-01-08",
                            "previous_state": "in_progress", "registration_number": SAMPLE_NUMBER,
                            "state": "answered", "type": "case.state_changed"}, indent=2)
