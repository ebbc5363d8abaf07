"""The one base view every admin screen uses: access, region isolation, CSRF, errors.

Flask-Admin's ``get_query`` alone leaks other regions' rows through ``get_one`` (edit,
details, delete), the count query and relation lookups; all of them are scoped here.
"""
import logging

from flask import abort, current_app, flash, redirect, request, url_for
from flask_admin import AdminIndexView, BaseView, expose
from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla.ajax import QueryAjaxModelLoader
from flask_admin.contrib.sqla.form import AdminModelConverter
from flask_admin.model.form import converts
from flask_admin.contrib.sqla.fields import QuerySelectField, QuerySelectMultipleField
from flask_admin.form import BaseForm
from flask_babel import force_locale
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import _FlaskFormCSRF
from sqlalchemy import func, literal_column, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Query
from wtforms import fields
from wtforms.widgets import DateInput

from models.capabilities import roles_with
from admin.formatters import DETAIL_TYPE_FORMATTERS, TYPE_FORMATTERS
from core.formats import spreadsheet_safe
from admin.scoping import row_visible, scope_query, well_formed_key
from extensions import db
from services import audit
from models.user import ROLE_LABELS
from core.errors import DomainError
from use_case import use_case

log = logging.getLogger(__name__)

# No list has this many pages; a larger ?page= is clamped to it.
MAX_PAGE = 10**6
STAFF_ROLES = roles_with("staff")
NATIONAL_ROLES = roles_with("national_overview")


class AccessMixin:
    """Who may open a view (``roles``) and who may change data in it (``edit_roles``)."""

    roles = STAFF_ROLES
    edit_roles = frozenset()

    def is_accessible(self):
        return current_user.is_authenticated and current_user.role in self.roles

    def may_edit(self):
        return current_user.is_authenticated and current_user.role in self.edit_roles

    def inaccessible_callback(self, name, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        abort(403)


class AdminForm(BaseForm):
    """Flask-Admin forms carrying Flask-WTF's CSRF token.

    CSRFProtect checks that token on every POST, and Flask-Admin's templates add it to
    every form; Flask-Admin's own ``SecureForm`` would put a second, different token
    under the same field name, which breaks every form submitted by a browser.
    """

    class Meta:
        csrf = True
        csrf_class = _FlaskFormCSRF
        csrf_field_name = "csrf_token"

        @property
        def csrf_secret(self):
            return current_app.config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key

        @property
        def csrf_time_limit(self):
            return current_app.config.get("WTF_CSRF_TIME_LIMIT")


class ScopedAjaxLoader(QueryAjaxModelLoader):
    """Relation lookups (select2 ajax) see only the current user's region."""

    def get_query(self):
        return scope_query(super().get_query(), self.model, current_user)

    def get_one(self, pk):
        if not well_formed_key(self.model, pk):
            return None
        row = super().get_one(pk)
        return row if row_visible(row, current_user) else None


def planner_rows(session, statement):
    """The planner's estimate of the rows ``statement`` returns (``EXPLAIN``: nothing is read)."""
    compiled = statement.compile(dialect=session.get_bind().dialect,
                                 compile_kwargs={"render_postcompile": True})
    plan = session.connection().exec_driver_sql("EXPLAIN (FORMAT JSON) " + compiled.string,
                                                compiled.params).scalar()
    return int(plan[0]["Plan"]["Plan Rows"])


def _rounded(number):
    """Two significant digits: an estimate is not exact (104,321 → 100,000)."""
    return int(float(f"{number:.2g}"))


class ListCount(int):
    """The number of rows of a list, exact or (``estimated``) the planner's estimate."""

    estimated = False

    @classmethod
    def estimate(cls, rows):
        count = cls(rows)
        count.estimated = True
        return count


class CappedCountQuery(Query):
    """A list's rows (``SELECT 1 …``), counted without reading the table: ``scalar()`` is
    the planner's estimate when that is beyond ``cap`` rows, else an exact count that
    stops at ``cap`` + 1 (``SELECT count(*) FROM (SELECT 1 … LIMIT cap + 1)``)."""

    cap = 1_000

    def estimate(self):
        return planner_rows(self.session, self.statement)

    def scalar(self):
        estimate = self.estimate()
        if estimate > self.cap:
            return ListCount.estimate(estimate)
        rows = self.limit(self.cap + 1).subquery()
        return ListCount(self.session.execute(select(func.count()).select_from(rows)).scalar())


class NativeDateConverter(AdminModelConverter):
    """A date is the browser's own date input: the reader's language, their first day of the
    week and their format, where Flask-Admin's picker is English and starts on Sunday."""

    @converts("Date")
    def convert_date(self, field_args, **extra):
        field_args.setdefault("widget", DateInput())
        return fields.DateField(**field_args)


class SecureModelView(AccessMixin, ModelView):
    """Base for every model screen. Subclasses set columns, ``roles`` and ``edit_roles``."""

    form_base_class = AdminForm
    model_form_converter = NativeDateConverter
    column_type_formatters = TYPE_FORMATTERS
    column_type_formatters_detail = DETAIL_TYPE_FORMATTERS
    can_view_details = True
    can_export = False
    export_types = ["csv"]
    page_size = 25
    # A model with no region (reference data) is hidden from regional users unless set.
    national_data_visible = False

    def __init__(self, model, session=None, **kwargs):
        super().__init__(model, session or db.session, **kwargs)

    # Data changes follow edit_roles, whatever the class attributes of ModelView say.
    @property
    def can_create(self):
        return self.may_edit() and self.allow_create

    @property
    def can_edit(self):
        return self.may_edit() and self.allow_edit

    @property
    def can_delete(self):
        return self.may_edit() and self.allow_delete

    allow_create = True
    allow_edit = True
    allow_delete = False

    def get_query(self):
        return scope_query(super().get_query(), self.model, current_user, self.national_data_visible)

    # --- the list's count and search at a million rows (Flask-Admin trap 6) ----------------
    # Flask-Admin counts every list with COUNT(*), which reads the whole table. Here a list
    # is counted exactly up to ``ADMIN_LIST_COUNT_CAP`` rows; a longer one is given the
    # planner's estimate, says so, and has a previous / next pager (CappedCountQuery).
    list_template = "admin/model/capped_list.html"
    list_count_cap = 1_000  # 40 pages: beyond, the magnitude is what a reader needs

    def count_cap(self):
        return current_app.config.get("ADMIN_LIST_COUNT_CAP", self.list_count_cap)

    def get_count_query(self):
        """The list's rows, scoped to the user's region, to count: Flask-Admin adds the
        search and the filters to it as to a count query."""
        query = CappedCountQuery([literal_column("1")], self.session).select_from(self.model)
        query.cap = self.count_cap()
        return scope_query(query, self.model, current_user, self.national_data_visible)

    def get_list(self, page, sort_column, sort_desc, search, filters, execute=True, page_size=None):
        # ?page=99999999999999999999 is a page past the end, not an offset the database refuses.
        page = min(max(page or 0, 0), MAX_PAGE)
        count, rows = super().get_list(page, sort_column, sort_desc, search, filters,
                                       execute=execute, page_size=page_size)
        size = self.page_size if page_size is None else page_size
        if execute and not page and size and len(rows) < size:
            count = len(rows)  # the first page holds them all: exact, whatever was estimated
        elif getattr(count, "estimated", False):
            self._template_args["count_estimate"] = format_decimal(_rounded(count))
            count = None  # unknown: Flask-Admin draws its previous / next pager
        elif count is not None and count > self.count_cap():
            self._template_args["count_more_than"] = format_decimal(self.count_cap())
            count = None
        return count, rows

    def search_clause(self, search):
        """A view's own search, as one SQL condition (indexed), or None for Flask-Admin's
        ``CAST(column AS TEXT) ILIKE '%term%'`` over ``column_searchable_list``, which is
        fine on small tables only."""
        return None

    def _apply_search(self, query, count_query, joins, count_joins, search):
        clause = self.search_clause(search)
        if clause is None:
            return super()._apply_search(query, count_query, joins, count_joins, search)
        if count_query is not None:
            count_query = count_query.filter(clause)
        return query.filter(clause), count_query, joins, count_joins

    def get_one(self, id):
        row = super().get_one(id) if well_formed_key(self.model, id) else None
        if row is None or not (self.national_data_visible or row_visible(row, current_user)):
            return None
        return row

    # Views whose on_model_change writes its own, more specific audit row.
    audits_itself = False

    def _on_model_change(self, form, model, is_created):
        """Every change made through a screen leaves an audit row in the same transaction,
        with each changed field's old and new value (personal data masked: services.audit).

        The form's changes are read before ``on_model_change``, which may flush them (a
        flush turns them into history); what it changes itself is read after it.
        """
        changes = audit.changes(model)
        super()._on_model_change(form, model, is_created)
        if self.audits_itself:
            return
        for field, change in audit.changes(model).items():
            changes[field] = {"old": changes.get(field, change)["old"], "new": change["new"]}
        audit.record(f"{model.__tablename__}.{'create' if is_created else 'update'}",
                     actor=current_user._get_current_object(), obj=model, changes=changes)

    def delete_model(self, model):
        """The audit row keeps what the deleted row held (personal data masked)."""
        audit.record(f"{model.__tablename__}.delete", actor=current_user._get_current_object(), obj=model,
                     values=audit.snapshot(model))
        return super().delete_model(model)

    def _export_data(self):
        """Every CSV export leaves an audit row: the search, the filters and the row count.

        It is committed before the file streams, without expiring the rows read (which
        would reload each of them while the file is written).
        """
        count, data = super()._export_data()
        audit.record(f"{self.model.__tablename__}.export", actor=current_user._get_current_object(),
                     region_code=current_user.region_code, screen=self.endpoint,
                     search=request.args.get("search") or None, filters=self._filters_applied(),
                     rows=len(data))
        session = self.session()
        expire_on_commit, session.expire_on_commit = session.expire_on_commit, False
        try:
            session.commit()
        finally:
            session.expire_on_commit = expire_on_commit
        return count, data

    def _filters_applied(self):
        """The list filters in the URL that apply (as Flask-Admin reads them, without its
        "invalid value" message a second time), named in English whoever exported."""
        applied = []
        with force_locale("en"):
            for arg, value in request.args.items():
                if not arg.startswith("flt") or "_" not in arg:
                    continue
                _idx, flt = (self._filter_args or {}).get(arg[3:].split("_", 1)[1], (None, None))
                if flt is not None and flt.validate(value):
                    applied.append({"filter": str(flt.name), "operation": str(flt.operation()),
                                    "value": value})
        return applied

    def get_export_value(self, model, name):
        return spreadsheet_safe(super().get_export_value(model, name))

    def through_service(self, call):
        """Run a service call and commit: the screens whose rows change only through a
        service use this in ``create_model``/``update_model``/``delete_model``. A refusal
        (DomainError) is rolled back and flashed, and Flask-Admin gets ``False``."""
        with use_case() as outcome:
            result = call()
        if not outcome:
            return False
        return True if result is None else result

    def get_save_return_url(self, model, is_created=False):
        """After a save, the record itself: its details show what it waits for next."""
        record_id = getattr(model, "id", None)
        if self.can_view_details and record_id is not None:
            return self.get_url(".details_view", id=record_id)
        return super().get_save_return_url(model, is_created)

    def requested_row_or_404(self):
        """The row named by ``?id=`` if the user may see it (through ``get_one``), else 404."""
        row = self.get_one(request.args.get("id", ""))
        if row is None:
            abort(404)
        return row

    def _create_ajax_loader(self, name, options):
        loader = super()._create_ajax_loader(name, options)
        return ScopedAjaxLoader(name, self.session, loader.model, **options)

    def create_form(self, obj=None):
        return self._scope_relation_fields(super().create_form(obj))

    def edit_form(self, obj=None):
        return self._scope_relation_fields(super().edit_form(obj))

    def _scope_relation_fields(self, form):
        """Dropdowns of related rows list only rows the user may see."""
        for field in form:
            if isinstance(field, (QuerySelectField, QuerySelectMultipleField)):
                base_query = field.query_factory
                related = base_query().column_descriptions[0]["entity"]
                field.query_factory = (lambda q=base_query, m=related:
                                       scope_query(q(), m, current_user))
        return form

    def handle_view_exception(self, exc):
        """Say what went wrong in the user's language; never show a raw database error."""
        if isinstance(exc, DomainError):
            flash(str(exc), "error")
            return True
        if isinstance(exc, IntegrityError):
            log.warning("integrity error in %s: %s", self.endpoint, exc.orig)
            flash(_("Not saved: this conflicts with data already recorded "
                    "(a duplicate, or a link to a record that does not exist)."), "error")
            return True
        if isinstance(exc, SQLAlchemyError):
            log.exception("database error in %s", self.endpoint)
            flash(_("Not saved: the database could not complete the change. Please try again."),
                  "error")
            return True
        return super().handle_view_exception(exc)


class StaffView(AccessMixin, BaseView):
    """Base for custom (non-model) admin screens."""


class StaffIndexView(AccessMixin, AdminIndexView):
    """The admin home: greets the user by role and region; shows a regional user their
    region's compliance and links the national roles to the table of all regions; then
    the dashboard of cases (services/dashboard.py), scoped like every other screen."""

    @expose("/")
    def index(self):
        from admin.queue import QueueView
        from services import dashboard, inbox
        from services.compliance import MARK_LABELS, region_compliance

        regional = current_user.role_enum.is_regional
        consents = current_user.role in roles_with("appointments_consent")
        return self.render("admin/index.html", role_label=lambda role: ROLE_LABELS.get(role, role),
                           compliance=region_compliance(current_user.region_code) if regional else None,
                           show_national_compliance=not regional, mark_labels=MARK_LABELS,
                           dashboard=dashboard.for_user(current_user),
                           waiting=inbox.for_commissioner() if consents else None,
                           report_period=inbox.period_of,
                           queue_url=url_for("queue.index") if current_user.role in QueueView.roles else None)
