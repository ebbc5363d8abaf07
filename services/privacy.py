"""Who may see a child's identity (PRODUCT.md, "Who uses it"; least privilege).

A child's name, IIN and school and the reporter's name, phone and e-mail are shown only
to the ombudsman of the case's region and to the Commissioner's office (and superadmins);
akimat administrators and the committee work with the case without them. Every view of
them is audited by the screen that shows them.
"""
from models.capabilities import roles_with

NATIONAL_IDENTITY_ROLES = roles_with("identities_all_regions")
REGIONAL_IDENTITY_ROLES = roles_with("identities_own_region")


def may_see_identity(user, case):
    """True when ``user`` may see the identity of the people in ``case``."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.role in NATIONAL_IDENTITY_ROLES:
        return True
    return user.role in REGIONAL_IDENTITY_ROLES and user.region_code == case.region_code
