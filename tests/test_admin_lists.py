"""The case list at scale: a capped count instead of COUNT(*), and a search that goes
through indexes (registration number, child's IIN, words of the description), region
isolated and without identities for those who may not see them."""
import re

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from admin.base import CappedCountQuery
from extensions import db
from services.cases import submit_case
from tests.helpers import csrf_token

IIN_75 = "120305601238"
IIN_71 = "130711504562"
DESCRIPTION_75 = "Сыныптастары баланы күнде қорлайды, Қарасай ауданындағы мектепте мұғалім шара қолданбайды."
DESCRIPTION_71 = "Отчим избивает ребёнка, соседи в посёлке Талғар слышат крики по вечерам."


def _report(region, description, urgent=False):
    return {"region_code": region, "kind": "appeal", "categories": ["bullying"],
            "description": description, "responsible": "education_org", "reporter_type": "parent",
            "danger_now": urgent, "channel": "web", "language": "kk"}


@pytest.fixture
def cases(app, people):
    """Two cases in 75 (one about a child with an IIN) and one in 71 (another IIN)."""
    with app.app_context():
        named, _code = submit_case(_report("75", DESCRIPTION_75),
                                   [{"age": 12, "sex": "girl", "name": "Айгерим Сарсенова", "iin": IIN_75}],
                                   consent=True)
        plain, _code = submit_case(_report("75", "Мектепте ыстық тамақ берілмейді, балалар аш отырады."),
                                   [{"age": 9, "sex": "boy"}])
        other, _code = submit_case(_report("71", DESCRIPTION_71),
                                   [{"birth_year": 2013, "sex": "boy", "iin": IIN_71}], consent=True)
        db.session.commit()
        return {"named75": named.registration_number, "plain75": plain.registration_number,
                "case71": other.registration_number}


def _listing(client, query=""):
    response = client.get(f"/admin/case/?lang=en&{query}")
    assert response.status_code == 200, query
    return response.get_data(as_text=True)


def _shown(body, cases):
    """The cases listed in the table's rows (the search box and sort links repeat the search)."""
    table = body[body.index('</thead>'):]
    return {key for key, number in cases.items() if number in table}


@pytest.fixture
def case_view(app):
    return next(view for view in app.extensions["admin"][0]._views if view.endpoint == "case")


def test_a_short_list_is_counted_exactly(client, auth, people, cases):
    auth.login(people["commissioner"].email)
    body = _listing(client)
    assert re.search(r"List\s*\(3\)", body)
    assert "count-capped" not in body and "count-estimate" not in body


def test_a_list_longer_than_the_cap_says_more_than_the_cap(client, auth, people, cases, app,
                                                          case_view, monkeypatch):
    auth.login(people["commissioner"].email)
    monkeypatch.setitem(app.config, "ADMIN_LIST_COUNT_CAP", 1)
    monkeypatch.setattr(case_view, "page_size", 2)
    monkeypatch.setattr(CappedCountQuery, "estimate", lambda query: 1)  # as if the planner said 1
    body = _listing(client)
    assert 'data-testid="count-capped"' in body and "More than 1 records" in body
    assert not re.search(r"List\s*\(", body)  # no count in the tab: the pager is previous / next
    assert len(_shown(body, cases)) == 2
    assert len(_shown(_listing(client, "page=1"), cases)) == 1


def test_a_list_the_planner_expects_long_shows_its_estimate(client, auth, people, cases,
                                                            case_view, monkeypatch):
    auth.login(people["ombudsman75"].email)
    monkeypatch.setattr(case_view, "page_size", 1)
    monkeypatch.setattr(CappedCountQuery, "estimate", lambda query: 123_456)
    body = _listing(client)
    assert 'data-testid="count-estimate"' in body and "About 120,000 records (an estimate)" in body
    assert len(_shown(body, cases)) == 1
    # The first page holding every row, the count is exact whatever was estimated.
    monkeypatch.setattr(case_view, "page_size", 25)
    body = _listing(client)
    assert "count-estimate" not in body and re.search(r"List\s*\(2\)", body)


def test_the_estimate_is_the_planners(app, people, cases):
    from extensions import db
    from models import Case

    with app.app_context():
        query = CappedCountQuery([Case.id], db.session).filter(Case.region_code == "75")
        assert query.estimate() >= 1


def test_the_count_and_the_page_are_indexed_queries(client, auth, people, cases, app, monkeypatch):
    """No COUNT(*) of the whole table, no ILIKE '%…%', and no loading of the children,
    files or checklists of the listed cases."""
    monkeypatch.setitem(app.config, "ADMIN_LIST_COUNT_CAP", 1_000_000)  # always count exactly
    auth.login(people["ombudsman75"].email)
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    try:
        for query in ("", "search=қорла", "search=75-", f"search={IIN_75}"):
            _listing(client, query)
    finally:
        event.remove(Engine, "before_cursor_execute", record)
    on_cases = [s for s in statements if "FROM cases" in s]
    counts = [s for s in on_cases if "count(" in s.lower()]
    assert counts and all("LIMIT" in s for s in counts)
    assert not any("ILIKE" in s.upper() for s in on_cases)
    eager = [s for s in statements if re.search(r"WHERE \w+\.(case_id|item_id) IN \(%\(", s)]
    assert not eager


@pytest.mark.parametrize("who, query, expected", [
    ("commissioner", "search={named75}", {"named75"}),
    ("commissioner", "search=75-", {"named75", "plain75"}),
    ("commissioner", "search=71-20", {"case71"}),
    ("ombudsman75", "search=71-", set()),  # another region's numbers find nothing
    ("ombudsman71", "search={named75}", set()),
])
def test_search_by_registration_number(client, auth, people, cases, who, query, expected):
    auth.login(people[who].email)
    assert _shown(_listing(client, query.format(**cases)), cases) == expected


@pytest.mark.parametrize("who, iin, expected", [
    ("commissioner", IIN_75, {"named75"}),
    ("commissioner", "1203 0560 1238", {"named75"}),  # typed with spaces
    ("ombudsman75", IIN_75, {"named75"}),
    ("ombudsman75", IIN_71, set()),       # a child of another region
    ("ombudsman71", IIN_75, set()),
    ("akimat75", IIN_75, set()),          # may not see identities: may not look them up either
    ("committee", IIN_75, set()),
    ("commissioner", "120305601239", set()),  # wrong check digit
])
def test_search_by_child_iin(client, auth, people, cases, who, iin, expected):
    auth.login(people[who].email)
    assert _shown(_listing(client, f"search={iin}"), cases) == expected


@pytest.mark.parametrize("who, words, expected", [
    ("commissioner", "қорлайды", {"named75"}),
    ("commissioner", "қорла", {"named75"}),             # the beginning of a word
    ("commissioner", "Мектеп", {"named75", "plain75"}),  # "мектепте": an ending, any case
    ("commissioner", "мектепте тамақ", {"plain75"}),     # every word must occur
    ("commissioner", "талғар", {"case71"}),
    ("ombudsman75", "талғар", set()),                   # another region's case
    ("akimat75", "қарасай", {"named75"}),
    ("commissioner", "Айгерим", set()),                 # names are not searched
    ("commissioner", "жоқсөзжоқ", set()),               # no match
    ("commissioner", "%", set()),                       # no word at all
])
@pytest.mark.parametrize("few_matches", [5_000, -1], ids=["looked-up-first", "walked"])
def test_search_by_words_of_the_description(client, auth, people, cases, who, words, expected,
                                            few_matches, monkeypatch):
    """Both ways a word is searched find the same cases: rare words looked up in the text
    index first, common ones met while walking the list's order."""
    monkeypatch.setattr("admin.cases.FEW_MATCHES", few_matches)
    auth.login(people[who].email)
    assert _shown(_listing(client, f"search={words}"), cases) == expected


def test_search_box_says_what_it_searches(client, auth, people, cases):
    auth.login(people["ombudsman75"].email)
    assert "IIN" in _listing(client)
    auth.logout()
    auth.login(people["akimat75"].email)
    assert "IIN" not in _listing(client)


def test_a_page_past_any_end_is_a_page_not_an_overflow(client, auth, people, cases):
    auth.login(people["ombudsman75"].email)
    assert client.get("/admin/case/?page=99999999999999999999").status_code == 200
    assert client.get("/admin/case/?page=-3").status_code == 200


def test_a_line_break_in_the_return_address_is_dropped(client, auth, people, cases):
    """Flask-Admin puts the posted ``url`` into a Location header (request_input)."""
    auth.login(people["superadmin"].email)
    page = client.get("/admin/calendar/")
    response = client.post("/admin/calendar/delete/", data={
        "csrf_token": csrf_token(page.get_data(as_text=True)), "id": "2030-01-01",
        "url": "/admin/calendar/\r\nSet-Cookie: x=1"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/calendar/Set-Cookie:%20x=1")
