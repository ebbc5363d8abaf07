"""Two-factor login: TOTP codes (RFC 6238) and one-time recovery codes (PRODUCT.md, "Trust").

Required for the superadmin and the Commissioner's office, and for every staff member when the
setting ``two_factor_for_all`` is on; anyone may turn it on for themselves.

- Enrolment: a new secret is kept on the user while they scan the QR code (drawn here with
  segno, no outside service); 2FA is on once a code from their app matches. Ten recovery codes
  are then shown once.
- A code is accepted one 30-second step early or late, and never twice: the step of every
  accepted code is written in its audit row ("two_factor.login", "two_factor.enrol"), and a code
  whose step is not later than the last accepted one is refused. The check runs with the user's
  row locked, so two requests racing with the same code cannot both pass.
- Recovery codes ``xxxxx-xxxxx`` (base32, 50 random bits) are stored only as HMAC-SHA256 under
  the app's SECRET_KEY (changing the key voids them) and each works once.
- Failed codes are throttled like failed passwords (core/throttle.py), per account and per
  address.
"""
import hashlib
import hmac
import re
import secrets
import time
from datetime import timedelta

import pyotp
import segno
from flask import current_app
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import delete, func, select

from models.capabilities import roles_with
from extensions import db
from models import AuditEvent, RecoveryCode, Role, User
from models.base import utcnow
from services import audit, settings
from core.errors import DomainError, InvalidInput, PermissionDenied
from services.auth import login_throttles
from services.users import check_own_password

ISSUER = "Children's Ombudsman KZ"
STEP_SECONDS = 30
VALID_WINDOW = 1  # steps accepted early or late: phones' clocks drift
DIGITS = 6
RECOVERY_CODE_COUNT = 10
RECOVERY_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"  # base32, lower case
REQUIRED_ROLES = roles_with("two_factor_required")
# Audit actions whose row holds the time step of an accepted code.
STEP_ACTIONS = ("two_factor.login", "two_factor.enrol")
# Accepted steps older than this can no longer match a new code (the window is ±1 step).
STEP_MEMORY = timedelta(minutes=10)
_TOTP_FORMAT = re.compile(rf"\d{{{DIGITS}}}")


class TwoFactorFailed(DomainError):
    pass


class TwoFactorThrottled(DomainError):
    pass


def is_enabled(user):
    return bool(user.totp_secret and user.totp_enabled_at)


def required_for(user):
    """The superadmin and the Commissioner's office always; everyone when the setting says so."""
    return user.role in REQUIRED_ROLES or bool(settings.get("two_factor_for_all"))


# --- enrolment -----------------------------------------------------------------------------------

def begin_enrolment(user):
    """The secret to show while the user enrols: the one already pending, or a new one."""
    if is_enabled(user):
        raise InvalidInput(_l("Two-factor login is already on."))
    if not user.totp_secret:
        user.totp_secret = pyotp.random_base32()  # 160 bits, as RFC 4226 recommends
        db.session.flush()
    return user.totp_secret


def provisioning_uri(user):
    """The ``otpauth://`` address an authenticator app reads from the QR code."""
    return pyotp.TOTP(user.totp_secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(
        name=user.email, issuer_name=ISSUER)


def qr_code_svg(user, title=""):
    """The QR code of the provisioning address as inline SVG (no script, no outside service)."""
    svg = segno.make(provisioning_uri(user), error="m").svg_inline(
        scale=5, border=4, dark="#000", light="#fff", title=str(title) or None, svgclass="qr-code")
    return Markup(svg)


def confirm_enrolment(user, code):
    """Turn two-factor login on once a code from the app matches; return the ten recovery
    codes, to be shown once. A wrong code is audited too: the caller commits in both cases."""
    if is_enabled(user):
        raise InvalidInput(_l("Two-factor login is already on."))
    if not user.totp_secret:
        raise InvalidInput(_l("Start the set-up again: open the two-factor login page."))
    _lock(user)
    step = _matching_step(user.totp_secret, code)
    if step is None:
        audit.record("two_factor.failed", actor=user, obj=user, stage="enrolment")
        raise TwoFactorFailed(_l("That code does not match. Check that the time on your phone is "
                                 "right and type the code the app shows now."))
    user.totp_enabled_at = utcnow()
    codes = _replace_recovery_codes(user)
    audit.record("two_factor.enrol", actor=user, obj=user, step=step)
    db.session.flush()
    return codes


def new_recovery_codes(user, password):
    """Ten fresh recovery codes in place of the old ones, after the password is checked."""
    if not is_enabled(user):
        raise InvalidInput(_l("Two-factor login is off."))
    check_own_password(user, password)
    codes = _replace_recovery_codes(user)
    audit.record("two_factor.recovery_codes_renewed", actor=user, obj=user)
    db.session.flush()
    return codes


def turn_off(user, password):
    """The user turns two-factor login off, when it is not required of them."""
    if required_for(user):
        raise PermissionDenied(_l("Two-factor login is required for your account."))
    check_own_password(user, password)
    _clear(user)
    audit.record("two_factor.disable", actor=user, obj=user)
    db.session.flush()


def reset(user, actor):
    """A superadmin removes another user's second factor (a lost phone and lost codes); the
    user's sessions end, and they enrol again at their next login if it is required."""
    if actor.role != Role.SUPERADMIN.value:
        raise PermissionDenied(_l("Only a superadmin may reset two-factor login."))
    had_it = bool(user.totp_secret or user.totp_enabled_at)
    _clear(user)
    user.session_version += 1
    audit.record("two_factor.reset", actor=actor, obj=user, was_enabled=had_it)
    db.session.flush()


def _clear(user):
    user.totp_secret = None
    user.totp_enabled_at = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.expire(user, ["recovery_codes"])


# --- login -----------------------------------------------------------------------------------------

def verify_login(user, code, address):
    """Check the second step of a login: a code from the app, or an unused recovery code.

    Returns ``"totp"`` or ``"recovery_code"``; raises a translated error otherwise. Success
    and failure are both audited: the caller commits in both cases.
    """
    throttles = login_throttles("two-factor")
    account_key = str(user.id)
    minutes = throttles.wait(account_key, address)
    if minutes is not None:
        raise TwoFactorThrottled(_l("Too many wrong codes. Try again in %(minutes)s minutes.", minutes=minutes))
    if not is_enabled(user):
        raise InvalidInput(_l("Two-factor login is off for this account."))
    _lock(user)
    text = _normalize(code)
    reason = "wrong"
    if _TOTP_FORMAT.fullmatch(text):
        step = _matching_step(user.totp_secret, text)
        if step is not None and step > _last_accepted_step(user):
            audit.record("two_factor.login", actor=user, obj=user, method="totp", step=step)
            return "totp"
        if step is not None:
            reason = "reused"
    else:
        row = db.session.scalar(select(RecoveryCode).where(
            RecoveryCode.user_id == user.id, RecoveryCode.code_hash == recovery_code_hash(text),
            RecoveryCode.used_at.is_(None)).with_for_update())
        if row is not None:
            row.used_at = utcnow()
            db.session.flush()
            audit.record("two_factor.recovery_code_used", actor=user, obj=user,
                         remaining=recovery_codes_left(user))
            audit.record("two_factor.login", actor=user, obj=user, method="recovery_code")
            return "recovery_code"
    throttles.count(account_key, address)
    audit.record("two_factor.failed", actor=user, obj=user, stage="login", reason=reason)
    if reason == "reused":
        raise TwoFactorFailed(_l("This code has already been used. Wait for the next code in your app."))
    raise TwoFactorFailed(_l("Wrong code."))


def recovery_codes_left(user):
    return db.session.scalar(select(func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)))


# --- codes -----------------------------------------------------------------------------------------

def _normalize(code):
    return re.sub(r"[\s-]", "", code or "").lower()


def current_step(now=None):
    return int((time.time() if now is None else now) // STEP_SECONDS)


def _matching_step(secret, code, now=None):
    """The time step (within the window) whose code equals ``code``, or None."""
    text = _normalize(code)
    if not _TOTP_FORMAT.fullmatch(text):
        return None
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
    here = current_step(now)
    match = None
    for step in range(here - VALID_WINDOW, here + VALID_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), text):
            match = step  # no early exit: the same work whichever step matches
    return match


def _last_accepted_step(user):
    """The time step of the last code accepted for this user, from the audit log; -1 if none."""
    value = db.session.scalar(
        select(func.max(AuditEvent.data["step"].as_integer())).where(
            AuditEvent.actor_id == user.id, AuditEvent.action.in_(STEP_ACTIONS),
            AuditEvent.at >= func.now() - STEP_MEMORY, AuditEvent.data.has_key("step")))
    return -1 if value is None else value


def _lock(user):
    """Serialize code checks of one user (their row), until the request commits."""
    db.session.execute(select(User.id).where(User.id == user.id).with_for_update())


def _new_recovery_code():
    raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


def recovery_code_hash(code):
    """HMAC-SHA256 of the normalized code under the app's secret key, as 64 hex digits."""
    key = current_app.secret_key.encode() if isinstance(current_app.secret_key, str) \
        else current_app.secret_key
    return hmac.new(key, b"recovery-code:" + _normalize(code).encode(), hashlib.sha256).hexdigest()


def _replace_recovery_codes(user):
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=recovery_code_hash(code)) for code in codes)
    db.session.expire(user, ["recovery_codes"])
    db.session.flush()
    return codes
