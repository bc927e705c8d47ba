"""Integer money: half-up rounding, percentages, proportional allocation, tax.

Amounts are integers in the currency's smallest unit in use (IDR: whole rupiah).
Fractions are exact (``fractions.Fraction``) until the one place each rule rounds,
so no float ever touches money. Every rounding rule of the product lives here; how
money is written for a reader lives in pos/formats.py.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from numbers import Rational

from babel.numbers import get_currency_precision

Percent = int | Decimal | Fraction


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
