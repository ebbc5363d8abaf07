"""Who may do what: every capability of the staff roles, in one table.

The admin views (``roles``, ``edit_roles``), the use cases and the access-matrix test read
this table; nowhere else is a set of roles written out. Region isolation is a separate,
second check: a regional role acts in its own region only (``admin.scoping``).
"""
SUPERADMIN, COMMISSIONER, COMMITTEE = "superadmin", "commissioner", "committee"
AKIMAT, OMBUDSMAN = "akimat_admin", "ombudsman"
STAFF = (SUPERADMIN, COMMISSIONER, COMMITTEE, AKIMAT, OMBUDSMAN)
NATIONAL = (SUPERADMIN, COMMISSIONER, COMMITTEE)

CAPABILITIES = {
    # the panel, and reading the office's records (each in its own region)
    "staff": STAFF,
    "national_overview": NATIONAL,  # all regions side by side: compliance, roll-up, ombudsmen
    "work_queue": (SUPERADMIN, COMMISSIONER, COMMITTEE, OMBUDSMAN),
    "audit_log": (SUPERADMIN, COMMISSIONER),
    "api_tokens": (SUPERADMIN, COMMISSIONER),  # the partner API's tokens [R7]
    "settings": (SUPERADMIN,),  # the admin settings, regions, the working-day calendar
    "users_read": (SUPERADMIN, AKIMAT),
    "users_write": (SUPERADMIN,),
    "directory_write": (SUPERADMIN, AKIMAT, OMBUDSMAN),  # partner organizations [R7]
    "registries_write": (SUPERADMIN, AKIMAT, OMBUDSMAN),  # the office's records [R6], [R9]
    "office_contacts_write": (SUPERADMIN, AKIMAT, OMBUDSMAN),  # the public contacts, the data controller
    "questionnaires_read": (SUPERADMIN, COMMISSIONER, AKIMAT, OMBUDSMAN),
    "questionnaires_write": (SUPERADMIN, AKIMAT, OMBUDSMAN),  # drafts; the akimat may prepare them …
    "questionnaires_publish": (OMBUDSMAN,),  # … the region's public questions are its ombudsman's [R3]
    "questionnaires_publish_national": (SUPERADMIN,),
    "reports_build": (SUPERADMIN, COMMISSIONER, AKIMAT, OMBUDSMAN),  # report builder [R8]
    "reports_review": (COMMISSIONER,),  # accepts a submitted half-year report or returns it with remarks
    "reports_write": (OMBUDSMAN, AKIMAT),  # the half-year report's own words; only the ombudsman submits [R3]
    # appointments [R4]
    "appointments_propose": (AKIMAT,),
    "appointments_consent": (COMMISSIONER,),
    # the year plan [R6.1]
    "plans_draft": (OMBUDSMAN, AKIMAT),  # the akimat may prepare the plan [R3: independence] …
    "plans_own": (OMBUDSMAN,),  # … but sending it for agreement and approving it are the ombudsman's
    "plans_agree": (COMMISSIONER,),
    # recommendations on legislation [R6.4]: submitted by the ombudsman, answered by the Commissioner
    "recommendations_send": (OMBUDSMAN,),
    "recommendations_answer": (COMMISSIONER,),
    # cases [R6.2], [R10], [R11]
    "cases_handle": (OMBUDSMAN,),
    "cases_correct": (OMBUDSMAN, COMMISSIONER),
    "cases_export": (OMBUDSMAN, COMMISSIONER),
    # a child's identity [R12]: the national ones in every region, the ombudsman in their own
    "identities_all_regions": (SUPERADMIN, COMMISSIONER),
    "identities_own_region": (OMBUDSMAN,),
    "closed_court_sessions": (SUPERADMIN, COMMISSIONER, OMBUDSMAN),
    "two_factor_required": (SUPERADMIN, COMMISSIONER),
}


def roles_with(capability):
    """The roles that have ``capability``; an unknown name fails at import of its user."""
    return frozenset(CAPABILITIES[capability])
