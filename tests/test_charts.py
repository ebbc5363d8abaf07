"""Server-drawn SVG charts: well-formed, readable without colour, inert with hostile labels."""
import math
import re
from datetime import date
from decimal import Decimal
from xml.etree import ElementTree as ET

import pytest
from flask_babel import force_locale, format_date
from markupsafe import Markup
from reportlab.pdfbase.ttfonts import TTFont
from sqlalchemy import select

from core import charts
from extensions import db
from models import Region
from models.case import CATEGORIES

SVG = "{http://www.w3.org/2000/svg}"
MONTHS = ["Oct 2025", "Nov 2025", "Dec 2025"]


def parse(svg):
    assert isinstance(svg, Markup)
    return ET.fromstring(str(svg))


def texts(root):
    """The visible texts of the drawing (not the tooltips of shortened labels)."""
    return ["".join(t.itertext()) if t.find(f"{SVG}title") is None else t.find(f"{SVG}title").tail
            for t in root.iter(f"{SVG}text")]


def test_bar_chart_labels_every_value(app_ctx):
    root = parse(charts.bar_chart("Cases per month", MONTHS, {"Cases": [3, 0, 1234]}))
    shown = texts(root)
    assert shown[0] == "Cases per month"
    assert {"3", "0", "1,234"} <= set(shown)
    assert set(MONTHS) <= set(shown)
    # A zero draws no bar but keeps its label; the two others are bars.
    assert len(root.findall(f"{SVG}rect[@stroke]")) == 2


def test_accessible_name(app_ctx):
    root = parse(charts.bar_chart("Cases by category", ["A"], {"Cases": [1]}))
    assert root.get("role") == "img"
    title = root.find(f"{SVG}title")
    assert title.text == "Cases by category" and root.get("aria-labelledby") == title.get("id")
    desc = root.find(f"{SVG}desc")
    assert root.get("aria-describedby") == desc.get("id") and desc.text.startswith("Bar chart of 1 category;")
    other = parse(charts.bar_chart("Cases by category", ["A"], {"Cases": [1]}))
    assert other.get("aria-labelledby") != root.get("aria-labelledby")  # unique on a page


def test_hostile_labels_are_inert(app_ctx):
    hostile = '<script>"x"</script>'
    svg = charts.bar_chart(f"Title {hostile}", [hostile, "a & b", "bad\x00\x1bchar"],
                           {"<img src=x onerror=alert(1)>": [1, 2, 3], "ok": [1, None, 2]})
    assert "<script" not in svg and "<img" not in svg and "\x00" not in svg
    root = parse(svg)
    tags = {element.tag.removeprefix(SVG) for element in root.iter()}
    assert tags <= {"svg", "title", "desc", "defs", "pattern", "rect", "circle", "line", "text"}
    shown = texts(root)
    assert hostile in shown and "a & b" in shown and "badchar" in shown
    assert root.find(f"{SVG}title").text == f"Title {hostile}"
    assert "<img src=x onerror=alert(1)>" in shown  # in the legend, as text
    line = charts.line_chart(hostile, [hostile], {hostile: [1]})
    assert "<script" not in line and hostile in texts(parse(line))


def test_no_data(app_ctx):
    for svg in (charts.bar_chart("Empty", [], {}), charts.bar_chart("Empty", ["A", "B"], {"Cases": [None, None]}),
                charts.line_chart("Empty", MONTHS, {}), charts.bar_chart("Empty", ["A"], {"Cases": []})):
        root = parse(svg)
        assert texts(root) == ["Empty", "No data"]
        assert root.get("role") == "img" and root.find(f"{SVG}desc").text == "No data"


def test_zeros_and_missing_values(app_ctx):
    root = parse(charts.bar_chart("Zeros", ["A", "B", "C"], {"Cases": [0, 0, None]}))
    assert texts(root)[-3:] == ["0", "0", "–"]
    assert not root.findall(f"{SVG}rect[@stroke]")
    line = parse(charts.line_chart("Gaps", ["A", "B", "C", "D", "E"], {"Share": [0.5, 0.25, None, 1, 0]},
                                   unit="percent"))
    # None breaks the line: A–B and D–E; four points carry their values.
    assert len(line.findall(f"{SVG}polyline")) == 2
    assert [t for t in texts(line) if t.endswith("%")] == ["50%", "25%", "100%", "0%"]


def test_units(app_ctx):
    assert charts.format_value(2 / 3, "percent") == "67%"
    assert charts.format_value(0.5, "percent") == "50%"
    assert charts.format_value(1, "percent") == "100%"
    assert charts.format_value(1, "days") == "1 day"
    assert charts.format_value(12, "days") == "12 days"
    assert charts.format_value(1.5, "days") == "1.5 days"
    assert charts.format_value(None, "percent") == "–"
    assert charts.format_value(12345) == "12,345" and charts.format_value(2.25) == "2.2"
    shown = texts(parse(charts.bar_chart("Answered on time", ["Jan", "Feb"], {"Share": [0.5, 2 / 3]},
                                         unit="percent")))
    assert {"50%", "67%"} <= set(shown)
    # A 100% bar is full height: percentages are drawn on a 0..100% scale.
    root = parse(charts.bar_chart("Half", ["Jan"], {"Share": [0.5]}, unit="percent"))
    (bar,) = root.findall(f"{SVG}rect[@stroke]")
    assert float(bar.get("height")) == charts.PLOT_HEIGHT / 2


def test_grouped_bars_have_a_legend_and_patterns(app_ctx):
    root = parse(charts.bar_chart("By region", ["Astana", "Almaty"], {"2025": [4, 5], "2026": [6, 7]}))
    shown = texts(root)
    assert {"2025", "2026"} <= set(shown) and {"4", "5", "6", "7"} <= set(shown)
    fills = [rect.get("fill") for rect in root.findall(f"{SVG}rect[@stroke]")]
    # The legend's two keys, then the bars: one series solid, the other a pattern.
    assert fills[0].startswith("#") and fills[1].startswith("url(#")
    pattern_id = fills[1][len("url(#"):-1]
    assert root.find(f"{SVG}defs/{SVG}pattern[@id='{pattern_id}']") is not None
    assert sorted(fills[2:]) == sorted([fills[0]] * 2 + [fills[1]] * 2)
    assert "Series: 2025; 2026." in root.find(f"{SVG}desc").text


def test_line_series_differ_by_marker_and_dash(app_ctx):
    root = parse(charts.line_chart("Share", MONTHS, {"Region 75": [0.1, 0.2, 0.3], "Region 71": [0.3, 0.2, 0.1]},
                                   unit="percent"))
    lines = root.findall(f"{SVG}polyline")
    assert len(lines) == 2 and lines[0].get("stroke-dasharray") != lines[1].get("stroke-dasharray")
    assert len(root.findall(f"{SVG}circle")) == 3 + 1  # series 1: circles (3 points + legend)
    assert len(root.findall(f"{SVG}rect[@width='8']")) == 3 + 1  # series 2: squares
    assert {"Region 75", "Region 71", "10%", "30%"} <= set(texts(root))


def test_many_long_labels_are_shortened_and_slanted(app_ctx):
    labels = [f"Region with a very long name number {i}" for i in range(24)]
    root = parse(charts.bar_chart("Cases by region", labels, {"Cases": list(range(24))}))
    slanted = [t for t in root.iter(f"{SVG}text") if "rotate" in (t.get("transform") or "")]
    assert len(slanted) == 24
    first = slanted[0]
    assert first.find(f"{SVG}title").text == labels[0]  # the whole label as a tooltip
    assert first.find(f"{SVG}title").tail.endswith("…") and len(first.find(f"{SVG}title").tail) <= 22
    assert {str(i) for i in range(24)} <= set(texts(root))
    # The drawing widens instead of crowding its bars.
    assert float(root.get("width")) >= 24 * 18


def test_figure_gives_the_table(app_ctx):
    found = charts.figure("bar", "On time", ["Jan", "<b>"], {"Share": [0.5, None], "Other": [1]},
                          unit="percent", label_heading="Month")
    assert found["series"] == ["Share", "Other"] and found["label_heading"] == "Month"
    assert found["rows"] == [{"label": "Jan", "values": ["50%", "100%"]},
                             {"label": "<b>", "values": ["–", "–"]}]
    parse(found["svg"])


def test_decimals_and_unknown_units(app_ctx):
    root = parse(charts.bar_chart("Mixed", ["A", "B"], {"x": [Decimal("2.5"), 4]}))
    assert {"2.5", "4"} <= set(texts(root))
    with pytest.raises(ValueError):
        charts.bar_chart("Unit", ["A"], {"x": [1]}, unit="hours")


def test_a_wide_chart_shrinks_to_its_box_but_not_below_seven_tenths(app_ctx):
    labels = [f"Month {n} 2026" for n in range(1, 13)]
    root = parse(charts.bar_chart("Cases per month", labels, {"Cases": list(range(12))}))
    width = int(root.get("width"))
    style = dict(part.split(":") for part in root.get("style").split(";"))
    assert style == {"width": "100%", "max-width": f"{width}px",
                     "min-width": f"{int(width * 0.7)}px", "height": "auto"}


# -- Geometry: what a browser draws with DejaVu Sans, the face Linux browsers use for system-ui.

FACES = {False: TTFont("test-regular", str(charts.FONT_DIR / "DejaVuSans.ttf")),
         True: TTFont("test-bold", str(charts.FONT_DIR / "DejaVuSans-Bold.ttf"))}
ASCENT, DESCENT = 0.928, 0.236  # DejaVu Sans's ascender and descender, as shares of the size
ROTATE = re.compile(r"rotate\((-?[\d.]+) (-?[\d.]+) (-?[\d.]+)\)")


def text_boxes(svg):
    """Each drawn text as (its words, the four corners of its box, its transform applied)."""
    boxes = []
    for element in parse(svg).iter(f"{SVG}text"):
        tooltip = element.find(f"{SVG}title")
        words = tooltip.tail if tooltip is not None else "".join(element.itertext())
        size = float(element.get("font-size"))
        width = FACES[element.get("font-weight") == "bold"].stringWidth(words, size)
        x, y = float(element.get("x")), float(element.get("y"))
        left = {"start": x, "middle": x - width / 2, "end": x - width}[element.get("text-anchor")]
        corners = [(left, y - ASCENT * size), (left + width, y - ASCENT * size),
                   (left + width, y + DESCENT * size), (left, y + DESCENT * size)]
        turn = ROTATE.search(element.get("transform") or "")
        if turn:
            corners = [rotated(corner, *map(float, turn.groups())) for corner in corners]
        boxes.append((words, corners))
    return boxes


def rotated(point, degrees, cx, cy):
    angle = math.radians(degrees)
    dx, dy = point[0] - cx, point[1] - cy
    return (cx + dx * math.cos(angle) - dy * math.sin(angle), cy + dx * math.sin(angle) + dy * math.cos(angle))


def overlap(a, b):
    """Two convex boxes overlap (by more than half a pixel): no axis of their edges separates them."""
    for box in (a, b):
        for (x1, y1), (x2, y2) in zip(box, box[1:] + box[:1]):
            nx, ny = y2 - y1, x1 - x2
            length = math.hypot(nx, ny)
            pa = [(x * nx + y * ny) / length for x, y in a]
            pb = [(x * nx + y * ny) / length for x, y in b]
            if min(pa) >= max(pb) - 0.5 or min(pb) >= max(pa) - 0.5:
                return False
    return True


def assert_texts_apart_and_inside(svg):
    root = parse(svg)
    _x, _y, width, height = map(float, root.get("viewBox").split())
    boxes = text_boxes(svg)
    for words, corners in boxes:
        assert all(-0.5 <= x <= width + 0.5 and -0.5 <= y <= height + 0.5 for x, y in corners), \
            f"{words!r} leaves the drawing ({width}×{height}): {corners}"
    for i, (first, a) in enumerate(boxes):
        for second, b in boxes[i + 1:]:
            assert not overlap(a, b), f"{first!r} overlaps {second!r}"


def twelve_months():
    return [format_date(date(2025 + (9 + n) // 12, (9 + n) % 12 + 1, 1), "LLL yyyy") for n in range(12)]


def dashboard_data():
    """The dashboard's charts as a national reader sees them (services/dashboard.py)."""
    regions = [region.localized_name() for region in db.session.scalars(select(Region).order_by(Region.code))]
    categories = [str(label) for label in CATEGORIES.values()]
    months = twelve_months()
    return [
        ("bar", "Айлар бойынша қабылданған өтініштер", months, {"Cases": [n * 1137 for n in range(12)]}, None),
        ("bar", "Cases by category", categories, {"Cases": [n * 2345 for n in range(9)]}, None),
        ("bar", "Cases by region", regions, {"Cases": [n * 1234 for n in range(20)]}, None),
        ("line", "Уақтылы жауап берілген өтініштер, жауап берілген ай бойынша", months,
         {"On time": [0.5, 0.67, 1, None, 0.01, 0.999, 0.5, 0.5, 0.3, 0.2, 1, 0.95]}, "percent"),
        ("bar", "Two years", categories, {"2025": [n * 3 for n in range(9)], "2026 and a long series name": [
            n * 1000 for n in range(9)]}, None),
        ("line", "Two regions", months, {
            "Алматы": [0.1 * (n % 10) for n in range(12)],
            "Батыс Қазақстан облысы": [1 - 0.1 * (n % 10) for n in range(12)]}, "percent"),
    ]


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_dashboard_charts_keep_every_text_apart_and_inside(app_ctx, language):
    """At 1280 px (the wide drawing) and 390 px (the rows): labels never overlap or clip."""
    with force_locale(language):
        for kind, title, labels, series, unit in dashboard_data():
            assert_texts_apart_and_inside(charts.CHARTS[kind](title, labels, series, unit))
            assert_texts_apart_and_inside(charts.rows_chart(kind, title, labels, series, unit))


def test_slanted_labels_stay_inside_the_drawing(app_ctx):
    with force_locale("kk"):
        categories = [str(label) for label in CATEGORIES.values()]
    svg = charts.bar_chart("Санаттар", categories, {"Cases": list(range(9))})
    assert "rotate" in svg
    assert_texts_apart_and_inside(svg)


def test_a_long_title_wraps_between_words_instead_of_being_clipped(app_ctx):
    title = "Уақтылы жауап берілген өтініштердің үлесі, жауап берілген ай бойынша, барлық өңірлер бойынша"
    for svg in (charts.bar_chart(title, ["A", "B"], {"Cases": [1, 2]}),
                charts.rows_chart("bar", title, ["A", "B"], {"Cases": [1, 2]}),
                charts.bar_chart(title, [], {})):
        bold = [t for t in parse(svg).iter(f"{SVG}text") if t.get("font-weight") == "bold"]
        assert len(bold) >= 2 and " ".join(t.text for t in bold) == title  # whole, no "…"
        assert_texts_apart_and_inside(svg)


def test_on_a_phone_the_months_chart_shows_the_current_month(app_ctx):
    """390 px wide, 360 inside the page's padding: the rows fit, and this month is the last row."""
    months = twelve_months()
    found = charts.figure("bar", "Cases received per month", months, {"Cases": list(range(12))})
    narrow = parse(found["svg_narrow"])
    assert float(narrow.get("width")) <= 390 - charts.PAGE_PADDING
    style = dict(part.split(":") for part in narrow.get("style").split(";"))
    assert int(style["min-width"].removesuffix("px")) <= 390 - charts.PAGE_PADDING
    shown = [words for words, _corners in text_boxes(found["svg_narrow"])]
    assert shown.index(months[-1]) > shown.index(months[0]) and "11" in shown
    assert_texts_apart_and_inside(found["svg_narrow"])
    # The wide drawing is shown only from a breakpoint where it fits shrunk at most to 70 %:
    # above 390 px, at or below 1280 px (1250 inside the padding).
    pixels = dict(charts.BREAKPOINTS)[found["breakpoint"]]
    wide = float(parse(found["svg"]).get("width"))
    assert 390 < pixels <= 1280 and wide * charts.MIN_SCALE <= pixels - charts.PAGE_PADDING


def test_rows_show_zeros_gaps_and_series(app_ctx):
    root = parse(charts.rows_chart("bar", "Zeros", ["A", "B", "C"], {"x": [0, None, 3], "y": [1, 2, 0]}))
    shown = texts(root)
    assert ["A", "0", "1", "B", "–", "2", "C", "3", "0"] == shown[-9:]
    assert root.find(f"{SVG}defs/{SVG}pattern") is not None  # the second series is hatched
    line = parse(charts.rows_chart("line", "Share", ["Jan", "Feb"], {"On time": [0.5, None]}, "percent"))
    assert "50%" in texts(line) and len(line.findall(f"{SVG}line")) == 1
    hostile = '<script>"x"</script>'
    svg = charts.rows_chart("bar", hostile, [hostile], {hostile: [1]})
    assert "<script" not in svg and hostile in texts(parse(svg))
