"""How figures are written for a reader: money, signs, counts, dates and times, in
Bahasa Indonesia or English (CLDR, through Babel). The one home of these rules for
pages, PDFs and exports: templates get them as filters from pos/i18n.py with the
reader's locale; PDFs and exports call them with the locale they print in.

Signs: a negative amount, and an amount taken off (a discount, a refund), is written with
the minus sign U+2212 (``−Rp10.000``), never the hyphen-minus that Babel writes; nothing
taken off is plain ``Rp0``. A difference that can go either way (counted against
expected cash) says ``+`` or ``−``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal, get_currency_symbol

from pos.money import minor_digits

MINUS = "\u2212"
PLUS = "+"


def format_money(amount: int, currency: str = "IDR", locale: str = "id") -> str:
    """Money as people write it: ``Rp1.250.000`` in Indonesian, ``IDR 1,250,000`` in
    English; below zero ``−Rp10.000``."""
    digits = minor_digits(currency)
    value = Decimal(abs(amount)).scaleb(-digits)
    text = format_currency(value, currency, locale=locale)
    symbol = get_currency_symbol(currency, locale)
    # Where the locale has no symbol of its own, the ISO code stands apart from the digits.
    if symbol == currency:
        text = text.replace(symbol, symbol + "\u00a0", 1).replace("\u00a0\u00a0", "\u00a0")
    return MINUS + text if amount < 0 else text


def format_deduction(amount: int, currency: str = "IDR", locale: str = "id") -> str:
    """An amount taken off a total (discounts, refunds): ``−Rp10.000``; ``Rp0`` when
    nothing was taken off."""
    return format_money(-amount, currency, locale)


def format_difference(amount: int, currency: str = "IDR", locale: str = "id") -> str:
    """A difference that may go either way: ``+Rp5.000``, ``−Rp10.000``, ``Rp0``."""
    text = format_money(amount, currency, locale)
    return PLUS + text if amount > 0 else text


def format_count(value: int, locale: str = "id") -> str:
    """A whole number with the locale's grouping: ``12.345`` / ``12,345``; ``−3``."""
    text = format_decimal(abs(value), locale=locale)
    return MINUS + text if value < 0 else text


def format_day(value: date | str, locale: str = "id", style: str = "medium") -> str:
    """An event-local calendar day as the reader writes it: medium ``1 Des 2026`` /
    ``Dec 1, 2026``; full ``Selasa, 01 Desember 2026``; short_weekday ``Sel 1 Des``."""
    if isinstance(value, str):
        value = date.fromisoformat(value)
    pattern = "EEE d MMM" if style == "short_weekday" else style
    return format_date(value, pattern, locale=locale)


def format_moment(value: datetime, timezone: str, locale: str = "id", style: str = "medium") -> str:
    """A stored UTC time in the event's timezone, formatted for the locale."""
    return format_datetime(value, style, tzinfo=ZoneInfo(timezone), locale=locale)


def zone_name(value: datetime, timezone: str) -> str:
    """The event's zone at ``value`` as Indonesians name it, in either language: ``WITA``."""
    return format_datetime(value, "z", tzinfo=ZoneInfo(timezone), locale="id")


def format_stamp(value: datetime, timezone: str, locale: str = "id") -> str:
    """A document's time: ``06/09/2025 10:15 WITA`` (the zone as Indonesians name it, in
    either language)."""
    stamp = format_datetime(value, "dd/MM/yyyy HH:mm", tzinfo=ZoneInfo(timezone), locale=locale)
    return f"{stamp} {zone_name(value, timezone)}"
