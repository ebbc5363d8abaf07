"""Appointments screen: proposals, consent, orders and dismissals of ombudsmen [R4].

The state is never edited: each step is a button leading to a small form that calls
``services.appointments``; only the steps the current user may take are shown.
"""
from flask import abort, flash, redirect, request
from flask_admin import expose
from flask_admin.model.template import EditRowAction
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import BooleanField

from models.capabilities import roles_with
from admin.base import STAFF_ROLES, SecureModelView
from admin.workflow import WorkflowStepMixin
from admin.filters import YearFilter, choice_filter, region_filter
from admin.formatters import labelled
from forms.appointments import STEP_FORMS
from models import Appointment
from models.appointment import ACTION_LABELS, STATE_LABELS, AppointmentState
from services import appointments as service
from downloads import send_audited


class DraftEditRowAction(EditRowAction):
    """The list's pencil icon, shown only on drafts: nothing else is ever edited."""

    def render(self, context, row_id, row):
        return super().render(context, row_id, row) if row.state == AppointmentState.DRAFT else ""


class AppointmentView(WorkflowStepMixin, SecureModelView):
    roles = STAFF_ROLES
    workflow, step_forms, step_services = service.WORKFLOW, STEP_FORMS, service.ACTIONS
    step_refused = _l("This step is not possible for you in the appointment's current state.")
    edit_roles = roles_with("appointments_propose")
    allow_delete = False
    can_export = True
    details_template = "admin/appointment_details.html"
    column_list = ("region", "full_name", "state", "consent_date", "order_number", "order_date",
                   "state_changed_at")
    column_export_list = ("region_code", "full_name", "state", "consent_number", "consent_date",
                          "order_number", "order_date", "dismissal_order_number", "dismissal_order_date")
    column_details_list = ("region", "state", "full_name", "iin", "phone", "email", "workplace", "note",
                           "consent_number", "consent_date", "refusal_reason", "order_number",
                           "order_date", "dismissal_reason", "dismissal_consent_number",
                           "dismissal_consent_date", "dismissal_order_number", "dismissal_order_date")
    column_default_sort = ("state_changed_at", True)
    column_searchable_list = ("full_name",)
    column_formatters = {"state": labelled(STATE_LABELS, "state")}
    column_formatters_detail = column_formatters
    column_labels = {
        "region": _l("Region"), "region_code": _l("Region"), "full_name": _l("Full name"),
        "state": _l("State"), "iin": _l("IIN"), "phone": _l("Phone"), "email": _l("E-mail"),
        "workplace": _l("Main place of work"), "note": _l("Note"),
        "consent_number": _l("Consent letter number"), "consent_date": _l("Consent letter date"),
        "refusal_reason": _l("Reason for the refusal"), "order_number": _l("Order number"),
        "order_date": _l("Order date"), "dismissal_reason": _l("Reason for the dismissal"),
        "dismissal_consent_number": _l("Dismissal consent letter number"),
        "dismissal_consent_date": _l("Dismissal consent letter date"),
        "dismissal_order_number": _l("Dismissal order number"),
        "dismissal_order_date": _l("Dismissal order date"), "state_changed_at": _l("Last step"),
    }
    # [R4] while an ombudsman is in office, a proposal is only their replacement, and says so
    # (an extra field is in the form only when named among the columns).
    form_columns = ("full_name", "iin", "phone", "email", "workplace", "note", "replacement")
    form_extra_fields = {"replacement": BooleanField(
        _l("A replacement: the ombudsman in office will be dismissed"))}
    form_args = {"full_name": {"label": _l("Full name")}, "iin": {"label": _l("IIN (optional)")},
                 "phone": {"label": _l("Phone")}, "email": {"label": _l("E-mail")},
                 "workplace": {"label": _l("Main place of work (the post is unpaid)")},
                 "note": {"label": _l("Note")}}

    column_filters = (
        region_filter(Appointment.region_code),
        choice_filter(Appointment.state, _l("State"), STATE_LABELS),
        YearFilter(Appointment.created_at, _l("Year")),
    )

    def get_list_row_actions(self):
        return [DraftEditRowAction() if isinstance(action, EditRowAction) else action
                for action in super().get_list_row_actions()]

    @expose("/edit/", methods=("GET", "POST"))
    def edit_view(self):
        """Only a draft is edited; after that the data changes only through the steps."""
        appointment = self.get_one(request.args.get("id", ""))
        if appointment is not None and appointment.state != AppointmentState.DRAFT and self.can_edit:
            flash(_("Only a draft can be edited. Once consent is requested, the appointment "
                    "changes only through its steps."), "error")
            return redirect(self.get_url(".details_view", id=appointment.id))
        return super().edit_view()

    # Proposing and editing a draft go through the service, never straight to the table.
    def create_model(self, form):
        return self.through_service(
            lambda: service.propose(current_user, current_user.region_code, **form.data))

    def edit_form(self, obj=None):
        form = super().edit_form(obj)
        if "replacement" in form:  # a draft's candidate is corrected, not its purpose
            del form["replacement"]
        return form

    def update_model(self, form, model):
        return self.through_service(lambda: service.update_draft(current_user, model, **form.data))

    def render(self, template, **kwargs):
        kwargs.setdefault("action_labels", ACTION_LABELS)
        kwargs.setdefault("state_labels", STATE_LABELS)
        return super().render(template, **kwargs)

    def step_subject(self, appointment):
        return f"{appointment.full_name} — {appointment.region.localized_name()}"

    @expose("/file/<kind>/")
    def file_view(self, kind):
        """Download a scanned letter or order, for those who can see the appointment."""
        appointment = self.requested_row_or_404()
        if kind not in Appointment.FILE_KINDS or getattr(appointment, kind) is None:
            abort(404)
        return send_audited(getattr(appointment, kind), current_user, appointment=appointment.id)

