"""Staff accounts: creating, enabling and disabling them."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from extensions import db
from models import Region, Role, User
from services import audit
from services.errors import InvalidInput
from services.passwords import hash_password


def find_by_email(email):
    """The user with this e-mail, compared case-insensitively, or None."""
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
