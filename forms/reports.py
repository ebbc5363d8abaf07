"""The forms of the half-year report [R8]: its submission and the ombudsman's own words."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectMultipleField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from models.report import NARRATIVE_SECTIONS, REPORT_LANGUAGES, REVIEW_DECISIONS


class SubmitReportForm(FlaskForm):
    """A correction (every version after the first) needs a reason; the service checks it."""

    correction_reason = TextAreaField(_l("Reason for the correction (for a new version)"),
                                      validators=[Optional(), Length(max=5000)])


class NarrativeForm(FlaskForm):
    """The ombudsman's words of the half-year report: one text a section and language
    (``<section>_<language>``), and the resonant cases' numbers. Limits: services.narratives."""

    resonant = TextAreaField(_l("Resonant cases: their registration numbers, one a line"),
                             validators=[Optional(), Length(max=2000)])

    problem_cases = TextAreaField(_l("Cases that show the problems: their registration numbers, one a line"),
                                  validators=[Optional(), Length(max=2000)])
    problem_visits = SelectMultipleField(_l("Visits that show the problems"), coerce=str, validate_choice=False)

    OTHER_FIELDS = ("resonant", "problem_cases", "problem_visits", "csrf_token")

    def texts(self):
        return {name: field.data for name, field in self._fields.items() if name not in self.OTHER_FIELDS}


for _section, _label in NARRATIVE_SECTIONS.items():
    for _language in REPORT_LANGUAGES:
        setattr(NarrativeForm, f"{_section}_{_language}", TextAreaField(
            _label, validators=[Optional()], render_kw={"lang": _language, "rows": 5}))


class ReviewForm(FlaskForm):
    """The Commissioner's office's decision on a submitted version (services.report_workflow)."""

    decision = RadioField(_l("Decision"), choices=list(REVIEW_DECISIONS.items()),
                          validators=[InputRequired(message=_l("Accept the report or return it with remarks."))])
    remarks = TextAreaField(_l("Remarks"), validators=[Optional(), Length(max=10000)],
                            description=_l("Needed to return the report: what to correct."))
