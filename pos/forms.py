"""What the HTML forms of every domain share: the base form, whose WTForms messages
come in the user's language, and the money field."""

from __future__ import annotations

from typing import Any

from babel.numbers import format_decimal
from flask_babel import get_translations
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import Field
from wtforms.widgets import TextInput

from pos.i18n import locale_code
from pos.money import AmountError, parse_amount

EXAMPLE_AMOUNT = 660_000


class CatalogueTranslations:
    """WTForms' own messages ("This field is required.") from the app's catalogue.

    WTForms ships no Indonesian catalogue, and Flask-WTF only looks in WTForms' own, so
    their messages came out in English on Indonesian pages. Their msgids are listed in
    ``pos/wtforms_messages.py`` so that ``pybabel extract`` keeps them in our
    ``messages.po``, where they are translated like every other string. The raw
    catalogue is asked (not ``flask_babel.gettext``, which would apply ``%`` itself):
    WTForms fills in ``%(min)d`` and the like after translating.
    """

    def gettext(self, string: str) -> str:
        return get_translations().gettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return get_translations().ngettext(singular, plural, n)


TRANSLATIONS = CatalogueTranslations()


class PosForm(FlaskForm):
    """The base of every form of the app: Flask-WTF's (CSRF), with WTForms' messages in
    the user's language."""

    class Meta:
        def get_translations(self, form: Any) -> CatalogueTranslations:
            return TRANSLATIONS


def plain_amount(amount: int) -> str:
    """An amount as the app prints it, without the currency: 4.500.000 (id), 4,500,000 (en)."""
    return format_decimal(amount, locale=locale_code())


class MoneyInput(TextInput):
    """A text input with the phone's digit keyboard. Not ``type=number``: a browser
    reads "4.500.000" typed there as 4.5 or refuses it."""

    def __call__(self, field: Field, **kwargs: Any) -> Markup:
        kwargs.setdefault("inputmode", "numeric")
        kwargs.setdefault("autocomplete", "off")
        return super().__call__(field, **kwargs)


class MoneyField(Field):
    """An amount of whole rupiah, typed as the app prints it or as people write it
    (660.000, 660000, Rp660.000, IDR 660,000: ``pos.money.parse_amount``). Its data is
    an int, or None when left blank (for ``Optional`` or ``InputRequired`` to judge).
    When refused, the field shows what was typed, with the reason; an amount from the
    database is shown as the app prints it, without the currency (4.500.000)."""

    widget = MoneyInput()
    MESSAGES = {
        "unreadable": _l("Write the amount like %(example)s or %(plain)s."),
        "negative": _l("The amount cannot be negative."),
        "too_large": _l("The amount is too large."),
    }

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = None
        if not valuelist:
            return
        if not valuelist[0].strip():
            self.raw_data = [""]  # blank, so InputRequired refuses spaces too
            return
        try:
            self.data = parse_amount(valuelist[0])
        except AmountError as exc:
            raise ValueError(
                str(self.MESSAGES[exc.reason])
                % {"example": plain_amount(EXAMPLE_AMOUNT), "plain": EXAMPLE_AMOUNT}
            ) from exc

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else plain_amount(self.data)
