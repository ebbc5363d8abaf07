"""A staff member's own account at /account/: two-factor login and their password."""
from flask import flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from auth import bp, sessions
from extensions import db
from forms.auth import ChangePasswordForm, ConfirmPasswordForm, EnrolForm
from services import two_factor
from core.errors import DomainError
from services.users import change_own_password


def _private(body, status=200):
    """A page with a secret on it (the TOTP secret, recovery codes): kept out of every cache."""
    response = make_response(body, status)
    response.headers["Cache-Control"] = "no-store"
    return response


def _me():
    return current_user._get_current_object()


@bp.route("/account/")
@login_required
def account():
    user = _me()
    enabled = two_factor.is_enabled(user)
    return render_template(
        "auth/account.html", user=user, enabled=enabled, required=two_factor.required_for(user),
        codes_left=two_factor.recovery_codes_left(user) if enabled else 0,
        codes_form=ConfirmPasswordForm(prefix="codes"), off_form=ConfirmPasswordForm(prefix="off"))


@bp.route("/account/two-factor", methods=["GET", "POST"])
@login_required
def two_factor_enrol():
    """Set up two-factor login: scan the QR code (or type the secret), confirm with a code,
    then see the ten recovery codes once."""
    user = _me()
    if two_factor.is_enabled(user):
        flash(_("Two-factor login is already on."), "info")
        return redirect(url_for("auth.account"))
    secret = two_factor.begin_enrolment(user)
    form = EnrolForm()
    status = 200
    if form.validate_on_submit():
        try:
            codes = two_factor.confirm_enrolment(user, form.code.data)
        except DomainError as error:
            flash(str(error), "error")
            status = 400
        else:
            db.session.commit()
            return _recovery_codes(codes, enrolled=True)
    elif form.errors:
        status = 400
    db.session.commit()  # the pending secret, and a wrong code in the audit log
    return _private(render_template(
        "auth/two_factor_enrol.html", form=form, secret=secret, required=two_factor.required_for(user),
        qr_code=two_factor.qr_code_svg(user, _("QR code for your authenticator app"))), status)


def _recovery_codes(codes, enrolled=False):
    return _private(render_template("auth/recovery_codes.html", codes=codes, enrolled=enrolled))


@bp.route("/account/two-factor/recovery-codes", methods=["POST"])
@login_required
def two_factor_new_codes():
    form = ConfirmPasswordForm(prefix="codes")
    if form.validate_on_submit():
        try:
            codes = two_factor.new_recovery_codes(_me(), form.password.data)
        except DomainError as error:
            db.session.commit()  # a wrong password stays in the audit log
            flash(str(error), "error")
        else:
            db.session.commit()
            return _recovery_codes(codes)
    else:
        flash(_("Type your password to make new recovery codes."), "error")
    return redirect(url_for("auth.account"))


@bp.route("/account/two-factor/turn-off", methods=["POST"])
@login_required
def two_factor_turn_off():
    form = ConfirmPasswordForm(prefix="off")
    if form.validate_on_submit():
        try:
            two_factor.turn_off(_me(), form.password.data)
        except DomainError as error:
            db.session.commit()  # a wrong password stays in the audit log
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("Two-factor login is off."), "info")
    else:
        flash(_("Type your password to turn two-factor login off."), "error")
    return redirect(url_for("auth.account"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change the password with the current one; every other session of the user ends."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = _me()
        try:
            change_own_password(user, form.old_password.data, form.password.data)
        except DomainError as error:
            db.session.commit()  # a wrong current password stays in the audit log
            flash(str(error), "error")
            return render_template("auth/change_password.html", form=form), 400
        sessions.renew(user)
        db.session.commit()
        flash(_("Your password is changed. Your other sessions have ended."), "success")
        return redirect(url_for("auth.account"))
    return render_template("auth/change_password.html", form=form), 400 if form.errors else 200
