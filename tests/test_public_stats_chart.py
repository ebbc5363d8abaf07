"""The picture at /stats [R3]: the 20 regions as bars across (services.public_stats.chart),
the share answered on time beside each; a withheld count drawn as words, never as a
length; the chosen region marked by more than colour; no English in kk and ru; on a
390-pixel phone the page does not scroll sideways and axe-core finds nothing.

The data (``build_regions``): the hand-built half-year of tests/test_public_stats.py and two
more regions, so that three counts are shown (region 10: 25 reports, 80 % on time; region
75: 17, 75 %; region 71: 12), one is "fewer than 5" (region 79: 1) and one is "hidden"
(region 63: 9; shown, it would give region 79's 1 away: 64 − 25 − 17 − 12 − 9).
"""
import math
import re
from datetime import date

import pytest
from axe_playwright_python.sync_playwright import Axe
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import Markup
from playwright.sync_api import expect

from extensions import db
from services import public_stats
from services.public_stats import FEWER, HIDDEN, SMALL
from tests.browser import browser, live_server, page  # noqa: F401
from tests.test_charts import SVG, assert_texts_apart_and_inside, parse, texts
from tests.test_public_stats import (CODES, DIGITS, HALF, RANDOM_CASES, STATS, YEAR, _answered, _case, _rewrite, at,
                                     build_half_year, pool)  # noqa: F401  (pool: a fixture)

PHONE = {"width": 390, "height": 844}
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")
SVG_ELEMENT = re.compile(r"<svg\b.*?</svg>", re.S)


def build_regions():
    """The half-year of tests/test_public_stats.py and, in it, region 10 with 25 reports
    (5 answered, 4 on time: 80 %) and region 63 with 9 (none answered); flushes."""
    build_half_year()
    for n in range(25):
        if n < 5:  # the first one late
            _answered("10", ["bullying"], at(2026, 2, n + 1, 9), date(2026, 3, 1),
                      at(2026, 3, 5, 12) if n == 0 else at(2026, 2, 20, 12))
        else:
            _case("10", ["bullying"], at(2026, 2, n + 1, 9))
    for n in range(9):
        _case("63", ["education"], at(2026, 3, n + 1, 9))
    db.session.flush()


def rows_of(svg):
    """The ``<g class="chart-row">`` of a drawing, top to bottom."""
    return [g for g in parse(svg).iter(f"{SVG}g") if "chart-row" in (g.get("class") or "").split()]


def bars_in(row):
    return row.findall(f"{SVG}rect[@stroke]")


@pytest.fixture
def drawn(app_ctx):
    """The figures of region 75's page and their picture (English)."""
    build_regions()
    figures = public_stats.figures(YEAR, HALF, "75")
    return figures, public_stats.chart(figures)


def test_a_bar_for_each_region_whose_count_is_shown_as_long_as_its_count(drawn):
    figures, chart = drawn
    shown = {row["region"].code: row["total"].value for row in figures["regions"] if row["total"].value}
    assert shown == {"10": 25, "75": 17, "71": 12}
    for svg in (chart["wide"], chart["narrow"]):
        rows = rows_of(svg)
        assert len(rows) == 20
        per_count = []
        for row, region in zip(rows, figures["regions"]):
            words = texts(row)
            assert str(region["total"]) in words and str(region["on_time"]) in words
            if region["region"].code in shown:
                (bar,) = bars_in(row)
                per_count.append((float(bar.get("width")), shown[region["region"].code]))
            else:
                assert bars_in(row) == []   # 0, "fewer than 5", "hidden": no bar
        longest = max(width for width, _count in per_count)
        top = max(count for _width, count in per_count)
        for width, count in per_count:
            assert math.isclose(width, longest * count / top, abs_tol=0.1), (width, count)


def test_a_withheld_count_has_no_bar_but_the_tables_words(drawn):
    figures, chart = drawn
    by_code = {row["region"].code: (i, row) for i, row in enumerate(figures["regions"])}
    assert by_code["79"][1]["total"].withheld == FEWER and by_code["63"][1]["total"].withheld == HIDDEN
    for svg in (chart["wide"], chart["narrow"]):
        rows = rows_of(svg)
        for code, words in (("79", "fewer than 5"), ("63", "hidden")):
            index, region = by_code[code]
            row = rows[index]
            assert bars_in(row) == [] and words in texts(row) and region["name"] in " ".join(texts(row))
            assert "not enough data" in texts(row)   # the share: fewer than 5 answered
    # Nothing of a withheld count is drawn: two more reports in region 79 (3, still "fewer
    # than 5") give the very same picture, but for the drawings' ids.
    _case("79", ["health"], at(2026, 3, 2, 10))
    _case("79", ["health"], at(2026, 3, 3, 10))
    db.session.flush()
    more = public_stats.figures(YEAR, HALF, "75")
    assert [r["total"] for r in more["regions"]] == [r["total"] for r in figures["regions"]]
    again = public_stats.chart(more)
    for variant in ("wide", "narrow"):
        assert _without_ids(again[variant]) == _without_ids(chart[variant])


def _without_ids(svg):
    return re.sub(r"chart-[0-9a-f]{10}", "chart-id", str(svg))


def test_the_chosen_region_is_bold_and_marked(drawn):
    figures, chart = drawn
    for svg in (chart["wide"], chart["narrow"]):
        root, rows = parse(svg), rows_of(svg)
        marked = [row for row in rows if "chart-row-marked" in row.get("class")]
        assert len(marked) == 1
        (row,) = marked
        bold = [t for t in row.iter(f"{SVG}text") if t.get("font-weight") == "bold"]
        assert " ".join(texts(row)).startswith("Almaty") and bold and bold[0].text == "Almaty"
        assert row.find(f"{SVG}path") is not None   # the ▶ before the name
        others = [r for r in rows if r is not row]
        assert len(others) == 19
        assert not any(r.find(f"{SVG}path") is not None or r.find(f"{SVG}text[@font-weight='bold']") is not None
                       for r in others)
        assert "Almaty" in root.find(f"{SVG}desc").text
    national = public_stats.chart(public_stats.figures(YEAR, HALF))
    assert not any("chart-row-marked" in row.get("class") for row in rows_of(national["narrow"]))


def test_the_picture_is_an_accessible_image_and_fits_a_phone(drawn):
    _figures, chart = drawn
    for svg in (chart["wide"], chart["narrow"]):
        root = parse(svg)
        assert root.get("role") == "img"
        assert root.find(f"{SVG}title").get("id") == root.get("aria-labelledby")
        assert root.find(f"{SVG}desc").get("id") == root.get("aria-describedby")
        assert root.find(f"{SVG}title").text == (
            "Reports received and answered on time, by region: January–June 2026")
        assert_texts_apart_and_inside(svg)
    # On a 390-pixel phone the page holds 364 px (site.css: main's padding .75rem of 17 px):
    # the phone's drawing fits, grown to at most that.
    narrow = parse(chart["narrow"])
    style = dict(part.split(":") for part in narrow.get("style").split(";"))
    assert float(narrow.get("width")) <= int(style["max-width"].removesuffix("px")) <= 390 - 2 * 12.75


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cases=RANDOM_CASES, region=st.sampled_from(CODES[:4]))
def test_no_withheld_count_is_ever_drawn(app, pool, cases, region):
    """For many random half-years: a bar exactly where a count above 0 is shown, the
    table's words in every row, and no number from 1 to 4 in any text of the picture."""
    _rewrite(app, pool, cases)
    with app.test_request_context("/?lang=ru"):
        figures = public_stats.figures(YEAR, HALF, region)
        drawn = public_stats.chart(figures)
        shown = [(row["total"].value, str(row["total"])) for row in figures["regions"]]
    for svg in drawn.values():
        for row, (value, words) in zip(rows_of(svg), shown, strict=True):
            assert len(bars_in(row)) == (1 if value else 0) and words in texts(row)
        for text in texts(parse(svg)):
            if not text.endswith("%"):  # a share is a percentage, not a count
                assert not any(1 <= int(digits) < SMALL for digits in DIGITS.findall(text)), text


@pytest.fixture
def regions(app):
    with app.app_context():
        build_regions()
        db.session.commit()


def test_the_page_shows_the_picture_then_the_table(client, regions):
    html = client.get(f"{STATS}&region=75&lang=en").get_data(as_text=True)
    assert html.index('data-testid="stats-chart"') < html.index('data-table="regions"')
    assert html.index('id="by-region-title"') < html.index('data-testid="stats-chart"')
    svgs = SVG_ELEMENT.findall(html)
    assert len(svgs) == 2 and all('role="img"' in svg for svg in svgs)


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_no_english_in_the_picture(app, client, regions, lang):
    for query in (f"{STATS}&region=75", STATS):
        html = client.get(f"{query}&lang={lang}").get_data(as_text=True)
        for svg in SVG_ELEMENT.findall(html):
            root = parse(Markup(svg))
            words = [root.find(f"{SVG}title").text, root.find(f"{SVG}desc").text, *texts(root)]
            english = [w for w in words if LATIN_WORD.search(w or "")]
            assert english == [], (lang, english)


# --- in a real browser ----------------------------------------------------------------------

@pytest.mark.browser
@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_the_picture_on_a_phone(app, live_server, page, regions, lang):
    """390×844: the page is no wider than the screen, the phone's drawing is in view (the
    wide one hidden), and axe-core finds no violation."""
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server}{STATS}&region=75&lang={lang}")
    narrow = page.locator('[data-testid="stats-chart"] [data-variant="narrow"] svg')
    expect(narrow).to_be_visible()
    expect(page.locator('[data-testid="stats-chart"] [data-variant="wide"] svg')).to_be_hidden()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    box = narrow.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    page.screenshot(path=f"/tmp/stats-{lang}-390.png", full_page=True)
    narrow.screenshot(path=f"/tmp/stats-{lang}-390-chart.png", style=".quick-exit { display: none }")
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    page.set_viewport_size({"width": 1280, "height": 900})
    expect(page.locator('[data-testid="stats-chart"] [data-variant="wide"] svg')).to_be_visible()
    expect(narrow).to_be_hidden()
    page.locator('[data-testid="stats-chart"] [data-variant="wide"] svg').screenshot(
        path=f"/tmp/stats-{lang}-1280-chart.png")
