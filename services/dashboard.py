"""The staff dashboard on the admin home: what the recorded cases say [R3], [R6.2], [R6.3], [R10], [R11].

Transparency [R3] starts at home: every staff member sees, for the last 12 months
(Asia/Almaty months, the current one included),

- cases received per month, and by category (a case counts once in each of its
  categories, so the categories add up to more than the cases) [R6.2];
- cases by region, for the national roles only;
- the share of cases answered on time [R6.2], [R6.3]: among cases answered in the
  window, those whose answer went out (local date) on or before the deadline;
- what is overdue now: open cases past their deadline, and open checklist items past
  their due time [R10], [R11], exactly as the work queue lists them.

A regional user (``akimat_admin``, ``ombudsman``) sees their region only; the national
roles (``superadmin``, ``commissioner``, ``committee``) see all regions. Every figure is
one SQL aggregate (GROUP BY in Postgres): no case is loaded into Python. Figures are
plain dicts and lists; ``for_user`` adds the charts drawn by core/charts.py. The
national figures of the 12 months are kept up to a minute per worker (``NATIONAL_SECONDS``);
what is overdue is always counted afresh.
"""
import time
from collections import Counter
from datetime import date, datetime

from flask import current_app
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, select, true

from extensions import db
from models import Case, ChecklistItem, Region
from models.base import utcnow
from models.case import CATEGORIES
from models.checklist import RULE_LABELS
from core import charts
from services.deadlines import KZ_TZ, answered_on_time
from services.work_queue import case_overdue, item_overdue

MONTHS = 12


# The facts the figures rest on live with their rules: answered on time in
# services.deadlines, overdue cases and checklist items in services.work_queue.

def _local_month(column):
    """The first day of the Almaty month of a timestamptz column."""
    return func.date_trunc("month", func.timezone(KZ_TZ.key, column))


# -- The window and the scope ---------------------------------------------------------------

def months(now):
    """The first days of the last ``MONTHS`` Almaty months, oldest first, this one last."""
    local = now.astimezone(KZ_TZ)
    index = local.year * 12 + local.month - 1
    return [date(i // 12, i % 12 + 1, 1) for i in range(index - MONTHS + 1, index + 1)]


def _window(column, now):
    """``column`` falls in the window: from the first local day of the oldest month to now."""
    start = datetime.combine(months(now)[0], datetime.min.time(), tzinfo=KZ_TZ)
    return and_(column >= start, column <= now)


def _scoped(query, region_code):
    """The cases of the region, or of every region: named one by one, so that the query reads
    the indexes that start with the region (services.reports), one range per region."""
    codes = [region_code] if region_code else db.session.scalars(select(Region.code)).all()
    return query.where(Case.region_code.in_(codes))


def _by_month(column, now, region_code, *extra):
    """{month's first day: (values...)} for the cases whose ``column`` is in the window."""
    month = _local_month(column).label("month")
    query = _scoped(select(month, *extra).where(_window(column, now)), region_code).group_by("month")
    return {row[0].date(): tuple(row[1:]) for row in db.session.execute(query)}


def _received(now, region_code=None):
    """{(region code, month's first day): cases received}: read once for the figures by month
    and by region."""
    month = _local_month(Case.received_at).label("month")
    query = _scoped(select(Case.region_code, month, func.count()).where(_window(Case.received_at, now)),
                    region_code).group_by(Case.region_code, "month")
    return {(region, month.date()): count for region, month, count in db.session.execute(query)}


# -- The figures ----------------------------------------------------------------------------

def received_by_month(now, region_code=None, received=None):
    """[R6.2] cases received per month: a list of ``MONTHS`` counts, oldest month first
    (``received``: what ``_received`` read, when the caller has it)."""
    if received is None:
        received = _received(now, region_code)
    found = Counter()
    for (_region, month), count in received.items():
        found[month] += count
    return [found[month] for month in months(now)]


def by_category(now, region_code=None):
    """[R6.2] {category: cases received in the window}, every known category (zeros included),
    in the order of models.case.CATEGORIES; a case counts once in each of its categories."""
    # FROM cases JOIN unnest(cases.categories) ON true: a function in FROM sees the row before it.
    unnested = func.unnest(Case.categories).table_valued("category").render_derived(name="c")
    query = _scoped(select(unnested.c.category, func.count()).select_from(Case).join(unnested, true())
                    .where(_window(Case.received_at, now)), region_code).group_by(unnested.c.category)
    found = dict(db.session.execute(query).all())
    counts = {key: found.pop(key, 0) for key in CATEGORIES}
    return counts | dict(sorted(found.items()))  # codes no longer offered keep their count


def by_region(now, received=None):
    """[R3] cases received in the window in each of the 20 regions: [(Region, count)] by code
    (``received``: what ``_received`` read, when the caller has it)."""
    if received is None:
        received = _received(now)
    found = Counter()
    for (code, _month), count in received.items():
        found[code] += count
    regions = db.session.scalars(select(Region).order_by(Region.code))
    return [(region, found[region.code]) for region in regions]


def on_time(now, region_code=None):
    """[R6.2], [R6.3] cases answered in the window and those answered on time, overall and
    per month of the answer: ``{"answered", "on_time", "share", "by_month": [share|None]}``."""
    in_time = func.count(case((answered_on_time(), 1)))
    found = _by_month(Case.answered_at, now, region_code, func.count(), in_time)
    answered = sum(total for total, _good in found.values())
    punctual = sum(good for _total, good in found.values())
    by_month = []
    for month in months(now):
        total, good = found.get(month, (0, 0))
        by_month.append(_share(good, total))
    return {"answered": answered, "on_time": punctual, "share": _share(punctual, answered),
            "by_month": by_month}


def _share(part, whole):
    return part / whole if whole else None


def overdue(now, region_code=None):
    """What is late now (the work queue's "overdue"): ``{"cases", "items", "items_by_rule":
    {rule: count}}``; ``today`` for the cases' deadlines is the Almaty date of ``now``."""
    today = now.astimezone(KZ_TZ).date()
    cases = db.session.scalar(_scoped(select(func.count()).select_from(Case).where(case_overdue(today)),
                                      region_code))
    # Every region: one pass over the open cases' items, rather than a range per region.
    query = select(ChecklistItem.rule, func.count()).join(Case, Case.id == ChecklistItem.case_id).where(
        item_overdue(now))
    if region_code:
        query = query.where(Case.region_code == region_code)
    query = query.group_by(ChecklistItem.rule)
    rules = dict(db.session.execute(query).all())
    items_by_rule = {rule: rules[rule] for rule in RULE_LABELS if rule in rules}
    return {"cases": cases, "items": sum(rules.values()), "items_by_rule": items_by_rule}


def _twelve_months(now, region_code):
    """The figures of the window, by region as ``[(region code, count)]`` (plain data: the
    national ones are kept between requests)."""
    received = _received(now, region_code)
    return {
        "received_by_month": received_by_month(now, region_code, received),
        "by_category": by_category(now, region_code),
        "by_region": ([(region.code, count) for region, count in by_region(now, received)]
                      if region_code is None else None),
        "on_time": on_time(now, region_code),
    }


# The national figures of the window read some 700,000 index entries at a million cases (a
# quarter of a second): a worker process keeps them for NATIONAL_SECONDS, for the same window
# and day, so a case received meanwhile shows there at most that late. A region's figures
# (tens of milliseconds) and what is overdue now are always read afresh.
NATIONAL_SECONDS = 60


def _national(now):
    kept = current_app.extensions.setdefault("dashboard_national", {})
    key = (months(now)[0], now.astimezone(KZ_TZ).date())
    if key not in kept or time.monotonic() - kept[key][0] > NATIONAL_SECONDS:
        kept.clear()
        kept[key] = (time.monotonic(), _twelve_months(now, None))
    return kept[key][1]


def figures(region_code=None, now=None):
    """Every figure of the dashboard, for one region or (``None``) the whole country; the
    national figures of the window as kept for up to ``NATIONAL_SECONDS`` when ``now`` is
    not given (the admin home)."""
    keep = region_code is None and now is None
    now = now or utcnow()
    found = _national(now) if keep else _twelve_months(now, region_code)
    by_region = found["by_region"]
    if by_region is not None:
        regions = {region.code: region for region in db.session.scalars(select(Region))}
        by_region = [(regions[code], count) for code, count in by_region]
    return {
        "region_code": region_code,
        "months": months(now),
        "since": months(now)[0],
        "today": now.astimezone(KZ_TZ).date(),
        **found,
        "by_region": by_region,
        "overdue": overdue(now, region_code),
    }


# -- For the admin home -----------------------------------------------------------------------

def for_user(user, now=None):
    """The dashboard of ``user``: their region's figures (national for the national roles)
    and the charts drawing them: ``{"received", "categories", "regions" (national only),
    "on_time"}`` → ``charts.figure`` dicts for the ``chart_figure`` macro."""
    found = figures(None if user.sees_all_regions() else user.region_code, now)
    month_labels = [format_date(month, "LLL yyyy") for month in found["months"]]
    cases = _("Cases")
    drawn = {
        "received": charts.figure("bar", _("Cases received per month"), month_labels,
                                  {cases: found["received_by_month"]}, label_heading=_l("Month")),
        "categories": charts.figure("bar", _("Cases by category"),
                                    [str(CATEGORIES.get(code, code)) for code in found["by_category"]],
                                    {cases: list(found["by_category"].values())},
                                    label_heading=_l("Category")),
    }
    if found["by_region"] is not None:
        drawn["regions"] = charts.figure("bar", _("Cases by region"),
                                         [region.localized_name() for region, _count in found["by_region"]],
                                         {cases: [count for _region, count in found["by_region"]]},
                                         label_heading=_l("Region"))
    drawn["on_time"] = charts.figure("line", _("Cases answered on time, by month of the answer"),
                                     month_labels, {_("Answered on time"): found["on_time"]["by_month"]},
                                     unit="percent", label_heading=_l("Month"))
    found["charts"] = drawn
    found["on_time_text"] = charts.format_value(found["on_time"]["share"], "percent")
    found["rule_labels"] = {rule: RULE_LABELS[rule] for rule in found["overdue"]["items_by_rule"]}
    return found
