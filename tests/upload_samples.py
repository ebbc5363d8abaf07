"""Real files of every kind the public may send, each carrying the metadata a phone or an
office suite writes (a name, a place), built here byte for byte or with the libraries
that read them: pypdf, mutagen, Pillow, zipfile."""
import struct
import zipfile
import zlib
from io import BytesIO

from mutagen.apev2 import APEv2
from mutagen.id3 import ID3, TPE1, TXXX
from mutagen.mp4 import MP4
from mutagen.ogg import OggPage
from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject, StreamObject, TextStringObject

AUTHOR = "Ivan Petrov"
COMPANY = "Petrov Family LLP"
PLACE = "+43.2567+076.9286/"          # ISO 6709, as phones write it
XMP = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
       b'<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="43,15.4N" '
       b'exif:GPSLongitude="76,55.7E"/></rdf:RDF></x:xmpmeta>')
SECRETS = (AUTHOR.encode(), COMPANY.encode(), PLACE.encode(), b"GPSLatitude", b"PhoneMaker",
           b"com.apple.quicktime.location")
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# A one-page PDF with nothing to remove, exactly as core/file_cleaning.py writes it, so
# it is stored byte for byte as sent: for the tests of screens that upload "a PDF" and
# download it again (a file pypdf cannot read is refused).
PLAIN_PDF = (b"%PDF-1.3\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<\n/Type /Catalog\n/Pages 2 0 R\n>>\nendobj\n"
             b"2 0 obj\n<<\n/Type /Pages\n/Count 1\n/Kids [ 3 0 R ]\n>>\nendobj\n3 0 obj\n<<\n/Type /Page\n"
             b"/Resources <<\n>>\n/MediaBox [ 0.0 0.0 72 72 ]\n/Parent 2 0 R\n>>\nendobj\nxref\n0 4\n"
             b"0000000000 65535 f \n0000000015 00000 n \n0000000064 00000 n \n0000000123 00000 n \n"
             b"trailer\n<<\n/Size 4\n/Root 1 0 R\n>>\nstartxref\n215\n%%EOF\n")


def leaked(data):
    """The secrets of these samples still found in ``data`` (in the parts of a zip)."""
    if zipfile.is_zipfile(BytesIO(data)):
        with zipfile.ZipFile(BytesIO(data)) as package:
            data = b"".join(package.read(name) for name in package.namelist())
    return [secret for secret in SECRETS if secret in data]


def png_bomb(width=12000, height=12000):
    """A black 1-bit PNG: a few KB on disk, ``width`` × ``height`` pixels once decoded."""
    row = bytes(1 + (width + 7) // 8)  # filter byte, then the bits of one row
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)) \
        + _png_chunk(b"IDAT", idat) + _png_chunk(b"IEND", b"")


def _png_chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def jpeg_with_gps():
    """A small JPEG with EXIF naming the camera and a GPS position."""
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif.get_ifd(0x8825).update({1: "N", 2: (43.0, 15.0, 0.0), 3: "E", 4: (76.0, 57.0, 0.0)})
    out = BytesIO()
    Image.new("RGB", (32, 24), "teal").save(out, "JPEG", exif=exif)
    return out.getvalue()


def pdf_with_metadata(pages=2, picture_filters=("/DCTDecode",)):
    """A PDF with /Author and /Title, XMP with a GPS position, /PieceInfo on a page, and on
    the first page a photo with its EXIF (maker, GPS), stored through ``picture_filters``."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(200, 200)
    picture = writer._add_object(_pdf_picture(jpeg_with_gps(), picture_filters))  # pypdf has no public way
    writer.pages[0][NameObject("/Resources")] = DictionaryObject({NameObject("/XObject"): DictionaryObject(
        {NameObject("/Photo"): picture})})
    writer.add_metadata({"/Author": AUTHOR, "/Title": "Statement", "/Creator": COMPANY})
    writer.xmp_metadata = XMP
    writer.pages[0][NameObject("/PieceInfo")] = DictionaryObject(
        {NameObject("/Editor"): TextStringObject(f"{AUTHOR}'s laptop")})
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def _pdf_picture(jpeg, filters):
    """An image XObject of ``jpeg`` (32 × 24, RGB) whose stream is read through ``filters``:
    ("/FlateDecode", "/DCTDecode") is the JPEG deflated."""
    data = jpeg if filters[0] == "/DCTDecode" else zlib.compress(jpeg)
    picture = StreamObject()
    picture.set_data(data)
    picture.update({NameObject("/Type"): NameObject("/XObject"), NameObject("/Subtype"): NameObject("/Image"),
                    NameObject("/Width"): NumberObject(32), NameObject("/Height"): NumberObject(24),
                    NameObject("/ColorSpace"): NameObject("/DeviceRGB"),
                    NameObject("/BitsPerComponent"): NumberObject(8),
                    NameObject("/Filter"): ArrayObject(NameObject(name) for name in filters)})
    return picture


def pdf_with_password():
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="AES-128")
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


DOCUMENT_XML = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
                b'<w:p><w:ins w:id="1" w:author="' + AUTHOR.encode() + b'" w:date="2026-11-02T10:00:00Z">'
                b'<w:r><w:t>They hit him at school.</w:t></w:r></w:ins></w:p></w:body></w:document>')


def docx_with_properties():
    """A DOCX as Word lays it out, with the author in core.xml, the company and manager in
    app.xml, a tracked change by the author and a photo with GPS in word/media."""
    package = "http://schemas.openxmlformats.org/package/2006/relationships"
    office = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    parts = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns='
        '"http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
        'ContentType="application/xml"/><Default Extension="jpeg" ContentType="image/jpeg"/></Types>',
        "_rels/.rels": f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{package}">'
        f'<Relationship Id="rId1" Type="{office}/officeDocument" Target="word/document.xml"/>'
        f'<Relationship Id="rId2" Type="{package}/metadata/core-properties" Target="docProps/core.xml"/>'
        f'<Relationship Id="rId3" Type="{office}/extended-properties" Target="docProps/app.xml"/></Relationships>',
        "word/document.xml": DOCUMENT_XML,
        "word/media/image1.jpeg": jpeg_with_gps(),
        "docProps/core.xml": '<?xml version="1.0" encoding="UTF-8"?><cp:coreProperties xmlns:cp='
        '"http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/">'
        f'<dc:creator>{AUTHOR}</dc:creator><cp:lastModifiedBy>{AUTHOR}</cp:lastModifiedBy>'
        '<dcterms:created>2026-11-01T09:00:00Z</dcterms:created></cp:coreProperties>',
        "docProps/app.xml": '<?xml version="1.0" encoding="UTF-8"?><Properties xmlns='
        '"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
        f'<Company>{COMPANY}</Company><Manager>{AUTHOR}</Manager></Properties>',
    }
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as docx:
        for name, content in parts.items():
            docx.writestr(name, content)
    return out.getvalue()


MP3_FRAME = bytes.fromhex("FFFB9064") + bytes(413)  # MPEG-1 layer III, 128 kbit/s, 44.1 kHz


MP3_FRAMES = 40


def mp3_with_tags():
    """An MP3 of silent frames with ID3v2 (artist, a place), ID3v1 and APEv2 tags."""
    id3v1 = b"TAG" + b"Voice note".ljust(30, b"\0") + AUTHOR.encode().ljust(30, b"\0") + bytes(64) + b"\xff"
    buffer = BytesIO(MP3_FRAME * MP3_FRAMES + id3v1)
    ape = APEv2()
    ape["Artist"] = AUTHOR
    ape.save(buffer)
    tags = ID3()
    tags.add(TPE1(encoding=3, text=AUTHOR))
    tags.add(TXXX(encoding=3, desc="location", text=PLACE))
    tags.save(buffer, v1=1)
    return buffer.getvalue()


def ogg_opus_with_comments():
    """An Ogg Opus voice note whose comments name the artist and a place."""
    comments = [f"ARTIST={AUTHOR}".encode(), f"LOCATION={PLACE}".encode()]
    head = b"OpusHead" + struct.pack("<BBHIhB", 1, 1, 312, 48000, 0, 0)
    tags = b"OpusTags" + struct.pack("<I", 7) + b"encoder" + struct.pack("<I", len(comments)) + b"".join(
        struct.pack("<I", len(c)) + c for c in comments)
    pages = []
    for sequence, (packet, position) in enumerate(((head, 0), (tags, 0), (b"\xf8\xff\xfe" * 20, 48312))):
        page = OggPage()
        page.serial, page.sequence, page.position, page.packets = 7, sequence, position, [packet]
        page.first, page.last = sequence == 0, sequence == 2
        pages.append(page.write())
    return b"".join(pages)


def _box(kind, *children):
    payload = b"".join(children)
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


MEDIA = b"\x11\x22\x33\x44" * 64


def mp4_with_location(brand=b"isom"):
    """An MP4 (or with ``brand=b"M4A "`` an M4A) with one sound track and the position a
    phone writes: ``©xyz`` in ``moov/udta`` (Android), Apple's ``moov/meta`` location key,
    and iTunes tags (artist, ``©xyz``) that mutagen adds in ``moov/udta/meta/ilst``."""
    mvhd = _box(b"mvhd", bytes(4), struct.pack(">IIII", 0, 0, 1000, 2000), struct.pack(">IH", 0x10000, 0x100),
                bytes(10), struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000), bytes(24),
                struct.pack(">I", 2))
    mdhd = _box(b"mdhd", bytes(4), struct.pack(">IIII", 0, 0, 48000, 96000), bytes(4))
    hdlr = _box(b"hdlr", bytes(8), b"soun", bytes(12), b"Sound\0")
    stco = _box(b"stco", bytes(4), struct.pack(">II", 1, 0))  # the offset is set below
    trak = _box(b"trak", _box(b"mdia", mdhd, hdlr, _box(b"minf", _box(b"stbl", stco))))
    xyz = _box(b"\xa9xyz", struct.pack(">HH", len(PLACE), 0x15c7), PLACE.encode())  # 0x15c7: English
    apple = _box(b"meta", _box(b"hdlr", bytes(8), b"mdta", bytes(12), b"\0"),
                 _box(b"keys", bytes(4), struct.pack(">I", 1), _box(b"mdta", b"com.apple.quicktime.location.ISO6709")),
                 _box(b"ilst", _box(struct.pack(">I", 1), _box(b"data", bytes(8), PLACE.encode()))))
    ftyp = _box(b"ftyp", brand, bytes(4), b"isommp42")
    moov = _box(b"moov", mvhd, trak, _box(b"udta", xyz), apple)
    data = bytearray(ftyp + moov + _box(b"mdat", MEDIA))
    chunk = len(ftyp) + len(moov) + 8
    stco_at = data.index(b"stco") + 4 + 8
    data[stco_at:stco_at + 4] = struct.pack(">I", chunk)
    buffer = BytesIO(bytes(data))
    tagged = MP4(buffer)
    tagged.add_tags()
    tagged.tags["\xa9ART"] = [AUTHOR]
    tagged.tags["\xa9xyz"] = [PLACE]
    tagged.save(buffer)
    return buffer.getvalue()


def mp4_with_route_track():
    """The MP4 above whose one track is a timed metadata track (handler ``meta``), as
    action cameras and phones record the route beside the video."""
    return mp4_with_location().replace(b"hdlr" + bytes(8) + b"soun", b"hdlr" + bytes(8) + b"meta", 1)


def mp4_chunk_offset(data):
    """The first chunk offset of the first track (``stco``): where its media starts."""
    at = data.index(b"stco") + 4 + 8
    return struct.unpack(">I", data[at:at + 4])[0]
