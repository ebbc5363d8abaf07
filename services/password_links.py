"""One-time links to set a password, e-mailed to new staff (valid 48 hours by default).

The token is signed (itsdangerous) and bound to the user's session version, which
changes when the password is set: so a link works once, and never after a newer one
was used or the account was disabled.
"""
from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from extensions import db
from models import User
from services.errors import InvalidInput

SALT = "set-password"


def _serializer():
    return URLSafeTimedSerializer(current_app.secret_key, salt=SALT)


def make_token(user):
    return _serializer().dumps({"user": user.id, "version": user.session_version})


def set_password_url(user):
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    return f"{base}/password/set/{make_token(user)}"


def user_for_token(token):
    """The enabled user a valid, unused, unexpired token belongs to; else InvalidInput."""
    max_age = current_app.config["SET_PASSWORD_LINK_HOURS"] * 3600
    try:
        payload = _serializer().loads(token, max_age=max_age)
    except SignatureExpired:
        raise InvalidInput(_l("This link has expired. Ask your administrator for a new one.")) from None
    except BadSignature:
        raise InvalidInput(_l("This link is not valid.")) from None
    user = db.session.get(User, payload.get("user"))
    if user is None or not user.is_enabled or user.session_version != payload.get("version"):
        raise InvalidInput(_l("This link has already been used or is no longer valid."))
    return user
