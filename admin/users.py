"""Users screen (superadmin): staff accounts, their role and region, and resetting a lost
second factor."""
from flask import flash
from flask_admin.actions import action
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from wtforms import SelectField

from models.capabilities import roles_with
from admin.base import SecureModelView
from admin.formatters import labelled
from extensions import db
from models import Role
from models.user import ROLE_LABELS
from services import audit, staff_sessions, two_factor
from services.users import end_sessions_if_access_changed, find_by_email


class UserView(SecureModelView):
    """Superadmins manage every account; akimat administrators see their region's staff."""

    audits_itself = True
    roles = roles_with("users_read")
    edit_roles = roles_with("users_write")
    can_export = True
    column_list = ("email", "name", "role", "region", "is_enabled", "totp_enabled_at", "last_login_at")
    column_details_list = ("email", "name", "role", "region", "is_enabled", "totp_enabled_at", "created_at",
                           "last_login_at")
    column_export_list = ("email", "name", "role", "region_code", "is_enabled", "created_at", "last_login_at")
    column_searchable_list = ("email", "name")
    column_filters = ("role", "region_code", "is_enabled")
    column_labels = {
        "email": _l("E-mail"), "name": _l("Name"), "role": _l("Role"), "region": _l("Region"),
        "region_code": _l("Region"), "is_enabled": _l("Enabled"), "created_at": _l("Created"),
        "last_login_at": _l("Last login"), "totp_enabled_at": _l("Two-factor login since"),
    }
    column_formatters = {"role": labelled(ROLE_LABELS, "role")}
    form_columns = ("email", "name", "role", "region", "is_enabled")
    form_overrides = {"role": SelectField}
    form_args = {"role": {"choices": list(ROLE_LABELS.items()), "label": _l("Role")}}

    def on_model_change(self, form, model, is_created):
        """Keep the database's rules readable: a clear message before a constraint fires."""
        from core.errors import InvalidInput

        if Role(model.role).is_regional and model.region is None:
            raise InvalidInput(_l("This role needs a region."))
        if not Role(model.role).is_regional:
            model.region = None
        with db.session.no_autoflush:
            other = find_by_email(model.email)
        if other is not None and other is not model:
            raise InvalidInput(_l("A user with this e-mail already exists."))
        if not is_created:
            # A change of role, region, e-mail or status ends the user's sessions.
            end_sessions_if_access_changed(model)
        audit.record("user.create" if is_created else "user.update", obj=model,
                     actor=_actor(), role=model.role)

    def is_action_allowed(self, name):
        if name in ("reset_two_factor", "end_sessions"):
            return self.may_edit()
        return super().is_action_allowed(name)

    @action("end_sessions", _l("End all sessions"),
            _l("End every session of the selected users? They are logged out at once, on every device."))
    def end_sessions(self, ids):
        users = [user for user in (self.get_one(pk) for pk in ids) if user is not None]
        for user in users:
            staff_sessions.end_all_by_admin(_actor(), user)
        db.session.commit()
        flash(ngettext("All sessions of %(num)s user have ended.",
                       "All sessions of %(num)s users have ended.", len(users)), "success")

    @action("reset_two_factor", _l("Reset two-factor login"),
            _l("Reset the two-factor login of the selected users? Their sessions end, and they set "
               "it up again at their next login."))
    def reset_two_factor(self, ids):
        users = [user for user in (self.get_one(pk) for pk in ids) if user is not None]
        for user in users:
            two_factor.reset(user, actor=_actor())
        db.session.commit()
        flash(ngettext("Two-factor login reset for %(num)s user.",
                       "Two-factor login reset for %(num)s users.", len(users)), "success")


def _actor():
    from flask_login import current_user

    return current_user._get_current_object()
