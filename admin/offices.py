"""Directory → Office contacts: each region's ombudsman office as the public site shows it
(home page, confirmation, /status, privacy notice) and the data controller the privacy notice
names (issue 19, item 6).

Every member of staff reads the regions they may see; the superadmin changes any region's
contacts, the region's akimat administrator and ombudsman their own region's only (another
region's is a 404, as on every screen). The rule and the audit row are in ``services.offices``.
"""
import re

from flask import abort, flash, redirect, request
from flask_admin import expose
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from admin.base import StaffView
from admin.scoping import row_visible, scope_query
from extensions import db
from forms.offices import OfficeContactsForm
from i18n import sort_key
from models import Region, RegionOffice
from models.capabilities import roles_with
from services import offices
from use_case import use_case

REGION_CODE = re.compile(r"[0-9]{2}")


class OfficeContactsView(StaffView):
    roles = roles_with("staff")
    edit_roles = roles_with("office_contacts_write")
    # The audit log names the changed fields by these labels (admin.audit reads a view's
    # ``model`` and ``column_labels``); the form's labels are the same words.
    model = RegionOffice
    column_labels = {name: field.args[0] for name, field in vars(OfficeContactsForm).items()
                     if name in RegionOffice.FIELDS}

    def _regions(self):
        """The regions the user may see, cities first, each group alphabetical (as the public
        site lists them), with their offices."""
        query = scope_query(select(Region).options(selectinload(Region.office)), Region, current_user)
        regions = db.session.scalars(query).all()
        return sorted(regions, key=lambda region: (not region.is_city, sort_key(region.official_name())))

    def _region_or_404(self):
        code = request.args.get("region", "")
        region = db.session.get(Region, code) if REGION_CODE.fullmatch(code) else None
        if region is None or not row_visible(region, current_user):
            abort(404)
        return region

    @expose("/")
    def index(self):
        regions = self._regions()
        return self.render("admin/region_offices.html", regions=regions,
                           editable={region.code for region in regions if offices.may_edit(current_user, region)})

    @expose("/edit/", methods=("GET", "POST"))
    def edit_view(self):
        region = self._region_or_404()
        if not offices.may_edit(current_user, region):
            flash(_("Only the region's akimat administrator, its ombudsman or the superadmin change "
                    "the office's contacts."), "error")
            return redirect(self.get_url(".index"))
        form = OfficeContactsForm(obj=region.office)
        if form.validate_on_submit():
            with use_case() as outcome:
                changed = offices.save_contacts(current_user, region, form.values())
            if outcome:
                flash(_("Saved: the contacts of the office of %(region)s.", region=region.official_name())
                      if changed else _("Nothing changed."), "success" if changed else "info")
                return redirect(self.get_url(".index"))
        return self.render("admin/region_office_edit.html", form=form, region=region, office=region.office)
