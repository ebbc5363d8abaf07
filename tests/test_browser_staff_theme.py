"""The staff screens pass WCAG 2.1 AA (issue 18, items 1 and 3), in a real browser.

* Every screen of the admin's menu, for each role, at 1280 px: axe-core finds no violation of
  any impact, and each page has one ``<main>`` and one h1. Each role walks its screens in one
  of the two languages, so that both are walked by regional and national roles alike
  (``MENU_WALKS``); that each page reads in its language is tests/test_page_words.py's.
  The screens are not listed by hand: they are the Flask-Admin views the role may open
  (each view's own ``is_visible`` and ``is_accessible``, as its menu asks), each as its
  list or index page and its create form where the role may create, then the first
  details page and edit form its list offers (the row buttons the role is shown).
* The ombudsman's daily work at 390 px (a phone): the home page, the work queue, the cases,
  a new case, three case pages (checklist and messages included) and every step, checklist
  and correction form they link to: axe-core finds nothing, no page is wider than the
  screen, and every button, field and menu entry is at least 44 by 44 px.
* The keyboard focus is seen: the skip link leads to the page's ``<main>``, and the menu
  and the page's controls show a ring when focused.

One data set of region 75 with a row of every kind (tests.matrix_helpers.build_world) is
committed once for the module; each test logs its person in once, in one browser context,
and walks the pages there. Phone screenshots of the queue and a case go to /tmp/shots18.
"""
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import url_for
from flask_admin.model import BaseModelView
from flask_login import login_user
from playwright.sync_api import expect
from sqlalchemy import select

from core import throttle
from extensions import db
from models import User
from tests.browser import assert_no_csp_violations, browser, live_server, log_in, page  # noqa: F401
from tests.matrix_helpers import build_world

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
SHOTS = Path("/tmp/shots18")
# The people of build_world, one of each role.
ROLES = {"superadmin": "sa", "commissioner": "com", "committee": "cte", "akimat_admin": "ak75",
         "ombudsman": "om75"}
LANGUAGES = ("kk", "ru")
MENU_WALKS = (("superadmin", "kk"), ("commissioner", "ru"), ("committee", "kk"), ("akimat_admin", "ru"),
              ("ombudsman", "kk"))
MIN_TARGET = 44  # px, WCAG 2.5.5

# The controls a person taps: buttons, fields, tabs, the pager, the menu, a case's link in a
# card. Links inside sentences are exempt (WCAG 2.5.5, "inline").
TAP_TARGETS = """() => {
  const selector = 'main a.btn, main button, main input:not([type=hidden]), main select, main textarea,'
    + ' main .nav-link, main .page-link, main a.case-link, header a, header button';
  const small = [];
  for (const el of document.querySelectorAll(selector)) {
    let box = el.getBoundingClientRect();
    if (box.width <= 1 || box.height <= 1 || box.right <= 0 || box.bottom <= 0) continue;  // hidden, off-screen
    if (getComputedStyle(el).visibility === 'hidden' || el.closest('.select2-offscreen')) continue;
    if (el.type === 'checkbox' || el.type === 'radio') {   // the box with its label is the target
      box = (el.closest('.form-check') || el.parentElement).getBoundingClientRect();
    }
    if (box.width < %(min)d || box.height < %(min)d) {
      const name = (el.innerText || el.value || el.name || el.id || '').trim().slice(0, 40);
      small.push(`<${el.tagName.toLowerCase()} class="${el.className}"> "${name}" ${Math.round(box.width)}x${Math.round(box.height)}`);
    }
  }
  return small;
}""" % {"min": MIN_TARGET}

# axe-core over the whole page, returning its violations only (the rest is not read here).
AXE_RUN = "() => axe.run(document, {resultTypes: ['violations']}).then(results => results.violations)"

# The elements that stick out to the right of the screen, to say why a page is too wide.
TOO_WIDE = """() => {
  const width = document.documentElement.clientWidth, out = [];
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    if (box.width && box.right > width + 1) out.push(`<${el.tagName.toLowerCase()} class="${el.className}"> to ${Math.round(box.right)} px`);
  }
  return out.slice(0, 5);
}"""


@pytest.fixture(autouse=True)
def _isolation(app):
    """This module's data is committed once (``world``) and emptied at its end, so unlike
    tests/conftest.py's ``_isolation`` nothing is emptied after each test."""
    with app.app_context():
        throttle.forget_all()
    app.extensions.pop("dashboard_national", None)
    yield


@pytest.fixture(scope="module")
def world(app):
    # The browser keeps the static files for the module instead of asking again on every
    # page (Flask's default is to revalidate each): the walk opens some 700 pages.
    kept = app.config["SEND_FILE_MAX_AGE_DEFAULT"]
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = 3600
    try:
        yield from build_world(app)
    finally:
        app.config["SEND_FILE_MAX_AGE_DEFAULT"] = kept


def menu_screens(app, email):
    """What the admin's menu gives ``email``: for every view they may open, its list or
    index page and, where they may create, its create form (URL paths)."""
    admin = app.extensions["admin"][0]
    screens = []
    with app.test_request_context("/admin/"):
        login_user(db.session.scalar(select(User).where(User.email == email)))
        for view in admin._views:
            if not (view.is_visible() and view.is_accessible()):
                continue
            screens.append(url_for(f"{view.endpoint}.{view._default_view}"))
            if isinstance(view, BaseModelView) and view.can_create:
                screens.append(url_for(f"{view.endpoint}.create_view"))
    return screens


class Walk:
    """Opens pages in one logged-in browser page and notes every problem found."""

    def __init__(self, page, live_server, lang):
        self.page, self.live_server, self.lang = page, live_server, lang
        # axe-core is in every page the context opens from now on (Playwright adds it before
        # the page's own scripts; the Content Security Policy does not apply to it).
        page.context.add_init_script(script=Axe().axe_script)
        self.problems, self.visited = [], []

    def open(self, path):
        """Open ``path`` and check it; returns False if the page did not load."""
        response = self.page.goto(self.live_server + path)
        self.visited.append(path)
        if response is None or not response.ok:
            self.problems.append(f"{path}: HTTP {response.status if response else 'no response'}")
            return False
        facts = self.page.evaluate("""() => ({lang: document.documentElement.lang,
            mains: document.querySelectorAll('main').length, h1s: document.querySelectorAll('h1').length})""")
        if facts != {"lang": self.lang, "mains": 1, "h1s": 1}:
            self.problems.append(f"{path}: want lang={self.lang}, one <main>, one h1; got {facts}")
        for violation in self.page.evaluate(AXE_RUN):
            targets = "; ".join(", ".join(node["target"]) for node in violation["nodes"][:3])
            self.problems.append(f"{path}: axe {violation['id']} ({violation['impact']}) "
                                 f"x{len(violation['nodes'])}: {violation['help']} [{targets}]")
        return True

    def links(self, selector):
        """The distinct paths (with their query) of the links ``selector`` finds."""
        hrefs = [self.page.locator(selector).nth(i).get_attribute("href")
                 for i in range(self.page.locator(selector).count())]
        return list(dict.fromkeys(h for h in hrefs if h and h.startswith("/")))

    def report(self):
        return f"{len(self.problems)} problems on {len(self.visited)} pages ({self.lang}):\n" + "\n".join(
            f"  {problem}" for problem in self.problems)


def _logged_in(page, live_server, email, lang):
    log_in(page, live_server, email)
    page.goto(f"{live_server}/admin/?lang={lang}")
    expect(page.locator("html")).to_have_attribute("lang", lang)


@pytest.mark.parametrize("role, lang", MENU_WALKS)
def test_every_menu_screen_passes_axe(app, live_server, page, world, role, lang):
    email = world.emails[ROLES[role]]
    screens = menu_screens(app, email)
    _logged_in(page, live_server, email, lang)
    walk = Walk(page, live_server, lang)
    opened = []
    for path in screens:
        if not walk.open(path):
            continue
        # The first row's details and edit form, as the list offers them to this role.
        for kind in ("details", "edit"):
            found = walk.links(f'main table.model-list a[data-row-action="{kind}"]')[:1]
            opened += [(kind, href) for href in found]
    for _kind, href in opened:
        walk.open(href)
    assert not walk.problems, walk.report()
    # The walk saw what the role works with: lists, a record, and a form where it may change data.
    kinds = {kind for kind, _href in opened}
    assert "details" in kinds, f"no list offered {role} a details page: {walk.visited}"
    if role != "committee":  # the committee reads only
        assert "edit" in kinds or any(p.endswith("/new/") for p in walk.visited), walk.visited
    assert_no_csp_violations(page)


def _daily_work(walk, world):
    """The ombudsman's pages: home, queue, cases, a new case, three cases in different states
    and the step, checklist and correction forms those case pages link to (one of each)."""
    ids = world.ids
    cases = [f"/admin/case/details/?id={ids[key]}" for key in ("case", "started_case", "answered_case")]
    pages = ["/admin/", "/admin/queue/", "/admin/case/", "/admin/case/new/", *cases]
    forms = {}
    for case in cases:
        walk.page.goto(walk.live_server + case)
        for href in walk.links('main a[data-action][href^="/admin/case/"]'):
            route = urlsplit(href).path
            if "/file/" not in route and "/evidence/" not in route:
                forms.setdefault(route, href)  # one form of each kind
    return pages + list(forms.values())


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_ombudsman_works_on_a_phone(app, live_server, page, world, lang):
    page.set_viewport_size(PHONE)
    _logged_in(page, live_server, world.emails["om75"], lang)
    walk = Walk(page, live_server, lang)
    pages = _daily_work(walk, world)
    assert any("/step/answer/" in p for p in pages) and any("/item/" in p for p in pages), pages
    for path in pages:
        if not walk.open(path):
            continue
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            walk.problems.append(f"{path}: {width} px wide at {PHONE['width']} px: {page.evaluate(TOO_WIDE)}")
        for target in page.evaluate(TAP_TARGETS):
            walk.problems.append(f"{path}: tap target under {MIN_TARGET} px: {target}")
        if path == "/admin/queue/":
            _shot(page, f"queue-{lang}")
        elif path == f"/admin/case/details/?id={world.ids['case']}":
            _shot(page, f"case-{lang}")

    # The menu opens behind its button, and each entry is big enough to tap.
    page.goto(f"{live_server}/admin/")
    menu = page.locator("#admin-navbar-collapse")
    expect(menu).to_be_hidden()
    page.locator(".navbar-toggler").click()
    expect(menu).to_be_visible()
    for target in page.evaluate(TAP_TARGETS):
        walk.problems.append(f"the open menu: tap target under {MIN_TARGET} px: {target}")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert not walk.problems, walk.report()
    assert_no_csp_violations(page)


def _shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _focus(page):
    return page.evaluate("""() => { const el = document.activeElement, style = getComputedStyle(el);
        return {tag: el.tagName.toLowerCase(), cls: el.className, id: el.id, outline: style.outlineStyle,
                width: parseFloat(style.outlineWidth), left: el.getBoundingClientRect().left}; }""")


def test_keyboard_focus_is_visible(app, live_server, page, world):
    _logged_in(page, live_server, world.emails["om75"], "kk")
    page.goto(f"{live_server}/admin/case/details/?id={world.ids['case']}")
    page.keyboard.press("Tab")
    skip = _focus(page)
    assert skip["cls"] == "skip-link" and skip["left"] >= 0 and skip["outline"] != "none", skip
    page.keyboard.press("Enter")
    assert _focus(page)["tag"] == "main"
    controls = 0
    for _ in range(200):  # the case's own links, buttons and fields, to the end of the page
        page.keyboard.press("Tab")
        focused = _focus(page)
        if focused["tag"] == "body":
            break
        assert focused["outline"] != "none" and focused["width"] >= 2, focused
        controls += 1
    assert controls >= 15, controls
