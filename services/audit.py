"""Writing the audit log (PRODUCT.md, "Trust")."""
from flask import has_request_context, request
from sqlalchemy import inspect

from extensions import db
from models import AuditEvent


def record(action, actor=None, obj=None, region_code=None, **data):
    """Append one audit row in the caller's transaction.

    ``obj`` is any mapped row; its table name becomes the object type and its primary
    key the object id.
    """
    event = AuditEvent(
        action=action,
        actor_id=getattr(actor, "id", None),
        object_type=obj.__tablename__ if obj is not None else None,
        object_id=_key_of(obj) if obj is not None else None,
        region_code=region_code or getattr(obj, "region_code", None),
        ip_address=request.remote_addr if has_request_context() else None,
        data=data,
    )
    db.session.add(event)
    db.session.flush()
    return event


def _key_of(obj):
    """The row's primary key as text (``12``, ``2027-01-04``), after a flush if it is new."""
    identity = inspect(obj).identity
    if identity is None:
        db.session.flush()
        identity = inspect(obj).identity
    return ",".join(str(part) for part in identity)
