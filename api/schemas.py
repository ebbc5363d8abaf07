"""The partner API's contract: what a request may hold and what an answer holds (marshmallow;
flask-smorest writes the OpenAPI document from these). The rules of a case are not repeated
here: ``services.cases`` checks them as for a case entered by staff, and says why in the
caller's language. Every message a validator here gives is in ``MESSAGES``, so that
``api.problems`` passes it on as it is, translated.
"""
from flask_babel import lazy_gettext as _l
from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from forms.cases import STAFF_CHANNELS
from i18n import LANGUAGES
from models.case import CASE_STATE_LABELS, CATEGORIES, KINDS, REPORTER_TYPES, RESPONSIBLE, SEXES

CHOOSE = _l("Choose one of the values the API documentation lists.")
TOO_LONG = _l("This text is too long.")
AGE = _l("A child's age is a whole number from 0 to 17.")
BIRTH_YEAR = _l("Write the year of birth with four digits.")
AGE_OR_YEAR = _l("Give each child's age or year of birth.")
DESCRIPTION = _l("The description must be 20 to 10,000 characters long.")
CATEGORY_COUNT = _l("Choose at least one category.")
CHILD_COUNT = _l("Tell us about one to ten children.")
REGION = _l("A region is given by its two-digit code.")
YEAR = _l("Write the year with four digits.")
KEY = _l("An Idempotency-Key is 1 to 200 letters, digits and the signs - _ . : of ASCII.")
MESSAGES = (CHOOSE, TOO_LONG, AGE, BIRTH_YEAR, AGE_OR_YEAR, DESCRIPTION, CATEGORY_COUNT, CHILD_COUNT,
            REGION, KEY, YEAR)

REGION_CODE = r"^[0-9]{2}$"
# The document's examples (schemathesis sends them too).
NEW_CASE_EXAMPLE = {
    "region": "75", "channel": "line_111", "incoming_number": "111-2026-0042", "language": "ru",
    "kind": "appeal", "categories": ["violence"], "responsible": "parent_cohabiting",
    "description": "Звонок на линию 111: ребёнка бьют дома, соседи слышат крики.",
    "danger_now": False, "children": [{"age": 9, "sex": "boy"}],
}
CASE_NUMBER_EXAMPLE = "75-2026-000001"


def _choice(values, **kwargs):
    return fields.String(validate=validate.OneOf(list(values), error=CHOOSE), **kwargs)


def _text(max_length, **kwargs):
    return fields.String(validate=validate.Length(max=max_length, error=TOO_LONG), allow_none=True, **kwargs)


class Strict(Schema):
    class Meta:
        unknown = RAISE


# --- requests ------------------------------------------------------------------------------

class Child(Strict):
    age = fields.Integer(allow_none=True, validate=validate.Range(0, 17, error=AGE),
                         metadata={"description": "Age in years, 0 to 17; or give birth_year."})
    birth_year = fields.Integer(allow_none=True, validate=validate.Range(1900, 2999, error=BIRTH_YEAR))
    sex = _choice(SEXES, load_default="unspecified")
    name = _text(200)
    iin = fields.String(allow_none=True, validate=validate.Length(max=20, error=TOO_LONG),
                        metadata={"description": "The child's IIN (12 digits), checked like staff entry's."})
    school = _text(300)

    @validates_schema
    def age_or_birth_year(self, data, **kwargs):
        if data.get("age") is None and data.get("birth_year") is None:
            raise ValidationError(str(AGE_OR_YEAR), "age")


class Reporter(Strict):
    type = _choice(REPORTER_TYPES, allow_none=True)
    name = _text(200)
    phone = _text(40)
    email = fields.Email(allow_none=True, validate=validate.Length(max=254, error=TOO_LONG))


class NewCase(Strict):
    region = fields.String(required=True, validate=validate.Regexp(REGION_CODE, error=REGION),
                           metadata={"description": "The region's code, e.g. \"75\" (Almaty)."})
    channel = _choice(dict(STAFF_CHANNELS), required=True,
                      metadata={"description": "How the case reached the partner: line_111, e_otinish, …"})
    incoming_number = _text(100, metadata={"description": "The partner's own number of the case."})
    sender = _text(300, metadata={"description": "The body that sent it on, if not the reporter."})
    received_at = fields.AwareDateTime(allow_none=True, metadata={
        "description": "When the case arrived (ISO 8601 with a time zone); now when left out. "
                       "Not in the future, nor over a year ago."})
    language = _choice(LANGUAGES, load_default="kk",
                       metadata={"description": "The reporter's language: the answer is written in it."})
    kind = _choice(KINDS, required=True)
    complaint_target = _text(500, metadata={"description": "Required for a complaint: the body, organization "
                                                          "or official it is about [R6.2]."})
    categories = fields.List(_choice(CATEGORIES), required=True,
                             validate=validate.Length(1, len(CATEGORIES), error=CATEGORY_COUNT))
    description = fields.String(required=True, validate=validate.Length(20, 10000, error=DESCRIPTION))
    occurred_when = _text(200)
    occurred_where = _text(300)
    responsible = _choice(RESPONSIBLE, required=True)
    responsible_details = _text(500)
    danger_now = fields.Boolean(load_default=False,
                                metadata={"description": "The child is in danger now: urgent alerts [R10.1]."})
    children = fields.List(fields.Nested(Child), required=True,
                           validate=validate.Length(1, 10, error=CHILD_COUNT))
    reporter = fields.Nested(Reporter, allow_none=True)
    consent = fields.Boolean(load_default=False, metadata={
        "description": "The reporter agreed to the processing of the personal data given (Law No. 94-V): "
                       "required when a name, an IIN or contacts are sent."})
    answers = fields.Dict(keys=fields.String(), values=fields.Raw(), allow_none=True, metadata={
        "description": "Answers to the region's extra questions, by question key."})


class IdempotencyIn(Schema):
    idempotency_key = fields.String(
        required=True, data_key="Idempotency-Key",
        validate=validate.Regexp(r"^[A-Za-z0-9_.:-]{1,200}$", error=KEY),
        metadata={"description": "Unique per case, e.g. a UUID: a retried request with the same key "
                                 "and body gives the same case, never a second one."})


# --- answers -------------------------------------------------------------------------------

class Message(Schema):
    sent_at = fields.AwareDateTime(required=True)
    from_reporter = fields.Boolean(required=True)
    final_answer = fields.Boolean(required=True)
    text = fields.String(required=True)


class CaseState(Schema):
    registration_number = fields.String(required=True, metadata={"example": "75-2026-000123"})
    region = fields.String(required=True)
    state = fields.String(required=True, validate=validate.OneOf(list(CASE_STATE_LABELS)))
    state_label = fields.String(required=True, metadata={"description": "The state in the caller's language."})
    state_explanation = fields.String(required=True)
    received_at = fields.AwareDateTime(required=True)
    due_on = fields.Date(required=True, allow_none=True, metadata={"description": "The answer is due by this day."})
    answered_at = fields.AwareDateTime(required=True, allow_none=True)
    closed_at = fields.AwareDateTime(required=True, allow_none=True)
    messages = fields.List(fields.Nested(Message), required=True, metadata={
        "description": "The messages the reporter reads: the office's answers and the reporter's own."})


class Problem(Schema):
    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String()
    instance = fields.String()
    errors = fields.List(fields.Dict(keys=fields.String(), values=fields.String()))


class HalfYearReport(Schema):
    region = fields.String(required=True)
    year = fields.Integer(required=True)
    half = fields.Integer(required=True)
    version = fields.Integer(required=True)
    submitted_at = fields.AwareDateTime(required=True)
    correction_reason = fields.String(required=True, allow_none=True)
    figures = fields.Dict(required=True, metadata={
        "description": "The figures of the half-year report [R8] as submitted (the report's own rows)."})



class Count(Schema):
    value = fields.Integer(required=True, allow_none=True)
    withheld = fields.String(validate=validate.OneOf(["fewer", "hidden"]), metadata={
        "description": "Why the value is not given: fewer (a count from 1 to small - 1) or hidden "
                       "(it would let a small count be worked out from the others)."})


class Share(Schema):
    percent = fields.Integer(required=True, allow_none=True, metadata={
        "description": "Whole percent answered on time; null when fewer than `small` cases were answered."})


class CategoryCount(Schema):
    key = fields.String(required=True, validate=validate.OneOf(list(CATEGORIES)))
    count = fields.Nested(Count, required=True)


class Period(Schema):
    year = fields.Integer(required=True)
    half = fields.Integer(required=True)
    start = fields.String(required=True, metadata={"format": "date"})
    end = fields.String(required=True, metadata={"format": "date"})


class RegionFigures(Schema):
    code = fields.String(required=True)
    name = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    total = fields.Nested(Count, required=True)
    on_time = fields.Nested(Share, required=True)
    categories = fields.List(fields.Nested(CategoryCount), required=True)


class NationalFigures(Schema):
    total = fields.Nested(Count, required=True)
    on_time = fields.Nested(Share, required=True)
    categories = fields.List(fields.Nested(CategoryCount), required=True)


class PublicFigures(Schema):
    small = fields.Integer(required=True, metadata={"description": "Counts from 1 to small - 1 are withheld."})
    period = fields.Nested(Period, required=True)
    region = fields.String(required=True, allow_none=True)
    total = fields.Nested(Count, required=True)
    on_time = fields.Nested(Share, required=True)
    categories = fields.List(fields.Nested(CategoryCount), required=True)
    regions = fields.List(fields.Nested(RegionFigures), required=True)
    national = fields.Nested(NationalFigures, required=True)


class FiguresQuery(Strict):
    year = fields.Integer(validate=validate.Range(2000, 2999, error=YEAR), metadata={
        "description": "The year; with half, a half-year that has ended. Default: the last one ended.",
        "example": 2026})
    half = fields.Integer(validate=validate.OneOf([1, 2], error=CHOOSE),
                          metadata={"description": "1: January–June, 2: July–December.", "example": 1})
    region = fields.String(validate=validate.Regexp(REGION_CODE, error=REGION),
                           metadata={"description": "A region's code, for its own figures first.", "example": "75"})
