"""Charts drawn on the server as SVG, for the staff dashboard and the report builder [R3], [R8].

``bar_chart`` and ``line_chart`` take a title, the labels (categories, months) and the
series ``{name: [value per label]}`` and return an ``<svg>`` element as ``Markup``:

- readable without colour: every bar and point carries its value as text; series differ
  by fill pattern (bars) or by marker shape and dash (lines), and a legend names them;
- accessible: ``role="img"``, a ``<title>`` and a ``<desc>`` named by ``aria-labelledby``
  and ``aria-describedby``; ``figure`` adds the data for the table of the ``chart_figure``
  macro (templates/admin/_charts.html);
- inert: every text is XML-escaped (labels are user data in the report builder); no
  script and no style element, only presentation attributes, so the CSP needs nothing;
- no data, zeros, None (drawn as "–"), long labels (shortened; slanted when crowded),
  1 to a few dozen labels (the drawing widens; the template lets it scroll);
- laid out with measured text: widths come from the advances of DejaVu Sans
  (``static/fonts``), among the widest sans-serif faces (browsers on Linux draw system-ui
  with it; Segoe UI, Roboto, San Francisco and Arial are narrower). So no two texts
  overlap and none leaves the drawing: titles wrap between words, slanted labels get the
  room their rotated boxes need.

``rows_chart`` draws the same figures for a phone: a row per label, its bars running
across, so the drawing is never wider than ``NARROW_WIDTH`` and the last label (this
month) is in view. ``figure`` gives both and the width from which the wide one fits.

``hbar_chart`` draws bars across too, one a row (``Bar``), for public figures of which
some are withheld: such a row has no bar, only its words ("fewer than 5"), so no length
gives a withheld value away; each row may carry a note in a column at the right (a
share), and one row may be marked (a bold label behind a ▶, not colour alone). Its
labels stand above the bars for a phone, or ``beside`` them in a column.

``unit``: None (plain numbers), ``"percent"`` (values 0..1 shown as %) or ``"days"``.
"""
import functools
import math
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

from babel import Locale
from babel.numbers import format_decimal, format_percent
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from markupsafe import Markup, escape
from reportlab.pdfbase.ttfonts import TTFont

UNITS = (None, "percent", "days")
NO_VALUE = "–"

FONT = 12
VALUE_FONT = 11
TITLE_FONT = 14
TITLE_LINE = 18  # the distance between the lines of a wrapped title
TITLE_LINES = 6  # at most; the whole title is the drawing's <title> anyway
FONT_DIR = Path(__file__).resolve().parent.parent / "static" / "fonts"
FACES = {False: "DejaVuSans.ttf", True: "DejaVuSans-Bold.ttf"}
SLACK = 1.04  # browsers' hinting and shaping differ a little from the font's advances
ASCENT, DESCENT = 0.93, 0.24  # DejaVu Sans, as shares of the font size
MISSING_GLYPH = 1.0  # a character DejaVu lacks (CJK…) is drawn by a fallback face, about 1 em
PLOT_HEIGHT = 180
MARGIN = 12
MIN_WIDTH = 320
MAX_TITLE_WIDTH = 720  # a longer title wraps rather than widening the drawing
MAX_LABEL_CHARS = 24
MAX_LEGEND_CHARS = 40
SLANT = 40  # degrees, for crowded labels
COS, SIN = math.cos(math.radians(SLANT)), math.sin(math.radians(SLANT))
TEXT_COLOUR = "#212529"
AXIS_COLOUR = "#6c757d"
# Okabe-Ito hues darkened to at least 5:1 against white (marks must reach 3:1).
COLOURS = ("#0072B2", "#B35000", "#007A5A", "#A0527F", "#8A6300", "#5E4FA2")
# Bars: the first series solid, the others hatched, dotted… (see _pattern).
PATTERNS = ("solid", "diagonal", "dots", "crosshatch", "horizontal", "vertical")
# Lines: a marker shape and a dash per series.
MARKERS = ("circle", "square", "triangle", "diamond", "triangle_down", "cross")
DASHES = (None, "7 4", "2 3", "9 3 2 3", "4 2", "1 3")

# The narrow drawing: 340 px fits a 390-pixel phone's page (360 px inside its padding).
NARROW_WIDTH = 340
ROW_BAR = 14  # the height of a bar in the narrow drawing
ROW_LINE = 16  # the distance between the lines of a label there
ROW_GAP = 10
# Bootstrap 4's breakpoints and the padding of the admin's fluid page (15 px a side).
BREAKPOINTS = (("sm", 576), ("md", 768), ("lg", 992), ("xl", 1200))
PAGE_PADDING = 30

# Characters XML 1.0 forbids even as references: dropped from labels.
_NOT_XML = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


# -- values ---------------------------------------------------------------------------------

def _locale():
    """The locale being shown; English outside an application context."""
    return get_locale() or Locale("en")


def format_value(value, unit=None):
    """A value as the chart and its table show it: "1,234", "67%", "12 days"; None → "–"."""
    if value is None:
        return NO_VALUE
    locale = _locale()
    if unit == "percent":
        return format_percent(value, "#,##0%", locale=locale)
    number = format_decimal(value, "#,##0.#", locale=locale)
    if unit == "days":
        # The plural form of a fraction is that of 2 ("1.5 days"; in Russian "1,5 дня").
        count = int(value) if float(value).is_integer() else 2
        return ngettext("%(days)s day", "%(days)s days", count, days=number)
    return number


def _clean(text):
    return _NOT_XML.sub("", str(text if text is not None else ""))


def _text(text):
    """Any text for the SVG: stripped of what XML cannot hold, then escaped."""
    return str(escape(_clean(text)))


def _shorten(text, chars):
    text = " ".join(_clean(text).split())
    return text if len(text) <= chars else text[:max(chars - 1, 1)].rstrip() + "…"


# -- measuring text -------------------------------------------------------------------------

@functools.cache
def _advances(bold):
    """{code point: advance in thousandths of an em} of DejaVu Sans (bold or regular)."""
    return TTFont(f"chart-{int(bold)}", str(FONT_DIR / FACES[bold])).face.charWidths


def _width(text, size=FONT, bold=False):
    """The drawn width of ``text`` in pixels, a little generous (``SLACK``)."""
    advances = _advances(bold)
    em = sum(advances.get(ord(c), MISSING_GLYPH * 1000) for c in str(text)) / 1000
    return em * size * SLACK


def _fit(text, room, size=FONT, bold=False):
    """``text`` shortened with "…" until it is at most ``room`` wide."""
    if _width(text, size, bold) <= room:
        return text
    text = text[:max(int(room / (size * 0.25)), 1)]  # no letter is narrower than a quarter em
    while len(text) > 1 and _width(text + "…", size, bold) > room:
        text = text[:-1]
    return text.rstrip() + "…"


def _wrap(text, room, size=FONT, bold=False, most=3):
    """``text`` in lines at most ``room`` wide, broken between words; a word wider than the
    room, or what does not fit in ``most`` lines, is shortened with "…"."""
    lines = []
    for word in _clean(text).split():
        if lines and _width(f"{lines[-1]} {word}", size, bold) <= room:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    if len(lines) > most:
        lines = lines[:most - 1] + [" ".join(lines[most - 1:])]
    return [_fit(line, room, size, bold) for line in lines] or [""]


# A chart wider than its box shrinks to fit, down to this share of its size (text stays
# readable); beyond that its box scrolls (templates/admin/_charts.html).
MIN_SCALE = 0.7


def _fitting(width, grow=1):
    """CSS of a chart's ``<svg>``: its own size at most (or ``grow`` times it, for larger
    text), shrunk to its box down to ``MIN_SCALE``."""
    return (f"width:100%;max-width:{math.floor(width * grow)}px;min-width:{math.floor(width * MIN_SCALE)}px;"
            "height:auto")


def breakpoint_for(width):
    """The smallest Bootstrap breakpoint from which the page holds a drawing ``width`` wide
    (shrunk at most to ``MIN_SCALE``); below it the narrow drawing is shown."""
    for name, pixels in BREAKPOINTS:
        if width * MIN_SCALE <= pixels - PAGE_PADDING:
            return name
    return BREAKPOINTS[-1][0]


def _num(value):
    """A coordinate: at most one decimal, no trailing zero."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _normalised(labels, series, unit=None):
    """Labels as text and every series exactly as long as the labels (missing values: None),
    values as floats (a Decimal from SQL does not mix with floats)."""
    if unit not in UNITS:
        raise ValueError(f"unknown unit {unit!r}: one of {UNITS}")
    labels = [_clean(label) for label in labels or ()]
    rows = {}
    for name, values in (series or {}).items():
        values = [None if v is None else float(v) for v in list(values or ())[:len(labels)]]
        rows[_clean(name)] = values + [None] * (len(labels) - len(values))
    return labels, rows


def _has_data(labels, series):
    return bool(labels) and any(v is not None for values in series.values() for v in values)


def _top_value(series, unit):
    values = [v for vs in series.values() for v in vs if v is not None]
    top = max([0, *values])
    return (max(top, 1) if unit == "percent" else top) or 1


# -- drawing --------------------------------------------------------------------------------

class _Drawing:
    """An SVG being drawn: its title (wrapped), legend and fragments."""

    def __init__(self, kind, title, series, width):
        self.id = f"chart-{uuid.uuid4().hex[:10]}"
        self.kind, self.title, self.series, self.width = kind, title, series, math.ceil(width)
        self.parts = []
        self.title_lines = _wrap(title, self.width - 2 * MARGIN, TITLE_FONT, bold=True, most=TITLE_LINES)
        self.head = 30 + TITLE_LINE * (len(self.title_lines) - 1)  # below the title
        self.legend = self._legend_rows() if len(series) > 1 else []
        self.top = self.head + 22 * len(self.legend) + 18  # title, legend, room for the top value

    def add(self, fragment):
        self.parts.append(fragment)

    def text(self, x, y, content, size=FONT, anchor="middle", extra="", full=None, halo=False):
        if halo:  # a white outline under the letters keeps them legible across a line
            extra += ' stroke="#ffffff" stroke-width="3" stroke-linejoin="round" paint-order="stroke"'
        tooltip = f"<title>{_text(full)}</title>" if full and full != content else ""
        self.add(f'<text x="{_num(x)}" y="{_num(y)}" font-size="{size}" text-anchor="{anchor}" '
                 f'fill="{TEXT_COLOUR}"{extra}>{tooltip}{_text(content)}</text>')

    def _legend_rows(self):
        rows, row, x = [], [], MARGIN
        room = self.width - 2 * MARGIN - 48
        for index, name in enumerate(self.series):
            shown = _fit(_shorten(name, MAX_LEGEND_CHARS), room)
            width = 30 + _width(shown) + 18
            if row and x + width > self.width - MARGIN:
                rows.append(row)
                row, x = [], MARGIN
            row.append((index, name, shown, x))
            x += width
        if row:
            rows.append(row)
        return rows

    def draw_head(self, swatch):
        """The title, line by line, and the legend (``swatch(index, x, y)`` draws a key)."""
        for line, shown in enumerate(self.title_lines):
            self.text(MARGIN, 20 + TITLE_LINE * line, shown, TITLE_FONT, "start", ' font-weight="bold"',
                      full=self.title if len(self.title_lines) == 1 else None)
        for line, row in enumerate(self.legend):
            y = self.head + 22 * line + 11
            for index, name, shown, x in row:
                swatch(index, x, y)
                self.text(x + 30, y + 4, shown, FONT, "start", full=name)

    def svg(self, description, height, defs="", classes="", grow=1):
        """The chart as an ``<svg>`` element, to put in a box that scrolls (``_fitting``)."""
        height = math.ceil(height)
        return Markup(
            f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{self.kind}{classes}" role="img" '
            f'aria-labelledby="{self.id}-title" aria-describedby="{self.id}-desc" '
            f'width="{self.width}" height="{height}" viewBox="0 0 {self.width} {height}" '
            f'style="{_fitting(self.width, grow)}" '
            f'font-family="system-ui, -apple-system, Segoe UI, Roboto, Arial, sans-serif">'
            f'<title id="{self.id}-title">{_text(self.title)}</title>'
            f'<desc id="{self.id}-desc">{_text(description)}</desc>'
            f'{f"<defs>{defs}</defs>" if defs else ""}'
            f'<rect width="100%" height="100%" fill="#ffffff"/>'
            + "".join(self.parts) + "</svg>")


def _slanted_reach(width):
    """How far a slanted label ``width`` wide reaches left of and below its anchor (its end)."""
    return width * COS + ASCENT * FONT * SIN, width * SIN + DESCENT * FONT * COS


class _Canvas(_Drawing):
    """Columns: a slot per label along the x axis, the values rising from a baseline."""

    def __init__(self, kind, title, labels, series, unit, slot):
        self.labels, self.unit = labels, unit
        self._place_labels(slot)
        n = len(labels)
        super().__init__(kind, title, series, max(MIN_WIDTH, self.left + n * self.slot + MARGIN,
                                                  min(_width(title, TITLE_FONT, True) + 2 * MARGIN,
                                                      MAX_TITLE_WIDTH)))
        self.baseline = self.top + PLOT_HEIGHT
        self.height = self.baseline + self.label_room
        self.vmax = _top_value(series, unit)

    def _place_labels(self, slot):
        """Labels lie flat when they fit their slot (widened up to 110 px for a dozen or
        fewer), otherwise they are shortened further and slanted, their slots at least a
        line apart (measured across the slant) and the first ones moved right to stay inside."""
        n = len(self.labels)
        widest = max((_width(_shorten(label, MAX_LABEL_CHARS)) for label in self.labels), default=0)
        self.slanted = widest + 8 > slot and not (n <= 12 and widest + 8 <= 110)
        self.label_chars = 22 if self.slanted else MAX_LABEL_CHARS
        if not self.slanted:
            self.slot, self.left, self.label_room = max(slot, widest + 8), MARGIN, 24
            return
        self.slot = max(slot, ((ASCENT + DESCENT) * FONT + 2) / SIN)
        reach = [_slanted_reach(_width(_shorten(label, self.label_chars))) for label in self.labels]
        self.left = MARGIN + max([0] + [left - self.slot * (i + 0.5) for i, (left, _down) in enumerate(reach)])
        self.label_room = 14 + max(down for _left, down in reach) + MARGIN / 2

    def y(self, value):
        return self.baseline - max(min(value, self.vmax), 0) / self.vmax * PLOT_HEIGHT

    def x(self, index):
        """The centre of label ``index``'s slot."""
        return self.left + self.slot * (index + 0.5)

    def draw_frame(self, swatch):
        """Title, legend, baseline, labels."""
        self.draw_head(swatch)
        right = self.left + len(self.labels) * self.slot
        self.add(f'<line x1="{_num(self.left)}" y1="{_num(self.baseline)}" x2="{_num(right)}" '
                 f'y2="{_num(self.baseline)}" stroke="{AXIS_COLOUR}" stroke-width="1"/>')
        for index, label in enumerate(self.labels):
            shown = _shorten(label, self.label_chars)
            x = self.x(index)
            if self.slanted:
                y = self.baseline + 14
                self.text(x, y, shown, FONT, "end", f' transform="rotate(-{SLANT} {_num(x)} {_num(y)})"',
                          full=label)
            else:
                self.text(x, self.baseline + 16, shown, FONT, full=label)


def _empty(kind, title, width=None):
    """A titled drawing that says there is no data."""
    width = width or max(MIN_WIDTH, min(_width(title, TITLE_FONT, True) + 2 * MARGIN, MAX_TITLE_WIDTH))
    drawing = _Drawing(kind, title, {}, width)
    drawing.draw_head(None)
    drawing.add(f'<text x="{_num(drawing.width / 2)}" y="{_num(drawing.head + 30)}" font-size="{FONT}" '
                f'text-anchor="middle" fill="{AXIS_COLOUR}">{_text(_("No data"))}</text>')
    return drawing.svg(_("No data"), drawing.head + 60, classes=" chart-empty")


def _description(kind, labels, series):
    if kind == "bar":
        text = ngettext("Bar chart of %(num)s category; each bar is labelled with its value.",
                        "Bar chart of %(num)s categories; each bar is labelled with its value.", len(labels))
    else:
        text = ngettext("Line chart of %(num)s point; each point is labelled with its value.",
                        "Line chart of %(num)s points; each point is labelled with its value.", len(labels))
    if len(series) > 1:
        text += " " + _("Series: %(names)s.", names="; ".join(series))
    return text


def _pattern(ident, index):
    """The fill of series ``index`` and its ``<pattern>`` definition (none for solid)."""
    colour = COLOURS[index % len(COLOURS)]
    kind = PATTERNS[index % len(PATTERNS)]
    if kind == "solid":
        return colour, ""
    pid = f"{ident}-p{index}"
    marks = {
        "diagonal": f'<rect width="3" height="6" fill="{colour}"/>',
        "dots": f'<circle cx="3" cy="3" r="1.7" fill="{colour}"/>',
        "crosshatch": f'<rect width="2" height="6" fill="{colour}"/><rect width="6" height="2" fill="{colour}"/>',
        "horizontal": f'<rect width="6" height="3" fill="{colour}"/>',
        "vertical": f'<rect width="3" height="6" fill="{colour}"/>',
    }[kind]
    turn = ' patternTransform="rotate(45)"' if kind in ("diagonal", "crosshatch") else ""
    return (f"url(#{pid})",
            f'<pattern id="{pid}" width="6" height="6" patternUnits="userSpaceOnUse"{turn}>'
            f'<rect width="6" height="6" fill="#ffffff"/>{marks}</pattern>')


def _bar_swatch(drawing, fills):
    def swatch(index, x, y):
        drawing.add(f'<rect x="{_num(x)}" y="{_num(y - 7)}" width="22" height="14" fill="{fills[index][0]}" '
                    f'stroke="{TEXT_COLOUR}" stroke-width="1"/>')
    return swatch


def _line_style(index):
    """(colour, dash attribute, marker shape) of line series ``index``."""
    dash = DASHES[index % len(DASHES)]
    return (COLOURS[index % len(COLOURS)], f' stroke-dasharray="{dash}"' if dash else "",
            MARKERS[index % len(MARKERS)])


def _line_swatch(drawing):
    def swatch(index, x, y):
        colour, dash, shape = _line_style(index)
        drawing.add(f'<line x1="{_num(x)}" y1="{_num(y)}" x2="{_num(x + 24)}" y2="{_num(y)}" '
                    f'stroke="{colour}" stroke-width="2"{dash}/>' + _marker(shape, x + 12, y, colour))
    return swatch


def _shown(series, unit):
    return {name: [format_value(v, unit) for v in values] for name, values in series.items()}


def _bars(title, labels, series, unit):
    """(svg, width) of a bar chart of normalised data."""
    shown = _shown(series, unit)
    # Each bar is as wide as its value's text: values never overlap.
    bar = max(max((_width(t, VALUE_FONT) for texts in shown.values() for t in texts), default=0) + 6, 18)
    canvas = _Canvas("bar", title, labels, series, unit, len(series) * bar + max(10, bar / 2))
    fills = [_pattern(canvas.id, index) for index in range(len(series))]
    canvas.draw_frame(_bar_swatch(canvas, fills))
    group = len(series) * bar
    for s, (name, values) in enumerate(series.items()):
        for i, value in enumerate(values):
            x = canvas.x(i) - group / 2 + s * bar
            if value is not None and value > 0:
                y = min(canvas.y(value), canvas.baseline - 2)  # a small value stays visible
                canvas.add(f'<rect x="{_num(x + 1)}" y="{_num(y)}" width="{_num(bar - 2)}" '
                           f'height="{_num(canvas.baseline - y)}" fill="{fills[s][0]}" '
                           f'stroke="{TEXT_COLOUR}" stroke-width="1"/>')
            else:
                y = canvas.baseline
            canvas.text(x + bar / 2, y - 4, shown[name][i], VALUE_FONT)
    return (canvas.svg(_description("bar", labels, series), canvas.height, "".join(f[1] for f in fills)),
            canvas.width)


def bar_chart(title, labels, series, unit=None):
    """Bars for one series, grouped bars for two or more: ``{name: [value per label]}``."""
    return _chart("bar", _bars, title, labels, series, unit)


def _chart(kind, draw, title, labels, series, unit):
    """``draw``'s chart of the series, or the empty chart of ``kind`` when there is no data."""
    title = _clean(title)
    labels, series = _normalised(labels, series, unit)
    if not _has_data(labels, series):
        return _empty(kind, title)
    return draw(title, labels, series, unit)[0]


def _marker(shape, x, y, colour):
    common = f'fill="{colour}" stroke="#ffffff" stroke-width="1"'
    if shape == "circle":
        return f'<circle cx="{_num(x)}" cy="{_num(y)}" r="4.5" {common}/>'
    if shape == "square":
        return f'<rect x="{_num(x - 4)}" y="{_num(y - 4)}" width="8" height="8" {common}/>'
    if shape == "cross":
        return (f'<path d="M{_num(x - 4)},{_num(y - 4)}L{_num(x + 4)},{_num(y + 4)}'
                f'M{_num(x - 4)},{_num(y + 4)}L{_num(x + 4)},{_num(y - 4)}" '
                f'stroke="{colour}" stroke-width="2.5" fill="none"/>')
    points = {
        "triangle": ((0, -5.5), (5, 4), (-5, 4)),
        "triangle_down": ((0, 5.5), (5, -4), (-5, -4)),
        "triangle_right": ((5.5, 0), (-4, 5), (-4, -5)),
        "diamond": ((0, -5.5), (5, 0), (0, 5.5), (-5, 0)),
    }[shape]
    d = "M" + "L".join(f"{_num(x + dx)},{_num(y + dy)}" for dx, dy in points) + "Z"
    return f'<path d="{d}" {common}/>'


def _polylines(canvas, points, colour, dash):
    """The line through ``points``, broken where a point is None."""
    run = []
    for point in points + [None]:
        if point is not None:
            run.append(point)
            continue
        if len(run) > 1:
            canvas.add(f'<polyline points="{" ".join(f"{_num(x)},{_num(y)}" for x, y in run)}" '
                       f'fill="none" stroke="{colour}" stroke-width="2"{dash}/>')
        run = []


def _lines(title, labels, series, unit):
    """(svg, width) of a line chart of normalised data."""
    shown = _shown(series, unit)
    # Each series writes its values in its own column of the slot: they never overlap.
    column = max((_width(t, VALUE_FONT) for texts in shown.values() for t in texts), default=0) + 6
    canvas = _Canvas("line", title, labels, series, unit, max(len(series) * column, 36) + 8)
    canvas.draw_frame(_line_swatch(canvas))
    count = len(series)
    for s, (name, values) in enumerate(series.items()):
        colour, dash, shape = _line_style(s)
        points = [(canvas.x(i), canvas.y(v)) if v is not None else None for i, v in enumerate(values)]
        _polylines(canvas, points, colour, dash)
        for i, point in enumerate(points):
            if point is None:
                continue
            x, y = point
            canvas.add(_marker(shape, x, y, colour))
            label_x = x + (s - (count - 1) / 2) * column if count > 1 else x
            canvas.text(label_x, y - 9, shown[name][i], VALUE_FONT, halo=True)
    return canvas.svg(_description("line", labels, series), canvas.height), canvas.width


def line_chart(title, labels, series, unit=None):
    """One line per series over the labels (e.g. months); None leaves a gap in the line."""
    return _chart("line", _lines, title, labels, series, unit)


CHARTS = {"bar": bar_chart, "line": line_chart}
_DRAWN = {"bar": _bars, "line": _lines}


# -- the narrow drawing ---------------------------------------------------------------------

class _Rows(_Drawing):
    """Rows: a label's name (wrapped between words) above its bars, which run across.
    ``shown``: the text written at the end of each bar, by default its value formatted."""

    def __init__(self, kind, title, labels, series, unit, width, shown=None):
        super().__init__(kind, title, series, width)
        self.labels, self.unit, self.shown = labels, unit, shown or _shown(series, unit)
        self.widest = max((_width(t, VALUE_FONT) for texts in self.shown.values() for t in texts), default=0)
        self.length = self.width - 2 * MARGIN - self.widest - 10  # of the longest bar
        self.vmax = _top_value(series, unit)
        self.y = self.top - 8

    def draw_lines(self, lines, x, top, full, bold=False, anchor="start"):
        """Lines of a label (or heading) one under the other from ``top``; their height."""
        weight = ' font-weight="bold"' if bold else ""
        for n, line in enumerate(lines):
            self.text(x, top + ROW_LINE * n + ASCENT * FONT, line, FONT, anchor, weight, full=full)
        return ROW_LINE * len(lines)

    def bar(self, fill, start, end, middle):
        """A bar from ``start`` to ``end`` around ``middle``; where its value is written."""
        self.add(f'<rect x="{_num(start)}" y="{_num(middle - ROW_BAR / 2)}" width="{_num(end - start)}" '
                 f'height="{ROW_BAR}" fill="{fill}" stroke="{TEXT_COLOUR}" stroke-width="1"/>')
        return end + 6

    def draw_row(self, index, draw_value):
        label = self.labels[index]
        self.y += self.draw_lines(_wrap(label, self.width - 2 * MARGIN, FONT, most=2), MARGIN, self.y, label)
        for s, name in enumerate(self.series):
            value = self.series[name][index]
            end = MARGIN + max(min(value or 0, self.vmax), 0) / self.vmax * self.length
            after = draw_value(s, value, end, self.y + ROW_BAR / 2)
            self.text(after, self.y + ROW_BAR / 2 + 4, self.shown[name][index], VALUE_FONT, "start")
            self.y += ROW_BAR + 3
        self.y += ROW_GAP


def rows_chart(kind, title, labels, series, unit=None, width=NARROW_WIDTH):
    """The chart for a narrow screen: a row per label with a bar per series (``bar``) or a
    stem ending in the series' marker (``line``), each value written at its end."""
    title = _clean(title)
    labels, series = _normalised(labels, series, unit)
    if not _has_data(labels, series):
        return _empty(kind, title, width)
    rows = _Rows(kind, title, labels, series, unit, width)
    fills = [_pattern(rows.id, index) for index in range(len(series))]
    rows.draw_head(_bar_swatch(rows, fills) if kind == "bar" else _line_swatch(rows))

    def bar(s, value, end, middle):
        """A bar from the left edge; where its value is written."""
        return rows.bar(fills[s][0], MARGIN, end, middle) if value else MARGIN

    def stem(s, value, end, middle):
        """A line from the left edge ending in the series' marker; where its value is written."""
        if value is None:
            return MARGIN
        colour, dash, shape = _line_style(s)
        rows.add(f'<line x1="{MARGIN}" y1="{_num(middle)}" x2="{_num(end)}" y2="{_num(middle)}" '
                 f'stroke="{colour}" stroke-width="2"{dash}/>' + _marker(shape, end, middle, colour))
        return end + 9

    for index in range(len(labels)):
        rows.draw_row(index, bar if kind == "bar" else stem)
    defs = "".join(f[1] for f in fills) if kind == "bar" else ""
    return rows.svg(_description(kind, labels, series), rows.y + MARGIN - ROW_GAP, defs)


# -- bars across, some withheld -------------------------------------------------------------

POINTER = 14  # how far the marked row's label stands right, with its ▶ in front
NOTE_GAP = 10  # between a label (or a bar's text) and the note at the right
BESIDE_LABEL = 210  # the label column of a ``beside`` drawing, at most: longer labels wrap
BAND = "#f3f6fa"  # behind the marked row (as behind the chosen row of a table)


@dataclass(frozen=True)
class Bar:
    """A row of ``hbar_chart``. ``value`` sets the bar's length; None (withheld) and 0 draw
    no bar. ``text`` is written at the bar's end, or in its place: the value as the page
    shows it, or the words saying why it is withheld. ``note`` stands in the column at the
    right; a ``marked`` row has its label in bold behind a ▶."""

    label: str
    value: float | None
    text: str
    note: str = ""
    marked: bool = False


class _BarRows(_Rows):
    """``hbar_chart``'s drawing: the title, the column headings, then a ``Bar`` a row."""

    def __init__(self, title, bars, width, beside):
        labels, series = _normalised([bar.label for bar in bars], {"": [bar.value for bar in bars]})
        super().__init__("hbar", title, labels, series, None, width, {"": [_clean(bar.text) for bar in bars]})
        self.bars, self.beside = bars, beside
        self.notes = [_clean(bar.note) for bar in bars]
        self.note_width = max(_width(note, VALUE_FONT) for note in self.notes)
        right = self.width - MARGIN
        if beside:
            self.label_room = min(BESIDE_LABEL, max(_width(label, FONT, bar.marked) + POINTER * bar.marked
                                                    for label, bar in zip(labels, bars)))
            self.bar_x = MARGIN + self.label_room + NOTE_GAP
            right -= self.note_width + NOTE_GAP
        else:
            self.bar_x = MARGIN
        self.length = max(right - self.bar_x - self.widest - 6, ROW_BAR)  # of the longest bar

    def draw_headings(self, counted, noted):
        """What the bars count (over them) and what the notes say (over their column), in
        bold, wrapped between words, a rule under them."""
        if not (counted or noted):
            return
        note_room = max(self.note_width, min(_width(noted, FONT, True), (self.width - 2 * MARGIN) / 2 - NOTE_GAP))
        left = _wrap(counted, self.width - MARGIN - note_room - NOTE_GAP - self.bar_x, FONT, True) if counted else []
        right = _wrap(noted, note_room, FONT, True) if noted else []
        self.y += max(self.draw_lines(left, self.bar_x, self.y, None, bold=True),
                      self.draw_lines(right, self.width - MARGIN, self.y, None, bold=True, anchor="end")) + 4
        self.add(f'<line x1="{MARGIN}" y1="{_num(self.y)}" x2="{_num(self.width - MARGIN)}" y2="{_num(self.y)}" '
                 f'stroke="{AXIS_COLOUR}" stroke-width="1"/>')
        self.y += ROW_GAP

    def _layout(self, index, indent):
        """(label lines, their top, the note's baseline, the bar's middle, the row's height)
        of row ``index`` from ``self.y``. Beside: the label's lines and the note centred on
        the bar. Above: the note on the label's first line, or on a line of its own when
        the label would have to be shortened beside it; the bar under them."""
        label, bold = self.labels[index], self.bars[index].marked
        if self.beside:
            lines = _wrap(label, self.label_room - indent, FONT, bold, most=2)
            height = max(ROW_LINE * len(lines), ROW_BAR + 2)
            middle = self.y + height / 2
            return lines, middle - ROW_LINE * len(lines) / 2, middle + 4, middle, height
        room = self.width - 2 * MARGIN - indent
        note = self.notes[index]
        lines = _wrap(label, room - (_width(note, VALUE_FONT) + NOTE_GAP if note else 0), FONT, bold, most=2)
        note_line = 0
        if " ".join(lines) != " ".join(label.split()):  # shortened: the note goes under the label
            lines = _wrap(label, room, FONT, bold, most=2)
            note_line = len(lines)
        above = ROW_LINE * (len(lines) + (note_line > 0))
        return (lines, self.y, self.y + ROW_LINE * note_line + ASCENT * FONT, self.y + above + ROW_BAR / 2,
                above + ROW_BAR + 3)

    def draw_bar_row(self, index):
        """A row, in a ``<g class="chart-row">``: the label, the bar (or the words in its
        place) with its text, the note; the marked row on a band, bold, behind a ▶."""
        bar, label = self.bars[index], self.labels[index]
        indent = POINTER if bar.marked else 0
        lines, top, note_y, middle, height = self._layout(index, indent)
        self.add(f'<g class="chart-row{" chart-row-marked" if bar.marked else ""}">')
        if bar.marked:
            self.add(f'<rect x="2" y="{_num(self.y - ROW_GAP / 2 + 1)}" width="{self.width - 4}" '
                     f'height="{_num(height + ROW_GAP - 2)}" fill="{BAND}"/>'
                     + _marker("triangle_right", MARGIN + 5, top + ROW_LINE / 2, TEXT_COLOUR))
        self.draw_lines(lines, MARGIN + indent, top, label, bold=bar.marked)
        value = self.series[""][index]
        after = self.bar_x
        if value:  # None (withheld) and 0 have no bar: their words stand where it would start
            end = self.bar_x + max(min(value, self.vmax), 0) / self.vmax * self.length
            after = self.bar(COLOURS[0], self.bar_x, max(end, self.bar_x + 2), middle)
        self.text(after, middle + 4, self.shown[""][index], VALUE_FONT, "start")
        if self.notes[index]:
            self.text(self.width - MARGIN, note_y, self.notes[index], VALUE_FONT, "end")
        self.add("</g>")
        self.y += height + ROW_GAP


def hbar_chart(title, bars, description, headings=("", ""), width=NARROW_WIDTH, beside=False, grow=1):
    """Bars across, a ``Bar`` a row, ``width`` wide, for figures some of which are withheld
    (the public ones [R3]): the labels above the bars (for a phone) or ``beside`` them in a
    column. ``headings``: (what the bars count, what the
    notes say), written over them. ``description`` is the drawing's ``<desc>``. The
    drawing grows with its box up to ``grow`` times its size (its text with it)."""
    title, bars = _clean(title), list(bars or ())
    if not bars:
        return _empty("hbar", title, width)
    rows = _BarRows(title, bars, width, beside)
    rows.draw_head(None)
    rows.draw_headings(*(_clean(heading) for heading in headings))
    for index in range(len(bars)):
        rows.draw_bar_row(index)
    return rows.svg(description, rows.y + MARGIN - ROW_GAP, grow=grow)


def figure(kind, title, labels, series, unit=None, label_heading=_l("Category")):
    """A chart and its data, for the ``chart_figure`` macro of templates/admin/_charts.html.

    ``{"kind", "title", "svg", "svg_narrow", "breakpoint", "label_heading", "series": [names],
    "rows": [{"label", "values": [formatted]}]}``: ``svg`` is shown from the Bootstrap
    ``breakpoint`` on, where it fits, ``svg_narrow`` (``rows_chart``) below it; the table
    says what the chart draws, in the same words.
    """
    names = [_clean(name) for name in (series or {})]
    clean_title = _clean(title)
    clean_labels, clean_series = _normalised(labels, series, unit)
    if _has_data(clean_labels, clean_series):
        svg, width = _DRAWN[kind](clean_title, clean_labels, clean_series, unit)
    else:
        svg = _empty(kind, clean_title)
        width = NARROW_WIDTH
    return {
        "kind": kind, "title": clean_title, "unit": unit,
        "svg": svg, "svg_narrow": rows_chart(kind, title, labels, series, unit),
        "breakpoint": breakpoint_for(width),
        "label_heading": str(label_heading), "series": names,
        "rows": [{"label": label, "values": [format_value(values[i], unit) for values in clean_series.values()]}
                 for i, label in enumerate(clean_labels)],
    }
