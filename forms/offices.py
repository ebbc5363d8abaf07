"""The form of a region office's contacts and its data controller (admin: Directory → Office
contacts). Every field may be left empty; what is typed is checked, and a refused form comes
back with everything typed in it."""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import Email, Length, Optional, ValidationError

from core import phones
from models import RegionOffice


PHONES_MAX = 300  # the column's size


def _stripped(value):
    return value.strip() if isinstance(value, str) else value


def _text(label, kind=StringField, size=500, description=""):
    return kind(label, description=description, validators=[Optional(), Length(max=size)], filters=[_stripped])


class OfficeContactsForm(FlaskForm):
    phones = StringField(
        _l("Phone numbers"), filters=[_stripped], validators=[Optional(), Length(max=PHONES_MAX)],
        description=_l("Several numbers are separated by commas, e.g. +7 7172 00 00 00, +7 700 000 00 00."))
    email = StringField(_l("E-mail"), filters=[_stripped], validators=[
        Optional(), Length(max=254), Email(message=_l("Write the e-mail like name@example.kz."))])
    address_kk = _text(_l("Postal address (Kazakh)"), TextAreaField)
    address_ru = _text(_l("Postal address (Russian)"), TextAreaField)
    hours_kk = _text(_l("Reception hours (Kazakh)"), size=300,
                     description=_l("e.g. “%(example)s”", example="Дс–Жм 9:00–18:00, түскі үзіліс 13:00–14:00"))
    hours_ru = _text(_l("Reception hours (Russian)"), size=300,
                     description=_l("e.g. “%(example)s”", example="Пн–Пт 9:00–18:00, перерыв 13:00–14:00"))
    controller_name_kk = _text(_l("Data controller (Kazakh)"), TextAreaField, description=_l(
        "The body that decides why and how personal data are processed, e.g. the akim's apparatus."))
    controller_name_ru = _text(_l("Data controller (Russian)"), TextAreaField)
    controller_address_kk = _text(_l("Data controller's address (Kazakh)"), TextAreaField)
    controller_address_ru = _text(_l("Data controller's address (Russian)"), TextAreaField)

    def validate_phones(self, field):
        """Each number must be one a phone can dial; they are kept comma-separated. (The
        messages are translated now, not lazily: a lazy string is written into the page
        unescaped, and this one holds what was typed.)"""
        numbers = phones.split_numbers(field.data)
        for number in numbers:
            if phones.dialable(number) is None:
                raise ValidationError(_("“%(number)s” is not a phone number. Write it in digits, e.g. "
                                        "+7 7172 00 00 00, and separate several numbers with commas.",
                                        number=number[:40]))
        field.data = ", ".join(numbers)
        if len(field.data) > PHONES_MAX:
            raise ValidationError(_("Too long: keep the numbers within %(max)s characters.", max=PHONES_MAX))

    def values(self):
        """The fields as ``services.offices.save_contacts`` takes them."""
        return {name: self[name].data for name in RegionOffice.FIELDS}
