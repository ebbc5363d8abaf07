"""The ombudsman's registries besides cases ([R6.4]–[R6.11], [R9], [R12], [R13]).

One small base, ``RegistryView``, does what every registry shares: who reads and who
writes, the region a regional user's record lands in, CSV export, the attachments
(uploaded with the create/edit form, listed and downloaded on the details page).
What a registry is comes from its spec (``models.registry_specs``): its menu label and
endpoint, its main date (default sort, Year filter), its labels, its coded columns (select,
filter, label), its closed rows [R6.7]. A registry whose screen says more (computed marks,
linked cases) has a declarative subclass in ``VIEWS``; any other is shown by the base alone.
"""
from urllib.parse import urlsplit

from flask import abort, request
from flask_admin import expose
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import String, inspect, select
from wtforms import FileField, SelectField
from wtforms.validators import Optional, StopValidation

from admin.base import STAFF_ROLES, SecureModelView
from admin.filters import YearFilter, choice_filter, region_filter
from admin.formatters import labelled
from admin.workflow import WorkflowStepMixin
from core.errors import InvalidInput
from forms.recommendations import STEP_FORMS as RECOMMENDATION_STEPS
from models.registry import RECOMMENDATION_STATES
from extensions import db
from models import (
    AdvisoryBody,
    Briefing,
    Campaign,
    CommissionMeeting,
    CourtHearing,
    DocumentRequest,
    Event,
    Interaction,
    LegislativeRecommendation,
    Memorandum,
    Publication,
    RegistryAttachment,
    User,
    Visit,
)
from models.capabilities import roles_with
from models.registry_specs import REGISTRY_SPECS
from services import audit, recommendations, registry_rules
from services.deadlines import now_local
from services.files import DOCUMENT_TYPES, store_file
from downloads import send_audited
from request_input import id_from

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ATTACHMENT_TYPES = DOCUMENT_TYPES | {DOCX}
MEMORANDUM_STATES = {"in_force": _l("In force"), "expired": _l("Expired"), "terminated": _l("Terminated")}

COMMON_LABELS = {
    "region": _l("Region"), "region_code": _l("Region"), "note": _l("Note"),
    "created_at": _l("Recorded"), "attachment": _l("Attach a file (PDF, JPEG, PNG or DOCX)"),
}


def today():
    """Today's date in Kazakhstan, which the computed marks are taken on."""
    return now_local().date()


def memorandum_state(memorandum, day):
    return MEMORANDUM_STATES[memorandum.state_on(day)]


def _memorandum_state(view, context, model, name):
    return memorandum_state(model, today())


def _memorandum_expiring(view, context, model, name):
    if model.expiring_on(today()):
        return Markup('<span class="badge badge-warning" data-mark="expiring">%s</span>') % _l(
            "Expires within 30 days")
    return ""


def _request_overdue(view, context, model, name):
    if model.overdue_on(today()):
        return Markup('<span class="badge badge-danger" data-mark="overdue">%s</span>') % _l("Overdue")
    return ""


def _yes_no(view, context, model, name):
    return _l("Yes") if getattr(model, name) else _l("No")


class RegistryView(SecureModelView):
    """Base of the registries: national offices read, the region's akimat and ombudsman write."""

    roles = STAFF_ROLES
    edit_roles = roles_with("registries_write")
    allow_delete = True
    # One record at a time (the row's delete button); Flask-Admin's bulk delete menu has an
    # inline onclick that our CSP blocks.
    action_disallowed_list = ["delete"]
    can_export = True
    export_types = ["csv"]
    details_template = "admin/registry_details.html"
    form_excluded_columns = ("created_at", "created_by_id")
    form_extra_fields = {"attachment": FileField(_l("Attach a file (PDF, JPEG, PNG or DOCX)"))}
    extra_labels = {}  # labels of the columns a view computes (the model's are in its spec)

    def __init__(self, spec):
        """The screen of the registry ``spec`` declares; what the subclass leaves unsaid
        (columns, form, search, filters) is taken from the spec."""
        self.spec = spec
        model, own = spec.model, spec.own_columns
        if self.column_default_sort is None:
            self.column_default_sort = (spec.date, True)
        self.column_labels = {**COMMON_LABELS, **spec.labels, **self.extra_labels}
        if self.column_list is None:
            self.column_list = ("region", *own)
        if self.column_export_list is None:
            self.column_export_list = ("region_code", *own, "note")
        if self.column_searchable_list is None:
            self.column_searchable_list = tuple(
                c for c in own if c not in spec.choices and isinstance(model.__table__.c[c].type, String))
        if self.form_columns is None:
            self.form_columns = ("region", *own, "note")
        if self.column_filters is None:
            self.column_filters = (
                region_filter(spec.region_column),
                *(choice_filter(getattr(model, c), spec.labels[c], labels)
                  for c, labels in spec.choices.items()),
                YearFilter(spec.date_column, _l("Year")))
        self._show_choices(spec)
        # Flask-Admin renders an extra field only when form_columns names it.
        if "attachment" not in self.form_columns:
            self.form_columns = (*self.form_columns, "attachment")
        super().__init__(model, name=spec.label, endpoint=spec.endpoint, category=_l("Registries"))

    def _show_choices(self, spec):
        """A coded column is chosen from its catalogue and shown by its label, everywhere."""
        if not spec.choices:
            return
        shown = {c: labelled(labels, c) for c, labels in spec.choices.items()}
        self.column_formatters = {**shown, **self.column_formatters}
        for name in ("column_formatters_detail", "column_formatters_export"):
            if getattr(self, name) is not None:
                setattr(self, name, {**shown, **getattr(self, name)})
        self.form_overrides = {**{c: SelectField for c in spec.choices}, **(self.form_overrides or {})}
        self.form_args = {**{c: {"choices": list(labels.items()), "label": spec.labels[c]}
                             for c, labels in spec.choices.items()}, **(self.form_args or {})}

    def _visible(self, query):
        """Without the closed rows the user's role may not see [R6.7]."""
        condition = self.spec.visible_to(current_user.role)
        return query if condition is None else query.filter(condition)

    def get_query(self):
        return self._visible(super().get_query())

    def get_count_query(self):
        return self._visible(super().get_count_query())

    def get_one(self, id):
        row = super().get_one(id)
        if row is not None and self.spec.hides(row, current_user.role):
            return None
        return row

    def on_model_change(self, form, model, is_created):
        """A regional user's record lands in their region; the file is stored with the record.

        Both happen before Flask-Admin's single commit: a refused file (wrong type, too big)
        rolls the record back with it, and a failed save leaves no stored file behind.
        """
        if current_user.role_enum.is_regional:
            model.region_code = current_user.region_code
            model.region = current_user.region
        if is_created:
            model.created_by_id = current_user.id
        registry_rules.after_save(current_user, model)
        upload = form.attachment.data if "attachment" in form else None
        model.__dict__.pop("attachment", None)  # populate_obj set it on the instance
        if upload is not None and getattr(upload, "filename", ""):
            self.session.flush()
            stored = store_file(upload, region_code=model.region_code, actor=current_user,
                                allowed=ATTACHMENT_TYPES,
                                message=_l("This file type is not accepted. Send a PDF, JPEG, PNG or DOCX file."))
            self.session.add(RegistryAttachment(record_type=model.__tablename__, record_id=model.id,
                                                region_code=model.region_code, file_id=stored.id))
            audit.record("file.upload", actor=current_user, obj=model, file=stored.id)

    def on_model_delete(self, model):
        """The record's attachments and their files go with it (linked by type and id, not a key)."""
        for attachment in self.attachments_of(model):
            stored = attachment.file
            self.session.delete(attachment)
            self.session.flush()
            self.session.delete(stored)

    def entered_by(self, model):
        """Who entered the record (their name, else their e-mail), for the details page."""
        author = db.session.get(User, model.created_by_id) if model.created_by_id else None
        return (author.name or author.email) if author else None

    def attachments_of(self, model):
        return db.session.scalars(select(RegistryAttachment).where(
            RegistryAttachment.record_type == model.__tablename__,
            RegistryAttachment.record_id == model.id).order_by(RegistryAttachment.id)).all()

    @expose("/file/")
    def file_view(self):
        """Download an attachment, for those who can see the record (checked by ``get_one``)."""
        record = self.requested_row_or_404()
        attachment_id = id_from(request.args.get("attachment"))
        attachment = db.session.get(RegistryAttachment, attachment_id) if attachment_id else None
        if (attachment is None or attachment.record_type != record.__tablename__
                or attachment.record_id != record.id):
            abort(404)
        return send_audited(attachment.file, current_user, record_type=record.__tablename__,
                            record_id=record.id)


def _case_ref():
    return {"fields": ("registration_number",), "page_size": 10,
            "placeholder": _l("Registration number")}


class MemorandumView(RegistryView):
    """[R6.8] memoranda and agreements; their state is computed from the dates."""

    column_list = ("region", "title", "signed_on", "valid_until", "terminated_on", "state", "expiring")
    column_export_list = ("region_code", "title", "subject", "programmes", "signed_on", "valid_until",
                          "terminated_on", "state", "note")
    column_details_list = ("region", "title", "parties", "subject", "programmes", "signed_on",
                           "valid_until", "terminated_on", "state", "expiring", "note", "created_at")
    column_searchable_list = ("title", "subject", "programmes")
    column_formatters = {"state": _memorandum_state, "expiring": _memorandum_expiring}
    column_formatters_detail = column_formatters
    column_formatters_export = {"state": _memorandum_state,
                                "expiring": lambda v, c, m, n: "x" if m.expiring_on(today()) else ""}
    form_columns = ("region", "title", "parties", "subject", "programmes", "signed_on", "valid_until",
                    "terminated_on", "note")
    extra_labels = {"state": _l("State"), "expiring": _l("Expiring")}


class CommissionMeetingView(RegistryView):
    """[R9] meetings of the KDN and of the commission on women's affairs."""

    column_list = ("region", "commission", "held_on", "attended", "agenda")
    column_export_list = ("region_code", "commission", "held_on", "attended", "agenda", "decisions", "note")
    column_details_list = ("region", "commission", "held_on", "attended", "agenda", "decisions", "cases",
                           "note", "created_at")
    column_searchable_list = ("agenda", "decisions")
    form_columns = ("region", "commission", "held_on", "attended", "agenda", "decisions", "cases", "note")
    form_ajax_refs = {"cases": _case_ref()}


class AdvisoryBodyView(RegistryView):
    """[R6.9] consultative and advisory bodies."""

    column_list = ("region", "name", "host_organization", "basis", "member_since", "meetings_attended")
    column_export_list = ("region_code", "name", "host_organization", "basis", "member_since",
                          "meetings_attended", "note")
    column_searchable_list = ("name", "host_organization")
    form_columns = ("region", "name", "host_organization", "basis", "member_since", "meetings_attended",
                    "note")


class VisitView(RegistryView):
    """[R6.5] visits, penal institutions holding minors included."""

    column_list = ("region", "visited_on", "organization_type", "organization_name", "access", "purpose")
    column_export_list = ("region_code", "visited_on", "organization_type", "organization_name", "access",
                          "refused_by", "refused_what", "refusal_basis", "purpose", "findings", "follow_up", "note")
    column_details_list = ("region", "visited_on", "organization_type", "organization_name", "access",
                           "refused_by", "refused_what", "refusal_basis", "purpose", "findings", "follow_up",
                           "cases", "note", "created_at")
    column_searchable_list = ("organization_name", "purpose", "findings", "refused_by")
    form_columns = ("region", "organization_type", "organization_name", "visited_on", "access", "refused_by",
                    "refused_what", "refusal_basis", "purpose", "findings", "follow_up", "cases", "note")
    form_args = {"refused_by": {"description": _l("Only when access was refused or obstructed: the body "
                                                  "and the official's position.")},
                 "refusal_basis": {"description": _l("The law or document they named, if any.")}}
    form_ajax_refs = {"cases": _case_ref()}


class DocumentRequestView(RegistryView):
    """[R6.6] requests for documents; "overdue" is computed from the answer date."""

    column_list = ("region", "addressee", "subject", "sent_on", "answer_due", "answered_on", "overdue")
    column_export_list = ("region_code", "addressee", "subject", "sent_on", "answer_due", "answered_on",
                          "overdue", "result", "note")
    column_details_list = ("region", "addressee", "subject", "sent_on", "answer_due", "answered_on",
                           "overdue", "result", "note", "created_at")
    column_searchable_list = ("addressee", "subject", "result")
    column_formatters = {"overdue": _request_overdue}
    column_formatters_detail = column_formatters
    column_formatters_export = {"overdue": lambda v, c, m, n: "x" if m.overdue_on(today()) else ""}
    form_columns = ("region", "addressee", "subject", "sent_on", "answer_due", "answered_on", "result", "note")
    extra_labels = {"overdue": _l("Overdue")}


class InteractionView(RegistryView):
    """[R7] letters and requests with the bodies of the region, [R11.6] recommendations among
    them; "overdue" is computed from the answer awaited."""

    column_list = ("region", "dated_on", "direction", "kind", "body", "subject", "answer_due", "overdue")
    column_export_list = ("region_code", "dated_on", "direction", "kind", "body", "subject", "answer_due",
                          "answered_on", "answer", "note")
    column_details_list = ("region", "dated_on", "direction", "kind", "body", "subject", "cases", "answer_due",
                           "answered_on", "overdue", "answer", "note", "created_at")
    column_searchable_list = ("body", "subject", "answer")
    column_formatters = {"overdue": _request_overdue}
    form_columns = ("region", "dated_on", "direction", "kind", "body", "subject", "cases", "answer_due",
                    "answered_on", "answer", "note")
    form_ajax_refs = {"cases": _case_ref()}
    extra_labels = {"overdue": _l("Overdue")}


class CourtHearingView(RegistryView):
    """[R6.7] court proceedings; closed sessions are hidden from the akimat and the Committee
    (by the base, as the spec says)."""

    column_list = ("region", "hearing_on", "court", "court_case_number", "closed_session", "case")
    column_export_list = ("region_code", "hearing_on", "court", "court_case_number", "closed_session",
                          "outcome", "note")
    column_details_list = ("region", "hearing_on", "court", "court_case_number", "closed_session", "case",
                           "outcome", "note", "created_at")
    column_searchable_list = ("court", "court_case_number", "outcome")
    column_formatters = {"closed_session": _yes_no}
    column_formatters_detail = column_formatters
    column_formatters_export = column_formatters
    form_columns = ("region", "court", "court_case_number", "hearing_on", "closed_session", "case",
                    "outcome", "note")
    form_ajax_refs = {"case": _case_ref()}


class RecommendationView(WorkflowStepMixin, RegistryView):
    """[R6.4] recommendations on improving legislation: drafted in the region, sent to the
    Commissioner and answered there by the steps of ``services.recommendations``."""

    workflow, step_forms, step_services = recommendations.WORKFLOW, RECOMMENDATION_STEPS, recommendations.ACTIONS
    step_refused = _l("This step is not possible in the recommendation's current state.")
    details_template = "admin/recommendation_details.html"
    column_list = ("region", "text", "state", "submitted_on", "outcome", "response_on")
    column_export_list = ("region_code", "text", "state", "submitted_on", "outcome", "response", "response_on",
                          "note")
    column_details_list = ("region", "text", "state", "submitted_on", "outcome", "response", "response_on",
                           "note", "created_at")
    column_searchable_list = ("text", "response")
    form_columns = ("region", "text", "note")

    def on_model_change(self, form, model, is_created):
        """Once sent, the recommendation's text is what the Commissioner received."""
        if not is_created and model.state != "draft" and inspect(model).attrs.text.history.has_changes():
            raise InvalidInput(_l("The recommendation was sent to the Commissioner: its text no longer changes."))
        super().on_model_change(form, model, is_created)

    def step_subject(self, recommendation):
        return f"{recommendation.region.localized_name()}: {recommendation.text[:120]}"

    def render(self, template, **kwargs):
        kwargs.setdefault("state_labels", RECOMMENDATION_STATES)
        return super().render(template, **kwargs)


class BriefingView(RegistryView):
    """[R6.10] the half-year public briefing."""

    column_list = ("region", "held_on", "topic", "media")
    column_export_list = ("region_code", "held_on", "topic", "resonant_cases", "media", "note")
    column_searchable_list = ("topic", "resonant_cases", "media")
    form_columns = ("region", "held_on", "topic", "resonant_cases", "media", "note")


class EventView(RegistryView):
    """[R6.11] events on children's rights."""

    column_list = ("region", "held_on", "title", "organizer", "role")
    column_export_list = ("region_code", "held_on", "title", "organizer", "role", "note")
    column_searchable_list = ("title", "organizer")
    form_columns = ("region", "title", "held_on", "organizer", "role", "note")


class CampaignView(RegistryView):
    """[R12] information campaigns and projects."""

    column_list = ("region", "kind", "title", "started_on", "ended_on", "partners")
    column_export_list = ("region_code", "kind", "title", "started_on", "ended_on", "partners",
                          "description", "note")
    column_searchable_list = ("title", "partners", "description")
    form_columns = ("region", "kind", "title", "started_on", "ended_on", "partners", "description", "note")


def web_link(form, field):
    """A stored link leads to a web page (http or https, with a host): a "javascript:" or
    "data:" link would be a trap for whoever opens it."""
    url = urlsplit((field.data or "").strip())
    if field.data and (url.scheme.lower() not in ("http", "https") or not url.netloc):
        raise StopValidation(gettext("Give a web link that starts with https:// or http://."))


def confirmed_by_required(form, field):
    """[R13] A publication names who confirmed its information.

    The message is translated here, at validation time: Flask-Admin's template shows only
    plain-string errors, so a lazy message would silently vanish from the form.
    """
    if not (field.data or "").strip():
        raise StopValidation(gettext(
            "Only confirmed information is published: say who confirmed it (a body, an official)."))


class PublicationView(RegistryView):
    """[R13] publications: confirmed information only, so who confirmed it is required."""

    column_list = ("region", "published_on", "outlet", "title", "confirmed_by")
    column_export_list = ("region_code", "published_on", "outlet", "title", "link", "confirmed_by", "note")
    column_searchable_list = ("outlet", "title", "confirmed_by")
    column_formatters = {"link": lambda v, c, m, n: m.link or ""}
    column_details_list = ("region", "published_on", "outlet", "title", "link", "confirmed_by", "briefing", "cases",
                           "note", "created_at")
    form_columns = ("region", "outlet", "title", "link", "published_on", "confirmed_by", "briefing", "cases", "note")
    form_ajax_refs = {"cases": _case_ref(),
                      "briefing": {"fields": ("topic",), "page_size": 10, "placeholder": _l("Topic of the briefing")}}
    form_args = {
        "confirmed_by": {
            "label": _l("Confirmed by"),
            "filters": [lambda v: v.strip() if isinstance(v, str) else v],
            "validators": [confirmed_by_required],
        },
        "link": {"validators": [Optional(), web_link], "filters": [lambda v: v.strip() if isinstance(v, str) else v]},
    }


# The registries whose screens say more than their spec: computed marks, linked cases and
# parties, chosen columns and checks. Any other registry is shown by ``RegistryView`` alone.
VIEWS = {Memorandum: MemorandumView, CommissionMeeting: CommissionMeetingView, AdvisoryBody: AdvisoryBodyView,
         Visit: VisitView, DocumentRequest: DocumentRequestView, Interaction: InteractionView,
         CourtHearing: CourtHearingView,
         LegislativeRecommendation: RecommendationView, Briefing: BriefingView, Event: EventView,
         Campaign: CampaignView, Publication: PublicationView}


def registry_views():
    """A view of every registry, in the specs' order, under the "Registries" menu."""
    return [VIEWS.get(spec.model, RegistryView)(spec) for spec in REGISTRY_SPECS]
