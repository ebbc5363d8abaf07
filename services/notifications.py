"""The alert outbox: queue in the caller's transaction, deliver from a worker.

"Immediately" in [R10.1] and [R10.3] means the alert is stored in the same transaction
as the event that causes it, so it can never be lost, and a worker delivers it within
seconds, retrying with backoff. Several workers may run: each takes one due message
with ``SELECT … FOR UPDATE SKIP LOCKED`` and holds that row lock while it sends, so a
worker killed mid-send leaves the message pending for the next one.
"""
import logging
import time
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert

from extensions import db
from models.base import utcnow
from models.outbox import OutboxAttempt, OutboxMessage, OutboxStatus
from services import mail

log = logging.getLogger(__name__)

NOTIFY_CHANNEL = "outbox"
MAX_BACKOFF = timedelta(minutes=30)


def queue_email(recipients, subject, body, topic=None, obj=None, dedupe_key=None):
    """Add an e-mail to the outbox in the current transaction and return it.

    With a ``dedupe_key`` already used, nothing new is queued and None is returned:
    that is how periodic jobs send each reminder once.
    """
    recipients = sorted({r.strip() for r in recipients if r and r.strip()})
    if not recipients:
        return None
    values = dict(recipients=recipients, subject=subject[:300], body=body, topic=topic,
                  object_type=obj.__tablename__ if obj is not None else None,
                  object_id=str(obj.id) if obj is not None else None, dedupe_key=dedupe_key)
    stmt = insert(OutboxMessage).values(**values).on_conflict_do_nothing(
        index_elements=["dedupe_key"]).returning(OutboxMessage.id)
    message_id = db.session.execute(stmt).scalar()
    if message_id is None:
        return None
    # Wakes a LISTENing worker at commit; dropped with the transaction on rollback.
    db.session.execute(text(f"NOTIFY {NOTIFY_CHANNEL}"))
    return db.session.get(OutboxMessage, message_id)


def backoff(attempts, base_seconds=10.0):
    """Wait before the next try: base, 2×base, 4×base … (10 s, 20 s, 40 s …), at most 30 minutes."""
    return min(timedelta(seconds=base_seconds * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def deliver_one():
    """Send the oldest due message, if any; return True when one was handled.

    Runs in its own transaction and commits it.
    """
    cfg = current_app.config
    message = db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.PENDING.value,
               OutboxMessage.next_attempt_at <= utcnow())
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(1).with_for_update(skip_locked=True)
    ).first()
    if message is None:
        db.session.rollback()
        return False
    email = mail.build_message(cfg["MAIL_FROM"], message.recipients, message.subject,
                               message.body, message_key=f"outbox-{message.id}")
    message.attempts += 1
    try:
        transport = mail.send(cfg.get("MAIL_URL"), email, timeout=cfg["MAIL_TIMEOUT"])
    except mail.MailError as exc:
        _record_failure(message, str(exc), cfg)
    else:
        message.status = OutboxStatus.SENT.value
        message.sent_at = utcnow()
        message.last_error = None
        db.session.add(OutboxAttempt(message=message, succeeded=True, transport=transport))
    db.session.commit()
    return True


def _record_failure(message, error, cfg):
    log.warning("outbox message %s: attempt %s failed: %s", message.id, message.attempts, error)
    message.last_error = error
    message.next_attempt_at = utcnow() + backoff(message.attempts, cfg["OUTBOX_RETRY_BASE_SECONDS"])
    if message.attempts >= cfg["OUTBOX_MAX_ATTEMPTS"]:
        message.status = OutboxStatus.FAILED.value
    db.session.add(OutboxAttempt(message=message, succeeded=False, error=error, transport="smtp"))


def deliver_due(limit=1000):
    """Deliver due messages until none is left (or ``limit``); return how many were handled."""
    handled = 0
    while handled < limit and deliver_one():
        handled += 1
    return handled


def run_worker(stop_after=None):
    """Deliver forever (or ``stop_after`` seconds): woken by NOTIFY, else polling."""
    poll = current_app.config["WORKER_POLL_SECONDS"]
    started = time.monotonic()
    listener = _Listener(db.engine)
    log.info("outbox worker started")
    try:
        while stop_after is None or time.monotonic() - started < stop_after:
            if deliver_due() == 0:
                listener.wait(poll)
    finally:
        listener.close()


class _Listener:
    """A raw connection LISTENing on the outbox channel, to wake without waiting a poll."""

    def __init__(self, engine):
        self.connection = engine.raw_connection()
        self.connection.driver_connection.autocommit = True
        with self.connection.cursor() as cursor:
            cursor.execute(f"LISTEN {NOTIFY_CHANNEL}")

    def wait(self, timeout):
        import select as io_select

        pg = self.connection.driver_connection
        if io_select.select([pg], [], [], timeout)[0]:
            pg.poll()
            pg.notifies.clear()

    def close(self):
        self.connection.close()
