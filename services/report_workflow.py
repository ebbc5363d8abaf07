"""Submitting the half-year report [R8]: draft → submitted, corrections as new versions.

A draft is never stored: it is computed again on every view. The regional ombudsman
submits it; the figures and the files (XLSX and PDF, in Kazakh and Russian) are frozen
in a new version, sealed into the audit log's hash chain (its digest in the submission's
audit row, ``services.audit_chain``), and the Commissioner, the Committee and the akimat
of the region are alerted through the outbox with a link to it. A correction is the next
version, with a reason; older versions stay readable. Submission opens in the last month of the
half-year (June, December) and stays open after it.
"""
from datetime import timedelta

from flask_babel import lazy_gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from extensions import db
from models import HalfYearReport, HalfYearReportFile, HalfYearReview, Region
from models.capabilities import roles_with
from models.report import REPORT_LANGUAGES, REVIEW_DECISIONS
from services.links import public_url
from services import alerts, audit, audit_chain, narratives, report_files
from services.deadlines import now_local
from core.errors import InvalidInput, PermissionDenied, RegionMismatch
from services.files import save_bytes
from core.formats import N_
from services.report_layout import render
from services.reports import Period, build_half_year_report, current_half, last_completed_half

# A half-year in words, as the notices name it.
HALVES = {1: N_("the first half of %(year)s"), 2: N_("the second half of %(year)s")}

CONTENT_TYPES = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                 "pdf": "application/pdf"}
RENDERERS = {"xlsx": report_files.xlsx_bytes, "pdf": report_files.pdf_bytes}
OPENS_DAYS_BEFORE_END = 30


def versions(region_code, year, half):
    """Submitted versions of one region's half-year, newest first."""
    return db.session.scalars(select(HalfYearReport).where(
        HalfYearReport.region_code == region_code, HalfYearReport.year == year,
        HalfYearReport.half == half).order_by(HalfYearReport.version.desc())).all()


def opens_on(year, half):
    """The first day a half-year's report may be submitted."""
    return Period(year, half).end - timedelta(days=OPENS_DAYS_BEFORE_END)


def due_half(today=None):
    """(year, half) whose report is due now: the current half-year from its last month
    on, before that the last completed one."""
    today = today or now_local().date()
    year, half = current_half(today)
    return (year, half) if today >= opens_on(year, half) else last_completed_half(today)


def may_submit(actor, region_code):
    return actor is not None and actor.role == "ombudsman" and actor.region_code == region_code


def check_submit(actor, region_code, year, half, today=None):
    """Raise unless ``actor`` may submit this half-year's report now."""
    if actor is None or actor.role != "ombudsman":
        raise PermissionDenied(_l("Only the regional ombudsman submits the half-year report."))
    if actor.region_code != region_code:
        raise RegionMismatch(_l("This report belongs to another region."))
    today = today or now_local().date()
    if today < opens_on(year, half):
        raise InvalidInput(_l("The report of a half-year can be submitted from its last month on."))


def submit(actor, region_code, year, half, correction_reason=None, today=None):
    """Freeze the figures and files of a new version and alert its readers [R8].

    The first version needs no reason; every later one is a correction and does.
    The caller commits.
    """
    check_submit(actor, region_code, year, half, today)
    reason = (correction_reason or "").strip() or None
    # Serialize submissions of one region and half-year, so versions never collide.
    db.session.execute(select(func.pg_advisory_xact_lock(
        int(region_code), year * 10 + half)))
    last = db.session.scalar(select(func.max(HalfYearReport.version)).where(
        HalfYearReport.region_code == region_code, HalfYearReport.year == year,
        HalfYearReport.half == half)) or 0
    if last and not reason:
        raise InvalidInput(_l("A correction of a submitted report needs a reason."))
    report = HalfYearReport(region_code=region_code, year=year, half=half, version=last + 1,
                            figures=build_half_year_report(region_code, year, half),
                            narrative=narratives.frozen(narratives.draft(region_code, year, half)),
                            correction_reason=reason if last else None, submitted_by_id=actor.id)
    db.session.add(report)
    db.session.flush()
    db.session.refresh(report)  # the submission time, set by the database
    region = db.session.get(Region, region_code)
    for language in REPORT_LANGUAGES:
        rendered = render(report.figures, region, language, version=report, narrative=report.narrative)
        for fmt, to_bytes in RENDERERS.items():
            _freeze_file(report, fmt, language, to_bytes(rendered), actor)
    audit.record("half_year_report.submit", actor=actor, obj=report, version=report.version,
                 digest=audit_chain.seal(report))
    _alert(report, region)
    return report


REVIEWERS = roles_with("reports_review")


def review_of(report):
    """The Commissioner's office's decision on ``report``, or None while it waits."""
    return db.session.scalar(select(HalfYearReview).where(HalfYearReview.report_id == report.id))


def may_review(actor, report):
    """Whether ``actor`` may decide on ``report`` now: the latest version, not yet decided."""
    return (actor.role in REVIEWERS and review_of(report) is None
            and versions(report.region_code, report.year, report.half)[0].id == report.id)


def review(actor, report, decision, remarks=None):
    """[R8] the Commissioner's office accepts the latest version, or returns it with remarks:
    the ombudsman answers with a new version (a correction, with its reason). The region's
    ombudsman and akimat are alerted. The caller commits."""
    if actor.role not in REVIEWERS:
        raise PermissionDenied(_l("Only the Commissioner's office accepts or returns a half-year report."))
    if decision not in REVIEW_DECISIONS:
        raise InvalidInput(_l("Accept the report or return it with remarks."))
    remarks = (remarks or "").strip() or None
    if decision == "returned" and remarks is None:
        raise InvalidInput(_l("Say what to correct: a report is returned with remarks."))
    if not may_review(actor, report):
        raise InvalidInput(_l("Only the latest version waiting for a decision can be accepted or returned."))
    db.session.add(HalfYearReview(report_id=report.id, decision=decision, remarks=remarks, decided_by_id=actor.id))
    audit.record("half_year_report.review", actor=actor, obj=report, decision=decision, version=report.version)
    alerts.raise_alert(f"half_year_report.{decision}", report.region_code, obj=report, region=report.region,
                       period=lazy_gettext(HALVES[report.half], year=report.year), version=report.version,
                       remarks=remarks or "", link=link(report))


def _freeze_file(report, fmt, language, data, actor):
    name = f"report-{report.region_code}-{report.year}-{report.half}-v{report.version}-{language}.{fmt}"
    stored = save_bytes(data, name, CONTENT_TYPES[fmt], report.region_code, actor)
    db.session.add(HalfYearReportFile(report_id=report.id, format=fmt, language=language,
                                      file_id=stored.id))


def link(report):
    return public_url(f"/admin/half_year_report/version/?id={report.id}")


def _alert(report, region):
    """The Commissioner, the Committee and the akimat of the region are told [R8]."""
    alerts.raise_alert(
        "half_year_report.submitted" if report.version == 1 else "half_year_report.corrected",
        report.region_code, obj=report, region=region, version=report.version, link=link(report),
        period=lazy_gettext(HALVES[report.half], year=report.year))
