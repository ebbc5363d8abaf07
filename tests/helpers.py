"""Small helpers for tests: CSRF tokens, logging in, making users."""
import re

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
