"""Ids read from a request are ASCII digits only (issue 16, item 6): "²".isdigit() and
"٣".isdigit() are true, and int("٣") is 3. Every route, with every id it reads spelled in
other scripts' digits, answers without a server error, and never with another row."""
import re

import pytest

from extensions import db
from request_input import id_from
from tests.factories import gen_case

ODD_DIGITS = ("²", "٣", "३", "１", " 1", "+1", "1_0", "99999999999")
ID_PARAMETERS = ("id", "item", "evidence", "child", "attachment", "key", "version", "report_lang")


@pytest.mark.parametrize("value, expected", [
    ("12", 12), (12, 12), ("0", 0), ("²", None), ("٣", None), ("१२", None), ("１２", None),
    (" 12", None), ("+12", None), ("1_2", None), ("-1", None), ("2147483648", None), (True, None), (None, None),
])
def test_id_from(value, expected):
    assert id_from(value) == expected


def _get_routes(app):
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and not rule.rule.startswith("/static") and "static" not in rule.endpoint:
            yield rule


def _url(rule, odd):
    """The rule's path with every variable spelled ``odd``."""
    return re.sub(r"<(?:[^:<>]+:)?[^<>]+>", odd, rule.rule)


@pytest.fixture
def case_id(app):
    """A committed case of region 75, so that ``id`` finds a row and the other ids are read."""
    with app.app_context():
        case, _code = gen_case()
        db.session.commit()
        return case.id


@pytest.mark.committed
@pytest.mark.parametrize("who", ["anon", "commissioner", "ombudsman75"])
def test_no_route_fails_on_ids_in_other_scripts(app, login, who, case_id):
    client = app.test_client() if who == "anon" else login(who)
    failures = []
    for rule in _get_routes(app):
        for odd in ("²", "٣"):
            others = "&".join(f"{name}={odd}" for name in ID_PARAMETERS if name != "id")
            for query in (f"id={odd}&{others}", f"id={case_id}&{others}"):
                response = client.get(f"{_url(rule, odd)}?{query}")
                if response.status_code >= 500:
                    failures.append((rule.rule, query, response.status_code))
    assert failures == []


@pytest.mark.committed
def test_a_path_id_in_other_digits_is_not_found(app, login):
    client = login("ombudsman75")
    for odd in ("٣", "१"):
        assert client.get(f"/status/files/{odd}").status_code == 404


@pytest.mark.committed
def test_the_evidence_link_with_a_superscript_is_not_found(app, login, case_id):
    response = login("ombudsman75").get(f"/admin/case/evidence/?id={case_id}&evidence=²")
    assert response.status_code == 404
