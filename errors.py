"""Friendly error pages in the user's language; never a stack trace."""
import logging

from flask import render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from api.problems import status_problem
from extensions import db
from i18n import is_api_call

log = logging.getLogger(__name__)

MESSAGES = {
    400: lambda: _("The request could not be understood. Please go back and try again."),
    403: lambda: _("You do not have access to this page."),
    404: lambda: _("This page does not exist."),
    405: lambda: _("This page cannot be opened this way."),
    413: lambda: _("What you sent is too large. Please send smaller files, or fewer at a time."),
    429: lambda: _("Too many attempts. Please wait a little and try again."),
    500: lambda: _("Something went wrong on our side. Nothing you sent was lost; please try again."),
}


def render_error(status, message=None):
    """The error page; for a call of the partner API, its problem+json."""
    if is_api_call():
        return status_problem(status, message)
    return render_template("error.html", status=status,
                           message=message or MESSAGES.get(status, MESSAGES[500])()), status


def register_error_handlers(app):
    for status in MESSAGES:
        if status == 500:
            continue
        app.register_error_handler(status, lambda e, s=status: render_error(s))

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        # The reason only ("The referrer header is missing."), never a token.
        log.warning("CSRF check refused %s %s from %s: %s", request.method, request.path,
                    request.remote_addr, error.description)
        return render_error(400, _("The form has expired or was sent from another page. "
                                   "Please reload the page and send it again."))

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        return render_error(500)
