"""Region isolation: which rows of a model a user may see.

Regional roles (akimat_admin, ombudsman) see only rows of their own region; national
roles see all. A model belongs to a region through ``region_code`` (or is the Region
itself). A model with neither is national reference data and must be declared so by
its view; nothing is shown to a regional user by accident.
"""
from datetime import date

from sqlalchemy import false, inspect

from models import Region
from request_input import id_from


def region_column(model):
    """The column holding a row's region code, or None for national data."""
    if model is Region:
        return Region.code
    return getattr(model, "region_code", None)


def scope_query(query, model, user, national_data_visible=False):
    """Restrict ``query`` over ``model`` to what ``user`` may see."""
    if user.sees_all_regions():
        return query
    column = region_column(model)
    if column is None:
        return query if national_data_visible else query.filter(false())
    return query.filter(column == user.region_code)




def well_formed_key(model, value):
    """Whether ``value`` can be ``model``'s primary key at all: ``?id=abc`` or an id beyond
    the integer range is "no such row", to be answered without asking the database."""
    kind = inspect(model).primary_key[0].type.python_type
    try:
        if kind is int:
            return id_from(value) is not None
        if kind is date:
            return bool(date.fromisoformat(str(value)))
    except ValueError:
        return False
    return isinstance(value, str)


def row_visible(row, user):
    """True when ``user`` may see this loaded row."""
    if row is None or user.sees_all_regions():
        return row is not None
    column = region_column(type(row))
    return column is not None and getattr(row, column.key) == user.region_code
