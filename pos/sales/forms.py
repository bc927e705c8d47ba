"""HTML forms of voids, refunds and shifts (shape only; rules live in the service)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from pos.forms import MoneyField, PosForm
from pos.sales.models import METHOD_LABELS


class VoidForm(PosForm):
    reason = StringField(
        _l("Reason"),
        validators=[DataRequired(message=_l("Give a reason.")), Length(max=500)],
    )


class RefundForm(PosForm):
    """The quantities come as fields named qty-<sale line id>; this form is the rest."""

    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=500)])
    restock = BooleanField(_l("Put the items back in stock (not damaged)"), default=True)
    method = SelectField(
        _l("Pay back by"),
        choices=[SelectChoice(slug, label) for slug, label in METHOD_LABELS.items()],
    )


class ShiftCloseForm(PosForm):
    counted_cash = MoneyField(
        _l("Cash counted in the drawer"),
        validators=[InputRequired(message=_l("Enter the amount counted."))],
    )
    note = StringField(_l("Note"), validators=[Optional(), Length(max=1000)])


class WaitingSalesForm(PosForm):
    file = FileField(
        _l('File of waiting sales (from a tablet\'s "Export waiting sales")'),
        validators=[FileRequired(message=_l("Choose the file."))],
    )
