"""The small confirmation forms of each appointment step [R4]."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from services.files import store_file


class NoteForm(FlaskForm):
    """A step that needs only an optional note."""

    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=5000)])

    def service_arguments(self, appointment, actor):
        return {"note": self.note.data}


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=5000)])

    def service_arguments(self, appointment, actor):
        return {"reason": self.reason.data}


class DocumentForm(FlaskForm):
    """A letter or an order: its number, date and scanned copy."""

    number = StringField(_l("Number"), validators=[DataRequired(), Length(max=50)])
    date = DateField(_l("Date"), validators=[DataRequired()])
    file = FileField(_l("Scanned document (PDF, JPEG or PNG)"))
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=5000)])

    def service_arguments(self, appointment, actor):
        upload = self.file.data
        stored = store_file(upload, appointment.region_code, actor) if upload and upload.filename else None
        return {"number": self.number.data, "letter_date" if self.is_letter else "order_date": self.date.data,
                "note": self.note.data, "file": stored}

    is_letter = False


class LetterForm(DocumentForm):
    number = StringField(_l("Letter number"), validators=[DataRequired(), Length(max=50)])
    date = DateField(_l("Letter date"), validators=[DataRequired()])
    is_letter = True


class RefusalForm(LetterForm):
    note = None
    reason = TextAreaField(_l("Reason for the refusal"), validators=[DataRequired(), Length(max=5000)])

    def service_arguments(self, appointment, actor):
        arguments = super().service_arguments(appointment, actor)
        del arguments["note"]
        arguments["reason"] = self.reason.data
        return arguments


class OrderForm(DocumentForm):
    number = StringField(_l("Order number"), validators=[DataRequired(), Length(max=50)])
    date = DateField(_l("Order date"), validators=[DataRequired()])


STEP_FORMS = {
    "withdraw": NoteForm, "request_consent": NoteForm, "grant_consent": LetterForm,
    "refuse_consent": RefusalForm, "record_order": OrderForm, "request_dismissal": ReasonForm,
    "grant_dismissal": LetterForm, "refuse_dismissal": RefusalForm, "record_dismissal": OrderForm,
}
