"""Who receives which alert: the national offices and the akimat of a region."""
from flask import current_app
from sqlalchemy import select

from extensions import db
from models import User


def _emails_of(*criteria):
    return list(db.session.scalars(select(User.email).where(User.is_enabled.is_(True), *criteria)))


def commissioner_office():
    """The Commissioner's office: its official address and its enabled users [R4], [R10.1]."""
    return [current_app.config["COMMISSIONER_EMAIL"], *_emails_of(User.role == "commissioner")]


def akimat(region_code):
    """The akimat administrators of a region."""
    return _emails_of(User.role == "akimat_admin", User.region_code == region_code)
