"""Languages: Kazakh (default, the state language), Russian (full parity) and English.

The choice comes from ``?lang=kk|ru|en`` (then kept in a cookie), the cookie, or the
browser's Accept-Language. Russian is formatted as ``ru_KZ`` (₸, Kazakh-style dates).
Times are stored in UTC and shown in Asia/Almaty (UTC+5).
"""
import os
from urllib.parse import urlencode

from flask import g, has_request_context, request
from flask_babel import format_decimal, get_locale, gettext

from core.formats import month_name, quarter_name, rule_reference

LANG_COOKIE = "lang"
API_PREFIX, DOCS_PREFIX = "/api/v1/", "/api/v1/docs"
LANGUAGES = ("kk", "ru", "en")
LANGUAGE_NAMES = {"kk": "Қазақша", "ru": "Русский", "en": "English"}
BABEL_LOCALES = {"kk": "kk", "ru": "ru_KZ", "en": "en"}


# The Kazakh Cyrillic alphabet; Russian's order is the same with the Kazakh letters left out.
_ALPHABET = "аәбвгғдеёжзийкқлмнңоөпрстуұүфхһцчшщъыіьэюя"
_ORDER = {letter: position for position, letter in enumerate(_ALPHABET)}


def sort_key(text):
    """Alphabetical order for Kazakh and Russian names (Python's own order puts Қ, Ұ, Ө…
    after Я); Latin letters and digits keep their usual order before Cyrillic."""
    return [(1, _ORDER[c]) if c in _ORDER else (0, ord(c)) for c in (text or "").lower()]


def current_language():
    """The two-letter code of the language being shown."""
    return str(get_locale() or "kk")[:2]


def is_api_call():
    """True for a call of the partner API (its guide, /api/v1/docs, is a page, not a call)."""
    return request.path.startswith(API_PREFIX) and not request.path.startswith(DOCS_PREFIX)


def select_language():
    """The language for this request; remembers ``?lang=`` for ``remember_language``. A call
    of the partner API speaks the language of its Accept-Language header only."""
    if is_api_call():
        return request.accept_languages.best_match(LANGUAGES) or "kk"
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        g.remember_language = asked
        return asked
    cookie = request.cookies.get(LANG_COOKIE)
    if cookie in LANGUAGES:
        return cookie
    return request.accept_languages.best_match(LANGUAGES) or "kk"


def select_locale():
    """Flask-Babel's selector. Outside a request (commands, the worker) the language of
    the ``LANG`` environment variable when it is kk, ru or en, else Kazakh."""
    if not has_request_context():
        system = (os.environ.get("LANG") or "")[:2]
        return BABEL_LOCALES.get(system)
    return BABEL_LOCALES[select_language()]


def remember_language(response):
    """Keep a language chosen with ``?lang=`` in a cookie for a year."""
    chosen = g.get("remember_language")
    if chosen and request.cookies.get(LANG_COOKIE) != chosen:
        response.set_cookie(LANG_COOKIE, chosen, max_age=365 * 24 * 3600, samesite="Lax",
                            httponly=True, secure=request.is_secure)
    return response


def language_url(language):
    """The current page's URL with ``lang`` set to ``language``."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    args.append(("lang", language))
    return f"{request.path}?{urlencode(args)}"


def template_globals():
    return {"current_language": current_language, "language_url": language_url,
            "LANGUAGES": LANGUAGES, "LANGUAGE_NAMES": LANGUAGE_NAMES}


def in_page_language(write):
    """``write(value, language)`` as a one-argument filter writing in the page's language."""
    return lambda value: write(value, current_language())


def filesize(size):
    """A file's size in kilobytes, written as the page's language writes numbers ("12,1 КБ")."""
    return gettext("%(size)s KB", size=format_decimal(size / 1024, format="#,##0.#"))


# ``{{ item.rule|rule }}`` ("R10.2" → "10-т. 2) тт."), ``{{ 7|month }}``, ``{{ 1|quarter }}``,
# ``{{ 12345|filesize }}``: each in the page's language.
TEMPLATE_FILTERS = {"rule": in_page_language(rule_reference), "month": in_page_language(month_name),
                    "quarter": in_page_language(quarter_name), "filesize": filesize}
