"""Staff login (with its two-factor step) and logout, sessions, and each user's own account."""
from flask import Blueprint

bp = Blueprint("auth", __name__)

from auth import account, routes, sessions, telegram_bot  # noqa: E402,F401
