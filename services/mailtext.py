"""Staff e-mails are written in Kazakh and Russian, one after the other."""
from flask_babel import force_locale, gettext

LOCALES = ("kk", "ru")


def N_(message):
    """Mark a text for extraction only (a Babel default keyword); it is translated later."""
    return message


def _translations(message, variables):
    """``message`` in each locale; a value with ``localized_name`` (a Region) is named in it."""
    texts = []
    for locale in LOCALES:
        values = {k: v.localized_name(locale) if hasattr(v, "localized_name") else v
                  for k, v in variables.items()}
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
