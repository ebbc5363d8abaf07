"""SQLAlchemy models, one module per area. Import them all here so Alembic sees them."""
from models.appointment import Appointment, AppointmentState, AppointmentStep
from models.audit import AuditEvent
from models.files import StoredFile
from models.outbox import OutboxAttempt, OutboxMessage
from models.region import Region
from models.user import Role, User

__all__ = ["Appointment", "AppointmentState", "AppointmentStep", "AuditEvent", "StoredFile", "OutboxAttempt", "OutboxMessage", "Region", "Role", "User"]
