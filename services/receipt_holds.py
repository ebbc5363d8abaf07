"""Keeping a new report's receipt code for the browser that sent it (issue 19, [R3]).

The code is shown on the confirmation page, reload after reload, until the reporter ticks
"I have saved it" (``forget``) or a day has passed (``HOLD_HOURS``): a Back press, a
reload or a page closed by mistake no longer loses it, and with it the only way to follow
the case.

How it is kept (models/receipt_hold.py): ``hold`` returns a random token for the session
cookie; the database keeps the token's SHA-256 and the code sealed with Fernet under a key
derived from the token (HMAC-SHA256 with a fixed label). The cookie carries no code, and
the database cannot unseal one without the cookie.
"""
import base64
import hashlib
import hmac
import secrets
from datetime import timedelta

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import delete

from extensions import db
from models import ReceiptHold
from models.base import utcnow

HOLD_HOURS = 24
_SEAL_LABEL = b"receipt-hold"


def _token_hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def _seal(token):
    key = hmac.new(token.encode(), _SEAL_LABEL, hashlib.sha256).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def hold(case, code):
    """Keep ``code`` of the new ``case`` (in the caller's transaction); return the token
    the browser's session keeps. Holds older than ``HOLD_HOURS`` are swept on the way."""
    sweep()
    token = secrets.token_urlsafe(32)
    db.session.add(ReceiptHold(token_hash=_token_hash(token), case=case,
                               sealed_code=_seal(token).encrypt(code.encode()).decode()))
    return token


def held(token):
    """(case, code) held for ``token``, or None: no token, a forged one, or one whose
    hold was forgotten or has expired."""
    found = _live(token)
    if found is None:
        return None
    try:
        code = _seal(token).decrypt(found.sealed_code.encode()).decode()
    except InvalidToken:
        return None
    return found.case, code


def forget(token):
    """"I have saved it": the code is no longer kept (in the caller's transaction)."""
    if isinstance(token, str):
        db.session.execute(delete(ReceiptHold).where(ReceiptHold.token_hash == _token_hash(token)))


def sweep():
    db.session.execute(delete(ReceiptHold).where(ReceiptHold.created_at < _oldest_kept()))


def _oldest_kept():
    return utcnow() - timedelta(hours=HOLD_HOURS)


def _live(token):
    if not isinstance(token, str) or not token:
        return None
    found = db.session.get(ReceiptHold, _token_hash(token))
    if found is None or found.created_at < _oldest_kept():
        return None
    return found
