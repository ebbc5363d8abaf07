"""Settings → API tokens: the partner API's tokens [R7] (issue 21, item 1).

The superadmin and the Commissioner's office (capability ``api_tokens``) list the tokens,
issue one to an organization of the directory and revoke one; nobody else sees the screen
(no menu entry, 403). The rules and the audit rows are in ``services.api_tokens``.

A new token's secret (and its webhook's signing secret) is on the answer to the issuing
POST only, sent with ``Cache-Control: no-store``: never in a flash message, a URL, a log or
the audit log, and the database keeps only its SHA-256.
"""
from datetime import timedelta

from flask import abort, flash, make_response, redirect, request
from flask_admin import expose
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from admin.base import StaffView
from extensions import db
from forms.api_tokens import IssueTokenForm, organization_text
from models import ApiToken, Region
from models.api_token import SCOPES
from models.base import utcnow
from models.capabilities import roles_with
from request_input import id_from
from services import api_tokens
from services.deadlines import KZ_TZ
from use_case import use_case

STATES = {"active": _l("Active"), "expired": _l("Expired"), "revoked": _l("Revoked")}
STATE_BADGES = {"active": "success", "expired": "secondary", "revoked": "danger"}


def state_of(token, now=None):
    """``revoked``, ``expired`` or ``active``."""
    if token.revoked_at is not None:
        return "revoked"
    return "expired" if token.expires_at <= (now or utcnow()) else "active"


def valid_until(token):
    """The last day the token opens anything (it ends at midnight after it, Almaty time)."""
    return (token.expires_at.astimezone(KZ_TZ) - timedelta(microseconds=1)).date()


class ApiTokenView(StaffView):
    roles = roles_with("api_tokens")
    edit_roles = roles_with("api_tokens")
    # The audit log names the token's fields by these labels (admin.audit reads a view's
    # ``model`` and ``column_labels``).
    model = ApiToken
    column_labels = {"label": _l("Label"), "organization_id": _l("Organization"), "prefix": _l("Token begins with"),
                     "scopes": _l("Permissions"), "region_codes": _l("Regions"), "expires_at": _l("Expires"),
                     "rate_limit_per_minute": _l("Calls per minute"), "webhook_url": _l("Webhook address"),
                     "revoked_at": _l("Revoked"), "last_used_at": _l("Last used")}

    def _rows(self):
        tokens = db.session.scalars(select(ApiToken).options(joinedload(ApiToken.organization))
                                    .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())).unique().all()
        region_names = {region.code: region.official_name() for region in db.session.scalars(select(Region))}
        now = utcnow()
        rows = []
        for token in tokens:
            codes = token.region_codes or []
            rows.append({
                "token": token, "state": state_of(token, now),
                "organization": organization_text(token.organization),
                "scopes": [SCOPES.get(scope, scope) for scope in token.scopes or []],
                "regions": ([_("All %(count)s regions", count=len(region_names))]
                            if region_names and set(codes) >= set(region_names)
                            else [region_names.get(code, code) for code in codes]),
                "valid_until": format_date(valid_until(token), "medium"),
            })
        return rows

    @expose("/")
    def index(self):
        return self.render("admin/api_tokens.html", rows=self._rows(), states=STATES, badges=STATE_BADGES)

    @expose("/new/", methods=("GET", "POST"))
    def create_view(self):
        form = IssueTokenForm()
        refusal = None
        if form.validate_on_submit():
            with use_case(flashed=False) as outcome:
                api_tokens.claim_form(form.once.data)
                token, secret, webhook_secret = api_tokens.issue(
                    current_user, form.chosen_organization(), form.label.data, form.scopes.data,
                    form.region_codes.data, form.expires_on.data, rate_limit=form.rate_limit.data,
                    webhook_url=form.webhook_url.data)
            if outcome:
                return self._secret_page(token, secret, webhook_secret)
            refusal = self._show_refusal(form, outcome.error)
        return self.render("admin/api_token_new.html", form=form, refusal=refusal)

    @staticmethod
    def _show_refusal(form, error):
        """The service's refusal by the field it names (its error summary links there), or,
        for one about the whole form, above it; returns the latter."""
        field = getattr(form, getattr(error, "field", "") or "", None)
        if field is None:
            return str(error)
        field.errors = [*field.errors, str(error)]
        return None

    def _secret_page(self, token, secret, webhook_secret):
        response = make_response(self.render("admin/api_token_secret.html", token=token, secret=secret,
                                             webhook_secret=webhook_secret,
                                             organization=organization_text(token.organization),
                                             valid_until=format_date(valid_until(token), "medium")))
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
        return response

    @expose("/revoke/", methods=("POST",))
    def revoke_view(self):
        token_id = id_from(request.form.get("id", ""))
        token = db.session.get(ApiToken, token_id) if token_id is not None else None
        if token is None:
            abort(404)
        with use_case() as outcome:
            api_tokens.revoke(current_user, token)
        if outcome:
            flash(_("Revoked: the token “%(label)s” opens nothing from now on.", label=token.label), "success")
        return redirect(self.get_url(".index"))
