"""Staff accounts: creating, enabling and disabling them, their passwords.

Every session of a user ends (``session_version`` moves on) when their password is changed or
reset, their role, region or e-mail changes, or the account is disabled.
"""
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, inspect, select

from extensions import db
from models import Region, Role, User
from services import audit
from core.errors import DomainError, InvalidInput
from core.passwords import hash_password, verify_password
from core.throttle import Throttle

# A change to any of these ends every session of the user.
ACCESS_FIELDS = ("role", "region_code", "region", "email", "is_enabled")


class PasswordCheckThrottled(DomainError):
    pass


def find_by_email(email):
    """The user with this e-mail, compared case-insensitively, or None."""
    if "\x00" in (email or ""):
        return None  # no e-mail holds a NUL, and Postgres refuses one in a query
    return db.session.scalar(select(User).where(func.lower(User.email) == (email or "").strip().lower()))


def create_user(email, role, password=None, region_code=None, name="", actor=None):
    """Create a staff user; regional roles need a region, national roles must have none."""
    email = (email or "").strip()
    if "@" not in email:
        raise InvalidInput(_l("Enter a valid e-mail address."))
    try:
        role = Role(role)
    except ValueError:
        raise InvalidInput(_l("Unknown role: %(role)s", role=role)) from None
    if role.is_regional and not region_code:
        raise InvalidInput(_l("This role needs a region."))
    if not role.is_regional:
        region_code = None
    if region_code and db.session.get(Region, region_code) is None:
        raise InvalidInput(_l("Unknown region code: %(code)s", code=region_code))
    if find_by_email(email) is not None:
        raise InvalidInput(_l("A user with this e-mail already exists."))
    user = User(email=email, role=role.value, region_code=region_code, name=name or "",
                password_hash=hash_password(password) if password else None)
    db.session.add(user)
    db.session.flush()
    audit.record("user.create", actor=actor, obj=user, role=role.value)
    return user


def set_password(user, password, actor=None):
    """Set a new password and end the user's other sessions."""
    user.password_hash = hash_password(password)
    user.session_version += 1
    audit.record("user.password", actor=actor, obj=user)
    db.session.flush()


def set_enabled(user, enabled, actor=None):
    """Enable or disable an account; disabling ends its sessions at the next request."""
    if user.is_enabled == enabled:
        return
    user.is_enabled = enabled
    user.session_version += 1
    audit.record("user.enable" if enabled else "user.disable", actor=actor, obj=user)
    db.session.flush()


def check_own_password(user, password):
    """The user proves it is them (before changing their password or second factor).

    Wrong passwords are throttled like failed logins and audited: the caller commits either way.
    """
    cfg = current_app.config
    throttle = Throttle("password-check", cfg["LOGIN_MAX_FAILURES_PER_ACCOUNT"],
                        cfg["LOGIN_FAILURE_WINDOW_MINUTES"])
    key = str(user.id)
    if not throttle.allows(key):
        raise PasswordCheckThrottled(_l("Too many failed attempts. Try again in %(minutes)s minutes.",
                                        minutes=throttle.minutes_until_allowed(key)))
    if not verify_password(user.password_hash, password):
        throttle.count(key)
        audit.record("user.password_check_failed", actor=user, obj=user)
        raise InvalidInput(_l("The current password is not right."))


def change_own_password(user, old_password, new_password):
    """The user changes their password, giving the current one; their sessions end (the caller
    renews the one they are using)."""
    check_own_password(user, old_password)
    if verify_password(user.password_hash, new_password):
        raise InvalidInput(_l("The new password must differ from the current one."))
    set_password(user, new_password, actor=user)


def end_sessions_if_access_changed(user):
    """After an edit of the account (the users screen): a new role, region, e-mail or status
    ends every session of the user. Returns the names of the fields that changed."""
    state = inspect(user)
    changed = [name for name in ACCESS_FIELDS if state.attrs[name].history.has_changes()]
    if changed and state.persistent:
        user.session_version = (user.session_version or 1) + 1
    return changed
