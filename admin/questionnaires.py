"""Questionnaires screen: the extra questions of the public report form, without code [R6.2].

Questions are edited inline. Every save publishes a new immutable version (when the
questions changed) in the same transaction as the edit, so a definition the public
form could not draw is refused with a message and nothing at all is saved.
"""
from flask import abort, flash, g, redirect, request
from flask_admin import expose
from flask_admin.model.form import InlineFormAdmin
from flask_admin.model.template import EndpointLinkRowAction
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select
from wtforms import SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, Regexp, ValidationError

from models.capabilities import roles_with
from admin.base import SecureModelView
from admin.formatters import TYPE_FORMATTERS
from extensions import db
from models import Question, Questionnaire, QuestionnaireVersion, User
from models.questionnaire import QUESTION_TYPES
from services import audit
from core.errors import InvalidInput
from services import questionnaires
from services.questionnaires import parse_options
from use_case import use_case

KEY_PATTERN = r"^[a-z][a-z0-9_]{0,39}$"


class KeyFormat(Regexp):
    """A key: lowercase Latin letters, digits and _. The message is made a plain string
    when shown: Flask-Admin draws only ``str`` errors, never lazy ones."""

    def __init__(self, message):
        super().__init__(KEY_PATTERN, message=message)

    def __call__(self, form, field, message=None):
        try:
            super().__call__(form, field, message)
        except ValidationError as error:
            raise ValidationError(str(error.args[0])) from None


def _strip(value):
    """Spaces around a text change nothing a reader sees, so they publish no new version."""
    return value.strip() if isinstance(value, str) else value



class QuestionInline(InlineFormAdmin):
    """One question, edited inside its questionnaire's form."""

    form_columns = ("id", "position", "key", "type", "label_kk", "label_ru", "label_en",
                    "help_kk", "help_ru", "help_en", "options", "required", "show_if_key",
                    "show_if_answer")
    form_overrides = {"type": SelectField, "options": TextAreaField}
    form_args = {
        "position": {"label": _l("Position"), "validators": [Optional()],
                     "description": _l("Questions are shown in this order; positions are "
                                       "renumbered 1, 2, 3… when saved.")},
        "key": {"filters": [_strip], "label": _l("Key"), "validators": [InputRequired(), KeyFormat(
            _l("Use lowercase Latin letters, digits and _, starting with a letter (at most 40)."))],
                "description": _l("A short technical name, e.g. school_type. Answers are stored "
                                  "under it: do not change it once cases have answered.")},
        "type": {"label": _l("Type"), "choices": list(QUESTION_TYPES.items()),
                 "validators": [InputRequired()]},
        "label_kk": {"filters": [_strip], "label": _l("Question (Kazakh)"), "validators": [InputRequired(), Length(max=300)]},
        "label_ru": {"filters": [_strip], "label": _l("Question (Russian)"), "validators": [InputRequired(), Length(max=300)]},
        "label_en": {"filters": [_strip], "label": _l("Question (English)"), "validators": [Optional(), Length(max=300)]},
        "help_kk": {"filters": [_strip], "label": _l("Hint (Kazakh)")},
        "help_ru": {"filters": [_strip], "label": _l("Hint (Russian)")},
        "help_en": {"filters": [_strip], "label": _l("Hint (English)")},
        "options": {"filters": [_strip], "label": _l("Options"), "description": _l(
            "For single and multiple choice only: one option a line, written as "
            "“value | Kazakh | Russian | English”, e.g. “school | Мектеп | Школа | School”. "
            "The value is stored with the answer; the labels are what people see.")},
        "required": {"label": _l("Required")},
        "show_if_key": {"filters": [_strip], "label": _l("Show only if the question with key"), "validators": [
            Optional(), KeyFormat(_l("Give the key of an earlier question."))],
            "description": _l("Leave empty to always show the question. The other question "
                              "must come before this one.")},
        "show_if_answer": {"filters": [_strip], "label": _l("…has the answer"), "description": _l(
            "An option value, or yes / no for a yes / no question.")},
    }
    form_widget_args = {"options": {"rows": 4}, "help_kk": {"rows": 2}, "help_ru": {"rows": 2},
                        "help_en": {"rows": 2}}

    def __init__(self):
        super().__init__(Question)


class QuestionnaireView(SecureModelView):
    """Superadmins edit every questionnaire (a national one has no region); akimat
    administrators only their region's; the Commissioner's office reads all."""

    audits_itself = True
    roles = roles_with("questionnaires_read")
    edit_roles = roles_with("questionnaires_write")
    allow_delete = False  # cases keep the versions they were filed with
    details_template = "admin/questionnaire_details.html"
    column_type_formatters_detail = TYPE_FORMATTERS  # local time, as in the list
    inline_models = (QuestionInline(),)
    column_list = ("title_kk", "title_ru", "region", "is_active", "version_count",
                   "latest_version", "created_at")
    column_details_list = ("title_kk", "title_ru", "title_en", "region", "is_active", "created_at")
    column_sortable_list = ("title_kk", "title_ru", "is_active", "created_at")
    column_default_sort = ("created_at", True)
    column_searchable_list = ("title_kk", "title_ru", "title_en")
    column_labels = {
        "title_kk": _l("Title (Kazakh)"), "title_ru": _l("Title (Russian)"),
        "title_en": _l("Title (English)"), "region": _l("Region"), "is_active": _l("In use"),
        "version_count": _l("Versions"), "latest_version": _l("Latest version"),
        "created_at": _l("Created"), "questions": _l("Questions"),
    }
    form_columns = ("title_kk", "title_ru", "title_en", "region", "is_active")
    form_args = {
        "title_kk": {"label": _l("Title (Kazakh)"), "validators": [InputRequired(), Length(max=200)]},
        "title_ru": {"label": _l("Title (Russian)"), "validators": [InputRequired(), Length(max=200)]},
        "title_en": {"label": _l("Title (English)"), "validators": [Optional(), Length(max=200)]},
        "region": {"label": _l("Region"), "description": _l(
            "Empty: a national questionnaire, used in regions that have none of their own.")},
        "is_active": {"label": _l("In use on the public form")},
    }
    column_formatters = {
        "region": lambda v, c, m, n: m.region or _("All regions (national)"),
        "version_count": lambda v, c, m, n: v.version_stats().get(m.id, (0, None))[0],
        "latest_version": lambda v, c, m, n: v.version_stats().get(m.id, (0, None))[1] or "",
    }
    column_formatters_detail = {"region": column_formatters["region"]}
    column_extra_row_actions = [
        EndpointLinkRowAction("fa fa-desktop", ".preview_view", title=_l("Preview")),
    ]

    def __init__(self, model=Questionnaire, session=None, **kwargs):
        super().__init__(model, session, **kwargs)

    def get_one(self, id):
        if not str(id).isascii() or not str(id).isdigit():
            return None
        return super().get_one(id)

    def version_stats(self):
        """{questionnaire id: (number of versions, latest number)}, one query a request."""
        if "questionnaire_version_stats" not in g:
            rows = db.session.execute(select(
                QuestionnaireVersion.questionnaire_id, func.count(), func.max(QuestionnaireVersion.number),
            ).group_by(QuestionnaireVersion.questionnaire_id))
            g.questionnaire_version_stats = {qid: (count, latest) for qid, count, latest in rows}
        return g.questionnaire_version_stats

    # A regional administrator's questionnaires are always of their own region.
    def create_form(self, obj=None):
        return self._without_region_for_regional(super().create_form(obj))

    def edit_form(self, obj=None):
        return self._without_region_for_regional(super().edit_form(obj))

    @staticmethod
    def _without_region_for_regional(form):
        """A regional user's questionnaire is of their region; whether it is in use on the
        public form is for those who publish it to say."""
        if not current_user.sees_all_regions() and "region" in form:
            del form.region
        if current_user.role not in questionnaires.PUBLISH_REGIONAL | questionnaires.PUBLISH_NATIONAL:
            del form.is_active
        return form

    def on_model_change(self, form, model, is_created):
        """Check, number and publish in the transaction of the edit (Flask-Admin commits
        once after this), so a refused definition leaves nothing half-saved."""
        if not current_user.sees_all_regions():
            model.region_code = current_user.region_code
            model.region = current_user.region
        questions = [q for q in model.questions if q not in db.session.deleted]
        _check_questions(questions)
        ordered = sorted(enumerate(questions), key=lambda pair: (
            pair[1].position if pair[1].position is not None else float("inf"), pair[0]))
        for number, (_index, question) in enumerate(ordered, start=1):
            question.position = number
        db.session.flush()
        db.session.expire(model, ["questions"])  # reload in position order, without deleted ones
        if not questionnaires.may_publish(current_user, model):
            # [R3] prepared by the akimat: on the public form once the ombudsman publishes it.
            questionnaires.check_definition(questionnaires.snapshot(model))
            audit.record("questionnaire.create" if is_created else "questionnaire.update",
                         actor=current_user, obj=model, published=False)
            flash(_("Saved as a draft. The region's ombudsman publishes it on the public form."), "info")
            return
        before = questionnaires.latest_version(model)
        version = questionnaires.publish(model, current_user)
        audit.record("questionnaire.create" if is_created else "questionnaire.update",
                     actor=current_user, obj=model, version=version.number,
                     published=version is not before)

    @expose("/publish/", methods=("POST",))
    def publish_view(self):
        """The ombudsman's "Publish" of the questions the akimat prepared."""
        questionnaire = self.get_one(request.form.get("id", ""))
        if questionnaire is None:
            abort(404)
        with use_case() as outcome:
            questionnaires.publish_by(current_user, questionnaire)
        if outcome:
            flash(_("Published: new reports answer these questions."), "success")
        return redirect(self.get_url(".details_view", id=questionnaire.id))

    def may_publish(self, questionnaire):
        return questionnaires.may_publish(current_user, questionnaire)

    def unpublished(self, questionnaire):
        return questionnaires.unpublished(questionnaire)

    @expose("/preview/")
    def preview_view(self):
        """The questions as the public form draws them, in the language being shown."""
        questionnaire = self.get_one(request.args.get("id", ""))
        if questionnaire is None:
            abort(404)
        versions = db.session.scalars(select(QuestionnaireVersion).where(
            QuestionnaireVersion.questionnaire_id == questionnaire.id)
            .order_by(QuestionnaireVersion.number)).all()
        asked = request.args.get("version", "")
        version = (next((v for v in versions if str(v.number) == asked), None) if asked
                   else (versions[-1] if versions else None))
        if asked and version is None:
            abort(404)
        return self.render("admin/questionnaire_preview.html", questionnaire=questionnaire,
                           version=version, versions=versions,
                           return_url=self.get_url(".details_view", id=questionnaire.id))

    question_types = QUESTION_TYPES

    def version_rows(self, questionnaire):
        """(version, author) pairs, newest first, for the read-only list on the details page."""
        return db.session.execute(
            select(QuestionnaireVersion, User)
            .outerjoin(User, User.id == QuestionnaireVersion.created_by_id)
            .where(QuestionnaireVersion.questionnaire_id == questionnaire.id)
            .order_by(QuestionnaireVersion.number.desc())).all()


def _check_questions(questions):
    """What the service's ``check_definition`` does not see: a key given twice, and a
    condition with no answer, or with an answer the other question cannot have."""
    by_key = {}
    for question in questions:
        if question.key in by_key:
            raise InvalidInput(_l("Two questions have the key “%(key)s”: keys must differ.",
                                  key=question.key))
        by_key[question.key] = question
    for question in questions:
        if not question.show_if_key:
            continue
        answer = question.show_if_answer or ""
        if not answer:
            raise InvalidInput(_l("The question “%(key)s” is shown on a condition: give the answer "
                                  "it depends on.", key=question.key))
        other = by_key.get(question.show_if_key)
        if other is None:
            continue  # check_definition names a condition on a missing or later question
        if other.type == "yes_no":
            allowed = ["yes", "no"]
        elif other.type in ("single_choice", "multiple_choice"):
            allowed = [option["value"] for option in parse_options(other.options)]
        else:
            continue
        if answer not in allowed:
            raise InvalidInput(_l("The question “%(key)s” depends on the answer “%(answer)s”, which "
                                  "“%(other)s” cannot have (possible: %(allowed)s).", key=question.key,
                                  answer=answer, other=other.key, allowed=", ".join(allowed)))
