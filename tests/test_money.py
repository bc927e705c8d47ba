"""Integer money rules, without an app: rounding, percentages, allocation, tax."""

from decimal import Decimal
from fractions import Fraction

import pytest

from pos.money import allocate, included_tax, percent_of, round_half_up


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Fraction(5, 2), 3),
        (Fraction(-5, 2), -3),
        (Fraction(7, 3), 2),
        (Fraction(49, 10), 5),
        (Fraction(1, 2), 1),
        (0, 0),
    ],
)
def test_round_half_up_rounds_halves_away_from_zero(value, expected):
    assert round_half_up(value) == expected


def test_percent_of_rounds_half_up_to_the_rupiah():
    assert percent_of(12_345, 10) == 1_235  # 1,234.5 → 1,235
    assert percent_of(12_345, Decimal("7.5")) == 926  # 925.875 → 926
    assert percent_of(450_000, 0) == 0
    assert percent_of(450_000, 100) == 450_000


def test_allocate_adds_up_exactly_and_gives_the_remainder_to_the_largest_lines():
    assert allocate(100, [3, 3, 3]) == [34, 33, 33]
    # exact shares 5/3, 5, 10/3 → floors 1, 5, 3; the unit left goes to the largest line
    assert allocate(10, [100, 300, 200]) == [1, 6, 3]
    shares = allocate(1_001, [450_000, 1_250_000, 85_000])
    assert sum(shares) == 1_001
    assert shares[1] == max(shares)


def test_allocate_spreads_evenly_over_zero_weights_and_keeps_negative_totals_exact():
    assert allocate(10, [0, 0]) == [5, 5]
    assert allocate(-7, [1, 1]) == [-4, -3]
    assert allocate(0, []) == []


def test_allocate_refuses_negative_weights():
    with pytest.raises(ValueError):
        allocate(10, [1, -1])


def test_included_tax_is_the_total_minus_the_rounded_base():
    # 1,110,000 incl. 11 % → base 1,000,000, PPN 110,000
    assert included_tax(1_110_000, 11) == 110_000
    # 450,000 × 100 / 111 = 405,405.4… → base 405,405, PPN 44,595
    assert included_tax(450_000, 11) == 44_595
    assert included_tax(450_000, 0) == 0
