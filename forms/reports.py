"""The form that submits a half-year report [R8]."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import Length, Optional


class SubmitReportForm(FlaskForm):
    """A correction (every version after the first) needs a reason; the service checks it."""

    correction_reason = TextAreaField(_l("Reason for the correction (for a new version)"),
                                      validators=[Optional(), Length(max=5000)])
