"""The step forms of a recommendation on legislation [R6.4] (services/recommendations.py)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from models.registry import RECOMMENDATION_OUTCOMES


class SendForm(FlaskForm):
    """A confirmation: sending has nothing to fill in."""

    def service_arguments(self, recommendation, actor):
        return {}


class AnswerForm(FlaskForm):
    outcome = RadioField(_l("What became of the recommendation"), choices=list(RECOMMENDATION_OUTCOMES.items()),
                         validators=[InputRequired(message=_l("Choose what became of the recommendation."))])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=10000)],
                         description=_l("Needed unless it was taken into account in full: what was not, and why."))

    def service_arguments(self, recommendation, actor):
        return {"outcome": self.outcome.data, "note": self.note.data}


STEP_FORMS = {"send": SendForm, "answer": AnswerForm}
