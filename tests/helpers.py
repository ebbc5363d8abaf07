"""Small helpers for tests: CSRF tokens, logging in (with the two-factor step), making users,
the settings of a production process, what a log shows of an exception."""
import re
import secrets
import traceback
from html import unescape
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pyotp
from cryptography.fernet import Fernet
from sqlalchemy import make_url

from config import Config, normalize_database_url
from extensions import db
from services import two_factor
from services.users import create_user

PASSWORD = "correct-horse-battery"
# The TOTP secret of every user gen_user enrols in two-factor login.
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
_SECRET = re.compile(r'id="totp-secret"[^>]*>([A-Z2-7]+)<')
_RECOVERY_CODES = re.compile(r"<li>([a-z2-7]{5}-[a-z2-7]{5})</li>")
# Everything a production process needs besides DATABASE_URL (config.PRODUCTION_SETTINGS).
PRODUCTION_ENV = {
    "APP_ENV": "production",
    "SECRET_KEY": secrets.token_hex(32),
    "DATA_KEYS": Fernet.generate_key().decode(),
    "IIN_HASH_KEY": secrets.token_hex(32),
    "MAIL_FROM": "ombudsman-noreply@ombudsman.test.kz",
    "PUBLIC_BASE_URL": "https://ombudsman.test.kz",
    "COMMISSIONER_EMAIL": "office@commissioner.test.kz",
    "COMMITTEE_EMAIL": "alerts@committee.test.kz",
}


def csrf_token(html):
    """The CSRF token of the first form on a page."""
    match = _CSRF.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


class SecondFactor:
    """What a test user holds for two-factor login: the app's secret and unused recovery codes.

    A code of the app is accepted once: a second login in the same 30-second step answers
    with a recovery code instead, as a person would.
    """

    def __init__(self, secret, recovery_codes, used_step=None):
        self.secret = secret
        self.recovery_codes = list(recovery_codes)
        self.used_steps = {used_step} if used_step is not None else set()

    def code(self):
        step = two_factor.current_step()
        if step not in self.used_steps:
            self.used_steps.add(step)
            return pyotp.TOTP(self.secret).at(step * two_factor.STEP_SECONDS)
        assert self.recovery_codes, "no recovery codes left for another login in this time step"
        return self.recovery_codes.pop(0)


# E-mail (lower case) → SecondFactor of the users enrolled by gen_user or by logging in.
SECOND_FACTORS = {}


def enrol(user, secret=TOTP_SECRET):
    """Turn two-factor login on for ``user`` through the service, with a known secret."""
    user.totp_secret = secret
    step = two_factor.current_step()
    codes = two_factor.confirm_enrolment(user, pyotp.TOTP(secret).at(step * two_factor.STEP_SECONDS))
    SECOND_FACTORS[user.email.lower()] = SecondFactor(secret, codes, used_step=step)
    return codes


def gen_user(role, region=None, email=None, password=PASSWORD, name="", two_factor_login=None):
    """A committed user. ``two_factor_login``: enrol them (True), do not (False), or enrol them
    when their role requires it (None: the superadmin and the Commissioner's office)."""
    email = email or f"{role}.{region or 'kz'}@test.kz"
    SECOND_FACTORS.pop(email.lower(), None)
    user = create_user(email, role, password, region_code=region, name=name)
    if two_factor_login or (two_factor_login is None and two_factor.required_for(user)):
        enrol(user)
    db.session.commit()
    return user


def _path(response):
    return urlsplit(response.headers.get("Location", "")).path if response.status_code in (302, 303) else None


class AuthActions:
    """Log in and out through the real forms (with their CSRF tokens), as the tutorial does.

    A user with two-factor login answers its step with a code (see SecondFactor); a user sent
    to set it up (``enrol=True``) does so from the secret shown on the page, as a person would.
    """

    def __init__(self, client):
        self.client = client

    def login(self, email, password=PASSWORD, next_url=None, enrol=True):
        page = self.client.get("/login")
        data = {"csrf_token": csrf_token(page.get_data(as_text=True)), "email": email,
                "password": password}
        if next_url:
            data["next"] = next_url
        response = self.client.post("/login", data=data)
        if _path(response) == "/login/two-factor":
            response = self.second_step(SECOND_FACTORS[email.lower()].code())
        elif _path(response) == "/account/two-factor" and enrol:
            self.enrol(email)
        return response

    def second_step(self, code):
        page = self.client.get("/login/two-factor")
        return self.client.post("/login/two-factor", data={
            "csrf_token": csrf_token(page.get_data(as_text=True)), "code": code})

    def enrol(self, email):
        """Set up two-factor login from the enrolment page; returns the recovery codes page."""
        page = self.client.get("/account/two-factor").get_data(as_text=True)
        secret = _SECRET.search(page).group(1)
        step = two_factor.current_step()
        response = self.client.post("/account/two-factor", data={
            "csrf_token": csrf_token(page), "code": pyotp.TOTP(secret).at(step * two_factor.STEP_SECONDS)})
        assert response.status_code == 200, response.get_data(as_text=True)
        codes = _RECOVERY_CODES.findall(unescape(response.get_data(as_text=True)))
        SECOND_FACTORS[email.lower()] = SecondFactor(secret, codes, used_step=step)
        return response

    def logout(self, page="/admin/"):
        """Press "Log out" on ``page``."""
        html = self.client.get(page).get_data(as_text=True)
        return self.client.post("/logout", data={"csrf_token": csrf_token(html)})


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


def paas_url(database_url, name):
    """The URL of database ``name`` on the server of ``database_url``, as a platform gives it:
    ``postgres://…``."""
    url = make_url(database_url).set(drivername="postgres", database=name)
    return url.render_as_string(hide_password=False)


def shown(exc_info):
    """What a log shows of the exception of ``pytest.raises`` and of each exception chained to
    it (not the source lines, which quote the tests' own passwords and tokens)."""
    exc, texts = exc_info.value, []
    while exc is not None:
        texts += traceback.format_exception_only(exc)
        exc = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)
    return "".join(texts)


def production_config(database_url, **overrides):
    """A production Config on ``database_url``, whatever the environment of the test run."""
    settings = {**PRODUCTION_ENV, "DATABASE_URL": normalize_database_url(database_url), **overrides}
    return type("ProductionConfig", (Config,), settings)()
