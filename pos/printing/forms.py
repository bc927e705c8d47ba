"""HTML form of a LAN printer (shape only; the service checks the address)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from pos.forms import PosForm

PAPER_CHOICES = [
    SelectChoice("80mm", _l("80 mm (48 characters a line)")),
    SelectChoice("72mm", _l("80 mm paper, 72 mm print head (42 characters)")),
    SelectChoice("58mm", _l("58 mm (32 characters a line)")),
]


class PrinterForm(PosForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)])
    host = StringField(_l("IP address or host name"), validators=[DataRequired(), Length(max=253)])
    port = IntegerField(
        _l("Port"),
        default=9100,
        validators=[InputRequired(message=_l("Enter a number.")), NumberRange(1, 65535)],
    )
    paper = SelectField(_l("Paper"), choices=PAPER_CHOICES, default="80mm")
    auto_print = BooleanField(_l("Print every sale's receipt automatically"))
