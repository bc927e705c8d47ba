"""pos/cells.py, the one rule for what a spreadsheet cell the app writes may hold: text
that a spreadsheet would run as a formula is quoted, the import undoes exactly that,
numbers stay numbers. Pure: no app."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook

from pos import cells

STARTS = st.sampled_from(["=", "+", "-", "@", "\t", "\r", "'", "''", "'=", ""])


@given(start=STARTS, rest=st.text(max_size=20))
def test_a_text_read_back_from_a_csv_cell_is_what_was_written(start, rest):
    text = start + rest
    written = cells.csv_value(text)
    assert cells.read_csv_text(written) == text
    assert not cells.looks_like_formula(written)


def test_formula_like_text_gets_one_quote_and_ordinary_text_none():
    assert cells.csv_value("=1+1") == "'=1+1"
    assert cells.csv_value("@SUM(A1)") == "'@SUM(A1)"
    assert cells.csv_value("-5") == "'-5"  # text, not a number
    assert cells.csv_value("'=x") == "''=x"  # a quote the app did not add stays
    assert cells.csv_value("'s Gravenhage") == "'s Gravenhage"
    assert cells.csv_value("Kain endek") == "Kain endek"
    assert cells.read_csv_text("'s Gravenhage") == "'s Gravenhage"


def test_numbers_dates_and_empty_cells_are_written_as_they_are():
    out = io.StringIO()
    cells.CsvWriter(out).writerows([[-15_000, 0, 6.5, None, "", True]])
    assert out.getvalue() == "-15000,0,6.5,,,True\r\n"


def test_a_worksheet_row_holds_formula_like_text_as_text_and_no_control_characters():
    sheet = Workbook().active
    cells.append_row(sheet, ["=cmd|'/C calc'!A0", -15_000, "Bel\x07l", "@x", "ok"])
    first, amount, bell, at, plain = sheet[1]
    assert (first.value, first.data_type, first.quotePrefix) == ("=cmd|'/C calc'!A0", "s", True)
    assert (amount.value, amount.data_type) == (-15_000, "n")
    assert bell.value == "Bell"
    assert at.quotePrefix and not plain.quotePrefix


def test_no_module_writes_a_csv_but_through_pos_cells():
    package = Path(cells.__file__).parent
    writers = [
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if re.search(r"csv\.(writer|DictWriter)\(", path.read_text(encoding="utf-8"))
    ]
    assert writers == ["cells.py"]


def test_the_csv_module_reads_what_the_writer_wrote():
    out = io.StringIO()
    cells.CsvWriter(out, delimiter=";").writerow(["\rA", "=B"])
    assert next(csv.reader(io.StringIO(out.getvalue(), newline=""), delimiter=";")) == [
        "'\rA",
        "'=B",
    ]
