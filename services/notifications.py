"""The alert outbox: queue in the caller's transaction, deliver from a worker.

"Immediately" in [R10.1] and [R10.3] means the alert is stored in the same transaction
as the event that causes it, so it can never be lost, and a worker delivers it within
seconds, retrying with backoff. Several workers may run: each takes one due message
with ``SELECT … FOR UPDATE SKIP LOCKED`` and holds that row lock while it sends, so a
worker killed mid-send leaves the message pending for the next one. Delivery is
at-least-once: a worker killed after the server accepted a message but before its
commit sends it again, with the same Message-ID. A message the server refuses for good
(``mail.MailRefused``: a 5xx reply) is marked failed at once instead.
"""
import logging
import math
import select as io_select
import threading
import time
from datetime import timedelta

import psycopg2
from flask import current_app
from sqlalchemy import exc as sa_exc
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from extensions import db
from models.api_token import ApiToken
from models.base import utcnow
from models.outbox import OutboxAttempt, OutboxMessage, OutboxStatus
from core import mail, sms, telegram, webhooks

log = logging.getLogger(__name__)

NOTIFY_CHANNEL = "outbox"  # the trigger of migration 0014 notifies it
RESET_TOPIC = "password_reset"  # services.password_links: written at delivery
MAX_BACKOFF = timedelta(minutes=30)
MAX_OUTAGE_PAUSE = 30.0  # seconds between reconnection attempts, at most
# The database is down or dropped the connection: wait and reconnect, do not die.
DATABASE_DOWN = (sa_exc.OperationalError, sa_exc.InterfaceError,
                 psycopg2.OperationalError, psycopg2.InterfaceError)


def queue_email(recipients, subject, body, topic=None, obj=None, dedupe_key=None):
    """Add an e-mail to the outbox in the current transaction and return it [R10.1], [R10.3].

    Nothing is sent here: the message is delivered only if the caller commits. With a
    ``dedupe_key`` already used, nothing new is queued and None is returned: that is how
    periodic jobs send each reminder once.
    """
    if isinstance(recipients, str):
        recipients = [recipients]
    recipients = sorted({r.strip() for r in recipients if r and r.strip()})
    if not recipients:
        return None
    return _queue("email", recipients, subject, body, topic, obj, dedupe_key)


def queue_message(channel, address, text, topic=None, obj=None, dedupe_key=None):
    """Add an SMS or a Telegram message to one address, as ``queue_email`` does [R10.1]."""
    return _queue(channel, [address], text, text, topic, obj, dedupe_key)


def queue_webhook(url, event, body, obj):
    """Add a partner's webhook call (``body``: JSON text) to the outbox; ``obj`` is its API
    token, whose secret signs it at delivery (services.webhooks)."""
    return _queue("webhook", [url], event, body, "webhook", obj, None)


def _queue(channel, recipients, subject, body, topic, obj, dedupe_key):
    values = dict(channel=channel, recipients=recipients, subject=_one_line(subject)[:300], body=body,
                  topic=topic, object_type=obj.__tablename__ if obj is not None else None,
                  object_id=str(obj.id) if obj is not None else None, dedupe_key=dedupe_key)
    stmt = insert(OutboxMessage).values(**values).on_conflict_do_nothing(
        index_elements=["dedupe_key"]).returning(OutboxMessage)
    # The row as inserted, no second read. The insert wakes a LISTENing worker at commit (a
    # trigger sends NOTIFY, migration 0014), and nothing is sent on rollback.
    return db.session.scalars(stmt).first()


def _one_line(subject):
    """A header cannot hold a line break (it would be refused, or inject headers)."""
    return " ".join(str(subject).split())


def backoff(attempts, base_seconds=10.0):
    """Wait before the next try: base, 2×base, 4×base … (10 s, 20 s, 40 s …), at most 30 minutes."""
    return min(timedelta(seconds=base_seconds * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


# Messages the mail server accepted whose "sent" could not be committed (the database went
# away in between): on the next pass they are recorded as sent, not sent again. Kept in the
# worker's memory, so a second worker or a restart may still send one twice (at least once).
_sent_not_recorded = {}


def deliver_one():
    """Send the oldest due message, if any; return True when one was handled [R10.1], [R10.3].

    Runs in its own transaction and commits it; every attempt is recorded.
    """
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
    cfg = current_app.config
    message.attempts += 1
    if not _compose(message):
        db.session.commit()
        return True
    accepted = _sent_not_recorded.get(message.id)
    if accepted is None:
        try:
            accepted = TRANSPORTS[message.channel](message, cfg)
        except Exception as exc:  # noqa: BLE001 — whatever the cause, record it (and retry)
            error = str(exc) if isinstance(exc, TRANSPORT_ERRORS) else f"{type(exc).__name__}: {exc}"
            _record_failure(message, error, cfg, refused=isinstance(exc, REFUSED_FOR_GOOD))
        else:
            _sent_not_recorded[message.id] = accepted
    if accepted is not None:
        _record_success(message, *accepted)
    db.session.commit()
    _sent_not_recorded.pop(message.id, None)
    return True


def _compose(message):
    """Write a message whose text is decided at delivery (a password-reset request: so the web
    page does the same work whether or not the account exists). False when there is nothing
    to send: the message is dropped, with the reason."""
    if message.topic != RESET_TOPIC:
        return True
    from services.password_links import compose_reset

    composed = compose_reset(message)
    if composed is None:
        message.status = OutboxStatus.DROPPED.value
        message.last_error = "no enabled account, or enough links for now"
        db.session.add(OutboxAttempt(message=message, succeeded=False, error=message.last_error,
                                     transport="none"))
        return False
    message.recipients, message.subject, message.body = composed
    return True


def _send_email(message, cfg):
    """Send by SMTP (logged when MAIL_URL is unset); (transport, refused recipients)."""
    # id and creation time: stable across retries, unique across databases.
    key = f"outbox-{message.id}.{message.created_at:%Y%m%d%H%M%S%f}"
    email = mail.build_message(cfg["MAIL_FROM"], message.recipients, message.subject,
                               message.body, message_key=key, date=message.created_at)
    return mail.send(cfg.get("MAIL_URL"), email, timeout=cfg["MAIL_TIMEOUT"],
                     ca_file=cfg.get("MAIL_CA_FILE"))


def _send_sms(message, cfg):
    if not cfg.get("SMS_URL"):
        raise sms.SmsError("SMS is not configured (SMS_URL)")
    gateway_id = sms.send(cfg["SMS_URL"], cfg.get("SMS_LOGIN"), cfg.get("SMS_PASSWORD"),
                          message.recipients[0], message.body, sender=cfg.get("SMS_SENDER"),
                          timeout=cfg["SMS_TIMEOUT"])
    return f"sms:{gateway_id}"[:20], {}


def _send_telegram(message, cfg):
    if not cfg.get("TELEGRAM_BOT_TOKEN"):
        raise telegram.TelegramError("Telegram is not configured (TELEGRAM_BOT_TOKEN)")
    telegram_id = telegram.send_message(cfg["TELEGRAM_API_URL"], cfg["TELEGRAM_BOT_TOKEN"],
                                        message.recipients[0], message.body)
    return f"telegram:{telegram_id}"[:20], {}


def _send_webhook(message, cfg):
    token = db.session.get(ApiToken, int(message.object_id))
    if token is None or token.revoked_at is not None or not token.webhook_secret:
        raise webhooks.WebhookRefused("the token was revoked or has no webhook secret")
    status = webhooks.send(message.recipients[0], token.webhook_secret, f"msg_{message.id}",
                           message.body.encode(), timeout=cfg["WEBHOOK_TIMEOUT"],
                           ca_file=cfg.get("WEBHOOK_CA_FILE"))
    return f"webhook:{status}", {}


# Each channel's transport: (transport name, refused recipients), or an exception.
TRANSPORTS = {"email": _send_email, "sms": _send_sms, "telegram": _send_telegram, "webhook": _send_webhook}
TRANSPORT_ERRORS = (mail.MailError, sms.SmsError, telegram.TelegramError, webhooks.WebhookError)
REFUSED_FOR_GOOD = (mail.MailRefused, sms.SmsRefused, telegram.TelegramRefused, webhooks.WebhookRefused)


def _record_success(message, transport, refused):
    error = "; ".join(f"refused {rcpt}: {reply}" for rcpt, reply in refused.items()) or None
    if error:
        log.warning("outbox message %s: %s", message.id, error)
    log.info("outbox message %s sent (%s, attempt %s)", message.id, transport, message.attempts)
    message.status = OutboxStatus.SENT.value
    message.sent_at = utcnow()
    message.last_error = None
    db.session.add(OutboxAttempt(message=message, succeeded=True, transport=transport, error=error))
    if message.object_type == "checklist_item":
        # An automatic [R10.1] / [R10.3] alert: its checklist item is done once delivered.
        from services.checklist import alert_delivered

        alert_delivered(message.object_id, message.sent_at)


def _record_failure(message, error, cfg, refused=False):
    """Record the failed attempt; retry later, unless ``refused`` for good or out of attempts."""
    log.warning("outbox message %s: attempt %s failed: %s", message.id, message.attempts, error)
    message.last_error = error
    message.next_attempt_at = utcnow() + backoff(message.attempts, cfg["OUTBOX_RETRY_BASE_SECONDS"])
    if refused or message.attempts >= cfg["OUTBOX_MAX_ATTEMPTS"]:
        message.status = OutboxStatus.FAILED.value
    transport = message.channel if message.channel != "email" else (
        "smtp" if cfg.get("MAIL_URL") else "log")
    db.session.add(OutboxAttempt(message=message, succeeded=False, error=error, transport=transport))


def deliver_due(limit=1000, stop=None):
    """Deliver due messages until none is left, ``limit`` is reached or ``stop`` is set."""
    handled = 0
    while handled < limit and not (stop and stop.is_set()) and deliver_one():
        handled += 1
    return handled


def run_worker(stop_after=None, stop=None):
    """Deliver until ``stop`` is set (or for ``stop_after`` seconds): woken by NOTIFY, else polling.

    A database outage is logged and waited out with growing pauses; the LISTEN
    connection is reopened and the session's pool (``pool_pre_ping``) reconnects.
    """
    poll = current_app.config["WORKER_POLL_SECONDS"]
    stop = stop or threading.Event()
    deadline = math.inf if stop_after is None else time.monotonic() + stop_after
    listener, pause = None, poll
    log.info("outbox worker started")
    try:
        while not stop.is_set() and time.monotonic() < deadline:
            try:
                listener = listener or _Listener(db.engine)
                if deliver_due(stop=stop) == 0:
                    listener.wait(poll)
                pause = poll
            except DATABASE_DOWN as exc:
                listener = _after_outage(listener, exc, pause)
                stop.wait(pause)
                pause = min(pause * 2, MAX_OUTAGE_PAUSE)
    finally:
        if listener is not None:
            listener.close()
        log.info("outbox worker stopped")


def _after_outage(listener, exc, pause):
    first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    log.warning("outbox worker: database unavailable, retrying in %.1f s: %s", pause, first_line)
    db.session.remove()  # drops the broken transaction; the message it held stays pending
    if listener is not None:
        listener.close()
    return None


class _Listener:
    """Its own connection (outside the pool) LISTENing on the outbox channel."""

    def __init__(self, engine):
        cargs, cparams = engine.dialect.create_connect_args(engine.url)
        self.connection = engine.dialect.connect(*cargs, **cparams)
        try:
            self.connection.autocommit = True
            with self.connection.cursor() as cursor:
                cursor.execute(f"LISTEN {NOTIFY_CHANNEL}")
        except BaseException:
            self.connection.close()
            raise

    def wait(self, timeout):
        """Return when notified or after ``timeout`` seconds; raise if the connection died."""
        if io_select.select([self.connection], [], [], timeout)[0]:
            self.connection.poll()
            self.connection.notifies.clear()

    def close(self):
        self.connection.close()
