"""Catalogue spreadsheets: reading an exhibitor's CSV (as Excel writes it in Indonesia
too: UTF-8 with or without BOM, comma or semicolon) into rows, and writing the
catalogue back in the same columns, so an export imports again unchanged. Pure."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from typing import Any

from pos.inventory.attributes import ATTRIBUTES

REQUIRED = ("sku", "name", "category", "price", "stock")
OPTIONAL = ("one_of_a_kind", "low_stock_threshold", "description")
# Every attribute key of every category, in a fixed order (width_cm serves two).
ATTRIBUTE_COLUMNS = tuple(dict.fromkeys(a.key for specs in ATTRIBUTES.values() for a in specs))
COLUMNS = REQUIRED + OPTIONAL + ATTRIBUTE_COLUMNS
MAX_ROWS = 10_000
TRUE, FALSE = {"1", "yes", "ya", "true", "y"}, {"", "0", "no", "tidak", "false", "n"}


@dataclass
class ImportRow:
    row: int  # the spreadsheet's row number (the header is row 1)
    fields: dict[str, Any]


@dataclass
class Parsed:
    rows: list[ImportRow] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)


def _decode(content: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValueError("undecodable")


WHOLE = re.compile(r"^(\d+|\d{1,3}(\.\d{3})+|\d{1,3}(,\d{3})+)$")


def _whole(text: str) -> int | None:
    """A whole number as spreadsheets write it: 7500000, 7.500.000 or 7,500,000 (but not
    1.5, which is no whole number in any locale)."""
    text = text.strip()
    if not text.isascii() or not WHOLE.match(text):
        return None
    return int(text.replace(".", "").replace(",", ""))


def parse_catalogue(content: bytes) -> Parsed:
    """Rows of product fields, or errors naming row and column. Never raises."""
    parsed = Parsed()
    try:
        text = _decode(content)
    except ValueError:
        parsed.errors.append({"row": 0, "column": "", "message": "not a text (CSV) file"})
        return parsed
    first = text.splitlines()[0] if text.strip() else ""
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except (StopIteration, csv.Error):
        parsed.errors.append({"row": 1, "column": "", "message": "the file is empty"})
        return parsed
    missing = [c for c in REQUIRED if c not in header]
    unknown = [c for c in header if c and c not in COLUMNS]
    if missing or unknown:
        message = "; ".join(
            part
            for part in (
                f"missing columns: {', '.join(missing)}" if missing else "",
                f"unknown columns: {', '.join(unknown)}" if unknown else "",
            )
            if part
        )
        parsed.errors.append({"row": 1, "column": ", ".join(missing + unknown), "message": message})
        return parsed
    seen: dict[str, int] = {}
    try:
        for number, values in enumerate(reader, start=2):
            if not any(v.strip() for v in values):
                continue
            if number - 1 > MAX_ROWS:
                parsed.errors.append(
                    {"row": number, "column": "", "message": f"more than {MAX_ROWS} rows"}
                )
                break
            if len(values) > len(header):
                parsed.errors.append(
                    {"row": number, "column": "", "message": "more values than columns"}
                )
                continue
            cells = dict(
                zip(
                    header,
                    [v.strip() for v in values] + [""] * (len(header) - len(values)),
                    strict=True,
                )
            )
            _read_row(number, cells, parsed, seen)
    except csv.Error as exc:
        parsed.errors.append(
            {"row": reader.line_num, "column": "", "message": f"malformed CSV: {exc}"}
        )
    return parsed


def _read_row(number: int, cells: dict[str, str], parsed: Parsed, seen: dict[str, int]) -> None:
    errors = []
    sku = cells["sku"]
    if sku and sku.lower() in seen:
        errors.append(("sku", f"SKU {sku} is also on row {seen[sku.lower()]}"))
    elif sku:
        seen[sku.lower()] = number
    fields: dict[str, Any] = {
        "sku": sku,
        "name": cells["name"],
        "category": cells["category"].lower(),
    }
    for column in ("price", "stock"):
        value = _whole(cells[column])
        if value is None:
            errors.append((column, f"{column} must be a whole number, not '{cells[column]}'"))
        fields[column] = value
    if "one_of_a_kind" in cells:
        flag = cells["one_of_a_kind"].lower()
        if flag not in TRUE | FALSE:
            errors.append(("one_of_a_kind", "one_of_a_kind is yes or no"))
        fields["one_of_a_kind"] = flag in TRUE
    if cells.get("low_stock_threshold", ""):
        threshold = _whole(cells["low_stock_threshold"])
        if threshold is None:
            errors.append(("low_stock_threshold", "low_stock_threshold must be a whole number"))
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


def catalogue_csv(products: list[Any]) -> str:
    """The catalogue in COLUMNS, one product a row."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for p in products:
        attributes = p.attributes or {}
        writer.writerow(
            [p.sku, p.name, p.category, p.price, p.stock, "yes" if p.one_of_a_kind else "no"]
            + ["" if p.low_stock_threshold is None else p.low_stock_threshold, p.description or ""]
            + [_cell(attributes.get(key)) for key in ATTRIBUTE_COLUMNS]
        )
    return out.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
