"""Server-side records of staff sessions: a cookie stops working the moment its session ends.

Flask's session is a signed cookie: clearing it at logout does not stop a copy taken before
(from a shared computer, a proxy log) from working. So each login opens a record holding the
SHA-256 of a random token the cookie carries; every request of a logged-in user checks that its
record is there and not ended. Logging out ends the record; a password change ends the user's
other records; an administrator's "end all sessions" ends them all (and moves the user's
``session_version`` on, which ends them too at the next request, whichever check runs first).
The database never holds a token that would open a session.
"""
import hashlib
import secrets

from sqlalchemy import select, update

from extensions import db
from models import StaffSession
from models.base import utcnow
from services import audit

TOKEN_BYTES = 32


def _hash(token):
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def open_session(user):
    """A new record for ``user``; returns the token for the cookie."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    db.session.add(StaffSession(user_id=user.id, token_hash=_hash(token)))
    db.session.flush()
    return token


def is_live(user, token):
    """True when ``token`` opens a session of ``user`` that has not ended."""
    if not isinstance(token, str) or not token:
        return False
    record = db.session.scalar(select(StaffSession).where(StaffSession.token_hash == _hash(token)))
    return record is not None and record.user_id == user.id and record.ended_at is None


def end_session(token, reason):
    """End the session ``token`` opens (logging out, or its time ran out)."""
    if isinstance(token, str) and token:
        db.session.execute(update(StaffSession).where(StaffSession.token_hash == _hash(token),
                                                      StaffSession.ended_at.is_(None))
                           .values(ended_at=utcnow(), ended_reason=reason))


def end_all(user, reason, keep=None, actor=None):
    """End every live session of ``user`` but the one ``keep`` opens; returns how many ended."""
    query = update(StaffSession).where(StaffSession.user_id == user.id, StaffSession.ended_at.is_(None))
    if keep:
        query = query.where(StaffSession.token_hash != _hash(keep))
    ended = db.session.execute(query.values(ended_at=utcnow(), ended_reason=reason)).rowcount
    if actor is not None:
        audit.record("user.sessions_ended", actor=actor, obj=user, sessions=ended, reason=reason)
    return ended


def end_all_by_admin(actor, user):
    """An administrator's "end all sessions": every session of ``user`` ends at once."""
    user.session_version += 1
    return end_all(user, "ended_by_admin", actor=actor)
