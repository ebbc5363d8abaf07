"""How a region stands against its duties, computed from the data, never typed in.

For a date (by default today in Asia/Almaty) and its year and half-year:

- [R6.1] the year plan approved on time, and how many of its items are done;
- [R6.10] a briefing held this half-year;
- [R8] the report of the last completed half-year: submitted (and which version), or
  missing; a warning only in the first month after the half-year ends;
- [R9] commission meetings attended out of those recorded this year;
- [R6.8] memoranda ending within 30 days; [R6.6] document requests past their answer date.

A mark says what it means, in words beside its icon (never by colour alone):

- ``ok``: the duty is done; ``warning``: late or behind; ``missing``: not done;
- ``not_applicable``: there was nothing to do (no memorandum ends soon, no request awaits
  an answer, no commission meeting was recorded, no plan to count items of);
- ``vacant``: the region has no ombudsman in office [R4], so a duty not done is nobody's
  failure: it is marked vacant, not missing. A duty done (a report submitted before the
  post fell vacant) keeps its mark.

Every figure is an SQL count grouped by region, so the national table of the 20
regions costs a handful of queries. Results are plain dicts and lists.
"""
from datetime import date, timedelta

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select

from extensions import db
from models import (
    Appointment,
    AppointmentState,
    Briefing,
    CommissionMeeting,
    DocumentRequest,
    Memorandum,
    PlanItem,
    Region,
    User,
    YearPlan,
)
from models.registry import EXPIRY_WARNING_DAYS
from models.registry_specs import REGISTRY_SPECS, RegistrySpecError
from models.user import Role

OK, WARNING, MISSING = "ok", "warning", "missing"
NOT_APPLICABLE, VACANT = "not_applicable", "vacant"
MARK_LABELS = {OK: _l("OK"), WARNING: _l("Warning"), MISSING: _l("Missing"),
               NOT_APPLICABLE: _l("Not applicable"), VACANT: _l("Vacant")}
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
    overdue = func.count(case((DocumentRequest.answer_due < day, 1)))
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
        "requests": by_region(select(DocumentRequest.region_code, func.count(), overdue, long_overdue)
                              .where(DocumentRequest.answered_on.is_(None))
                              .group_by(DocumentRequest.region_code), DocumentRequest.region_code),
        "in_office": _in_office(region_code),
    }


def _in_office(region_code=None):
    """The regions with an ombudsman in office [R4]: an appointment between the akim's order
    and the dismissal order or, where no appointment is recorded, an enabled ombudsman
    account (as ``services.notices`` names the ombudsman). Taken as things stand now."""
    appointed = select(Appointment.region_code).where(
        Appointment.state.in_(AppointmentState.IN_OFFICE))
    accounts = select(User.region_code).where(User.role == Role.OMBUDSMAN.value,
                                              User.is_enabled.is_(True))
    if region_code:
        appointed = appointed.where(Appointment.region_code == region_code)
        accounts = accounts.where(User.region_code == region_code)
    return set(db.session.scalars(appointed.union(accounts)))


def _reports(day, region_code=None):
    """The newest submitted version of the last completed half-year's report, by region."""
    from services.reports import last_completed_half, latest_submitted

    year, half = last_completed_half(day)
    return {"period": (year, half), "submitted": latest_submitted(year, half, region_code)}


def _check(key, mark, detail, **numbers):
    return {"key": key, "label": CHECKS[key], "mark": mark, "detail": detail, **numbers}


def _plan_check(code, day, figures):
    """[R6.1] the year's plan, approved by 30 December of the year before."""
    plan = figures["plans"].get(code)
    if plan is None:
        return _check("plan", MISSING, _l("No plan for %(year)s.", year=day.year))
    plan_id, state, approved_on = plan
    if approved_on is None or state != "approved":
        return _check("plan", WARNING, _l("Not approved yet."), plan_id=plan_id)
    if approved_on > date(day.year - 1, 12, 30):
        return _check("plan", WARNING, _l("Approved late, on %(day)s.", day=format_date(approved_on, "medium")),
                      plan_id=plan_id)
    return _check("plan", OK, _l("Approved on %(day)s.", day=format_date(approved_on, "medium")), plan_id=plan_id)


def _plan_items_check(code, day, figures):
    """[R6.1] the plan's items done: half of them by the second half-year. Without a plan
    there are no items to count (the plan's own mark says it is missing)."""
    done, total = figures["items"].get(code, (0, 0))
    if code not in figures["plans"]:
        return _check("plan_items", NOT_APPLICABLE, _l("No plan to count the items of."),
                      done=done, total=total)
    if total == 0:
        return _check("plan_items", MISSING, _l("No plan items."), done=done, total=total)
    behind = day >= date(day.year, 7, 1) and done * 2 < total
    return _check("plan_items", WARNING if behind else OK,
                  _l("%(done)s of %(total)s done.", done=done, total=total), done=done, total=total)


def _briefing_check(code, day, figures):
    """[R6.10] a briefing every half-year."""
    _, half_start, _ = periods(day)
    (held,) = figures["briefings"].get(code, (0,))
    return _check("briefing", OK if held else MISSING,
                  _l("%(n)s held since %(day)s.", n=held, day=format_date(half_start, "medium")), count=held)


def _report_check(code, day, figures):
    """[R8] the report of the last completed half-year; a warning in its first month."""
    from services.reports import Period

    (year, half), report = figures["reports"]["period"], figures["reports"]["submitted"].get(code)
    if report is not None:
        return _check("report", OK, _l("%(year)s/%(half)s: version %(version)s submitted.", year=year,
                                       half=half, version=report.version), report_id=report.id)
    late = day > Period(year, half).end + timedelta(days=REPORT_GRACE_DAYS)
    return _check("report", MISSING if late else WARNING,
                  _l("%(year)s/%(half)s: not submitted yet.", year=year, half=half))


def _meetings_check(code, day, figures):
    """[R9] the commission meetings recorded this year, attended; none recorded: nothing to
    attend."""
    attended, recorded = figures["meetings"].get(code, (0, 0))
    if recorded == 0:
        return _check("meetings", NOT_APPLICABLE, _l("No commission meeting recorded this year."),
                      attended=0, recorded=0)
    return _check("meetings", OK if attended == recorded else WARNING,
                  _l("%(attended)s of %(recorded)s attended.", attended=attended, recorded=recorded),
                  attended=attended, recorded=recorded)


def _memoranda_check(code, day, figures):
    """[R6.8] memoranda ending within 30 days, to renew; none: nothing to do."""
    (expiring,) = figures["memoranda"].get(code, (0,))
    if not expiring:
        return _check("memoranda", NOT_APPLICABLE, _l("No memorandum ends within 30 days."), count=0)
    return _check("memoranda", WARNING, _l("%(n)s expiring.", n=expiring), count=expiring)


def _document_requests_check(code, day, figures):
    """[R6.6] requests for documents past their answer date: a warning, missing a month
    later; none waiting for an answer: nothing to do."""
    waiting, overdue, long_overdue = figures["requests"].get(code, (0, 0, 0))
    numbers = dict(count=overdue, long_overdue=long_overdue, waiting=waiting)
    if not waiting:
        return _check("document_requests", NOT_APPLICABLE, _l("No request awaits an answer."), **numbers)
    if not overdue:
        return _check("document_requests", OK,
                      _l("%(n)s awaiting an answer, none overdue.", n=waiting), **numbers)
    return _check("document_requests", MISSING if long_overdue else WARNING,
                  _l("%(n)s overdue.", n=overdue), **numbers)


CHECK_FUNCTIONS = (_plan_check, _plan_items_check, _briefing_check, _report_check, _meetings_check,
                   _memoranda_check, _document_requests_check)


def _vacant(check):
    """A duty not done where nobody is in office [R4]: vacant, its detail kept."""
    return {**check, "mark": VACANT} if check["mark"] in (MISSING, WARNING) else check


def _region_checks(code, day, figures):
    """The seven checks of one region, in the order of ``CHECKS``."""
    checks = [function(code, day, figures) for function in CHECK_FUNCTIONS]
    return checks if code in figures["in_office"] else [_vacant(check) for check in checks]


def region_compliance(region_code, day=None):
    """``{"region_code", "day", "year", "half", "vacant", "checks": [...]}`` for one region."""
    day = day or today()
    figures = _figures(day, region_code)
    return {"region_code": region_code, "day": day, "year": day.year,
            "half": 1 if day.month <= 6 else 2, "vacant": region_code not in figures["in_office"],
            "checks": _region_checks(region_code, day, figures)}


def national_compliance(day=None):
    """One row per region (all 20): ``{"region": Region, "vacant": bool, "checks": [...]}``."""
    day = day or today()
    figures = _figures(day)
    regions = db.session.scalars(select(Region).order_by(Region.code)).all()
    return [{"region": region, "vacant": region.code not in figures["in_office"],
             "checks": _region_checks(region.code, day, figures)} for region in regions]


def marks(checks):
    """``{key: mark}``: handy for tests and summaries."""
    return {check["key"]: check["mark"] for check in checks}
