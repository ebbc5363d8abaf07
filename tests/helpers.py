"""Small helpers for tests: CSRF tokens, logging in, making users."""
import re
from html.parser import HTMLParser

from extensions import db
from services.users import create_user

PASSWORD = "correct-horse-battery"
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(html):
    """The CSRF token of the first form on a page."""
    match = _CSRF.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def gen_user(role, region=None, email=None, password=PASSWORD, name=""):
    email = email or f"{role}.{region or 'kz'}@test.kz"
    user = create_user(email, role, password, region_code=region, name=name)
    db.session.commit()
    return user


class AuthActions:
    """Log in and out through the real form (with its CSRF token), as the tutorial does."""

    def __init__(self, client):
        self.client = client

    def login(self, email, password=PASSWORD, next_url=None):
        page = self.client.get("/login")
        data = {"csrf_token": csrf_token(page.get_data(as_text=True)), "email": email,
                "password": password}
        if next_url:
            data["next"] = next_url
        return self.client.post("/login", data=data)

    def logout(self):
        page = self.client.get("/admin/")
        return self.client.post("/logout", data={"csrf_token": csrf_token(page.get_data(as_text=True))})


class _FormReader(HTMLParser):
    """The fields of the first ``<form class="... admin-form ...">`` as a browser would post them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.fields, self.depth, self.done = [], 0, False
        self._select = self._textarea = None
        self._options = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self.done:
            return
        if tag == "form" and not self.depth:
            if "admin-form" in (attrs.get("class") or "").split():
                self.depth = 1
            return
        if not self.depth:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = (attrs.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.fields.append((name, attrs.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select" and name:
            self._select, self._options = name, []
        elif tag == "option" and self._select:
            self._options.append((attrs.get("value", ""), "selected" in attrs))
        elif tag == "textarea" and name:
            self._textarea = [name, ""]

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if self.done or not self.depth:
            return
        if tag == "select" and self._select:
            chosen = [v for v, selected in self._options if selected] or [v for v, _ in self._options[:1]]
            self.fields.extend((self._select, v) for v in chosen)
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            value = self._textarea[1]
            # A browser drops the newline right after <textarea> (WTForms writes one there).
            value = value.replace("\r\n", "\n")
            self.fields.append((self._textarea[0], value.removeprefix("\n")))
            self._textarea = None
        elif tag == "form":
            self.done = True


def admin_form_data(html):
    """The values a browser would send from the page's Flask-Admin form (create or edit),
    as a dict of lists (for ``client.post(data=...)``)."""
    reader = _FormReader()
    reader.feed(html)
    data = {}
    for name, value in reader.fields:
        data.setdefault(name, []).append(value)
    return data
