"""The small forms of case handling [R6.2], [R6.3], [R10], [R11]: one per workflow step,
one per checklist action, the office's message, and staff entry of a case received by
another channel (phone, visit, letter, e-mail, media, e-Otinish, line 111).

Each form only collects; ``service_arguments`` hands its values to the service, which
checks the rules.
"""
from datetime import datetime, time

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, FormField, MultipleFileField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from forms.report import CHILD_FORMS, ChildForm, MultiCheckboxField
from i18n import LANGUAGE_NAMES
from models.case import CATEGORIES, CHANNELS, KINDS, OUTCOMES, REPORTER_TYPES, RESPONSIBLE, SEXES, CaseState
from models.checklist import SET_ASIDE_REASONS
from services.case_workflow import CLOSING_OUTCOMES
from services.checklist import open_required
from services.deadlines import KZ_TZ, now_local
from services.settings import clock


def _today():
    return now_local().date()


def _note():
    return TextAreaField(_l("Note"), validators=[Optional(), Length(max=5000)])


def _required_text(label, max_length=5000, area=True):
    field = TextAreaField if area else StringField
    return field(label, validators=[DataRequired(), Length(max=max_length)])


def _optional_text(label, max_length):
    return StringField(label, validators=[Optional(), Length(max=max_length)],
                       filters=[lambda value: value.strip() if isinstance(value, str) else value])


# --- workflow steps ---------------------------------------------------------------------

class StartForm(FlaskForm):
    note = _note()

    def service_arguments(self, case, actor):
        return {"note": self.note.data}


class AnswerForm(FlaskForm):
    """The final answer, written in the language of the case (shown above the box); while
    required checklist items are open, also why it goes now."""

    body = TextAreaField(_l("Final answer to the reporter"),
                         validators=[DataRequired(), Length(max=10000)], render_kw={"rows": 10})
    open_items_reason = _required_text(_l("Required checklist items are still open: why does the "
                                          "answer go now?"))

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        if case is None or not open_required(case):
            del self.open_items_reason

    def service_arguments(self, case, actor):
        reason = self.open_items_reason.data if "open_items_reason" in self._fields else None
        return {"body": self.body.data, "open_items_reason": reason}


class CloseForm(FlaskForm):
    outcome = SelectField(_l("Outcome"), choices=[(o, OUTCOMES[o]) for o in CLOSING_OUTCOMES],
                          validators=[DataRequired()])
    note = _note()

    def service_arguments(self, case, actor):
        return {"outcome": self.outcome.data, "note": self.note.data}


class ForwardForm(FlaskForm):
    to_body = _required_text(_l("Forwarded to (body)"), 300, area=False)
    note = _note()

    def service_arguments(self, case, actor):
        return {"to_body": self.to_body.data, "note": self.note.data}


class RejectForm(FlaskForm):
    reason = _required_text(_l("Reason (the reporter is told)"))

    def service_arguments(self, case, actor):
        return {"reason": self.reason.data}


class ExtendForm(FlaskForm):
    new_due = DateField(_l("New deadline"), validators=[DataRequired()])
    reason = _required_text(_l("Reason for the extension (the reporter is told)"))

    def service_arguments(self, case, actor):
        return {"new_due": self.new_due.data, "reason": self.reason.data}


class PoliceForm(FlaskForm):
    """The police confirmation, at any time; a closed case asks why it is reopened."""

    confirmed_on = DateField(_l("Date of the police confirmation"), default=_today,
                             validators=[DataRequired()])
    reference = _required_text(_l("Reference (e.g. the KUI registration number)"), 200, area=False)
    reopen_reason = _required_text(_l("The case is closed: why it is reopened for the measures [R11]"))

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        if case is None or case.state != CaseState.CLOSED:
            del self.reopen_reason

    def service_arguments(self, case, actor):
        reopen = self.reopen_reason.data if "reopen_reason" in self._fields else None
        return {"confirmed_on": self.confirmed_on.data, "reference": self.reference.data, "reopen_reason": reopen}


STEP_FORMS = {"start": StartForm, "answer": AnswerForm, "close": CloseForm, "forward": ForwardForm,
              "reject": RejectForm, "extend": ExtendForm, "confirm_police": PoliceForm}


# --- checklist ----------------------------------------------------------------------------

class _DoneForm(FlaskForm):
    """Base of the "mark done" form; ``done_form`` adds what the item's rule needs."""

    def service_arguments(self, item):
        data = {"note": self.note.data, "files": [f for f in self.files.data or () if getattr(f, "filename", "")]}
        if "held_on" in self._fields:
            data["held_on"] = self.held_on.data
        if "reference" in self._fields:
            data["reference"] = self.reference.data
        if "organization" in self._fields:
            chosen = self.organization.data
            data["organization"] = self._organizations.get(int(chosen)) if chosen else None
        return data


def done_form(item, organizations=()):
    """The "mark done" form of ``item``: [R10.2] date and summary, [R10.3] reference
    numbers, [R11.7] the placement organization from the region's directory; evidence
    files for every item. WTForms orders fields by creation, so they are made here."""
    fields = {}
    if item.rule == "R10.2":
        fields["held_on"] = DateField(_l("Date of the conversation"), default=_today,
                                      validators=[DataRequired()])
        fields["note"] = _required_text(_l("Summary of the conversation"))
    if item.rule == "R10.3":
        fields["reference"] = _required_text(_l("Reference numbers (guardianship, police)"), 200, area=False)
    if item.rule == "R11.7":
        required = item.case.danger_now
        fields["organization"] = SelectField(
            _l("Where the child was placed"),
            choices=([] if required else [("", _l("Not placed"))])
            + [(str(o.id), o.localized_name()) for o in organizations],
            validators=[DataRequired()] if required else [Optional()])
    if item.automatic and item.rule != "R10.3":
        fields["note"] = _required_text(_l("How they were told (the system has not delivered this alert)"))
    if "note" not in fields:
        fields["note"] = TextAreaField(_l("What was done"), validators=[Optional(), Length(max=5000)])
    fields["files"] = MultipleFileField(_l("Evidence files (PDF, JPEG or PNG)"))
    form_class = type("DoneForm", (_DoneForm,), fields)
    form = form_class()
    form._organizations = {o.id: o for o in organizations}
    return form


class SetAsideForm(FlaskForm):
    """Why a conversation or a measure is not carried out: a reason the rules allow."""

    reason = SelectField(_l("Why it is set aside"), choices=[("", "—")] + list(SET_ASIDE_REASONS.items()),
                         validators=[DataRequired(_l("Choose why it is set aside."))])
    note = TextAreaField(_l("What was tried (calls, visits, letters), or why"),
                         validators=[Optional(), Length(max=5000)])
    linked_number = _optional_text(_l("Registration number of the case in which it was done"), 20)

    def service_arguments(self, item):
        return {"reason": self.reason.data, "note": self.note.data, "linked_number": self.linked_number.data}


class ReferenceForm(FlaskForm):
    reference = _required_text(_l("Reference numbers (guardianship, police)"), 200, area=False)

    def service_arguments(self, item):
        return {"reference": self.reference.data}


class ConversationForm(FlaskForm):
    person = _required_text(_l("Person for a preventive conversation (a role, e.g. “the stepfather”)"),
                            200, area=False)


class MessageForm(FlaskForm):
    body = TextAreaField(_l("Message"), validators=[DataRequired(), Length(max=10000)],
                         render_kw={"rows": 4})
    internal = BooleanField(_l("Internal note (never shown to the reporter)"))


# --- staff entry of a case from another channel --------------------------------------------

STAFF_CHANNELS = [(code, label) for code, label in CHANNELS.items() if code != "web"]


class StaffChildForm(ChildForm):
    """A child of a case entered by staff: the public form's child, with a drop-down for sex."""

    sex = SelectField(_l("Sex"), choices=list(SEXES.items()), default="unspecified")


class CaseEntryForm(FlaskForm):
    """A case received by phone, at a visit, by letter or e-mail, from the media, e-Otinish
    or line 111, entered by the ombudsman of the region as it arrived: when, under which
    incoming number, from whom, about which children."""

    channel = SelectField(_l("Received by"), choices=STAFF_CHANNELS, validators=[DataRequired()])
    received_on = DateField(_l("Date received"), default=_today, validators=[DataRequired()])
    received_time = StringField(_l("Time received (HH:MM), if known"), validators=[Optional(), Length(max=5)],
                                filters=[lambda value: value.strip() if isinstance(value, str) else value])
    incoming_number = _optional_text(_l("Incoming number (the e-Otinish number, the letter's registration "
                                        "number)"), 100)
    sender = _optional_text(_l("Sent on by (a body or organization), if it did not come from the reporter"), 300)
    language = SelectField(_l("Language of the reporter (the answer is written in it)"),
                           choices=list(LANGUAGE_NAMES.items()), default="kk", validators=[DataRequired()])
    kind = SelectField(_l("Kind"), choices=list(KINDS.items()), validators=[DataRequired()])
    complaint_target = _optional_text(_l("Complaint against (body, organization or official)"), 500)
    categories = MultiCheckboxField(_l("Categories"), choices=list(CATEGORIES.items()),
                                    validators=[DataRequired(_l("Choose at least one category."))])
    description = TextAreaField(_l("What happened"), validators=[DataRequired(), Length(min=20, max=10000)],
                                render_kw={"rows": 6})
    occurred_where = _optional_text(_l("Where it happened"), 300)
    # No answer is chosen for the staff member: a wrong default would start the wrong duties.
    responsible = SelectField(_l("Who is responsible"), choices=[("", "—")] + list(RESPONSIBLE.items()),
                              validators=[DataRequired(_l("Say who is responsible, or choose “I do not know”."))])
    responsible_details = _optional_text(_l("Who they are (e.g. “the class teacher”, a name if known)"), 500)
    danger_now = BooleanField(_l("The child is in danger now"))
    child1 = FormField(StaffChildForm, label=_l("The child"))
    child2 = FormField(StaffChildForm, label=_l("Another child"))
    child3 = FormField(StaffChildForm, label=_l("Another child"))
    reporter_type = SelectField(_l("Who reported"), choices=[("", "—")] + list(REPORTER_TYPES.items()),
                                validators=[Optional()])
    reporter_name = _optional_text(_l("Reporter's name"), 200)
    reporter_phone = _optional_text(_l("Reporter's phone"), 40)
    reporter_email = StringField(_l("Reporter's e-mail"), validators=[Optional(), Length(max=254), Email()])
    consent = BooleanField(_l("The reporter agreed to the processing of the personal data given"))

    def validate_received_time(self, field):
        try:
            field.data = clock(field.data) if field.data else None
        except ValueError:
            raise ValidationError(_l("Enter a time of day as hours and minutes, e.g. 18:30.")) from None

    def validate(self, extra_validators=None):
        """Checks across fields (an Optional() field skips its own inline validators)."""
        valid = super().validate(extra_validators)
        first = self.child1.form
        if first.age.data is None and first.birth_year.data is None and not first.age.errors:
            first.age.errors = [*first.age.errors, _l("Give the child's age or year of birth.")]
            valid = False
        if self.kind.data == "complaint" and not self.complaint_target.data:
            self.complaint_target.errors = [*self.complaint_target.errors, _l(
                "Say which body, organization or official the complaint is about.")]
            valid = False
        return self._children_are_children() and valid

    def _children_are_children(self):
        """A birth year that makes a child an adult on the day the case was received is refused."""
        received = self.received_on.data
        valid = True
        for child in self._children():
            year = child.birth_year.data
            if received and year is not None and year < received.year - 18:
                child.birth_year.errors = [*child.birth_year.errors, _l(
                    "A child born in %(year)s was already an adult when the case was received.", year=year)]
                valid = False
        return valid

    def validate_consent(self, field):
        personal = self.reporter_name.data or self.reporter_phone.data or self.reporter_email.data or any(
            child.name.data or child.iin.data for child in self._children())
        if personal and not field.data:
            raise ValidationError(_l("Names, an IIN or contacts were given: record the reporter's "
                                     "consent, or leave them out."))

    def _children(self):
        """The child forms filled in: the first always, the others when anything was typed."""
        return [self[name].form for number, name in enumerate(CHILD_FORMS) if number == 0 or self[name].form.given()]

    def received_at(self):
        """When the case arrived, in Almaty time: now for today without a time, the start of the
        working day for an earlier day without one."""
        if self.received_time.data is None and self.received_on.data == _today():
            return now_local()
        return datetime.combine(self.received_on.data, self.received_time.data or time(9), tzinfo=KZ_TZ)

    def report(self, region_code):
        """The case fields for ``services.cases.submit_case``."""
        return {"region_code": region_code, "channel": self.channel.data, "language": self.language.data,
                "kind": self.kind.data, "incoming_number": self.incoming_number.data or None,
                "sender": self.sender.data or None,
                "complaint_target": (self.complaint_target.data or None) if self.kind.data == "complaint" else None,
                "categories": list(self.categories.data), "description": self.description.data.strip(),
                "occurred_where": self.occurred_where.data or None,
                "responsible": self.responsible.data, "responsible_details": self.responsible_details.data or None,
                "danger_now": bool(self.danger_now.data),
                "reporter_type": self.reporter_type.data or None,
                "reporter_name": self.reporter_name.data or None,
                "reporter_phone": self.reporter_phone.data or None,
                "reporter_email": (self.reporter_email.data or "").strip() or None}

    def children(self):
        return [child.values() for child in self._children()]


# --- correcting a case as facts arrive (services.case_facts) --------------------------------

def _reason_field():
    return _required_text(_l("Why it is corrected (on the timeline)"), 2000)


class FactsForm(FlaskForm):
    """The facts of a case a correction may change, filled with the case's own."""

    kind = SelectField(_l("Kind"), choices=list(KINDS.items()), validators=[DataRequired()])
    complaint_target = _optional_text(_l("Complaint against (body, organization or official)"), 500)
    categories = MultiCheckboxField(_l("Categories"), choices=list(CATEGORIES.items()),
                                    validators=[DataRequired(_l("Choose at least one category."))])
    responsible = SelectField(_l("Who is responsible"), choices=list(RESPONSIBLE.items()), validators=[DataRequired()])
    responsible_details = _optional_text(_l("Who they are (e.g. “the class teacher”, a name if known)"), 500)
    danger_now = BooleanField(_l("The child is in danger now"))
    occurred_when = _optional_text(_l("When it happened"), 200)
    occurred_where = _optional_text(_l("Where it happened"), 300)
    reason = _reason_field()

    def service_arguments(self):
        facts = {name: self[name].data for name in ("kind", "responsible", "danger_now")}
        facts["categories"] = list(self.categories.data)
        facts.update({name: self[name].data or None for name in ("complaint_target", "responsible_details",
                                                                 "occurred_when", "occurred_where")})
        return {"facts": facts, "reason": self.reason.data}


class ChildCorrectionForm(FlaskForm, StaffChildForm):
    """A child of the case, corrected (or added), with the reason."""

    reason = _reason_field()

    def service_arguments(self):
        return {"values": self.values(), "reason": self.reason.data}


class RemovalForm(FlaskForm):
    reason = _required_text(_l("Why this child is removed from the case (on the timeline)"), 2000)

    def service_arguments(self):
        return {"reason": self.reason.data}
