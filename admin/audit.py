"""Audit log screen (PRODUCT.md, "Trust"): superadmins and the Commissioner's office read
who did what and when; nobody changes anything here (the database refuses it anyway).

The table grows to millions of rows, so every filter and the default order (newest
first) read from an index of ``models.audit`` (a filter's first page is a short index
scan), search is an exact object id rather than Flask-Admin's ``ILIKE '%…%'``, and
sorting is offered on the time only; the list's count is the base view's capped one.

Every row reads in words, in the page's language ([R3] transparency): the action, the
object and its number, the region's name, the details with states, coded values and dates
as the screens show them (``services.audit_words``), personal data still masked as
``services.audit`` masked it. The stored codes and JSON stay one click away, behind a
"Stored data" toggle; the CSV export keeps them as stored.

Above the list, the daily checksums e-mailed to the Commissioner's office
(``services.audit_chain``): the office compares them with the e-mails it keeps.
"""
import json
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, g
from flask_admin.contrib.sqla.filters import BaseSQLAFilter, FilterEqual
from flask_babel import format_datetime, gettext, to_user_timezone
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import false, select

from models.capabilities import roles_with
from admin.base import SecureModelView
from admin.filters import region_filter
from extensions import db
from models import AuditEvent, Region, User
from services import audit_chain, audit_words

# The stored JSON behind a list row's toggle is cut this long (the details page has it all).
LIST_DATA_CHARS = 2000


def _compact(data):
    return json.dumps(data or {}, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _at(view, context, model, name):
    """Local time (Asia/Almaty) to the second."""
    return format_datetime(model.at, "medium")


def _actor(view, context, model, name):
    return model.actor.email if model.actor is not None else "—"


def _action(view, context, model, name):
    """The action in words [R3]; its code is behind the row's "Stored data" toggle."""
    return audit_words.action_label(model.action) or audit_words.OTHER_ACTION


def _object(view, context, model, name):
    """What the action was done to, in words, with its number."""
    if model.object_type is None:
        return "—"
    label = audit_words.object_label(model.object_type) or audit_words.OTHER_OBJECT
    return f"{label} № {model.object_id}" if model.object_id else label


def _region(view, context, model, name):
    return view.words().regions.get(model.region_code, model.region_code) if model.region_code else "—"


def _data_in_list(view, context, model, name):
    """A summary in words, then the stored codes and JSON (cut short) behind a toggle."""
    text = _compact(model.data)
    if len(text) > LIST_DATA_CHARS:
        text = text[:LIST_DATA_CHARS] + "…"
    return _described(view, model, short=True) + _stored(model, Markup('<code class="text-break">{}</code>'),
                                                          text)


def _data_in_details(view, context, model, name):
    text = json.dumps(model.data or {}, ensure_ascii=False, sort_keys=True, indent=2)
    return _described(view, model, short=False) + _stored(model, Markup('<pre class="mb-0">{}</pre>'), text)


def _described(view, model, short):
    """The details in words (``audit_words.describe``); ``Markup.format`` escapes every
    value (the data holds typed-in text)."""
    items = Markup("").join(_line_html(line) for line in audit_words.describe(model, view.words(), short))
    return Markup('<ul class="list-unstyled small mb-1" data-testid="audit-words">{}</ul>').format(items) \
        if items else Markup("")


def _line_html(line):
    if "text" in line:
        return Markup('<li><span class="text-muted">{}:</span> {}</li>').format(line["label"], line["text"])
    rows = Markup("").join(_row_html(*row) for row in line.get("rows", ()))
    if line.get("more"):
        rows += Markup("<li>{}</li>").format(gettext("and %(n)s more", n=line["more"]))
    if "rows" not in line:
        return rows
    return Markup('<li><span class="text-muted">{}:</span><ul class="mb-0 pl-3">{}</ul></li>').format(
        line["label"], rows)


def _row_html(label, value, new):
    if new is None:
        return Markup("<li>{}: {}</li>").format(label, value)
    return Markup('<li>{}: {} <span aria-hidden="true">→</span><span class="sr-only">{}</span> {}</li>').format(
        label, value, gettext("changed to"), new)


def _stored(model, wrapper, text):
    """The action's code, the object's table and the JSON as stored, behind a toggle."""
    codes = " ".join(filter(None, (model.action, model.object_type)))
    return Markup('<details class="small" data-testid="audit-stored"><summary>{}</summary>'
                  '<code>{}</code>{}</details>').format(gettext("Stored data"), codes, wrapper.format(text))


def _at_export(view, context, model, name):
    """ISO 8601 with the local offset: unambiguous in a spreadsheet and a script."""
    return to_user_timezone(model.at).isoformat(timespec="seconds")


def _actor_export(view, context, model, name):
    return model.actor.email if model.actor is not None else ""


def _data_export(view, context, model, name):
    return _compact(model.data)


def _local_day_start(day):
    """The instant a local (Asia/Almaty) day starts. (Not with Babel's pytz zone: as a
    ``tzinfo`` it gives the local mean time used before 1924, +05:08.)"""
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"]))


def _parse_day(value):
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None


class _DayFilter(BaseSQLAFilter):
    """A local day given as YYYY-MM-DD; an invalid value is ignored with a message."""

    def validate(self, value):
        return _parse_day(value) is not None

    def clean(self, value):
        return _parse_day(value)


class FromDayFilter(_DayFilter):
    def apply(self, query, value, alias=None):
        return query.filter(self.column >= _local_day_start(value))

    def operation(self):
        return _l("from (YYYY-MM-DD)")


class ToDayFilter(_DayFilter):
    """Up to and including the given day."""

    def apply(self, query, value, alias=None):
        return query.filter(self.column < _local_day_start(value + timedelta(days=1)))

    def operation(self):
        return _l("to (YYYY-MM-DD)")


class ActorEmailFilter(BaseSQLAFilter):
    """Whose e-mail contains the text.

    The users table is small: their ids are looked up first and the log is filtered by
    those values, which the planner reads from the actor index even for someone with
    five rows among millions (with a subquery it would walk the whole time index).
    """

    def clean(self, value):
        pattern = "%" + _escape_like(value.strip()) + "%"
        return db.session.scalars(select(User.id).where(User.email.ilike(pattern, escape="\\"))).all()

    def apply(self, query, value, alias=None):
        return query.filter(self.column.in_(value) if value else false())

    def operation(self):
        return _l("e-mail contains")


class PrefixFilter(BaseSQLAFilter):
    """Starts with the text: ``case.`` finds every step of every case."""

    def apply(self, query, value, alias=None):
        return query.filter(self.column.like(_escape_like(value.strip()) + "%", escape="\\"))

    def operation(self):
        return _l("starts with")


def _escape_like(text):
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class AuditView(SecureModelView):
    roles = roles_with("audit_log")
    edit_roles = frozenset()
    allow_create = allow_edit = allow_delete = False
    can_export = True
    export_types = ["csv"]
    # A file of at most this many rows (newest first): narrow the dates for more.
    export_max_rows = 50_000

    column_list = ("at", "actor", "action", "object_type", "region_code", "ip_address", "data")
    column_details_list = ("id", *column_list, "seq", "hash")
    column_export_list = ("at", "actor", "action", "object_type", "object_id", "region_code", "ip_address",
                          "data")
    column_default_sort = [("at", True), ("id", True)]
    column_sortable_list = ("at",)
    column_searchable_list = ("object_id",)
    column_labels = {
        "id": _l("Entry number"), "at": _l("Time"), "actor": _l("Who"), "action": _l("Action"),
        "object_type": _l("Object"), "object_id": _l("Object id"), "region_code": _l("Region"),
        "ip_address": _l("IP address"), "data": _l("Details"), "seq": _l("Place in the chain"),
        "hash": _l("Checksum"),
    }
    column_formatters = {"at": _at, "actor": _actor, "action": _action, "object_type": _object,
                         "region_code": _region, "data": _data_in_list}
    column_formatters_detail = {**column_formatters, "data": _data_in_details}
    column_formatters_export = {"at": _at_export, "actor": _actor_export, "data": _data_export}
    column_filters = (
        FromDayFilter(AuditEvent.at, _l("Time")),
        ToDayFilter(AuditEvent.at, _l("Time")),
        ActorEmailFilter(AuditEvent.actor_id, _l("Who")),
        FilterEqual(AuditEvent.action, _l("Action")),
        PrefixFilter(AuditEvent.action, _l("Action")),
        FilterEqual(AuditEvent.object_type, _l("Object type")),
        region_filter(AuditEvent.region_code),
    )

    list_template = "admin/audit_list.html"

    def __init__(self, model=AuditEvent, session=None, **kwargs):
        super().__init__(model, session, **kwargs)

    def search_clause(self, search):
        """The object id, exactly (an index lookup, not ``ILIKE '%…%'`` over every row)."""
        return AuditEvent.object_id == search.strip()

    def words(self):
        """What the screens call regions, columns and screens, for ``audit_words.describe``:
        gathered once per request (the region names are in the page's language)."""
        if "audit_words" not in g:
            fields, screens = _screen_words(self.admin)
            regions = {region.code: region.localized_name() for region in db.session.scalars(select(Region))}
            g.audit_words = audit_words.Words(regions=regions, fields=fields, screens=screens)
        return g.audit_words

    def sent_checksums(self):
        """The last daily checksums sent, for the list page (admin/audit_list.html)."""
        return audit_chain.recent_heads()


def _screen_words(admin):
    """Each table's column labels and each screen's name, read from the admin's own views
    (one declaration, many readers); a case's facts as its timeline names them."""
    from admin.case_workflow import FACT_LABELS

    fields, screens = {"cases": {name: label for name, (label, _) in FACT_LABELS.items()}}, {}
    for view in admin._views:
        screens[view.endpoint] = view.name
        table = getattr(getattr(view, "model", None), "__tablename__", None)
        if table:
            fields.setdefault(table, {}).update(getattr(view, "column_labels", None) or {})
    return fields, screens
