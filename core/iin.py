"""The IIN (ЖСН / ИИН), Kazakhstan's 12-digit individual identification number.

KZ-FACTS.md: YYMMDD, a century-and-sex digit (1–6), four serial digits and a check
digit. r = Σ dᵢ·wᵢ mod 11 over the first 11 digits with weights 1…11; if r = 10, again
with weights 3…11, 1, 2; if still 10 the number is invalid; valid when r equals the
12th digit. Only ASCII digits count: a lookalike digit of another script is refused.
Since 2013 the date part need not match the birth date, so only the format and the check
digit are validated; the date it gives is used for warnings, never to refuse (``age_flag``).
(python-stdnum has no Kazakhstan module.)

A child's IIN is stored encrypted; ``search_key`` is the one place that turns an IIN
into the keyed hash it is stored and found under (``case_child.iin_hash``).
"""
import re
from datetime import date

from core import crypto

_FIRST_WEIGHTS = tuple(range(1, 12))
_SECOND_WEIGHTS = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)
_FORMAT = re.compile(r"[0-9]{6}[1-6][0-9]{5}")
CENTURIES = {"1": 1800, "2": 1800, "3": 1900, "4": 1900, "5": 2000, "6": 2000}
ADULT_AGE = 18
# Why a child's IIN deserves a second look (never a refusal: the reporter may be wrong).
AGE_FLAGS = ("adult", "age_mismatch")


def normalize_iin(value):
    """Digits only: people type IINs with spaces or dashes."""
    return re.sub(r"[\s-]", "", value or "")


def iin_check_digit(first_eleven):
    """The check digit for 11 digits, or None when no valid check digit exists."""
    digits = [int(d) for d in first_eleven]
    for weights in (_FIRST_WEIGHTS, _SECOND_WEIGHTS):
        remainder = sum(d * w for d, w in zip(digits, weights)) % 11
        if remainder != 10:
            return remainder
    return None


def is_valid_iin(value):
    """True for a well-formed IIN with a correct check digit."""
    iin = normalize_iin(value)
    if not _FORMAT.fullmatch(iin):
        return False
    check = iin_check_digit(iin[:11])
    return check is not None and check == int(iin[11])


def birth_date(value):
    """The birth date a valid IIN gives (YYMMDD and its century digit), or None."""
    iin = normalize_iin(value)
    if not is_valid_iin(iin):
        return None
    try:
        return date(CENTURIES[iin[6]] + int(iin[:2]), int(iin[2:4]), int(iin[4:6]))
    except ValueError:
        return None


def age_on(born, day):
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def age_flag(iin, age, birth_year, received_on):
    """"adult" when the IIN's birth date makes the child 18 or older on ``received_on``;
    "age_mismatch" when it contradicts the age or year of birth given (by more than a year
    of age, or another year); else None."""
    born = birth_date(iin) if iin else None
    if born is None:
        return None
    if age_on(born, received_on) >= ADULT_AGE:
        return "adult"
    if (age is not None and abs(age_on(born, received_on) - age) > 1) or (
            birth_year is not None and birth_year != born.year):
        return "age_mismatch"
    return None


def search_key(value):
    """What a child's IIN is stored under and looked up by: the one place the search by
    IIN goes through. The keyed hash of the normalized IIN (``case_child.iin_hash``, 64 hex
    characters; the IIN itself is encrypted), so equal IINs however typed give equal keys.
    None when ``value`` is not a valid IIN (nothing can match it).
    """
    iin = normalize_iin(value)
    return crypto.iin_hash(iin) if is_valid_iin(iin) else None
