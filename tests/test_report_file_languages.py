"""The half-year report's files [R8] say everything in their own language, whatever the
reader's interface language: footers, page numbers, the draft mark, sheet names, dates
and numbers. Real translations and a real region; the draft through the admin screen.
"""
import io
import re
from datetime import datetime, timezone

import openpyxl
import pytest
from flask_babel import force_locale, gettext
from pypdf import PdfReader

from extensions import db
from models import Region
from services import report_files, report_layout
from tests.test_report_files import footers
from tests.test_reports import EXPECTED

KAZAKH_ONLY = re.compile("[әғқңөұүһіӘҒҚҢӨҰҮҺІ]")
FIGURES = {**EXPECTED, "year": 2026, "half": 1, "start": "2026-01-01", "end": "2026-06-30",
           "computed_at": "2026-06-15T10:05:00+05:00"}
ISO_DATE = re.compile(r"\b20\d\d-\d\d-\d\d\b")
BASE = "/admin/half_year_report"


def translated(language, message, **values):
    with force_locale(language):
        return gettext(message, **values)


def files(language, interface):
    """The draft's XLSX and PDF in ``language``, made while the interface shows ``interface``."""
    with force_locale(interface):
        rendered = report_layout.render(FIGURES, db.session.get(Region, "75"), language)
        return rendered, report_files.xlsx_bytes(rendered), report_files.pdf_bytes(rendered)


def pdf_text(data):
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.mark.parametrize("interface", ["kk", "en"])
def test_the_russian_pdfs_footer_has_no_kazakh_letters(app_ctx, interface):
    _rendered, _xlsx, pdf = files("ru", interface)
    pages = footers(pdf)
    assert len(pages) >= 2
    for number, footer in enumerate(pages, start=1):
        assert not KAZAKH_ONLY.search(footer), footer
        assert translated("ru", "Page %(page)d of %(total)d", page=number, total=len(pages)) in footer
        assert "Полугодовой отчёт" in footer and translated("ru", "DRAFT") in footer


def test_the_kazakh_pdfs_footer_is_kazakh_under_a_russian_interface(app_ctx):
    _rendered, _xlsx, pdf = files("kk", "ru")
    pages = footers(pdf)
    for number, footer in enumerate(pages, start=1):
        assert translated("kk", "Page %(page)d of %(total)d", page=number, total=len(pages)) in footer
        assert "Жартыжылдық есеп" in footer and "Страница" not in footer


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_the_xlsx_sheets_fit_their_names_freeze_their_headers_and_print_titles(app_ctx, language):
    rendered, xlsx, _pdf = files(language, "en")
    book = openpyxl.load_workbook(io.BytesIO(xlsx))
    assert len(book.sheetnames) == len(rendered["sections"]) == 7
    for sheet, section in zip(book.worksheets, rendered["sections"]):
        # The section's (short) name without its rule references, cut between words.
        wanted = re.sub(r"\s*\[[^\]]*\]", "", section["sheet"]).rstrip(" ,–").split()
        got = sheet.title.split()
        assert len(sheet.title) <= 31 and got == wanted[:len(got)], (sheet.title, section["sheet"])
        assert section["title"] in [cell.value for row in sheet.iter_rows(max_row=5) for cell in row]
        # The first table's column headers and everything above them stay in view and print
        # on every page; one page wide.
        first = section["tables"][0]["columns"][-1]["label"]
        header = next(cell.row for row in sheet.iter_rows() for cell in row if cell.value == first)
        assert sheet.freeze_panes in (f"A{header + 1}", f"B{header + 1}")
        assert sheet.print_title_rows == f"$1:${header}"
        assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToWidth == 1
        assert sheet.page_setup.fitToHeight == 0
        assert sheet.oddFooter.right.text == translated(language, "Page %(page)s of %(total)s",
                                                        page="&P", total="&N")
        assert sheet.oddHeader.center.text == translated(language, "DRAFT")


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_dates_and_numbers_are_written_as_the_language_writes_them(app_ctx, language):
    rendered, xlsx, pdf = files(language, "en")
    text = pdf_text(pdf)
    assert "01.01.2026–30.06.2026" in text and "15.06.2026 10:05" in rendered["subtitle"]
    assert not ISO_DATE.search(text) and "T10:05" not in text
    assert "16.0" not in text and "16,0" not in text  # the median days, a whole number
    median_label = translated(language, "Median days from receipt to answer")
    squeezed = re.sub(r"\s+", " ", text)
    assert f"{median_label} 16 " in squeezed
    assert re.search(r"\b67\s?%", squeezed)  # Babel's percent: "67%" in Kazakh, "67 %" in Russian
    book = openpyxl.load_workbook(io.BytesIO(xlsx))
    label = next(cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row
                 if cell.value == median_label)
    median = label.parent.cell(row=label.row, column=label.column + 1)
    assert median.value == 16 and median.number_format == "#,##0"
    numbers = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row
               if cell.data_type == "n" and cell.value is not None]
    assert all("yyyy-mm" not in cell.number_format for cell in numbers)


def test_a_submitted_version_is_not_marked_draft(app_ctx):
    class Version:
        version = 2
        submitted_at = datetime(2026, 7, 1, 5, 0, tzinfo=timezone.utc)
    with force_locale("kk"):
        rendered = report_layout.render(FIGURES, db.session.get(Region, "75"), "ru", version=Version())
    assert rendered["draft"] is False and "01.07.2026 10:00" in rendered["subtitle"]
    pdf = report_files.pdf_bytes(rendered)
    draft_mark = translated("ru", "DRAFT")
    assert draft_mark not in pdf_text(pdf)
    assert all(not KAZAKH_ONLY.search(footer) for footer in footers(pdf))
    for sheet in openpyxl.load_workbook(io.BytesIO(report_files.xlsx_bytes(rendered))).worksheets:
        assert not sheet.oddHeader.center.text


def test_the_draft_downloaded_from_a_kazakh_screen_is_russian_throughout(app, login):
    """The ombudsman reads the admin in Kazakh and downloads the Russian draft."""
    client = login("ombudsman75")
    client.get("/admin/?lang=kk")
    pdf = client.get(f"{BASE}/draft/?year=2026&half=1&format=pdf&language=ru")
    assert pdf.status_code == 200
    with app.app_context():
        draft_mark = translated("ru", "DRAFT")
    for footer in footers(pdf.data):
        assert not KAZAKH_ONLY.search(footer) and "Страница" in footer and draft_mark in footer
    xlsx = client.get(f"{BASE}/draft/?year=2026&half=1&format=xlsx&language=ru")
    book = openpyxl.load_workbook(io.BytesIO(xlsx.data))
    assert book.sheetnames[0].startswith("Поступившие обращения")
    assert all(sheet.oddHeader.center.text == draft_mark for sheet in book.worksheets)
