"""Writing the audit log (PRODUCT.md, "Trust")."""
from flask import has_request_context, request

from extensions import db
from models import AuditEvent


def record(action, actor=None, obj=None, region_code=None, **data):
    """Append one audit row in the caller's transaction.

    ``obj`` is any model with an ``id``; its table name becomes the object type.
    """
    event = AuditEvent(
        action=action,
        actor_id=getattr(actor, "id", None),
        object_type=obj.__tablename__ if obj is not None else None,
        object_id=str(obj.id) if obj is not None else None,
        region_code=region_code or getattr(obj, "region_code", None),
        ip_address=request.remote_addr if has_request_context() else None,
        data=data,
    )
    db.session.add(event)
    db.session.flush()
    return event
