"""Storing uploaded files in Postgres, checked and cleaned before anything is written.

``filetype`` reads the magic numbers of the first bytes (pure Python, no libmagic to
install), so a text file renamed to ``.pdf`` is refused whatever its name says; then
``core.file_cleaning`` removes where and by whom the file was made (location,
author) and refuses a picture too large to decode. ``check_upload`` does all of it
without touching the database, so a use case checks every file before it takes a lock
or writes a row; ``save_file`` stores the result.
"""
import hashlib
import re
from typing import NamedTuple

import filetype
from flask_babel import lazy_gettext as _l

from extensions import db
from models import StoredFile
from services import settings
from core.errors import InvalidInput
from core.file_cleaning import clean

DOCUMENT_TYPES = frozenset({"application/pdf", "image/jpeg", "image/png"})
# What the public may send with a report: documents, photos, voice notes, video.
PUBLIC_TYPES = DOCUMENT_TYPES | frozenset({
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "audio/mpeg", "audio/mp4", "audio/ogg", "video/mp4",
})
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class CleanFile(NamedTuple):
    """An upload read, checked and cleaned, not yet stored."""
    data: bytes
    name: str
    content_type: str


def detect_type(data):
    """The MIME type the bytes really are, or None."""
    kind = filetype.guess(data[:8192])
    return kind.mime if kind else None


def clean_name(name):
    """The uploaded name as data: control characters (NUL included, which Postgres
    refuses) and path parts dropped, at most 255 characters."""
    name = _CONTROL.sub("", (name or "").replace("\\", "/").rsplit("/", 1)[-1]).strip()
    return name[:255] or "file"


def check_upload(upload, allowed=DOCUMENT_TYPES, message=None):
    """Read a Werkzeug ``FileStorage`` and return it as a CleanFile: not empty, at most
    ``upload_max_mb``, of an ``allowed`` type by its content, metadata removed. Nothing is
    written; a refusal (InvalidInput) names the file."""
    name = clean_name(upload.filename)
    try:
        data, content_type = _read_checked(upload, allowed, message)
        return CleanFile(clean(data, content_type), name, content_type)
    except InvalidInput as error:
        raise InvalidInput(_l("“%(name)s”: %(reason)s", name=name, reason=str(error))) from None


def _read_checked(upload, allowed, message):
    """The upload's bytes and type, refused when empty, too big or of a type not allowed."""
    max_mb = settings.get("upload_max_mb")
    max_bytes = max_mb * 1024 * 1024
    data = upload.read(max_bytes + 1)
    if not data:
        raise InvalidInput(_l("The file is empty."))
    if len(data) > max_bytes:
        raise InvalidInput(_l("The file is larger than %(mb)s MB.", mb=max_mb))
    content_type = detect_type(data)
    if content_type not in allowed:
        raise InvalidInput(message or _l("This file type is not accepted. Send a PDF, JPEG or PNG file."))
    return data, content_type


def store_file(upload, region_code=None, actor=None, allowed=DOCUMENT_TYPES, message=None):
    """Check, clean and save one upload; return the flushed StoredFile (see check_upload)."""
    return save_file(check_upload(upload, allowed, message), region_code, actor)


def save_file(checked, region_code=None, actor=None):
    """Store a CleanFile from ``check_upload``; return the flushed StoredFile."""
    return save_bytes(checked.data, checked.name, checked.content_type, region_code, actor)


def save_bytes(data, name, content_type, region_code=None, actor=None):
    """Store ``data`` (already checked) as a file and return the flushed StoredFile."""
    stored = StoredFile(original_name=name, content_type=content_type, size=len(data),
                        sha256=hashlib.sha256(data).hexdigest(), data=data,
                        region_code=region_code, uploaded_by_id=getattr(actor, "id", None))
    db.session.add(stored)
    db.session.flush()
    return stored
