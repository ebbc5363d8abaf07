"""The half-year report [R8] screens: a region's draft and versions, and the national roll-up.

Regional users see their own region; the national roles choose one. The draft is
computed on every view; the regional ombudsman submits it (``services.report_workflow``).
The reader chooses the report's language (kk or ru) whatever the interface language.
"""
from flask import abort, flash, jsonify, redirect, request, url_for
from flask_admin import expose
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from admin.base import NATIONAL_ROLES, STAFF_ROLES, StaffView
from extensions import db
from forms.reports import NarrativeForm, ReviewForm, SubmitReportForm
from i18n import current_language
from models import HalfYearReport, Region
from models.case import CATEGORIES
from models.report import NARRATIVE_SECTIONS, REPORT_FORMATS, REPORT_LANGUAGES, REVIEW_DECISIONS
from request_input import id_from
from services import audit, narratives, report_files, report_layout, report_workflow, reports
from use_case import use_case
from downloads import send_audited, send_bytes

FIRST_YEAR = 2024  # Order No. 149 of 19 June 2024


def _int_arg(name, default, low, high):
    value = request.args.get(name, type=int)
    return value if value is not None and low <= value <= high else default


def _period():
    """(year, half) from ?year=&half=, by default the half-year whose report is due."""
    year, half = report_workflow.due_half()
    return _int_arg("year", year, FIRST_YEAR, year + 1), _int_arg("half", half, 1, 2)


def _report_language():
    """The report's language: ?report_lang=, else the interface's when it is kk or ru."""
    chosen = request.args.get("report_lang") or current_language()
    return chosen if chosen in REPORT_LANGUAGES else REPORT_LANGUAGES[0]


def _send(data, fmt, name):
    return send_bytes(data, report_workflow.CONTENT_TYPES[fmt], name)


class HalfYearReportView(StaffView):
    roles = STAFF_ROLES

    @property
    def extra_js(self):
        return [url_for("static", filename="js/autosave.js")]

    def _region(self):
        """The region shown: the user's own, or for the national roles ?region= (else None)."""
        code = current_user.region_code if current_user.role_enum.is_regional else request.args.get("region")
        region = db.session.get(Region, code) if code else None
        if code and region is None:
            abort(404)
        return region

    @expose("/")
    def index(self):
        region = self._region()
        year, half = _period()
        regions = db.session.scalars(select(Region).order_by(Region.code)).all()
        if region is None:
            return self.render("admin/half_year_report.html", region=None, regions=regions,
                               year=year, half=half, years=self._years())
        figures = reports.build_half_year_report(region.code, year, half)
        language = _report_language()
        may_submit = report_workflow.may_submit(current_user, region.code)
        saved = narratives.draft(region.code, year, half)  # read once: the preview, the form, its status
        here = dict(region=region.code, year=year, half=half)
        return self.render(
            "admin/half_year_report.html", region=region, regions=regions, year=year, half=half,
            years=self._years(), language=language, languages=REPORT_LANGUAGES,
            formats=REPORT_FORMATS,
            rendered=report_layout.render(figures, region, language,
                                          narrative=narratives.frozen(saved)),
            format_value=report_files.format_value,
            lang_url=lambda code: url_for(".index", report_lang=code, **here),
            file_url=lambda fmt: url_for(".draft_file", format=fmt, language=language, **here),
            versions=report_workflow.versions(region.code, year, half),
            form=SubmitReportForm() if may_submit else None,
            narrative=self._narrative_form(region.code, year, half, saved),
            narrative_draft=saved, sections=NARRATIVE_SECTIONS,
            review_of=report_workflow.review_of, decisions=REVIEW_DECISIONS)

    @staticmethod
    def _narrative_form(region_code, year, half, saved):
        """The ombudsman's words, for the region's writers: the draft ``saved`` as last saved."""
        if not narratives.may_write(current_user, region_code):
            return None
        form = NarrativeForm(formdata=None)
        for section, texts in (saved.sections if saved else {}).items():
            for language, text in texts.items():
                if f"{section}_{language}" in form:
                    form[f"{section}_{language}"].data = text
        form.resonant.data = "\n".join(saved.resonant_cases) if saved else ""
        evidence = (saved.evidence if saved else None) or {}
        form.problem_cases.data = "\n".join(evidence.get("cases", []))
        form.problem_visits.choices = [(str(v.id), f"{v.visited_on:%d.%m.%Y}: {v.organization_name}")
                                       for v in narratives.visits_of(region_code, year, half)]
        form.problem_visits.data = [str(i) for i in evidence.get("visits", [])]
        return form

    @expose("/narrative/", methods=("POST",))
    def narrative(self):
        """Save the draft of the ombudsman's words: by the page's script every few seconds
        (answered in JSON), or by its "Save" button (back to the page)."""
        region = self._region() or abort(404)
        year, half = _period()
        form = NarrativeForm()
        by_script = request.headers.get("X-Autosave") == "1"
        if not form.validate():
            return self._narrative_answer(by_script, region, year, half,
                                          _("Not saved: the form has expired. Reload the page: what you "
                                            "typed is kept in this browser."), 400)
        with use_case(flashed=not by_script) as outcome:
            saved = narratives.save(current_user, region.code, year, half, form.texts(), form.resonant.data,
                                    form.problem_cases.data, form.problem_visits.data or ())
        if not outcome:
            return self._narrative_answer(by_script, region, year, half, str(outcome.error), 400, flashed=True)
        when = format_datetime(saved.updated_at, "short")
        return self._narrative_answer(by_script, region, year, half, _("Saved %(when)s.", when=when), 200)

    def _narrative_answer(self, by_script, region, year, half, message, status, flashed=False):
        if by_script:
            return jsonify(message=message), status
        if not flashed:
            flash(message, "success" if status == 200 else "error")
        return redirect(url_for(".index", region=region.code, year=year, half=half) + "#narrative")

    @staticmethod
    def _years():
        return list(range(report_workflow.due_half()[0], FIRST_YEAR - 1, -1))

    @expose("/draft/")
    def draft_file(self):
        """The draft as a file, computed now (never stored)."""
        region = self._region() or abort(404)
        year, half = _period()
        fmt, language = self._file_args()
        words = narratives.frozen(narratives.draft(region.code, year, half))
        rendered = report_layout.render(reports.build_half_year_report(region.code, year, half),
                                        region, language, narrative=words)
        data = report_workflow.RENDERERS[fmt](rendered)
        audit.record("half_year_report.download", actor=current_user, region_code=region.code,
                     year=year, half=half, draft=True, format=fmt, language=language)
        db.session.commit()
        return _send(data, fmt, f"report-{region.code}-{year}-{half}-draft-{language}.{fmt}")

    @staticmethod
    def _file_args():
        fmt, language = request.args.get("format"), request.args.get("language")
        if fmt not in REPORT_FORMATS or language not in REPORT_LANGUAGES:
            abort(404)
        return fmt, language

    @expose("/submit/", methods=("POST",))
    def submit(self):
        region = self._region() or abort(404)
        year, half = _period()
        back = url_for(".index", region=region.code, year=year, half=half)
        form = SubmitReportForm()
        if not form.validate_on_submit():
            flash(_("Not submitted: the form has expired or is incomplete. Please try again."), "error")
            return redirect(back)
        with use_case() as outcome:
            report = report_workflow.submit(current_user, region.code, year, half,
                                            form.correction_reason.data)
        if not outcome:
            return redirect(back)
        flash(_("Version %(version)s submitted. The Commissioner, the Committee and the akimat "
                "have been alerted.", version=report.version), "success")
        return redirect(url_for(".version", id=report.id, report_lang=_report_language()))

    def _version_or_404(self):
        report = db.session.get(HalfYearReport, id_from(request.args.get("id")) or 0)
        if report is None or not current_user.can_see_region(report.region_code):
            abort(404)
        return report

    @expose("/version/")
    def version(self):
        """A submitted version, exactly as it was frozen."""
        report = self._version_or_404()
        language = _report_language()
        return self.render(
            "admin/half_year_report_version.html", report=report, language=language,
            languages=REPORT_LANGUAGES, formats=REPORT_FORMATS,
            rendered=report_layout.render(report.figures, report.region, language, version=report,
                                          narrative=report.narrative),
            format_value=report_files.format_value,
            lang_url=lambda code: url_for(".version", id=report.id, report_lang=code),
            file_url=lambda fmt: url_for(".file", id=report.id, format=fmt, language=language),
            versions=report_workflow.versions(report.region_code, report.year, report.half),
            review=report_workflow.review_of(report), decisions=REVIEW_DECISIONS,
            review_form=ReviewForm() if report_workflow.may_review(current_user, report) else None)

    @expose("/review/", methods=("POST",))
    def review(self):
        """The Commissioner's office accepts the version or returns it with remarks."""
        report = self._version_or_404()
        form = ReviewForm()
        if form.validate():
            with use_case() as outcome:
                report_workflow.review(current_user, report, form.decision.data, form.remarks.data)
            if outcome:
                flash(_("Done: %(decision)s.", decision=REVIEW_DECISIONS[form.decision.data]), "success")
        else:
            flash(" ".join(str(error) for errors in form.errors.values() for error in errors), "error")
        return redirect(url_for(".version", id=report.id))

    @expose("/file/")
    def file(self):
        """A frozen file of a submitted version."""
        report = self._version_or_404()
        fmt, language = self._file_args()
        frozen = report.file(fmt, language) or abort(404)
        return send_audited(frozen.file, current_user, obj=report, action="half_year_report.download",
                            format=fmt, language=language)


class NationalRollupView(StaffView):
    """All 20 regions side by side for a half-year, with totals and who has not submitted [R8]."""

    roles = NATIONAL_ROLES

    @expose("/")
    def index(self):
        year, half = _period()
        rows = reports.national_rollup(year, half)
        words = narratives.rollup(year, half, _report_language())
        return self.render("admin/national_rollup.html", year=year, half=half, rows=rows,
                           format_value=report_files.format_value,
                           years=HalfYearReportView._years(), table=rollup_table(rows),
                           words=words_table(words) if words else None,
                           missing=[row["region"] for row in rows if row["submitted"] is None])

    @expose("/xlsx/")
    def xlsx(self):
        return self._download("xlsx")

    @expose("/pdf/")
    def pdf(self):
        return self._download("pdf")

    def _download(self, fmt):
        """The roll-up as one document: the regions' resonant cases and problems, and in the
        workbook (22 columns fit no A4 page) the figures of the 20 regions before them."""
        year, half = _period()
        rendered = {"title": _("National roll-up of the half-year reports [R8]: %(year)s, "
                               "half-year %(half)s", year=year, half=half),
                    "subtitle": "", "sections": []}
        if fmt == "xlsx":
            rendered["subtitle"] = _("Regions that have not submitted show their live draft figures.")
            rendered["sections"].append({"title": _("Roll-up"),
                                         "tables": [rollup_table(reports.national_rollup(year, half))]})
        words = narratives.rollup(year, half, _report_language())
        if words or not rendered["sections"]:
            rendered["sections"].append({"title": _("Resonant cases and problems"), "tables": [words_table(words)]})
        audit.record("half_year_report.rollup_download", actor=current_user, year=year, half=half, format=fmt)
        db.session.commit()
        return _send(report_workflow.RENDERERS[fmt](rendered), fmt, f"rollup-{year}-{half}.{fmt}")


def words_table(words):
    """[R8] the regions' systemic problems and resonant cases (numbers and categories only)."""
    return {"title": _("Resonant cases and systemic problems of the regions"),
            "columns": [{"label": _("Region"), "kind": "text"}, {"label": _("Systemic problems found"), "kind": "text"},
                        {"label": _("Resonant cases"), "kind": "text"}],
            "rows": [[row["region"].localized_name(), row["problems"],
                      "; ".join(f"{case['number']} ({', '.join(str(CATEGORIES.get(c, c)) for c in case['categories'])})"
                                for case in row["resonant_cases"])] for row in words]}


def rollup_table(rows):
    """The roll-up as one table: a line per figure, a column per region, then the total.

    Counts are summed; medians and other kinds have no meaningful total and show none.
    """
    columns = [{"label": _("Indicator"), "kind": "text"},
               *({"label": row["region"].localized_name(), "kind": "mixed"} for row in rows),
               {"label": _("Total"), "kind": "mixed"}]
    body = []
    for section_title, line in report_layout.lines():
        values = [report_layout.line_value(row["figures"], line) for row in rows]
        total = sum(v or 0 for v in values) if line.kind == "count" else None
        body.append([f"{section_title}: {line.label}",
                     *({"value": v, "kind": line.kind} for v in values),
                     {"value": total, "kind": line.kind}])
    return {"title": None, "columns": columns, "rows": body}
