"""How figures are written, without an app: money and its signs, counts and days, in
Indonesian and English (pos/formats.py, the one home of these rules)."""

from datetime import UTC, date, datetime

from pos.formats import (
    format_count,
    format_day,
    format_deduction,
    format_difference,
    format_money,
    format_stamp,
)

NBSP = "\u00a0"


def test_money_is_written_as_indonesians_and_english_speakers_write_it():
    assert format_money(1_250_000, "IDR", "id") == "Rp1.250.000"
    assert format_money(1_250_000, "IDR", "en") == f"IDR{NBSP}1,250,000"
    assert format_money(12_345, "USD", "en") == "$123.45"


def test_money_below_zero_carries_the_minus_sign_not_a_hyphen():
    assert format_money(-10_000, "IDR", "id") == "\u2212Rp10.000"
    assert format_money(-10_000, "IDR", "en") == f"\u2212IDR{NBSP}10,000"
    assert format_money(0, "IDR", "id") == "Rp0"


def test_an_amount_taken_off_is_written_with_the_minus_sign_and_nothing_off_is_zero():
    assert format_deduction(212_500, "IDR", "id") == "\u2212Rp212.500"
    assert format_deduction(212_500, "IDR", "en") == f"\u2212IDR{NBSP}212,500"
    assert format_deduction(0, "IDR", "id") == "Rp0"


def test_a_difference_says_which_way_it_goes():
    assert format_difference(5_000, "IDR", "id") == "+Rp5.000"
    assert format_difference(-10_000, "IDR", "id") == "\u2212Rp10.000"
    assert format_difference(0, "IDR", "id") == "Rp0"


def test_counts_are_grouped_for_the_locale():
    assert format_count(1_234_567, "id") == "1.234.567"
    assert format_count(1_234_567, "en") == "1,234,567"
    assert format_count(-3, "id") == "\u22123"


def test_days_are_written_as_the_reader_writes_them():
    day = date(2026, 12, 1)
    assert format_day(day, "id") == "1 Des 2026"
    assert format_day("2026-12-01", "en") == "Dec 1, 2026"
    assert format_day(day, "id", "full") == "Selasa, 01 Desember 2026"
    assert format_day(day, "en", "short_weekday") == "Tue 1 Dec"


def test_a_documents_time_is_local_with_the_zone_as_indonesians_name_it():
    moment = datetime(2025, 9, 6, 2, 15, tzinfo=UTC)
    assert format_stamp(moment, "Asia/Makassar", "en") == "06/09/2025 10:15 WITA"
    assert format_stamp(moment, "Asia/Jakarta", "id") == "06/09/2025 09:15 WIB"
