"""``/api/v1/reports``: the regions' submitted half-year reports, for national bodies [R8]."""
from flask import g

from api.auth import TOKEN_ERRORS, api_blueprint, errors, partner_call
from api.schemas import HalfYearReport
from services import api_tokens, reports

blp = api_blueprint("reports", "The regions' submitted half-year reports [R8], for national bodies.")


@blp.route("/reports/half-year/<string:region>/<int:year>/<int:half>", parameters=[
    {"in": "path", "name": "region", "example": "75"}, {"in": "path", "name": "year", "example": 2026},
    {"in": "path", "name": "half", "example": 1}])
@partner_call
@blp.doc(security=[{"bearerAuth": []}], summary="A region's half-year report",
         description="The figures of the newest submitted version of a region's half-year report "
                     "(half 1: January–June, 2: July–December). Needs the scope reports:read, which only "
                     "a national body's token has, and the region among the token's.")
@blp.response(200, HalfYearReport)
@errors(blp, 404, *TOKEN_ERRORS)
def half_year_report(region, year, half):
    token = g.api_token
    api_tokens.require_scope(token, "reports:read")
    api_tokens.require_region(token, region)
    g.api_region = region
    report = reports.submitted_report(region, year, half)
    return {"region": report.region_code, "year": report.year, "half": report.half, "version": report.version,
            "submitted_at": report.submitted_at, "correction_reason": report.correction_reason,
            "figures": report.figures}
