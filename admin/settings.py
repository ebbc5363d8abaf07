"""Settings screen (superadmin): the values of ``services.settings.KNOWN``, changed without a
deployment. Each value is checked by its type before it is stored; every change is audited,
and a change of how terms are counted recomputes open cases' due dates (services.terms)."""
import re

from datetime import time

from flask import abort, flash, redirect, request
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectField, StringField
from wtforms.validators import InputRequired, Length, ValidationError

from models.capabilities import roles_with
from admin.base import StaffView
from extensions import db
from models import Setting, User
from services import settings, terms

EMERGENCY_NUMBERS = re.compile(r"^[0-9][0-9, ]*$")
# Sensible bounds of the whole-number settings: (smallest, largest).
INT_BOUNDS = {"upload_max_mb": (1, 100), "submissions_per_hour": (1, 10000), "retention_years": (1, 75),
              "status_messages_per_hour": (1, 1000),
              "session_idle_minutes": (5, 24 * 60), "session_max_hours": (1, 24 * 30),
              "extension_max_months": (1, 12),
              **{key: (1, 90) for key in terms.COUNTING_SETTINGS if key.startswith("term_")}}


class SettingForm(FlaskForm):
    value = StringField(_l("Value"), validators=[InputRequired(), Length(max=1000)])

    def __init__(self, key, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.key = key

    @classmethod
    def for_setting(cls, key):
        """A yes/no setting is chosen from "yes" and "no", in the page's language."""
        return (FlagForm if settings.KNOWN[key].convert is settings.flag else cls)(key)

    def validate_value(self, field):
        """The value must convert as the setting is read (services.settings.get)."""
        field.data = field.data or ""
        text = field.data.strip()
        convert = settings.KNOWN[self.key].convert
        if convert is int:
            if not re.fullmatch(r"-?[0-9]{1,18}", text):  # longer is no setting, and int() refuses 4,300
                raise ValidationError(_l("Enter a whole number."))
            low, high = INT_BOUNDS.get(self.key, (None, None))
            number = int(text)
            if (low is not None and number < low) or (high is not None and number > high):
                raise ValidationError(_l("Enter a number from %(low)s to %(high)s.", low=low, high=high))
            field.data = str(number)
        elif convert is settings.flag:
            try:
                field.data = "true" if convert(text) else "false"
            except ValueError:
                raise ValidationError(_l("Choose yes or no.")) from None
        elif convert is settings.clock:
            try:
                field.data = convert(text).strftime("%H:%M")
            except ValueError:
                raise ValidationError(_l("Enter a time of day as hours and minutes, e.g. 18:30.")) from None
        elif self.key == "emergency_numbers":
            if not EMERGENCY_NUMBERS.fullmatch(text) or not any(n.strip() for n in text.split(",")):
                raise ValidationError(_l("Use only digits, commas and spaces, e.g. “112, 111, 150”."))
            field.data = ", ".join(n.strip() for n in text.split(",") if n.strip())
        else:
            field.data = text



class FlagForm(SettingForm):
    value = SelectField(_l("Value"), choices=[("true", _l("yes")), ("false", _l("no"))],
                        validate_choice=False, validators=[InputRequired()])

def shown(value):
    """A setting's value as the settings screen shows it."""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return value.strftime("%H:%M") if isinstance(value, time) else value


def stored_form(value):
    """A setting's value as its edit form holds it (what the form's checks accept)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value.strftime("%H:%M") if isinstance(value, time) else str(value)


class SettingsView(StaffView):
    roles = roles_with("settings")

    def _rows(self):
        stored = {row.key: row for row in db.session.scalars(select(Setting))}
        authors = {user.id: user for user in db.session.scalars(select(User).where(
            User.id.in_([r.updated_by_id for r in stored.values() if r.updated_by_id])))}
        rows = []
        for key, known in settings.KNOWN.items():
            row = stored.get(key)
            rows.append({"key": key, "label": known.label, "basis": known.basis, "value": shown(settings.get(key)),
                         "default": shown(known.convert(known.default_value())), "row": row,
                         "author": authors.get(row.updated_by_id) if row else None})
        return rows

    @expose("/")
    def index(self):
        return self.render("admin/settings.html", rows=self._rows())

    @expose("/edit/", methods=("GET", "POST"))
    def edit_view(self):
        key = request.args.get("key", "")
        if key not in settings.KNOWN:
            abort(404)
        known = settings.KNOWN[key]
        row = db.session.get(Setting, key)
        form = SettingForm.for_setting(key)
        if request.method == "GET":
            form.value.data = stored_form(settings.get(key))
        if form.validate_on_submit():
            if row is not None and row.value == form.value.data:
                flash(_("Nothing changed."), "info")
                return redirect(self.get_url(".index"))
            settings.store(key, form.value.data, current_user)
            moved = terms.recompute_open_cases(current_user, key) if key in terms.COUNTING_SETTINGS else 0
            db.session.commit()
            flash(_("Saved: %(label)s.", label=known.label), "success")
            if moved:
                flash(ngettext("The due date of %(num)s open case was recomputed.",
                               "The due dates of %(num)s open cases were recomputed.", moved), "info")
            return redirect(self.get_url(".index"))
        return self.render("admin/setting_edit.html", form=form, key=key, label=known.label, basis=known.basis,
                           default=shown(known.convert(known.default_value())))
