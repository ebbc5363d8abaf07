"""The downloads of /stats [R3]: /stats.csv (a table for spreadsheets, in the page's
language) and /stats.json (``public_stats.open_data``, for programs) carry the page's cells,
withheld alike; no small count reaches them, for the hand-built half-year and for many
random ones; kk and ru tables have no English; a query not understood gets 400; the page
links to both for the half-year and region it shows, and they work on a 390-pixel phone.

The hand-built half-year is the one of tests/test_public_stats.py: region 75 (Almaty) 17
reports, 75 % on time, its 3 neglect reports "fewer than 5"; region 71 (Astana) 12, "hidden";
region 79 (Shymkent) 1, "fewer than 5"; the country 30, 83 %.
"""
import codecs
import csv
import io
import json
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from playwright.sync_api import expect

from extensions import db
from models.case import CATEGORIES
from services import deadlines
from services.public_stats import FEWER, HIDDEN, SMALL, Count, Share
from tests.browser import browser, live_server, page  # noqa: F401
from tests.test_public_stats import (CODES, HALF, RANDOM_CASES, YEAR, _case, _rewrite, at, half_year,  # noqa: F401
                                     pool, rows, tables)  # (half_year, pool: fixtures)

QUERY = f"year={YEAR}&half={HALF}"
DELIMITERS = {"kk": ";", "ru": ";", "en": ","}
LATIN = re.compile(r"[A-Za-z]")
PHONE = {"width": 390, "height": 844}
FEW, HID, ZERO = "fewer than 5", "hidden", "0"


def _words(app, lang):
    """The page's words for a withheld count (by reason) and a withheld share (None)."""
    with app.test_request_context(f"/?lang={lang}"):
        return {FEWER: str(Count(withheld=FEWER)), HIDDEN: str(Count(withheld=HIDDEN)), None: str(Share())}


def _page(client, query, lang):
    response = client.get(f"/stats?{query}&lang={lang}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _json(client, query, lang="en"):
    response = client.get(f"/stats.json?{query}&lang={lang}")
    assert response.status_code == 200 and response.mimetype == "application/json"
    return json.loads(response.data)


def _csv_text(client, query, lang):
    response = client.get(f"/stats.csv?{query}&lang={lang}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.data.startswith(codecs.BOM_UTF8)     # Excel then reads UTF-8
    return response.data.decode("utf-8-sig")


def _csv(client, query, lang):
    """The table's rows, header first."""
    return list(csv.reader(io.StringIO(_csv_text(client, query, lang)), delimiter=DELIMITERS[lang]))


def _same(cell, text, words):
    """A count or share of the open data says what ``text`` (the page's, the table's) says."""
    number = cell.get("value", cell.get("percent"))
    if number is None:
        return text == words[cell.get("withheld")]
    return re.sub(r"[^0-9]", "", text) == str(number) and text not in words.values()


def _count(text, words):
    """A count of the page as the table writes it: the words, or the number's digits alone."""
    return text if text in words.values() else re.sub(r"[^0-9]", "", text)


def _scope_share(html):
    return unescape(re.search(r'<strong data-share="scope">([^<]+)</strong>', html).group(1))


def _assert_agree(app, client, lang, region=""):
    """The page of ``region`` (or of all), its CSV and its JSON say the same, cell by cell."""
    query = f"{QUERY}&region={region}"
    html, table, data = _page(client, query, lang), _csv(client, query, lang), _json(client, query, lang)
    words, found = _words(app, lang), tables(html)
    by_region, categories = rows(found["regions"]), rows(found["categories"])
    header, body = table[0], table[1:]
    # The table: the page's regions in the page's order, then all regions; its counts are
    # the page's (a shown one as a plain number), and its shares are written as the page's.
    assert header[3:] == list(categories)[:-1]                     # the categories, "All reports" left out
    assert [row[0] for row in body] == list(by_region)
    for name, total, on_time, *_ in body:
        page_total, page_share = by_region[name]
        assert (total, " ".join(on_time.split())) == (_count(page_total, words), page_share), name
    # The chosen region's (or the country's) categories are the page's, in both files.
    scope = next(row for row in body if row[0] == _name(data, region, lang)) if region else body[-1]
    assert dict(zip(header[3:], scope[3:])) == {label: _count(page[0], words)
                                                for label, page in list(categories.items())[:-1]}
    labels = dict(zip(CATEGORIES, header[3:]))
    assert all(_same(row["count"], categories[labels[row["key"]]][0], words) for row in data["categories"])
    assert _same(data["total"], categories[list(categories)[-1]][0], words)
    assert _same(data["on_time"], _scope_share(html), words)
    # Every region of the JSON says what its row of the table says.
    csv_rows = {row[0]: row for row in body}
    for region_data in data["regions"]:
        _assert_row(csv_rows[region_data["name"][lang]], region_data, header, words)
    _assert_row(body[-1], data["national"], header, words)
    return data, table


def _name(data, code, lang):
    return next(row["name"][lang] for row in data["regions"] if row["code"] == code)


def _assert_row(row, counts, header, words):
    cells = dict(zip(header[3:], row[3:]))
    labels = dict(zip(CATEGORIES, header[3:]))
    assert _same(counts["total"], row[1], words) and _same(counts["on_time"], row[2], words), row
    assert all(_same(c["count"], cells[labels[c["key"]]], words) for c in counts["categories"]), row


def _counts_of(data):
    """Every count of the open data, wherever it is."""
    if isinstance(data, dict):
        if "value" in data:
            yield data
        for value in data.values():
            yield from _counts_of(value)
    elif isinstance(data, list):
        for value in data:
            yield from _counts_of(value)


def _assert_no_small_count(data, table, words):
    """No count from 1 to 4 in either file; a withheld count has no value."""
    for count in _counts_of(data):
        assert count == {"value": None, "withheld": count.get("withheld")} or count.keys() == {"value"}, count
        assert count["value"] is None and count["withheld"] in (FEWER, HIDDEN) or \
            count["value"] == 0 or count["value"] >= SMALL, count
    for row in table[1:]:
        for cell in (row[1], *row[3:]):
            assert cell in words.values() or (cell.isdigit() and (int(cell) == 0 or int(cell) >= SMALL)), (row, cell)


def _assert_nothing_by_subtraction(data):
    """The sums a reader can do with the open data (regions add up to the country, and a
    category's regions to the country's category) never leave one withheld count alone
    beside a shown total, unless it is a 0 shown as "fewer than 5" (``protect`` lets a 0
    be worked out, never a count from 1 on)."""
    national = {c["key"]: c["count"] for c in data["national"]["categories"]}
    groups = [(data["national"]["total"], [r["total"] for r in data["regions"]])]
    by_key = [{c["key"]: c["count"] for c in r["categories"]} for r in data["regions"]]
    groups += [(national[key], [counts[key] for counts in by_key]) for key in CATEGORIES]
    for total, cells in groups:
        withheld = [cell for cell in cells if cell["value"] is None]
        if total["value"] is not None and len(withheld) == 1:
            assert total["value"] == sum(cell["value"] or 0 for cell in cells), (total, cells)


# --- the hand-built half-year ------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["en", "kk", "ru"])
@pytest.mark.parametrize("region", ["", "75", "71", "79", "10"])
def test_csv_and_json_agree_with_the_page(app, client, half_year, lang, region):
    data, table = _assert_agree(app, client, lang, region)
    _assert_no_small_count(data, table, _words(app, lang))
    _assert_nothing_by_subtraction(data)


def test_the_hand_worked_table(client, half_year):
    table = _csv(client, QUERY, "en")
    assert table[0] == ["Region", "Reports received", "Answered on time", "Violence", "Neglect", "Bullying",
                        "Sexual abuse", "Exploitation", "Right to education", "Health care", "Social support",
                        "Other"]
    assert len(table) == 1 + 20 + 1
    body = {row[0]: row[1:] for row in table[1:]}
    # 3 neglect reports in Almaty: "fewer than 5"; 0 health reports there: "fewer than 5"
    # too, as the country has only 1.
    assert body["Almaty"] == ["17", "75%", "5", FEW, "12", ZERO, ZERO, ZERO, FEW, ZERO, ZERO]
    assert body["Astana"] == [HID, "not enough data", "6", FEW, "6", ZERO, ZERO, "6", FEW, ZERO, ZERO]
    assert body["Shymkent"] == [FEW, "not enough data", *[FEW] * len(CATEGORIES)]
    assert body["Akmola Region"] == [ZERO, "not enough data", ZERO, FEW, ZERO, ZERO, ZERO, ZERO, FEW, ZERO, ZERO]
    assert table[-1] == ["All regions", "30", "83%", "11", FEW, "18", ZERO, ZERO, "6", FEW, ZERO, ZERO]
    # The table is of every region whichever is chosen.
    assert _csv_text(client, f"{QUERY}&region=75", "en") == _csv_text(client, QUERY, "en")


def test_the_hand_worked_open_data(client, half_year):
    data = _json(client, f"{QUERY}&region=75")
    assert data["small"] == SMALL == 5
    assert data["period"] == {"year": 2026, "half": 1, "start": "2026-01-01", "end": "2026-06-30"}
    assert data["region"] == "75" and data["total"] == {"value": 17} and data["on_time"] == {"percent": 75}
    assert {c["key"]: c["count"] for c in data["categories"]} == {
        **{key: {"value": 0} for key in CATEGORIES}, "violence": {"value": 5}, "bullying": {"value": 12},
        "neglect": {"value": None, "withheld": "fewer"}, "health": {"value": None, "withheld": "fewer"}}
    codes = [r["code"] for r in data["regions"]]
    assert codes == sorted(codes) and len(codes) == 20
    regions = {r["code"]: r for r in data["regions"]}
    assert regions["75"]["name"] == {"kk": "Алматы", "ru": "Алматы", "en": "Almaty"}
    assert regions["75"]["categories"] == data["categories"]
    assert regions["71"]["total"] == {"value": None, "withheld": "hidden"}
    assert regions["71"]["on_time"] == {"percent": None}
    assert regions["79"]["total"] == {"value": None, "withheld": "fewer"}
    assert data["national"]["total"] == {"value": 30} and data["national"]["on_time"] == {"percent": 83}
    assert data["national"]["categories"] == _json(client, QUERY)["categories"]
    assert _json(client, QUERY)["region"] is None


def _texts(data):
    """Every string of the open data but the region names."""
    if isinstance(data, dict):
        return {text for key, value in data.items() if key != "name" for text in _texts(value)}
    if isinstance(data, list):
        return {text for value in data for text in _texts(value)}
    return {data} if isinstance(data, str) else set()


def test_open_data_has_no_words_of_any_language(client, half_year):
    """Codes, keys, reasons and dates only, the same in every language; names only under
    "name", in all three languages."""
    data = _json(client, f"{QUERY}&region=71")
    assert _json(client, f"{QUERY}&region=71", "kk") == _json(client, f"{QUERY}&region=71", "ru") == data
    codes = {r["code"] for r in data["regions"]}
    assert _texts(data) <= {*CATEGORIES, FEWER, HIDDEN, "2026-01-01", "2026-06-30", *codes}
    assert all(r["name"].keys() == {"kk", "ru", "en"} and all(r["name"].values()) for r in data["regions"])


def test_three_reports_in_a_region_never_reach_a_file(app, client):
    """3 reports in Almaty beside 10 in Astana: Almaty shows "fewer than 5", and Astana's
    10 cannot stay (13 − 10 would be 3) in either file, in any language."""
    with app.app_context():
        for day in range(1, 4):
            _case("75", ["violence"], at(2026, 2, day, 10))
        for day in range(1, 11):
            _case("71", ["violence", "bullying"] if day <= 6 else ["education"], at(2026, 3, day, 10))
        db.session.commit()
    for lang in ("en", "kk", "ru"):
        for region in ("", "75"):
            data, table = _assert_agree(app, client, lang, region)
            _assert_no_small_count(data, table, _words(app, lang))
            _assert_nothing_by_subtraction(data)
    data = _json(client, QUERY)
    regions = {r["code"]: r for r in data["regions"]}
    assert regions["75"]["total"] == {"value": None, "withheld": "fewer"}
    assert regions["71"]["total"]["value"] is None
    assert not re.search(r'"value": [1-4]\b', json.dumps(data))
    assert not any(cell in ("3", "10") for row in _csv(client, QUERY, "en") for cell in row)


# --- many random half-years ----------------------------------------------------------------------

@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cases=RANDOM_CASES, region=st.sampled_from(CODES[:4]))
def test_no_small_number_ever_reaches_a_file(app, client, pool, cases, region):
    _rewrite(app, pool, cases)
    for lang in ("kk", "en"):
        data, table = _assert_agree(app, client, lang, region)
        _assert_no_small_count(data, table, _words(app, lang))
        _assert_nothing_by_subtraction(data)


# --- languages, files, bad queries, links ------------------------------------------------------

@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_kazakh_and_russian_tables_have_no_english(client, half_year, lang):
    html = _page(client, QUERY, lang)
    text = _csv_text(client, QUERY, lang)
    header = next(csv.reader(io.StringIO(text), delimiter=";"))
    regions_head = re.search(r'data-table="regions">.*?<thead>(.*?)</thead>', html, re.S).group(1)
    assert header[:3] == re.findall(r'<th scope="col">([^<]+)</th>', regions_head)
    assert header[3:] == list(rows(tables(html)["categories"]))[:-1]
    assert not LATIN.search(text), [line for line in text.splitlines() if LATIN.search(line)]


def test_files_are_named_by_their_half_year_and_cached_like_the_page(client, half_year):
    response = client.get(f"/stats.csv?{QUERY}&region=75")
    assert response.headers["Content-Disposition"] == "attachment; filename=ombudsman-figures-2026-january-june.csv"
    assert response.content_type == "text/csv; charset=utf-8"
    assert response.headers["Cache-Control"] == "public, max-age=300"
    response = client.get("/stats.json?year=2025&half=2&region=75")
    assert response.headers["Content-Disposition"] == \
        "attachment; filename=ombudsman-figures-2025-july-december-region-75.json"
    assert response.headers["Cache-Control"] == "public, max-age=300"
    assert client.get("/stats.json?year=2025&half=2").headers["Content-Disposition"].endswith(
        "filename=ombudsman-figures-2025-july-december.json")


BAD = ["year=abc", "half=3", "region=99", "year=2026&half=2", "year=1900&half=1", "year=2026&half=1&region=<script>"]


@pytest.mark.parametrize("lang", ["en", "ru"])
@pytest.mark.parametrize("query", BAD)
def test_a_query_not_understood_gets_the_pages_notice(client, monkeypatch, query, lang):
    monkeypatch.setattr(deadlines, "now_local", lambda: at(2026, 11, 25, 12))
    page = client.get(f"/stats?{query}&lang={lang}")
    notice = unescape(re.search(r'role="alert"><p>([^<]+)</p>', page.get_data(as_text=True)).group(1))
    table = client.get(f"/stats.csv?{query}&lang={lang}")
    assert (table.status_code, table.mimetype, table.get_data(as_text=True)) == (400, "text/plain", notice)
    data = client.get(f"/stats.json?{query}&lang={lang}")
    assert (data.status_code, data.mimetype, data.json) == (400, "application/json",
                                                              {"error": "bad_query", "message": notice})
    for response in (table, data):
        assert "public" not in response.headers.get("Cache-Control", "")
        assert "Content-Disposition" not in response.headers


def _links(html):
    """``{"CSV" or "JSON": (path, query)}`` of the page's download links."""
    found = re.findall(r'<a href="([^"]+)" download>Download these figures \((CSV|JSON)\)</a>', html)
    return {kind: (urlsplit(unescape(href)).path, parse_qs(urlsplit(unescape(href)).query)) for href, kind in found}


def test_the_page_links_to_both_files_of_what_it_shows(client, half_year, monkeypatch):
    monkeypatch.setattr(deadlines, "now_local", lambda: at(2026, 9, 1, 12))
    html = _page(client, "year=2025&half=2&region=75", "en")
    chosen = {"year": ["2025"], "half": ["2"], "region": ["75"]}
    assert _links(html) == {"CSV": ("/stats.csv", chosen), "JSON": ("/stats.json", chosen)}
    # Without a choice: the half-year shown, all regions.
    shown = {"year": ["2026"], "half": ["1"]}
    assert _links(_page(client, "", "en")) == {"CSV": ("/stats.csv", shown), "JSON": ("/stats.json", shown)}
    # A link gives what the page shows.
    _path, query = _links(_page(client, "region=71", "en"))["JSON"]
    assert _json(client, "&".join(f"{k}={v[0]}" for k, v in query.items()))["region"] == "71"


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_the_links_on_a_phone(live_server, page, lang):
    """390×844: both links lie inside the screen, the page is no wider than it, axe-core
    finds nothing, and the CSV link downloads the file of the half-year shown."""
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server}/stats?{QUERY}&region=75&lang={lang}")
    links = page.locator('[data-testid="stats-downloads"] a')
    expect(links).to_have_count(2)
    for n in range(2):
        box = links.nth(n).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    with page.expect_download() as download:
        links.first.click()
    assert download.value.suggested_filename == "ombudsman-figures-2026-january-june.csv"
