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


def _number(label):
    return StringField(label, validators=[DataRequired(), Length(max=50)])


def _date(label):
    return DateField(label, validators=[DataRequired()])


def _scan():
    return FileField(_l("Scanned document (PDF, JPEG or PNG)"))


def _note():
    return TextAreaField(_l("Note"), validators=[Optional(), Length(max=5000)])


class DocumentForm(FlaskForm):
    """A letter or an order: its number, date, scanned copy and a note.

    WTForms shows fields in the order they were created, so each form below creates
    all of its own fields (an inherited field would come first).
    """

    is_letter = False

    def service_arguments(self, appointment, actor):
        upload = self.file.data
        stored = store_file(upload, appointment.region_code, actor) if upload and upload.filename else None
        arguments = {"number": self.number.data, "file": stored,
                     "letter_date" if self.is_letter else "order_date": self.date.data}
        if "note" in self._fields:
            arguments["note"] = self.note.data
        if "reason" in self._fields:
            arguments["reason"] = self.reason.data
        return arguments


class LetterForm(DocumentForm):
    """The Commissioner's letter of consent."""

    is_letter = True
    number = _number(_l("Letter number"))
    date = _date(_l("Letter date"))
    file = _scan()
    note = _note()


class RefusalForm(DocumentForm):
    """The Commissioner's letter refusing consent: a reason instead of a note."""

    is_letter = True
    number = _number(_l("Letter number"))
    date = _date(_l("Letter date"))
    reason = TextAreaField(_l("Reason for the refusal"), validators=[DataRequired(), Length(max=5000)])
    file = _scan()


class OrderForm(DocumentForm):
    """The akim's order."""

    number = _number(_l("Order number"))
    date = _date(_l("Order date"))
    file = _scan()
    note = _note()


STEP_FORMS = {
    "withdraw": NoteForm, "request_consent": NoteForm, "grant_consent": LetterForm,
    "refuse_consent": RefusalForm, "record_order": OrderForm, "request_dismissal": ReasonForm,
    "grant_dismissal": LetterForm, "refuse_dismissal": RefusalForm, "record_dismissal": OrderForm,
}
