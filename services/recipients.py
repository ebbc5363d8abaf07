"""Who receives which alert: the national offices and the akimat of a region.

Each list is read in one query (staff accounts and directory organizations together):
alerts are queued on the public form's path, where every round trip counts.
"""
from flask import current_app
from sqlalchemy import and_, or_, select, union_all

from extensions import db
from models import Organization, User


def _users(*who):
    """Enabled staff accounts matching any of ``who``."""
    return select(User.email).where(User.is_enabled.is_(True), or_(*who))


def _organizations(region_code, types):
    """The region's active directory organizations of these types that have an address [R7]."""
    return select(Organization.email).where(
        Organization.region_code == region_code, Organization.type.in_(types),
        Organization.is_active.is_(True), Organization.email.is_not(None))


def _emails(*queries):
    query = queries[0] if len(queries) == 1 else union_all(*queries)
    return list(db.session.scalars(query))


def _in_region(role, region_code):
    return and_(User.role == role, User.region_code == region_code)


def commissioner_office():
    """The Commissioner's office: its official address and its enabled users [R4], [R10.1]."""
    return [current_app.config["COMMISSIONER_EMAIL"], *_emails(_users(User.role == "commissioner"))]


def akimat(region_code):
    """The akimat administrators of a region."""
    return _emails(_users(_in_region("akimat_admin", region_code)))


def organizations(region_code, types):
    """E-mails of the region's active directory organizations of these types [R7]."""
    return _emails(_organizations(region_code, types))


def national_and_akim(region_code):
    """[R10.1] the Commissioner, the Committee and the akim of the region."""
    config = current_app.config
    return [config["COMMISSIONER_EMAIL"], config["COMMITTEE_EMAIL"],
            *_emails(_users(User.role.in_(("commissioner", "committee")),
                            _in_region("akimat_admin", region_code)),
                     _organizations(region_code, ("akimat",)))]


def ombudsman(region_code):
    """The regional ombudsman's own account(s)."""
    return _emails(_users(_in_region("ombudsman", region_code)))
