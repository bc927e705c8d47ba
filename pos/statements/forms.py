"""HTML forms of the statements page (shape only; rules live in the service)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from pos.forms import PosForm
from pos.organizer.forms import RECEIPT_LANGUAGE_CHOICES


class IssueStatementForm(PosForm):
    language = SelectField(_l("Language of the statement"), choices=RECEIPT_LANGUAGE_CHOICES)


class RevokeStatementForm(PosForm):
    reason = TextAreaField(_l("Reason for revoking"), validators=[DataRequired(), Length(max=500)])
