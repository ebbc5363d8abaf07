"""Staff login: password check, failed-login throttling, audit.

The same message answers an unknown e-mail, a wrong password and a disabled account,
so the form does not tell which staff e-mails exist.
"""
from flask import current_app
from flask_babel import lazy_gettext as _l

from models.base import utcnow
from services import audit
from services.errors import DomainError
from services.passwords import verify_password
from services.throttle import Throttle
from services.users import find_by_email


class LoginFailed(DomainError):
    pass


class LoginThrottled(DomainError):
    pass


def login_throttles(step="login"):
    """The failed-attempt counters of a login step (the password, or the second factor):
    per address and per account, with the same limits and window."""
    cfg = current_app.config
    window = cfg["LOGIN_FAILURE_WINDOW_MINUTES"]
    return (Throttle(f"{step}-address", cfg["LOGIN_MAX_FAILURES_PER_ADDRESS"], window),
            Throttle(f"{step}-account", cfg["LOGIN_MAX_FAILURES_PER_ACCOUNT"], window))


def authenticate(email, password, address):
    """Return the enabled user with these credentials, or raise a translated error.

    A failure is audited too: the caller commits in both cases. Success is not yet a
    login: ``logged_in`` records that, after the second factor when there is one.
    """
    key_email = (email or "").strip().lower()
    by_address, by_account = login_throttles()
    for throttle, key in ((by_address, address), (by_account, key_email)):
        if not throttle.allows(key):
            raise LoginThrottled(_l("Too many failed attempts. Try again in %(minutes)s minutes.",
                                    minutes=throttle.minutes_until_allowed(key)))
    user = find_by_email(key_email)
    password_ok = verify_password(user.password_hash if user else None, password)
    if user is None or not password_ok or not user.is_enabled:
        by_address.count(address)
        by_account.count(key_email)
        audit.record("login.failed", actor=user, email=key_email[:254])
        raise LoginFailed(_l("Wrong e-mail or password."))
    audit.record("login.password", actor=user, obj=user)
    return user


def logged_in(user):
    """The user is in (password, and second factor if any): the login is recorded."""
    user.last_login_at = utcnow()
    audit.record("login", actor=user, obj=user)
