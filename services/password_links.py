"""One-time links to set a password: e-mailed to new staff (valid 48 hours by default), and
to staff who forgot theirs (``request_reset``, valid two hours).

The token is signed (itsdangerous) and bound to the user's session version, which
changes when the password is set: so a link works once, and never after a newer one
was used, the account was disabled or its role or region changed.
"""
import time

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeTimedSerializer

from extensions import db
from models import User
from services import audit, notifications
from services.errors import DomainError, InvalidInput
from services.mailtext import N_, bilingual, bilingual_subject
from services.throttle import Throttle
from services.users import find_by_email

SALT = "set-password"
RESET = "reset"
RESET_LINK_HOURS = 2
# Requests of a reset link, counted in the login throttling window: one address may ask this
# many times, and this many links at most are sent to one account.
RESET_REQUESTS_PER_ADDRESS = 10
RESET_LINKS_PER_ACCOUNT = 3


class ResetThrottled(DomainError):
    pass


def _serializer():
    return URLSafeTimedSerializer(current_app.secret_key, salt=SALT)


def make_token(user, purpose=None):
    payload = {"user": user.id, "version": user.session_version}
    if purpose:
        payload["purpose"] = purpose
    return _serializer().dumps(payload)


def set_password_url(user, purpose=None):
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    return f"{base}/password/set/{make_token(user, purpose)}"


def _max_age_hours(payload):
    if isinstance(payload, dict) and payload.get("purpose") == RESET:
        return RESET_LINK_HOURS
    return current_app.config["SET_PASSWORD_LINK_HOURS"]


def user_for_token(token):
    """The enabled user a valid, unused, unexpired token belongs to; else InvalidInput."""
    try:
        payload, signed_at = _serializer().loads(token, return_timestamp=True)
    except BadSignature:
        raise InvalidInput(_l("This link is not valid.")) from None
    if not isinstance(payload, dict):
        raise InvalidInput(_l("This link is not valid."))
    if time.time() - signed_at.timestamp() > _max_age_hours(payload) * 3600:
        if payload.get("purpose") == RESET:
            raise InvalidInput(_l("This link has expired. Ask for a new one."))
        raise InvalidInput(_l("This link has expired. Ask your administrator for a new one."))
    user = db.session.get(User, payload.get("user"))
    if user is None or not user.is_enabled or user.session_version != payload.get("version"):
        raise InvalidInput(_l("This link has already been used or is no longer valid."))
    return user


def _reset_throttles():
    window = current_app.config["LOGIN_FAILURE_WINDOW_MINUTES"]
    return (Throttle("password-reset-address", RESET_REQUESTS_PER_ADDRESS, window),
            Throttle("password-reset-account", RESET_LINKS_PER_ACCOUNT, window))


def request_reset(email, address):
    """Someone asked for a link to set a new password for ``email``.

    If an enabled account has this e-mail, a one-time link is queued to it; the caller answers
    the same whether or not one does. Raises ResetThrottled when this address asked too often.
    """
    by_address, by_account = _reset_throttles()
    if not by_address.allows(address):
        raise ResetThrottled(_l("Too many requests. Try again in %(minutes)s minutes.",
                                minutes=by_address.minutes_until_allowed(address)))
    by_address.count(address)
    key = (email or "").strip().lower()
    user = find_by_email(key)
    if user is None or not user.is_enabled or not by_account.allows(key):
        return None
    by_account.count(key)
    notifications.queue_email(
        [user.email],
        bilingual_subject(N_("Set a new password")),
        bilingual(N_("Someone, probably you, asked to set a new password for your account. Set it with "
                     "this link within %(hours)s hours: %(link)s\nIf it was not you, ignore this "
                     "e-mail: your password stays as it is."),
                  hours=RESET_LINK_HOURS, link=set_password_url(user, RESET)),
        topic="password_reset", obj=user)
    audit.record("user.password_reset_requested", actor=None, obj=user)
    return user
