"""Settings administrators change without a deployment (emergency numbers, limits…).

A known key has a default from the app config; a ``setting`` row overrides it.
"""
import re

from flask import current_app, g, has_request_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from extensions import db
from models.setting import Setting


def flag(raw):
    """A yes/no setting: ``true``/``false`` (also yes/no, on/off, 1/0); anything else is refused."""
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in {"true", "yes", "on", "1"}:
        return True
    if text in {"false", "no", "off", "0", ""}:
        return False
    raise ValueError(raw)


# key → (config name holding the default, converter, label)
KNOWN = {
    "emergency_numbers": ("EMERGENCY_NUMBERS", str,
                          _l("Emergency and help numbers shown on the public site, comma-separated")),
    "upload_max_mb": ("UPLOAD_MAX_MB", int, _l("Largest attachment, MB")),
    "workday_cutoff_hour": ("WORKDAY_CUTOFF_HOUR", int,
                            _l("Hour after which a case counts from the next working day")),
    "submissions_per_hour": ("SUBMISSIONS_PER_HOUR", int, _l("Reports one address may send per hour")),
    "alert_due_minutes": ("ALERT_DUE_MINUTES", int,
                          _l("Minutes after registration by which the [R10.1] and [R10.3] alerts are due")),
    "reminder_hours_before": ("REMINDER_HOURS_BEFORE", int,
                              _l("Hours before a due time when a reminder is sent")),
    "two_factor_for_all": ("TWO_FACTOR_FOR_ALL", flag,
                           _l("Two-factor login required of every staff member (true or false); "
                              "it is always required of the superadmin and the Commissioner's office")),
    "session_idle_minutes": ("SESSION_IDLE_MINUTES", int,
                             _l("Minutes without activity after which a staff session ends")),
    "session_max_hours": ("SESSION_MAX_HOURS", int, _l("Hours after login after which a staff session ends")),
    "retention_years": ("RETENTION_YEARS", int,
                        _l("Years a closed case keeps its personal data, then it is removed")),
}


def _stored(key):
    """The stored value of ``key`` or None. Within a request, every stored setting is read
    once, in one query: a public report reads several and must not pay a query for each."""
    if not has_request_context():
        row = db.session.get(Setting, key)
        return row.value if row is not None else None
    if "settings" not in g:
        g.settings = dict(db.session.execute(select(Setting.key, Setting.value)).all())
    return g.settings.get(key)


def get(key):
    """The current value of a known setting, converted to its type."""
    config_name, convert, _label = KNOWN[key]
    raw = _stored(key)
    raw = raw if raw is not None else current_app.config[config_name]
    try:
        return convert(raw)
    except (TypeError, ValueError):
        return convert(current_app.config[config_name])


def emergency_numbers():
    return [n.strip() for n in get("emergency_numbers").split(",") if n.strip()]


# What each line is, in words a child understands (KZ-FACTS.md, "Emergency and help lines").
EMERGENCY_LABELS = {
    "112": _l("Single emergency number"),
    "102": _l("Police"),
    "111": _l("Contact centre for family, women's and children's rights"),
}


def emergency_lines():
    """The emergency numbers as (number, ``tel:`` target, label), for the public pages."""
    return [(number, "tel:" + re.sub(r"[^\d+]", "", number), EMERGENCY_LABELS.get(number, _l("Help line")))
            for number in emergency_numbers()]
