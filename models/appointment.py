"""Appointment and dismissal of a regional ombudsman [R4].

The akim appoints and dismisses the regional ombudsman by order, with the consent of
the Commissioner for Children's Rights. Every step is one transition of
``services.appointments.WORKFLOW``; the state is never edited directly. The database
enforces at most one ombudsman in office per region and that an appointment in office
carries its consent and order.
"""
import enum
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.base import created_at_column


class AppointmentState(str, enum.Enum):
    DRAFT = "draft"
    WITHDRAWN = "withdrawn"
    CONSENT_REQUESTED = "consent_requested"
    CONSENT_GRANTED = "consent_granted"
    CONSENT_REFUSED = "consent_refused"
    ACTIVE = "active"
    DISMISSAL_REQUESTED = "dismissal_requested"
    DISMISSAL_CONSENTED = "dismissal_consented"
    DISMISSED = "dismissed"

    # State groups: read these, never spell the states out again.
    # In office from the akim's order until the dismissal order.
    IN_OFFICE = enum.nonmember(("active", "dismissal_requested", "dismissal_consented"))
    # Waiting for the Commissioner's answer.
    WAITING_FOR_CONSENT = enum.nonmember(("consent_requested", "dismissal_requested"))

    def __str__(self):
        return self.value


STATE_LABELS = {
    "draft": _l("Draft"),
    "withdrawn": _l("Withdrawn"),
    "consent_requested": _l("Consent requested"),
    "consent_granted": _l("Consent granted"),
    "consent_refused": _l("Consent refused"),
    "active": _l("Active"),
    "dismissal_requested": _l("Dismissal requested"),
    "dismissal_consented": _l("Dismissal consented"),
    "dismissed": _l("Dismissed"),
}

ACTION_LABELS = {
    "propose": _l("Proposed"),
    "withdraw": _l("Withdraw the proposal"),
    "request_consent": _l("Request the Commissioner's consent"),
    "grant_consent": _l("Grant consent"),
    "refuse_consent": _l("Refuse consent"),
    "record_order": _l("Record the akim's order"),
    "request_dismissal": _l("Request consent to dismiss"),
    "grant_dismissal": _l("Consent to the dismissal"),
    "refuse_dismissal": _l("Refuse the dismissal"),
    "record_dismissal": _l("Record the dismissal order"),
}

IN_OFFICE = AppointmentState.IN_OFFICE  # the table's constraints below read it
STATE_VALUES = tuple(s.value for s in AppointmentState)


class Appointment(db.Model):
    __tablename__ = "appointment"
    __table_args__ = (
        CheckConstraint(f"state IN {STATE_VALUES!r}", name="state_known"),
        CheckConstraint(
            f"state NOT IN {IN_OFFICE + ('dismissed',)!r} OR (consent_number IS NOT NULL AND "
            "consent_date IS NOT NULL AND order_number IS NOT NULL AND order_date IS NOT NULL "
            "AND order_date >= consent_date)",
            name="in_office_has_consent_and_order"),
        CheckConstraint(
            "state <> 'dismissed' OR (dismissal_consent_date IS NOT NULL AND "
            "dismissal_order_number IS NOT NULL AND dismissal_order_date IS NOT NULL "
            "AND dismissal_order_date >= dismissal_consent_date)",
            name="dismissed_has_consent_and_order"),
        Index("uq_appointment_one_in_office_per_region", "region_code", unique=True,
              postgresql_where=text(f"state IN {IN_OFFICE!r}")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    state: Mapped[str] = mapped_column(String(30), default=AppointmentState.DRAFT.value, index=True)

    # The appointee; the post is unpaid [R2], so their main place of work is recorded.
    full_name: Mapped[str] = mapped_column(String(200))
    iin: Mapped[str | None] = mapped_column(String(12))
    phone: Mapped[str | None] = mapped_column(String(30))
    email: Mapped[str] = mapped_column(String(254))
    workplace: Mapped[str | None] = mapped_column(String(300))
    note: Mapped[str | None] = mapped_column(Text)

    consent_number: Mapped[str | None] = mapped_column(String(50))
    consent_date: Mapped[date | None] = mapped_column(Date)
    refusal_reason: Mapped[str | None] = mapped_column(Text)
    order_number: Mapped[str | None] = mapped_column(String(50))
    order_date: Mapped[date | None] = mapped_column(Date)
    dismissal_reason: Mapped[str | None] = mapped_column(Text)
    dismissal_consent_number: Mapped[str | None] = mapped_column(String(50))
    dismissal_consent_date: Mapped[date | None] = mapped_column(Date)
    dismissal_order_number: Mapped[str | None] = mapped_column(String(50))
    dismissal_order_date: Mapped[date | None] = mapped_column(Date)

    consent_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_file.id"))
    order_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_file.id"))
    dismissal_consent_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_file.id"))
    dismissal_order_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_file.id"))

    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = created_at_column()
    state_changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=text("now()"))

    region = relationship("Region", lazy="joined")
    user = relationship("User", foreign_keys=[user_id])
    steps = relationship("AppointmentStep", back_populates="appointment", order_by="AppointmentStep.id",
                         lazy="selectin")
    consent_file = relationship("StoredFile", foreign_keys=[consent_file_id])
    order_file = relationship("StoredFile", foreign_keys=[order_file_id])
    dismissal_consent_file = relationship("StoredFile", foreign_keys=[dismissal_consent_file_id])
    dismissal_order_file = relationship("StoredFile", foreign_keys=[dismissal_order_file_id])

    FILE_KINDS = ("consent_file", "order_file", "dismissal_consent_file", "dismissal_order_file")

    @property
    def in_office(self):
        return self.state in AppointmentState.IN_OFFICE

    def __str__(self):
        return f"{self.full_name} ({self.region_code})"


class AppointmentStep(db.Model):
    """One recorded step of an appointment: who, when, from which state to which, and why.

    Append-only: a trigger refuses UPDATE and DELETE.
    """

    __tablename__ = "appointment_step"

    id: Mapped[int] = mapped_column(primary_key=True)
    appointment_id: Mapped[int] = mapped_column(ForeignKey("appointment.id"), index=True)
    at: Mapped[datetime] = created_at_column()
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(30))
    from_state: Mapped[str | None] = mapped_column(String(30))
    to_state: Mapped[str] = mapped_column(String(30))
    note: Mapped[str | None] = mapped_column(Text)

    appointment = relationship("Appointment", back_populates="steps")
    actor = relationship("User", lazy="joined")
