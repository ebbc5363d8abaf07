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
  1 to a few dozen labels (the drawing widens; the template lets it scroll).

``unit``: None (plain numbers), ``"percent"`` (values 0..1 shown as %) or ``"days"``.
"""
import math
import re
import uuid

from babel import Locale
from babel.numbers import format_decimal, format_percent
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from markupsafe import Markup, escape

UNITS = (None, "percent", "days")
NO_VALUE = "–"

FONT = 12
VALUE_FONT = 11
TITLE_FONT = 14
# Mean advance of a character as a share of the font size (Latin and Cyrillic, sans-serif):
# generous, so that estimated widths are rarely too small.
CHAR_WIDTH = 0.62
PLOT_HEIGHT = 180
MARGIN = 12
MIN_WIDTH = 320
MAX_LABEL_CHARS = 24
MAX_LEGEND_CHARS = 40
SLANT = 40  # degrees, for crowded labels
TEXT_COLOUR = "#212529"
AXIS_COLOUR = "#6c757d"
# Okabe-Ito hues darkened to at least 5:1 against white (marks must reach 3:1).
COLOURS = ("#0072B2", "#B35000", "#007A5A", "#A0527F", "#8A6300", "#5E4FA2")
# Bars: the first series solid, the others hatched, dotted… (see _pattern).
PATTERNS = ("solid", "diagonal", "dots", "crosshatch", "horizontal", "vertical")
# Lines: a marker shape and a dash per series.
MARKERS = ("circle", "square", "triangle", "diamond", "triangle_down", "cross")
DASHES = (None, "7 4", "2 3", "9 3 2 3", "4 2", "1 3")

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


# A chart wider than its box shrinks to fit, down to this share of its size (text stays
# readable); beyond that its box scrolls (templates/admin/_charts.html).
MIN_SCALE = 0.7


def _fitting(width):
    """CSS of a chart's ``<svg>``: its own size at most, shrunk to its box down to ``MIN_SCALE``."""
    return f"width:100%;max-width:{width}px;min-width:{math.floor(width * MIN_SCALE)}px;height:auto"


def _width(text, size=FONT):
    return len(str(text)) * size * CHAR_WIDTH


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


# -- drawing --------------------------------------------------------------------------------

class _Canvas:
    """Lays out title, legend, plot area and category labels; collects SVG fragments."""

    def __init__(self, kind, title, labels, series, unit, slot):
        self.id = f"chart-{uuid.uuid4().hex[:10]}"
        self.kind, self.title, self.labels, self.series, self.unit = kind, title, labels, series, unit
        self.parts = []
        n = len(labels)
        full_label = max((_width(_shorten(label, MAX_LABEL_CHARS)) for label in labels), default=0)
        # Labels lie flat when they fit their slot (widened up to 110 px for a dozen or
        # fewer), otherwise they are shortened further and slanted.
        self.slanted = False
        if full_label + 8 > slot:
            if n <= 12 and full_label + 8 <= 110:
                slot = full_label + 8
            else:
                self.slanted = True
        self.slot = slot
        self.label_chars = MAX_LABEL_CHARS if not self.slanted else 22
        label_room = (math.sin(math.radians(SLANT)) * max(
            (_width(_shorten(label, self.label_chars)) for label in labels), default=0) + 22
            if self.slanted else 24)
        # A slanted label reaches left of its slot: the first ones must stay inside.
        self.left = MARGIN + max([0] + [
            _width(_shorten(label, self.label_chars)) * math.cos(math.radians(SLANT)) - slot * (i + 0.5)
            for i, label in enumerate(labels)] if self.slanted else [0])
        self.width = math.ceil(max(MIN_WIDTH, self.left + n * slot + MARGIN,
                                   min(_width(title, TITLE_FONT) + 2 * MARGIN, 720)))
        self.legend = self._legend_rows() if len(series) > 1 else []
        self.top = 30 + 22 * len(self.legend) + 18  # title, legend, room for the top value
        self.baseline = self.top + PLOT_HEIGHT
        self.height = math.ceil(self.baseline + label_room)
        values = [v for vs in series.values() for v in vs if v is not None]
        self.vmax = max([0, *values])
        if unit == "percent":
            self.vmax = max(self.vmax, 1)
        self.vmax = self.vmax or 1

    def y(self, value):
        return self.baseline - max(min(value, self.vmax), 0) / self.vmax * PLOT_HEIGHT

    def x(self, index):
        """The centre of label ``index``'s slot."""
        return self.left + self.slot * (index + 0.5)

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
        for index, name in enumerate(self.series):
            shown = _shorten(name, MAX_LEGEND_CHARS)
            width = 30 + _width(shown) + 18
            if row and x + width > self.width - MARGIN:
                rows.append(row)
                row, x = [], MARGIN
            row.append((index, name, shown, x))
            x += width
        if row:
            rows.append(row)
        return rows

    def draw_frame(self, swatch):
        """Title, legend (``swatch(index, x, y)`` draws a series' key), baseline, labels."""
        shown = _shorten(self.title, max(int((self.width - 2 * MARGIN) / (TITLE_FONT * CHAR_WIDTH)), 8))
        self.text(MARGIN, 20, shown, TITLE_FONT, "start", ' font-weight="bold"', full=self.title)
        for line, row in enumerate(self.legend):
            y = 30 + 22 * line + 11
            for index, name, shown, x in row:
                swatch(index, x, y)
                self.text(x + 30, y + 4, shown, FONT, "start", full=name)
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

    def svg(self, description, defs=""):
        """The chart as an ``<svg>`` element, to put in a box that scrolls (``_fitting``)."""
        return Markup(
            f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{self.kind}" role="img" '
            f'aria-labelledby="{self.id}-title" aria-describedby="{self.id}-desc" '
            f'width="{self.width}" height="{self.height}" viewBox="0 0 {self.width} {self.height}" '
            f'style="{_fitting(self.width)}" '
            f'font-family="system-ui, -apple-system, Segoe UI, Roboto, Arial, sans-serif">'
            f'<title id="{self.id}-title">{_text(self.title)}</title>'
            f'<desc id="{self.id}-desc">{_text(description)}</desc>'
            f'{f"<defs>{defs}</defs>" if defs else ""}'
            f'<rect width="100%" height="100%" fill="#ffffff"/>'
            + "".join(self.parts) + "</svg>")


def _empty(kind, title):
    ident = f"chart-{uuid.uuid4().hex[:10]}"
    width = math.ceil(max(MIN_WIDTH, min(_width(title, TITLE_FONT) + 2 * MARGIN, 720)))
    shown = _shorten(title, max(int((width - 2 * MARGIN) / (TITLE_FONT * CHAR_WIDTH)), 8))
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{kind} chart-empty" role="img" '
        f'aria-labelledby="{ident}-title" aria-describedby="{ident}-desc" width="{width}" height="90" '
        f'viewBox="0 0 {width} 90" font-family="system-ui, -apple-system, Segoe UI, Roboto, Arial, sans-serif">'
        f'<title id="{ident}-title">{_text(title)}</title><desc id="{ident}-desc">{_text(_("No data"))}</desc>'
        f'<rect width="100%" height="100%" fill="#ffffff"/>'
        f'<text x="{MARGIN}" y="20" font-size="{TITLE_FONT}" font-weight="bold" fill="{TEXT_COLOUR}">'
        f'{_text(shown)}</text>'
        f'<text x="{width / 2:.0f}" y="60" font-size="{FONT}" text-anchor="middle" fill="{AXIS_COLOUR}">'
        f'{_text(_("No data"))}</text></svg>')


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


def _series_bar_width(labels_values):
    widest = max((_width(text, VALUE_FONT) for text in labels_values), default=0)
    return min(max(widest + 6, 18), 64)


def bar_chart(title, labels, series, unit=None):
    """Bars for one series, grouped bars for two or more: ``{name: [value per label]}``."""
    title = _clean(title)
    labels, series = _normalised(labels, series, unit)
    if not _has_data(labels, series):
        return _empty("bar", title)
    shown = {name: [format_value(v, unit) for v in values] for name, values in series.items()}
    bar = _series_bar_width([t for texts in shown.values() for t in texts])
    gap = max(10, bar / 2)
    canvas = _Canvas("bar", title, labels, series, unit, len(series) * bar + gap)
    fills = [_pattern(canvas.id, index) for index in range(len(series))]

    def swatch(index, x, y):
        canvas.add(f'<rect x="{_num(x)}" y="{_num(y - 7)}" width="22" height="14" fill="{fills[index][0]}" '
                   f'stroke="{TEXT_COLOUR}" stroke-width="1"/>')

    canvas.draw_frame(swatch)
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
    return canvas.svg(_description("bar", labels, series), "".join(f[1] for f in fills))


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
        "diamond": ((0, -5.5), (5, 0), (0, 5.5), (-5, 0)),
    }[shape]
    d = "M" + "L".join(f"{_num(x + dx)},{_num(y + dy)}" for dx, dy in points) + "Z"
    return f'<path d="{d}" {common}/>'


def line_chart(title, labels, series, unit=None):
    """One line per series over the labels (e.g. months); None leaves a gap in the line."""
    title = _clean(title)
    labels, series = _normalised(labels, series, unit)
    if not _has_data(labels, series):
        return _empty("line", title)
    shown = {name: [format_value(v, unit) for v in values] for name, values in series.items()}
    # Each series writes its values in its own column of the slot: they never overlap.
    column = max((_width(t, VALUE_FONT) for texts in shown.values() for t in texts), default=0) + 6
    canvas = _Canvas("line", title, labels, series, unit, max(len(series) * column, 36) + 8)

    def style(index):
        colour = COLOURS[index % len(COLOURS)]
        dash = DASHES[index % len(DASHES)]
        return colour, (f' stroke-dasharray="{dash}"' if dash else ""), MARKERS[index % len(MARKERS)]

    def swatch(index, x, y):
        colour, dash, shape = style(index)
        canvas.add(f'<line x1="{_num(x)}" y1="{_num(y)}" x2="{_num(x + 24)}" y2="{_num(y)}" '
                   f'stroke="{colour}" stroke-width="2"{dash}/>' + _marker(shape, x + 12, y, colour))

    canvas.draw_frame(swatch)
    count = len(series)
    for s, (name, values) in enumerate(series.items()):
        colour, dash, shape = style(s)
        points = [(canvas.x(i), canvas.y(v)) if v is not None else None for i, v in enumerate(values)]
        run = []
        for point in points + [None]:
            if point is not None:
                run.append(point)
                continue
            if len(run) > 1:
                canvas.add(f'<polyline points="{" ".join(f"{_num(x)},{_num(y)}" for x, y in run)}" '
                           f'fill="none" stroke="{colour}" stroke-width="2"{dash}/>')
            run = []
        for i, point in enumerate(points):
            if point is None:
                continue
            x, y = point
            canvas.add(_marker(shape, x, y, colour))
            label_x = x + (s - (count - 1) / 2) * column if count > 1 else x
            canvas.text(label_x, y - 9, shown[name][i], VALUE_FONT, halo=True)
    return canvas.svg(_description("line", labels, series))


CHARTS = {"bar": bar_chart, "line": line_chart}


def figure(kind, title, labels, series, unit=None, label_heading=_l("Category")):
    """A chart and its data, for the ``chart_figure`` macro of templates/admin/_charts.html.

    ``{"kind", "title", "svg", "label_heading", "series": [names], "rows": [{"label",
    "values": [formatted]}]}``: the table says what the chart draws, in the same words.
    """
    names = [_clean(name) for name in (series or {})]
    clean_labels, clean_series = _normalised(labels, series, unit)
    return {
        "kind": kind, "title": _clean(title), "unit": unit,
        "svg": CHARTS[kind](title, labels, series, unit),
        "label_heading": str(label_heading), "series": names,
        "rows": [{"label": label, "values": [format_value(values[i], unit) for values in clean_series.values()]}
                 for i, label in enumerate(clean_labels)],
    }
