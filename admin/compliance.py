"""Compliance of the 20 regions: every mark computed from the data (``services.compliance``),
in words beside its icon: done, late, missing, not applicable (nothing to do) or vacant (no
ombudsman in office [R4]); a vacant region says so beside its name."""
from flask_admin import expose

from admin.base import NATIONAL_ROLES, StaffView
from services.compliance import CHECKS, MARK_LABELS, national_compliance, today


class ComplianceView(StaffView):
    roles = NATIONAL_ROLES

    @expose("/")
    def index(self):
        day = today()
        return self.render("admin/compliance.html", rows=national_compliance(day), day=day,
                           checks=CHECKS, mark_labels=MARK_LABELS)
