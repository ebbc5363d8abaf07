"""Staff login, the second step of a login, and the forms of a user's own account."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)],
                       render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1000)],
                             render_kw={"autocomplete": "current-password"})
    next = HiddenField()


class SetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password (at least 12 characters)"),
                             validators=[DataRequired(), Length(min=12, max=1000)],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Repeat the new password"),
                            validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
                            render_kw={"autocomplete": "new-password"})


class TwoFactorForm(FlaskForm):
    """The second step of a login: a code from the app or a recovery code."""
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)],
                       render_kw={"autocomplete": "one-time-code", "autocapitalize": "off",
                                  "spellcheck": "false"})


class EnrolForm(FlaskForm):
    code = StringField(_l("Code from the app"), validators=[DataRequired(), Length(max=20)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})


class ConfirmPasswordForm(FlaskForm):
    """Asks for the password again before a change to the second factor."""
    password = PasswordField(_l("Your password"), validators=[DataRequired(), Length(max=1000)],
                             render_kw={"autocomplete": "current-password"})


class ChangePasswordForm(SetPasswordForm):
    """The new password twice, after the current one."""
    old_password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=1000)],
                                 render_kw={"autocomplete": "current-password"})


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)],
                       render_kw={"autocomplete": "username"})


class AlertChannelsForm(FlaskForm):
    """[R10.1] where a staff member gets alerts: a mobile number, and the channel preferred."""

    phone = StringField(_l("Mobile number for SMS (optional)"), validators=[Optional(), Length(max=40)],
                        render_kw={"autocomplete": "tel", "inputmode": "tel"})
    channel = SelectField(_l("Ordinary alerts come by"), choices=[
        ("email", _l("E-mail")), ("sms", _l("SMS")), ("telegram", _l("Telegram"))])
