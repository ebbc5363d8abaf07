"""Year plans of the regional ombudsmen [R6.1].

Items are edited inline only while a plan is a draft or returned with remarks; the
state is never edited: each step is a button leading to a small form that calls
``services.plans``, and only the steps the current user may take are shown. An item
is marked done by linking it to the registry record that fulfils it.
"""
from flask import abort, flash, g, redirect, request
from flask_admin import expose
from flask_admin.model.form import InlineFormAdmin
from flask_admin.model.template import EditRowAction
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import IntegerField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from admin.base import STAFF_ROLES, SecureModelView
from admin.filters import choice_filter, region_filter
from admin.formatters import labelled
from admin.workflow import WorkflowStepMixin
from forms.plans import STEP_FORMS, LinkRecordForm
from models import PlanItem, YearPlan
from models.plan import ITEM_STATUSES, PLAN_STATES
from services import audit
from services import plans as service
from use_case import use_case


class PlanItemInline(InlineFormAdmin):
    form_columns = ("id", "position", "activity", "planned_month", "planned_quarter", "rule", "status")
    form_overrides = {"activity": TextAreaField, "status": SelectField}
    form_args = {
        "position": {"label": _l("No."), "validators": [Optional()]},
        "activity": {"label": _l("Activity"), "validators": [InputRequired(), Length(max=2000)]},
        "planned_month": {"label": _l("Month (1–12)"), "validators": [Optional(), NumberRange(1, 12)]},
        "planned_quarter": {"label": _l("or quarter (1–4)"),
                            "validators": [Optional(), NumberRange(1, 4)]},
        "rule": {"label": _l("Rule, e.g. R6.10"), "validators": [Optional(), Length(max=10)]},
        "status": {"label": _l("Status"), "choices": list(ITEM_STATUSES.items())},
    }

    def __init__(self):
        super().__init__(PlanItem)


class EditableRowAction(EditRowAction):
    """The pencil icon only on plans whose items may still change."""

    def render(self, context, row_id, row):
        return super().render(context, row_id, row) if row.state in service.EDITABLE else ""


def _progress(view, context, plan, name):
    page = g.get("plan_progress")  # counted for the whole list page at once
    done, total = page.get(plan.id, (0, 0)) if page is not None else service.progress(plan)
    return _("%(done)s of %(total)s", done=done, total=total)


def _late(view, context, plan, name):
    return _("Late") if plan.approved_late else ""


class YearPlanView(WorkflowStepMixin, SecureModelView):
    roles = STAFF_ROLES
    workflow, step_forms, step_services = service.WORKFLOW, STEP_FORMS, service.ACTIONS
    step_refused = _l("This step is not possible for you in the plan's current state.")
    edit_roles = service.REGIONAL
    allow_delete = False
    details_template = "admin/plan_details.html"
    column_list = ("region", "year", "state", "approved_on", "approved_late", "progress")
    column_details_list = ("region", "year", "state", "remarks", "sent_at", "agreed_at", "approved_on")
    column_sortable_list = ("year", "state", "approved_on")
    column_default_sort = [("year", True), ("region_code", False)]
    column_formatters = {"state": labelled(PLAN_STATES, "state"), "approved_late": _late,
                         "progress": _progress}
    column_formatters_detail = {"state": labelled(PLAN_STATES, "state")}
    column_labels = {
        "region": _l("Region"), "year": _l("Year"), "state": _l("State"), "remarks": _l("Remarks"),
        "sent_at": _l("Sent for agreement"), "agreed_at": _l("Agreed"),
        "approved_on": _l("Approved on"), "approved_late": _l("Late"), "progress": _l("Items done"),
        "items": _l("Activities"),
    }
    column_filters = (region_filter(YearPlan.region_code),
                      choice_filter(YearPlan.state, _l("State"), PLAN_STATES))
    form_columns = ("year",)
    form_overrides = {"year": IntegerField}
    form_args = {"year": {"label": _l("Year"), "validators": [InputRequired(), NumberRange(2000, 2100)]}}
    inline_models = (PlanItemInline(),)

    def get_list_row_actions(self):
        return [EditableRowAction() if isinstance(action, EditRowAction) else action
                for action in super().get_list_row_actions()]

    def get_list(self, *args, **kwargs):
        count, plans = super().get_list(*args, **kwargs)
        g.plan_progress = service.progress_by_plan([plan.id for plan in plans])
        return count, plans

    def create_form(self, obj=None):
        form = super().create_form(obj)
        if "items" in form:  # a new plan is created first; its items are added on its edit page
            del form["items"]
        return form

    def edit_form(self, obj=None):
        form = super().edit_form(obj)
        del form["year"]  # the region and year of a plan never change
        return form

    @expose("/edit/", methods=("GET", "POST"))
    def edit_view(self):
        """Only a draft or a returned plan is edited; after that it changes by its steps."""
        plan = self.get_one(request.args.get("id", ""))
        if plan is not None and self.can_edit:
            with use_case() as editable:
                service.check_items_editable(current_user, plan)
            if not editable:
                return redirect(self.get_url(".details_view", id=plan.id))
        return super().edit_view()

    def create_model(self, form):
        return self.through_service(
            lambda: service.create_plan(current_user, current_user.region_code, form.year.data))

    def on_model_change(self, form, model, is_created):
        if not is_created:
            service.check_items_editable(current_user, model)  # a DomainError is flashed
            audit.record("year_plan.update_items", actor=current_user, obj=model,
                         items=len(model.items))

    def render(self, template, **kwargs):
        kwargs.setdefault("state_labels", PLAN_STATES)
        kwargs.setdefault("status_labels", ITEM_STATUSES)
        kwargs.setdefault("action_labels", service.ACTION_LABELS)
        return super().render(template, **kwargs)

    # --- the details page ---------------------------------------------------------------

    def progress_of(self, plan):
        return service.progress(plan)

    def may_link(self, plan):
        return current_user.role in service.REGIONAL and current_user.region_code == plan.region_code

    def record_label(self, item):
        return service.linked_record_label(item)

    def step_subject(self, plan):
        return f"{plan.region.localized_name()}, {plan.year}"

    def after_step(self, plan, action):
        if action == "approve" and plan.approved_late:
            flash(_("The plan was approved after 30 December of the year before: it is "
                    "marked late."), "warning")

    @expose("/link/", methods=("GET", "POST"))
    def link_view(self):
        """Link an item to the region's registry record that fulfils it: the item is done."""
        plan = self.requested_row_or_404()
        details = self.get_url(".details_view", id=plan.id)
        item = next((i for i in plan.items if str(i.id) == request.args.get("item", "")), None)
        if item is None:
            abort(404)
        if not self.may_link(plan):
            flash(_("Only the region's ombudsman or akimat administrator links records."), "error")
            return redirect(details)
        form = LinkRecordForm()
        form.record.choices = service.region_records(plan.region_code, plan.year, current_user.role)
        if form.validate_on_submit():
            with use_case() as outcome:
                service.link_item(current_user, item, service.find_record(form.record.data))
            if outcome:
                flash(_("Done: the item is linked to its record."), "success")
                return redirect(details)
        return self.render("admin/plan_step.html", form=form, plan=plan, action="link",
                           step_label=_("Link the record that fulfils the item"), details_url=details,
                           subject=f"{self.step_subject(plan)}: {item.activity}")
