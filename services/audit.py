"""Writing the audit log (PRODUCT.md, "Trust").

Rows are appended in the caller's transaction; the database refuses UPDATE, DELETE and
TRUNCATE on ``audit_event`` (migration 0001), so nobody rewrites the past, not even us, and
links each row into a hash chain when the transaction commits (migration 0022), so that a
rewrite behind the triggers' back shows (``services.audit_chain``).

A change is kept as its diff, ``changes(obj)``: ``{"field": {"old": …, "new": …}}``.
Because a row can never be erased, personal data never enters it: the values of the
fields in ``PERSONAL_FIELDS``, and of any field named like a secret, are masked.
"""
import enum
import math
import re
import uuid
from datetime import date, datetime, time
from decimal import Decimal

from flask import has_request_context, request
from sqlalchemy import inspect
from sqlalchemy.orm import RelationshipProperty

from extensions import db
from models import AuditEvent

MASK = "***"

# The one list of fields whose values the audit log never holds, by table: who a child or
# a reporter is (name, IIN, school, contacts), the free text that usually names them (what
# happened, where, who is responsible, the extra answers, the messages, the people of a
# preventive conversation, file names, alert recipients), the appointee's IIN and
# contacts, and the secrets of staff accounts.
PERSONAL_FIELDS = {
    "cases": frozenset({"reporter_name", "reporter_phone", "reporter_email", "description",
                        "occurred_where", "responsible_details", "complaint_target", "answers"}),
    "case_child": frozenset({"name", "iin", "school"}),
    "case_message": frozenset({"body"}),
    "checklist_item": frozenset({"person"}),
    "appointment": frozenset({"iin", "phone", "email"}),
    "stored_file": frozenset({"original_name", "data"}),
    "outbox_message": frozenset({"recipients", "body"}),
    "users": frozenset({"password_hash", "totp_secret"}),
}
# Whatever the table, a field named like a secret is masked too.
SECRET_NAME = re.compile(r"password|secret|token|hash", re.IGNORECASE)


def record(action, actor=None, obj=None, region_code=None, **data):
    """Append one audit row in the caller's transaction, written with its next flush
    (several rows then go in one INSERT).

    ``obj`` is any mapped row; its table name becomes the object type and its primary
    key the object id. ``data`` is stored as JSON (dates as ISO text, rows by key).
    """
    event = AuditEvent(
        action=action,
        actor_id=getattr(actor, "id", None),
        object_type=obj.__tablename__ if obj is not None else None,
        object_id=_key_of(obj) if obj is not None else None,
        region_code=region_code or getattr(obj, "region_code", None),
        ip_address=request.remote_addr if has_request_context() else None,
        data=plain(data),
    )
    db.session.add(event)
    return event


def is_personal(table, field):
    """True when the audit log must not hold this field's values."""
    return field in PERSONAL_FIELDS.get(table, ()) or bool(SECRET_NAME.search(field))


def changes(obj):
    """The object's unflushed changes as ``{"field": {"old": …, "new": …}}``, personal
    values masked (``is_personal``): ``"***"`` for a value, ``None`` for none.

    Call it before anything flushes (a flush makes the changes history); for a new
    object "old" is ``None``. Relations are given by the key of the related rows.
    """
    state = inspect(obj)
    table = obj.__tablename__
    diff = {}
    for attr in state.attrs:
        history = attr.history  # passive: loads nothing
        if not history.has_changes():
            continue
        prop = state.mapper.attrs[attr.key]
        if isinstance(prop, RelationshipProperty) and prop.uselist:
            old = sorted(plain([*history.unchanged, *history.deleted]), key=str)
            new = sorted(plain([*history.unchanged, *history.added]), key=str)
        else:
            old = plain(history.deleted[0]) if history.deleted else None
            new = plain(history.added[0]) if history.added else None
        if is_personal(table, attr.key):
            old, new = _masked(old), _masked(new)
        diff[attr.key] = {"old": old, "new": new}
    return diff


def snapshot(obj):
    """The row's loaded column values, personal ones masked: what a deleted row held."""
    state = inspect(obj)
    table = obj.__tablename__
    values = {}
    for prop in state.mapper.column_attrs:
        if prop.key in state.dict:  # a deferred column not loaded (a file's bytes) is left out
            value = plain(state.dict[prop.key])
            values[prop.key] = _masked(value) if is_personal(table, prop.key) else value
    return values


def plain(value):
    """``value`` as JSON: dates and times in ISO 8601, decimals as text, enums by value,
    sets and tuples as lists, mapped rows by their key, bytes by their size."""
    if isinstance(value, enum.Enum):
        return plain(value.value)
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, (Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return f"<{len(value)} bytes>"
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, (set, frozenset)):
        return sorted((plain(item) for item in value), key=str)
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    mapped = inspect(value, raiseerr=False)
    if mapped is not None and hasattr(mapped, "identity"):
        return ",".join(str(part) for part in mapped.identity) if mapped.identity else None
    return str(value)  # lazy translations and anything else with a text form


def _masked(value):
    return MASK if value not in (None, "", [], {}) else value


def _key_of(obj):
    """The row's primary key as text (``12``, ``2027-01-04``), after a flush if it is new."""
    identity = inspect(obj).identity
    if identity is None:
        db.session.flush()
        identity = inspect(obj).identity
    return ",".join(str(part) for part in identity)
