"""The XLSX and PDF files of the half-year report [R8], from a hand-written rendered report."""
import datetime
import io
import re

import openpyxl
import pytest
from pypdf import PdfReader

from services.report_files import format_value, pdf_bytes, xlsx_bytes

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
    assert names[0].startswith("Қабылданған өтініштер мен") and names[1].endswith("(2)")
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
    assert days.value == pytest.approx(2.25) and days.number_format == "0.0"
    assert minutes.value == pytest.approx(45.0) and minutes.data_type == "n"
    assert all(right_of(find_cell(second, "K-0002"), step).value is None for step in (1, 2, 3))

    assert right_of(find_cell(summary, "Барлығы")).value == 10
    assert isinstance(right_of(find_cell(summary, "Барлығы")).value, int)
    assert right_of(find_cell(summary, "Орташа мерзім")).number_format == "0.0"
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
    for shown in ("1 234", "70%", "25%", "2.3", "45.0", "2026-03-14", "83%", "3.5", "—"):
        assert shown in text
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
    (2.25, "days", "2.3"),
    (2.24, "days", "2.2"),
    (3, "days", "3.0"),
    (45.04, "minutes", "45.0"),
    (0.83, "percent", "83%"),
    (0.825, "percent", "83%"),
    (0.004, "percent", "0%"),
    (1.0, "percent", "100%"),
    (DATE, "date", "2026-03-14"),
    (datetime.datetime(2026, 3, 14, 10, 30), "date", "2026-03-14"),
    ("Өтініш <b>", "text", "Өтініш <b>"),
    (None, "count", "—"),
    (None, "text", "—"),
    ({"value": 0.5, "kind": "percent"}, "mixed", "50%"),
    ({"value": None, "kind": "days"}, "mixed", "—"),
])
def test_format_value(value, kind, shown):
    assert format_value(value, kind) == shown


def test_format_value_rejects_unknown_kind():
    with pytest.raises(ValueError):
        format_value(1, "money")
