"""Staff login: password check, failed-login throttling, audit.

The same message answers an unknown e-mail, a wrong password and a disabled account,
so the form does not tell which staff e-mails exist.

Failed attempts are counted three ways, in one window: per address and per (account,
address) pair they block that address; per account, whatever the address, they only slow
every further attempt down. So a stranger guessing a staff member's password is stopped,
but cannot lock the staff member out of their own account from their own computer. The
second factor blocks per account too: whoever reaches it already knows the password, and
six digits must not be guessed from many addresses at once.
"""
import time
from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l

from sqlalchemy import select

from extensions import db
from models import Appointment
from models.appointment import AppointmentState
from models.base import utcnow
from services import audit
from core.errors import DomainError
from core.passwords import verify_password
from core.throttle import Throttle
from services.users import find_by_email


class LoginFailed(DomainError):
    pass


class AccountClosed(DomainError):
    """The password is right, but the account is disabled (or its ombudsman dismissed)."""


class LoginThrottled(DomainError):
    pass


@dataclass
class LoginThrottles:
    """The failed-attempt counters of a login step (the password, or the second factor)."""

    address: Throttle
    pair: Throttle      # an account tried from one address
    account: Throttle   # the account from anywhere
    account_blocks: bool = False  # else it slows down

    def wait(self, account, address):
        """Minutes this address must wait before trying ``account`` again, or None; when the
        account as a whole failed too often, the attempt is slowed down (or blocked)."""
        blocking = [(self.address, address), (self.pair, _pair(account, address))]
        if self.account_blocks:
            blocking.append((self.account, account))
        for throttle, key in blocking:
            if not throttle.allows(key):
                return throttle.minutes_until_allowed(key)
        if not self.account.allows(account):
            time.sleep(current_app.config["LOGIN_SLOWDOWN_SECONDS"])
        return None

    def count(self, account, address):
        self.address.count(address)
        self.pair.count(_pair(account, address))
        self.account.count(account)


def _pair(account, address):
    return f"{account}|{address}"


def login_throttles(step="login"):
    """The counters of a login step, with the limits and the window of the settings."""
    cfg = current_app.config
    window, per_account = cfg["LOGIN_FAILURE_WINDOW_MINUTES"], cfg["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    return LoginThrottles(Throttle(f"{step}-address", cfg["LOGIN_MAX_FAILURES_PER_ADDRESS"], window),
                          Throttle(f"{step}-account-address", per_account, window),
                          Throttle(f"{step}-account", per_account, window), account_blocks=step == "two-factor")


def authenticate(email, password, address):
    """Return the enabled user with these credentials, or raise a translated error.

    A failure is audited too: the caller commits in both cases. Success is not yet a
    login: ``logged_in`` records that, after the second factor when there is one.
    """
    key_email = (email or "").strip().lower()
    throttles = login_throttles()
    minutes = throttles.wait(key_email, address)
    if minutes is not None:
        raise LoginThrottled(_l("Too many failed attempts. Try again in %(minutes)s minutes.", minutes=minutes))
    user = find_by_email(key_email)
    password_ok = verify_password(user.password_hash if user else None, password)
    if user is None or not password_ok:
        throttles.count(key_email, address)
        audit.record("login.failed", actor=user, email=key_email[:254])
        raise LoginFailed(_l("Wrong e-mail or password."))
    if not user.is_enabled:
        # Told only to whoever knows the password: a stranger learns nothing more.
        audit.record("login.disabled", actor=user, obj=user)
        raise AccountClosed(_closed_reason(user))
    audit.record("login.password", actor=user, obj=user)
    return user


def _closed_reason(user):
    """Why a disabled account cannot log in: a dismissed ombudsman [R4] is told so."""
    dismissed = db.session.scalar(select(Appointment.id).where(
        Appointment.user_id == user.id, Appointment.state == AppointmentState.DISMISSED))
    if dismissed is not None:
        return _l("Your access has ended: you were dismissed as the regional children's ombudsman "
                  "by the akim's order. If this is a mistake, contact the akimat.")
    return _l("Your account is disabled. Ask the administrator who manages your account.")


def logged_in(user):
    """The user is in (password, and second factor if any): the login is recorded."""
    user.last_login_at = utcnow()
    audit.record("login", actor=user, obj=user)
