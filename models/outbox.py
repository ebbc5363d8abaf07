"""The alert outbox [R10.1], [R10.3]: messages queued in the same transaction as the event.

A worker delivers them (``flask --app app worker``), retrying with backoff and logging
every attempt in ``outbox_attempt``.
"""
import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ARRAY, CheckConstraint, DateTime, ForeignKey, Index, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.base import created_at_column


class OutboxStatus(str, enum.Enum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # gave up after OUTBOX_MAX_ATTEMPTS, or refused for good
    DROPPED = "dropped"  # nothing to send after all (a reset request for no account)


# How an alert travels [R10.1]: "by operational means (mobile or electronic)".
ALERT_CHANNELS = {"email": _l("E-mail"), "sms": _l("SMS"), "telegram": _l("Telegram")}


# The outbox also carries a partner's webhook calls (services.webhooks): not a person's alert.
OUTBOX_CHANNELS = (*ALERT_CHANNELS, "webhook")


def channel_constraint(column="alert_channel", channels=tuple(ALERT_CHANNELS)):
    return CheckConstraint(f"{column} IN {tuple(channels)!r}", name=f"{column}_known")


class OutboxMessage(db.Model):
    __tablename__ = "outbox_message"
    __table_args__ = (
        Index("ix_outbox_message_due", "next_attempt_at", postgresql_where="status = 'pending'"),
        channel_constraint("channel", OUTBOX_CHANNELS),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = created_at_column()
    # E-mail: one message to all its recipients; SMS and Telegram: one address per message.
    channel: Mapped[str] = mapped_column(String(10), default="email", server_default="email")
    recipients: Mapped[list[str]] = mapped_column(ARRAY(String(254)))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    # What the message is about, e.g. ("appointment", "12"), to show delivery status there.
    topic: Mapped[str | None] = mapped_column(String(50), index=True)
    object_type: Mapped[str | None] = mapped_column(String(50))
    object_id: Mapped[str | None] = mapped_column(String(50))
    # A caller-chosen key making a message idempotent (e.g. one reminder per item and day).
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(10), default=OutboxStatus.PENDING.value,
                                        server_default=OutboxStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)

    attempt_log = relationship("OutboxAttempt", back_populates="message", order_by="OutboxAttempt.id")


class OutboxAttempt(db.Model):
    __tablename__ = "outbox_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("outbox_message.id"), index=True)
    at: Mapped[datetime] = created_at_column()
    succeeded: Mapped[bool]
    error: Mapped[str | None] = mapped_column(Text)
    transport: Mapped[str] = mapped_column(String(20))

    message = relationship("OutboxMessage", back_populates="attempt_log")
