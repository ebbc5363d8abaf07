"""The receipt card: a small picture of a new report's receipt code that a phone saves to its
gallery (issue 19; [R3]: with the code the reporter follows the case on "Check my report").

Drawn with Pillow in DejaVu Sans (the charts' font, which has every Kazakh and Russian
letter), in the page's language; the code is drawn in groups of four digits, the way it
is shown and typed.
"""
from io import BytesIO

from flask_babel import format_date
from flask_babel import gettext as _
from PIL import Image, ImageDraw, ImageFont

from core.charts import FACES, FONT_DIR
from core.receipts import format_receipt
from services.links import public_url

WIDTH, MARGIN = 720, 40
INK, MUTED, ACCENT, PAPER = "#0b0c0c", "#505a5f", "#0b4f8a", "#ffffff"


def _font(size, bold=False):
    return ImageFont.truetype(str(FONT_DIR / FACES[bold]), size)


def _lines(draw, text, font, room):
    """``text`` broken between words to fit ``room`` pixels."""
    lines, line = [], ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if line and draw.textlength(candidate, font=font) > room:
            lines.append(line)
            line = word
        else:
            line = candidate
    return lines + ([line] if line else [])


def _content(case, code):
    """(text, size, bold, colour, space after) of each block of the card, top to bottom."""
    return [
        (_("Children's Ombudsman"), 26, True, ACCENT, 18),
        (_("Your receipt code"), 22, False, MUTED, 6),
        (format_receipt(code), 44, True, INK, 18),
        (_("Registration number: %(number)s", number=case.registration_number), 22, False, INK, 4),
        (_("Sent on %(date)s", date=format_date(case.received_at, "short")), 22, False, INK, 18),
        (_("Check your report and read the answers on “Check my report”: %(address)s",
           address=public_url("/status")), 20, False, INK, 10),
        (_("Keep it secret: anyone with the code can read the answers."), 20, True, INK, 0),
    ]


def receipt_card_png(case, code):
    """The card of ``case`` with its receipt ``code``, as PNG bytes."""
    measure = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    blocks, height = [], MARGIN
    for text, size, bold, colour, after in _content(case, code):
        font = _font(size, bold)
        lines = _lines(measure, text, font, WIDTH - 2 * MARGIN)
        blocks.append((lines, font, colour, height))
        height += len(lines) * round(size * 1.35) + after
    image = Image.new("RGB", (WIDTH, height + MARGIN), PAPER)
    draw = ImageDraw.Draw(image)
    draw.rectangle((4, 4, WIDTH - 5, height + MARGIN - 5), outline=ACCENT, width=4)
    for lines, font, colour, top in blocks:
        for number, line in enumerate(lines):
            draw.text((MARGIN, top + number * round(font.size * 1.35)), line, font=font, fill=colour)
    out = BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
