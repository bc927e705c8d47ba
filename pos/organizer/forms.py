"""HTML forms of events and exhibitors (shape only; rules live in the service)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    EmailField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional

from pos.forms import MoneyField, PosForm

RECEIPT_LANGUAGE_CHOICES = [SelectChoice("id", "Bahasa Indonesia"), SelectChoice("en", "English")]


class EventForm(PosForm):
    name = StringField(_l("Event name"), validators=[DataRequired(), Length(max=200)])
    venue = StringField(_l("Venue"), validators=[Optional(), Length(max=200)])
    starts_on = DateField(_l("First day"), validators=[Optional()])
    ends_on = DateField(_l("Last day"), validators=[Optional()])
    timezone = StringField(
        _l("Timezone"), default="Asia/Makassar", validators=[DataRequired(), Length(max=64)]
    )
    currency = StringField(
        _l("Currency"), default="IDR", validators=[DataRequired(), Length(max=3)]
    )
    receipt_footer = TextAreaField(_l("Receipt footer"), validators=[Optional(), Length(max=4000)])
    requires_curation = BooleanField(_l("New products need the organizer's approval"))
    cashier_discount_limit_percent = IntegerField(
        _l("Largest discount a cashier may give (%)"),
        default=10,
        validators=[InputRequired(message=_l("Enter a number.")), NumberRange(0, 100)],
    )
    booth_fee = MoneyField(_l("Booth fee"), default=0, validators=[Optional()])
    commission_percent = DecimalField(
        _l("Commission on net sales (%)"),
        places=2,
        default=0,
        validators=[Optional(), NumberRange(0, 100)],
    )
    opening_hours = TextAreaField(
        _l("Opening hours (shown in the public catalogue)"),
        validators=[Optional(), Length(max=1000)],
    )
    slug = StringField(
        _l("Public catalogue address (/e/…)"), validators=[Optional(), Length(max=80)]
    )
    catalogue_public = BooleanField(_l("Public catalogue on"))
    catalogue_days_after = IntegerField(
        _l("Days the catalogue stays public after the last day"),
        default=90,
        validators=[Optional(), NumberRange(0, 3650)],
    )


class ExhibitorForm(PosForm):
    name = StringField(_l("Business name"), validators=[DataRequired(), Length(max=200)])
    booth = StringField(_l("Booth code"), validators=[DataRequired(), Length(max=20)])
    owner_name = StringField(_l("Owner"), validators=[Optional(), Length(max=200)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40)])
    email = EmailField(_l("Email"), validators=[Optional(), Email(), Length(max=200)])
    address = TextAreaField(_l("Address"), validators=[Optional(), Length(max=4000)])
    region = StringField(
        _l("Origin region (kabupaten/kota)"), validators=[Optional(), Length(max=100)]
    )
    sentra = StringField(_l("Sentra IKM"), validators=[Optional(), Length(max=200)])
    tax_registered = BooleanField(_l("Tax-registered (PKP): receipts show DPP and PPN"))
    tax_rate_percent = IntegerField(
        _l("PPN rate (%)"), default=0, validators=[Optional(), NumberRange(0, 100)]
    )
    npwp = StringField(_l("NPWP"), validators=[Optional(), Length(max=32)])
    receipt_language = SelectField(_l("Receipt language"), choices=RECEIPT_LANGUAGE_CHOICES)
    active = BooleanField(_l("Active"), default=True)
