"""A staff member's own account at /account/: two-factor login, their password, and where
they get alerts (SMS, Telegram) [R10.1]."""
from flask import current_app, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from auth import bp, sessions
from extensions import db
from forms.auth import AlertChannelsForm, ChangePasswordForm, ConfirmPasswordForm, EnrolForm
from services import alert_channels, two_factor
from use_case import use_case
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
    return _account_page()


def _account_page(channels_form=None, telegram_code=None, status=200):
    user = _me()
    enabled = two_factor.is_enabled(user)
    channels_form = channels_form or AlertChannelsForm(
        prefix="alerts", data={"phone": user.phone, "channel": user.alert_channel})
    return _private(render_template(
        "auth/account.html", user=user, enabled=enabled, required=two_factor.required_for(user),
        codes_left=two_factor.recovery_codes_left(user) if enabled else 0,
        codes_form=ConfirmPasswordForm(prefix="codes"), off_form=ConfirmPasswordForm(prefix="off"),
        channels_form=channels_form, telegram_code=telegram_code,
        telegram_bot=current_app.config.get("TELEGRAM_BOT_NAME"),
        telegram_on=bool(current_app.config.get("TELEGRAM_BOT_TOKEN")),
        sms_on=bool(current_app.config.get("SMS_URL"))), status)


@bp.route("/account/alerts", methods=["POST"])
@login_required
def alert_channels_save():
    form = AlertChannelsForm(prefix="alerts")
    if form.validate_on_submit():
        with use_case() as outcome:
            alert_channels.set_contacts(_me(), form.phone.data, form.channel.data)
        if outcome:
            flash(_("Saved: how you get alerts."), "success")
            return redirect(url_for("auth.account"))
    return _account_page(channels_form=form, status=400)


@bp.route("/account/telegram/code", methods=["POST"])
@login_required
def telegram_code():
    """A one-time code to send to the bot, shown once on the account page."""
    if not current_app.config.get("TELEGRAM_BOT_TOKEN"):
        flash(_("Telegram is not configured on this server yet."), "error")
        return redirect(url_for("auth.account"))
    with use_case() as outcome:
        code = alert_channels.new_telegram_code(_me())
    return _account_page(telegram_code=code) if outcome else redirect(url_for("auth.account"))


@bp.route("/account/telegram/unlink", methods=["POST"])
@login_required
def telegram_unlink():
    with use_case():
        alert_channels.unlink_telegram(_me())
    flash(_("Your Telegram is no longer linked."), "success")
    return redirect(url_for("auth.account"))


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
        with use_case(keep_refused=True) as outcome:  # a wrong code stays in the audit log
            codes = two_factor.confirm_enrolment(user, form.code.data)
        if outcome:
            return _recovery_codes(codes, enrolled=True)
        status = 400
    elif form.errors:
        status = 400
    db.session.commit()  # the pending secret, and a wrong code in the audit log
    return _private(render_template(
        "auth/two_factor_enrol.html", form=form, secret=secret, required=two_factor.required_for(user),
        qr_code=two_factor.qr_code_svg(user, _("QR code for your authenticator app"))), status)


def _recovery_codes(codes, enrolled=False):
    return _private(render_template("auth/recovery_codes.html", codes=codes, enrolled=enrolled))


def _with_password(prefix, use_case_of_user, missing):
    """Run a use case that asks for the password again: (done, its result). A wrong password
    stays in the audit log; a missing one is said with ``missing``."""
    form = ConfirmPasswordForm(prefix=prefix)
    if not form.validate_on_submit():
        flash(missing, "error")
        return False, None
    result = None
    with use_case(keep_refused=True) as outcome:
        result = use_case_of_user(_me(), form.password.data)
    return bool(outcome), result


@bp.route("/account/two-factor/recovery-codes", methods=["POST"])
@login_required
def two_factor_new_codes():
    done, codes = _with_password("codes", two_factor.new_recovery_codes,
                                 _("Type your password to make new recovery codes."))
    return _recovery_codes(codes) if done else redirect(url_for("auth.account"))


@bp.route("/account/two-factor/turn-off", methods=["POST"])
@login_required
def two_factor_turn_off():
    done, _nothing = _with_password("off", two_factor.turn_off,
                                    _("Type your password to turn two-factor login off."))
    if done:
        flash(_("Two-factor login is off."), "info")
    return redirect(url_for("auth.account"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change the password with the current one; every other session of the user ends."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = _me()
        with use_case(keep_refused=True) as outcome:  # a wrong password stays in the audit log
            change_own_password(user, form.old_password.data, form.password.data)
        if not outcome:
            return render_template("auth/change_password.html", form=form), 400
        sessions.renew(user)
        db.session.commit()
        flash(_("Your password is changed. Your other sessions have ended."), "success")
        return redirect(url_for("auth.account"))
    return render_template("auth/change_password.html", form=form), 400 if form.errors else 200
