"""Telephone numbers an office publishes: several in one field, written as people write them
("+7 7172 00 00 00, 8 (727) 000-00-00"), each checked and turned into a ``tel:`` link.

A mobile number for SMS alerts is another matter (``core.sms.normalize_phone``): there only a
Kazakhstan mobile will do, here any number a person can dial (a landline, a mobile).
"""
import re

import phonenumbers

# Several numbers are separated by commas, semicolons or lines.
SEPARATORS = re.compile(r"[,;\n]+")
# What a written number may hold: digits, one leading plus, spaces, brackets and dashes.
WRITTEN = re.compile(r"\+?[0-9][0-9 ()\-]*")


def split_numbers(text):
    """The numbers of ``text`` as written, blanks dropped."""
    return [part.strip() for part in SEPARATORS.split(text or "") if part.strip()]


def dialable(number):
    """The number as Kazakhstan dials it (``phonenumbers``), or None when it cannot be one:
    letters, a stray sign, too few or too many digits."""
    if not WRITTEN.fullmatch(number):
        return None
    try:
        parsed = phonenumbers.parse(number, "KZ")
    except phonenumbers.NumberParseException:
        return None
    return parsed if phonenumbers.is_possible_number(parsed) else None


def tel_target(number):
    """``tel:+77172000000`` for a written number (digits only when it does not parse)."""
    parsed = dialable(number)
    if parsed is None:
        return "tel:" + re.sub(r"[^\d+]", "", number)
    return "tel:" + phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def links(text):
    """(number as written, ``tel:`` target) for each number of ``text``."""
    return [(number, tel_target(number)) for number in split_numbers(text)]
