"""Password hashing with argon2id (argon2-cffi: the reference implementation's binding)."""
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l

from services.errors import InvalidInput

MIN_LENGTH = 12
_hasher = PasswordHasher()
# Verifying against this keeps the time of an unknown e-mail equal to a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password-at-all")


def check_strength(password):
    if len(password or "") < MIN_LENGTH:
        raise InvalidInput(_l("The password must be at least %(n)s characters long.", n=MIN_LENGTH))


def hash_password(password):
    check_strength(password)
    return _hasher.hash(password)


def verify_password(password_hash, password):
    """True when ``password`` matches; constant work even when there is no hash."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password or "") and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False
