"""Column formatters shared by admin screens: local time, labels, escaped text."""
from datetime import date, datetime

from flask_admin.model import typefmt
from flask_babel import format_date, format_datetime


def _local_datetime(view, value, name):
    """Stored in UTC, shown in Asia/Almaty in the reader's locale."""
    return format_datetime(value, "short")


def _local_date(view, value, name):
    return format_date(value, "medium")


TYPE_FORMATTERS = dict(typefmt.BASE_FORMATTERS)
TYPE_FORMATTERS.update({datetime: _local_datetime, date: _local_date})
EXPORT_TYPE_FORMATTERS = dict(typefmt.EXPORT_FORMATTERS)


def labelled(labels, attribute):
    """A formatter showing ``labels[value]`` for a coded column (escaped by Jinja)."""
    return lambda view, context, model, name: labels.get(getattr(model, attribute), getattr(model, attribute))
