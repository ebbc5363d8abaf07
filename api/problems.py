"""Errors of the partner API as ``application/problem+json`` (RFC 9457), in the caller's
language (``Accept-Language``: kk, ru or en) with the site's own words.

A problem says what went wrong (``title``, the site's words for the status), this time
(``detail``), and for a request that broke the contract, which field and why (``errors``).
The contract's checks (marshmallow) speak English; each of their messages is given in the
reader's language here, and one not known is given as "this value is not valid".
"""
from flask import jsonify, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from api.schemas import MESSAGES
from core.errors import DomainError, NotFound, PermissionDenied
from extensions import db
from services import api_cases, api_tokens

PROBLEM = "application/problem+json"

# marshmallow's and webargs' messages → the reader's words.
FIELD_MESSAGES = {
    "Missing data for required field.": _l("This field is required."),
    "Field may not be null.": _l("This field may not be empty."),
    "Unknown field.": _l("This field is not part of the request."),
    "Not a valid string.": _l("Write text here."),
    "Not a valid integer.": _l("Write a whole number here."),
    "Not a valid boolean.": _l("Write true or false here."),
    "Not a valid list.": _l("Send a list here."),
    "Not a valid mapping type.": _l("Send an object here."),
    "Not a valid datetime.": _l("Write a date and time in ISO 8601 with the time zone, e.g. 2026-12-07T10:30:00+05:00."),
    "Not a valid aware datetime.": _l("Write a date and time in ISO 8601 with the time zone, e.g. 2026-12-07T10:30:00+05:00."),
    "Not a valid email address.": _l("Write a valid e-mail address."),
    "Invalid input type.": _l("Send an object here."),
    "Invalid value.": _l("This value is not valid."),
}


# The site's words for a status (errors.MESSAGES), and these where the site has none.
TITLES = {
    401: _l("An API token is needed."),
    409: _l("The request conflicts with an earlier one."),
    415: _l("Send the request's body as JSON."),
    422: _l("The request cannot be processed. The details say why."),
}
# A refusal of a rule (core.errors, services) → its status.
STATUSES = ((api_tokens.NotAuthenticated, 401), (api_tokens.RateLimited, 429), (PermissionDenied, 403),
            (NotFound, 404), (api_cases.KeyReused, 422), (DomainError, 422))


def problem(status, title, detail=None, errors=None, headers=None):
    """A problem+json response."""
    body = {"type": "about:blank", "title": str(title), "status": status, "instance": request.path}
    if detail:
        body["detail"] = str(detail)
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM
    response.headers.update(headers or {})
    return response


def status_problem(status, detail=None, errors=None, headers=None):
    """The problem of ``status`` titled with the site's words for it."""
    from errors import MESSAGES

    title = TITLES.get(status) or MESSAGES.get(status, MESSAGES[500])()
    return problem(status, title, detail, errors, headers)


def domain_problem(error):
    """A rule's refusal, in the caller's language; nothing of the refused call is kept."""
    db.session.rollback()
    status = next(code for kind, code in STATUSES if isinstance(error, kind))
    headers = {}
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    if status == 429:
        headers["Retry-After"] = str(error.retry_after)
    return status_problem(status, str(error), headers=headers)


def http_problem(error):
    """An HTTP error raised in a view (webargs' 422 with the fields that broke the contract)."""
    messages = (getattr(error, "data", None) or {}).get("messages")
    errors = field_errors(messages) if messages else None
    return status_problem(error.code or 500, errors=errors)


def field_errors(messages, path=""):
    """webargs' nested ``{"json": {"children": {"0": {"age": ["…"]}}}}`` as a flat list of
    ``{"field": "children.0.age", "detail": "…"}`` in the reader's language."""
    if isinstance(messages, dict):
        return [error for key, value in messages.items()
                for error in field_errors(value, _joined(path, key))]
    if isinstance(messages, (list, tuple)):
        if all(isinstance(message, str) for message in messages):
            return [{"field": path, "detail": _reader_words(message)} for message in messages]
        return [error for message in messages for error in field_errors(message, path)]
    return [{"field": path, "detail": _reader_words(str(messages))}]


def _joined(path, key):
    if key in ("json", "headers", "query", "querystring", "view_args") and not path:
        return ""
    return f"{path}.{key}" if path else str(key)


def _reader_words(message):
    """A contract message in the reader's language. Our own validators already speak it
    (their messages are translated strings); marshmallow's built-in ones are looked up."""
    if message in FIELD_MESSAGES:
        return str(FIELD_MESSAGES[message])
    if message in {str(own) for own in MESSAGES}:
        return message
    return _("This value is not valid.")
