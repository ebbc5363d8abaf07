"""The kk and ru catalogues are complete, compiled, and keep every placeholder."""
import os
import re
from io import BytesIO

import pytest
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TRANSLATIONS = os.path.join(ROOT, "translations")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]")
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")


def catalog(language, name):
    with open(os.path.join(TRANSLATIONS, language, "LC_MESSAGES", name), "rb") as f:
        return read_po(f) if name.endswith(".po") else read_mo(f)


def template_ids():
    with open(os.path.join(TRANSLATIONS, "messages.pot"), "rb") as f:
        return {m.id for m in read_po(f) if m.id}


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_every_message_is_translated(language):
    po = catalog(language, "messages.po")
    missing = []
    for message in po:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, (tuple, list)) else [message.string]
        if message.fuzzy or not all(strings):
            missing.append(message.id)
    assert not missing, f"{len(missing)} untranslated in {language}, e.g. {missing[:5]}"
    ids = {m.id for m in po if m.id}
    assert template_ids() <= ids, "run `make translations`: the catalogue lacks new messages"


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_translations_keep_placeholders_and_are_not_english(language):
    for message in catalog(language, "messages.po"):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, (tuple, list)) else [message.id]
        strings = message.string if isinstance(message.string, (tuple, list)) else [message.string]
        expected = set(PLACEHOLDER.findall(ids[0])) | set(PLACEHOLDER.findall(ids[-1]))
        for string in strings:
            assert set(PLACEHOLDER.findall(string)) <= expected, (language, message.id)
            if LATIN_WORD.search(ids[0]) and not ids[0].startswith("e-"):
                assert string != ids[0], (language, message.id)


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_compiled_catalogue_is_up_to_date(language):
    po = catalog(language, "messages.po")
    compiled = BytesIO()
    write_mo(compiled, po)
    compiled.seek(0)
    fresh = {_key(m.id): m.string for m in read_mo(compiled) if m.id}
    shipped = {_key(m.id): m.string for m in catalog(language, "messages.mo") if m.id}
    assert fresh == shipped, "run `pybabel compile -d translations -D messages`"


def _key(message_id):
    """A plural message's id is a list: make it usable as a dict key."""
    return tuple(message_id) if isinstance(message_id, list) else message_id


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_rules_are_cited_as_the_language_writes_them(language):
    """"[R6.8]" is our code's shorthand; a kk or ru page says "[6-т. 8) тт.]" / "[пп. 8) п. 6]"."""
    for message in catalog(language, "messages.po"):
        strings = message.string if isinstance(message.string, (tuple, list)) else [message.string]
        for string in strings:
            assert not re.search(r"\bR\d+(\.\d+)?\b", string or ""), (language, message.id, string)


def test_a_rule_code_is_written_in_each_language():
    from core.formats import rule_reference

    assert rule_reference("R10.1", "kk") == "10-т. 1) тт." and rule_reference("R9", "kk") == "9-т."
    assert rule_reference("R10.1", "ru") == "пп. 1) п. 10" and rule_reference("R9", "ru") == "п. 9"
    assert rule_reference("R10.1", "en") == "R10.1" and rule_reference("other", "kk") == "other"
