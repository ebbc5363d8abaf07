"""The forms of the partner API's tokens (admin: Settings → API tokens) [R7].

Parsing only: the organization, the permissions, the regions, the expiry and the webhook
are checked by ``services.api_tokens.issue``, whose refusal the screen shows by the field
it names. What the form itself checks is what a browser could get wrong: a choice that
is not offered, a date or a number that is none, a missing label.
"""
import secrets
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DateField, HiddenField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import DateInput, NumberInput

from extensions import db
from forms.report import MultiCheckboxField, clean_text
from i18n import sort_key
from models import Organization, Region
from models.api_token import SCOPES
from request_input import id_from
from services.api_tokens import WEBHOOK_URL_MAX
from services.deadlines import now_local

LABEL_MAX = 100  # the column's size
RATE_LIMIT_MAX = 10_000  # calls per minute: beyond, no partner needs it and the limit means nothing
VALID_DAYS = 365  # the expiry offered: a year from today


def _id_or_none(value):
    """The organization's id as chosen, or None (the "choose" line, or not an id at all)."""
    if isinstance(value, int):
        return value
    return id_from(value) if value not in (None, "") else None


def organizations():
    """The active organizations of the directory a token may be issued to: the national
    bodies first, then each region's, by name."""
    rows = db.session.scalars(select(Organization).where(Organization.is_active.is_(True))).all()
    return sorted(rows, key=lambda org: (org.region_code is not None,
                                         sort_key(org.region.official_name()) if org.region else [],
                                         sort_key(org.localized_name())))


def regions():
    """The 20 regions, cities first, each group alphabetical (as the public site lists them)."""
    rows = db.session.scalars(select(Region)).all()
    return sorted(rows, key=lambda region: (not region.is_city, sort_key(region.official_name())))


def organization_text(organization):
    """An organization with where it acts: "Линия 111 (national body)", "НПО (Almaty)"."""
    where = organization.region.official_name() if organization.region else _l("national body")
    return f"{organization.localized_name()} ({where})"


class IssueTokenForm(FlaskForm):
    organization = SelectField(
        _l("Organization"), coerce=_id_or_none, validate_choice=False,
        description=_l("A partner organization of the directory. A national body (without a region) may act in "
                       "several regions and read the half-year reports; a region's organization acts in its "
                       "own region only."))
    label = StringField(
        _l("Label"), filters=[clean_text],
        validators=[DataRequired(message=_l("Give the token a label.")), Length(max=LABEL_MAX)],
        description=_l("What the token is for, as the list and the audit log will name it, e.g. "
                       "“111 line, call centre system”."))
    scopes = MultiCheckboxField(_l("Permissions"), choices=list(SCOPES.items()))
    region_codes = MultiCheckboxField(_l("Regions the token may act in"))
    expires_on = DateField(
        _l("Valid until"), widget=DateInput(),
        validators=[InputRequired(message=_l("Give the last day the token is valid."))],
        description=_l("The last day the token opens anything, at most two years from today."))
    rate_limit = IntegerField(
        _l("Calls per minute"), widget=NumberInput(min=1, max=RATE_LIMIT_MAX),
        validators=[Optional(), NumberRange(1, RATE_LIMIT_MAX, message=_l(
            "Enter a number from %(low)s to %(high)s.", low=1, high=RATE_LIMIT_MAX))],
        description=_l("Leave empty for the limit of the settings (the same for every token)."))
    webhook_url = StringField(
        _l("Webhook address (HTTPS)"), filters=[clean_text], validators=[Optional(), Length(max=WEBHOOK_URL_MAX)],
        description=_l("Optional: the partner's HTTPS address that hears of each change of state of the cases "
                       "it sent, in signed messages."))
    # Each form shown issues one token: a reload of the page that showed the secret does not
    # issue a second one (services.api_tokens.claim_form).
    once = HiddenField(_l("Form key"), validators=[InputRequired(), Length(max=100)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.choices = {org.id: org for org in organizations()}
        self.organization.choices = [("", _l("Choose an organization"))] + [
            (org_id, organization_text(org)) for org_id, org in self.choices.items()]
        self.region_codes.choices = [(region.code, region.official_name()) for region in regions()]
        if not self.is_submitted():
            self.expires_on.data = now_local().date() + timedelta(days=VALID_DAYS)
            self.once.data = secrets.token_urlsafe(24)

    def validate_organization(self, field):
        if field.data not in self.choices:
            raise ValidationError(_l("Choose the organization the token is for."))

    def chosen_organization(self):
        return self.choices[self.organization.data]
