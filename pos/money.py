"""Integer money: half-up rounding, percentages, proportional allocation, tax.

Amounts are integers in the currency's smallest unit in use (IDR: whole rupiah).
Fractions are exact (``fractions.Fraction``) until the one place each rule rounds,
so no float ever touches money. Every rounding rule of the product lives here; how
money is written for a reader lives in pos/formats.py.
"""

from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction
from numbers import Rational

from babel.numbers import get_currency_precision

Percent = int | Decimal | Fraction

# The largest amount anyone may type or send: a trillion rupiah, far above any sale.
MAX_MONEY = 10**12


def round_half_up(value: Rational | int) -> int:
    """Round to the nearest unit, halves away from zero (Rp0,5 → Rp1, −Rp0,5 → −Rp1)."""
    value = Fraction(value)
    magnitude = abs(value)
    rounded = int(magnitude + Fraction(1, 2))  # int() truncates; magnitude ≥ 0
    return rounded if value >= 0 else -rounded


def percent_of(amount: int, percent: Percent) -> int:
    """``percent`` % of ``amount``, rounded half up to the unit."""
    return round_half_up(Fraction(amount) * Fraction(percent) / 100)


def allocate(total: int, weights: list[int]) -> list[int]:
    """Spread ``total`` over ``weights`` in proportion, so the shares add up exactly.

    Each share is first rounded down; the units left over go one each to the largest
    weights (the earlier one first among equals). With all weights zero the total is
    spread as if they were equal.
    """
    if not weights:
        if total:
            raise ValueError("nothing to allocate over")
        return []
    if any(w < 0 for w in weights):
        raise ValueError("weights must not be negative")
    if total < 0:
        return [-share for share in allocate(-total, weights)]
    basis = weights if sum(weights) > 0 else [1] * len(weights)
    whole = sum(basis)
    shares = [total * w // whole for w in basis]
    left = total - sum(shares)
    by_size = sorted(range(len(basis)), key=lambda i: (-basis[i], i))
    for i in by_size[:left]:
        shares[i] += 1
    return shares


def included_tax(total: int, rate_percent: Percent) -> int:
    """The tax inside a tax-inclusive ``total``: total − round(total × 100 / (100 + r))."""
    if not rate_percent:
        return 0
    base = round_half_up(Fraction(total) * 100 / (100 + Fraction(rate_percent)))
    return total - base


def minor_digits(currency: str) -> int:
    """Digits after the decimal point of the unit money is counted in (IDR: 0)."""
    return get_currency_precision(currency)


# An amount as people type it in whole rupiah: the digits, grouped in threes by dots or
# by commas (one kind in one amount) or not grouped, optionally after "Rp", "Rp." or
# "IDR" and optionally followed by a zero fraction (",00", ".00") or ",-".
_AMOUNT = re.compile(
    r"""
    (?P<sign>[-\u2212])?\s*
    (?:rp\.?|idr)?\s*
    (?P<minus>[-\u2212])?\s*
    (?P<whole>[0-9]+|[0-9]{1,3}(?P<sep>[.,])[0-9]{3}(?:(?P=sep)[0-9]{3})*)
    (?:(?P<point>[.,])(?P<fraction>[0-9]{2}|-))?
    """,
    re.VERBOSE | re.IGNORECASE,
)


class AmountError(ValueError):
    """Typed text that is no amount. ``reason``: "unreadable", "negative" or "too_large"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def parse_amount(text: str) -> int:
    """Whole rupiah from an amount typed as the app prints it, or as people write it.

    ``660.000``, ``660,000``, ``660000``, ``Rp660.000``, ``Rp 660.000``, ``Rp. 660.000,-``,
    ``IDR 660,000`` and ``660.000,00`` are all 660000. As in the register's
    ``parseAmount`` every dot and comma between digits groups thousands (rupiah have no
    cents), but unlike it this refuses what it would misread: separators that do not
    group threes (``4.50``: four and a half thousand, or four and a half?), a fraction
    that is not zero, letters, and a minus sign. For a currency with cents this rule
    would be wrong; every event's money here is counted in whole units.

    Raises AmountError("unreadable" | "negative" | "too_large").
    """
    match = _AMOUNT.fullmatch(" ".join(str(text).split()))  # any spaces, NBSP too
    if match is None:
        raise AmountError("unreadable")
    point, fraction = match["point"], match["fraction"]
    if point and fraction != "-" and (point == match["sep"] or fraction.strip("0")):
        raise AmountError("unreadable")  # 1.000.00, 4,50: not whole rupiah as written
    if match["sign"] or match["minus"]:
        raise AmountError("negative")
    whole = match["whole"]
    if len(whole) > 20 or int(whole.replace(".", "").replace(",", "")) > MAX_MONEY:
        raise AmountError("too_large")
    return int(whole.replace(".", "").replace(",", ""))
