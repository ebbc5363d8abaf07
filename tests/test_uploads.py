"""Uploads that cannot hurt (issue 16): pictures too large to decode are refused from
their header, every file is checked and cleaned before the registration counter is
locked, a report refused for its files counts against the hourly limit, and location and
author metadata are gone from every kind the public form takes, from /status messages
and from checklist evidence, with each file still readable."""
import time
import zipfile
from io import BytesIO

import pytest
from mutagen.mp3 import MP3
from mutagen.mp4 import MP4
from mutagen.oggopus import OggOpus
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import create_engine, func, select, text

from admin.registries import ATTACHMENT_TYPES
from extensions import db
from models import Case, StoredFile
from models.base import utcnow
from services import settings
from core.file_cleaning import CLEANERS, VIDEO_EXTRA_TRACK
from services.files import DOCUMENT_TYPES, PUBLIC_TYPES, detect_type
from tests.helpers import csrf_token
from tests.public_helpers import (counts, post_report, prefixed_csrf, receipt_from, registration_number_from,
                                  report_data)
from tests.test_case_admin_workflow import directory, item_action, item_id, make_case, people  # noqa: F401
from tests.test_case_admin_workflow import text as page_text
from tests.upload_samples import (DOCUMENT_XML, DOCX_TYPE, MEDIA, MP3_FRAME, MP3_FRAMES, PLAIN_PDF,
                                  docx_with_properties, jpeg_with_gps, leaked, mp3_with_tags, mp4_chunk_offset,
                                  mp4_with_location, mp4_with_route_track, ogg_opus_with_comments, pdf_with_metadata,
                                  pdf_with_password, png_bomb)

TOO_LARGE = "This picture is too large: more than 40 megapixels. Send a smaller picture."
QUICK = 3  # seconds: reading a header; decoding a bomb took 6 s and 1.1 GB


@pytest.fixture(autouse=True)
def _english_and_quick(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "MIN_FILL_SECONDS", 0)
    client.get("/?lang=en")


def _report_with(client, name, data):
    return post_report(client, report_data(attachments=[(BytesIO(data), name)]))


def _stored_files_of_report(client, app, response):
    assert response.status_code == 302, response.get_data(as_text=True)
    number = registration_number_from(client.get("/report/done").get_data(as_text=True))
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.registration_number == number))
        return [(a.file.content_type, a.file.data) for a in case.attachments]


def test_every_kind_accepted_anywhere_has_a_cleaner():
    assert DOCUMENT_TYPES | PUBLIC_TYPES | ATTACHMENT_TYPES <= CLEANERS.keys()


# --- pictures too large to decode ----------------------------------------------------------------

def test_pillow_itself_refuses_a_bomb_wherever_it_opens_one():
    with pytest.raises(Image.DecompressionBombError):
        Image.open(BytesIO(png_bomb()))


@pytest.mark.parametrize("width, height", [(12000, 12000), (8000, 6000)])
def test_a_picture_over_the_pixel_limit_is_refused_quickly_and_nothing_is_stored(client, app, width, height):
    bomb = png_bomb(width, height)
    assert len(bomb) < 50_000
    before = counts(app)
    started = time.monotonic()
    response = _report_with(client, "bomb.png", bomb)
    assert time.monotonic() - started < QUICK
    assert response.status_code == 400
    assert f"“bomb.png”: {TOO_LARGE}" in response.get_data(as_text=True)
    assert counts(app) == before


# --- checked before the lock, and counted ------------------------------------------------------

def test_files_are_checked_before_the_registration_counter_is_locked(client, app):
    """Another report of region 75 holds the counter (its row inserted, not committed):
    a report whose second file is refused is answered at once, without waiting for it."""
    with app.app_context():
        db.session.execute(text("SET lock_timeout = '2s'"))  # the old order fails here, not hangs
        db.session.commit()
    other = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    holder = other.connect()
    held = holder.begin()
    try:
        holder.execute(text("INSERT INTO case_counter (region_code, year, last) VALUES ('75', :year, 1)"),
                       {"year": utcnow().year})
        before = counts(app)
        response = post_report(client, report_data(attachments=[
            (BytesIO(pdf_with_metadata()), "statement.pdf"), (BytesIO(png_bomb()), "bomb.png")]))
        assert response.status_code == 400
        assert f"“bomb.png”: {TOO_LARGE}" in response.get_data(as_text=True)
        assert counts(app) == before
    finally:
        held.rollback()
        holder.close()
        other.dispose()


def test_a_report_refused_for_its_files_counts_against_the_hourly_limit_a_form_error_does_not(client, app):
    with app.app_context():
        limit = settings.get("submissions_per_hour")
    for _ in range(limit):  # a forgotten field: sent again and again, never counted
        missing = post_report(client, report_data(description=None, attachments=[(BytesIO(png_bomb()), "bomb.png")]))
        assert missing.status_code == 400 and TOO_LARGE not in missing.get_data(as_text=True)
    for _ in range(limit):  # a bomb each time: refused, and counted
        refused = _report_with(client, "bomb.png", png_bomb())
        assert refused.status_code == 400 and TOO_LARGE in refused.get_data(as_text=True)
    before = counts(app)
    throttled = post_report(client, report_data())
    assert throttled.status_code == 429 and "Please wait" in throttled.get_data(as_text=True)
    assert counts(app) == before


# --- metadata removed, files still whole ---------------------------------------------------------

def _check_pdf(data):
    pdf = PdfReader(BytesIO(data))
    assert len(pdf.pages) == 2
    assert pdf.metadata is None and pdf.xmp_metadata is None
    assert "/PieceInfo" not in pdf.pages[0]
    assert b"PhoneMaker" not in _photo_stream(pdf)
    [photo] = pdf.pages[0].images
    assert photo.image.size == (32, 24)


def _photo_stream(pdf):
    """The photo's JPEG as stored in ``pdf`` (a PdfReader), every filter before it undone."""
    return pdf.pages[0]["/Resources"]["/XObject"]["/Photo"].get_object().get_data()


def _check_docx(data):
    assert detect_type(data) == DOCX_TYPE
    with zipfile.ZipFile(BytesIO(data)) as docx:
        assert docx.testzip() is None
        assert docx.read("word/document.xml") == DOCUMENT_XML.replace(b'w:author="Ivan Petrov"', b'w:author=""')
        assert b"creator" not in docx.read("docProps/core.xml") and b"Company" not in docx.read("docProps/app.xml")
        photo = Image.open(BytesIO(docx.read("word/media/image1.jpeg")))
        assert photo.size == (32, 24) and not photo.getexif()


def _check_mp3(data):
    assert data == MP3_FRAME * MP3_FRAMES  # the sound, every tag gone
    assert MP3(BytesIO(data)).tags is None


def _check_ogg(data):
    audio = OggOpus(BytesIO(data))
    assert not audio.tags and audio.info.length == 1.0


def _check_mp4(data):
    original = mp4_with_location()
    assert len(data) == len(original) and not MP4(BytesIO(data)).tags
    offset = mp4_chunk_offset(data)
    assert data[offset:offset + len(MEDIA)] == MEDIA  # the track still finds its media


KINDS = {
    "statement.pdf": (pdf_with_metadata, "application/pdf", _check_pdf),
    "letter.docx": (docx_with_properties, DOCX_TYPE, _check_docx),
    "voice.mp3": (mp3_with_tags, "audio/mpeg", _check_mp3),
    "voice.ogg": (ogg_opus_with_comments, "audio/ogg", _check_ogg),
    "video.mp4": (mp4_with_location, "video/mp4", _check_mp4),
    "voice.m4a": (lambda: mp4_with_location(b"M4A "), "audio/mp4", _check_mp4),
}


@pytest.mark.parametrize("name", KINDS)
def test_location_and_author_are_removed_from_every_kind_the_form_takes(client, app, name):
    build, content_type, check = KINDS[name]
    sent = build()
    assert leaked(sent)
    [(stored_type, data)] = _stored_files_of_report(client, app, _report_with(client, name, sent))
    assert stored_type == content_type
    assert leaked(data) == []
    check(data)


def _open_a_new_case(client):
    """Send a report and open it at /status with its receipt code."""
    assert post_report(client, report_data()).status_code == 302
    code = receipt_from(client.get("/report/done").get_data(as_text=True))
    client.post("/status", data={"csrf_token": csrf_token(client.get("/status").get_data(as_text=True)), "code": code})


def _send_message(client, body, files):
    page = client.get("/status").get_data(as_text=True)
    return client.post("/status/message", data={
        "message-csrf_token": prefixed_csrf(page, "message"), "message-body": body,
        "message-attachments": [(BytesIO(data), name) for data, name in files]}, content_type="multipart/form-data")


def test_files_sent_with_a_status_message_are_cleaned(client, app):
    _open_a_new_case(client)
    sent = _send_message(client, "The school's letter and a video.",
                         [(pdf_with_metadata(), "letter.pdf"), (mp4_with_location(), "v.mp4")])
    assert sent.status_code == 302
    with app.app_context():
        stored = db.session.scalars(select(StoredFile).order_by(StoredFile.id.desc()).limit(2)).all()
        assert sorted(f.content_type for f in stored) == ["application/pdf", "video/mp4"]
        for stored_file in stored:
            assert leaked(stored_file.data) == []
            (_check_pdf if stored_file.content_type == "application/pdf" else _check_mp4)(stored_file.data)


def test_a_status_message_refused_for_its_files_counts_against_the_hourly_limit(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "STATUS_MESSAGES_PER_HOUR", 2)
    _open_a_new_case(client)
    before = counts(app)
    for _ in range(2):
        refused = _send_message(client, "A photo of the bruise.", [(png_bomb(), "bomb.png")])
        assert refused.status_code == 400 and TOO_LARGE in refused.get_data(as_text=True)
    throttled = _send_message(client, "Only words now.", [])
    assert throttled.status_code == 400 and "Too many attempts from your connection" in throttled.get_data(as_text=True)
    assert counts(app) == before


def test_a_photo_deflated_inside_a_pdf_loses_its_exif_and_still_shows():
    sent = pdf_with_metadata(picture_filters=("/FlateDecode", "/DCTDecode"))
    assert b"PhoneMaker" in _photo_stream(PdfReader(BytesIO(sent)))  # found by whoever inflates it
    cleaned = PdfReader(BytesIO(CLEANERS["application/pdf"](sent)))
    assert b"PhoneMaker" not in _photo_stream(cleaned)
    [photo] = cleaned.pages[0].images
    with Image.open(BytesIO(jpeg_with_gps())) as original:  # the same pixels: not re-encoded
        assert photo.image.tobytes() == original.tobytes()


@pytest.mark.parametrize("name, data, reason", [
    ("scan.pdf", b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n",
     "This file could not be read. Send another file."),
    ("scan.pdf", pdf_with_password(), "This PDF is protected by a password. Send it without the password."),
    ("scan.pdf", pdf_with_metadata(picture_filters=("/DCTDecode", "/FlateDecode")),
     "This file could not be read. Send another file."),
    ("ride.mp4", mp4_with_route_track(), str(VIDEO_EXTRA_TRACK)),
])
def test_a_file_that_cannot_be_cleaned_is_refused(client, app, name, data, reason):
    before = counts(app)
    response = _report_with(client, name, data)
    assert response.status_code == 400
    assert f"“{name}”: {reason}" in response.get_data(as_text=True)
    assert counts(app) == before


# --- checklist evidence ---------------------------------------------------------------------------

def _stored_count(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(StoredFile))


def test_evidence_files_have_the_same_limits_and_are_cleaned(app, login, directory):  # noqa: F811
    case_id = make_case(app, directory, started=True)
    conversation = item_id(app, case_id, "R10.2")
    client = login("ombudsman75")
    before = _stored_count(app)
    files = [(pdf_with_metadata(), "protocol.pdf"), (png_bomb(), "photo.png")]
    refused = page_text(item_action(client, case_id, conversation, "done", held_on="2026-11-24", note="Talked",
                                    files={"files": files}))
    assert f"“photo.png”: {TOO_LARGE}" in refused
    assert _stored_count(app) == before
    done = page_text(item_action(client, case_id, conversation, "done", held_on="2026-11-24", note="Talked",
                                 files={"files": [(pdf_with_metadata(), "protocol.pdf"), (PLAIN_PDF, "plain.pdf")]}))
    assert "protocol.pdf" in done and "plain.pdf" in done
    with app.app_context():
        stored = {f.original_name: f.data for f in db.session.scalars(
            select(StoredFile).order_by(StoredFile.id.desc()).limit(2))}
        assert leaked(stored["protocol.pdf"]) == []
        _check_pdf(stored["protocol.pdf"])
        assert stored["plain.pdf"] == PLAIN_PDF  # nothing to remove: stored as sent
