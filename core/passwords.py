"""Password hashing with argon2id (argon2-cffi: the reference implementation's binding).

Cost parameters come from settings (RFC 9106's low-memory profile by default); the
test configuration lowers them so that a test run does not spend minutes hashing.
"""
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import lazy_gettext as _l

from core.errors import InvalidInput

MIN_LENGTH = 12


@lru_cache(maxsize=4)
def _hasher_for(time_cost, memory_kib):
    hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)
    # Verifying against this keeps the time of an unknown e-mail equal to a wrong password.
    return hasher, hasher.hash("not-a-real-password-at-all")


def _hasher():
    cfg = current_app.config
    return _hasher_for(cfg["ARGON2_TIME_COST"], cfg["ARGON2_MEMORY_KIB"])


def check_strength(password):
    if len(password or "") < MIN_LENGTH:
        raise InvalidInput(_l("The password must be at least %(n)s characters long.", n=MIN_LENGTH))


def hash_password(password):
    check_strength(password)
    return _hasher()[0].hash(password)


def verify_password(password_hash, password):
    """True when ``password`` matches; the same work even when there is no hash."""
    hasher, dummy = _hasher()
    try:
        return hasher.verify(password_hash or dummy, password or "") and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False
