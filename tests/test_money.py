"""Integer money rules, without an app: rounding, percentages, allocation, tax."""

from decimal import Decimal
from fractions import Fraction

import pytest

from pos.money import (
    AmountError,
    allocate,
    included_tax,
    parse_amount,
    percent_of,
    round_half_up,
)


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


@pytest.mark.parametrize(
    "typed",
    [
        "660.000",  # as the app prints it in Indonesian
        "660,000",  # ... and in English
        "660000",
        "Rp660.000",
        "Rp 660.000",
        "rp660.000",
        "Rp. 660.000,-",
        "Rp 660.000.-",
        "IDR 660,000",
        "IDR\u00a0660,000",  # copied from a page: a no-break space
        "660.000,00",
        "660,000.00",
        "  660.000 ",
    ],
)
def test_an_amount_typed_as_people_write_rupiah_is_read_as_whole_rupiah(typed):
    assert parse_amount(typed) == 660_000


def test_a_larger_amount_with_several_groups_is_read_whole():
    assert parse_amount("4.500.000") == 4_500_000
    assert parse_amount("Rp1.250.000") == 1_250_000
    assert parse_amount("0") == 0


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("", "unreadable"),
        ("abc", "unreadable"),
        ("12abc", "unreadable"),  # the register's parseAmount would take 12
        ("Rp", "unreadable"),
        ("4.50", "unreadable"),  # not thousands: four and a half what?
        ("4,5", "unreadable"),
        ("4.0", "unreadable"),
        ("1.0000", "unreadable"),
        ("1.000,000", "unreadable"),  # two kinds of grouping in one amount
        ("1.000.00", "unreadable"),
        ("660.000,50", "unreadable"),  # rupiah have no cents
        ("660 000", "unreadable"),
        ("\u0663\u0660\u0660", "unreadable"),  # Arabic-Indic digits
        ("-5", "negative"),
        ("-660.000", "negative"),
        ("\u2212660.000", "negative"),  # the minus sign, as a word processor writes it
        ("-Rp660.000", "negative"),
        ("Rp -660.000", "negative"),
        ("1.000.000.000.001", "too_large"),  # above a trillion
        ("9" * 5000, "too_large"),
    ],
)
def test_text_that_is_no_whole_amount_is_refused_with_the_reason(typed, reason):
    with pytest.raises(AmountError) as refused:
        parse_amount(typed)
    assert refused.value.reason == reason
