"""The ombudsman's registries besides cases ([R6.4]–[R6.11], [R9], [R12], [R13]).

One small base, ``RegistryView``, does what every registry shares: who reads and who
writes, the region a regional user's record lands in, CSV export, the attachments
(uploaded with the create/edit form, listed and downloaded on the details page).
Each registry is a declarative subclass: columns, filters, search, labels.
"""
from urllib.parse import urlsplit

from flask import abort, request
from flask_admin import expose
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import false, select
from wtforms import FileField, SelectField
from wtforms.validators import Optional, StopValidation

from admin.base import STAFF_ROLES, SecureModelView
from admin.filters import YearFilter, choice_filter, region_filter
from admin.formatters import labelled
from extensions import db
from models import (
    AdvisoryBody,
    Briefing,
    Campaign,
    CommissionMeeting,
    CourtHearing,
    DocumentRequest,
    Event,
    LegislativeRecommendation,
    Memorandum,
    Publication,
    RegistryAttachment,
    Visit,
)
from models.registry import (ADVISORY_BASES, CAMPAIGN_KINDS, CLOSED_SESSION_ROLES, COMMISSIONS,
                             VISIT_TYPES)
from services import audit
from services.deadlines import now_local
from services.files import DOCUMENT_TYPES, as_download, store_file

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
    edit_roles = frozenset({"superadmin", "akimat_admin", "ombudsman"})
    allow_delete = True
    # One record at a time (the row's delete button); Flask-Admin's bulk delete menu has an
    # inline onclick that our CSP blocks.
    action_disallowed_list = ["delete"]
    can_export = True
    export_types = ["csv"]
    details_template = "admin/registry_details.html"
    form_excluded_columns = ("created_at", "created_by_id")
    form_extra_fields = {"attachment": FileField(_l("Attach a file (PDF, JPEG, PNG or DOCX)"))}
    column_labels = COMMON_LABELS
    date_column = None  # the main date: the default sort and the Year filter

    def __init__(self, model, *args, **kwargs):
        if self.date_column and self.column_default_sort is None:
            self.column_default_sort = (self.date_column, True)
        # Flask-Admin renders an extra field only when form_columns names it.
        if self.form_columns and "attachment" not in self.form_columns:
            self.form_columns = (*self.form_columns, "attachment")
        super().__init__(model, *args, **kwargs)

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

    def attachments_of(self, model):
        return db.session.scalars(select(RegistryAttachment).where(
            RegistryAttachment.record_type == model.__tablename__,
            RegistryAttachment.record_id == model.id).order_by(RegistryAttachment.id)).all()

    @expose("/file/")
    def file_view(self):
        """Download an attachment, for those who can see the record (checked by ``get_one``)."""
        record = self.requested_row_or_404()
        attachment = db.session.get(RegistryAttachment, request.args.get("attachment", type=int) or 0)
        if (attachment is None or attachment.record_type != record.__tablename__
                or attachment.record_id != record.id):
            abort(404)
        stored = attachment.file
        audit.record("file.download", actor=current_user, obj=stored, record_type=record.__tablename__,
                     record_id=record.id)
        db.session.commit()
        return as_download(stored)


def _case_ref():
    return {"fields": ("registration_number",), "page_size": 10,
            "placeholder": _l("Registration number")}


class MemorandumView(RegistryView):
    """[R6.8] memoranda and agreements; their state is computed from the dates."""

    date_column = "signed_on"
    column_list = ("region", "title", "signed_on", "valid_until", "terminated_on", "state", "expiring")
    column_export_list = ("region_code", "title", "subject", "programmes", "signed_on", "valid_until",
                          "terminated_on", "state", "note")
    column_details_list = ("region", "title", "parties", "subject", "programmes", "signed_on",
                           "valid_until", "terminated_on", "state", "expiring", "note", "created_at")
    column_searchable_list = ("title", "subject", "programmes")
    column_filters = (region_filter(Memorandum.region_code), YearFilter(Memorandum.signed_on, _l("Year")))
    column_formatters = {"state": _memorandum_state, "expiring": _memorandum_expiring}
    column_formatters_detail = column_formatters
    column_formatters_export = {"state": _memorandum_state,
                                "expiring": lambda v, c, m, n: "x" if m.expiring_on(today()) else ""}
    form_columns = ("region", "title", "parties", "subject", "programmes", "signed_on", "valid_until",
                    "terminated_on", "note")
    column_labels = {**COMMON_LABELS, "title": _l("Title"), "parties": _l("Parties"),
                     "subject": _l("Subject"), "programmes": _l("Joint programmes and projects"),
                     "signed_on": _l("Signed on"), "valid_until": _l("Valid until"),
                     "terminated_on": _l("Terminated on"), "state": _l("State"),
                     "expiring": _l("Expiring")}


class CommissionMeetingView(RegistryView):
    """[R9] meetings of the KDN and of the commission on women's affairs."""

    date_column = "held_on"
    column_list = ("region", "commission", "held_on", "attended", "agenda")
    column_export_list = ("region_code", "commission", "held_on", "attended", "agenda", "decisions", "note")
    column_details_list = ("region", "commission", "held_on", "attended", "agenda", "decisions", "cases",
                           "note", "created_at")
    column_searchable_list = ("agenda", "decisions")
    column_filters = (region_filter(CommissionMeeting.region_code),
                      choice_filter(CommissionMeeting.commission, _l("Commission"), COMMISSIONS),
                      YearFilter(CommissionMeeting.held_on, _l("Year")))
    column_formatters = {"commission": labelled(COMMISSIONS, "commission")}
    column_formatters_detail = column_formatters
    column_formatters_export = column_formatters
    form_columns = ("region", "commission", "held_on", "attended", "agenda", "decisions", "cases", "note")
    form_overrides = {"commission": SelectField}
    form_args = {"commission": {"choices": list(COMMISSIONS.items()), "label": _l("Commission")}}
    form_ajax_refs = {"cases": _case_ref()}
    column_labels = {**COMMON_LABELS, "commission": _l("Commission"), "held_on": _l("Held on"),
                     "attended": _l("Attended"), "agenda": _l("Agenda"), "decisions": _l("Decisions"),
                     "cases": _l("Cases")}


class AdvisoryBodyView(RegistryView):
    """[R6.9] consultative and advisory bodies."""

    date_column = "member_since"
    column_list = ("region", "name", "host_organization", "basis", "member_since", "meetings_attended")
    column_export_list = ("region_code", "name", "host_organization", "basis", "member_since",
                          "meetings_attended", "note")
    column_searchable_list = ("name", "host_organization")
    column_filters = (region_filter(AdvisoryBody.region_code),
                      choice_filter(AdvisoryBody.basis, _l("Basis"), ADVISORY_BASES),
                      YearFilter(AdvisoryBody.member_since, _l("Year")))
    column_formatters = {"basis": labelled(ADVISORY_BASES, "basis")}
    column_formatters_detail = column_formatters
    column_formatters_export = column_formatters
    form_columns = ("region", "name", "host_organization", "basis", "member_since", "meetings_attended",
                    "note")
    form_overrides = {"basis": SelectField}
    form_args = {"basis": {"choices": list(ADVISORY_BASES.items()), "label": _l("Basis")}}
    column_labels = {**COMMON_LABELS, "name": _l("Name"), "host_organization": _l("Host organization"),
                     "basis": _l("Basis"), "member_since": _l("Member since"),
                     "meetings_attended": _l("Meetings attended")}


class VisitView(RegistryView):
    """[R6.5] visits, penal institutions holding minors included."""

    date_column = "visited_on"
    column_list = ("region", "visited_on", "organization_type", "organization_name", "purpose")
    column_export_list = ("region_code", "visited_on", "organization_type", "organization_name", "purpose",
                          "findings", "follow_up", "note")
    column_details_list = ("region", "visited_on", "organization_type", "organization_name", "purpose",
                           "findings", "follow_up", "cases", "note", "created_at")
    column_searchable_list = ("organization_name", "purpose", "findings")
    column_filters = (region_filter(Visit.region_code),
                      choice_filter(Visit.organization_type, _l("Organization type"), VISIT_TYPES),
                      YearFilter(Visit.visited_on, _l("Year")))
    column_formatters = {"organization_type": labelled(VISIT_TYPES, "organization_type")}
    column_formatters_detail = column_formatters
    column_formatters_export = column_formatters
    form_columns = ("region", "organization_type", "organization_name", "visited_on", "purpose", "findings",
                    "follow_up", "cases", "note")
    form_overrides = {"organization_type": SelectField}
    form_args = {"organization_type": {"choices": list(VISIT_TYPES.items()), "label": _l("Organization type")}}
    form_ajax_refs = {"cases": _case_ref()}
    column_labels = {**COMMON_LABELS, "visited_on": _l("Visited on"),
                     "organization_type": _l("Organization type"),
                     "organization_name": _l("Organization"), "purpose": _l("Purpose"),
                     "findings": _l("Findings"), "follow_up": _l("Follow-up"), "cases": _l("Cases")}


class DocumentRequestView(RegistryView):
    """[R6.6] requests for documents; "overdue" is computed from the answer date."""

    date_column = "sent_on"
    column_list = ("region", "addressee", "subject", "sent_on", "answer_due", "answered_on", "overdue")
    column_export_list = ("region_code", "addressee", "subject", "sent_on", "answer_due", "answered_on",
                          "overdue", "result", "note")
    column_details_list = ("region", "addressee", "subject", "sent_on", "answer_due", "answered_on",
                           "overdue", "result", "note", "created_at")
    column_searchable_list = ("addressee", "subject", "result")
    column_filters = (region_filter(DocumentRequest.region_code),
                      YearFilter(DocumentRequest.sent_on, _l("Year")))
    column_formatters = {"overdue": _request_overdue}
    column_formatters_detail = column_formatters
    column_formatters_export = {"overdue": lambda v, c, m, n: "x" if m.overdue_on(today()) else ""}
    form_columns = ("region", "addressee", "subject", "sent_on", "answer_due", "answered_on", "result", "note")
    column_labels = {**COMMON_LABELS, "addressee": _l("Addressee"), "subject": _l("Documents requested"),
                     "sent_on": _l("Sent on"), "answer_due": _l("Answer due"),
                     "answered_on": _l("Answered on"), "result": _l("Result"), "overdue": _l("Overdue")}


class CourtHearingView(RegistryView):
    """[R6.7] court proceedings; closed sessions are hidden from the akimat and the Committee."""

    date_column = "hearing_on"
    column_list = ("region", "hearing_on", "court", "court_case_number", "closed_session", "case")
    column_export_list = ("region_code", "hearing_on", "court", "court_case_number", "closed_session",
                          "outcome", "note")
    column_details_list = ("region", "hearing_on", "court", "court_case_number", "closed_session", "case",
                           "outcome", "note", "created_at")
    column_searchable_list = ("court", "court_case_number", "outcome")
    column_filters = (region_filter(CourtHearing.region_code),
                      YearFilter(CourtHearing.hearing_on, _l("Year")))
    column_formatters = {"closed_session": _yes_no}
    column_formatters_detail = column_formatters
    column_formatters_export = column_formatters
    form_columns = ("region", "court", "court_case_number", "hearing_on", "closed_session", "case",
                    "outcome", "note")
    form_ajax_refs = {"case": _case_ref()}
    column_labels = {**COMMON_LABELS, "hearing_on": _l("Hearing on"), "court": _l("Court"),
                     "court_case_number": _l("Court case number"), "closed_session": _l("Closed session"),
                     "case": _l("Case"), "outcome": _l("Outcome")}

    @staticmethod
    def _sees_closed():
        return current_user.role in CLOSED_SESSION_ROLES

    def _hide_closed(self, query):
        return query if self._sees_closed() else query.filter(CourtHearing.closed_session.is_(false()))

    def get_query(self):
        return self._hide_closed(super().get_query())

    def get_count_query(self):
        return self._hide_closed(super().get_count_query())

    def get_one(self, id):
        row = super().get_one(id)
        if row is not None and row.closed_session and not self._sees_closed():
            return None
        return row


class RecommendationView(RegistryView):
    """[R6.4] recommendations on improving legislation, submitted to the Commissioner."""

    date_column = "submitted_on"
    column_list = ("region", "text", "submitted_on", "response_on")
    column_export_list = ("region_code", "text", "submitted_on", "response", "response_on", "note")
    column_searchable_list = ("text", "response")
    column_filters = (region_filter(LegislativeRecommendation.region_code),
                      YearFilter(LegislativeRecommendation.submitted_on, _l("Year")))
    form_columns = ("region", "text", "submitted_on", "response", "response_on", "note")
    column_labels = {**COMMON_LABELS, "text": _l("Recommendation"), "submitted_on": _l("Submitted on"),
                     "response": _l("Response"), "response_on": _l("Response received on")}


class BriefingView(RegistryView):
    """[R6.10] the half-year public briefing."""

    date_column = "held_on"
    column_list = ("region", "held_on", "topic", "media")
    column_export_list = ("region_code", "held_on", "topic", "resonant_cases", "media", "note")
    column_searchable_list = ("topic", "resonant_cases", "media")
    column_filters = (region_filter(Briefing.region_code), YearFilter(Briefing.held_on, _l("Year")))
    form_columns = ("region", "held_on", "topic", "resonant_cases", "media", "note")
    column_labels = {**COMMON_LABELS, "held_on": _l("Held on"), "topic": _l("Topic"),
                     "resonant_cases": _l("Resonant cases"), "media": _l("Media")}


class EventView(RegistryView):
    """[R6.11] events on children's rights."""

    date_column = "held_on"
    column_list = ("region", "held_on", "title", "organizer", "role")
    column_export_list = ("region_code", "held_on", "title", "organizer", "role", "note")
    column_searchable_list = ("title", "organizer")
    column_filters = (region_filter(Event.region_code), YearFilter(Event.held_on, _l("Year")))
    form_columns = ("region", "title", "held_on", "organizer", "role", "note")
    column_labels = {**COMMON_LABELS, "held_on": _l("Held on"), "title": _l("Title"),
                     "organizer": _l("Organizer"), "role": _l("Role of the ombudsman")}


class CampaignView(RegistryView):
    """[R12] information campaigns and projects."""

    date_column = "started_on"
    column_list = ("region", "kind", "title", "started_on", "ended_on", "partners")
    column_export_list = ("region_code", "kind", "title", "started_on", "ended_on", "partners",
                          "description", "note")
    column_searchable_list = ("title", "partners", "description")
    column_filters = (region_filter(Campaign.region_code),
                      choice_filter(Campaign.kind, _l("Kind"), CAMPAIGN_KINDS),
                      YearFilter(Campaign.started_on, _l("Year")))
    column_formatters = {"kind": labelled(CAMPAIGN_KINDS, "kind")}
    column_formatters_detail = column_formatters
    column_formatters_export = column_formatters
    form_columns = ("region", "kind", "title", "started_on", "ended_on", "partners", "description", "note")
    form_overrides = {"kind": SelectField}
    form_args = {"kind": {"choices": list(CAMPAIGN_KINDS.items()), "label": _l("Kind")}}
    column_labels = {**COMMON_LABELS, "kind": _l("Kind"), "title": _l("Title"), "started_on": _l("Started on"),
                     "ended_on": _l("Ended on"), "partners": _l("Partners"), "description": _l("Description")}


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

    date_column = "published_on"
    column_list = ("region", "published_on", "outlet", "title", "confirmed_by")
    column_export_list = ("region_code", "published_on", "outlet", "title", "link", "confirmed_by", "note")
    column_searchable_list = ("outlet", "title", "confirmed_by")
    column_filters = (region_filter(Publication.region_code), YearFilter(Publication.published_on, _l("Year")))
    column_formatters = {"link": lambda v, c, m, n: m.link or ""}
    form_columns = ("region", "outlet", "title", "link", "published_on", "confirmed_by", "note")
    form_args = {
        "confirmed_by": {
            "label": _l("Confirmed by"),
            "filters": [lambda v: v.strip() if isinstance(v, str) else v],
            "validators": [confirmed_by_required],
        },
        "link": {"validators": [Optional(), web_link], "filters": [lambda v: v.strip() if isinstance(v, str) else v]},
    }
    column_labels = {**COMMON_LABELS, "published_on": _l("Published on"), "outlet": _l("Media or network"),
                     "title": _l("Title"), "link": _l("Link"), "confirmed_by": _l("Confirmed by")}


def registry_views():
    """A view of every registry, in menu order, under the "Registries" menu."""
    return [
        (MemorandumView(Memorandum, name=_l("Memoranda"), endpoint="memorandum", category=_l("Registries"))),
        (CommissionMeetingView(CommissionMeeting, name=_l("Commission meetings"), endpoint="commission_meeting",
                               category=_l("Registries"))),
        (AdvisoryBodyView(AdvisoryBody, name=_l("Advisory bodies"), endpoint="advisory_body",
                          category=_l("Registries"))),
        (VisitView(Visit, name=_l("Visits"), endpoint="visit", category=_l("Registries"))),
        (DocumentRequestView(DocumentRequest, name=_l("Document requests"), endpoint="document_request",
                             category=_l("Registries"))),
        (CourtHearingView(CourtHearing, name=_l("Court hearings"), endpoint="court_hearing",
                          category=_l("Registries"))),
        (RecommendationView(LegislativeRecommendation, name=_l("Legislative recommendations"),
                            endpoint="recommendation", category=_l("Registries"))),
        (BriefingView(Briefing, name=_l("Briefings"), endpoint="briefing", category=_l("Registries"))),
        (EventView(Event, name=_l("Events"), endpoint="event", category=_l("Registries"))),
        (CampaignView(Campaign, name=_l("Campaigns and projects"), endpoint="campaign",
                      category=_l("Registries"))),
        (PublicationView(Publication, name=_l("Publications"), endpoint="publication",
                         category=_l("Registries"))),
    ]
