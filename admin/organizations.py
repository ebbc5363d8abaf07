"""Directory of partner organizations [R7] and the working-day calendar overrides."""
from flask import flash
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from wtforms import SelectField
from wtforms.validators import Email, Optional, Regexp

from models.capabilities import roles_with
from admin.base import SecureModelView
from admin.filters import choice_filter, region_filter
from admin.formatters import labelled
from extensions import db
from models import Organization
from models.organization import ORGANIZATION_TYPES
from models.outbox import ALERT_CHANNELS
from services import terms

CALENDAR_KINDS = {"holiday": _l("Day off (holiday or transferred day off)"),
                  "working_day": _l("Working day (e.g. a working Saturday)")}


TELEGRAM_CHAT = r"^(@[A-Za-z][A-Za-z0-9_]{4,31}|-?[0-9]{1,20})$"


def _stripped(value):
    return value.strip() if value else None


class OrganizationView(SecureModelView):
    """Each region keeps its own directory; national bodies have no region."""

    roles = roles_with("staff")
    edit_roles = roles_with("directory_write")
    can_export = True
    national_data_visible = False
    column_list = ("region", "type", "name_kk", "name_ru", "email", "phone", "is_active")
    column_searchable_list = ("name_kk", "name_ru", "email")
    column_formatters = {"type": labelled(ORGANIZATION_TYPES, "type")}
    column_filters = (region_filter(Organization.region_code),
                      choice_filter(Organization.type, _l("Type"), ORGANIZATION_TYPES))
    form_columns = ("region", "type", "name_kk", "name_ru", "email", "phone", "telegram_chat_id",
                    "alert_channel", "is_active")
    form_overrides = {"type": SelectField, "alert_channel": SelectField}
    # Alerts of [R10.1] and [R10.3] go to these addresses: a typo must not pass silently.
    form_args = {"type": {"choices": list(ORGANIZATION_TYPES.items()), "label": _l("Type")},
                 "email": {"validators": [Optional(), Email()], "filters": [_stripped]},
                 "telegram_chat_id": {"validators": [Optional(), Regexp(TELEGRAM_CHAT, message=_l(
                     "A Telegram chat is @name (a public channel) or its number."))],
                     "filters": [_stripped], "label": _l("Telegram chat (@channel or number)")},
                 "alert_channel": {"choices": list(ALERT_CHANNELS.items()),
                                   "label": _l("Ordinary alerts come by")}}
    column_labels = {"region": _l("Region"), "type": _l("Type"), "name_kk": _l("Name (Kazakh)"),
                     "name_ru": _l("Name (Russian)"), "email": _l("E-mail"), "phone": _l("Phone"),
                     "is_active": _l("Active"), "alert_channel": _l("Ordinary alerts come by")}

    def on_model_change(self, form, model, is_created):
        """A regional user's entries always belong to their own region."""
        from flask_login import current_user

        if current_user.role_enum.is_regional:
            model.region_code = current_user.region_code
            model.region = current_user.region


class CalendarOverrideView(SecureModelView):
    """Transferred days off, new holidays and working Saturdays, on top of the package."""

    roles = roles_with("staff")
    edit_roles = roles_with("settings")
    allow_delete = True
    national_data_visible = True
    column_display_pk = True
    column_list = ("day", "kind", "note")
    column_default_sort = ("day", True)
    column_formatters = {"kind": labelled(CALENDAR_KINDS, "kind")}
    form_columns = ("day", "kind", "note")
    form_overrides = {"kind": SelectField}
    form_args = {"kind": {"choices": list(CALENDAR_KINDS.items()), "label": _l("Kind")}}
    column_labels = {"day": _l("Date"), "kind": _l("Kind"), "note": _l("Note")}

    def after_model_change(self, form, model, is_created):
        self._recompute_due_dates()

    def after_model_delete(self, model):
        self._recompute_due_dates()

    def _recompute_due_dates(self):
        """A day that changed from working to off (or back) moves open cases' due dates."""
        moved = terms.recompute_open_cases(current_user, "calendar")
        db.session.commit()
        if moved:
            flash(ngettext("The due date of %(num)s open case was recomputed.",
                           "The due dates of %(num)s open cases were recomputed.", moved), "info")
