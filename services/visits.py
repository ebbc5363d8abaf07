"""Visits [R6.5]: the ombudsman's unimpeded access to local executive bodies, organizations
and penal institutions holding minors, and what a refused or obstructed access sets off.

A visit whose access was refused or obstructed says by whom and what was refused (and the
legal basis they cited, if any); the Commissioner's office is told at once, by every
channel, once per visit; the half-year report counts such visits
(``models.registry_specs``: ``visits_access_impeded``).
"""
from flask_babel import lazy_gettext as _l

from core.errors import InvalidInput
from extensions import db
from services import alerts
from services.links import public_url

REFUSAL_FIELDS = ("refused_by", "refused_what", "refusal_basis")


def after_save(actor, visit):
    """Check the refusal's details and tell the Commissioner's office (in the save's transaction)."""
    if not visit.access_impeded:
        for field in REFUSAL_FIELDS:
            setattr(visit, field, None)
        return
    if not (visit.refused_by or "").strip() or not (visit.refused_what or "").strip():
        raise InvalidInput(_l("Access was refused or obstructed: say by whom and what was refused."))
    db.session.flush()
    alerts.raise_alert(
        "visit.access_impeded", visit.region_code, obj=visit, dedupe_key=f"visit-access-{visit.id}",
        region=visit.region, organization=visit.organization_name, day=visit.visited_on,
        by=visit.refused_by, what=visit.refused_what,
        basis=visit.refusal_basis or _l("none cited"), link=public_url(f"/admin/visit/details/?id={visit.id}"))
