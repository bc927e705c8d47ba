"""What a cell of a spreadsheet the app writes may hold: the one rule against formula
injection, for every CSV and XLSX file the app hands out, and its undoing on import.

A spreadsheet takes a cell that begins with ``=``, ``+``, ``-`` or ``@`` (and, in some
programs, a tab or a carriage return) for a formula: a product named
``=HYPERLINK("http://…","Click")`` would run when the organizer opens the export. So
text that begins so is written as text (OWASP, "CSV injection"):

- in a CSV, with a single quote in front (``'=HYPERLINK(…)``), which every spreadsheet
  shows as text; a text that itself begins with a quote and then one of those
  characters (or another quote) gets one more, so that :func:`read_csv_text` gives
  back exactly what was written, and an export imports again unchanged;
- in an XLSX, as a text cell marked with Excel's own leading-quote flag
  (``quotePrefix``, what Excel stores when a person types ``'=…``), so the organizer
  reads the name as it is and it stays text when edited. Characters that an XLSX file
  cannot hold (control characters) are left out.

Numbers, dates and booleans are written as they are: a refund of -15000 stays a number.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

# The first characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"


def looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)


def _quoted(text: str) -> bool:
    """Whether ``text`` as read from a CSV carries the quote this module adds."""
    return text.startswith(QUOTE) and (looks_like_formula(text[1:]) or text[1:2] == QUOTE)


def csv_value(value: Any) -> Any:
    """A value as it goes into a CSV cell: text that a spreadsheet would run gets a
    leading quote; anything else (numbers too) is unchanged."""
    if isinstance(value, str) and (looks_like_formula(value) or _quoted(value)):
        return QUOTE + value
    return value


def read_csv_text(text: str) -> str:
    """A cell's text as the app wrote it: the inverse of :func:`csv_value` (a product
    named ``=x`` is exported as ``'=x`` and read back as ``=x``). Texts the app would
    not have quoted, such as ``'s Gravenhage``, are kept as they are."""
    return text[1:] if _quoted(text) else text


class CsvWriter:
    """``csv.writer`` that writes every cell through :func:`csv_value`."""

    def __init__(self, out: Any, **options: Any) -> None:
        self._writer = csv.writer(out, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([csv_value(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def xlsx_value(value: Any) -> Any:
    """A value an XLSX cell can hold: text without the control characters the format
    refuses (openpyxl would raise IllegalCharacterError); anything else unchanged."""
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def append_row(sheet: Any, values: Iterable[Any]) -> None:
    """Append a row to an openpyxl worksheet: text never becomes a formula.

    The cells are made here rather than looked up after appending: a worksheet's
    ``max_row`` scans every cell, so asking it once a row made a big workbook slow."""
    from openpyxl.cell.cell import Cell

    row = []
    for value in map(xlsx_value, values):
        if isinstance(value, str) and looks_like_formula(value):
            cell = Cell(sheet)
            # Text, shown as typed: never a formula (openpyxl takes "=..." for one).
            cell._value, cell.data_type = value, "s"
            cell.quotePrefix = True
            value = cell
        row.append(value)
    sheet.append(row)
