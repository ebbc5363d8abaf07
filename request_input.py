"""What the app accepts from a request, before any view reads it.

Postgres refuses the NUL character in text (and in JSON), so a NUL typed or pasted into
any field would turn a save, a search or even an audit row into a server error. A query
string has no business carrying control characters at all: Flask-Admin, for one, puts
its ``url`` parameter into a ``Location`` header, where a line break is refused. And a
multipart part without a name is no field of any form. All three are cleaned here, once,
for every view: NUL is dropped from form values, control characters from query values and
from the form's ``url`` (Flask-Admin's return address, posted by its delete and action
forms), nameless parts are ignored.
"""
import re

from flask import Request
from werkzeug.routing import IntegerConverter
from werkzeug.utils import cached_property

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_NUL = re.compile("\x00")


def _clean(multidict, value_pattern):
    return multidict.__class__(
        (key, value_pattern.sub("", value) if isinstance(value, str) else value)
        for key, value in multidict.items(multi=True) if key)


class InputRequest(Request):
    """Flask's request with the cleaning above applied to ``args``, ``form`` and ``files``."""

    @cached_property
    def args(self):
        return _clean(super().args, _CONTROL)

    def _load_form_data(self):
        super()._load_form_data()
        form = _clean(self.__dict__["form"], _NUL)
        if "url" in form:
            form = form.__class__((key, _CONTROL.sub("", value) if key == "url" else value)
                                  for key, value in form.items(multi=True))
        self.__dict__["form"] = form
        self.__dict__["files"] = _clean(self.__dict__["files"], _CONTROL)


# --- ids: ASCII digits only ------------------------------------------------------------------
# "²".isdigit() and "٣".isdigit() are true and int("٣") is 3: an id read from a request is
# spelled in ASCII digits, or it is no id (never a server error, never another row).
ASCII_DIGITS = re.compile(r"[0-9]{1,10}")
ID_MAX = 2**31 - 1  # Postgres ``integer``


def id_from(value):
    """The id ``value`` spells in ASCII digits, within Postgres's integer, else None."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not ASCII_DIGITS.fullmatch(value):
        return None
    number = int(value)
    return number if number <= ID_MAX else None


class AsciiIntegerConverter(IntegerConverter):
    """Werkzeug's ``<int:…>`` matches any script's digits (``\\d``): this one ASCII only."""

    regex = r"[0-9]+"
