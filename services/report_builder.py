"""The report builder: reports staff build and save without code, each run as ONE aggregate query.

A saved ``ReportDefinition`` names a data set, up to two group-by fields, a measure, a chart
and filters. Everything a definition may name is in the whitelist below (``DATASETS``): the
data sets (cases, checklist items and every registry, read from its spec in
``models.registry_specs``), their main date (the period filter and the "month" and "year"
group-bys), the fields one may group and filter by with the labels of their values, and the
measures defined for them. A run turns the definition into SQLAlchemy
expressions taken from that whitelist only (never SQL text built from strings) and lets Postgres
aggregate: ``GROUP BY CUBE`` gives the cells, the subtotals of each field and the grand total in
the same statement, and no row of the data set is ever loaded into Python. Grouping cases by
category unnests the category array; the totals that do not group by category are computed
beside it, on the cases themselves, so a case with two categories is counted once in them.

Region isolation [R3] (transparency, but least privilege) is applied inside the run from the
user who runs it, whatever the definition says: a regional user (akimat administrator,
ombudsman) only ever aggregates their own region's rows, even with a national definition or
one whose filters name another region; the national roles see all regions. The reports feed
the half-year reporting of the ombudsman [R8].

Measures:

- ``count``: rows of the data set (cases, items, records), everywhere;
- ``median_days``: cases, days from receipt to the answer (local dates); document requests,
  from ``sent_on`` to ``answered_on``; rows not answered yet are not counted;
- ``share_on_time`` (0..1): cases answered by their deadline (the local date of the answer on
  or before the extended deadline, else the deadline); checklist items done by their due time;
  document requests answered by ``answer_due``. Only rows answered (done) and having a
  deadline are counted; those still open show in the work queue and the compliance page.
"""
from dataclasses import dataclass, field as dataclass_field
from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import (Integer, String, and_, case, cast, func, literal, null, select,
                        union_all)

from models.capabilities import roles_with
from extensions import db
from models import ChecklistItem, Region, ReportDefinition
from models.base import utcnow
from models.case import CASE_STATE_LABELS, CATEGORIES, CHANNELS, KINDS, OUTCOMES, RESPONSIBLE, Case
from models.checklist import ITEM_STATES, RULE_LABELS
from models.registry_specs import REGISTRY_SPECS
from models.report import CHART_TYPES, MEASURES
from services import audit
from services.deadlines import KZ_TZ, answered_on_time, deadline_column, local_day
from core.errors import InvalidInput, PermissionDenied

NAME_MAX = 200
# The filters every data set has besides its choice fields.
PERIOD_FILTERS = ("date_from", "date_to")
REGION_FILTER = "region"
YES_NO = {"true": _l("Yes"), "false": _l("No")}


# --- the whitelist ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Field:
    """A field one may group (and, for coded values, filter) by.

    ``kind``: "choice" (a coded column, labels from ``labels``), "bool" (yes/no), "region",
    "month" (YYYY-MM of the main date) or "year". ``array``: the column is a Postgres ARRAY
    (grouping unnests it; a filter matches any element).
    """

    label: object
    expression: object
    kind: str = "choice"
    labels: dict = dataclass_field(default_factory=dict)
    array: bool = False

    @property
    def filterable(self):
        return self.kind in ("choice", "bool")

    def group_expression(self):
        """The per-row group key, as text."""
        if self.array:
            return func.unnest(self.expression)
        if self.kind == "month":
            return func.to_char(self.expression, "YYYY-MM")
        if self.kind == "year":
            return func.to_char(self.expression, "YYYY")
        return cast(self.expression, String)

    def filter_condition(self, value):
        if self.array:
            return self.expression.any(value)
        if self.kind == "bool":
            return self.expression.is_(value == "true")
        return self.expression == value

    def valid_value(self, value):
        return isinstance(value, str) and value in self.labels


@dataclass(frozen=True)
class Measure:
    """A measure computed on ``value``: days (median) or an on-time flag 1/0 (average);
    NULL where the row does not count (not answered yet, no deadline)."""

    kind: str
    value: object = None


@dataclass(frozen=True)
class Dataset:
    key: str
    label: object
    model: type
    date: object  # the main date (a local date for stored times)
    date_label: object
    fields: dict
    region_model: type  # whose region_code scopes the rows (joined when not the model)
    measures: dict
    joins: tuple = ()
    # The stored time behind ``date`` when it is one: the period then compares it with the
    # local midnights (an index on the time serves it).
    stamp: object = None
    # Rows some roles must not count: user -> condition or None.
    hidden: object = None

    @property
    def region_column(self):
        return self.region_model.region_code

    def filter_keys(self):
        keys = list(PERIOD_FILTERS) + [REGION_FILTER]
        return keys + [key for key, f in self.fields.items() if f.filterable]


def _region(column):
    return Field(_l("Region"), column, kind="region")


def _month(column, label=_l("Month")):
    return Field(label, column, kind="month")


def _year(column, label=_l("Year")):
    return Field(label, column, kind="year")


def _choice(label, column, labels, array=False):
    return Field(label, column, labels=labels, array=array)


def _yes_no(label, column):
    return Field(label, column, kind="bool", labels=YES_NO)


def _days(start, end):
    """Whole days from ``start`` to ``end`` (dates); NULL while ``end`` is empty."""
    return end - start


def _on_time(done, deadline, on_time):
    """1 when done on time, 0 when done late, NULL when not done or without a deadline."""
    return case((and_(done.is_not(None), deadline.is_not(None)), case((on_time, 1), else_=0)),
                else_=null())


def _cases():
    received = local_day(Case.received_at)
    answered = local_day(Case.answered_at)
    return Dataset(
        key="cases", label=_l("Cases"), model=Case, date=received, date_label=_l("Received"),
        stamp=Case.received_at, region_model=Case,
        fields={
            "region": _region(Case.region_code),
            "state": _choice(_l("State"), Case.state, CASE_STATE_LABELS),
            "kind": _choice(_l("Kind"), Case.kind, KINDS),
            "category": _choice(_l("Category"), Case.categories, CATEGORIES, array=True),
            "channel": _choice(_l("Channel"), Case.channel, CHANNELS),
            "responsible": _choice(_l("Who is responsible"), Case.responsible, RESPONSIBLE),
            "outcome": _choice(_l("Outcome"), Case.outcome, OUTCOMES),
            "month": _month(received, _l("Month received")),
            "year": _year(received, _l("Year received")),
        },
        measures={
            "count": Measure("count"),
            "median_days": Measure("days", _days(received, answered)),
            "share_on_time": Measure("percent", _on_time(Case.answered_at, deadline_column(),
                                                         answered_on_time())),
        },
    )


def _checklist_items():
    due = local_day(ChecklistItem.due_at)
    return Dataset(
        key="checklist_items", label=_l("Checklist items"), model=ChecklistItem, date=due,
        date_label=_l("Due"), stamp=ChecklistItem.due_at, region_model=Case,
        joins=((Case, ChecklistItem.case_id == Case.id),),
        fields={
            "rule": _choice(_l("Rule"), ChecklistItem.rule, RULE_LABELS),
            "status": _choice(_l("Status"), ChecklistItem.status, ITEM_STATES),
            "region": _region(Case.region_code),
            "month": _month(due, _l("Month due")),
            "year": _year(due, _l("Year due")),
        },
        measures={
            "count": Measure("count"),
            "share_on_time": Measure("percent", _on_time(ChecklistItem.done_at, ChecklistItem.due_at,
                                                         ChecklistItem.done_at <= ChecklistItem.due_at)),
        },
    )


def _registry(spec):
    """A registry's data set, from its spec: its coded and yes/no columns to group by, its
    answer times (if any) to measure, its closed rows hidden from the roles not to see them."""
    model, main_date = spec.model, spec.date_column
    fields = {column: _choice(spec.labels[column], getattr(model, column), catalogue)
              for column, catalogue in spec.choices.items()}
    fields.update({column: _yes_no(spec.labels[column], getattr(model, column)) for column in spec.flags})
    measures = {"count": Measure("count")}
    if spec.turnaround is not None:
        start, done, due = (getattr(model, column) for column in
                            (spec.turnaround.start, spec.turnaround.done, spec.turnaround.due))
        measures["median_days"] = Measure("days", _days(start, done))
        measures["share_on_time"] = Measure("percent", _on_time(done, due, done <= due))
    return Dataset(
        key=spec.table, label=spec.label, model=model, date=main_date, date_label=spec.date_label,
        region_model=model, hidden=(lambda user: spec.visible_to(user.role)) if spec.closed else None,
        fields={"region": _region(spec.region_column), **fields,
                "month": _month(main_date), "year": _year(main_date)},
        measures=measures,
    )


DATASETS = {d.key: d for d in (_cases(), _checklist_items(), *(_registry(spec) for spec in REGISTRY_SPECS))}


def dataset_choices():
    return [(key, d.label) for key, d in DATASETS.items()]


def group_by_choices(dataset_key):
    return [(key, f.label) for key, f in DATASETS[dataset_key].fields.items()]


def measure_choices(dataset_key):
    return [(key, MEASURES[key]) for key in DATASETS[dataset_key].measures]


def filter_fields(dataset_key):
    """The choice fields of a data set one may filter by: (key, field)."""
    return [(key, f) for key, f in DATASETS[dataset_key].fields.items() if f.filterable]


# --- validation ---------------------------------------------------------------------------------

def parse_date(value):
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def validate_definition(definition):
    """Check what a definition names against the whitelist; raise ``InvalidInput``.

    ``definition`` is a ``ReportDefinition`` (saved or not) or any object with its attributes.
    """
    name = (definition.name or "").strip()
    if not name or len(name) > NAME_MAX:
        raise InvalidInput(_l("Give the report a name of 1 to %(n)s characters.", n=NAME_MAX))
    dataset = DATASETS.get(definition.dataset)
    if dataset is None:
        raise InvalidInput(_l("Choose a data set from the list."))
    if definition.group_by not in dataset.fields:
        raise InvalidInput(_l("“%(field)s” cannot be grouped by in %(dataset)s.",
                              field=definition.group_by or "", dataset=dataset.label))
    second = definition.group_by_second
    if second:
        if second not in dataset.fields:
            raise InvalidInput(_l("“%(field)s” cannot be grouped by in %(dataset)s.",
                                  field=second, dataset=dataset.label))
        if second == definition.group_by:
            raise InvalidInput(_l("Group by two different fields, or leave the second one empty."))
    if definition.measure not in dataset.measures:
        raise InvalidInput(_l("The measure “%(measure)s” is not defined for %(dataset)s.",
                              measure=MEASURES.get(definition.measure, definition.measure or ""),
                              dataset=dataset.label))
    if definition.chart not in CHART_TYPES:
        raise InvalidInput(_l("Choose a chart from the list."))
    _validate_filters(dataset, definition.filters)


def _validate_filters(dataset, filters):
    if filters is None:
        return
    if not isinstance(filters, dict):
        raise InvalidInput(_l("The filters of the report are not readable."))
    allowed = dataset.filter_keys()
    for key, value in filters.items():
        if key not in allowed:
            raise InvalidInput(_l("“%(filter)s” is not a filter of %(dataset)s.", filter=key,
                                  dataset=dataset.label))
        if key in PERIOD_FILTERS:
            if parse_date(value) is None:
                raise InvalidInput(_l("Write the dates of the period as YYYY-MM-DD."))
        elif key == REGION_FILTER:
            if not isinstance(value, str) or db.session.get(Region, value) is None:
                raise InvalidInput(_l("Choose a region from the list."))
        elif not dataset.fields[key].valid_value(value):
            raise InvalidInput(_l("Choose a value of “%(filter)s” from the list.",
                                  filter=dataset.fields[key].label))
    start, end = parse_date(filters.get("date_from")), parse_date(filters.get("date_to"))
    if start and end and start > end:
        raise InvalidInput(_l("The period ends before it starts."))


# --- saving -------------------------------------------------------------------------------------

# Who saves definitions: every staff role but the Committee, which only reads (PRODUCT.md).
AUTHOR_ROLES = roles_with("reports_build")


def may_change(user, definition):
    """The national offices change any definition; regional users those of their region
    only (a national definition is read-only for them); the Committee none."""
    if user.role not in AUTHOR_ROLES:
        return False
    if user.sees_all_regions():
        return True
    return definition.region_code is not None and definition.region_code == user.region_code


def visible(user, definition):
    """A definition is seen in its region and, when national, everywhere."""
    return (definition is not None and (user.sees_all_regions() or definition.region_code is None
                                        or definition.region_code == user.region_code))


def _clean_filters(user, filters):
    """Empty values dropped; a regional user's region filter too (their runs are their region)."""
    cleaned = {k: v for k, v in (filters or {}).items() if v not in (None, "")}
    if not user.sees_all_regions():
        cleaned.pop(REGION_FILTER, None)
    return cleaned


def _sharing_region(user, region_code):
    """Where a definition is shared: a regional user's own region, whatever was sent; for the
    national roles the region chosen, or nationally (None)."""
    if not user.sees_all_regions():
        return user.region_code
    if region_code in (None, ""):
        return None
    if db.session.get(Region, region_code) is None:
        raise InvalidInput(_l("Choose a region from the list."))
    return region_code


def _apply(user, definition, values):
    definition.name = (values.get("name") or "").strip()
    definition.dataset = values.get("dataset")
    definition.group_by = values.get("group_by")
    definition.group_by_second = values.get("group_by_second") or None
    definition.measure = values.get("measure") or "count"
    definition.chart = values.get("chart") or "bar"
    definition.filters = _clean_filters(user, values.get("filters"))
    validate_definition(definition)


def create_definition(user, values):
    """Save a new definition, shared in the user's region (or as a national one chooses)."""
    if user.role not in AUTHOR_ROLES:
        raise PermissionDenied(_l("The Committee reads reports; it does not save them."))
    definition = ReportDefinition(owner_id=user.id)
    _apply(user, definition, values)
    definition.region_code = _sharing_region(user, values.get("region_code"))
    db.session.add(definition)
    db.session.flush()
    audit.record("report_definition.create", actor=user, obj=definition, dataset=definition.dataset)
    return definition


def update_definition(user, definition, values):
    if not may_change(user, definition):
        raise PermissionDenied(_l("Only the national offices change a national report."))
    with db.session.no_autoflush:
        _apply(user, definition, values)
        if user.sees_all_regions():
            definition.region_code = _sharing_region(user, values.get("region_code"))
    definition.updated_at = utcnow()
    diff = audit.changes(definition)
    db.session.flush()
    audit.record("report_definition.update", actor=user, obj=definition, dataset=definition.dataset,
                 changes=diff)
    return definition


def delete_definition(user, definition):
    if not may_change(user, definition):
        raise PermissionDenied(_l("Only the national offices delete a national report."))
    audit.record("report_definition.delete", actor=user, obj=definition)
    db.session.delete(definition)
    db.session.flush()


# --- running ------------------------------------------------------------------------------------

def _conditions(dataset, filters, user):
    """The WHERE of a run: the period, the choice filters, and the region (a national user's
    filter; a regional user's region is added by ``scope_query`` whatever the filter says)."""
    conditions = []
    start, end = parse_date(filters.get("date_from")), parse_date(filters.get("date_to"))
    if dataset.stamp is not None:  # from the local midnight starting the period to the one after it
        if start:
            conditions.append(dataset.stamp >= datetime.combine(start, time.min, KZ_TZ))
        if end:
            conditions.append(dataset.stamp < datetime.combine(end + timedelta(days=1), time.min, KZ_TZ))
    else:
        if start:
            conditions.append(dataset.date >= start)
        if end:
            conditions.append(dataset.date <= end)
    region = filters.get(REGION_FILTER)
    if region and user.sees_all_regions():
        conditions.append(dataset.region_column == region)
    for key, f in dataset.fields.items():
        if f.filterable and key in filters:
            conditions.append(f.filter_condition(filters[key]))
    if dataset.hidden is not None:
        hidden = dataset.hidden(user)
        if hidden is not None:
            conditions.append(hidden)
    return conditions


def _rows(dataset, fields, measure, filters, user, unnest=True):
    """The per-row subquery: the primary key, one text key per group-by field, the measure's
    value. ``unnest=False`` leaves array fields out (for the totals that do not group by them)."""
    columns = [dataset.model.id.label("pk")]
    for number, f in enumerate(fields):
        if f.array and not unnest:
            continue
        columns.append(f.group_expression().label(f"k{number}"))
    if measure.value is not None:
        columns.append(measure.value.label("v"))
    query = select(*columns).select_from(dataset.model)
    for target, onclause in dataset.joins:
        query = query.join(target, onclause)
    query = query.where(*_conditions(dataset, filters, user))
    return scoped(query, dataset, user).subquery()


def scoped(query, dataset, user):
    """The rows ``user`` may aggregate: their region's, or all for the national roles [R3].

    The rule of ``admin.scoping.scope_query``, on the data set's region column (a checklist
    item's region is its case's); written here because a service does not import the admin.
    """
    if user.sees_all_regions():
        return query
    return query.where(dataset.region_column == user.region_code)


def _aggregate(measure, rows):
    if measure.kind == "days":
        return func.percentile_cont(0.5).within_group(rows.c.v)
    if measure.kind == "percent":
        return func.avg(rows.c.v)
    return func.count(rows.c.pk)


def _grouped(rows, positions, measure, width, keep=None):
    """SELECT k0, k1, grouping flags, the measure FROM rows GROUP BY CUBE(the keys present).

    ``positions``: the group-by numbers present in ``rows``; absent ones give NULL keys with a
    grouping flag of 1 (a total over them). ``keep``: a number whose grouping flag must be 0.
    """
    keys, flags = [], []
    for number in range(width):
        if number in positions:
            keys.append(rows.c[f"k{number}"])
            flags.append(func.grouping(rows.c[f"k{number}"]))
        else:
            keys.append(cast(null(), String))
            flags.append(literal(1, Integer))
    query = select(*[k.label(f"k{n}") for n, k in enumerate(keys)],
                   *[g.label(f"g{n}") for n, g in enumerate(flags)],
                   _aggregate(measure, rows).label("value")).select_from(rows)
    present = [rows.c[f"k{n}"] for n in positions]
    if present:
        query = query.group_by(func.cube(*present))
    if keep is not None:
        query = query.having(func.grouping(rows.c[f"k{keep}"]) == 0)
    return query


def build_query(dataset, fields, measure, filters, user):
    """The one aggregate statement of a run: cells, subtotals and the grand total."""
    width = len(fields)
    array = next((n for n, f in enumerate(fields) if f.array), None)
    everything = _rows(dataset, fields, measure, filters, user)
    if array is None:
        return _grouped(everything, range(width), measure, width)
    # Grouped by an array field: its groups from the unnested rows, the other totals from the
    # rows themselves (a case with two categories is one case in them).
    others = _rows(dataset, fields, measure, filters, user, unnest=False)
    return union_all(
        _grouped(everything, range(width), measure, width, keep=array),
        _grouped(others, [n for n in range(width) if n != array], measure, width),
    )


def _region_names():
    return {region.code: region.localized_name() for region in db.session.scalars(select(Region))}


def _value_label(f, value, regions):
    if value is None:
        return _("Not set")
    if f.kind == "region":
        return regions.get(value, value)
    if f.kind in ("choice", "bool"):
        return str(f.labels.get(value, value))
    return value


def _order(f, values):
    """Group values in a reading order: as the labels are listed, regions by code, dates in
    time; "not set" last."""
    order = {key: number for number, key in enumerate(f.labels)}
    return sorted(values, key=lambda v: (v is None, order.get(v, len(order)), v or ""))


def _number(measure, value):
    if value is None:
        return 0 if measure.kind == "count" else None
    if measure.kind == "count":
        return int(value)
    return round(float(value), 4) if measure.kind == "percent" else round(float(value), 1)


def run_definition(definition, user):
    """Run a definition for ``user``: the figures of their region (all, for national roles).

    Returns a plain structure: ``columns`` ({label, kind}), ``rows`` (group labels then the
    value), ``totals`` ({"overall", "first": [...], "second": [...] or None}), ``first`` and
    ``second`` (the group-by fields: label and the labels of their values, in order),
    ``matrix`` (value per first × second value), and the description of the run.
    """
    validate_definition(definition)
    dataset = DATASETS[definition.dataset]
    measure = dataset.measures[definition.measure]
    keys = [definition.group_by] + ([definition.group_by_second] if definition.group_by_second else [])
    fields = [dataset.fields[k] for k in keys]
    filters = dict(definition.filters or {})
    query = build_query(dataset, fields, measure, filters, user)

    cells, first_totals, second_totals, overall = {}, {}, {}, None
    for row in db.session.execute(query).mappings():
        flags = [row[f"g{n}"] for n in range(len(fields))]
        key = tuple(row[f"k{n}"] for n in range(len(fields)))
        if not any(flags):
            cells[key] = row["value"]
        elif all(flags):
            overall = row["value"]
        elif flags[0] == 0:
            first_totals[key[0]] = row["value"]
        else:
            second_totals[key[1]] = row["value"]

    regions = _region_names()
    first_values = _order(fields[0], {k[0] for k in cells} | set(first_totals))
    first_labels = [_value_label(fields[0], v, regions) for v in first_values]
    kind = measure.kind  # count, days or percent (a share 0..1)
    measure_label = str(MEASURES[definition.measure])
    columns = [{"label": str(fields[0].label), "kind": "text"}]
    result = {
        "title": definition.name, "dataset": dataset.key, "dataset_label": str(dataset.label),
        "measure": definition.measure, "measure_label": measure_label, "kind": kind,
        "unit": {"count": None, "days": "days", "percent": "percent"}[kind],
        "chart": definition.chart, "scope": _scope_label(user, filters, regions),
        "period": _period_label(dataset, filters), "filters": _filter_labels(dataset, filters),
        "first": {"label": str(fields[0].label), "values": first_labels},
    }
    if len(fields) == 1:
        columns.append({"label": measure_label, "kind": kind})
        rows = [[label, _number(measure, cells.get((v,)))] for v, label in zip(first_values, first_labels)]
        result.update(second=None, matrix=[[row[1]] for row in rows], columns=columns, rows=rows,
                      totals={"overall": _number(measure, overall),
                              "first": [row[1] for row in rows], "second": None})
        return result
    second_values = _order(fields[1], {k[1] for k in cells} | set(second_totals))
    second_labels = [_value_label(fields[1], v, regions) for v in second_values]
    columns += [{"label": str(fields[1].label), "kind": "text"}, {"label": measure_label, "kind": kind}]
    matrix = [[_number(measure, cells.get((a, b))) for b in second_values] for a in first_values]
    rows = [[first_labels[i], second_labels[j], _number(measure, cells[(a, b)])]
            for i, a in enumerate(first_values) for j, b in enumerate(second_values) if (a, b) in cells]
    result.update(
        second={"label": str(fields[1].label), "values": second_labels}, matrix=matrix,
        columns=columns, rows=rows,
        totals={"overall": _number(measure, overall),
                "first": [_number(measure, first_totals.get(v)) for v in first_values],
                "second": [_number(measure, second_totals.get(v)) for v in second_values]})
    return result


def _scope_label(user, filters, regions):
    if not user.sees_all_regions():
        return regions.get(user.region_code, user.region_code)
    region = filters.get(REGION_FILTER)
    return regions.get(region, region) if region else _("All regions")


def _period_label(dataset, filters):
    start, end = filters.get("date_from"), filters.get("date_to")
    if not (start or end):
        return _("All dates")
    return _("%(date)s from %(start)s to %(end)s", date=dataset.date_label, start=start or "…",
             end=end or "…")


def _filter_labels(dataset, filters):
    return [(str(f.label), str(f.labels.get(filters[key], filters[key])))
            for key, f in dataset.fields.items() if f.filterable and key in filters]


def describe_filters(dataset, filters):
    """Every filter of a definition as (label, value) to show: period, region, choices."""
    filters = filters or {}
    described = []
    if filters.get("date_from") or filters.get("date_to"):
        described.append((_("Period"), _period_label(dataset, filters)))
    region = filters.get(REGION_FILTER)
    if region:
        described.append((_("Region"), _region_names().get(region, region)))
    return described + _filter_labels(dataset, filters)


def record_run(user, definition, action="report_definition.run", **data):
    """The audit row of a run or a download: which definition, by whom, on which region."""
    region = None if user.sees_all_regions() else user.region_code
    return audit.record(action, actor=user, obj=definition, region_code=region, **data)


# --- presenting ---------------------------------------------------------------------------------

def chart_data(result):
    """(labels, series) for ``core.charts``: one series, or one per value of the second field."""
    labels = result["first"]["values"]
    if result["second"] is None:
        return labels, {result["measure_label"]: [row[0] for row in result["matrix"]]}
    return labels, {name: [row[j] for row in result["matrix"]]
                    for j, name in enumerate(result["second"]["values"])}


def table(result):
    """The run as one table (columns, rows), the totals last: a list for one group-by, a cross
    table (first field down, second across) for two."""
    kind, total = result["kind"], _("Total")
    if result["second"] is None:
        columns = [{"label": result["first"]["label"], "kind": "text"},
                   {"label": result["measure_label"], "kind": kind}]
        rows = [list(row) for row in result["rows"]] + [[total, result["totals"]["overall"]]]
        return {"columns": columns, "rows": rows}
    columns = ([{"label": f"{result['first']['label']} \\ {result['second']['label']}", "kind": "text"}]
               + [{"label": label, "kind": kind} for label in result["second"]["values"]]
               + [{"label": total, "kind": kind}])
    rows = [[label, *values, result["totals"]["first"][i]]
            for i, (label, values) in enumerate(zip(result["first"]["values"], result["matrix"]))]
    rows.append([total, *result["totals"]["second"], result["totals"]["overall"]])
    return {"columns": columns, "rows": rows}


def report_file(result):
    """The run in the shape ``services.report_files.xlsx_bytes`` writes."""
    details = [result["dataset_label"], result["measure_label"], result["scope"], result["period"]]
    details += [f"{label}: {value}" for label, value in result["filters"]]
    return {"title": result["title"], "subtitle": "; ".join(details),
            "sections": [{"title": result["dataset_label"],
                          "tables": [{"title": None, **table(result)}]}]}
