"""Addresses of the site's pages as they go out in e-mails, SMS and Telegram messages: on
the public address the site is reached at (``PUBLIC_BASE_URL``), never the request's."""
from flask import current_app


def public_url(path):
    """``path`` (e.g. "/status") on the site's public address."""
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path
