"""Column formatters shared by admin screens: local time, labels, yes/no in words, escaped text."""
from datetime import date, datetime

from flask_admin.model import typefmt
from flask_babel import format_date, format_datetime
from flask_babel import gettext as _


def _local_datetime(view, value, name):
    """Stored in UTC, shown in Asia/Almaty in the reader's locale."""
    return format_datetime(value, "short")


def _local_date(view, value, name):
    return format_date(value, "medium")


def _yes_no(view, value, name):
    """A word, not Flask-Admin's icon with an English tooltip ("urgent: false")."""
    return _("Yes") if value else _("No")


# datetime before date: a datetime is a date too.
TYPE_FORMATTERS = {**typefmt.BASE_FORMATTERS, bool: _yes_no, datetime: _local_datetime, date: _local_date}
# The details page has its own formatters in Flask-Admin; without these it shows UTC.
DETAIL_TYPE_FORMATTERS = {**typefmt.DETAIL_FORMATTERS, bool: _yes_no, datetime: _local_datetime,
                          date: _local_date}

def labelled(labels, attribute):
    """A formatter showing ``labels[value]`` for a coded column (escaped by Jinja)."""
    return lambda view, context, model, name: labels.get(getattr(model, attribute), getattr(model, attribute))
