"""Uploads made harmless: where a file was made and by whom is removed from every kind
accepted, and pictures too big to decode safely are refused before they are decoded.

A phone writes the place a photo or a video was taken into the file, and an office suite
writes its user's name and company into a document: a reporter who chose to stay
anonymous, or a child's whereabouts, would travel with the file [R3]. Each kind is cleaned
by what reads it best, and a file that cannot be read is refused rather than kept as sent:

- JPEG, PNG: re-saved by Pillow without EXIF, XMP or text chunks, turned upright first;
  their size is read from the header and a picture over ``MAX_IMAGE_PIXELS`` is refused
  before any pixel is decoded (a 445 KB PNG can decode to 12000 × 12000 pixels, 1.1 GB).
- PDF: rewritten by pypdf without the document information (/Info) and without XMP
  (/Metadata) or application data (/PieceInfo) on any object; what earlier revisions left
  behind goes too, since only the objects in use are written. A JPEG picture inside it
  (/DCTDecode) loses its EXIF, XMP, IPTC and comment segments, the picture itself not
  re-encoded (a scan's quality and colours stay as they were).
- DOCX: the zip is rewritten with the standard library: the core, extended and custom
  properties (author, last modified by, dates, company, manager) emptied, the names and
  initials of the authors of comments and tracked changes blanked, pictures re-saved as above.
- MP3, OGG: mutagen deletes the tags (ID3 v1 and v2, APEv2; Vorbis comments).
- M4A, MP4: mutagen would delete only the iTunes tags (``ilst``), not the phone's position
  (``©xyz`` in ``udta``, Apple's ``meta`` keys), so every ``udta``, ``meta`` and ``uuid``
  box of the file, of its movie and of its tracks is turned into free space of the same
  size (players skip it, and no offset into the media data moves); mutagen then checks
  that the file still reads and has no tags left. A video with a track other than picture,
  sound and timecode is refused: action cameras, drones and phones record the route as a
  timed metadata or subtitle track, whose samples lie in the media data among the rest.
"""
import re
import struct
import zipfile
import zlib
from functools import partial
from io import BytesIO
from xml.etree import ElementTree

import mutagen
import mutagen.apev2
import mutagen.id3
from PIL import Image, ImageOps, UnidentifiedImageError
from flask_babel import lazy_gettext as _l
from mutagen.mp3 import MP3
from mutagen.mp4 import MP4
from mutagen.oggflac import OggFLAC
from mutagen.oggopus import OggOpus
from mutagen.oggspeex import OggSpeex
from mutagen.oggvorbis import OggVorbis
from pypdf import PdfReader, PdfWriter
from pypdf.errors import PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, StreamObject

from core.errors import InvalidInput

MAX_IMAGE_PIXELS = 40_000_000  # a 48 MP phone photo is refused, a 12 or 24 MP one is not
# Pillow warns above this and refuses above twice this wherever it opens a picture.
Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
MAX_UNPACKED_BYTES = 100 * 1024 * 1024  # what a DOCX may unpack to (a zip bomb is refused)
IMAGE_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG"}
PDF_PRIVATE_KEYS = frozenset({"/Metadata", "/PieceInfo"})
OOXML_PROPERTIES = {  # relationship type (its end) → the part emptied
    "/metadata/core-properties": b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"'
    b' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"'
    b' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"/>',
    "/extended-properties": b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"/>',
    "/custom-properties": b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"/>',
}
_RELATIONSHIP = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
# w:author="…", w:initials="…" (comments, tracked changes), w15:userId="…" (people.xml).
_PERSON_ATTRIBUTE = re.compile(rb'(\s[A-Za-z][\w.-]*:(?:author|initials|userId|providerId)=)"[^"]*"')
MP4_CONTAINERS = frozenset({b"moov", b"trak", b"mdia", b"minf", b"moof", b"traf"})
MP4_DESCRIPTIONS = frozenset({b"udta", b"meta", b"uuid"})
MP4_MEDIA_HANDLERS = frozenset({b"vide", b"soun", b"tmcd"})  # picture, sound, timecode
# JPEG segments kept: JFIF (APP0), the colour profile (APP2 "ICC_PROFILE"), Adobe's colour
# transform (APP14) and every non-APP segment; EXIF and XMP (APP1), IPTC (APP13), the others
# and comments go.
JPEG_APP0, JPEG_APP2, JPEG_APP14, JPEG_APP15, JPEG_COMMENT, JPEG_SCAN = 0xE0, 0xE2, 0xEE, 0xEF, 0xFE, 0xDA
OGG_AUDIO = (OggVorbis, OggOpus, OggFLAC, OggSpeex)

UNREADABLE = _l("This file could not be read. Send another file.")
UNREADABLE_PICTURE = _l("This picture could not be read. Send another file.")
TOO_MANY_PIXELS = _l("This picture is too large: more than %(mp)s megapixels. Send a smaller picture.",
                     mp=MAX_IMAGE_PIXELS // 1_000_000)
PDF_PASSWORD = _l("This PDF is protected by a password. Send it without the password.")
VIDEO_EXTRA_TRACK = _l("This video has a track besides its picture and sound (often the places where it was "
                       "filmed) that we cannot remove. Save the video again without it, for example with a "
                       "video editor, and send it.")


def clean(data, content_type):
    """``data`` of ``content_type`` (checked from the content) without its metadata;
    InvalidInput when it cannot be read or is too large to decode."""
    return CLEANERS[content_type](data)


def clean_image(data, content_type):
    """The picture re-encoded without EXIF/XMP/text chunks, turned upright first; its
    size is checked from the header before any pixel is decoded."""
    try:
        with Image.open(BytesIO(data)) as image:
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise InvalidInput(TOO_MANY_PIXELS)
            upright = ImageOps.exif_transpose(image)
            out = BytesIO()
            upright.save(out, IMAGE_FORMATS[content_type])
    except Image.DecompressionBombError:
        raise InvalidInput(TOO_MANY_PIXELS) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, zlib.error):
        raise InvalidInput(UNREADABLE_PICTURE) from None
    return out.getvalue()


def clean_pdf(data):
    """The PDF rewritten from its catalogue without XMP and /PieceInfo on any object; only
    what the catalogue reaches is copied, so neither the document information (/Info)
    nor what earlier revisions left behind is. One that opens without a password but
    restricts printing or copying is kept, unlocked."""
    try:
        reader = PdfReader(BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise InvalidInput(PDF_PASSWORD)
        _clean_pdf_objects(reader.root_object)
        writer = PdfWriter()
        writer.clone_reader_document_root(reader)
        writer.pdf_header = reader.pdf_header
        out = BytesIO()
        writer.write(out)
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError, IndexError,
            struct.error, zlib.error):
        raise InvalidInput(UNREADABLE) from None
    return out.getvalue()


def _clean_pdf_objects(root):
    """Delete the keys of PDF_PRIVATE_KEYS from every object reachable from ``root``, and
    clean every JPEG picture among them."""
    seen, todo = set(), [root]
    while todo:
        obj = todo.pop()
        if isinstance(obj, IndirectObject):
            if obj.idnum in seen:
                continue
            seen.add(obj.idnum)
            obj = obj.get_object()
        if isinstance(obj, DictionaryObject):
            for key in PDF_PRIVATE_KEYS & obj.keys():
                del obj[key]
            if isinstance(obj, StreamObject) and obj.get("/Subtype") == "/Image":
                _clean_pdf_jpeg(obj)
            todo.extend(obj.values())
        elif isinstance(obj, ArrayObject):
            todo.extend(obj)


def _clean_pdf_jpeg(picture):
    """A /DCTDecode picture stream's JPEG without its descriptions, stored under /DCTDecode
    alone (a filter before it, such as /FlateDecode, is undone); ValueError when /DCTDecode
    is not its last filter."""
    filters = picture.get("/Filter")
    filters = list(filters) if isinstance(filters, ArrayObject) else [filters]
    if "/DCTDecode" not in filters:
        return
    if filters[-1] != "/DCTDecode":
        raise ValueError("a filter after /DCTDecode")
    jpeg = _jpeg_without_descriptions(picture.get_data())  # pypdf passes the JPEG through
    picture[NameObject("/Filter")] = NameObject("/DCTDecode")
    picture.pop("/DecodeParms", None)
    StreamObject.set_data(picture, jpeg)  # the stored bytes themselves, not re-encoded
    picture.decoded_self = None


def _jpeg_without_descriptions(data):
    """``data`` (a JPEG) with the segments before its first scan that describe rather than
    draw it removed: EXIF, XMP, IPTC, comments (ITU T.81 §B.1); the scans are kept as they are."""
    if not data.startswith(b"\xff\xd8"):
        raise ValueError("not a JPEG")
    out, offset = bytearray(data[:2]), 2
    while True:
        if data[offset] != 0xFF:
            raise ValueError("no marker where one should be")
        while data[offset + 1] == 0xFF:  # fill bytes before a marker
            offset += 1
        marker = data[offset + 1]
        if marker == JPEG_SCAN:
            return bytes(out + data[offset:])
        end = offset + 2 + struct.unpack_from(">H", data, offset + 2)[0]
        if _jpeg_segment_kept(marker, data[offset + 4:end]):
            out += data[offset:end]
        offset = end


def _jpeg_segment_kept(marker, payload):
    if marker == JPEG_COMMENT:
        return False
    if not JPEG_APP0 <= marker <= JPEG_APP15:
        return True
    return marker in (JPEG_APP0, JPEG_APP14) or (marker == JPEG_APP2 and payload.startswith(b"ICC_PROFILE\0"))


def clean_ooxml(data):
    """The OOXML zip (DOCX) rewritten: properties parts emptied, people's names in the
    parts blanked, pictures cleaned; entry order kept (type detection reads it)."""
    out = BytesIO()
    try:
        with zipfile.ZipFile(BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
            entries = source.infolist()
            if sum(entry.file_size for entry in entries) > MAX_UNPACKED_BYTES:
                raise InvalidInput(UNREADABLE)
            emptied = _properties_parts(source)
            for entry in entries:
                content = emptied.get(entry.filename) or _clean_part(entry.filename, source.read(entry))
                target.writestr(zipfile.ZipInfo(entry.filename), content, zipfile.ZIP_DEFLATED)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ElementTree.ParseError, KeyError, RuntimeError,
            NotImplementedError, EOFError, ValueError, zlib.error):
        raise InvalidInput(UNREADABLE) from None
    return out.getvalue()


def _properties_parts(package):
    """Part name → its empty replacement, for the properties parts ``_rels/.rels`` names."""
    emptied = {}
    for relationship in ElementTree.fromstring(package.read("_rels/.rels")).iter(_RELATIONSHIP):
        for kind, empty in OOXML_PROPERTIES.items():
            if relationship.get("Type", "").endswith(kind):
                emptied[relationship.get("Target", "").lstrip("/")] = empty
    return emptied


def _clean_part(name, content):
    """One part of the package: a picture cleaned, an XML part without people's names."""
    kind = next((mime for mime, magic in (("image/jpeg", b"\xff\xd8\xff"), ("image/png", b"\x89PNG"))
                 if content.startswith(magic)), None)
    if kind:
        return clean_image(content, kind)
    if name.endswith(".xml"):
        return _PERSON_ATTRIBUTE.sub(rb'\1""', content)
    return content


def clean_mp3(data):
    """The MP3 without APEv2 and ID3 (v1 and v2) tags; still an MP3, with no tags left."""
    buffer = BytesIO(data)
    try:
        mutagen.apev2.delete(buffer)  # first: an ID3v1 tag is only found at the very end
        mutagen.id3.delete(buffer)
        if MP3(BytesIO(buffer.getvalue())).tags:
            raise InvalidInput(UNREADABLE)
    except (mutagen.MutagenError, ValueError, struct.error, EOFError):
        raise InvalidInput(UNREADABLE) from None
    return buffer.getvalue()


def clean_ogg(data):
    """The Ogg voice note (Vorbis, Opus, FLAC or Speex) without its comments (the encoder's
    name stays)."""
    buffer = BytesIO(data)
    try:
        audio = mutagen.File(buffer, options=OGG_AUDIO)
        if audio is None:
            raise InvalidInput(UNREADABLE)
        audio.delete(buffer)
        if mutagen.File(BytesIO(buffer.getvalue()), options=OGG_AUDIO).tags:
            raise InvalidInput(UNREADABLE)
    except (mutagen.MutagenError, ValueError, struct.error, EOFError):
        raise InvalidInput(UNREADABLE) from None
    return buffer.getvalue()


def clean_mp4(data):
    """The MP4 or M4A with its description boxes blanked in place; still an MP4 (mutagen
    reads it), with no tags left."""
    try:
        if _mp4_track_handlers(data) - MP4_MEDIA_HANDLERS:
            raise InvalidInput(VIDEO_EXTRA_TRACK)
        cleaned = _blank_mp4_descriptions(data)
        if MP4(BytesIO(cleaned)).tags:
            raise InvalidInput(UNREADABLE)
    except (mutagen.MutagenError, ValueError, struct.error, EOFError):
        raise InvalidInput(UNREADABLE) from None
    return cleaned


def _blank_mp4_descriptions(data):
    """Every ``udta``, ``meta`` and ``uuid`` box at the top, in the movie and its tracks
    (and in fragments) turned into a ``free`` box of the same size, zeroed."""
    out = bytearray(data)
    todo = [(0, len(out))]
    while todo:
        start, end = todo.pop()
        for offset, header, size, kind in _mp4_boxes(out, start, end):
            if kind in MP4_DESCRIPTIONS:
                out[offset + 4:offset + 8] = b"free"
                out[offset + header:offset + size] = bytes(size - header)
            elif kind in MP4_CONTAINERS:
                todo.append((offset + header, offset + size))
    return bytes(out)


def _mp4_track_handlers(data):
    """The handler type of each track (``moov/trak/mdia/hdlr``, after its version, flags
    and pre-defined field): ``vide``, ``soun``, ``meta``, ``text``…"""
    return {bytes(data[offset + header + 8:offset + header + 12])
            for offset, header, _size in _mp4_find(data, (b"moov", b"trak", b"mdia", b"hdlr"), 0, len(data))}


def _mp4_find(data, path, start, end):
    """(offset, header length, size) of each box at ``path`` (box types) from ``start``."""
    for offset, header, size, kind in _mp4_boxes(data, start, end):
        if kind == path[0] and len(path) == 1:
            yield offset, header, size
        elif kind == path[0]:
            yield from _mp4_find(data, path[1:], offset + header, offset + size)


def _mp4_boxes(data, start, end):
    """(offset, header length, size, type) of each box between ``start`` and ``end``
    (ISO/IEC 14496-12 §4.2); ValueError when they do not fill it exactly."""
    offset = start
    while offset < end:
        if end - offset < 8:
            raise ValueError("a box header is cut off")
        size, kind = struct.unpack_from(">I4s", data, offset)
        header = 8
        if size == 1:
            size, header = struct.unpack_from(">Q", data, offset + 8)[0], 16
        elif size == 0:  # the last box, to the end
            size = end - offset
        if size < header or offset + size > end:
            raise ValueError("a box does not fit in its parent")
        yield offset, header, size, kind
        offset += size


CLEANERS = {
    "image/jpeg": partial(clean_image, content_type="image/jpeg"),
    "image/png": partial(clean_image, content_type="image/png"),
    "application/pdf": clean_pdf,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": clean_ooxml,
    "audio/mpeg": clean_mp3,
    "audio/ogg": clean_ogg,
    "audio/mp4": clean_mp4,
    "video/mp4": clean_mp4,
}
