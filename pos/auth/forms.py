"""HTML forms of sign-in and accounts (shape only; rules live in the service)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from pos.forms import PosForm

ROLE_LABELS = {"organizer": _l("Organizer"), "manager": _l("Manager"), "cashier": _l("Cashier")}


class LoginForm(PosForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=80)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    next = HiddenField()


class PinSwitchForm(PosForm):
    user_id = HiddenField(validators=[DataRequired()])
    pin = PasswordField(
        _l("PIN"),
        validators=[DataRequired(), Regexp(r"^[0-9]{4,6}$", message=_l("A PIN is 4 to 6 digits."))],
    )


class PinForm(PosForm):
    pin = PasswordField(
        _l("New PIN (4–6 digits)"),
        validators=[DataRequired(), Regexp(r"^[0-9]{4,6}$", message=_l("A PIN is 4 to 6 digits."))],
    )


class UserForm(PosForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(min=2, max=80)])
    display_name = StringField(
        _l("Name shown on receipts"), validators=[Optional(), Length(max=120)]
    )
    role = SelectField(_l("Role"), choices=[])
    exhibitor_id = SelectField(_l("Booth"), choices=[], validate_choice=False)
    # The password policy (length by role, common passwords) is the service's.
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    locale = SelectField(
        _l("Language"),
        choices=[SelectChoice("id", "Bahasa Indonesia"), SelectChoice("en", "English")],
        default="id",
    )


class PasswordForm(PosForm):
    # Only for one's own password; the view removes it when a manager or an organizer
    # sets someone else's. The service says when it is missing or wrong.
    current_password = PasswordField(_l("Current password"), validators=[Length(max=200)])
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=200)])
