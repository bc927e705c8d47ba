"""Catalogue spreadsheets: reading an exhibitor's file into rows, and writing the
catalogue back in the same columns, so an export imports again unchanged.

A file is CSV as Excel writes it in Indonesia too (UTF-8 with or without BOM, comma or
semicolon) or an Excel workbook (XLSX, its first sheet). Both become lists of cell texts
and go through the same checks, so the errors name row and column alike. No database.

The export neutralises text that a spreadsheet would run as a formula (pos/cells.py:
``=x`` is written ``'=x``), and the import undoes it, so a product really named ``=x``
comes back as ``=x``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _

from pos.cells import CsvWriter, append_row, read_csv_text
from pos.inventory.attributes import ATTRIBUTES, CATEGORY_LABELS
from pos.money import AmountError, parse_amount

REQUIRED = ("sku", "name", "category", "price", "stock")
OPTIONAL = ("one_of_a_kind", "low_stock_threshold", "description")
# Every attribute key of every category, in a fixed order (width_cm serves two).
ATTRIBUTE_COLUMNS = tuple(dict.fromkeys(a.key for specs in ATTRIBUTES.values() for a in specs))
COLUMNS = REQUIRED + OPTIONAL + ATTRIBUTE_COLUMNS
MAX_ROWS = 10_000
# An XLSX file is a zip: refuse one that would unpack to more than this (a zip bomb).
MAX_XLSX_UNPACKED = 64 * 1024 * 1024
XLSX_MAGIC = b"PK\x03\x04"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TRUE, FALSE = {"1", "yes", "ya", "true", "y"}, {"", "0", "no", "tidak", "false", "n"}


@dataclass
class ImportRow:
    row: int  # the spreadsheet's row number (the header is row 1)
    fields: dict[str, Any]


@dataclass
class Parsed:
    rows: list[ImportRow] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)


class Unreadable(Exception):
    """The file as a whole cannot be read; the message says why, for the exhibitor."""


def _decode(content: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise Unreadable(_("The file is neither a CSV text file nor an Excel (XLSX) workbook."))


def _csv_table(content: bytes) -> Iterator[list[str]]:
    text = _decode(content)
    if "\x00" in text:
        raise Unreadable(_("The file is neither a CSV text file nor an Excel (XLSX) workbook."))
    first = text.splitlines()[0] if text.strip() else ""
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        yield from reader
    except csv.Error as exc:
        raise Unreadable(
            _("Row %(row)d is not valid CSV: %(why)s", row=reader.line_num, why=exc)
        ) from None


class Number(str):
    """A cell that was a number in the workbook, as text: it never holds a thousands
    separator, so 12.345 stays twelve point three (not 12345) in a whole-number column."""


def _xlsx_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return Number(value)
    if isinstance(value, float):
        return Number(int(value)) if value.is_integer() else Number(repr(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value).strip()


def _xlsx_table(content: bytes) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    unreadable = _("The Excel file cannot be read; save it again as .xlsx or as CSV.")
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
        if unpacked > MAX_XLSX_UNPACKED:
            raise Unreadable(_("The Excel file is too large; split it or save it as CSV."))
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Unreadable:
        raise
    except Exception:  # noqa: BLE001 -- any failure of the parser on a stranger's file
        raise Unreadable(unreadable) from None
    try:
        for values in book.worksheets[0].iter_rows(values_only=True):
            yield [_xlsx_cell(v) for v in values]
    except Exception:  # noqa: BLE001 -- a damaged sheet fails while it is read
        raise Unreadable(unreadable) from None
    finally:
        book.close()


def _table(content: bytes) -> Iterator[list[str]]:
    """The file's rows as lists of cell texts, CSV or XLSX by its first bytes."""
    return _xlsx_table(content) if content.startswith(XLSX_MAGIC) else _csv_table(content)


WHOLE = re.compile(r"^(\d+|\d{1,3}(\.\d{3})+|\d{1,3}(,\d{3})+)$")


def _whole(text: str) -> int | None:
    """A whole number as spreadsheets write it: 7500000, 7.500.000 or 7,500,000 (but not
    1.5, which is no whole number in any locale). A workbook's number cell is taken as
    the number it is."""
    if isinstance(text, Number):
        return int(text) if text.isdigit() else None
    text = text.strip()
    if not text.isascii() or not WHOLE.match(text):
        return None
    return int(text.replace(".", "").replace(",", ""))


def _amount(text: str) -> int | None:
    """A price as the money fields read it: 450000, 450.000, 450,000 or Rp450.000 (as
    Excel writes a rupiah cell into a CSV); a workbook's number cell as the number."""
    if isinstance(text, Number):
        return _whole(text)
    try:
        return parse_amount(text)
    except AmountError:
        return None


def parse_catalogue(content: bytes) -> Parsed:
    """Rows of product fields, or errors naming row and column. Never raises."""
    parsed = Parsed()
    try:
        table = _table(content)
        header = [h.strip().lower() for h in next(table, [])]
        if not any(header):
            parsed.errors.append({"row": 1, "column": "", "message": _("The file is empty.")})
            return parsed
        missing = [c for c in REQUIRED if c not in header]
        unknown = [c for c in header if c and c not in COLUMNS]
        twice = list(dict.fromkeys(c for c in header if c and header.count(c) > 1))
        if missing or unknown or twice:
            parts = []
            if missing:
                parts.append(_("missing columns: %(c)s", c=", ".join(missing)))
            if unknown:
                parts.append(_("unknown columns: %(c)s", c=", ".join(unknown)))
            if twice:
                parts.append(_("columns named twice: %(c)s", c=", ".join(twice)))
            named = ", ".join(missing + unknown + twice)
            parsed.errors.append({"row": 1, "column": named, "message": "; ".join(parts)})
            return parsed
        seen: dict[str, int] = {}
        for number, values in enumerate(table, start=2):
            if not any(v.strip() for v in values):
                continue
            if number - 1 > MAX_ROWS:
                message = _("The file has more than %(n)d rows; split it.", n=MAX_ROWS)
                parsed.errors.append({"row": number, "column": "", "message": message})
                break
            if len(values) > len(header) and any(v.strip() for v in values[len(header) :]):
                message = _("This row has more values than the header has columns.")
                parsed.errors.append({"row": number, "column": "", "message": message})
                continue
            values = [
                v if isinstance(v, Number) else read_csv_text(v.strip())
                for v in values[: len(header)]
            ]
            cells = dict(zip(header, values + [""] * (len(header) - len(values)), strict=True))
            _read_row(number, cells, parsed, seen)
    except Unreadable as exc:
        parsed.errors.append({"row": 0, "column": "", "message": str(exc)})
    return parsed


def _read_row(number: int, cells: dict[str, str], parsed: Parsed, seen: dict[str, int]) -> None:
    errors = []
    sku = cells["sku"]
    if sku and sku.lower() in seen:
        errors.append(
            ("sku", _("SKU %(sku)s is also on row %(row)d.", sku=sku, row=seen[sku.lower()]))
        )
    elif sku:
        seen[sku.lower()] = number
    fields: dict[str, Any] = {
        "sku": sku,
        "name": cells["name"],
        "category": cells["category"].lower(),
    }
    for column, read in (("price", _amount), ("stock", _whole)):
        value = read(cells[column])
        if value is None:
            errors.append(
                (
                    column,
                    _(
                        "%(column)s must be a whole number, not '%(value)s'.",
                        column=column,
                        value=cells[column],
                    ),
                )
            )
        fields[column] = value
    if "one_of_a_kind" in cells:
        flag = cells["one_of_a_kind"].lower()
        if flag not in TRUE | FALSE:
            errors.append(("one_of_a_kind", _("one_of_a_kind is yes or no.")))
        fields["one_of_a_kind"] = flag in TRUE
    if cells.get("low_stock_threshold", ""):
        threshold = _whole(cells["low_stock_threshold"])
        if threshold is None:
            message = _("low_stock_threshold must be a whole number.")
            errors.append(("low_stock_threshold", message))
        fields["low_stock_threshold"] = threshold
    if "description" in cells:
        fields["description"] = cells["description"]
    category_keys = {a.key for a in ATTRIBUTES.get(fields["category"], ())}
    fields["attributes"] = {
        key: cells[key] for key in ATTRIBUTE_COLUMNS if cells.get(key) and key in category_keys
    }
    for column, message in errors:
        parsed.errors.append({"row": number, "column": column, "message": message})
    if not errors:
        parsed.rows.append(ImportRow(number, fields))


def column_guide() -> list[tuple[str, bool, str, str]]:
    """(column, required, what goes in it, an example) for every column, in order: the
    import page and the XLSX template's second sheet show it."""
    categories = ", ".join(f"{slug} ({label})" for slug, label in CATEGORY_LABELS.items())
    guide = [
        ("sku", True, _("Your code for the item, unique at the booth; no spaces."), "SR-925-01"),
        ("name", True, _("The name on the receipt."), "Cincin Perak Motif Jawan"),
        ("category", True, categories, "jewellery"),
        ("price", True, _("Whole rupiah: 450000, 450.000, 450,000 or Rp450.000."), "450000"),
        ("stock", True, _("How many are here now (0 or 1 for one of a kind)."), "6"),
        ("one_of_a_kind", False, _("yes or no (ya or tidak)."), "no"),
        ("low_stock_threshold", False, _("Flag the item as low at this stock."), "2"),
        ("description", False, _("Free text."), ""),
    ]
    for key in ATTRIBUTE_COLUMNS:
        users = [(slug, a) for slug, specs in ATTRIBUTES.items() for a in specs if a.key == key]
        label = str(users[0][1].label)
        cats = ", ".join(slug for slug, _a in users)
        spec = users[0][1]
        if spec.choices:
            label += ": " + " / ".join(spec.choices)
        guide.append((key, False, f"{label} ({cats})", ""))
    return guide


def template_csv() -> str:
    """An empty catalogue: the header row of every column the import takes."""
    return catalogue_csv([])


def template_xlsx() -> bytes:
    """An Excel workbook: the header on the first sheet, the column guide on the second."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = _("Products")
    append_row(sheet, COLUMNS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for column in ("A", "B"):
        sheet.column_dimensions[column].width = 24 if column == "A" else 36
    guide = book.create_sheet(_("Guide"))
    append_row(guide, [_("Column"), _("Required"), _("What goes in it"), _("Example")])
    for cell in guide[1]:
        cell.font = Font(bold=True)
    for column, required, what, example in column_guide():
        append_row(guide, [column, _("yes") if required else "", what, example])
    for column, width in zip("ABCD", (22, 10, 70, 28), strict=True):
        guide.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def catalogue_csv(products: list[Any]) -> str:
    """The catalogue in COLUMNS, one product a row; text that a spreadsheet would run
    as a formula is quoted (pos/cells.py), numbers stay numbers."""
    out = io.StringIO()
    writer = CsvWriter(out)
    writer.writerow(COLUMNS)
    for p in products:
        attributes = p.attributes or {}
        writer.writerow(
            [p.sku, p.name, p.category, p.price, p.stock, "yes" if p.one_of_a_kind else "no"]
            + ["" if p.low_stock_threshold is None else p.low_stock_threshold, p.description or ""]
            + [_cell(attributes.get(key)) for key in ATTRIBUTE_COLUMNS]
        )
    return out.getvalue()


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return value  # a number, which pos/cells.py leaves as it is
    return str(value)
