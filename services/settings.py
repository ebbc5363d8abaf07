"""Settings administrators change without a deployment (emergency numbers, limits…).

A known key has a default from the app config; a ``setting`` row overrides it.
"""
import re
from dataclasses import dataclass
from datetime import time
from typing import Callable

from flask import current_app, g, has_request_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from extensions import db
from models.setting import Setting
from services import audit


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


def clock(raw):
    """A time of day written ``HH:MM`` (e.g. ``18:30``); anything else is refused."""
    if isinstance(raw, time):
        return raw
    match = re.fullmatch(r"([01]?[0-9]|2[0-3]):([0-5][0-9])", str(raw).strip())
    if match is None:
        raise ValueError(raw)
    return time(int(match[1]), int(match[2]))


@dataclass(frozen=True)
class Known:
    """A setting: its type (``convert``), its label, its default (the app config named
    ``config``, or ``default`` itself) and, for a term of law, its legal ``basis``."""

    convert: Callable
    label: str
    config: str | None = None
    default: object = None
    basis: str | None = None

    def default_value(self):
        return current_app.config[self.config] if self.config else self.default


E_OTINISH = _l("the practice of e-Otinish, the state appeals system")
_APPC_76 = _l("Administrative Procedural and Process Code, art. 76")


def _term(label, days, basis):
    return Known(int, label, default=days, basis=basis)


KNOWN = {
    "emergency_numbers": Known(str, _l("Emergency and help numbers shown on the public site, comma-separated"),
                               config="EMERGENCY_NUMBERS"),
    "upload_max_mb": Known(int, _l("Largest attachment, MB"), config="UPLOAD_MAX_MB"),
    "submissions_per_hour": Known(int, _l("Reports one address may send per hour"), config="SUBMISSIONS_PER_HOUR"),
    "api_requests_per_minute": Known(int, _l("Calls a partner's API token may make per minute, unless "
                                             "the token sets its own limit"), config="API_REQUESTS_PER_MINUTE"),
    "status_messages_per_hour": Known(int, _l("Messages a reporter may send per hour at /status, per receipt "
                                              "code and per address"), config="STATUS_MESSAGES_PER_HOUR"),
    "alert_due_minutes": Known(int, _l("Minutes after registration by which the [R10.1] and [R10.3] alerts are due"),
                               config="ALERT_DUE_MINUTES"),
    "reminder_hours_before": Known(int, _l("Hours before a due time when a reminder is sent"),
                                   config="REMINDER_HOURS_BEFORE"),
    "two_factor_for_all": Known(flag, _l("Two-factor login required of every staff member; it is "
                                         "always required of the superadmin and the Commissioner's office"),
                                config="TWO_FACTOR_FOR_ALL"),
    "session_idle_minutes": Known(int, _l("Minutes without activity after which a staff session ends"),
                                  config="SESSION_IDLE_MINUTES"),
    "session_max_hours": Known(int, _l("Hours after login after which a staff session ends"),
                               config="SESSION_MAX_HOURS"),
    "retention_years": Known(int, _l("Years a closed case keeps its personal data, then it is removed"),
                             config="RETENTION_YEARS"),
    # How terms are counted (services.terms): changing one recomputes open cases' due dates.
    "receipt_day_counts": Known(flag, _l("The day of receipt is the first day of a term"),
                                default=True, basis=E_OTINISH),
    "workday_cutoff": Known(clock, _l("Time of day (HH:MM) after which a case counts as received on the "
                                      "next working day"), config="WORKDAY_CUTOFF", basis=E_OTINISH),
    "term_appeal": _term(_l("Term of an appeal, working days"), 15, _APPC_76),
    "term_complaint": _term(_l("Term of a complaint, working days"), 20, E_OTINISH),
    "term_proposal": _term(_l("Term of a proposal, working days"), 15, E_OTINISH),
    "term_message": _term(_l("Term of a message, working days"), 15, E_OTINISH),
    "term_response": _term(_l("Term of a response, working days"), 15, E_OTINISH),
    "term_request_information": _term(_l("Term of a request for information, calendar days"), 15, E_OTINISH),
    "term_media_request": _term(_l("Term of a request of the media, calendar days"), 7, E_OTINISH),
    "term_forward": _term(_l("Term to forward a case outside the office's competence, working days"), 3,
                          _l("Administrative Procedural and Process Code: forwarding within 3 working days")),
    "extension_max_months": _term(_l("Longest extension of a term, months from receipt"), 2, _APPC_76),
    "term_measures": _term(_l("Term of the measures after a police confirmation [R11] that are not urgent, "
                              "working days from the confirmation"), 15,
                           _l("the Rules set no term for them: the office's own, as long as an appeal's")),
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
    known = KNOWN[key]
    raw = _stored(key)
    try:
        return known.convert(raw if raw is not None else known.default_value())
    except (TypeError, ValueError):
        return known.convert(known.default_value())


def store(key, value, actor):
    """Set a known setting (already checked by its form) and audit it; return the old stored
    value. Later reads in this request see the new value."""
    row = db.session.get(Setting, key)
    old = row.value if row is not None else None
    if row is None:
        row = Setting(key=key, value=value)
        db.session.add(row)
    row.value, row.updated_by_id = value, actor.id
    audit.record("setting.update", actor=actor, key=key, old=old, new=value)
    db.session.flush()
    if has_request_context():
        g.pop("settings", None)
    return old


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


# The emergency services among those numbers; the others are help lines, to call and talk.
EMERGENCY_SERVICES = ("112", "102")


def help_lines():
    """The help lines among the numbers (111 by default), as ``emergency_lines`` gives them."""
    return [line for line in emergency_lines() if line[0] not in EMERGENCY_SERVICES]
