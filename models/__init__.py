"""SQLAlchemy models, one module per area. Import them all here so Alembic sees them."""
from models.audit import AuditEvent
from models.outbox import OutboxAttempt, OutboxMessage
from models.region import Region
from models.user import Role, User

__all__ = ["AuditEvent", "OutboxAttempt", "OutboxMessage", "Region", "Role", "User"]
