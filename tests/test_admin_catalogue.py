"""Flask-Admin's own interface strings (gettext domain "admin") in Kazakh.

Flask-Admin ships no Kazakh catalogue, so ours is ``translations/kk/LC_MESSAGES/admin.po``
(found through ``Admin(translations_path=...)``). These tests read files only; they need
no database. After a Flask-Admin upgrade that adds or changes strings,
``test_every_flask_admin_string_has_a_kazakh_translation`` lists what to translate; then
run ``pybabel compile -d translations -D admin -l kk``.
"""
import re
from io import BytesIO
from pathlib import Path

import flask_admin
from babel import Locale
from babel.messages.catalog import PYTHON_FORMAT
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"
KK_PO = TRANSLATIONS / "kk" / "LC_MESSAGES" / "admin.po"
KK_MO = KK_PO.with_suffix(".mo")
FLASK_ADMIN_TRANSLATIONS = Path(flask_admin.__file__).resolve().parent / "translations"

KEY_STRINGS = {
    "Save": "Сақтау",
    "Delete": "Жою",
    "List": "Тізім",
    "Create": "Құру",
    "Edit": "Өңдеу",
    "Search": "Іздеу",
    "Home": "Басты бет",
}
# msgids whose Kazakh text may legitimately equal the English (nothing to translate).
SAME_AS_ENGLISH = {"%(placeholder)s"}
CYRILLIC = re.compile(r"[А-Яа-яЁёӘәҒғҚқҢңӨөҰұҮүҺһІі]")
HTML_TAG = re.compile(r"<[^>]+>")


def _read_po(path):
    with open(path, "rb") as f:
        return read_po(f)


def _flask_admin_template():
    """Flask-Admin's message template: its admin.pot, or (2.2.1 ships none) the ru catalogue."""
    pot = FLASK_ADMIN_TRANSLATIONS / "admin.pot"
    path = pot if pot.exists() else FLASK_ADMIN_TRANSLATIONS / "ru" / "LC_MESSAGES" / "admin.po"
    assert path.exists(), f"no message template in {FLASK_ADMIN_TRANSLATIONS}"
    return _read_po(path)


def _forms(message):
    """Pairs (English, Kazakh) for each form; nplurals is 2 for kk, as for English."""
    if message.pluralizable:
        return list(zip(message.id, message.string))
    return [(message.id, message.string)]


def _key(message_id):
    return tuple(message_id) if isinstance(message_id, (list, tuple)) else message_id


def _markup(text):
    placeholders = sorted(m.group(0) for m in PYTHON_FORMAT.finditer(text) if m.group(0) != "%%")
    return placeholders, sorted(HTML_TAG.findall(text)), text.count("\\'")


def test_compiled_catalogue_translates_key_strings():
    translations = Translations.load(str(TRANSLATIONS), [Locale("kk")], domain="admin")
    assert isinstance(translations, Translations), f"{KK_MO} is missing"
    for english, kazakh in KEY_STRINGS.items():
        assert translations.gettext(english) == kazakh
    for count in (1, 2, 5):
        text = translations.ngettext("Record was successfully deleted.",
                                     "%(count)s records were successfully deleted.", count)
        assert "сәтті жойылды" in text


def test_every_flask_admin_string_has_a_kazakh_translation():
    template = _flask_admin_template()
    kk = _read_po(KK_PO)
    assert kk.locale == Locale("kk")
    assert kk.num_plurals == 2 and kk.plural_expr == "(n != 1)"
    assert not kk.fuzzy, "the catalogue header is marked fuzzy"
    problems = []
    for message in template:
        if not message.id:
            continue
        ours = kk.get(message.id, context=message.context)
        if ours is None or _key(ours.id) != _key(message.id):
            problems.append(f"missing: {message.id!r}")
        elif ours.fuzzy:
            problems.append(f"fuzzy: {message.id!r}")
        elif not all(kazakh.strip() for _english, kazakh in _forms(ours)):
            problems.append(f"empty: {message.id!r}")
    assert not problems, "\n".join(problems)


def test_translations_are_kazakh_and_keep_placeholders_and_markup():
    kk = _read_po(KK_PO)
    problems = [f"{message.id!r}: {error}" for message, errors in kk.check() for error in errors]
    for message in kk:
        if not message.id:
            continue
        for english, kazakh in _forms(message):
            if message.id in SAME_AS_ENGLISH:
                continue
            if kazakh == english or not CYRILLIC.search(kazakh):
                problems.append(f"not translated: {english!r} -> {kazakh!r}")
            if _markup(kazakh) != _markup(english):
                problems.append(f"placeholders/markup differ: {english!r} -> {kazakh!r}")
    assert not problems, "\n".join(problems)


def test_compiled_catalogue_is_up_to_date():
    fresh = BytesIO()
    write_mo(fresh, _read_po(KK_PO))
    with open(KK_MO, "rb") as f:
        compiled = f.read()

    def messages(data):
        return {(_key(m.id), m.context): _key(m.string) for m in read_mo(BytesIO(data)) if m.id}

    def headers(data):
        info = Translations(fp=BytesIO(data)).info()
        return {key: info.get(key) for key in ("language", "plural-forms", "content-type")}

    assert messages(compiled) == messages(fresh.getvalue()), \
        "admin.mo is stale: run pybabel compile -d translations -D admin -l kk"
    assert headers(compiled) == headers(fresh.getvalue())
