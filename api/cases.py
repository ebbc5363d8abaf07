"""``/api/v1/cases``: a partner's system sends a case and follows it [R7], [R6.2]."""
from flask import g, url_for

from api.auth import TOKEN_ERRORS, api_blueprint, errors, partner_call
from api.schemas import CASE_NUMBER_EXAMPLE, NEW_CASE_EXAMPLE, CaseState, IdempotencyIn, NewCase
from services import api_cases

blp = api_blueprint("cases", "Cases sent by a partner's system, and what became of them.")
TOKEN = [{"bearerAuth": []}]


@blp.route("/cases", methods=["POST"])
@partner_call
@blp.doc(security=TOKEN, summary="Send a case",
         description="Creates the case exactly as the region's ombudsman would enter a case received "
                     "by another channel: registered at once, its terms and alerts started. Needs the "
                     "scope cases:create and a region of the token.")
@blp.arguments(IdempotencyIn, location="headers")
@blp.arguments(NewCase, example=NEW_CASE_EXAMPLE)
@blp.response(201, CaseState, description="The case was created.",
              headers={"Location": {"description": "The case's address", "schema": {"type": "string"}}})
@blp.alt_response(200, schema=CaseState, success=True,
                  description="A retried request: the case its Idempotency-Key created before.")
@errors(blp, 400, *TOKEN_ERRORS)
def create_case(headers, body):
    case, created = api_cases.create(g.api_token, body, headers["idempotency_key"])
    g.api_region = case.region_code
    location = {"Location": url_for("cases.read_case", registration_number=case.registration_number)}
    return api_cases.partner_view(case), 201 if created else 200, location


@blp.route("/cases/<string:registration_number>", parameters=[
    {"in": "path", "name": "registration_number", "example": CASE_NUMBER_EXAMPLE}])
@partner_call
@blp.doc(security=TOKEN, summary="Follow a case",
         description="The state, the due date and the answers meant for the reporter of a case this "
                     "token sent. Needs the scope cases:read.")
@blp.response(200, CaseState)
@errors(blp, 404, *TOKEN_ERRORS)
def read_case(registration_number):
    case = api_cases.find(g.api_token, registration_number)
    g.api_region = case.region_code
    return api_cases.partner_view(case)
