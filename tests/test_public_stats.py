"""Public figures at /stats [R3]: exact figures from a hand-built data set, small numbers
never shown (by hand, and for many random data sets), bad parameters, languages, caching.

The hand-built half-year (January–June 2026, Almaty dates):

    region 75  violence only ×5, bullying only ×9, bullying + neglect ×3   → total 17
               (+ one withdrawn neglect case and three cases outside the half-year)
    region 71  violence + bullying ×6, education only ×6                    → total 12
    region 79  health ×1                                                    → total 1
    the rest   nothing

so the country has violence 11, bullying 18, neglect 3, education 6, health 1, total 30.
"""
import re
from datetime import date, datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, update

from extensions import db
from models import Case
from models.case import CATEGORIES
from services import deadlines, public_stats
from services.public_stats import FEWER, HIDDEN, SMALL, TOTAL, Count, protect
from tests.factories import gen_case

ALMATY = ZoneInfo("Asia/Almaty")
YEAR, HALF = 2026, 1
STATS = f"/stats?year={YEAR}&half={HALF}"


def at(*args):
    return datetime(*args, tzinfo=ALMATY)


def _case(region, categories, received, state="registered", **fields):
    """A case submitted through the service, then moved to the given time and state."""
    case, _ = gen_case(region=region, categories=list(categories))
    case.received_at, case.registered_at, case.state = received, received + timedelta(minutes=1), state
    for name, value in fields.items():
        setattr(case, name, value)
    return case


def _answered(region, categories, received, due, answered, extended=None, state="answered"):
    return _case(region, categories, received, state=state, due_on=due, extended_due_on=extended,
                 answered_at=answered)


def build_half_year():
    """The data set of the module docstring, with its answers; flushes.

    Answered in region 75: 8, of which 6 on time → 75 %; in region 71: 4, all on time →
    not enough data; the country: 10 of 12 → 83 %.
    """
    # Region 75, violence only ×5.
    _answered("75", ["violence"], at(2026, 2, 2, 10), date(2026, 2, 20), at(2026, 2, 10, 12))       # on time
    # 23:00 on the deadline day (18:00 UTC) is on time; 00:30 the day after (19:30 UTC the
    # same UTC day) is late: days are Almaty days.
    _answered("75", ["violence"], at(2026, 2, 3, 10), date(2026, 2, 24), at(2026, 2, 24, 23))       # on time
    _answered("75", ["violence"], at(2026, 2, 4, 10), date(2026, 2, 25), at(2026, 2, 26, 0, 30))    # late
    _answered("75", ["violence"], at(2026, 2, 5, 10), date(2026, 2, 26), at(2026, 3, 15, 12),
              extended=date(2026, 3, 20))                                                          # on time, extended
    _case("75", ["violence"], at(2026, 6, 30, 23, 30))       # the last half hour of the half-year counts
    # Region 75, bullying only ×9; 00:10 on 1 January in Almaty is still 31 December in UTC.
    _answered("75", ["bullying"], at(2026, 1, 1, 0, 10), date(2026, 1, 22), at(2026, 1, 10, 12))    # on time
    _answered("75", ["bullying"], at(2026, 3, 2, 10), date(2026, 3, 23), at(2026, 4, 1, 12))        # late
    _answered("75", ["bullying"], at(2026, 3, 3, 10), date(2026, 3, 24), at(2026, 3, 20, 12),
              state="closed")                                                                      # on time
    for day in range(4, 10):
        _case("75", ["bullying"], at(2026, 3, day, 10))
    # Region 75, bullying and neglect ×3.
    _answered("75", ["bullying", "neglect"], at(2026, 4, 1, 10), date(2026, 4, 22), at(2026, 4, 15, 12))
    _case("75", ["bullying", "neglect"], at(2026, 4, 2, 10))
    _case("75", ["bullying", "neglect"], at(2026, 4, 3, 10))
    # Not counted: withdrawn, or received outside the half-year (Almaty dates).
    _case("75", ["neglect"], at(2026, 4, 10, 10), state="withdrawn")
    _case("75", ["neglect"], at(2026, 7, 1, 0, 30))
    _case("75", ["neglect"], at(2025, 12, 31, 23, 30))
    _answered("75", ["violence"], at(2025, 12, 20, 10), date(2026, 1, 12), at(2026, 1, 20, 12))     # late, other half
    # Region 71: violence and bullying ×6 (4 answered on time), education only ×6.
    for day in range(1, 7):
        if day <= 4:
            _answered("71", ["violence", "bullying"], at(2026, 5, day, 10), date(2026, 5, 25),
                      at(2026, 5, 20, 12))
        else:
            _case("71", ["violence", "bullying"], at(2026, 5, day, 10))
        _case("71", ["education"], at(2026, 5, day, 11))
    # Region 79: one case.
    _case("79", ["health"], at(2026, 3, 1, 10))
    db.session.flush()


def _counts(figures):
    return {row["key"]: row["count"] for row in figures["categories"]}


def _by_region(figures):
    return {row["region"].code: (row["total"], row["on_time"]) for row in figures["regions"]}


N = Count
FEW, HID = Count(withheld=FEWER), Count(withheld=HIDDEN)
ZEROS = {key: N(0) for key in CATEGORIES}


# --- the figures, worked out by hand ------------------------------------------------------------

def test_national_figures(app_ctx):
    build_half_year()
    figures = public_stats.figures(YEAR, HALF)
    assert figures["region"] is None and (figures["period"].start, figures["period"].end) == (
        date(2026, 1, 1), date(2026, 6, 30))
    # Neglect (3) and health (1) are small; exactly 6 education cases are shown.
    assert _counts(figures) == {**ZEROS, "violence": N(11), "bullying": N(18), "neglect": FEW,
                                "education": N(6), "health": FEW}
    assert figures["total"] == N(30) and figures["on_time"] == public_stats.Share(83)   # 10 of 12
    regions = _by_region(figures)
    assert len(regions) == 20
    assert regions["75"] == (N(17), public_stats.Share(75))                                # 6 of 8
    assert regions["79"] == (FEW, public_stats.Share())
    # 30 − 17 − 12 would give region 79's 1 away: region 71's 12 is hidden too. The sum
    # of its categories (6 + 6 + 6, some cases in two) does not give it back.
    assert regions["71"] == (HID, public_stats.Share())                                    # 4 answered
    assert all(regions[code] == (N(0), public_stats.Share()) for code in regions if code not in ("75", "71", "79"))
    assert figures["national"] == {"total": N(30), "on_time": public_stats.Share(83)}


def test_regional_figures(app_ctx):
    build_half_year()
    # Zeros in neglect and health show "fewer than 5": the country has fewer than 5 of
    # them, so a 0 beside a "fewer than 5" would tell where they are.
    f75 = public_stats.figures(YEAR, HALF, "75")
    assert f75["region"].code == "75"
    # Exactly 5 violence cases: shown as 5.
    assert _counts(f75) == {**ZEROS, "violence": N(5), "bullying": N(12), "neglect": FEW, "health": FEW}
    assert f75["total"] == N(17) and f75["on_time"] == public_stats.Share(75)
    f71 = public_stats.figures(YEAR, HALF, "71")
    assert _counts(f71) == {**ZEROS, "violence": N(6), "bullying": N(6), "education": N(6),
                            "neglect": FEW, "health": FEW}
    assert f71["total"] == HID and f71["on_time"] == public_stats.Share()
    # One case in all: every figure of region 79 is "fewer than 5".
    f79 = public_stats.figures(YEAR, HALF, "79")
    assert _counts(f79) == {key: FEW for key in CATEGORIES} and f79["total"] == FEW
    # The per-region table is the same on every page.
    assert _by_region(f75) == _by_region(f71) == _by_region(public_stats.figures(YEAR, HALF))


def test_other_half_years(app_ctx):
    build_half_year()
    # Only the case of 1 July, 00:30 Almaty time: fewer than 5 in the whole country.
    second = public_stats.figures(2026, 2, "75")
    assert _counts(second) == {key: FEW for key in CATEGORIES} and second["total"] == FEW
    assert public_stats.figures(2025, 2)["total"] == FEW     # 20 and 31 December 2025
    empty = public_stats.figures(2024, 1)
    assert _counts(empty) == ZEROS and empty["total"] == N(0) and empty["on_time"] == public_stats.Share()


def test_shares_are_whole_percent_and_need_five_answers():
    assert public_stats.share(4, 4) == public_stats.Share()
    assert public_stats.share(5, 5) == public_stats.Share(100)
    assert public_stats.share(199, 200) == public_stats.Share(99)      # not 100 % while one was late
    assert public_stats.share(1, 300) == public_stats.Share(1)         # not 0 % while one was on time
    assert public_stats.share(0, 7) == public_stats.Share(0)


def test_default_period_is_the_last_completed_half_year(monkeypatch):
    assert public_stats.default_period(date(2026, 11, 25)) == (2026, 1)
    assert public_stats.default_period(date(2026, 7, 1)) == (2026, 1)
    assert public_stats.default_period(date(2026, 6, 30)) == (2025, 2)
    assert public_stats.default_period(date(2027, 1, 1)) == (2026, 2)
    monkeypatch.setattr(deadlines, "now_local", lambda: at(2027, 3, 1, 9))
    assert public_stats.default_period() == (2026, 2)


def test_only_aggregates_are_read(app_ctx):
    """Every query on the cases groups them: no case row reaches Python."""
    build_half_year()
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    engine = db.session.get_bind()
    engine = getattr(engine, "engine", engine)
    event.listen(engine, "before_cursor_execute", record)
    try:
        public_stats.figures(YEAR, HALF, "75")
    finally:
        event.remove(engine, "before_cursor_execute", record)
    on_cases = [s for s in statements if "FROM cases" in s]
    assert len(on_cases) == 2 and all("GROUP BY" in s for s in on_cases)


# --- the rule, on small tables ------------------------------------------------------------------

def test_one_small_cell_beside_a_five_hides_the_five_and_the_total():
    """1 + 5 = 6: hiding the 5 is not enough while the total says the two make 6."""
    values = {"a": 1, "b": 5, "c": 0, "t": 6}
    assert protect(values, [("t", ["a", "b", "c"])]) == {"a": FEWER, "b": HIDDEN, "t": HIDDEN}


def test_next_smallest_is_hidden_and_the_rest_stays():
    values = {"a": 3, "b": 9, "c": 40, "d": 41, "t": 93}
    assert protect(values, [("t", ["a", "b", "c", "d"])]) == {"a": FEWER, "b": HIDDEN}


def test_overlapping_categories_need_no_more_hiding():
    """Cells that add up to more than the total (cases in two categories) say nothing exact."""
    values = {"a": 2, "b": 9, "c": 8, "t": 12}
    assert protect(values, [("t", ["a", "b", "c"])]) == {"a": FEWER}


def test_small_country_total_hides_everything():
    values = {"a": 3, "b": 0, TOTAL: 3}
    assert protect(values, [(TOTAL, ["a", "b"])]) == {"a": FEWER, "b": FEWER, TOTAL: FEWER}


def test_zeros_are_masked_under_a_small_total():
    """Four regions at "fewer than 5" under a national 4 would be one case each."""
    values = {**{f"r{i}": 1 for i in range(4)}, **{f"z{i}": 0 for i in range(3)}, "k": 4, TOTAL: 50}
    withheld = protect(values, [("k", [f"r{i}" for i in range(4)] + [f"z{i}" for i in range(3)])])
    assert withheld == {**{f"r{i}": FEWER for i in range(4)}, **{f"z{i}": FEWER for i in range(3)}, "k": FEWER}


# --- the rule, on many random tables ------------------------------------------------------------

CODES = ["75", "71", "79", "11", "10", "55"]
SOME_CATEGORIES = ["violence", "neglect", "bullying", "sexual_abuse", "education"]
CASES = st.lists(st.tuples(st.sampled_from(CODES),
                           st.sets(st.sampled_from(SOME_CATEGORIES), min_size=1, max_size=2)),
                 max_size=90)


def _table_of(cases):
    by_category, totals = {}, {}
    for code, categories in cases:
        received = totals.get(code, (0, 0, 0))[0]
        totals[code] = (received + 1, 0, 0)
        for category in categories:
            by_category[(code, category)] = by_category.get((code, category), 0) + 1
    return public_stats._table(CODES, by_category, totals)


def _what_a_reader_can_tell(values, withheld, groups):
    """Written apart from the service: interval reasoning over every table until nothing
    changes, from the labels only (and, to be strict, the service's own assumptions)."""
    shown_fewer = {total for total, _ in groups if withheld.get(total) == FEWER}
    zero_possible = {cell for total, cells in groups if total in shown_fewer for cell in cells}
    known = {}
    for key, value in values.items():
        reason = withheld.get(key)
        known[key] = ([value, value] if reason is None else [0 if key in zero_possible else 1, SMALL - 1]
                      if reason == FEWER else [SMALL, float("inf")])
    for total, cells in groups:
        smallest = min((values[c] for c in cells if c not in withheld and values[c] >= SMALL), default=None)
        for cell in cells:
            if withheld.get(cell) == HIDDEN and smallest is not None and values[cell] <= smallest:
                known[cell][1] = min(known[cell][1], smallest)
    for _ in range(1000):
        before = {key: tuple(bounds) for key, bounds in known.items()}
        for total, cells in groups:
            exact = sum(values[c] for c in cells) == values[total]
            for cell in cells:
                others = [c for c in cells if c != cell]
                known[cell][0] = max(known[cell][0], known[total][0] - sum(known[c][1] for c in others))
                known[cell][1] = min(known[cell][1], known[total][1] - sum(known[c][0] for c in others)
                                     if exact else known[total][1])
            low = sum(known[c][0] for c in cells) if exact else max(known[c][0] for c in cells)
            known[total][0] = max(known[total][0], low)
            known[total][1] = min(known[total][1], sum(known[c][1] for c in cells))
        if before == {key: tuple(bounds) for key, bounds in known.items()}:
            break
    return known


@settings(max_examples=150, deadline=None)
@given(cases=CASES)
def test_no_small_count_is_shown_or_can_be_worked_out(cases):
    values, groups = _table_of(cases)
    withheld = protect(values, groups)
    assert not [key for key, n in values.items() if 0 < n < SMALL and key not in withheld]
    known = _what_a_reader_can_tell(values, withheld, groups)
    for key in withheld:
        low, high = known[key]
        assert low <= values[key] <= high, key
        assert values[key] == 0 or low < high, f"{key} = {values[key]} can be worked out"


# --- the page -------------------------------------------------------------------------------------

class _Tables(HTMLParser):
    """The page's tables: ``{name: [(row header, [(td class, td text), ...]), ...]}``."""

    def __init__(self):
        super().__init__()
        self.tables, self.table, self.row, self.cell = {}, None, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self.table = self.tables.setdefault(attrs.get("data-table"), [])
        elif tag == "tr" and self.table is not None:
            self.row = ["", []]
            self.table.append(self.row)
        elif tag in ("th", "td") and self.row is not None:
            self.cell = [tag, attrs.get("class") or "", ""]

    def handle_endtag(self, tag):
        if tag in ("th", "td") and self.cell is not None:
            kind, css, text = self.cell
            text = " ".join(text.split())
            if kind == "th":
                self.row[0] = text
            else:
                self.row[1].append((css, text))
            self.cell = None
        elif tag == "table":
            self.table = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell[2] += data


def tables(html):
    parser = _Tables()
    parser.feed(html)
    return parser.tables


def rows(table):
    """``{row header: [td texts]}`` of a table's body and footer rows."""
    return {header: [text for _, text in cells] for header, cells in table if cells}


@pytest.fixture
def half_year(app):
    with app.app_context():
        build_half_year()
        db.session.commit()


def test_page_shows_the_hand_worked_figures(client, half_year):
    response = client.get(f"{STATS}&lang=en")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "January–June 2026" in html and "All regions" in html
    found = tables(html)
    categories = rows(found["categories"])
    assert categories == {"Violence": ["11"], "Neglect": ["fewer than 5"], "Bullying": ["18"],
                          "Sexual abuse": ["0"], "Exploitation": ["0"], "Right to education": ["6"],
                          "Health care": ["fewer than 5"], "Social support": ["0"], "Other": ["0"],
                          "All reports": ["30"]}
    regions = rows(found["regions"])
    assert len(regions) == 21
    assert regions["Almaty"] == ["17", "75%"]
    assert regions["Astana"] == ["hidden", "not enough data"]
    assert regions["Shymkent"] == ["fewer than 5", "not enough data"]
    assert regions["Almaty Region"] == ["0", "not enough data"]
    assert regions["All regions"] == ["30", "83%"]
    assert re.search(r'<strong data-share="scope">83%</strong>', html)


def test_page_of_one_region(client, half_year):
    html = client.get(f"{STATS}&region=75&lang=en").get_data(as_text=True)
    assert "January–June 2026 · Almaty" in html
    categories = rows(tables(html)["categories"])
    assert categories["Violence"] == ["5"] and categories["Bullying"] == ["12"]
    assert categories["Neglect"] == ["fewer than 5"] and categories["Health care"] == ["fewer than 5"]
    assert categories["Right to education"] == ["0"] and categories["All reports"] == ["17"]
    assert re.search(r'<strong data-share="scope">75%</strong>', html)
    assert re.search(r'<tr class="current-region">\s*<th scope="row"><span aria-current="true">Almaty</span>', html)
    astana = rows(tables(client.get(f"{STATS}&region=71&lang=en").get_data(as_text=True))["categories"])
    assert astana["All reports"] == ["hidden"] and astana["Right to education"] == ["6"]


def test_tables_are_accessible(client, half_year):
    html = client.get(f"{STATS}&lang=en").get_data(as_text=True)
    assert html.count("<caption>") == 2
    assert '<th scope="col">Category</th>' in html and '<th scope="col">Answered on time</th>' in html
    assert html.count('<th scope="row">') >= 9 + 1 + 20
    assert "Why some numbers are hidden" in html and "fewer than 5" in html
    assert '<label for="stats-year">' in html and '<form class="stacked-form stats-form" method="get"' in html
    assert "<script>" not in html   # no inline script: the CSP allows none


@pytest.mark.parametrize("lang, words", [
    ("kk", ["Ақмола облысы", "Шымкент", "Алматы облысы"]),
    ("ru", ["Акмолинская область", "Шымкент", "Алматинская область"]),
])
def test_page_in_kazakh_and_russian(client, half_year, lang, words):
    for query in (STATS, f"{STATS}&region=75", "/stats"):
        response = client.get(f"{query}&lang={lang}" if "?" in query else f"{query}?lang={lang}")
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert f'<html lang="{lang}">' in html
        assert all(word in html for word in words)


def test_home_page_links_to_the_figures(client):
    assert 'href="/stats"' in client.get("/").get_data(as_text=True)


def test_default_is_the_last_completed_half_year(client, monkeypatch):
    monkeypatch.setattr(deadlines, "now_local", lambda: at(2026, 9, 1, 12))
    html = client.get("/stats?lang=en").get_data(as_text=True)
    assert "January–June 2026 · All regions" in html
    assert '<option value="2026" selected>' in html and '<option value="1" selected>' in html
    monkeypatch.setattr(deadlines, "now_local", lambda: at(2027, 2, 1, 12))
    assert "July–December 2026" in client.get("/stats?lang=en").get_data(as_text=True)


BAD = ["year=abc", "half=3", "region=99", "year=2026&half=0", "year=99999999999999999999999",
       "year=-2025", "year=2026&half=2", "year=1900&half=1", "region=abc", "region=7",
       "year=%EF%BC%92%EF%BC%90%EF%BC%92%EF%BC%95&half=1", "half=%00x", "region=%00x", "year=2025.0",
       "year=&half=&region=99", "year=2026&half=1&region=<script>"]


@pytest.mark.parametrize("query", BAD)
def test_bad_parameters_give_a_message_never_an_error(client, monkeypatch, query):
    monkeypatch.setattr(deadlines, "now_local", lambda: at(2026, 11, 25, 12))
    response = client.get(f"/stats?{query}&lang=en")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert re.search(r'<div class="notice notice-error" role="alert"><p>[^<]+</p></div>', html)
    assert "January–June 2026" in html      # the last completed half-year instead
    assert "public" not in response.headers.get("Cache-Control", "")
    assert "<script>" not in html


@pytest.mark.parametrize("query", ["half=%00", "region=%00", "year=%0A"])
def test_control_characters_alone_are_no_parameter(client, monkeypatch, query):
    """The request drops control characters from query values (request_input): what is left
    is an empty parameter, which means the default."""
    monkeypatch.setattr(deadlines, "now_local", lambda: at(2026, 11, 25, 12))
    response = client.get(f"/stats?{query}&lang=en")
    assert response.status_code == 200 and "January–June 2026" in response.get_data(as_text=True)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(st.one_of(st.text(max_size=30), st.integers().map(str), st.sampled_from(
    ["2025", "1", "2", "75", "<b>x</b>", "\x00", "9" * 400, "1e309", "-0", " 2025 ", "٢٠٢٥"])),
    min_size=3, max_size=3))
def test_any_query_string_gives_a_page(client, values):
    query = urlencode(dict(zip(("year", "half", "region"), values)))
    response = client.get(f"/stats?{query}")
    assert response.status_code in (200, 400)
    assert "<b>x</b>" not in response.get_data(as_text=True)


@pytest.mark.parametrize("query", ["year=2025&half=2", "year=2025", "half=1", "region=", "region=75",
                                   "year=2016&half=1", "year=2026&half=1&region=79&other=x"])
def test_good_parameters(client, monkeypatch, query):
    monkeypatch.setattr(deadlines, "now_local", lambda: at(2026, 11, 25, 12))
    response = client.get(f"/stats?{query}")
    assert response.status_code == 200
    assert 'role="alert"' not in response.get_data(as_text=True)


def test_cache_control(client, app):
    response = client.get(STATS)
    assert response.headers["Cache-Control"] == "public, max-age=300"
    assert {"Accept-Language", "Cookie"} <= set(response.vary)
    # A response that sets the language cookie is not for shared caches.
    assert "Set-Cookie" not in response.headers
    chosen = app.test_client().get(f"{STATS}&lang=ru")
    assert chosen.headers["Cache-Control"] == "private, max-age=300" and "lang=ru" in chosen.headers["Set-Cookie"]
    # Nor one that shows (and so takes out of the session) a message meant for this visitor.
    flashed = app.test_client()
    with flashed.session_transaction() as session:
        session["_flashes"] = [("info", "Your report is closed on this device.")]
    response = flashed.get(STATS)
    assert "Your report is closed on this device." in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "private, max-age=300"


# --- never a small number on the page, for many random data sets ------------------------------

POOL = 36
RANDOM_CASES = st.lists(
    st.tuples(st.sampled_from(CODES[:4]), st.sets(st.sampled_from(SOME_CATEGORIES), min_size=1, max_size=2),
              st.sampled_from(["in", "in", "in", "out"]), st.sampled_from(["registered", "answered", "late",
                                                                             "withdrawn"])),
    min_size=POOL, max_size=POOL)
INTEGER = re.compile(r"[0-9][0-9\s\u00a0\u202f]*")
DIGITS = re.compile(r"(?<![0-9])[0-9]+(?![0-9])")


@pytest.fixture
def pool(app):
    """Cases made once for the whole random test; each example rewrites their fields."""
    with app.app_context():
        ids = [gen_case(region="75")[0].id for _ in range(POOL)]
        db.session.commit()
    return ids


def _labels(app, lang):
    with app.test_request_context(f"/?lang={lang}"):
        return {str(Count(withheld=FEWER)), str(Count(withheld=HIDDEN)), str(public_stats.Share())}


def _rewrite(app, ids, cases):
    rows_ = []
    for case_id, (code, categories, when, state) in zip(ids, cases):
        received = at(2026, 3, 10, 10) if when == "in" else at(2026, 8, 10, 10)
        answered = {"answered": at(2026, 3, 12, 10), "late": at(2026, 5, 12, 10)}.get(state)
        rows_.append({"id": case_id, "region_code": code, "categories": sorted(categories), "received_at": received,
                      "due_on": date(2026, 4, 1), "extended_due_on": None, "answered_at": answered,
                      "state": "answered" if answered else state})
    with app.app_context():
        db.session.execute(update(Case), rows_)
        db.session.commit()


def _check_cells(html, labels):
    for name, table in tables(html).items():
        for header, cells in table:
            for css, text in cells:
                if css == "share":
                    assert text in labels or re.fullmatch(r"[0-9]{1,3}\s?%", text), (name, header, text)
                    continue
                assert css == "count", (name, header, css)
                assert text in labels or INTEGER.fullmatch(text), (name, header, text)
                if text not in labels:
                    number = int(re.sub(r"[^0-9]", "", text))
                    assert number == 0 or number >= SMALL, (name, header, text)
                for digits in DIGITS.findall(text):
                    assert not 1 <= int(digits) < SMALL or text in labels, (name, header, text)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cases=RANDOM_CASES, region=st.sampled_from(CODES[:4]))
def test_no_small_number_ever_reaches_the_page(app, client, pool, cases, region):
    _rewrite(app, pool, cases)
    for lang in ("kk", "ru"):
        labels = _labels(app, lang)
        for query in (STATS, f"{STATS}&region={region}"):
            response = client.get(f"{query}&lang={lang}")
            assert response.status_code == 200
            html = response.get_data(as_text=True)
            assert set(tables(html)) == {"categories", "regions"}
            _check_cells(html, labels)

