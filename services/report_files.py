"""The files of the half-year activity report [R8]: XLSX and PDF from a "rendered" report.

Both renderers take the same plain structure, so they work for the whole report and for
a single section alike::

    {"title": str, "subtitle": str,
     "language": "kk" | "ru" (optional), "draft": bool (optional),
     "sections": [{"title": str, "sheet": str (optional, a shorter name for the XLSX sheet),
                   "tables": [{"title": str | None,
                               "columns": [{"label": str, "kind": KIND}, ...],
                               "rows": [[value, ...], ...]}]}]}

A column's kind is ``text``, ``count`` (int), ``days`` / ``minutes`` (float), ``percent``
(float 0..1), ``date`` (``datetime.date``) or ``mixed``, where each cell is
``{"value": v, "kind": k}`` (a summary column mixing counts, days and percentages). Any
value may be None. :func:`format_value` is the one place a value becomes display text, in
the report's language as Babel writes it ("2,3", "1 234", "83 %", "14.03.2026").

Everything a file says beyond the rendered texts (page footers, the draft mark, the name
of an untitled sheet) is written in the report's ``language``, whatever the reader's
interface language is; without one, in the language being shown. A ``draft`` is marked
as such on every page and sheet.

The XLSX keeps numbers and dates as real cells, and every text cell is forced to a string:
openpyxl turns a str starting with "=" into a formula, and none may come from user text.
Each sheet freezes its heading rows down to its first table's column headers, repeats them
as print titles, and prints fitted to the page's width.

The PDF is drawn with ReportLab rather than WeasyPrint: ReportLab is a pure pip wheel with
no system libraries (WeasyPrint needs Pango and cairo from apt), so it installs with the
rest of ``make run``'s pip install. DejaVu Sans (``static/fonts``, licence beside it) is
embedded, so the Kazakh letters ә ғ қ ң ө ұ ү һ і survive on any reader.
"""
import datetime
import functools
import io
import re
from contextlib import nullcontext
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from xml.sax.saxutils import escape

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal, format_percent
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas
from reportlab.platypus import CondPageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

KINDS = {"text", "count", "days", "minutes", "percent", "date"}
NUMERIC_KINDS = {"count", "days", "minutes", "percent"}
EMPTY = "—"
DEFAULT_LANGUAGE = "kk"  # the state language, when no report language is known
# Dates as Kazakh and Russian documents write them in a table; other languages: Babel's own.
DATE_PATTERNS = {"kk": "dd.MM.yyyy", "ru": "dd.MM.yyyy"}
TIME_PATTERNS = {"kk": "dd.MM.yyyy HH:mm", "ru": "dd.MM.yyyy HH:mm"}

FONT_DIR = Path(__file__).resolve().parent.parent / "static" / "fonts"
FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
FONT_FILES = {FONT: "DejaVuSans.ttf", FONT_BOLD: "DejaVuSans-Bold.ttf"}
DRAFT_COLOUR = "C00000"

# Excel's limits: a sheet name has at most 31 characters, none of []:*?/\, and does not start
# or end with an apostrophe; "History" is reserved; a cell holds at most 32767 characters.
SHEET_NAME_MAX = 31
SHEET_NAME_SWAPS = str.maketrans({"[": "(", "]": ")", "/": "-", "\\": "-", ":": " ", "*": " ", "?": " "})
RULE_REFERENCE = re.compile(r"\s*\[[^\]]*\]")  # "[R6.2]", "[6-т. 2) тт.]", "[пп. 2) п. 6]"
RESERVED_SHEET_NAMES = {"history"}
TRAILING = " ,;:·-–—"
CELL_TEXT_MAX = 32767
HEADER_FOOTER_MAX = 120  # Excel allows 255 characters in a whole page header or footer
XLSX_NUMBER_FORMATS = {"count": "#,##0", "whole": "#,##0", "tenths": "#,##0.0", "percent": "0%",
                       "date": "dd.mm.yyyy"}
PORTRAIT_COLUMNS = 95  # column width units that fit across an A4 portrait page


# Values

def format_value(value, kind, locale=None):
    """Display text of one cell in ``locale`` (by default the one shown): ``1234`` →
    "1 234", ``2.25`` days → "2,3", ``16.0`` days → "16", ``0.83`` → "83%" (kk) / "83 %" (ru),
    a date → "14.03.2026".

    A ``mixed`` cell (``{"value": v, "kind": k}``) is shown by its own kind; None is "—".
    Halves round up, as people (and Excel's display of the XLSX) expect: 2.25 → "2,3"; a
    whole number is written without a decimal part.
    """
    value, kind = resolve_cell(value, kind)
    if value is None:
        return EMPTY
    locale = _locale(locale)
    if kind == "count":
        return format_decimal(int(value), "#,##0", locale=locale)
    if kind in ("days", "minutes"):
        return format_decimal(_round_half_up(value, "0.1"), "#,##0.#", locale=locale)
    if kind == "percent":
        return format_percent(_round_half_up(value * 100, "1") / 100, locale=locale)
    if kind == "date":
        return format_day(value, locale)
    return str(value)


def format_day(day, locale=None):
    """A date as the report's language writes it in a table ("14.03.2026")."""
    locale = _locale(locale)
    if isinstance(day, datetime.datetime):
        day = day.date()
    return format_date(day, DATE_PATTERNS.get(locale.language, "medium"), locale=locale)


def format_moment(moment, locale=None):
    """An aware datetime, in its own time zone, as the report's language writes it."""
    locale = _locale(locale)
    return format_datetime(moment, TIME_PATTERNS.get(locale.language, "medium"),
                           tzinfo=moment.tzinfo, locale=locale)


def _locale(locale=None):
    """A Babel Locale: the one given, else the one being shown, else Kazakh."""
    return Locale.parse(locale or get_locale() or DEFAULT_LANGUAGE)


def _round_half_up(number, step):
    rounded = Decimal(repr(float(number))).quantize(Decimal(step), rounding=ROUND_HALF_UP)
    return abs(rounded) if rounded == 0 else rounded


def resolve_cell(value, kind):
    """The (value, kind) of a cell, unwrapping a ``mixed`` column's ``{"value", "kind"}``.

    A bare value in a ``mixed`` column is text; an unknown kind is a ValueError.
    """
    if kind == "mixed":
        if isinstance(value, dict):
            value, kind = value.get("value"), value["kind"]
        else:
            kind = "text"
    if kind not in KINDS:
        raise ValueError(f"unknown column kind: {kind!r}")
    return value, kind


def _clean_text(value):
    """Text without the control characters that neither XLSX nor the PDF can hold."""
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))


def _in_language(rendered):
    """Translate what the file adds in the report's own language [R8] (not the reader's)."""
    language = rendered.get("language")
    return force_locale(language) if language else nullcontext()


def _fit_words(text, limit):
    """``text`` cut to at most ``limit`` characters between words, never inside one (unless
    its first word alone is longer), without a dangling comma or dash."""
    if len(text) <= limit:
        return text
    kept = ""
    for word in text.split():
        if len(f"{kept} {word}".strip()) > limit:
            break
        kept = f"{kept} {word}".strip()
    return kept.rstrip(TRAILING) or text[:limit - 1].rstrip() + "…"


# XLSX

def xlsx_bytes(rendered):
    """The report as an XLSX workbook: one sheet per section, headed by the report's title."""
    locale = _locale(rendered.get("language"))
    with _in_language(rendered):
        workbook = Workbook()
        workbook.remove(workbook.active)
        workbook.properties.title = _clean_text(rendered["title"])
        workbook.properties.language = str(locale).replace("_", "-")
        used_names = set(RESERVED_SHEET_NAMES)
        sections = rendered["sections"] or [{"title": "", "tables": []}]
        for section in sections:
            name = _sheet_name(section.get("sheet") or section["title"], used_names)
            _write_section(workbook.create_sheet(name), rendered, section, locale)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _sheet_name(title, used):
    """A valid sheet name from a section title [R8]: its words without the rule references
    (the sheet's heading row keeps them), cut between words to fit 31 characters, unique
    (case-insensitively) among ``used``."""
    text = _clean_text(title)
    name = _sheet_words(RULE_REFERENCE.sub("", text)) or _sheet_words(text) or _("Sheet")
    candidate, number = _fit_words(name, SHEET_NAME_MAX).strip("'"), 1
    while candidate.lower() in used:
        number += 1
        suffix = f" ({number})"
        candidate = _fit_words(name, SHEET_NAME_MAX - len(suffix)).strip("'") + suffix
    used.add(candidate.lower())
    return candidate


def _sheet_words(text):
    """``text`` with the characters a sheet name cannot hold replaced, and no stray
    punctuation left where a reference was ("Activities –, ," → "Activities")."""
    words = [word for word in text.translate(SHEET_NAME_SWAPS).split() if word.strip(TRAILING)]
    return " ".join(words).strip(TRAILING + "'")


def _write_section(sheet, rendered, section, locale):
    """Heading rows, then the section's tables, one blank row apart."""
    row = _write_heading(sheet, rendered, section)
    widths, first_header = {}, None
    for index, table in enumerate(section["tables"]):
        header, row = _write_table(sheet, row + (2 if index else 1), table, widths, locale)
        first_header = first_header or header
    for col, width in widths.items():
        sheet.column_dimensions[get_column_letter(col)].width = width
    _set_page(sheet, rendered, first_header or row, sum(widths.values()) > PORTRAIT_COLUMNS)


def _write_heading(sheet, rendered, section):
    """The report's title and subtitle, the draft mark, the section's title: its last row."""
    _write_text(sheet, 1, 1, rendered["title"]).font = Font(bold=True, size=14)
    _write_text(sheet, 2, 1, rendered.get("subtitle") or "")
    row = 2
    if rendered.get("draft"):
        row += 1
        mark = _write_text(sheet, row, 1, _("DRAFT: not submitted; the figures may still change."))
        mark.font = Font(bold=True, size=12, color=DRAFT_COLOUR)
    if section.get("title"):
        row += 1
        _write_text(sheet, row, 1, section["title"]).font = Font(bold=True, size=12)
    return row


def _write_table(sheet, row, table, widths, locale):
    """A table from ``row`` on: (its column headers' row, its last row)."""
    if table.get("title"):
        _write_text(sheet, row, 1, table["title"]).font = Font(bold=True)
        row += 1
    kinds = [column["kind"] for column in table["columns"]]
    for col, (column, kind) in enumerate(zip(table["columns"], kinds), start=1):
        cell = _write_text(sheet, row, col, column["label"])
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="E8E8E8")
        cell.alignment = Alignment(wrap_text=True, vertical="top",
                                   horizontal="left" if kind in ("text", "date") else "right")
        _widen(widths, col, str(column["label"]), header=True)
    header = row
    for values in table["rows"]:
        row += 1
        for col, (value, kind) in enumerate(zip(values, kinds), start=1):
            _write_value(sheet, row, col, value, kind)
            _widen(widths, col, format_value(value, kind, locale))
    return header, row


def _set_page(sheet, rendered, header_row, wide):
    """Freeze the rows down to the first table's headers (and the first column of a sheet
    wider than a portrait page), repeat them on every printed page, print one page wide
    (landscape when wide), the footer in the report's language [R8]."""
    sheet.freeze_panes = f"{'B' if wide else 'A'}{header_row + 1}"
    sheet.print_title_rows = f"1:{header_row}"
    if wide:
        sheet.print_title_cols = "A:A"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "landscape" if wide else "portrait"
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.oddFooter.left.text = _header_footer_text(rendered["title"])
    sheet.oddFooter.right.text = _("Page %(page)s of %(total)s", page="&P", total="&N")
    if rendered.get("draft"):
        sheet.oddHeader.center.text = _header_footer_text(_("DRAFT"))
        sheet.oddHeader.center.color = DRAFT_COLOUR
        sheet.sheet_properties.tabColor = DRAFT_COLOUR


def _header_footer_text(text):
    """Text for a printed page's header or footer: "&" starts a code there, so it is doubled."""
    return _fit_words(_clean_text(text), HEADER_FOOTER_MAX).replace("&", "&&")


def _write_text(sheet, row, col, text):
    """A string cell, never a formula, whatever the text starts with."""
    cell = sheet.cell(row=row, column=col)
    cell.value = _clean_text(text)[:CELL_TEXT_MAX]
    cell.data_type = "s"
    return cell


def _write_value(sheet, row, col, value, kind):
    value, kind = resolve_cell(value, kind)
    if value is None:
        return sheet.cell(row=row, column=col)
    if kind == "text":
        cell = _write_text(sheet, row, col, value)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        return cell
    cell = sheet.cell(row=row, column=col, value=_cell_value(value, kind))
    cell.number_format = _number_format(value, kind)
    return cell


def _cell_value(value, kind):
    if kind == "count":
        return int(value)
    if kind == "date":
        return value.date() if isinstance(value, datetime.datetime) else value
    return float(value)


def _number_format(value, kind):
    """Days and minutes show a tenth only when they have one: 16 → "16", 2.25 → "2.3"."""
    if kind in ("days", "minutes"):
        return XLSX_NUMBER_FORMATS["whole" if _round_half_up(value, "0.1") % 1 == 0 else "tenths"]
    return XLSX_NUMBER_FORMATS[kind]


def _widen(widths, col, text, header=False):
    """Grow a column to fit its longest line, within 8..50 (headers wrap beyond 20), and
    never below its longest word: a wrapped header breaks between words, not inside one."""
    longest = max((len(line) for line in text.splitlines()), default=0)
    word = max((len(part) for part in text.split()), default=0) * (1.15 if header else 1)
    wanted = min(max(min(longest, 20 if header else 50), word), 80) + 2
    widths[col] = max(widths.get(col, 8), round(wanted, 1))


# PDF

PAGE_MARGIN = 18 * mm
CELL_PADDING = 6  # ReportLab's left and right padding of a table cell, in points
TABLE_FONT, MIN_TABLE_FONT = 8.5, 6.5
STYLES = {
    "title": dict(fontName=FONT_BOLD, fontSize=16, leading=20, spaceAfter=4),
    "subtitle": dict(fontName=FONT, fontSize=10, leading=13, textColor=colors.HexColor("#444444"),
                     spaceAfter=6),
    "draft": dict(fontName=FONT_BOLD, fontSize=11, leading=14, spaceAfter=6,
                  textColor=colors.HexColor(f"#{DRAFT_COLOUR}")),
    "section": dict(fontName=FONT_BOLD, fontSize=13, leading=16, spaceBefore=10, spaceAfter=6),
    "table": dict(fontName=FONT_BOLD, fontSize=10, leading=13, spaceBefore=4, spaceAfter=3),
    "header": dict(fontName=FONT_BOLD, fontSize=TABLE_FONT, leading=10.5),
    "cell": dict(fontName=FONT, fontSize=TABLE_FONT, leading=10.5),
}


def pdf_bytes(rendered):
    """The report as an A4 PDF with embedded DejaVu fonts and numbered pages; the footer,
    the page numbers and the draft mark in the report's language [R8]."""
    _register_fonts()
    locale = _locale(rendered.get("language"))
    buffer = io.BytesIO()
    with _in_language(rendered):
        document = SimpleDocTemplate(
            buffer, pagesize=A4, title=_clean_text(rendered["title"]), initialFontName=FONT,
            lang=str(locale).replace("_", "-"), leftMargin=PAGE_MARGIN, rightMargin=PAGE_MARGIN,
            topMargin=PAGE_MARGIN, bottomMargin=PAGE_MARGIN + 4 * mm,
        )
        document.build(_story(rendered, document.width, locale),
                       canvasmaker=functools.partial(_NumberedCanvas, **_page_marks(rendered)))
    return buffer.getvalue()


def _page_marks(rendered):
    """What every page carries: the footer, its numbering and, on a draft, the draft mark."""
    draft = _("DRAFT") if rendered.get("draft") else None
    title = _clean_text(rendered["title"])
    return {"footer": f"{draft} · {title}" if draft else title, "watermark": draft,
            "numbering": lambda page, total: _("Page %(page)d of %(total)d", page=page, total=total)}


def _story(rendered, width, locale):
    styles = {name: ParagraphStyle(name, **options) for name, options in STYLES.items()}
    story = [_paragraph(rendered["title"], styles["title"])]
    if rendered.get("subtitle"):
        story.append(_paragraph(rendered["subtitle"], styles["subtitle"]))
    if rendered.get("draft"):
        story.append(_paragraph(_("DRAFT: not submitted; the figures may still change."), styles["draft"]))
    for section in rendered["sections"]:
        story += [CondPageBreak(40 * mm), _paragraph(section["title"], styles["section"])]
        for table in section["tables"]:
            story.append(CondPageBreak(25 * mm))
            if table.get("title"):
                story.append(_paragraph(table["title"], styles["table"]))
            story += [_pdf_table(table, styles, width, locale), Spacer(1, 5 * mm)]
    return story


def _register_fonts():
    """Register the embedded fonts with ReportLab once per process."""
    registered = set(pdfmetrics.getRegisteredFontNames())
    for name, filename in FONT_FILES.items():
        if name not in registered:
            pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / filename)))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD)


def _paragraph(text, style):
    """A Paragraph of plain text: ReportLab's mini-markup in it is escaped, not obeyed."""
    return Paragraph(escape(_clean_text(text)).replace("\n", "<br/>"), style)


def _aligned(style, alignment, size):
    return ParagraphStyle(f"{style.name}-{alignment}-{size}", parent=style, alignment=alignment,
                          fontSize=size, leading=size * 1.25)


def _pdf_table(table, styles, width, locale):
    """A table whose columns are never narrower than their longest words (in a smaller type,
    down to ``MIN_TABLE_FONT``, when they cannot all fit): text wraps between words."""
    kinds = [column["kind"] for column in table["columns"]]
    words = _longest_words(table, locale)
    size = _table_font_size(words, width)
    header = [_paragraph(column["label"], _aligned(styles["header"], TA_LEFT if kind in ("text", "date")
                                                   else TA_RIGHT, size))
              for column, kind in zip(table["columns"], kinds)]
    body = [[_paragraph(format_value(value, kind, locale), _aligned(
                styles["cell"], TA_RIGHT if resolve_cell(value, kind)[1] in NUMERIC_KINDS else TA_LEFT, size))
             for value, kind in zip(values, kinds)]
            for values in table["rows"]]
    floors = [word * size + 2 * CELL_PADDING + 1 for word in words]
    pdf_table = Table([header] + body, colWidths=_share(width, floors, _weights(table, locale)),
                      repeatRows=1)
    pdf_table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#999999")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E8E8E8")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]))
    return pdf_table


def _cell_texts(table, index, locale):
    column = table["columns"][index]
    return [format_value(row[index], column["kind"], locale) for row in table["rows"]]


def _longest_words(table, locale):
    """Per column, the width at 1 pt of its longest word: in its bold header or its cells."""
    return [max(_longest_word([str(column["label"])], FONT_BOLD),
                _longest_word(_cell_texts(table, index, locale), FONT))
            for index, column in enumerate(table["columns"])]


def _longest_word(texts, font):
    return max((pdfmetrics.stringWidth(word, font, 1) for text in texts for word in text.split()), default=0)


def _table_font_size(words, width):
    """The type size at which every column's longest word fits the page side by side."""
    room = width - len(words) * (2 * CELL_PADDING + 1)
    if not sum(words) or room <= 0:
        return TABLE_FONT
    return max(min(TABLE_FONT, room / sum(words)), MIN_TABLE_FONT)


def _weights(table, locale):
    """Each column's share of the page by its longest text (capped, so no column starves)."""
    weights = []
    for index, column in enumerate(table["columns"]):
        longest = max((len(text) for text in _cell_texts(table, index, locale)), default=0)
        weights.append(max(min(longest, 40), min(len(str(column["label"])), 14), 6))
    return weights


def _share(width, floors, weights):
    """Widths in proportion to ``weights``, none below its floor, together ``width``. When
    the floors alone are wider than the page, they are scaled down (a word may then break)."""
    if sum(floors) >= width:
        return [width * floor / sum(floors) for floor in floors]
    fixed = {}
    while True:
        free = [i for i in range(len(weights)) if i not in fixed]
        room = width - sum(fixed.values())
        shares = {i: room * weights[i] / sum(weights[j] for j in free) for i in free}
        starved = {i: floors[i] for i in free if shares[i] < floors[i]}
        if not starved:
            return [fixed.get(i, shares.get(i)) for i in range(len(weights))]
        fixed.update(starved)


class _NumberedCanvas(canvas.Canvas):
    """A canvas that keeps its pages until the end, to print "page N of M" in each footer
    (and the draft mark across each page of a draft)."""

    def __init__(self, *args, footer="", numbering=None, watermark=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._footer, self._numbering, self._watermark = footer, numbering, watermark
        self._pages = []

    def showPage(self):
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        total = len(self._pages)
        for number, page in enumerate(self._pages, start=1):
            self.__dict__.update(page)
            if self._watermark:
                self._draw_watermark()
            self._draw_footer(number, total)
            super().showPage()
        super().save()

    def _draw_watermark(self):
        """The draft mark, large, light and slanted across the page."""
        width, height = self._pagesize
        self.saveState()
        self.setFont(FONT_BOLD, 96)
        self.setFillColor(colors.HexColor(f"#{DRAFT_COLOUR}"), alpha=0.12)
        self.translate(width / 2, height / 2)
        self.rotate(45)
        self.drawCentredString(0, -32, self._watermark)
        self.restoreState()

    def _draw_footer(self, number, total):
        page_width = self._pagesize[0]
        baseline = PAGE_MARGIN / 2
        numbering = self._numbering(number, total)
        self.setFont(FONT, 8)
        self.setFillColor(colors.HexColor("#666666"))
        self.drawRightString(page_width - PAGE_MARGIN, baseline, numbering)
        room = page_width - 2 * PAGE_MARGIN - self.stringWidth(numbering, FONT, 8) - 10 * mm
        footer = self._footer
        while len(footer) > 1 and self.stringWidth(footer, FONT, 8) > room:
            footer = footer[:-2] + "…"
        self.drawString(PAGE_MARGIN, baseline, footer)
