"""What the outbox tests share: the states, a fixture pointing the app at an SMTP server, and
reading a message and its attempts back from the database."""
import pytest
from sqlalchemy import select

from extensions import db
from models.outbox import OutboxAttempt, OutboxMessage, OutboxStatus

PENDING, SENT, FAILED = (s.value for s in (OutboxStatus.PENDING, OutboxStatus.SENT, OutboxStatus.FAILED))


@pytest.fixture
def mail_url(app, monkeypatch):
    """Point the in-process app at an SMTP URL for one test."""
    return lambda url: monkeypatch.setitem(app.config, "MAIL_URL", url)


def reload_message(message_id):
    db.session.expire_all()
    return db.session.get(OutboxMessage, message_id)


def attempts_of(message_id):
    return db.session.scalars(select(OutboxAttempt).where(OutboxAttempt.message_id == message_id)
                              .order_by(OutboxAttempt.id)).all()
