"""Storing uploaded files in Postgres, with the type checked from the content.

``filetype`` reads the magic numbers of the first bytes (pure Python, no libmagic to
install), so a text file renamed to ``.pdf`` is refused whatever its name says.
Photos are re-saved with Pillow without their EXIF data (location, camera), so a
child's or reporter's whereabouts do not travel with a picture.
"""
import hashlib
import re
from io import BytesIO

import filetype
from PIL import Image, ImageOps, UnidentifiedImageError
from flask import send_file
from flask_babel import lazy_gettext as _l

from extensions import db
from models import StoredFile
from services import settings
from services.errors import InvalidInput

DOCUMENT_TYPES = frozenset({"application/pdf", "image/jpeg", "image/png"})
# What the public may send with a report: documents, photos, voice notes, video.
PUBLIC_TYPES = DOCUMENT_TYPES | frozenset({
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "audio/mpeg", "audio/mp4", "audio/ogg", "video/mp4",
})
IMAGE_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG"}
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def detect_type(data):
    """The MIME type the bytes really are, or None."""
    kind = filetype.guess(data[:8192])
    return kind.mime if kind else None


def strip_image_metadata(data, content_type):
    """The image re-encoded without EXIF/XMP/text chunks, turned upright first."""
    try:
        with Image.open(BytesIO(data)) as image:
            upright = ImageOps.exif_transpose(image)
            out = BytesIO()
            upright.save(out, IMAGE_FORMATS[content_type])
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise InvalidInput(_l("This picture could not be read. Send another file.")) from None
    return out.getvalue()


def clean_name(name):
    """The uploaded name as data: control characters (NUL included, which Postgres
    refuses) and path parts dropped, at most 255 characters."""
    name = _CONTROL.sub("", (name or "").replace("\\", "/").rsplit("/", 1)[-1]).strip()
    return name[:255] or "file"


def send_bytes(data, mimetype, name):
    """A response sending ``data`` as a file to save, named ``name``."""
    return send_file(BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=name)


def as_download(stored):
    """A response sending a stored file under its original name."""
    return send_bytes(stored.data, stored.content_type, stored.original_name)


def store_file(upload, region_code=None, actor=None, allowed=DOCUMENT_TYPES, message=None):
    """Save a Werkzeug ``FileStorage`` and return the StoredFile; refuse wrong type or size."""
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
    if content_type in IMAGE_FORMATS:
        data = strip_image_metadata(data, content_type)
    return save_bytes(data, clean_name(upload.filename), content_type, region_code, actor)


def save_bytes(data, name, content_type, region_code=None, actor=None):
    """Store ``data`` (already checked) as a file and return the flushed StoredFile."""
    stored = StoredFile(original_name=name, content_type=content_type, size=len(data),
                        sha256=hashlib.sha256(data).hexdigest(), data=data,
                        region_code=region_code, uploaded_by_id=getattr(actor, "id", None))
    db.session.add(stored)
    db.session.flush()
    return stored
