"""The half-year activity report [R8], computed from what was recorded.

Every figure is an SQL aggregate grouped by region: one region's report and the
national roll-up of the 20 regions run the same queries (the roll-up naming all 20), so a
figure is counted the same way everywhere; each reads an index alone (migration 0013:
checklist items and children carry their case's region and times). The result is plain
JSON-ready data keyed by stable codes (kinds, categories, rules...), never by translated
text: a submitted report is frozen as it is and rendered later in the reader's language
(``services.report_layout``).

The half-year runs from 1 January to 30 June, or 1 July to 31 December, in local dates
(Asia/Almaty). What counts in it:

- received [R6.2]: cases received in the half-year, by kind, category (a case may have
  several), channel, responsible party; their children by age group;
- handled [R6.3]: cases answered in the half-year, on time (by the deadline, extended
  or not) or late, the median days from receipt to answer; extensions decided, cases
  closed by outcome (forwarded, rejected and withdrawn included), cases still pending
  at the end of the half-year;
- alerts [R10.1], [R10.3] of cases registered in the half-year: delivered, not yet
  delivered, the median and the worst minutes from registration to delivery;
- conversations [R10.2] held, and [R11] measures done, in the half-year; of these, the
  ones done after their due time; and, counted apart, those set aside in it;
- activities [R6.4]-[R6.11], [R9], [R12], [R13]: what each registry's spec counts
  (``models.registry_specs``): records dated in the half-year; memoranda, advisory bodies
  and commission memberships as they stand at its end;
- the year plan [R6.1]: its state and items done.
"""
from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import (Float, Interval, and_, case, cast, func, literal, literal_column, or_, select, text,
                        tuple_, type_coerce, union_all)
from sqlalchemy.dialects.postgresql import ARRAY, array

from core.errors import NotFound
from extensions import db
from models import Case, CaseChild, CaseStep, ChecklistItem, PlanItem, Region, YearPlan
from models.registry_specs import report_figures
from services.deadlines import KZ_TZ, answered_on_time, local_day, now_local

AGE_GROUPS = (("0-5", 0, 5), ("6-9", 6, 9), ("10-13", 10, 13), ("14-17", 14, 17))
ALERT_RULES = ("R10.1", "R10.3")
MEASURE_RULES = ("R11.1", "R11.2", "R11.3", "R11.4", "R11.5", "R11.6", "R11.7")


class Period:
    """A half-year: local first and last days, and the UTC-aware bounds for timestamps."""

    def __init__(self, year, half):
        if half not in (1, 2):
            raise ValueError("half must be 1 or 2")
        self.year, self.half = year, half
        self.start = date(year, 1, 1) if half == 1 else date(year, 7, 1)
        self.end = date(year, 6, 30) if half == 1 else date(year, 12, 31)
        self.since = datetime.combine(self.start, time(0), tzinfo=KZ_TZ)
        self.until = datetime.combine(self.end + timedelta(days=1), time(0), tzinfo=KZ_TZ)

    def holds(self, column):
        """A timestamptz column inside the half-year (an index on it stays usable)."""
        return and_(column >= self.since, column < self.until)

    def holds_day(self, column):
        return column.between(self.start, self.end)

    @property
    def months(self):
        return range(1, 7) if self.half == 1 else range(7, 13)


def current_half(day=None):
    """(year, half) of ``day``, by default today in Asia/Almaty."""
    day = day or now_local().date()
    return day.year, 1 if day.month <= 6 else 2


def last_completed_half(day=None):
    year, half = current_half(day)
    return (year, 1) if half == 2 else (year - 1, 2)


class _Query:
    """Runs grouped queries for one region, or for all regions at once.

    All regions are named too (``region_code IN (every code)``): each query then reads the
    indexes that start with the region, one range per region, as a region's report does,
    and gets its rows already in region order."""

    def __init__(self, region_code):
        self.region_code = region_code
        self.codes = ([region_code] if region_code else
                      db.session.scalars(select(Region.code).order_by(Region.code)).all())

    def scope(self, region_column):
        return region_column.in_(self.codes)

    def rows(self, query, region_column):
        """``{region_code: [rest of the row, ...]}`` for a query selecting the region first."""
        query = query.where(self.scope(region_column))
        grouped = {}
        for region, *rest in db.session.execute(query):
            grouped.setdefault(region, []).append(rest)
        return grouped


RECEIVED_BY = {"by_kind": Case.kind, "by_channel": Case.channel, "by_responsible": Case.responsible}


def _received_counts(q, period):
    """Cases received in the half-year, in total and by kind, channel and responsible
    party, in one pass (grouping sets): ``{region: {"total": n, "by_kind": {…}, …}}``."""
    columns = list(RECEIVED_BY.values())
    query = (select(Case.region_code, *columns, *(func.grouping(c) for c in columns), func.count())
             .where(period.holds(Case.received_at))
             .group_by(func.grouping_sets(tuple_(Case.region_code),
                                          *(tuple_(Case.region_code, c) for c in columns))))
    found = {}
    for region, rows in q.rows(query, Case.region_code).items():
        counts = found[region] = {"total": 0, **{key: {} for key in RECEIVED_BY}}
        for row in rows:
            values, grouped, n = row[:len(columns)], row[len(columns):-1], row[-1]
            if all(grouped):
                counts["total"] = n
            for key, value, aggregated in zip(RECEIVED_BY, values, grouped):
                if not aggregated:
                    counts[key][value] = n
    return found


def _by_category(q, period):
    """Cases received in the half-year by category (a case counts in each of its own)."""
    inner = select(Case.region_code, func.unnest(Case.categories).label("value")).where(
        period.holds(Case.received_at), q.scope(Case.region_code)).subquery()
    query = select(inner.c.region_code, inner.c.value, func.count()).group_by(
        inner.c.region_code, inner.c.value)
    return {region: dict(rows) for region, rows in q.rows(query, inner.c.region_code).items()}


def _age_groups(q, period):
    """The children of the cases received in the half-year, by age group (the child carries
    its case's region and time of receipt: no join)."""
    age = func.coalesce(CaseChild.age, period.year - CaseChild.birth_year)
    group = case(*[(age <= high, literal_column(f"'{name}'")) for name, _, high in AGE_GROUPS],
                 else_=literal_column(f"'{AGE_GROUPS[-1][0]}'"))
    query = (select(CaseChild.region_code, group, func.count())
             .where(period.holds(CaseChild.case_received_at)).group_by(CaseChild.region_code, group))
    return {region: dict(rows) for region, rows in q.rows(query, CaseChild.region_code).items()}


def _received(q, period):
    counts, categories, ages = (_received_counts(q, period), _by_category(q, period),
                                _age_groups(q, period))

    def figures(region):
        found = counts.get(region, {"total": 0, **{key: {} for key in RECEIVED_BY}})
        return {"total": found["total"], "by_kind": found["by_kind"],
                "by_category": categories.get(region, {}), "by_channel": found["by_channel"],
                "by_responsible": found["by_responsible"], "children_by_age": ages.get(region, {})}
    return figures


def _handled(q, period):
    on_time = func.count(case((answered_on_time(), 1)))
    days = local_day(Case.answered_at) - local_day(Case.received_at)
    answered = q.rows(select(Case.region_code, func.count(), on_time,
                             func.percentile_cont(0.5).within_group(days))
                      .where(period.holds(Case.answered_at)).group_by(Case.region_code),
                      Case.region_code)
    extended = q.rows(select(Case.region_code, func.count(func.distinct(CaseStep.case_id)))
                      .join(CaseStep, CaseStep.case_id == Case.id)
                      .where(CaseStep.action == "extend", period.holds(CaseStep.at))
                      .group_by(Case.region_code), Case.region_code)
    outcome = func.coalesce(Case.outcome, Case.state)
    closed = q.rows(select(Case.region_code, outcome, func.count())
                    .where(period.holds(Case.closed_at)).group_by(Case.region_code, outcome),
                    Case.region_code)
    pending = _pending_at_end(q, period)

    def figures(region):
        count, timely, median = answered.get(region, [[0, 0, None]])[0]
        by_outcome = dict(closed.get(region, []))
        return {"answered": count, "on_time": timely, "late": count - timely,
                "share_on_time": round(timely / count, 4) if count else None,
                "median_days": float(median) if median is not None else None,
                "extended": extended.get(region, [[0]])[0][0],
                "forwarded": by_outcome.get("forwarded", 0),
                "closed_by_outcome": by_outcome,
                "pending_at_end": pending.get(region, [[0]])[0][0]}
    return figures


def _pending_at_end(q, period):
    """Cases received before the end of the half-year and neither answered nor closed by then:
    counted as three disjoint parts, each read from an index (one OR-ed condition could not):
    never answered nor closed; answered after the end (and not closed before it); closed after
    the end without an answer."""
    received = Case.received_at < period.until
    parts = [
        and_(Case.answered_at.is_(None), Case.closed_at.is_(None)),
        and_(Case.answered_at >= period.until, or_(Case.closed_at.is_(None), Case.closed_at >= period.until)),
        and_(Case.answered_at.is_(None), Case.closed_at >= period.until),
    ]
    found = union_all(*(select(Case.region_code).where(q.scope(Case.region_code), received, part)
                        for part in parts)).subquery()
    query = select(found.c.region_code, func.count()).group_by(found.c.region_code)
    return q.rows(query, found.c.region_code)


def _minutes(interval):
    return func.extract("epoch", interval) / 60


# percentile_disc at these fractions gives the two middle values of N sorted values (the same
# one when N is odd): the ceil(0.5 N)-th and the ceil(0.500000001 N)-th, for N up to 5·10⁸.
MIDDLE = (0.5, 0.500000001)


def alert_delays(q, period):
    """``{region: [(rule, delivered, not delivered, median minutes, worst minutes), ...]}`` of
    the automatic alerts of the cases registered in the half-year (an item carries its case's
    region and registration time: no join).

    The median is ``percentile_cont(0.5)`` of the delays in minutes, and the worst their
    ``max``, worked out from the delays themselves: sorted as intervals, only the two middle
    ones and the longest are turned into minutes, not every delay. Minutes grow with the
    delay, and the two middle ones are interpolated as Postgres does (``lo + 0.5 (hi - lo)``
    in float8; the same value twice when N is odd): the same figures, to the last bit."""
    delay = ChecklistItem.done_at - ChecklistItem.case_registered_at
    delivered = ChecklistItem.status == "done"
    grouped = (select(ChecklistItem.region_code, ChecklistItem.rule,
                      func.count(case((delivered, 1))).label("delivered"),
                      func.count(case((ChecklistItem.status == "open", 1))).label("waiting"),
                      type_coerce(func.percentile_disc(array(MIDDLE)).within_group(delay).filter(delivered),
                                  ARRAY(Interval)).label("middle"),
                      func.max(delay).filter(delivered).label("worst"))
               .where(q.scope(ChecklistItem.region_code), period.holds(ChecklistItem.case_registered_at),
                      ChecklistItem.rule.in_(ALERT_RULES))
               .group_by(ChecklistItem.region_code, ChecklistItem.rule)).subquery()
    low, high = (cast(_minutes(grouped.c.middle[n]), Float) for n in (1, 2))
    median = type_coerce(low + 0.5 * (high - low), _minutes(delay).type)  # as percentile_cont's
    query = select(grouped.c.region_code, grouped.c.rule, grouped.c.delivered, grouped.c.waiting, median,
                   _minutes(grouped.c.worst))
    return q.rows(query, grouped.c.region_code)


def _alerts(q, period):
    rows = alert_delays(q, period)

    def figures(region):
        found = {rule: (done, waiting, median, worst)
                 for rule, done, waiting, median, worst in rows.get(region, [])}
        result = {}
        for rule in ALERT_RULES:
            done, waiting, median, worst = found.get(rule, (0, 0, None, None))
            result[rule] = {"delivered": done, "not_delivered": waiting,
                            "median_minutes": round(float(median), 1) if median is not None else None,
                            "worst_minutes": round(float(worst), 1) if worst is not None else None}
        return result
    return figures


def _checklist_done(q, period):
    """region → {(rule, status): (count, of which late)}: conversations and measures done or
    set aside in the half-year, in one statement over two partial indexes."""
    late = func.count().filter(ChecklistItem.done_at > ChecklistItem.due_at)
    query = (select(ChecklistItem.region_code, ChecklistItem.rule, ChecklistItem.status, func.count(), late)
             .where(ChecklistItem.status.in_(("done", "not_applicable")), period.holds(ChecklistItem.done_at),
                    ChecklistItem.rule.in_(("R10.2", *MEASURE_RULES)))
             .group_by(ChecklistItem.region_code, ChecklistItem.rule, ChecklistItem.status))
    rows = q.rows(query, ChecklistItem.region_code)
    return lambda region: {(rule, status): (count, late) for rule, status, count, late in rows.get(region, [])}


def _activities(q, period):
    """Registry records counted in the half-year, each figure as its registry's spec says
    (``RegistrySpec.report``): all in one statement (UNION ALL), the registries being small."""
    counted = {figure.key: (spec, spec.condition(figure, period)) for spec, figure in report_figures()}
    query = union_all(*(select(spec.region_column, literal(key), func.count())
                        .where(q.scope(spec.region_column), condition).group_by(spec.region_column)
                        for key, (spec, condition) in counted.items()))
    found = {}
    for region, key, count in db.session.execute(query):
        found.setdefault(region, {})[key] = count
    return lambda region: {key: found.get(region, {}).get(key, 0) for key in counted}


def _plan(q, period):
    in_half = or_(PlanItem.planned_month.in_(list(period.months)),
                  PlanItem.planned_quarter.in_([1, 2] if period.half == 1 else [3, 4]))
    counted = PlanItem.status != "cancelled"
    query = (select(YearPlan.region_code, YearPlan.state,
                    func.count(PlanItem.id).filter(counted),
                    func.count(PlanItem.id).filter(counted, PlanItem.status == "done"),
                    func.count(PlanItem.id).filter(counted, in_half),
                    func.count(PlanItem.id).filter(counted, in_half, PlanItem.status == "done"))
             .outerjoin(PlanItem, PlanItem.plan_id == YearPlan.id)
             .where(YearPlan.year == period.year).group_by(YearPlan.region_code, YearPlan.state))
    rows = q.rows(query, YearPlan.region_code)

    def figures(region):
        state, items, done, due, due_done = rows.get(region, [[None, 0, 0, 0, 0]])[0]
        return {"state": state, "items": items, "done": done,
                "due_this_half": due, "due_this_half_done": due_done}
    return figures


def compute(year, half, region_code=None):
    """``{region_code: figures}`` for one region, or for every region with data."""
    period = Period(year, half)
    q = _Query(region_code)
    # Each query is small and planned in a moment: compiling it (JIT) costs more than it saves.
    db.session.execute(text("SET LOCAL jit = off"))
    parts = {"received": _received(q, period), "handled": _handled(q, period),
             "alerts": _alerts(q, period), "checklist": _checklist_done(q, period),
             "activities": _activities(q, period), "plan": _plan(q, period)}
    computed_at = datetime.now(KZ_TZ).isoformat(timespec="seconds")

    def figures(region):
        items = parts["checklist"](region)

        def counted(status, rules, late=False):
            return {rule: items.get((rule, status), (0, 0))[late] for rule in rules}

        return {"region_code": region, "year": year, "half": half,
                "start": period.start.isoformat(), "end": period.end.isoformat(),
                "computed_at": computed_at,
                "received": parts["received"](region), "handled": parts["handled"](region),
                "alerts": parts["alerts"](region),
                "conversations": {"held": counted("done", ("R10.2",))["R10.2"],
                                  "late": counted("done", ("R10.2",), late=True)["R10.2"],
                                  "set_aside": counted("not_applicable", ("R10.2",))["R10.2"]},
                "measures": counted("done", MEASURE_RULES),
                "measures_late": counted("done", MEASURE_RULES, late=True),
                "measures_set_aside": counted("not_applicable", MEASURE_RULES),
                "activities": parts["activities"](region), "plan": parts["plan"](region)}
    return figures


def build_half_year_report(region_code, year, half):
    """The figures of one region's half-year report [R8], as a JSON-ready dict."""
    return compute(year, half, region_code)(region_code)


def latest_submitted(year, half, region_code=None):
    """``{region_code: HalfYearReport}``: the newest submitted version of each region."""
    from models import HalfYearReport

    newest = (select(HalfYearReport.region_code, func.max(HalfYearReport.version).label("version"))
              .where(HalfYearReport.year == year, HalfYearReport.half == half)
              .group_by(HalfYearReport.region_code))
    if region_code:
        newest = newest.where(HalfYearReport.region_code == region_code)
    newest = newest.subquery()
    query = select(HalfYearReport).join(newest, and_(
        HalfYearReport.region_code == newest.c.region_code, HalfYearReport.version == newest.c.version))
    return {report.region_code: report for report in db.session.scalars(query)}


def submitted_report(region_code, year, half):
    """The newest submitted version of a region's half-year report; NotFound when none is."""
    report = latest_submitted(year, half, region_code).get(region_code)
    if report is None:
        raise NotFound(_l("This region has not submitted a report for this half-year."))
    return report


def national_rollup(year, half):
    """The 20 regions side by side [R8]: each region's submitted figures (its newest
    version), or its live draft figures when it has not submitted, marked as such.

    ``[{"region": Region, "submitted": HalfYearReport | None, "figures": dict}]``.
    """
    submitted = latest_submitted(year, half)
    regions = db.session.scalars(select(Region).order_by(Region.code)).all()
    # Only regions that have not submitted are computed; once all have, nothing is.
    live = compute(year, half) if len(submitted) < len(regions) else None
    return [{"region": region, "submitted": submitted.get(region.code),
             "figures": submitted[region.code].figures if region.code in submitted
             else live(region.code)} for region in regions]
