"""The files of the half-year activity report [R8]: XLSX and PDF from a "rendered" report.

Both renderers take the same plain structure, so they work for the whole report and for
a single section alike::

    {"title": str, "subtitle": str,
     "sections": [{"title": str,
                   "tables": [{"title": str | None,
                               "columns": [{"label": str, "kind": KIND}, ...],
                               "rows": [[value, ...], ...]}]}]}

A column's kind is ``text``, ``count`` (int), ``days`` / ``minutes`` (float), ``percent``
(float 0..1), ``date`` (``datetime.date``) or ``mixed``, where each cell is
``{"value": v, "kind": k}`` (a summary column mixing counts, days and percentages). Any
value may be None. :func:`format_value` is the one place a value becomes display text.

The XLSX keeps numbers and dates as real cells, and every text cell is forced to a string:
openpyxl turns a str starting with "=" into a formula, and none may come from user text.

The PDF is drawn with ReportLab rather than WeasyPrint: ReportLab is a pure pip wheel with
no system libraries (WeasyPrint needs Pango and cairo from apt), so it installs with the
rest of ``make run``'s pip install. DejaVu Sans (``static/fonts``, licence beside it) is
embedded, so the Kazakh letters ә ғ қ ң ө ұ ү һ і survive on any reader.
"""
import datetime
import functools
from decimal import ROUND_HALF_UP, Decimal
import io
import re
from pathlib import Path
from xml.sax.saxutils import escape

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

FONT_DIR = Path(__file__).resolve().parent.parent / "static" / "fonts"
FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
FONT_FILES = {FONT: "DejaVuSans.ttf", FONT_BOLD: "DejaVuSans-Bold.ttf"}

# Excel's limits: a sheet name has at most 31 characters, none of these, and does not start
# or end with an apostrophe; "History" is reserved; a cell holds at most 32767 characters.
SHEET_NAME_MAX = 31
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
RESERVED_SHEET_NAMES = {"history"}
CELL_TEXT_MAX = 32767
XLSX_NUMBER_FORMATS = {"count": "#,##0", "days": "0.0", "minutes": "0.0", "percent": "0%",
                       "date": "yyyy-mm-dd"}


def format_value(value, kind):
    """Display text of one cell: ``7`` → "7", ``2.25`` days → "2.3", ``0.83`` → "83%"…

    A ``mixed`` cell (``{"value": v, "kind": k}``) is shown by its own kind; None is "—".
    Counts group thousands with a no-break space, as Kazakh and Russian texts do. Halves
    round up, as people (and Excel's display of the XLSX) expect: 2.25 → "2.3".
    """
    value, kind = resolve_cell(value, kind)
    if value is None:
        return EMPTY
    if kind == "count":
        return f"{int(value):,}".replace(",", "\u00a0")
    if kind in ("days", "minutes"):
        return f"{_round_half_up(value, '0.1')}"
    if kind == "percent":
        return f"{_round_half_up(value * 100, '1')}%"
    if kind == "date":
        if isinstance(value, datetime.datetime):
            value = value.date()
        return value.isoformat()
    return str(value)


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


# XLSX

def xlsx_bytes(rendered):
    """The report as an XLSX workbook: one sheet per section, headed by the report's title."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    workbook.properties.title = _clean_text(rendered["title"])
    used_names = set(RESERVED_SHEET_NAMES)
    for section in rendered["sections"]:
        sheet = workbook.create_sheet(_sheet_name(section["title"], used_names))
        _write_section(sheet, rendered, section)
    if not workbook.worksheets:
        _write_section(workbook.create_sheet(_sheet_name("", used_names)), rendered, {"tables": []})
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _sheet_name(title, used):
    """A valid sheet name from a section title, unique (case-insensitively) among ``used``."""
    name = SHEET_NAME_FORBIDDEN.sub(" ", _clean_text(title))
    name = " ".join(name.split()).strip("'").strip() or _("Sheet")
    candidate = name[:SHEET_NAME_MAX].rstrip()
    number = 1
    while candidate.lower() in used:
        number += 1
        suffix = f" ({number})"
        candidate = name[:SHEET_NAME_MAX - len(suffix)].rstrip() + suffix
    used.add(candidate.lower())
    return candidate


def _write_section(sheet, rendered, section):
    bold = Font(bold=True)
    widths = {}
    _write_text(sheet, 1, 1, rendered["title"]).font = Font(bold=True, size=14)
    _write_text(sheet, 2, 1, rendered.get("subtitle") or "")
    row = 3
    if section.get("title"):
        row += 1
        _write_text(sheet, row, 1, section["title"]).font = Font(bold=True, size=12)
    for table in section["tables"]:
        row += 2
        if table.get("title"):
            _write_text(sheet, row, 1, table["title"]).font = bold
            row += 1
        kinds = [column["kind"] for column in table["columns"]]
        for col, column in enumerate(table["columns"], start=1):
            cell = _write_text(sheet, row, col, column["label"])
            cell.font = bold
            cell.fill = PatternFill("solid", fgColor="E8E8E8")
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            _widen(widths, col, str(column["label"]), header=True)
        for values in table["rows"]:
            row += 1
            for col, (value, kind) in enumerate(zip(values, kinds), start=1):
                _write_value(sheet, row, col, value, kind)
                _widen(widths, col, format_value(value, kind))
    for col, width in widths.items():
        sheet.column_dimensions[get_column_letter(col)].width = width
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4


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
    if kind == "count":
        value = int(value)
    elif kind == "date":
        if isinstance(value, datetime.datetime):
            value = value.date()
    else:
        value = float(value)
    cell = sheet.cell(row=row, column=col, value=value)
    cell.number_format = XLSX_NUMBER_FORMATS[kind]
    return cell


def _widen(widths, col, text, header=False):
    """Grow a column to fit its longest line, within 8..50 (headers wrap beyond 20)."""
    longest = max((len(line) for line in text.splitlines()), default=0)
    wanted = min(longest, 20 if header else 50) + 2
    widths[col] = max(widths.get(col, 8), wanted)


# PDF

PAGE_MARGIN = 18 * mm
STYLES = {
    "title": dict(fontName=FONT_BOLD, fontSize=16, leading=20, spaceAfter=4),
    "subtitle": dict(fontName=FONT, fontSize=10, leading=13, textColor=colors.HexColor("#444444"),
                     spaceAfter=6),
    "section": dict(fontName=FONT_BOLD, fontSize=13, leading=16, spaceBefore=10, spaceAfter=6),
    "table": dict(fontName=FONT_BOLD, fontSize=10, leading=13, spaceBefore=4, spaceAfter=3),
    "header": dict(fontName=FONT_BOLD, fontSize=8.5, leading=10.5),
    "cell": dict(fontName=FONT, fontSize=8.5, leading=10.5),
}


def pdf_bytes(rendered):
    """The report as an A4 PDF with embedded DejaVu fonts and numbered pages."""
    _register_fonts()
    styles = {name: ParagraphStyle(name, **options) for name, options in STYLES.items()}
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer, pagesize=A4, title=_clean_text(rendered["title"]), initialFontName=FONT,
        leftMargin=PAGE_MARGIN, rightMargin=PAGE_MARGIN,
        topMargin=PAGE_MARGIN, bottomMargin=PAGE_MARGIN + 4 * mm,
    )
    story = [_paragraph(rendered["title"], styles["title"])]
    if rendered.get("subtitle"):
        story.append(_paragraph(rendered["subtitle"], styles["subtitle"]))
    for section in rendered["sections"]:
        story += [CondPageBreak(40 * mm), _paragraph(section["title"], styles["section"])]
        for table in section["tables"]:
            story.append(CondPageBreak(25 * mm))
            if table.get("title"):
                story.append(_paragraph(table["title"], styles["table"]))
            story += [_pdf_table(table, styles, document.width), Spacer(1, 5 * mm)]
    canvasmaker = functools.partial(_NumberedCanvas, footer=_clean_text(rendered["title"]))
    document.build(story, canvasmaker=canvasmaker)
    return buffer.getvalue()


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


def _pdf_table(table, styles, width):
    kinds = [column["kind"] for column in table["columns"]]
    right = {"header": ParagraphStyle("header-right", parent=styles["header"], alignment=TA_RIGHT),
             "cell": ParagraphStyle("cell-right", parent=styles["cell"], alignment=TA_RIGHT)}
    left = {"header": ParagraphStyle("header-left", parent=styles["header"], alignment=TA_LEFT),
            "cell": ParagraphStyle("cell-left", parent=styles["cell"], alignment=TA_LEFT)}
    header = [_paragraph(column["label"], (left if kind in ("text", "date") else right)["header"])
              for column, kind in zip(table["columns"], kinds)]
    body = []
    for values in table["rows"]:
        cells = []
        for value, kind in zip(values, kinds):
            shown_kind = resolve_cell(value, kind)[1]
            style = (right if shown_kind in NUMERIC_KINDS else left)["cell"]
            cells.append(_paragraph(format_value(value, kind), style))
        body.append(cells)
    pdf_table = Table([header] + body, colWidths=_column_widths(table, width), repeatRows=1)
    pdf_table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#999999")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E8E8E8")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]))
    return pdf_table


def _column_widths(table, width):
    """Share the page width by each column's longest text (capped, so no column starves)."""
    weights = []
    for index, column in enumerate(table["columns"]):
        texts = [format_value(row[index], column["kind"]) for row in table["rows"]]
        longest = max((len(text) for text in texts), default=0)
        weights.append(max(min(longest, 40), min(len(str(column["label"])), 14), 6))
    total = sum(weights)
    return [width * weight / total for weight in weights]


class _NumberedCanvas(canvas.Canvas):
    """A canvas that keeps its pages until the end, to print "page N of M" in each footer."""

    def __init__(self, *args, footer="", **kwargs):
        super().__init__(*args, **kwargs)
        self._footer = footer
        self._pages = []

    def showPage(self):
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        total = len(self._pages)
        for number, page in enumerate(self._pages, start=1):
            self.__dict__.update(page)
            self._draw_footer(number, total)
            super().showPage()
        super().save()

    def _draw_footer(self, number, total):
        page_width = self._pagesize[0]
        baseline = PAGE_MARGIN / 2
        numbering = _("Page %(page)d of %(total)d", page=number, total=total)
        self.setFont(FONT, 8)
        self.setFillColor(colors.HexColor("#666666"))
        self.drawRightString(page_width - PAGE_MARGIN, baseline, numbering)
        room = page_width - 2 * PAGE_MARGIN - self.stringWidth(numbering, FONT, 8) - 10 * mm
        footer = self._footer
        while len(footer) > 1 and self.stringWidth(footer, FONT, 8) > room:
            footer = footer[:-2] + "…"
        self.drawString(PAGE_MARGIN, baseline, footer)
