"""The report builder's screens [R3], [R8]: saved report definitions, run as a table, a chart
and an XLSX file.

Every member of staff but the Committee (which only reads) saves definitions. A definition
is shared within its region, or nationally when it has none: a regional user lists, opens
and runs their region's and the national ones (never another region's: that is a 404 on
every URL) and changes only their region's; the national offices see and change all.
Creating is two steps without JavaScript: choose the data set, then the fields of that data
set. A run shows the figures of the runner's region only, whatever the definition says
(``services.report_builder``).
"""
from flask import abort, flash, redirect, request
from flask_admin import expose
from flask_admin.contrib.sqla import ModelView
from flask_admin.helpers import get_form_data, get_redirect_target
from flask_admin.model.template import DeleteRowAction, EditRowAction, EndpointLinkRowAction
from flask_babel import format_decimal, format_percent
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import or_

from admin.base import STAFF_ROLES, SecureModelView
from admin.filters import choice_filter
from extensions import db
from forms.report_builder import definition_form_class, initial_values
from models import ReportDefinition
from models.report import CHART_TYPES, MEASURES
from core import charts
from services import report_builder as service
from core.errors import DomainError
from downloads import send_bytes
from services.report_files import xlsx_bytes

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATASET_LABELS = {key: dataset.label for key, dataset in service.DATASETS.items()}


def _dataset(view, context, model, name):
    return DATASET_LABELS.get(model.dataset, model.dataset)


def _grouping(view, context, model, name):
    dataset = service.DATASETS.get(model.dataset)
    labels = [dataset.fields[key].label if dataset and key in dataset.fields else key
              for key in (model.group_by, model.group_by_second) if key]
    return " × ".join(str(label) for label in labels)


def _shared_with(view, context, model, name):
    return model.region.localized_name() if model.region is not None else _("All regions (national)")


def _filters(view, context, model, name):
    dataset = service.DATASETS.get(model.dataset)
    if dataset is None or not model.filters:
        return ""
    return "; ".join(f"{label}: {value}" for label, value in service.describe_filters(dataset, model.filters))


class ChangeableEditRowAction(EditRowAction):
    """The pencil only on the definitions the user may change."""

    def render(self, context, row_id, row):
        return super().render(context, row_id, row) if service.may_change(current_user, row) else ""


class ChangeableDeleteRowAction(DeleteRowAction):
    """The bin only on the definitions the user may change."""

    def render(self, context, row_id, row):
        return super().render(context, row_id, row) if service.may_change(current_user, row) else ""


class ReportDefinitionView(SecureModelView):
    roles = STAFF_ROLES
    edit_roles = service.AUTHOR_ROLES
    allow_delete = True
    # One definition at a time (the row's button): the bulk menu's inline onclick is blocked by our CSP.
    action_disallowed_list = ["delete"]
    audits_itself = True
    # get_one's region check is ours (own region or national), not the base view's.
    national_data_visible = True
    create_template = "admin/report_builder_create.html"
    edit_template = "admin/report_builder_edit.html"
    details_template = "admin/report_builder_details.html"
    column_list = ("name", "dataset", "group_by", "measure", "chart", "region", "owner", "updated_at")
    column_details_list = ("name", "dataset", "group_by", "measure", "chart", "filters", "region", "owner",
                           "created_at", "updated_at")
    column_sortable_list = ("name", "dataset", "measure", "created_at", "updated_at")
    column_default_sort = ("name", False)
    column_searchable_list = ("name",)
    column_filters = (choice_filter(ReportDefinition.dataset, _l("Data set"), DATASET_LABELS),)
    column_formatters = {
        "dataset": _dataset, "group_by": _grouping, "region": _shared_with, "filters": _filters,
        "measure": lambda v, c, m, n: MEASURES.get(m.measure, m.measure),
        "chart": lambda v, c, m, n: CHART_TYPES.get(m.chart, m.chart),
        "owner": lambda v, c, m, n: str(m.owner) if m.owner else "",
    }
    column_formatters_detail = column_formatters
    column_labels = {
        "name": _l("Name"), "dataset": _l("Data set"), "group_by": _l("Grouped by"),
        "measure": _l("Measure"), "chart": _l("Chart"), "filters": _l("Filters"),
        "region": _l("Shared with"), "owner": _l("Saved by"), "created_at": _l("Created"),
        "updated_at": _l("Changed"),
    }
    column_extra_row_actions = [EndpointLinkRowAction("fa fa-bar-chart", ".run_view", title=_l("Run"))]

    def __init__(self, model=ReportDefinition, session=None, **kwargs):
        super().__init__(model, session, **kwargs)

    def render(self, template, **kwargs):
        kwargs.setdefault("dataset_labels", DATASET_LABELS)
        return super().render(template, **kwargs)

    # --- which definitions a user sees: their region's and the national ones -----------------

    @staticmethod
    def _visible(query):
        if current_user.sees_all_regions():
            return query
        return query.filter(or_(ReportDefinition.region_code == current_user.region_code,
                                ReportDefinition.region_code.is_(None)))

    def get_query(self):
        return self._visible(ModelView.get_query(self))

    def get_count_query(self):
        return self._visible(ModelView.get_count_query(self))

    def get_one(self, id):
        row = super().get_one(id)  # a malformed id is None too
        return row if service.visible(current_user, row) else None

    def may_change(self, definition):
        return self.may_edit() and service.may_change(current_user, definition)

    def get_list_row_actions(self):
        replace = {EditRowAction: ChangeableEditRowAction, DeleteRowAction: ChangeableDeleteRowAction}
        return [replace[type(action)]() if type(action) in replace else action
                for action in super().get_list_row_actions()]

    # --- the form: the data set first, then its fields -----------------------------------------

    def scaffold_form(self):
        # Flask-Admin wants a form class at start-up; the real one depends on the data set.
        return definition_form_class(self.form_base_class, "cases", national=False)

    def _form_class(self, dataset_key):
        return definition_form_class(self.form_base_class, dataset_key,
                                     national=current_user.sees_all_regions())

    @staticmethod
    def requested_dataset():
        key = request.args.get("dataset", "")
        return key if key in service.DATASETS else None

    def create_form(self, obj=None):
        return self._form_class(self.requested_dataset() or "cases")(get_form_data(), obj=obj)

    def edit_form(self, obj=None):
        return self._form_class(obj.dataset)(get_form_data(), obj=obj, **initial_values(obj))

    @expose("/new/", methods=("GET", "POST"))
    def create_view(self):
        if self.can_create and self.requested_dataset() is None:
            return_url = get_redirect_target() or self.get_url(".index_view")
            return self.render("admin/report_builder_choose.html", return_url=return_url,
                               datasets=service.DATASETS.values(), measure_labels=MEASURES)
        return super().create_view()

    def create_model(self, form):
        return self.through_service(lambda: service.create_definition(current_user, form.values()))

    def update_model(self, form, model):
        return self.through_service(lambda: service.update_definition(current_user, model, form.values()))

    def delete_model(self, model):
        return self.through_service(lambda: service.delete_definition(current_user, model))

    def get_save_return_url(self, model, is_created=False):
        return self.get_url(".run_view", id=model.id)

    # --- another region's definition is "not found" on every URL -----------------------------

    @expose("/details/")
    def details_view(self):
        self.requested_row_or_404()
        return super().details_view()

    @expose("/edit/", methods=("GET", "POST"))
    def edit_view(self):
        definition = self.requested_row_or_404()
        if self.can_edit and not self.may_change(definition):
            flash(_("Only the national offices change a national report; save a copy for your "
                    "region instead."), "error")
            return redirect(self.get_url(".details_view", id=definition.id))
        if definition.dataset not in service.DATASETS:
            flash(_("This report's data set no longer exists: create a new report."), "error")
            return redirect(self.get_url(".details_view", id=definition.id))
        return super().edit_view()

    @expose("/delete/", methods=("POST",))
    def delete_view(self):
        if self.get_one(request.form.get("id", "")) is None:
            abort(404)
        return super().delete_view()

    # --- running and downloading --------------------------------------------------------------

    def _run(self, definition):
        """The figures of the definition for the current user, or None (the error flashed)."""
        try:
            return service.run_definition(definition, current_user)
        except DomainError as error:
            flash(str(error), "error")
            return None

    @expose("/run/")
    def run_view(self):
        definition = self.requested_row_or_404()
        result = self._run(definition)
        if result is None:
            return redirect(self.get_url(".details_view", id=definition.id))
        service.record_run(current_user, definition)
        db.session.commit()
        return self.render("admin/report_builder_run.html", definition=definition, result=result,
                           table=service.table(result), chart=self.chart(result),
                           show=lambda value, kind: display(value, kind),
                           may_change=self.may_change(definition))

    @expose("/xlsx/")
    def xlsx_view(self):
        definition = self.requested_row_or_404()
        result = self._run(definition)
        if result is None:
            return redirect(self.get_url(".details_view", id=definition.id))
        data = xlsx_bytes(service.report_file(result))
        service.record_run(current_user, definition, "report_definition.download", format="xlsx")
        db.session.commit()
        return send_bytes(data, XLSX, f"report-{definition.id}.xlsx")

    @staticmethod
    def chart(result):
        """The chart of a run (Markup, an inline SVG), or None for "table only"."""
        if result["chart"] == "table" or not result["first"]["values"]:
            return None
        labels, series = service.chart_data(result)
        draw = charts.line_chart if result["chart"] == "line" else charts.bar_chart
        return draw(result["title"], labels, series, unit=result["unit"])


def display(value, kind):
    """A figure as the table shows it: a count, days with one decimal, a percentage."""
    if value is None:
        return "—"
    if kind == "percent":
        return format_percent(value, "#,##0.#%")
    if kind == "days":
        return format_decimal(value, "#,##0.#")
    return format_decimal(value)
