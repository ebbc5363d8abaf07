"""Login at /login, logout by POST at /logout."""
from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from auth import bp
from extensions import db, login_manager
from forms.auth import LoginForm, SetPasswordForm
from models import User
from services.auth import authenticate
from services.errors import DomainError
from services.password_links import user_for_token
from services.users import set_password


@login_manager.user_loader
def load_user(session_id):
    """The user for a session: gone when disabled or when their session version moved on."""
    user_id, _, version = (session_id or "").partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.is_enabled or user.session_version != int(version):
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


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("admin.index"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        try:
            user = authenticate(form.email.data, form.password.data, request.remote_addr)
        except DomainError as error:
            db.session.commit()  # the failed attempt stays in the audit log
            flash(str(error), "error")
            return render_template("auth/login.html", form=form), 401
        login_user(user)
        db.session.commit()
        return redirect(safe_next(form.next.data) or url_for("admin.index"))
    status = 400 if form.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout():
    logout_user()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password/set/<token>", methods=["GET", "POST"])
def set_password_page(token):
    """The one-time link e-mailed to new staff: choose a password, then log in."""
    try:
        user = user_for_token(token)
    except DomainError as error:
        return render_template("auth/link_invalid.html", message=str(error)), 400
    form = SetPasswordForm()
    if form.validate_on_submit():
        set_password(user, form.password.data, actor=user)
        db.session.commit()
        logout_user()
        flash(_("Your password is set. You can log in now."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/set_password.html", form=form, user=user), 400 if form.errors else 200
