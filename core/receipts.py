"""Receipt codes: how a reporter follows a case without an account [R3].

16 random digits, shown once in groups of four; only a keyed hash (HMAC-SHA256 with
``RECEIPT_KEY``, else ``SECRET_KEY``) is stored, so a database copy does not open cases.
"""
import hashlib
import hmac
import re
import secrets

from flask import current_app

DIGITS = 16


def new_receipt_code():
    return "".join(secrets.choice("0123456789") for _ in range(DIGITS))


def format_receipt(code):
    """``1234567890123456`` → ``1234 5678 9012 3456``."""
    return " ".join(code[i:i + 4] for i in range(0, len(code), 4))


def normalize_receipt(text):
    """Digits only; None when it cannot be a receipt code."""
    digits = re.sub(r"\D", "", text or "")
    return digits if len(digits) == DIGITS else None


def receipt_hash(code):
    key = (current_app.config.get("RECEIPT_KEY") or current_app.secret_key).encode()
    return hmac.new(key, code.encode(), hashlib.sha256).hexdigest()
