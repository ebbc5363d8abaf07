"""Who calls: the partner's token on every call that needs one [R7].

``@partner_call`` reads ``Authorization: Bearer …``, refuses an unknown, revoked or expired
token, counts the call against the token's limit, and puts the token in ``g.api_token``.
Every call of a token is in the audit log with its label, its answer's status and region:
a call that succeeds writes it with its own work, in one transaction.
"""
from datetime import timedelta
from functools import wraps
from http import HTTPStatus

from flask import g, request
from flask_smorest import Blueprint
from werkzeug.exceptions import HTTPException

from api.problems import domain_problem, http_problem
from core.errors import DomainError
from extensions import csrf, db
from models.base import utcnow
from services import api_tokens, audit

SEEN_EVERY = timedelta(minutes=1)  # last_used_at is written at most once a minute

# What every operation that needs a token may answer besides its own (problem+json).
TOKEN_ERRORS = (401, 403, 429)


def api_blueprint(name, description):
    """A blueprint of ``/api/v1``: no CSRF (no cookie opens it: a token does), its errors
    as problems, each call of a token audited."""
    blp = Blueprint(name, __name__, url_prefix="/api/v1", description=description)
    csrf.exempt(blp)
    blp.register_error_handler(DomainError, domain_problem)
    blp.register_error_handler(HTTPException, http_problem)
    blp.after_request(record_call)
    return blp


def errors(blp, *statuses):
    """Document the problems ``statuses`` an operation answers (components of PartnerApi)."""
    def document(view):
        for status in statuses:
            view = blp.alt_response(status, response=HTTPStatus(status).name)(view)
        return view
    return document


def partner_call(view):
    """The view runs with ``g.api_token``; a refusal becomes a problem (api.problems). The
    call's audit row is written in the view's own transaction, which is committed here."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        token = api_tokens.authenticate(request.headers.get("Authorization"))
        g.api_token = token
        api_tokens.count_call(token)
        response = view(*args, **kwargs)
        _audit(token, response.status_code)
        db.session.commit()
        g.api_call_recorded = True
        response.headers["Cache-Control"] = "no-store"  # a partner's case is nobody else's to keep
        return response
    return wrapper


def record_call(response):
    """After a call of a token that did not end in its view (refused, failed): its audit
    row, in a transaction of its own (the call's own work was rolled back)."""
    token = g.get("api_token")
    if token is None or g.get("api_call_recorded"):
        return response
    db.session.rollback()
    _audit(db.session.merge(token), response.status_code)
    db.session.commit()
    return response


def _audit(token, status):
    """The call's audit row, and when the token was last used (at most once a minute)."""
    if token.last_used_at is None or utcnow() - token.last_used_at > SEEN_EVERY:
        token.last_used_at = utcnow()
    audit.record("api.call", obj=token, region_code=g.get("api_region"), token=token.label,
                 method=request.method, path=request.path, status=status)
