"""HTML forms of the floor plan (shape only; rules live in floorplan.py)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import DecimalField, SelectField
from wtforms.validators import InputRequired, NumberRange

from pos.forms import PosForm


class PlanForm(PosForm):
    photo = FileField(
        _l("Floor plan (a photo or picture: JPEG, PNG or WebP)"),
        validators=[FileRequired(message=_l("Choose the picture of the floor plan."))],
    )


class PlaceForm(PosForm):
    exhibitor_id = SelectField(_l("Booth"), coerce=int, validate_choice=True)
    x = DecimalField(
        _l("Across (percent of the plan's width)"),
        places=2,
        validators=[
            InputRequired(message=_l("Tap the plan where the booth is.")),
            NumberRange(0, 100),
        ],
    )
    y = DecimalField(
        _l("Down (percent of the plan's height)"),
        places=2,
        validators=[
            InputRequired(message=_l("Tap the plan where the booth is.")),
            NumberRange(0, 100),
        ],
    )
