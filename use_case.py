"""Commit a request's use case, or roll it back and show its refusal: the one place views do it.

    with use_case() as outcome:
        plans.agree(current_user, plan, note)
    if outcome:
        flash(_("Done")); return redirect(details)

A ``DomainError`` raised in the block is a refusal the user can act on: the transaction
is rolled back, the error is flashed in the user's language, the block is left and the
outcome is false (``outcome.error`` holds the refusal). ``keep_refused=True`` commits
instead of rolling back, for refusals that must stay on record (a wrong password in the
audit log). ``flashed=False`` leaves the refusal to the caller (``outcome.error``), for an
answer that is not a page (a script's JSON). Any other exception propagates: a fault, not a
refusal.
"""
from flask import flash

from core.errors import DomainError
from extensions import db


class use_case:  # noqa: N801 — read as a statement: ``with use_case():``
    def __init__(self, keep_refused=False, flashed=True):
        self.keep_refused = keep_refused
        self.flashed = flashed
        self.error = None

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback):
        if kind is None:
            db.session.commit()
            return False
        if not issubclass(kind, DomainError):
            return False
        if self.keep_refused:
            db.session.commit()
        else:
            db.session.rollback()
        if self.flashed:
            flash(str(error), "error")
        self.error = error
        return True

    def __bool__(self):
        return self.error is None
