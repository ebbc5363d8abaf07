"""The partner API, ``/api/v1`` [R7]: cases sent and followed by machine, the submitted
half-year reports for national bodies [R8], and the public figures as open data [R3].

Built with flask-smorest: the routes are ordinary Flask blueprints whose marshmallow
schemas both check the requests and write the OpenAPI 3.1 document served at
``/api/v1/openapi.json``, so the contract cannot drift from the code. Chosen over APIFlask
(which replaces the app class the whole site is built on) and SpecTree (pydantic, a second
validation library beside WTForms): flask-smorest plugs into this app factory like any
extension and is kept by the marshmallow-code organization with apispec and webargs.

Its one app-wide habit is left out: it would answer every error of the site, pages
included, with its own JSON. Errors of the API are ``application/problem+json`` in the
caller's language instead (``api.problems``, ``errors.py``), and the spec says so.
"""
import http

from flask_smorest import Api
from flask_smorest.utils import prepare_response

from api.problems import PROBLEM
from api.schemas import Problem

TITLE = "Regional Commissioners for Children's Rights: partner API"
DESCRIPTION = (
    "Cases sent by the 111 line, e-Otinish operators and partner organizations, and followed "
    "by machine; the regions' submitted half-year reports for national bodies; the public "
    "figures as open data. A token is issued by the Commissioner's office; send it as "
    "`Authorization: Bearer …`. Errors are `application/problem+json` (RFC 9457) in the "
    "language of `Accept-Language` (kk, ru or en). The guide: /api/v1/docs")


class PartnerApi(Api):
    """flask-smorest's Api without its app-wide error handler, with problem+json errors."""

    ERROR_SCHEMA = Problem
    DEFAULT_ERROR_RESPONSE_NAME = None  # each operation lists its own errors

    def _register_error_handlers(self):
        """The app's handlers answer the API's errors (errors.py, api.problems)."""

    def _register_responses(self):
        for status in http.HTTPStatus:
            if status >= 400:
                response = {"description": status.phrase, "schema": Problem}
                prepare_response(response, self.spec, PROBLEM)
                self.spec.components.response(status.name, response, lazy=True)


def init_api(app):
    """Register the API and its OpenAPI document on ``app``."""
    from api import cases, docs, reports, stats

    app.json.ensure_ascii = False  # Kazakh and Russian as UTF-8 text, not \u escapes
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api/v1")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    api = PartnerApi(app, spec_kwargs={
        "title": TITLE, "version": "1.0.0", "openapi_version": "3.1.0",
        "info": {"description": DESCRIPTION},
        "servers": [{"url": "/"}],
    })
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer",
                                                      "description": "The partner's API token."})
    for module in (cases, reports, stats):
        api.register_blueprint(module.blp)
    app.register_blueprint(docs.bp)
    return api
