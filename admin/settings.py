"""Settings screen (superadmin): the values of ``services.settings.KNOWN``, changed without a
deployment. Each value is checked by its type before it is stored; every change is audited."""
import re

from flask import abort, current_app, flash, redirect, request
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import StringField
from wtforms.validators import InputRequired, Length, ValidationError

from admin.base import StaffView
from extensions import db
from models import Setting, User
from services import audit, settings

EMERGENCY_NUMBERS = re.compile(r"^[0-9][0-9, ]*$")
# Sensible bounds of the whole-number settings: (smallest, largest).
INT_BOUNDS = {"upload_max_mb": (1, 100), "workday_cutoff_hour": (0, 23),
              "submissions_per_hour": (1, 10000), "retention_years": (1, 75),
              "session_idle_minutes": (5, 24 * 60), "session_max_hours": (1, 24 * 30)}


class SettingForm(FlaskForm):
    value = StringField(_l("Value"), validators=[InputRequired(), Length(max=1000)])

    def __init__(self, key, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.key = key

    def validate_value(self, field):
        """The value must convert as the setting is read (services.settings.get)."""
        text = field.data.strip()
        convert = settings.KNOWN[self.key][1]
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
                raise ValidationError(_l("Enter true or false.")) from None
        elif self.key == "emergency_numbers":
            if not EMERGENCY_NUMBERS.fullmatch(text) or not any(n.strip() for n in text.split(",")):
                raise ValidationError(_l("Use only digits, commas and spaces, e.g. “112, 111, 150”."))
            field.data = ", ".join(n.strip() for n in text.split(",") if n.strip())
        else:
            field.data = text


class SettingsView(StaffView):
    roles = frozenset({"superadmin"})

    def _rows(self):
        stored = {row.key: row for row in db.session.scalars(select(Setting))}
        authors = {user.id: user for user in db.session.scalars(select(User).where(
            User.id.in_([r.updated_by_id for r in stored.values() if r.updated_by_id])))}
        rows = []
        for key, (config_name, _convert, label) in settings.KNOWN.items():
            row = stored.get(key)
            rows.append({"key": key, "label": label, "value": settings.get(key),
                         "default": current_app.config[config_name], "row": row,
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
        row = db.session.get(Setting, key)
        form = SettingForm(key)
        if request.method == "GET":
            form.value.data = str(settings.get(key))
        if form.validate_on_submit():
            old = row.value if row is not None else None
            if old == form.value.data:
                flash(_("Nothing changed."), "info")
                return redirect(self.get_url(".index"))
            if row is None:
                row = Setting(key=key, value=form.value.data)
                db.session.add(row)
            row.value = form.value.data
            row.updated_by_id = current_user.id
            audit.record("setting.update", actor=current_user, key=key, old=old, new=row.value)
            db.session.commit()
            flash(_("Saved: %(label)s.", label=settings.KNOWN[key][2]), "success")
            return redirect(self.get_url(".index"))
        return self.render("admin/setting_edit.html", form=form, key=key,
                           label=settings.KNOWN[key][2],
                           default=current_app.config[settings.KNOWN[key][0]])
