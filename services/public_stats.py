"""Public figures at /stats [R3: transparency]: how many cases each region received in a
half-year, by category, and how many of them were answered on time — with every small
number protected, so that no child can be recognised from the figures.

What counts (the definitions of the half-year report, services/reports.py):

- a case counts in the half-year in which it was received (``reports.Period``: 1 January
  to 30 June or 1 July to 31 December, local dates in Asia/Almaty); withdrawn cases do
  not count, the reporter took the report back;
- by category: a case counts once in each of its categories, so the categories of a
  region add up to more than its total when cases have several;
- answered on time: ``deadlines.answered_on_time`` (the answer's local date is on or
  before the deadline, the extended one when the term was extended), as in the half-year
  report; the share is taken among the cases received in the half-year that have been
  answered so far, and is shown only when there are at least 5 of them.

Every figure is an SQL aggregate grouped by region (and category): no case is loaded.
The figures of all 20 regions are computed together even for one region's page, because
whether a count may be shown depends on the others (``protect``). The result holds only
display-ready cells (``Count``, ``Share``): a withheld count has no value to show by
mistake. ``chart`` draws the regions' figures as a picture a parent understands, withheld
ones as words, never as a bar's length. ``open_data`` and ``csv_file`` give the same cells
to download, for programs and for spreadsheets.
"""
import csv
import io
import json
import math
from dataclasses import dataclass

from babel.numbers import get_decimal_symbol
from flask_babel import format_decimal, format_percent, get_locale, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, select

from core import charts
from core.errors import InvalidInput
from core.formats import spreadsheet_safe
from extensions import db
from i18n import LANGUAGES, sort_key
from models import Case, CaseState, Region
from models.case import CATEGORIES
from services import deadlines
from services.reports import Period

YEARS_SHOWN = 10     # how many years back the figures are offered
NOT_ENDED, TOO_OLD = "not_ended", "too_old"  # why a half-year's figures are not published
SMALL = 5            # counts from 1 to SMALL - 1 are never shown
FEWER = "fewer"      # withheld because it is small (shown "fewer than 5")
HIDDEN = "hidden"    # withheld so that a small count cannot be worked out from it (shown "hidden")
TOTAL = ("total",)   # the key of the national total; see _table for the others
MAX_PASSES = 500     # rounds of the reader's subtractions (they end far sooner in practice)
# The picture (``chart``), in px: the labels beside the bars from 48rem on (site.css), grown
# up to the page's width (828); above the bars on a phone, grown up to the 364 px a 390-pixel
# screen has inside the page's padding (so the share of a region fits beside most names).
WIDE_CHART, WIDE_GROW = 720, 1.15
PHONE_CHART, PHONE_GROW = charts.NARROW_WIDTH, 1.07
FILE_NAME = "ombudsman-figures-{year}-{months}"     # the downloads' names, ASCII
FILE_MONTHS = {1: "january-june", 2: "july-december"}


@dataclass(frozen=True)
class Count:
    """A count ready to show: ``value`` when it may be shown, else ``withheld`` says why
    (``FEWER`` or ``HIDDEN``) and ``value`` is None."""

    value: int | None = None
    withheld: str | None = None

    def __str__(self):
        if self.withheld == FEWER:
            return gettext("fewer than %(n)s", n=SMALL)
        if self.withheld == HIDDEN:
            return gettext("hidden")
        return format_decimal(self.value)

    def as_data(self):
        """For open data: ``{"value": n}``, or ``{"value": None, "withheld": reason}``."""
        return {"value": None, "withheld": self.withheld} if self.withheld else {"value": self.value}


@dataclass(frozen=True)
class Share:
    """The share answered on time, in whole percent; None when fewer than ``SMALL``
    answered cases stand behind it."""

    percent: int | None = None

    def __str__(self):
        if self.percent is None:
            return gettext("not enough data")
        return format_percent(self.percent / 100)

    def as_data(self):
        """For open data: ``{"percent": n}``, None when withheld."""
        return {"percent": self.percent}


def share(on_time, answered):
    """Whole percent, never 100 % while one was late nor 0 % while one was on time."""
    if answered < SMALL:
        return Share()
    percent = round(100 * on_time / answered)
    if on_time < answered:
        percent = min(percent, 99)
    if on_time > 0:
        percent = max(percent, 1)
    return Share(percent)


def period_label(period):
    """The half-year in words, in the page's language: "January–June 2026"."""
    if period.half == 1:
        return gettext("January–June %(year)s", year=period.year)
    return gettext("July–December %(year)s", year=period.year)


def asked_period(year, half, last):
    """(year, half) a reader asks for, what they leave out (None) filled in: no year, the year
    of ``last`` (the last ended half-year); no half, the year's last ended one."""
    year = last[0] if year is None else year
    return year, (last[1] if year == last[0] else 2) if half is None else half


def unpublished(period, last):
    """Why the figures of ``period`` (year, half) are not published, or None: ``NOT_ENDED``
    (after ``last``, the last ended half-year) or ``TOO_OLD`` (more than ``YEARS_SHOWN``
    years before it)."""
    if period > last:
        return NOT_ENDED
    if period[0] < last[0] - YEARS_SHOWN:
        return TOO_OLD
    return None


def check_period(period, last):
    """Refuse a half-year whose figures are not published (InvalidInput), for a program."""
    why = unpublished(period, last)
    if why == NOT_ENDED:
        raise InvalidInput(_l("Figures are published only for half-years that have ended."))
    if why == TOO_OLD:
        raise InvalidInput(_l("Figures are published from %(year)s on.", year=last[0] - YEARS_SHOWN))


def default_period(day=None):
    """(year, half) of the last completed half-year before ``day`` (by default today in
    Asia/Almaty): the one shown when none is asked for."""
    day = day or deadlines.now_local().date()
    return (day.year, 1) if day.month > 6 else (day.year - 1, 2)


# -- The rule that keeps small numbers hidden -----------------------------------------------

def protect(values, groups):
    """Which counts to withhold: ``{key: FEWER or HIDDEN}``.

    ``values`` maps a key to its count; ``groups`` lists ``(total_key, cell_keys)``: the
    tables a reader can add up. In every group each cell is at most the total and the
    cells add up to at least the total (a case may have several categories); where they
    add up to exactly the total (regions always do) the reader may use that too.

    1. Small counts. A count from 1 to 4 is withheld and shown "fewer than 5". 0 is shown
       as 0, except in a group whose total is itself fewer than 5: there zeros show "fewer
       than 5" too (else four regions at "fewer than 5" in a category the whole country
       has fewer than 5 of would be one case each). If the whole country received fewer
       than 5 cases, every count shows "fewer than 5".
    2. Nothing by subtraction, table by table. A reader knows the counts shown, what each
       label means ("fewer than 5": 1 to 4, or 0 to 4 where zeros are masked; "hidden": 5
       or more and, as the smallest are hidden first, no more than the smallest count still
       shown beside it) and the group's sums (``_reader_bounds``). From any one group on
       its own they must learn nothing about a small count beyond "1 to 4", and must not
       pin a hidden count to one value. While a group fails this, its smallest count still
       shown is hidden too ("hidden"); when none is left, its total. Hiding in one group
       can expose another, so this repeats over all groups until nothing changes.
    3. Nothing exact, all tables together. Chaining the sums of every group at once (a
       category across the 20 regions against the national count, a region's categories
       against its total, and so on, until nothing changes), the reader must not pin any
       withheld count to one value. While they can, the smallest count still shown
       around it is hidden too.

    Hiding more only ever tells the reader less, so each step keeps what the earlier
    ones ensured and the loops end. Rounding the totals instead was rejected: with the
    other cells exact, a rounded total still gives a small count away whenever a
    rounding boundary falls next to it; and hiding just the next-smallest cell fails on
    1 + 5 = 6. Left open: combined over all tables (3) a small count can still be
    narrowed to part of "1 to 4" (never to one value); and a reader who re-runs this
    very procedure on guessed data may learn from which cells it chose to hide.
    """
    if 0 < values.get(TOTAL, 0) < SMALL:
        return {key: FEWER for key in values}
    masked = {cell for total, cells in groups if 0 < values[total] < SMALL for cell in cells}
    withheld = {key: FEWER for key, n in values.items() if 0 < n < SMALL or (n == 0 and key in masked)}
    changed = True
    while changed:
        changed = False
        for total, cells in groups:
            while _told(values, withheld, _reader_bounds(values, withheld, masked, [(total, cells)]),
                        strict=True):
                key = _smallest_shown(values, withheld, cells) or (total if total not in withheld else None)
                if key is None:
                    break
                withheld[key] = HIDDEN
                changed = True
    while (key := _told(values, withheld, _reader_bounds(values, withheld, masked, groups))) is not None:
        key = _nearest_shown(key, values, withheld, groups)
        if key is None:
            break
        withheld[key] = HIDDEN
    return withheld


def _reader_bounds(values, withheld, masked, groups):
    """What a reader can tell of each count in ``groups``: ``{key: (low, high)}``.

    Starts from what the labels say (see ``protect``) and narrows with every group's
    sums — a cell is at least the total less the others' highest, at most the total
    (or the total less the others' lowest where the sum is exact) — again and again
    until nothing changes: the subtractions a patient reader can do in a spreadsheet.
    """
    known = {}
    for total, cells in groups:
        cap = min((values[k] for k in cells if k not in withheld and values[k] >= SMALL), default=math.inf)
        for key in (total, *cells):
            reason = withheld.get(key)
            if reason is None:
                low, high = values[key], values[key]
            elif reason == FEWER:
                low, high = (0 if key in masked else 1), SMALL - 1
            else:
                low, high = SMALL, (cap if key != total and values[key] <= cap else math.inf)
            old_low, old_high = known.get(key, (low, high))
            known[key] = max(low, old_low), min(high, old_high)
    sums = [(sum(values[k] for k in cells), values[total]) for total, cells in groups]
    for _ in range(MAX_PASSES):
        changed = False
        for (total, cells), (added, actual) in zip(groups, sums):
            adds_up, covers = added == actual, added >= actual   # covers: no case without a category
            bounds = [known[k] for k in cells]
            lows = sum(low for low, _ in bounds)
            finite = sum(high for _, high in bounds if high < math.inf)
            unbounded = sum(high == math.inf for _, high in bounds)
            total_low, total_high = known[total]
            found = {total: (lows if adds_up else max((low for low, _ in bounds), default=0),
                             finite if covers and not unbounded else math.inf)}
            for key, (low, high) in zip(cells, bounds):
                others_high = (math.inf if unbounded - (high == math.inf) or not covers
                               else finite - (high if high < math.inf else 0))
                found[key] = (total_low - others_high, total_high - (lows - low) if adds_up else total_high)
            for key, (low, high) in found.items():
                old_low, old_high = known[key]
                if low > old_low or high < old_high:
                    known[key] = max(low, old_low), min(high, old_high)
                    changed = True
        if not changed:
            break
    return known


def _told(values, withheld, known, strict=False):
    """The first withheld count (not 0) that ``known`` pins to one value or, when
    ``strict``, a small one it narrows below "1 to 4"; None if there is none."""
    for key, (low, high) in known.items():
        reason = withheld.get(key)
        if reason is None or values[key] == 0:
            continue
        if low >= high or (strict and reason == FEWER and (low > 1 or high < SMALL - 1)):
            return key
    return None


def _smallest_shown(values, withheld, keys):
    shown = [key for key in keys if key not in withheld and values[key] > 0]
    return min(shown, key=lambda k: (values[k], k), default=None)


def _nearest_shown(key, values, withheld, groups):
    """The count to hide next to protect ``key``: the smallest still shown in the groups
    around it (their totals last), else one group further through withheld counts."""
    reached, ring, seen = {key}, [key], set()
    while ring:
        around = [g for g in groups if id(g) not in seen and any(k in (g[0], *g[1]) for k in ring)]
        seen.update(id(g) for g in around)
        found = _smallest_shown(values, withheld, [c for _, cells in around for c in cells]) \
            or _smallest_shown(values, withheld, [total for total, _ in around])
        if found is not None:
            return found
        ring = [k for g in around for k in (g[0], *g[1]) if k in withheld and k not in reached]
        reached.update(ring)
    return None


# -- The figures ----------------------------------------------------------------------------

def _counts(period):
    """``({(region, category): n}, {region: (received, answered, on_time)})`` of the
    cases received in ``period``, withdrawn ones left out: two GROUP BY queries."""
    counted = and_(period.holds(Case.received_at), Case.state != CaseState.WITHDRAWN.value)
    listed = select(Case.id, Case.region_code, func.unnest(Case.categories).label("category")) \
        .where(counted).subquery()
    by_category = db.session.execute(
        select(listed.c.region_code, listed.c.category, func.count(func.distinct(listed.c.id)))
        .group_by(listed.c.region_code, listed.c.category))
    totals = db.session.execute(
        select(Case.region_code, func.count(), func.count().filter(Case.answered_at.is_not(None)),
               func.count().filter(deadlines.answered_on_time()))
        .where(counted).group_by(Case.region_code))
    return ({(region, category): n for region, category, n in by_category},
            {region: (received, answered, timely) for region, received, answered, timely in totals})


def _table(codes, by_category, totals):
    """Every count of the half-year under one key, and the groups a reader can add up.

    Keys: ``(code, category)`` a region's category, ``(code,)`` a region's total,
    ``("all", category)`` a category in the whole country, ``TOTAL`` the country's total.
    """
    values = {}
    for code in codes:
        values[(code,)] = totals.get(code, (0, 0, 0))[0]
        for category in CATEGORIES:
            values[(code, category)] = by_category.get((code, category), 0)
    for category in CATEGORIES:
        values[("all", category)] = sum(values[(code, category)] for code in codes)
    values[TOTAL] = sum(values[(code,)] for code in codes)
    groups = [((code,), [(code, category) for category in CATEGORIES]) for code in codes]
    groups.append((TOTAL, [("all", category) for category in CATEGORIES]))
    groups += [(("all", category), [(code, category) for code in codes]) for category in CATEGORIES]
    groups.append((TOTAL, [(code,) for code in codes]))
    return values, groups


def figures(year, half, region_code=None):
    """The public figures of a half-year, for the whole country or one region.

    ``{"period": reports.Period, "period_label": str, "region": Region or None,
       "categories": [{"key", "label", "count": Count}], "total": Count, "on_time": Share,
       "regions": [{"region": Region, "name", "total": Count, "on_time": Share, "categories"}]
       (all 20, by name), "national": {"total": Count, "on_time": Share},
       "national_categories"}``: ``categories`` of the region chosen (or of the country), of
    each region (as on its own page) and of the country, for the downloads.
    """
    period = Period(year, half)
    regions = db.session.scalars(select(Region).order_by(Region.code)).all()
    region = next((r for r in regions if r.code == region_code), None) if region_code else None
    by_category, totals = _counts(period)
    values, groups = _table([r.code for r in regions], by_category, totals)
    withheld = protect(values, groups)

    def count(key):
        return Count(withheld=withheld[key]) if key in withheld else Count(values[key])

    def categories(scope):
        return [{"key": key, "label": label, "count": count((scope, key))} for key, label in CATEGORIES.items()]

    def on_time(codes):
        answered = sum(totals.get(code, (0, 0, 0))[1] for code in codes)
        return share(sum(totals.get(code, (0, 0, 0))[2] for code in codes), answered)

    return {
        "period": period,
        "period_label": period_label(period),
        "region": region,
        "categories": categories(region.code if region else "all"),
        "total": count((region.code,) if region else TOTAL),
        "on_time": on_time([region.code] if region else [r.code for r in regions]),
        "regions": sorted(({"region": r, "name": r.localized_name(), "total": count((r.code,)),
                            "on_time": on_time([r.code]), "categories": categories(r.code)} for r in regions),
                          key=lambda row: sort_key(row["name"])),
        "national": {"total": count(TOTAL), "on_time": on_time([r.code for r in regions])},
        "national_categories": categories("all"),
    }


# -- The downloads --------------------------------------------------------------------------

def open_data(figures):
    """``figures`` as open data for programs [R3: transparency], the same cells as the page
    and withheld alike: plain JSON types, only codes, keys and numbers (region names in all
    three languages), so that /stats.json and the JSON API serve one stable shape.

    ``{"small": SMALL, "period": {"year", "half", "start", "end"} (ISO dates), "region":
    code or None, "total", "on_time", "categories": [{"key", "count"}], "regions": [{"code",
    "name": {"kk", "ru", "en"}, "total", "on_time", "categories"}] (by code), "national":
    {"total", "on_time", "categories"}}``: a count is ``Count.as_data`` (``{"value": None,
    "withheld": "fewer" or "hidden"}`` when withheld), a share ``Share.as_data``.
    """
    period = figures["period"]
    return {
        "small": SMALL,
        "period": {"year": period.year, "half": period.half, "start": period.start.isoformat(),
                   "end": period.end.isoformat()},
        "region": figures["region"].code if figures["region"] else None,
        "total": figures["total"].as_data(),
        "on_time": figures["on_time"].as_data(),
        "categories": _categories_data(figures["categories"]),
        "regions": [{"code": row["region"].code,
                     "name": {language: row["region"].localized_name(language) for language in LANGUAGES},
                     "total": row["total"].as_data(), "on_time": row["on_time"].as_data(),
                     "categories": _categories_data(row["categories"])}
                    for row in sorted(figures["regions"], key=lambda row: row["region"].code)],
        "national": {"total": figures["national"]["total"].as_data(),
                     "on_time": figures["national"]["on_time"].as_data(),
                     "categories": _categories_data(figures["national_categories"])},
    }


def _categories_data(categories):
    return [{"key": row["key"], "count": row["count"].as_data()} for row in categories]


def json_file(figures):
    """``(file name, bytes)``: ``open_data(figures)`` as a UTF-8 JSON file [R3]."""
    data = json.dumps(open_data(figures), ensure_ascii=False, indent=2)
    region = figures["region"]
    return _file_name(figures["period"], "json", region.code if region else None), data.encode()


def csv_file(figures):
    """``(file name, bytes)``: the figures of every region as a table for a spreadsheet, in
    the page's language [R3: transparency].

    A row for each region in the page's order, then all regions; columns: the region,
    reports received, the share answered on time, then each category. A count shown is a
    plain number, a withheld one the page's words ("fewer than 5", "hidden"); a share is
    written as on the page. The same whichever region is chosen. UTF-8 with a BOM, so that
    Excel reads Cyrillic; cells apart by ";" where decimals have a comma (kk, ru), as
    Excel expects there, else by ",".
    """
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";" if get_decimal_symbol(get_locale()) == "," else ",")
    writer.writerow([gettext("Region"), gettext("Reports received"), gettext("Answered on time"),
                     *(str(label) for label in CATEGORIES.values())])
    for row in figures["regions"]:
        writer.writerow(_csv_row(spreadsheet_safe(row["name"]), row["total"], row["on_time"], row["categories"]))
    national = figures["national"]
    writer.writerow(_csv_row(gettext("All regions"), national["total"], national["on_time"],
                             figures["national_categories"]))
    return _file_name(figures["period"], "csv"), out.getvalue().encode("utf-8-sig")


def _csv_row(name, total, on_time, categories):
    return [name, _cell(total), str(on_time), *(_cell(row["count"]) for row in categories)]


def _cell(count):
    """A count shown as a number a spreadsheet can add, a withheld one in the page's words."""
    return str(count) if count.withheld else count.value


def _file_name(period, extension, region_code=None):
    """The ASCII name of a download: ombudsman-figures-2026-january-june.csv, with
    -region-75 before the dot when it is of one region."""
    name = FILE_NAME.format(year=period.year, months=FILE_MONTHS[period.half])
    return f"{name}-region-{region_code}.{extension}" if region_code else f"{name}.{extension}"


# -- The picture ----------------------------------------------------------------------------

def chart(figures):
    """The regions of ``figures`` as a picture [R3: transparency]: a bar a region for the
    reports it received, the share answered on time written beside it; ``{"wide": svg
    (labels beside the bars), "narrow": svg (labels above them, for a phone)}``.

    A withheld count has no bar, since a length would give its value away: the row says
    "fewer than 5" or "hidden", the words of the table; a withheld share says "not enough
    data". The chosen region is in bold behind a ▶, not marked by colour alone.
    """
    chosen = figures["region"].code if figures["region"] else None
    bars = [charts.Bar(row["name"], None if row["total"].withheld else row["total"].value, str(row["total"]),
                       str(row["on_time"]), row["region"].code == chosen)
            for row in figures["regions"]]
    title = gettext("Reports received and answered on time, by region: %(period)s", period=figures["period_label"])
    headings = (gettext("Reports received"), gettext("Answered on time"))
    description = _chart_description(figures["region"])
    return {"wide": charts.hbar_chart(title, bars, description, headings, WIDE_CHART, True, WIDE_GROW),
            "narrow": charts.hbar_chart(title, bars, description, headings, PHONE_CHART, False, PHONE_GROW)}


def _chart_description(region):
    """How to read the picture, for its ``<desc>`` [R3]."""
    text = gettext("A bar for each region: how many reports it received. On the right: the share of "
                   "its answered reports that were answered on time. A number withheld to protect "
                   "children has no bar; words stand in its place, as in the table.")
    if region is not None:
        text += " " + gettext("The region you chose, %(region)s, is in bold with a triangle before it.",
                              region=region.localized_name())
    return text
