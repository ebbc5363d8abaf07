"""List filters whose choices depend on the request (the user's regions, the language)."""
from flask import current_app
from flask_admin.contrib.sqla.filters import BaseSQLAFilter, FilterEqual
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import DateTime, extract, func, select

from extensions import db
from models import Region


class RequestOptions:
    """Choices computed when the list page is drawn, not when the app starts.

    Flask-Admin evaluates filter options once, at start-up and outside any request;
    it only iterates them per request, which is when this calls ``factory``.
    """

    def __init__(self, factory):
        self.factory = factory

    def __bool__(self):
        return True

    def __iter__(self):
        return iter(self.factory())


def _visible_regions():
    regions = db.session.scalars(select(Region).order_by(Region.code)).all()
    return [(r.code, r.localized_name()) for r in regions if current_user.can_see_region(r.code)]


def region_filter(column):
    """Filter by region, offering only the regions the user may see."""
    return FilterEqual(column, _l("Region"), options=lambda: RequestOptions(_visible_regions))


def choice_filter(column, name, labels):
    """Filter a coded column, offering its translated labels."""
    return FilterEqual(column, name, options=lambda: RequestOptions(lambda: list(labels.items())))


class YearFilter(BaseSQLAFilter):
    """Rows whose date or time column falls in a given year, counted in local time.

    Times are stored in UTC; an appointment proposed on 1 January at 03:00 in Almaty is
    still 31 December in UTC, so the year is taken after converting to the app's zone.
    """

    def apply(self, query, value, alias=None):
        column = self.column
        if isinstance(column.type, DateTime) and column.type.timezone:
            column = func.timezone(current_app.config["BABEL_DEFAULT_TIMEZONE"], column)
        return query.filter(extract("year", column) == int(value))

    def operation(self):
        return _l("equals")

    def validate(self, value):
        # ASCII digits only: "²০২৫".isdigit() is true too, and int() would fail on some.
        return value.isascii() and value.isdigit() and len(value) == 4
