"""Staff sessions: when they start, when they end, and the pending second step of a login.

The session (Flask's signed cookie) holds the login time, the time of the last request and
the token of its server-side record (services/staff_sessions.py). Before every request of a
logged-in user:

- a session whose record has ended (logged out, password changed, ended by an administrator)
  is refused, even if its cookie is a copy taken before;
- the session ends after ``session_idle_minutes`` without a request (default 30) or
  ``session_max_hours`` after login (default 12), both settings in the admin; the login page
  then says why;
- a user who must use two-factor login but has not set it up is sent to set it up, whatever
  page they ask for, except that page, logging out, static files and the public site.

Every session of a user ends at once when their ``session_version`` moves on (password
changed or reset, role or region changed, account disabled, second factor reset): it is part
of the id in the cookie (``User.get_id``).

After a correct password, a user with two-factor login is not logged in yet: the session holds
only a pending marker (user id, session version, time), valid five minutes, for /login/two-factor.
"""
import time

from flask import flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from auth import bp
from extensions import db
from models import User
from services import settings, staff_sessions, two_factor
from services.auth import logged_in

LOGIN_AT = "login_at"
SEEN_AT = "seen_at"
TOKEN = "session_token"
PENDING = "two_factor_pending"
PENDING_SECONDS = 5 * 60
# Bounds on the settings, so that a typo cannot lock everyone out at once.
IDLE_MINUTES_BOUNDS = (5, 24 * 60)
MAX_HOURS_BOUNDS = (1, 30 * 24)

# Pages a user who still has to set up two-factor login may open.
ENROLMENT_OPEN = frozenset({
    "auth.two_factor_enrol", "auth.logout", "auth.login", "auth.login_two_factor",
    "auth.set_password_page", "auth.password_forgot",
})


def _now():
    return int(time.time())


def _bounded(value, bounds):
    low, high = bounds
    return min(max(value, low), high)


def idle_minutes():
    return _bounded(settings.get("session_idle_minutes"), IDLE_MINUTES_BOUNDS)


def max_hours():
    return _bounded(settings.get("session_max_hours"), MAX_HOURS_BOUNDS)


def start(user):
    """Log ``user`` in: a new session, timed from now, with its server-side record."""
    session.pop(PENDING, None)
    login_user(user)
    session[LOGIN_AT] = session[SEEN_AT] = _now()
    session[TOKEN] = staff_sessions.open_session(user)
    logged_in(user)


def renew(user):
    """Bind this session to the user's new session version (after they changed their own
    password), keeping its login time: the other sessions have ended, this one goes on."""
    login_at = session.get(LOGIN_AT, _now())
    login_user(user)
    session[LOGIN_AT], session[SEEN_AT] = login_at, _now()
    staff_sessions.end_all(user, "password", keep=session.get(TOKEN))


def end(reason="logout"):
    """Log out: the cookie is emptied and its server-side record ended (the caller commits)."""
    staff_sessions.end_session(session.get(TOKEN), reason)
    logout_user()
    for key in (LOGIN_AT, SEEN_AT, TOKEN, PENDING):
        session.pop(key, None)


def begin_second_step(user, next_url):
    """Remember, for five minutes, that ``user`` gave the right password."""
    end()
    session[PENDING] = {"user": user.id, "version": user.session_version, "at": _now(),
                        "next": next_url or ""}


def pending():
    """``(user, next_url)`` of a login waiting for its second step, or None if there is none,
    it is older than five minutes, or the account changed since the password was given."""
    marker = session.get(PENDING)
    if not isinstance(marker, dict):
        return None
    if not 0 <= _now() - int(marker.get("at", 0)) <= PENDING_SECONDS:
        session.pop(PENDING, None)
        return None
    user = db.session.get(User, marker.get("user"))
    if user is None or not user.is_enabled or user.session_version != marker.get("version"):
        session.pop(PENDING, None)
        return None
    return user, marker.get("next") or None


def _is_static(endpoint):
    return endpoint == "static" or (endpoint or "").endswith(".static")


def _is_public():
    return request.blueprint == "public"


def _back_to_login(message):
    flash(message, "info")
    target = request.full_path.rstrip("?") if request.method == "GET" else None
    if request.endpoint in ENROLMENT_OPEN or _is_public():
        target = None
    return redirect(url_for("auth.login", next=target))


@bp.before_app_request
def guard_session():
    """End sessions that were idle or too long, and send users who must set up two-factor
    login to do so first."""
    if _is_static(request.endpoint) or "_user_id" not in session:
        return None
    if not current_user.is_authenticated or not staff_sessions.is_live(current_user, session.get(TOKEN)):
        # The session version moved on (password, role, region, disabled), or its record ended
        # (logged out, ended by an administrator): the cookie opens nothing any more.
        end("account_changed")
        db.session.commit()
        if not _is_public() and request.endpoint not in ENROLMENT_OPEN:
            flash(_("Your session has ended. Please log in again."), "info")
        return None
    now = _now()
    login_at, seen_at = session.get(LOGIN_AT), session.get(SEEN_AT)
    if not isinstance(login_at, int) or not isinstance(seen_at, int):
        login_at, seen_at = now, now  # a session from before these timestamps: time it from now
        session[LOGIN_AT] = login_at
    if now - seen_at > idle_minutes() * 60:
        minutes = idle_minutes()
        end("idle")
        db.session.commit()
        if _is_public():
            return None
        return _back_to_login(_("You were logged out after %(minutes)s minutes without activity. "
                                "Please log in again.", minutes=minutes))
    if now - login_at > max_hours() * 3600:
        hours = max_hours()
        end("expired")
        db.session.commit()
        if _is_public():
            return None
        return _back_to_login(_("Your session has ended: a session lasts at most %(hours)s hours. "
                                "Please log in again.", hours=hours))
    session[SEEN_AT] = now
    if (request.endpoint is not None and request.endpoint not in ENROLMENT_OPEN and not _is_public()
            and not two_factor.is_enabled(current_user) and two_factor.required_for(current_user)):
        return redirect(url_for("auth.two_factor_enrol"))
    return None


@bp.after_app_request
def staff_pages_are_not_stored(response):
    """What a logged-in staff member is sent (a child's identity, an export, a file) is kept in
    no cache, the browser's included: ``Cache-Control: no-store`` on every such answer."""
    if "_user_id" in session and not _is_static(request.endpoint):
        response.headers["Cache-Control"] = "no-store"
    return response
