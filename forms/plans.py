"""The small forms of the year plan's steps and of linking an item to its record [R6.1]."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class NoteForm(FlaskForm):
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=5000)])

    def service_arguments(self, plan, actor):
        return {"note": self.note.data}


class RemarksForm(FlaskForm):
    remarks = TextAreaField(_l("Remarks"), validators=[DataRequired(), Length(max=10000)])

    def service_arguments(self, plan, actor):
        return {"remarks": self.remarks.data}


class ApproveForm(FlaskForm):
    approved_on = DateField(_l("Date of the approval"), validators=[DataRequired()])

    def service_arguments(self, plan, actor):
        return {"approved_on": self.approved_on.data}


class LinkRecordForm(FlaskForm):
    """Choose the region's registry record that fulfils an item ("type: title/date")."""

    record = SelectField(_l("Record"), validators=[DataRequired()])


STEP_FORMS = {"send_for_agreement": NoteForm, "agree": NoteForm,
              "return_with_remarks": RemarksForm, "approve": ApproveForm}
