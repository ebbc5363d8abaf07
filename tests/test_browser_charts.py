"""The dashboard's charts in a real browser [R3]: on a 1280-pixel screen and on a 390-pixel
phone, in Kazakh and in Russian, no two texts of a chart overlap, none leaves its drawing,
no chart scrolls sideways, and on the phone the current month is in view.

Geometry is read from chromium itself: each text's box (``getBBox``) carried through its
transform (``getCTM``), compared with the others and with the drawing's viewBox.
"""
from datetime import timedelta

import pytest
from flask_babel import force_locale, format_date

from extensions import db
from models.base import utcnow
from models.case import CATEGORIES
from services import dashboard
from tests.browser import browser, live_server, log_in, page, shot  # noqa: F401
from tests.factories import gen_case
from tests.helpers import gen_user

pytestmark = pytest.mark.browser

REGIONS = ("10", "27", "59", "63", "71", "75")
# For every chart shown: its title, the texts that leave it or overlap, whether its box
# scrolls, and where each text is on the screen.
GEOMETRY = """() => Array.from(document.querySelectorAll('[data-testid^="dashboard-chart-"] svg.chart'))
  .filter(svg => svg.getClientRects().length > 0)
  .map(svg => {
    const words = t => Array.from(t.childNodes).filter(n => n.nodeType === 3).map(n => n.textContent).join("");
    const texts = Array.from(svg.querySelectorAll("text")).map(t => {
      const b = t.getBBox();
      const m = svg.getCTM().inverse().multiply(t.getCTM());
      const corners = [[b.x, b.y], [b.x + b.width, b.y], [b.x + b.width, b.y + b.height], [b.x, b.y + b.height]]
        .map(([x, y]) => { const p = new DOMPoint(x, y).matrixTransform(m); return [p.x, p.y]; });
      const r = t.getBoundingClientRect();
      return {words: words(t), corners, left: r.left, right: r.right};
    });
    const vb = svg.viewBox.baseVal;
    const out = ([x, y]) => x < vb.x - 0.5 || y < vb.y - 0.5 || x > vb.x + vb.width + 0.5
      || y > vb.y + vb.height + 0.5;
    const outside = texts.filter(t => t.corners.some(out)).map(t => t.words);
    const axes = c => c.map((p, i) => { const q = c[(i + 1) % 4]; return [q[1] - p[1], p[0] - q[0]]; });
    const apart = (a, b) => axes(a).concat(axes(b)).some(([ax, ay]) => {
      const n = Math.hypot(ax, ay) || 1;
      const pa = a.map(([x, y]) => (x * ax + y * ay) / n), pb = b.map(([x, y]) => (x * ax + y * ay) / n);
      return Math.min(...pa) >= Math.max(...pb) - 0.5 || Math.min(...pb) >= Math.max(...pa) - 0.5;
    });
    const overlaps = [];
    texts.forEach((a, i) => texts.slice(i + 1).forEach(b => {
      if (!apart(a.corners, b.corners)) { overlaps.push([a.words, b.words]); }
    }));
    const box = svg.closest(".chart-scroll");
    const rect = svg.getBoundingClientRect();
    return {title: svg.querySelector("title").textContent, outside, overlaps,
            scrolls: box.scrollWidth > box.clientWidth + 1, left: rect.left, right: rect.right,
            texts: texts.map(t => ({words: t.words, left: t.left, right: t.right}))};
  })"""


@pytest.fixture
def commissioner(app):
    """A year of cases in six regions and every category, some answered (on time or late),
    and a national reader."""
    with app.app_context():
        now = utcnow()
        categories = list(CATEGORIES)
        for month in range(12):
            for n in range(month % 4 + 1):
                case, _code = gen_case(REGIONS[(month + n) % len(REGIONS)],
                                       categories=[categories[(month + n) % len(categories)]])
                case.received_at = now - timedelta(days=30 * month + n + 2)
                if n < 2:
                    case.due_on = (case.received_at + timedelta(days=1 if n else 20)).date()
                    case.answered_at, case.state = case.received_at + timedelta(days=2), "answered"
        db.session.commit()
        return gen_user("commissioner").email


def this_month(app, language):
    with app.test_request_context(), force_locale(language):
        return format_date(dashboard.months(utcnow())[-1], "LLL yyyy")


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_dashboard_charts_at_1280_and_390_pixels(app, live_server, page, commissioner, language):
    log_in(page, live_server, commissioner)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server}/admin/?lang={language}")
        charts = page.evaluate(GEOMETRY)
        shot(page, f"dashboard-charts-{language}-{width}")
        assert len(charts) == 4  # per month, by category, by region, on time: one drawing each
        for chart in charts:
            assert chart["outside"] == [] and chart["overlaps"] == [], (width, chart["title"], chart)
            assert not chart["scrolls"], (width, chart["title"])
            assert 0 <= chart["left"] and chart["right"] <= width, (width, chart["title"])
        received = charts[0]
        month = next(text for text in received["texts"] if text["words"] == this_month(app, language))
        assert 0 <= month["left"] and month["right"] <= width  # in view, not scrolled away
