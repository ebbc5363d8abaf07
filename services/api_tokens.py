"""Partner API tokens [R7]: issued, checked on every call, revoked.

The superadmin and the Commissioner's office issue a token to an organization of the
directory: a regional partner acts in its own region only; a national body (an
organization without a region: the 111 line, the Committee) in the regions chosen, and
only a national body may read the regions' submitted half-year reports [R8]. The secret
is shown once; the database keeps its SHA-256. A revoked or expired token opens nothing
from that moment, and each token has its own limit of calls per minute.
"""
import hashlib
import re
import secrets
from datetime import datetime, time, timedelta
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core import webhooks
from core.errors import DomainError, InvalidInput, PermissionDenied
from core.throttle import Throttle
from extensions import db
from models import ApiToken, Region
from models.api_token import SCOPES
from models.base import utcnow
from models.capabilities import roles_with
from services import audit, intake, settings
from services.deadlines import KZ_TZ

PREFIX = "kzo_"
MAX_DAYS = 2 * 366  # a token lives two years at most, then a new one is issued
WEBHOOK_URL_MAX = 500  # the column's size
# Blanks and control characters have no place in an address (a header could be forged with them).
_NOT_IN_URL = re.compile(r"[\s\x00-\x1f\x7f]")


class NotAuthenticated(DomainError):
    """No token, or one that opens nothing (unknown, revoked, expired)."""


class RateLimited(DomainError):
    """The token made its calls for this minute; ``retry_after`` seconds to wait."""

    def __init__(self, message, retry_after):
        super().__init__(message)
        self.retry_after = retry_after


def digest(secret):
    return hashlib.sha256(secret.encode()).hexdigest()


def is_national(organization):
    return organization.region_code is None


def _refused(field, message):
    """InvalidInput naming the input it refuses (``error.field``), for a form to show it by
    that field: scopes, region_codes, expires_on or webhook_url, as ``issue`` names them."""
    error = InvalidInput(message)
    error.field = field
    return error


def issue(actor, organization, label, scopes, region_codes, expires_on, rate_limit=None, webhook_url=None):
    """A new token for ``organization``: (ApiToken, secret, webhook secret or None).

    The secret is not kept: the caller shows it once. Flushes; the caller commits."""
    if actor is None or actor.role not in roles_with("api_tokens"):
        raise PermissionDenied(_l("Only the superadmin and the Commissioner's office issue API tokens."))
    scopes, region_codes = _checked_scopes(organization, scopes), _checked_regions(organization, region_codes)
    webhook_url = checked_webhook_url(webhook_url)
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(label=label.strip(), organization=organization, token_hash=digest(secret),
                     prefix=secret[:len(PREFIX) + 4], scopes=scopes, region_codes=region_codes,
                     expires_at=_expiry(expires_on), rate_limit_per_minute=rate_limit or None,
                     webhook_url=webhook_url or None, created_by_id=actor.id)
    if webhook_url:
        token.webhook_secret = webhooks.new_secret(secrets.token_bytes(32))
    db.session.add(token)
    db.session.flush()
    audit.record("api_token.issue", actor=actor, obj=token, label=token.label, organization=organization.id,
                 scopes=scopes, regions=region_codes, expires_at=token.expires_at)
    return token, secret, token.webhook_secret


def _checked_scopes(organization, scopes):
    scopes = sorted(set(scopes or ()))
    if not scopes or not set(scopes) <= set(SCOPES):
        raise _refused("scopes", _l("Choose at least one permission."))
    if "reports:read" in scopes and not is_national(organization):
        raise _refused("scopes", _l("Only a national body may read the regions' half-year reports."))
    return scopes


def _checked_regions(organization, region_codes):
    region_codes = sorted(set(region_codes or ()))
    known = set(db.session.scalars(select(Region.code)))
    if not region_codes or not set(region_codes) <= known:
        raise _refused("region_codes", _l("Choose the regions the token may act in."))
    if not is_national(organization) and region_codes != [organization.region_code]:
        raise _refused("region_codes", _l("A regional organization's token acts in its own region only."))
    return region_codes


def _expiry(expires_on):
    """The end of ``expires_on`` in Almaty: not in the past, at most two years away."""
    today = datetime.now(KZ_TZ).date()
    if expires_on is None or expires_on < today or expires_on > today + timedelta(days=MAX_DAYS):
        raise _refused("expires_on", _l("The token expires on a day from today to two years from now."))
    return datetime.combine(expires_on + timedelta(days=1), time(0), tzinfo=KZ_TZ)


def checked_webhook_url(url):
    """The webhook's address, or None when none is given: a well-formed ``https://`` URL with
    a host, without a user name or password in it (they would be kept and shown as text)."""
    url = (url or "").strip()
    if not url:
        return None
    try:
        parts = urlsplit(url)
        well_formed = (parts.scheme == "https" and bool(parts.hostname) and parts.port != 0
                       and parts.username is None and parts.password is None)
    except ValueError:  # a port that is no number, a broken IPv6 address
        well_formed = False
    if not well_formed or _NOT_IN_URL.search(url) or len(url) > WEBHOOK_URL_MAX:
        raise _refused("webhook_url", _l("Give the webhook's address as a full HTTPS URL, e.g. "
                                         "https://partner.kz/ombudsman/events, or leave it empty."))
    return url


def claim_form(key):
    """A form shown once issues one token: ``key`` (the form's random key) is kept as a hash in
    the issuing transaction, and a second post of that form (a reload of the page showing the
    secret) is refused. Used keys go with the public form's (services.intake.forget_used_tokens)."""
    if not intake.claim_once(f"api-token:{key}"):
        raise InvalidInput(_l("This form was already sent: its token is issued and its secret was shown once. "
                              "If the secret was not copied, revoke that token and issue a new one."))


def revoke(actor, token):
    """The token opens nothing from now on (the next call is refused)."""
    if actor is None or actor.role not in roles_with("api_tokens"):
        raise PermissionDenied(_l("Only the superadmin and the Commissioner's office revoke API tokens."))
    if token.revoked_at is not None:
        raise InvalidInput(_l("This token is already revoked."))
    token.revoked_at, token.revoked_by_id = utcnow(), actor.id
    audit.record("api_token.revoke", actor=actor, obj=token, label=token.label)


def authenticate(header):
    """The live token of an ``Authorization: Bearer …`` header; NotAuthenticated otherwise."""
    scheme, _, secret = (header or "").partition(" ")
    secret = secret.strip()
    if scheme.lower() != "bearer" or not secret.startswith(PREFIX):
        raise NotAuthenticated(_l("Send your API token in the Authorization header: Bearer and the token."))
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(secret)))
    if token is None or token.revoked_at is not None or not token.organization.is_active:
        # An organization taken out of the directory takes its tokens with it.
        raise NotAuthenticated(_l("This API token is not valid or has been revoked."))
    if token.expires_at <= utcnow():
        raise NotAuthenticated(_l("This API token has expired. Ask the Commissioner's office for a new one."))
    return token


def count_call(token):
    """Count a call against the token's limit per minute; RateLimited past it."""
    limit = token.rate_limit_per_minute or max(1, settings.get("api_requests_per_minute"))
    throttle = Throttle("api-token", limit, 1)
    key = str(token.id)
    if not throttle.take(key):
        raise RateLimited(_l("Too many calls with this token. Please wait a minute and try again."),
                          retry_after=60 * throttle.minutes_until_allowed(key))


def require_scope(token, scope):
    if scope not in token.scopes:
        raise PermissionDenied(_l("This API token may not do this."))


def require_region(token, region_code):
    """The token acts in its regions only [R7]: elsewhere it is refused as it would be for a
    region that does not exist."""
    if region_code not in token.region_codes:
        raise PermissionDenied(_l("This API token may not act in this region."))
