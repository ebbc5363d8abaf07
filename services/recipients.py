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


def organizations(region_code, types):
    """E-mails of the region's active directory organizations of these types [R7]."""
    from models import Organization

    return list(db.session.scalars(select(Organization.email).where(
        Organization.region_code == region_code, Organization.type.in_(types),
        Organization.is_active.is_(True), Organization.email.is_not(None))))


def national_and_akim(region_code):
    """[R10.1] the Commissioner, the Committee and the akim of the region."""
    return [*commissioner_office(), current_app.config["COMMITTEE_EMAIL"],
            *_emails_of(User.role == "committee"), *organizations(region_code, ("akimat",)),
            *akimat(region_code)]


def ombudsman(region_code):
    """The regional ombudsman's own account(s)."""
    return _emails_of(User.role == "ombudsman", User.region_code == region_code)
