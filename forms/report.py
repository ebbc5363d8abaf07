"""The public report form [R3, R6.2] and the forms of /status.

Parsing only: which fields there are, their limits, and turning what was typed into the
dicts ``services.cases.submit_case`` takes. The rules (consent, files, limits on
attempts) are checked in services.
"""
import re
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import FileStorage
from wtforms import (BooleanField, EmailField, Form, FormField, HiddenField, IntegerField, MultipleFileField,
                     RadioField, SelectMultipleField, StringField, TelField, TextAreaField)
from wtforms.validators import Email, InputRequired, Length, NumberRange, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from models.case import CATEGORIES, REPORTER_TYPES, RESPONSIBLE, SEXES
from services.cases import MAX_ATTACHMENTS, MAX_MESSAGE, UNSORTED_CATEGORY, public_kind
from core.iin import is_valid_iin
from services.questionnaires import MAX_TEXT

CHILD_FORMS = ("child1", "child2", "child3")
FILE_ACCEPT = ".pdf,.jpg,.jpeg,.png,.docx,.mp3,.m4a,.ogg,.mp4"
# Control characters other than tab and line feed: Postgres refuses NUL, the rest is noise.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def clean_text(value):
    """Typed text as data: control characters dropped, line ends unified, ends trimmed."""
    if not isinstance(value, str):
        return value
    return _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n")).strip()


def _text(label, max_length, field=StringField, **kwargs):
    return field(label, validators=[Optional(), Length(max=max_length)], filters=[clean_text], **kwargs)


def _one_of(message):
    """Required choice, without the ``required`` attribute on every option."""
    def check(form, field):
        if not field.data:
            raise ValidationError(message)
    return check


def _birth_year(form, field):
    this_year = date.today().year
    if field.data is not None and not this_year - 18 <= field.data <= this_year:
        raise ValidationError(_l("A child was born between %(first)s and %(last)s.",
                                 first=this_year - 18, last=this_year))


def _iin(form, field):
    if field.data and not is_valid_iin(field.data):
        raise ValidationError(_l("This IIN is not valid: check the 12 digits, or leave it empty."))


def _at_most_files(form, field):
    if len(uploads_of(field)) > MAX_ATTACHMENTS:
        raise ValidationError(_l("You can attach at most %(n)s files.", n=MAX_ATTACHMENTS))


def uploads_of(field):
    """The files really sent in a file field (hostile posts may send text instead)."""
    data = field.data if isinstance(field.data, list) else [field.data]
    return [f for f in data if isinstance(f, FileStorage) and f.filename]


class RadioGroup(RadioField):
    """Radios whose missing answer is reported once, by the field's own validator."""

    def pre_validate(self, form):
        if self.data is not None:
            super().pre_validate(form)


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ChildForm(Form):
    """One child: age or year of birth; everything else optional (KZ-FACTS.md, IIN)."""

    age = IntegerField(_l("Age"), validators=[Optional(), NumberRange(0, 17, message=_l(
        "A child is 0 to 17 years old."))], render_kw={"inputmode": "numeric", "min": 0, "max": 17})
    birth_year = IntegerField(_l("Year of birth"), validators=[Optional(), _birth_year],
                              render_kw={"inputmode": "numeric"})
    sex = RadioGroup(_l("Sex"), choices=list(SEXES.items()), default="unspecified", validators=[Optional()])
    name = _text(_l("Name"), 200, render_kw={"autocomplete": "off"})
    iin = StringField(_l("IIN"), validators=[Optional(), Length(max=20), _iin], filters=[clean_text],
                      render_kw={"inputmode": "numeric", "autocomplete": "off"})
    school = _text(_l("School, kindergarten or other organization"), 300)

    def given(self):
        """True when anything was typed for this child."""
        typed = any(f.raw_data and str(f.raw_data[0]).strip()
                    for f in (self.age, self.birth_year, self.name, self.iin, self.school))
        return typed or self.sex.data not in (None, "", "unspecified")

    def values(self):
        return {"age": self.age.data, "birth_year": self.birth_year.data,
                "sex": self.sex.data if self.sex.data in SEXES else "unspecified",
                "name": self.name.data or None, "iin": self.iin.data or None,
                "school": self.school.data or None}


class ReportForm(FlaskForm):
    """Step 2 of /report, fields in the order of the page."""

    # The shortest path a child takes: danger, what happened, how old, send. Everything
    # after ``child1`` is optional and drawn in sections the reporter may open.
    danger_now = RadioGroup(_l("Is the child in danger right now?"),
                            choices=[("yes", _l("Yes")), ("no", _l("No"))],
                            validators=[_one_of(_l("Answer yes or no."))])
    description = TextAreaField(_l("Tell us what happened"), filters=[clean_text], validators=[
        InputRequired(message=_l("Tell us what happened.")),
        Length(min=20, max=10000, message=_l("Write 20 to 10,000 characters. Now there are %(length)d."))])
    child1 = FormField(ChildForm, _l("Child 1"))
    child2 = FormField(ChildForm, _l("Child 2"))
    child3 = FormField(ChildForm, _l("Child 3"))
    categories = MultiCheckboxField(_l("What is it about?"), choices=list(CATEGORIES.items()))
    occurred_when = _text(_l("When did it happen?"), 200)
    occurred_where = _text(_l("Where did it happen?"), 300)
    responsible = RadioGroup(_l("Who did something wrong?"), choices=list(RESPONSIBLE.items()),
                             validators=[Optional()])
    responsible_details = _text(_l("More about them (optional)"), 500, field=TextAreaField)
    attachments = MultipleFileField(_l("Files to attach"), validators=[_at_most_files],
                                    render_kw={"accept": FILE_ACCEPT})
    reporter_type = RadioGroup(_l("Who are you?"), choices=list(REPORTER_TYPES.items()), validators=[Optional()])
    reporter_name = _text(_l("Your name"), 200, render_kw={"autocomplete": "name"})
    reporter_phone = TelField(_l("Your phone"), filters=[clean_text], validators=[
        Optional(), Length(max=40), Regexp(r"^\+?[\d\s()\-]{5,40}$", message=_l(
            "Write the phone number with digits, for example +7 701 234 56 78."))],
        render_kw={"autocomplete": "tel"})
    reporter_email = EmailField(_l("Your e-mail"), filters=[clean_text], validators=[
        Optional(), Length(max=254), Email(message=_l("Write the e-mail like name@example.kz."))],
        render_kw={"autocomplete": "email"})
    consent = BooleanField(_l("I agree to the processing of the personal data in this report."))
    # Abuse controls: a field people never see, and when the form was shown (signed).
    website = StringField(_l("Leave this field empty"), filters=[clean_text],
                          render_kw={"autocomplete": "off", "tabindex": "-1"})
    started = HiddenField()

    def validate(self, extra_validators=None):
        super().validate(extra_validators)
        for number, name in enumerate(CHILD_FORMS):
            child = self[name].form
            if (number == 0 or child.given()) and child.age.data is None and child.birth_year.data is None \
                    and not child.age.errors and not child.birth_year.errors:
                child.age.errors.append(_l("Give the child's age or year of birth."))
        self._errors = None
        return not self.has_errors()

    def has_errors(self):
        return any(field.errors for field in self._all_fields())

    def _all_fields(self):
        for field in self:
            if isinstance(field, FormField):
                yield from field.form
            else:
                yield field

    def opened(self, *names):
        """True when a section holding the fields ``names`` must be drawn open: something
        was typed or chosen in it, or it has an error (the summary links into it)."""
        for name in names:
            field = self[name]
            if field.errors:
                return True
            if isinstance(field, FormField):
                if field.form.given():
                    return True
            elif field.data not in (None, "", [], False) and field.data != field.default:
                return True
        return False

    def report_values(self, region_code, language):
        """The Case fields ``submit_case`` takes. The reporter is not asked for the kind
        nor the categories: ``intake.public_kind`` reads the kind from who did wrong, and
        staff correct both at registration (admin/case_corrections.py)."""
        responsible = self.responsible.data or "unknown"
        kind, complaint_target = public_kind(responsible, self.responsible_details.data)
        return {
            "region_code": region_code, "language": language, "channel": "web",
            "kind": kind, "complaint_target": complaint_target,
            "categories": list(self.categories.data or []) or [UNSORTED_CATEGORY],
            "description": self.description.data,
            "occurred_when": self.occurred_when.data or None,
            "occurred_where": self.occurred_where.data or None,
            "responsible": responsible,
            "responsible_details": self.responsible_details.data or None,
            "danger_now": self.danger_now.data == "yes",
            "reporter_type": self.reporter_type.data or None,
            "reporter_name": self.reporter_name.data or None,
            "reporter_phone": self.reporter_phone.data or None,
            "reporter_email": self.reporter_email.data or None,
        }

    def children_values(self):
        """The children given: the first always, the others when anything was typed."""
        return [self[name].form.values() for number, name in enumerate(CHILD_FORMS)
                if number == 0 or self[name].form.given()]

    def uploads(self):
        return uploads_of(self.attachments)


def answer_id(key):
    """The HTML name and id of an extra question."""
    return f"q-{key}"


def raw_answers(formdata, definition):
    """What was sent for each extra question of ``definition``: a list for multiple choice,
    else one string (the first, when a hostile post repeats it)."""
    raw = {}
    for question in (definition or {}).get("questions", []):
        values = [clean_text(v) for v in formdata.getlist(answer_id(question["key"])) if isinstance(v, str)]
        if question["type"] == "multiple_choice":
            raw[question["key"]] = [v for v in values if v]
        else:
            raw[question["key"]] = values[0] if values else ""
    return raw


YES_NO = (("yes", _l("Yes")), ("no", _l("No")))


def questions_for_page(definition, language):
    """The extra questions of a questionnaire version, ready to draw in ``language``: label,
    help, options, and for a conditional question the answer it depends on (shown as a
    note without JavaScript; the script hides the question instead)."""
    questions = (definition or {}).get("questions", [])

    def local(texts):
        texts = texts or {}
        return texts.get(language) or texts.get("kk") or ""

    by_key, page = {}, []
    for question in questions:
        options = list(YES_NO) if question["type"] == "yes_no" else [
            (option["value"], local(option["label"])) for option in question.get("options") or []]
        choice = question["type"] in ("single_choice", "multiple_choice", "yes_no")
        item = {"key": question["key"], "id": answer_id(question["key"]), "type": question["type"],
                "required": bool(question.get("required")), "label": local(question.get("label")),
                "help": local(question.get("help")), "options": options,
                "max_length": MAX_TEXT.get(question["type"]),
                "error_target": f"{answer_id(question['key'])}-0" if choice else answer_id(question["key"]),
                "condition": None}
        condition = question.get("show_if")
        if condition and condition.get("key") in by_key:
            parent = by_key[condition["key"]]
            answer = dict(parent["options"]).get(condition["answer"], condition["answer"])
            item["condition"] = {"key": parent["id"], "value": condition["answer"],
                                 "question": parent["label"], "answer": answer}
        by_key[question["key"]] = item
        page.append(item)
    return page


class ReceiptForm(FlaskForm):
    code = StringField(_l("Your receipt code"), filters=[clean_text], validators=[
        InputRequired(message=_l("Write your receipt code.")), Length(max=100)],
        render_kw={"autocomplete": "off", "inputmode": "numeric", "spellcheck": "false"})


class MessageForm(FlaskForm):
    body = TextAreaField(_l("Your message"), filters=[clean_text], validators=[
        InputRequired(message=_l("Write your message.")),
        Length(min=1, max=MAX_MESSAGE, message=_l("Write 1 to 5,000 characters. Now there are %(length)d."))])
    attachments = MultipleFileField(_l("Files"), validators=[_at_most_files], render_kw={"accept": FILE_ACCEPT})

    def uploads(self):
        return uploads_of(self.attachments)


class SavedForm(FlaskForm):
    """"I have saved it" on the confirmation: then the receipt code is no longer kept."""

    saved = BooleanField(_l("I have saved my receipt code"), validators=[
        InputRequired(message=_l("Tick the box once you have written down or saved the code."))])


class CloseForm(FlaskForm):
    """The "Close" button of /status: forget the opened case in this browser."""
