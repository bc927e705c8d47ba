"""HTML forms of the catalogue (shape only; rules live in the service)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from pos.forms import MoneyField, PosForm
from pos.inventory.attributes import CATEGORY_LABELS


class ProductForm(PosForm):
    sku = StringField(_l("SKU"), validators=[DataRequired(), Length(max=64)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    category = SelectField(
        _l("Category"),
        choices=[SelectChoice(slug, label) for slug, label in CATEGORY_LABELS.items()],
    )
    price = MoneyField(
        _l("Price (whole rupiah)"), validators=[InputRequired(message=_l("Enter a price."))]
    )
    stock = IntegerField(
        _l("Stock"),
        default=0,
        validators=[InputRequired(message=_l("Enter the stock.")), NumberRange(min=0)],
    )
    one_of_a_kind = BooleanField(_l("One of a kind (never sold twice)"))
    low_stock_threshold = IntegerField(
        _l("Warn when stock falls to"), validators=[Optional(), NumberRange(min=0)]
    )
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=4000)])
    photo = FileField(_l("Photo"))
    remove_photo = BooleanField(_l("Remove the photo"))


class StockAdjustmentForm(PosForm):
    delta = IntegerField(
        _l("Change (+ received, − taken out)"),
        validators=[InputRequired(message=_l("Enter a number."))],
    )
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=500)])


class ImportForm(PosForm):
    file = FileField(
        _l("Spreadsheet (CSV or XLSX)"),
        validators=[FileRequired(message=_l("Choose the file to import."))],
    )


class ReviewForm(PosForm):
    note = TextAreaField(_l("Note for the booth"), validators=[Optional(), Length(max=1000)])


class PhotoForm(PosForm):
    photo = FileField(_l("Photo"), validators=[FileRequired(message=_l("Take or choose a photo."))])
