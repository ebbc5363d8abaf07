"""A region's ombudsman office as the public reaches it, and the data controller the privacy
notice names (issue 19, item 6; Law of the Republic of Kazakhstan "On personal data and their
protection", No. 94-V: the owner and operator of a database tell the person whose data they
hold who they are and how to ask about the data).

The region's akimat administrator and its ombudsman keep their own region's contacts, the
superadmin every region's. Each save is one audit row with each changed field's old and new
value: an office's contacts are public, so nothing in them is masked.
"""
from flask_babel import lazy_gettext as _l

from core.errors import PermissionDenied, RegionMismatch
from extensions import db
from models import RegionOffice
from models.capabilities import roles_with
from services import audit

EDITORS = roles_with("office_contacts_write")


def may_edit(actor, region):
    """Whether ``actor`` may change ``region``'s office contacts."""
    return actor.role in EDITORS and actor.can_see_region(region.code)


def save_contacts(actor, region, values):
    """Set ``region``'s office contacts to ``values`` (field: text, blank for none); creates
    the office's row at its first save. Returns the fields changed (none: nothing is written).
    Raises ``PermissionDenied`` for a role that does not keep contacts, ``RegionMismatch`` for
    another region's."""
    if actor.role not in EDITORS:
        raise PermissionDenied(_l("Only the region's akimat administrator, its ombudsman or the "
                                  "superadmin change the office's contacts."))
    if not actor.can_see_region(region.code):
        raise RegionMismatch(_l("You can change the contacts of your own region's office only."))
    office = region.office
    created = office is None
    if created:
        office = RegionOffice(region_code=region.code)  # joins the session below, if anything is kept
    for field in RegionOffice.FIELDS:
        setattr(office, field, (values.get(field) or "").strip() or None)
    changes = {field: change for field, change in audit.changes(office).items()
               if field in RegionOffice.FIELDS and change["old"] != change["new"]}
    if not changes:
        return {}
    if created:
        region.office = office
    office.updated_by_id = actor.id
    audit.record("region_office.update", actor=actor, obj=office, region_code=region.code, changes=changes)
    db.session.flush()
    return changes
