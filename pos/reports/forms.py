"""HTML forms of the report pages (shape only; rules live in the services)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, StringField
from wtforms.validators import Length, Optional

from pos.forms import PosForm


class AuditFilterForm(PosForm):
    """The audit log's filters, sent with GET (a search: no CSRF token)."""

    class Meta:
        csrf = False

    date_from = DateField(_l("From (day)"), validators=[Optional()])
    date_to = DateField(_l("To (day)"), validators=[Optional()])
    # Any action may be asked for (the API's too); the list offers the known ones.
    action = SelectField(_l("Action"), choices=[], validate_choice=False)
    username = StringField(_l("User"), validators=[Optional(), Length(max=80)])
    booth = StringField(_l("Booth"), validators=[Optional(), Length(max=20)])
