"""Storing uploaded files in Postgres, with the type checked from the content.

``filetype`` reads the magic numbers of the first bytes (pure Python, no libmagic to
install), so a text file renamed to ``.pdf`` is refused whatever its name says.
"""
import hashlib

import filetype
from flask import current_app
from flask_babel import lazy_gettext as _l

from extensions import db
from models import StoredFile
from services.errors import InvalidInput

DOCUMENT_TYPES = frozenset({"application/pdf", "image/jpeg", "image/png"})


def detect_type(data):
    """The MIME type the bytes really are, or None."""
    kind = filetype.guess(data[:8192])
    return kind.mime if kind else None


def store_file(upload, region_code=None, actor=None, allowed=DOCUMENT_TYPES):
    """Save a Werkzeug ``FileStorage`` and return the StoredFile; refuse wrong type or size."""
    max_bytes = current_app.config["UPLOAD_MAX_MB"] * 1024 * 1024
    data = upload.read(max_bytes + 1)
    if not data:
        raise InvalidInput(_l("The file is empty."))
    if len(data) > max_bytes:
        raise InvalidInput(_l("The file is larger than %(mb)s MB.", mb=current_app.config["UPLOAD_MAX_MB"]))
    content_type = detect_type(data)
    if content_type not in allowed:
        raise InvalidInput(_l("This file type is not accepted. Send a PDF, JPEG or PNG file."))
    stored = StoredFile(original_name=(upload.filename or "file")[:255], content_type=content_type,
                        size=len(data), sha256=hashlib.sha256(data).hexdigest(), data=data,
                        region_code=region_code, uploaded_by_id=getattr(actor, "id", None))
    db.session.add(stored)
    db.session.flush()
    return stored
