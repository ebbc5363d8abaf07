"""One-time links to set a password: e-mailed to new staff (valid 48 hours by default), and
to staff who forgot theirs (``request_reset``, valid two hours).

The token is signed (itsdangerous) and bound to the user's session version, which
changes when the password is set: so a link works once, and never after a newer one
was used, the account was disabled or its role or region changed.

A reset request is answered the same way, in the same time, whether or not the account
exists: the page only queues the request (one outbox row, whatever the e-mail), and the
outbox worker writes the link when it delivers it, or drops the request when no enabled
account has that e-mail or it had its links for now (``compose_reset``).
"""
import time

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeTimedSerializer

from extensions import db
from models import User
from services.links import public_url
from services import audit, notifications
from core.errors import DomainError, InvalidInput
from core.formats import N_, bilingual, bilingual_subject
from core.throttle import Throttle
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
    return public_url(f"/password/set/{make_token(user, purpose)}")


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
    """Someone asked for a link to set a new password for ``email``: the request is queued, the
    same work whether or not the account exists (``compose_reset`` decides at delivery).
    Raises ResetThrottled when this address asked too often."""
    (by_address, _by_account) = _reset_throttles()
    if not by_address.allows(address):
        raise ResetThrottled(_l("Too many requests. Try again in %(minutes)s minutes.",
                                minutes=by_address.minutes_until_allowed(address)))
    by_address.count(address)
    notifications.queue_email([(email or "").strip().lower()[:254] or "-"], "", "", topic=notifications.RESET_TOPIC)


def compose_reset(message):
    """At delivery, the e-mail of a queued reset request: ``(recipients, subject, body)`` with a
    one-time link, or None when no enabled account has the e-mail, or it had its links for now."""
    key = message.recipients[0]
    user = find_by_email(key)
    (_by_address, by_account) = _reset_throttles()
    if user is None or not user.is_enabled or not by_account.allows(key):
        return None
    by_account.count(key)
    audit.record("user.password_reset_requested", actor=None, obj=user)
    return ([user.email], bilingual_subject(N_("Set a new password")),
            bilingual(N_("Someone, probably you, asked to set a new password for your account. Set it with "
                         "this link within %(hours)s hours: %(link)s\nIf it was not you, ignore this "
                         "e-mail: your password stays as it is."),
                      hours=RESET_LINK_HOURS, link=set_password_url(user, RESET)))
