"""How a region stands against its duties, computed from the data, never typed in.

For a date (by default today in Asia/Almaty) and its year and half-year:

- [R6.1] the year plan approved on time, and how many of its items are done;
- [R6.10] a briefing held this half-year;
- [R8] the report of the last completed half-year: submitted (and which version), or
  missing; a warning only in the first month after the half-year ends;
- [R9] commission meetings attended out of those recorded this year;
- [R6.8] memoranda ending within 30 days; [R6.6] document requests past their answer date.

Every figure is an SQL count grouped by region, so the national table of the 20
regions costs a handful of queries. Results are plain dicts and lists.
"""
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select

from extensions import db
from models import (
    Briefing,
    CommissionMeeting,
    DocumentRequest,
    Memorandum,
    PlanItem,
    Region,
    YearPlan,
)
from models.registry import EXPIRY_WARNING_DAYS
from models.registry_specs import REGISTRY_SPECS, RegistrySpecError

OK, WARNING, MISSING = "ok", "warning", "missing"
MARK_LABELS = {OK: _l("OK"), WARNING: _l("Warning"), MISSING: _l("Missing")}
CHECKS = {
    "plan": _l("Year plan approved on time [R6.1]"),
    "plan_items": _l("Plan items done [R6.1]"),
    "briefing": _l("Briefing this half-year [R6.10]"),
    "report": _l("Half-year report [R8]"),
    "meetings": _l("Commission meetings attended [R9]"),
    "memoranda": _l("Memoranda expiring within 30 days [R6.8]"),
    "document_requests": _l("Document requests overdue [R6.6]"),
}
# The checks computed from a registry, and which: each registry's spec declares the check it
# feeds (``RegistrySpec.duty``), and the two must agree or this module does not load.
REGISTRY_CHECKS = {"briefing": Briefing, "meetings": CommissionMeeting, "memoranda": Memorandum,
                   "document_requests": DocumentRequest}
_DECLARED = {spec.duty: spec.model for spec in REGISTRY_SPECS if spec.duty}
if _DECLARED != REGISTRY_CHECKS or not set(REGISTRY_CHECKS) <= set(CHECKS):
    raise RegistrySpecError(f"compliance computes {REGISTRY_CHECKS} from the registries, their specs "
                            f"declare {_DECLARED}")
# A request unanswered this many days after its due date is missing, not just late.
LONG_OVERDUE_DAYS = 30
# The report of a half-year is a warning, not yet missing, this long after it ends [R8].
REPORT_GRACE_DAYS = 30


def today():
    from services.deadlines import now_local

    return now_local().date()


def periods(day):
    """The year's first day and the half-year's first and last days around ``day``."""
    year_start = date(day.year, 1, 1)
    if day.month <= 6:
        return year_start, year_start, date(day.year, 6, 30)
    return year_start, date(day.year, 7, 1), date(day.year, 12, 31)


def _figures(day, region_code=None):
    """Every count for one region, or (without ``region_code``) for all regions at once."""
    year_start, half_start, _ = periods(day)

    def by_region(query, column):
        if region_code:
            query = query.where(column == region_code)
        return {row[0]: tuple(row[1:]) for row in db.session.execute(query)}

    done = func.count(case((PlanItem.status == "done", 1)))
    attended = func.count(case((CommissionMeeting.attended, 1)))
    long_ago = day - timedelta(days=LONG_OVERDUE_DAYS)
    long_overdue = func.count(case((DocumentRequest.answer_due < long_ago, 1)))
    return {
        "plans": by_region(select(YearPlan.region_code, YearPlan.id, YearPlan.state,
                                  YearPlan.approved_on).where(YearPlan.year == day.year),
                           YearPlan.region_code),
        "items": by_region(select(YearPlan.region_code, done, func.count())
                           .join(PlanItem, PlanItem.plan_id == YearPlan.id)
                           .where(YearPlan.year == day.year, PlanItem.status != "cancelled")
                           .group_by(YearPlan.region_code), YearPlan.region_code),
        "briefings": by_region(select(Briefing.region_code, func.count())
                               .where(Briefing.held_on.between(half_start, day))
                               .group_by(Briefing.region_code), Briefing.region_code),
        "meetings": by_region(select(CommissionMeeting.region_code, attended, func.count())
                              .where(CommissionMeeting.held_on.between(year_start, day))
                              .group_by(CommissionMeeting.region_code), CommissionMeeting.region_code),
        "memoranda": by_region(select(Memorandum.region_code, func.count())
                               .where(Memorandum.terminated_on.is_(None)
                                      | (Memorandum.terminated_on > day),
                                      Memorandum.valid_until.between(
                                          day, day + timedelta(days=EXPIRY_WARNING_DAYS)))
                               .group_by(Memorandum.region_code), Memorandum.region_code),
        "reports": _reports(day, region_code),
        "requests": by_region(select(DocumentRequest.region_code, func.count(), long_overdue)
                              .where(DocumentRequest.answered_on.is_(None),
                                     DocumentRequest.answer_due < day)
                              .group_by(DocumentRequest.region_code), DocumentRequest.region_code),
    }


def _reports(day, region_code=None):
    """The newest submitted version of the last completed half-year's report, by region."""
    from services.reports import last_completed_half, latest_submitted

    year, half = last_completed_half(day)
    return {"period": (year, half), "submitted": latest_submitted(year, half, region_code)}


def _report_check(code, day, figures):
    from services.reports import Period

    (year, half), report = figures["reports"]["period"], figures["reports"]["submitted"].get(code)
    if report is not None:
        return _check("report", OK, _l("%(year)s/%(half)s: version %(version)s submitted.", year=year,
                                       half=half, version=report.version), report_id=report.id)
    late = day > Period(year, half).end + timedelta(days=REPORT_GRACE_DAYS)
    return _check("report", MISSING if late else WARNING,
                  _l("%(year)s/%(half)s: not submitted yet.", year=year, half=half))


def _check(key, mark, detail, **numbers):
    return {"key": key, "label": CHECKS[key], "mark": mark, "detail": detail, **numbers}


def _region_checks(code, day, figures):
    """The seven checks of one region, in the order of ``CHECKS``."""
    _, half_start, _ = periods(day)
    checks = []

    plan = figures["plans"].get(code)
    if plan is None:
        checks.append(_check("plan", MISSING, _l("No plan for %(year)s.", year=day.year)))
    else:
        plan_id, state, approved_on = plan
        deadline = date(day.year - 1, 12, 30)
        if approved_on is not None and state == "approved":
            late = approved_on > deadline
            checks.append(_check("plan", WARNING if late else OK,
                                 _l("Approved late, on %(day)s.", day=approved_on.isoformat()) if late
                                 else _l("Approved on %(day)s.", day=approved_on.isoformat()),
                                 plan_id=plan_id))
        else:
            checks.append(_check("plan", WARNING, _l("Not approved yet."), plan_id=plan_id))

    done, total = figures["items"].get(code, (0, 0))
    if plan is None or total == 0:
        checks.append(_check("plan_items", MISSING, _l("No plan items."), done=done, total=total))
    else:
        behind = day >= date(day.year, 7, 1) and done * 2 < total
        checks.append(_check("plan_items", WARNING if behind else OK,
                             _l("%(done)s of %(total)s done.", done=done, total=total),
                             done=done, total=total))

    (held,) = figures["briefings"].get(code, (0,))
    checks.append(_check("briefing", OK if held else MISSING,
                         _l("%(n)s held since %(day)s.", n=held, day=half_start.isoformat()),
                         count=held))

    checks.append(_report_check(code, day, figures))

    attended, recorded = figures["meetings"].get(code, (0, 0))
    mark = MISSING if recorded == 0 else OK if attended == recorded else WARNING
    checks.append(_check("meetings", mark,
                         _l("%(attended)s of %(recorded)s attended.", attended=attended,
                            recorded=recorded), attended=attended, recorded=recorded))

    (expiring,) = figures["memoranda"].get(code, (0,))
    checks.append(_check("memoranda", WARNING if expiring else OK,
                         _l("%(n)s expiring.", n=expiring), count=expiring))

    overdue, long_overdue = figures["requests"].get(code, (0, 0))
    mark = MISSING if long_overdue else WARNING if overdue else OK
    checks.append(_check("document_requests", mark, _l("%(n)s overdue.", n=overdue),
                         count=overdue, long_overdue=long_overdue))
    return checks


def region_compliance(region_code, day=None):
    """``{"region_code", "day", "year", "half", "checks": [...]}`` for one region."""
    day = day or today()
    return {"region_code": region_code, "day": day, "year": day.year,
            "half": 1 if day.month <= 6 else 2,
            "checks": _region_checks(region_code, day, _figures(day, region_code))}


def national_compliance(day=None):
    """One row per region (all 20): ``{"region": Region, "checks": [...]}``."""
    day = day or today()
    figures = _figures(day)
    regions = db.session.scalars(select(Region).order_by(Region.code)).all()
    return [{"region": region, "checks": _region_checks(region.code, day, figures)}
            for region in regions]


def marks(checks):
    """``{key: mark}``: handy for tests and summaries."""
    return {check["key"]: check["mark"] for check in checks}
