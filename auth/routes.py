"""Login at /login (and its second step at /login/two-factor), logout by POST at /logout,
and passwords set through a one-time link (/password/forgot asks for one)."""
from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from auth import bp, sessions
from extensions import db, login_manager
from forms.auth import ForgotPasswordForm, LoginForm, SetPasswordForm, TwoFactorForm
from models import User
from request_input import id_from
from services import two_factor
from services.auth import authenticate
from core.errors import DomainError
from use_case import use_case
from services.password_links import ResetThrottled, request_reset, user_for_token
from services.users import set_password

# Fewer recovery codes than this left after one is used: the user is told to make new ones.
FEW_RECOVERY_CODES = 3


@login_manager.user_loader
def load_user(session_id):
    """The user for a session: gone when disabled or when their session version moved on."""
    user_id, _, version = (session_id or "").partition(":")
    user_id, version = id_from(user_id), id_from(version)
    if user_id is None or version is None:
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.is_enabled or user.session_version != version:
        return None
    return user


def safe_next(target):
    """Only a local path: never another host, never a scheme, never ``//host``."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") \
            or "\\" in target:
        return None
    return target


def _after_login(user, target):
    """Where a freshly logged-in user goes: set-up of two-factor login first if it is required."""
    if not two_factor.is_enabled(user) and two_factor.required_for(user):
        return redirect(url_for("auth.two_factor_enrol"))
    return redirect(safe_next(target) or url_for("admin.index"))


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("admin.index"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        with use_case(keep_refused=True) as outcome:  # a failed attempt stays in the audit log
            user = authenticate(form.email.data, form.password.data, request.remote_addr)
        if not outcome:
            return render_template("auth/login.html", form=form), 401
        if two_factor.is_enabled(user):
            sessions.begin_second_step(user, safe_next(form.next.data))
            db.session.commit()
            return redirect(url_for("auth.login_two_factor"))
        sessions.start(user)
        db.session.commit()
        return _after_login(user, form.next.data)
    status = 400 if form.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/login/two-factor", methods=["GET", "POST"])
def login_two_factor():
    """The second step: a code from the authenticator app, or a recovery code."""
    if current_user.is_authenticated:
        return redirect(url_for("admin.index"))
    waiting = sessions.pending()
    if waiting is None:
        flash(_("Please log in again."), "info")
        return redirect(url_for("auth.login"))
    user, target = waiting
    form = TwoFactorForm()
    if form.validate_on_submit():
        with use_case(keep_refused=True) as outcome:  # a failed attempt stays in the audit log
            method = two_factor.verify_login(user, form.code.data, request.remote_addr)
        if not outcome:
            return render_template("auth/two_factor_login.html", form=form), 401
        sessions.start(user)
        db.session.commit()
        if method == "recovery_code":
            left = two_factor.recovery_codes_left(user)
            if left < FEW_RECOVERY_CODES:
                flash(_("You have %(n)s recovery codes left. Make new ones on your account page.",
                        n=left), "warning")
        return redirect(safe_next(target) or url_for("admin.index"))
    return render_template("auth/two_factor_login.html", form=form), 400 if form.errors else 200


@bp.route("/c/<int:case_id>")
def case_link(case_id):
    """The short link of a case in SMS and Telegram alerts [R10.1]: its admin page, which asks
    for the login and shows the case only to those who may see it."""
    return redirect(url_for("case.details_view", id=case_id))


@bp.route("/logout", methods=["POST"])
def logout():
    sessions.end()
    db.session.commit()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password/set/<token>", methods=["GET", "POST"])
def set_password_page(token):
    """The one-time link e-mailed to new staff and to those who forgot their password."""
    try:
        user = user_for_token(token)
    except DomainError as error:
        return render_template("auth/link_invalid.html", message=str(error)), 400
    form = SetPasswordForm()
    if form.validate_on_submit():
        with use_case() as outcome:
            set_password(user, form.password.data, actor=user)
        if not outcome:
            return render_template("auth/set_password.html", form=form, user=user), 400
        sessions.end()
        db.session.commit()
        flash(_("Your password is set. You can log in now."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/set_password.html", form=form, user=user), 400 if form.errors else 200


@bp.route("/password/forgot", methods=["GET", "POST"])
def password_forgot():
    """Ask for a link to set a new password. The answer is the same whether the account
    exists or not, so this page does not tell which staff e-mails exist."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        try:
            request_reset(form.email.data, request.remote_addr)
        except ResetThrottled as error:
            flash(str(error), "error")
            return render_template("auth/forgot_password.html", form=form), 429
        db.session.commit()
        flash(_("If an account with this e-mail exists, we have sent it a link to set a new "
                "password. Check your e-mail."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form), 400 if form.errors else 200
