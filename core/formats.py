"""Staff e-mails are written in Kazakh and Russian, one after the other.

Values are shown as each language writes them: a Region by its name, a date in words
("2026 жылғы 5 мамыр", "5 мая 2026 г."), never as an ISO date.
"""
from datetime import date

from babel.dates import format_date
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
