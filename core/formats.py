"""Staff e-mails are written in Kazakh and Russian, one after the other.

Values are shown as each language writes them: a Region by its name, a date in words
("2026 жылғы 5 мамыр", "5 мая 2026 г."), never as an ISO date.
"""
import re
from datetime import date

from babel.dates import format_date, get_month_names, get_quarter_names
from flask_babel import force_locale, gettext

LOCALES = ("kk", "ru")
# A date in words, as an official letter writes it.
DATE_PATTERNS = {"kk": "y 'жылғы' d MMMM", "ru": "d MMMM y 'г.'", "en": "d MMMM y"}


def N_(message):
    """Mark a text for extraction only (a Babel default keyword); it is translated later."""
    return message


def date_in_words(day, locale):
    return format_date(day, DATE_PATTERNS.get(locale, "long"), locale=locale)


def _shown(value, locale):
    if hasattr(value, "official_name"):
        return value.official_name(locale)
    if isinstance(value, date):
        return date_in_words(value, locale)
    return value


def _translations(message, variables):
    """``message`` in each locale, with each value shown as that locale writes it."""
    texts = []
    for locale in LOCALES:
        values = {k: _shown(v, locale) for k, v in variables.items()}
        with force_locale(locale):
            texts.append(gettext(message, **values))
    return texts


def bilingual(message, **variables):
    """The body of an e-mail: the Kazakh text, then the Russian one."""
    kk, ru = _translations(message, variables)
    return kk if kk == ru else f"{kk}\n\n{ru}"


def bilingual_subject(message, **variables):
    kk, ru = _translations(message, variables)
    return kk if kk == ru else f"{kk} / {ru}"


RULE_CODE = re.compile(r"R(\d+)(?:\.(\d+))?")
# How each language cites a paragraph (and a subparagraph) of the Rules: the Kazakh text
# says "10-тармақтың 1) тармақшасы", the Russian "подпункт 1) пункта 10".
_RULE_FORMS = {
    "kk": ("{p}-т.", "{p}-т. {s}) тт."),
    "ru": ("п. {p}", "пп. {s}) п. {p}"),
}


def rule_reference(code, language):
    """A rule as ``language`` writes it: "R10.1" → "10-т. 1) тт." (kk), "пп. 1) п. 10" (ru);
    English and anything that is no rule code stay as they are."""
    match = RULE_CODE.fullmatch(str(code or ""))
    forms = _RULE_FORMS.get(str(language)[:2])
    if match is None or forms is None:
        return code
    paragraph, sub = match.groups()
    return (forms[1] if sub else forms[0]).format(p=paragraph, s=sub)


def localize_rule_references(text, language):
    """Every "[R6.8]" of a text as ``language`` writes it (the catalogues' kk and ru)."""
    return re.sub(r"\[(R\d+(?:\.\d+)?)\]", lambda m: f"[{rule_reference(m.group(1), language)}]", text)


def month_name(number, language):
    """A month of the year plan in words: 7 → "шілде" / "июль" / "July"."""
    return get_month_names("wide", context="stand-alone", locale=language)[int(number)]


def quarter_name(number, language):
    """A quarter in words: 1 → "І тоқсан" / "1-й квартал" / "1st quarter"."""
    return get_quarter_names("wide", context="stand-alone", locale=language)[int(number)]


FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet runs a cell starting so


def spreadsheet_safe(value):
    """Text that starts like a formula is quoted, so a spreadsheet (CSV) never runs it."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value
