"""The citizen-facing site (no login)."""
from flask import Blueprint

bp = Blueprint("public", __name__)

from public import routes  # noqa: E402,F401
