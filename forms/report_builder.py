"""The form of a saved report definition, built for one data set [R8].

The data set is chosen first (a plain link per data set, no JavaScript needed); the form then
offers only the group-by fields, measures and filters of that data set. The lists are only an
aid: ``services.report_builder.validate_definition`` checks whatever is posted.
"""
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import DateField, SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional

from extensions import db
from models import Region
from models.report import CHART_TYPES
from services import report_builder as service

FILTER_PREFIX = "filter_"


def _regions():
    return [(r.code, r.localized_name()) for r in db.session.scalars(select(Region).order_by(Region.code))]


def definition_form_class(base, dataset_key, national):
    """A form class (on ``base``, which carries the CSRF token) for a definition of
    ``dataset_key``; ``national``: the user picks where it is shared and the region filter."""
    fields = {
        "name": StringField(_l("Name"), filters=[lambda v: v.strip() if isinstance(v, str) else v],
                            validators=[InputRequired(), Length(max=service.NAME_MAX)]),
        "group_by": SelectField(_l("Group by"), choices=service.group_by_choices(dataset_key)),
        "group_by_second": SelectField(
            _l("Then group by (optional)"),
            choices=[("", _l("Nothing else"))] + service.group_by_choices(dataset_key)),
        "measure": SelectField(_l("Measure"), choices=service.measure_choices(dataset_key), default="count"),
        "chart": SelectField(_l("Chart"), choices=list(CHART_TYPES.items()), default="bar"),
    }
    regions = _regions() if national else []
    if national:
        fields["region_code"] = SelectField(
            _l("Shared with"), choices=[("", _l("All regions (a national report)"))] + regions,
            description=_l("Who sees the saved report. Every run still shows only the figures of "
                           "the region of the person who runs it."))
    date_label = service.DATASETS[dataset_key].date_label
    fields["date_from"] = DateField(_l("Period from (%(date)s)", date=date_label), validators=[Optional()])
    fields["date_to"] = DateField(_l("Period to (%(date)s)", date=date_label), validators=[Optional()])
    if national:
        fields[FILTER_PREFIX + service.REGION_FILTER] = SelectField(
            _l("Only the region"), choices=[("", _l("All regions"))] + regions)
    for key, field in service.filter_fields(dataset_key):
        fields[FILTER_PREFIX + key] = SelectField(
            _l("Only: %(field)s", field=field.label),
            choices=[("", _l("Any"))] + list(field.labels.items()))

    form_class = type("ReportDefinitionForm", (base,), fields)
    form_class.dataset_key = dataset_key
    form_class.values = _values
    return form_class


def initial_values(definition):
    """What an edit form shows for the stored definition's filters and sharing."""
    filters = definition.filters or {}
    values = {FILTER_PREFIX + key: value for key, value in filters.items()
              if key not in service.PERIOD_FILTERS}
    for key in service.PERIOD_FILTERS:
        values[key] = service.parse_date(filters.get(key))
    values["region_code"] = definition.region_code or ""
    return values


def _values(form):
    """The form's data as ``services.report_builder.create_definition`` takes it."""
    filters = {}
    for key in service.PERIOD_FILTERS:
        if form[key].data:
            filters[key] = form[key].data.isoformat()
    for name in form.data:
        if name.startswith(FILTER_PREFIX) and form[name].data:
            filters[name[len(FILTER_PREFIX):]] = form[name].data
    return {
        "name": form.name.data, "dataset": form.dataset_key, "group_by": form.group_by.data,
        "group_by_second": form.group_by_second.data or None, "measure": form.measure.data,
        "chart": form.chart.data, "filters": filters,
        "region_code": form.region_code.data if "region_code" in form else None,
    }
