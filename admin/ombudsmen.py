"""Ombudsmen by region: who is in office in each of the 20 regions, and pending requests [R4]."""
from flask_admin import expose
from flask_login import current_user

from models.capabilities import roles_with
from admin.base import StaffView
from models.appointment import STATE_LABELS
from services.appointments import region_overview, sort_for_commissioner


class RegionOverviewView(StaffView):
    roles = roles_with("national_overview")

    @expose("/")
    def index(self):
        rows = region_overview()
        if current_user.role == "commissioner":
            rows = sort_for_commissioner(rows)
        return self.render("admin/region_overview.html", rows=rows, state_labels=STATE_LABELS)
