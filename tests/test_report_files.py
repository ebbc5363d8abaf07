"""The XLSX and PDF files of the half-year report [R8], from a hand-written rendered report."""
import datetime
import io
import re

import openpyxl
import pytest
from pypdf import PdfReader

from services.report_files import PAGE_MARGIN, format_value, pdf_bytes, xlsx_bytes

KAZAKH_LETTERS = "әғқңөұүһі"
FORMULA_LIKE = ['=HYPERLINK("http://x","y")', "+1+2", "@SUM(A1)"]
LONG_TITLE_1 = "Қабылданған өтініштер мен шағымдар: түрі/арнасы бойынша [R6.2]"
LONG_TITLE_2 = "Қабылданған өтініштер мен шағымдар: мерзімдері/нәтижелері [R6.3]"
SUMMARY_TITLE = "Қорытынды"
DATE = datetime.date(2026, 3, 14)


@pytest.fixture(autouse=True)
def _isolation():
    """Pure functions: override conftest's per-test transaction, so no database starts."""
    yield


def rendered():
    return {
        "title": "Жарты жылдық есеп: 2026 ж., 1-жарты жыл",
        "subtitle": "Абай облысы · 01.01.2026–30.06.2026 · нұсқа 2",
        "sections": [
            {"title": LONG_TITLE_1,
             "tables": [
                 {"title": "Түрі бойынша <b>&amp;",
                  "columns": [{"label": "Түрі", "kind": "text"},
                              {"label": "Саны", "kind": "count"},
                              {"label": "Үлесі", "kind": "percent"}],
                  "rows": [["Әңгіме, ғарыш, қағаз, өңір, ұл, үй, һәм, іс", 7, 0.7],
                           ["Обращение (русский текст)", 1234, 0.25],
                           [FORMULA_LIKE[0], 3, None],
                           [FORMULA_LIKE[1], 0, 0.05],
                           [FORMULA_LIKE[2], 0, 0.0]]},
             ]},
            {"title": LONG_TITLE_2,
             "tables": [
                 {"title": None,
                  "columns": [{"label": "Істің нөмірі", "kind": "text"},
                              {"label": "Тіркелген күні", "kind": "date"},
                              {"label": "Мерзімі, күн", "kind": "days"},
                              {"label": "Жауап, минут", "kind": "minutes"}],
                  "rows": [["K-0001", DATE, 2.25, 45.0],
                           ["K-0002", None, None, None],
                           ["ӘҒҚҢӨҰҮҺІ", None, None, None]]},
             ]},
            {"title": SUMMARY_TITLE,
             "tables": [
                 {"title": "Жиынтық",
                  "columns": [{"label": "Көрсеткіш", "kind": "text"},
                              {"label": "Мәні", "kind": "mixed"}],
                  "rows": [["Барлығы", {"value": 10, "kind": "count"}],
                           ["Орташа мерзім", {"value": 3.5, "kind": "days"}],
                           ["Мерзімінде", {"value": 0.83, "kind": "percent"}],
                           ["Жоқ", {"value": None, "kind": "count"}]]},
             ]},
        ],
    }


def load(data):
    return openpyxl.load_workbook(io.BytesIO(data))


def find_cell(sheet, value):
    return next(cell for row in sheet.iter_rows() for cell in row if cell.value == value)


def right_of(cell, steps=1):
    return cell.parent.cell(row=cell.row, column=cell.column + steps)


def assert_valid_sheet_names(names):
    for name in names:
        assert 0 < len(name) <= 31
        assert not re.search(r"[\[\]:*?/\\]", name)
        assert not name.startswith("'") and not name.endswith("'")
    assert len({name.lower() for name in names}) == len(names)


def test_xlsx_has_one_sheet_per_section_with_valid_unique_names():
    workbook = load(xlsx_bytes(rendered()))
    names = workbook.sheetnames
    assert len(names) == 3
    assert_valid_sheet_names(names)
    assert names[2] == SUMMARY_TITLE
    assert LONG_TITLE_1[:31] == LONG_TITLE_2[:31]
    # Cut between words, never inside one ("...шағым"), and told apart by a number.
    assert names[0] == "Қабылданған өтініштер мен" and names[1] == "Қабылданған өтініштер мен (2)"
    sheet = workbook[names[0]]
    assert sheet["A1"].value == rendered()["title"] and sheet["A1"].font.b
    assert sheet["A2"].value == rendered()["subtitle"]
    assert find_cell(sheet, LONG_TITLE_1).font.b
    assert sheet.column_dimensions["A"].width > 20


def test_xlsx_sheet_names_survive_odd_titles():
    titles = ["", "[]:*?/\\", "'Quoted'", "History", "x" * 40, "X" * 40, "sheet"]
    data = xlsx_bytes({"title": "T", "subtitle": "S",
                       "sections": [{"title": title, "tables": []} for title in titles]})
    names = load(data).sheetnames
    assert len(names) == len(titles)
    assert_valid_sheet_names(names)
    assert "history" not in {name.lower() for name in names}


def test_xlsx_numbers_and_dates_are_real_cells():
    workbook = load(xlsx_bytes(rendered()))
    first, second, summary = workbook.worksheets
    kazakh = find_cell(first, "Әңгіме, ғарыш, қағаз, өңір, ұл, үй, һәм, іс")
    count, percent = right_of(kazakh), right_of(kazakh, 2)
    assert count.value == 7 and isinstance(count.value, int) and count.data_type == "n"
    assert percent.value == pytest.approx(0.7) and isinstance(percent.value, float)
    assert percent.data_type == "n" and "%" in percent.number_format
    assert right_of(find_cell(first, FORMULA_LIKE[0]), 2).value is None

    case = find_cell(second, "K-0001")
    date, days, minutes = right_of(case), right_of(case, 2), right_of(case, 3)
    assert date.is_date and date.value.date() == DATE
    assert days.value == pytest.approx(2.25) and days.number_format == "#,##0.0"
    assert minutes.number_format == "#,##0"  # 45.0 minutes is a whole number: "45", not "45.0"
    assert date.number_format == "dd.mm.yyyy"  # never the ISO "yyyy-mm-dd"
    assert minutes.value == pytest.approx(45.0) and minutes.data_type == "n"
    assert all(right_of(find_cell(second, "K-0002"), step).value is None for step in (1, 2, 3))

    assert right_of(find_cell(summary, "Барлығы")).value == 10
    assert isinstance(right_of(find_cell(summary, "Барлығы")).value, int)
    assert right_of(find_cell(summary, "Орташа мерзім")).number_format == "#,##0.0"
    on_time = right_of(find_cell(summary, "Мерзімінде"))
    assert on_time.value == pytest.approx(0.83) and "%" in on_time.number_format
    assert right_of(find_cell(summary, "Жоқ")).value is None


def test_xlsx_text_is_never_a_formula():
    workbook = load(xlsx_bytes(rendered()))
    for text in FORMULA_LIKE:
        cell = find_cell(workbook.worksheets[0], text)
        assert cell.data_type == "s" and cell.value == text
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            assert all(cell.data_type != "f" for cell in row)


def test_xlsx_drops_control_characters_instead_of_failing():
    data = xlsx_bytes({"title": "T\x00", "subtitle": "",
                       "sections": [{"title": "S", "tables": [
                           {"title": None, "columns": [{"label": "A", "kind": "text"}],
                            "rows": [["a\x07b"]]}]}]})
    assert find_cell(load(data).worksheets[0], "ab").data_type == "s"


def pdf_text(data):
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages).replace("\u00a0", " ")


def test_pdf_has_kazakh_letters_titles_and_numbers():
    data = pdf_bytes(rendered())
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    squeezed = re.sub(r"\s+", "", text)
    for letter in KAZAKH_LETTERS + KAZAKH_LETTERS.upper():
        assert letter in text
    for title in (LONG_TITLE_1, LONG_TITLE_2, SUMMARY_TITLE, rendered()["title"]):
        assert re.sub(r"\s+", "", title) in squeezed
    assert "Обращение" in text
    for shown in ("1 234", "70%", "25%", "2,3", "45", "14.03.2026", "83%", "3,5", "—"):
        assert shown in text
    assert "2026-03-14" not in text and "45.0" not in text and "45,0" not in text
    for text_cell in FORMULA_LIKE:
        assert re.sub(r"\s+", "", text_cell) in squeezed
    assert "Түрі бойынша <b>&amp;" in text
    assert "Page 1 of 1" in text


def test_pdf_embeds_dejavu_fonts():
    reader = PdfReader(io.BytesIO(pdf_bytes(rendered())))
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            fonts.add(str(font["/BaseFont"]))
            descendants = font.get("/DescendantFonts") or []
            for descendant in descendants:
                descriptor = descendant.get_object().get("/FontDescriptor")
                if descriptor is not None:
                    assert "/FontFile2" in descriptor.get_object()
    assert any("DejaVuSans" in name and "Bold" not in name for name in fonts)
    assert any("DejaVuSans-Bold" in name for name in fonts)
    assert not any("Helvetica" in name for name in fonts)


def test_pdf_numbers_pages_and_repeats_table_headers():
    long_table = {"title": "Ұзын кесте",
                  "columns": [{"label": "Бағана", "kind": "text"}, {"label": "Саны", "kind": "count"}],
                  "rows": [[f"Жол {n}", n] for n in range(150)]}
    data = pdf_bytes({"title": "Есеп", "subtitle": "",
                      "sections": [{"title": "Бөлім", "tables": [long_table]}]})
    reader = PdfReader(io.BytesIO(data))
    pages = len(reader.pages)
    assert pages >= 2
    for number, page in enumerate(reader.pages, start=1):
        text = page.extract_text()
        assert f"Page {number} of {pages}" in text
        assert "Бағана" in text


@pytest.mark.parametrize(("value", "kind", "shown"), [
    (7, "count", "7"),
    (1234567, "count", "1\u00a0234\u00a0567"),
    (2.25, "days", "2,3"),
    (2.24, "days", "2,2"),
    (3, "days", "3"),
    (16.0, "days", "16"),
    (45.04, "minutes", "45"),
    (0.0, "minutes", "0"),
    (0.83, "percent", "83%"),
    (0.825, "percent", "83%"),
    (0.004, "percent", "0%"),
    (1.0, "percent", "100%"),
    (DATE, "date", "14.03.2026"),
    (datetime.datetime(2026, 3, 14, 10, 30), "date", "14.03.2026"),
    ("Өтініш <b>", "text", "Өтініш <b>"),
    (None, "count", "—"),
    (None, "text", "—"),
    ({"value": 0.5, "kind": "percent"}, "mixed", "50%"),
    ({"value": None, "kind": "days"}, "mixed", "—"),
])
def test_format_value(value, kind, shown):
    """Without an application, values are written as Kazakh writes them (the state language)."""
    assert format_value(value, kind) == shown


@pytest.mark.parametrize(("value", "kind", "locale", "shown"), [
    (1234, "count", "ru", "1\u00a0234"),
    (2.25, "days", "ru", "2,3"),
    (16.0, "days", "ru", "16"),
    (0.83, "percent", "ru", "83\u00a0%"),
    (DATE, "date", "ru", "14.03.2026"),
    (1234, "count", "en", "1,234"),
    (2.25, "days", "en", "2.3"),
    (DATE, "date", "en", "Mar 14, 2026"),
])
def test_format_value_in_the_reports_language(value, kind, locale, shown):
    assert format_value(value, kind, locale) == shown


def test_format_value_rejects_unknown_kind():
    with pytest.raises(ValueError):
        format_value(1, "money")


# Sheet names, frozen rows, print titles and fitting [R8]

def header_row(sheet, label):
    return find_cell(sheet, label).row


def test_xlsx_freezes_the_header_rows_and_prints_them_on_every_page():
    workbook = load(xlsx_bytes(rendered()))
    # The first table's column headers: "Түрі", "Істің нөмірі", "Көрсеткіш".
    for sheet, label in zip(workbook.worksheets, ("Түрі", "Істің нөмірі", "Көрсеткіш")):
        row = header_row(sheet, label)
        assert sheet.freeze_panes == f"A{row + 1}" and sheet.print_title_cols is None
        assert sheet.print_title_rows == f"$1:${row}"
        assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
        assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)  # one page wide
        assert str(sheet.page_setup.paperSize) == sheet.PAPERSIZE_A4
        assert "&P" in sheet.oddFooter.right.text and "&N" in sheet.oddFooter.right.text
        assert sheet.oddFooter.left.text == rendered()["title"]
        assert find_cell(sheet, label).alignment.wrap_text


def wide_table(columns=8):
    return {"title": "Өңірлер", "columns": [{"label": "Көрсеткіш", "kind": "text"}] + [
        {"label": f"Батыс Қазақстан облысы {n}", "kind": "count"} for n in range(1, columns)],
        "rows": [[f"Жол {r}", *range(columns - 1)] for r in range(40)]}


def test_a_wide_table_also_freezes_and_repeats_its_first_column_and_prints_landscape():
    data = xlsx_bytes({"title": "Жиынтық & есеп", "subtitle": "", "sections": [
        {"title": "Жиынтық", "tables": [wide_table()]}]})
    sheet = load(data).worksheets[0]
    row = header_row(sheet, "Көрсеткіш")
    assert sheet.freeze_panes == f"B{row + 1}"
    assert (sheet.print_title_rows, sheet.print_title_cols) == (f"$1:${row}", "$A:$A")
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.fitToWidth == 1
    assert sheet.oddFooter.left.text == "Жиынтық && есеп"  # "&" would start a header code


def test_xlsx_header_columns_hold_their_longest_word():
    """A wrapped header breaks between words: its column is never narrower than a word."""
    table = {"title": None, "columns": [
        {"label": "Жауапкершілігіндегілердің саны", "kind": "count"},
        {"label": "Жауапкершілігі", "kind": "count"}], "rows": [[1, 2]]}
    sheet = load(xlsx_bytes({"title": "T", "subtitle": "", "sections": [
        {"title": "S", "tables": [table]}]})).worksheets[0]
    assert sheet.column_dimensions["A"].width >= len("Жауапкершілігіндегілердің") + 2
    assert sheet.column_dimensions["B"].width >= len("Жауапкершілігі") + 2


def test_xlsx_sheet_names_are_cut_between_words_without_rule_references():
    """The sheet's heading row keeps the section's whole title; its tab, at most 31
    characters, has the title's words, none cut, and no reference (in any language's style)."""
    sections = [{"title": title, "tables": []} for title in (
        "Хабарландырулар мен ескертулер [R10.1], [R10.3]",
        "Қабылданған өтініштер [6-т. 2) тт.]",
        "Деятельность [пп. 4) п. 6]–[пп. 11) п. 6], [п. 9], [п. 12]",
        "Бала құқықтарын қорғау жөніндегі өңірлік уәкілдің қызметі",
        "Годовой план [R6.1]")]
    sections.append({"title": "Расталған бұзушылықтан кейінгі шаралар [R11]",
                     "sheet": "Бұзушылықтан кейінгі шаралар", "tables": []})
    workbook = load(xlsx_bytes({"title": "T", "subtitle": "", "sections": sections}))
    assert workbook.sheetnames == ["Хабарландырулар мен ескертулер", "Қабылданған өтініштер", "Деятельность",
                                   "Бала құқықтарын қорғау", "Годовой план", "Бұзушылықтан кейінгі шаралар"]
    assert_valid_sheet_names(workbook.sheetnames)
    assert find_cell(workbook["Қабылданған өтініштер"], "Қабылданған өтініштер [6-т. 2) тт.]").font.b


# The draft mark

def footers(data):
    """The text of each page's footer (drawn below the bottom margin), page by page."""
    found = []
    for page in PdfReader(io.BytesIO(data)).pages:
        parts = []

        def visit(text, cm, tm, _font, _size, parts=parts):
            if text.strip() and tm[5] * cm[3] + cm[5] < PAGE_MARGIN:
                parts.append(text.strip())
        page.extract_text(visitor_text=visit)
        found.append(" ".join(parts))
    return found


def test_a_draft_is_marked_on_every_page_and_sheet():
    draft = dict(rendered(), draft=True)
    pages = PdfReader(io.BytesIO(pdf_bytes(draft))).pages
    assert len(pages) >= 1
    assert "DRAFT: not submitted; the figures may still change." in pdf_text(pdf_bytes(draft))
    for page, footer in zip(pages, footers(pdf_bytes(draft))):
        assert "DRAFT" in page.extract_text()  # the slanted mark across the page
        assert footer.startswith("DRAFT · ") or " DRAFT · " in footer
    workbook = load(xlsx_bytes(draft))
    for sheet in workbook.worksheets:
        assert sheet["A3"].value == "DRAFT: not submitted; the figures may still change."
        assert sheet["A3"].font.b and sheet["A3"].font.color.rgb.endswith("C00000")
        assert sheet.oddHeader.center.text == "DRAFT"


def test_a_submitted_version_carries_no_draft_mark():
    assert "DRAFT" not in pdf_text(pdf_bytes(rendered()))
    for sheet in load(xlsx_bytes(rendered())).worksheets:
        assert not sheet.oddHeader.center.text
        assert all("DRAFT" not in str(cell.value) for row in sheet.iter_rows() for cell in row)


# Table headers in the PDF

# The shape of the alerts table [R10.1], [R10.3]: a long label, then four figures.
LONG_HEADERS = ["Хабарландырулардың", "Жеткізілмегендері", "Медианасы (минуттар)",
                "Жауапкершілігіндегілер"]


def test_pdf_table_headers_wrap_between_words_never_inside_one():
    table = {"title": None,
             "columns": [{"label": "Көрсеткіштің толық атауы", "kind": "text"}] + [
                 {"label": label, "kind": "count"} for label in LONG_HEADERS],
             "rows": [["Уәкілді, Комитетті және әкімді хабардар ету", 4, 1, 5, 10]]}
    text = pdf_text(pdf_bytes({"title": "T", "subtitle": "", "sections": [
        {"title": "S", "tables": [table]}]}))
    tokens = set(text.split())
    for label in LONG_HEADERS:
        for word in label.split():
            assert word in tokens, f"{word!r} is broken across lines"
