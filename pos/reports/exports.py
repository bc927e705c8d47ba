"""The reports as spreadsheets: a booth's daily summary (CSV), the event's rows per
booth per day (CSV and XLSX), and the audit log's entries (CSV).

Two readers: scripts, which rely on stable machine column names (``section,key,...``,
``date,booth,...``: the API's default, never translated), and people, who open the file
in Excel or LibreOffice. Given a language (``lang=id|en``, what the pages ask for), the
headers, sheet names and labels are in that language, and a CSV is written as Excel
reads it in that locale: UTF-8 with a BOM, semicolons in Indonesian (whose decimal
separator is the comma), commas in English. Amounts stay whole numbers either way.

Every cell goes through pos/cells.py: a name that a spreadsheet would run as a formula
is written as text. Any new CSV export is written with :func:`_csv` (or pos/cells.py's
writer), and any XLSX row with ``cells.append_row``, never with csv/openpyxl directly.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _

from pos import cells

METHODS = ("cash", "qris", "card", "transfer", "ewallet")
CATEGORIES = ("painting", "jewellery", "endek", "craft", "other")
EVENT_COLUMNS = (
    ["date", "booth", "exhibitor", "region", "sentra", "transactions", "items_sold", "gross"]
    + ["discounts", "refunds", "net", "tax", "voids"]
    + [f"paid_{m}" for m in METHODS]
    + [f"category_{c}" for c in CATEGORIES]
)
DAILY_COLUMNS = ["section", "key", "name", "quantity", "amount"]
AUDIT_COLUMNS = ["at", "action", "user", "booth", "target", "ip", "details"]
LANGUAGES = ("id", "en")
# Excel in Indonesian reads "1,5" as a number, so its list separator is the semicolon.
DELIMITERS = {"id": ";", "en": ","}
# The event-local day as a date cell, written as the reader's Excel writes it.
DATE_FORMATS = {"id": "[$-421]d mmm yyyy", "en": "d mmm yyyy"}
MONEY_FORMAT = "#,##0"


def _words() -> dict[str, str]:
    """Labels of columns, sections and keys, in the forced locale."""
    from pos.inventory.attributes import CATEGORY_LABELS
    from pos.sales.models import METHOD_LABELS

    words = {
        "date": _("Date"),
        "booth": _("Booth"),
        "exhibitor": _("Exhibitor"),
        "region": _("Region"),
        "sentra": _("Sentra IKM"),
        "transactions": _("Transactions"),
        "items_sold": _("Items sold"),
        "gross": _("Gross"),
        "discounts": _("Discounts"),
        "refunds": _("Refunds"),
        "net": _("Net sales"),
        "tax": _("incl. PPN"),
        "voids": _("Voided"),
        "section": _("Section"),
        "key": _("Entry"),
        "name": _("Name"),
        "quantity": _("Quantity"),
        "amount": _("Amount"),
        "summary": _("Summary"),
        "payment_method": _("Payment method"),
        "category": _("Category"),
        "product": _("Product"),
        "hour": _("Hour"),
        "sheet_rows": _("Per booth per day"),
        "sheet_event": _("Event"),
        "event": _("Event"),
        "venue": _("Venue"),
        "timezone": _("Timezone"),
        "currency": _("Currency"),
        "first_day": _("First day"),
        "last_day": _("Last day"),
        "at": _("When"),
        "action": _("Action"),
        "user": _("User"),
        "target": _("Concerning"),
        "ip": _("IP address"),
        "details": _("Details"),
    }
    for method in METHODS:
        label = str(METHOD_LABELS[method])
        words[f"method:{method}"] = label
        words[f"paid_{method}"] = _("Paid by %(method)s", method=label)
    for category in CATEGORIES:
        label = str(CATEGORY_LABELS[category])
        words[f"category:{category}"] = label
        words[f"category_{category}"] = _("Category: %(category)s", category=label)
    return words


def labels(lang: str | None) -> dict[str, str] | None:
    """The words of a language's files (None: the machine names), in the app."""
    if lang is None:
        return None
    with force_locale(lang):
        return _words()


EVENT_FACTS = ("name", "venue", "timezone", "currency", "starts_on", "ends_on")


def event_facts(event: Any) -> dict[str, Any]:
    """What the workbook says about the event, as plain values."""
    return {fact: getattr(event, fact) for fact in EVENT_FACTS}


def _csv(header: list[str], rows: list[list[Any]], lang: str | None) -> str:
    """A CSV file as the reader's spreadsheet opens it, every cell neutralised against
    formula injection (pos/cells.py)."""
    out = io.StringIO()
    if lang is not None:
        out.write("\ufeff")  # Excel takes the file for UTF-8 only with the BOM
    writer = cells.CsvWriter(out, delimiter=DELIMITERS.get(lang or "en", ","))
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def daily_summary_csv(summary: dict[str, Any], lang: str | None = None) -> str:
    """The summary: the headline figures, then each breakdown, one row each."""
    words = labels(lang)

    def say(key: str) -> str:
        return words.get(key, key) if words else key

    def section(name: str) -> str:
        return say(name) if words else name

    rows: list[list[Any]] = []
    for key in ("transactions", "items_sold"):
        rows.append([section("summary"), say(key), "", summary[key], ""])
    for key in ("gross", "discounts", "voids", "refunds", "tax", "net"):
        rows.append([section("summary"), say(key), "", "", summary[key]])
    for method, amount in summary["by_payment_method"].items():
        rows.append([section("payment_method"), say(f"method:{method}") if words else method,
                     "", "", amount])  # fmt: skip
    for category, amount in summary["by_category"].items():
        rows.append([section("category"), say(f"category:{category}") if words else category,
                     "", "", amount])  # fmt: skip
    for row in summary["by_product"]:
        rows.append([section("product"), row["sku"], row["name"], row["quantity"], row["amount"]])
    for row in summary["by_hour"]:
        hour = f"{row['hour']:02d}:00" if words else f"{row['hour']:02d}"
        rows.append([section("hour"), hour, "", row["transactions"], row["amount"]])
    header = [say(c) for c in DAILY_COLUMNS]
    return _csv(header, rows, lang)


def event_rows_csv(
    rows: list[list[Any]], lang: str | None = None, words: dict[str, str] | None = None
) -> str:
    """One row per booth per day (EVENT_COLUMNS); the day as YYYY-MM-DD, which every
    spreadsheet reads as a date in either locale. In a language: its words (labels(lang),
    given where there is no app: in the report renderer)."""
    words = words or labels(lang)
    header = [words[c] for c in EVENT_COLUMNS] if words else list(EVENT_COLUMNS)
    return _csv(header, [[_iso(v) for v in row] for row in rows], lang)


def audit_log_csv(rows: list[list[Any]], lang: str | None = None) -> str:
    """Audit entries (AUDIT_COLUMNS, as pos/reports/audit.py lays them out), one row each."""
    words = labels(lang)
    header = [words[c] for c in AUDIT_COLUMNS] if words else list(AUDIT_COLUMNS)
    return _csv(header, rows, lang)


def event_rows_xlsx(
    rows: list[list[Any]],
    event: dict[str, Any],
    lang: str | None = None,
    words: dict[str, str] | None = None,
) -> bytes:
    """The same rows as an Excel workbook, numbers as numbers, and a second sheet about
    the event (event_facts). In a language: its words (labels(lang)), and the day as a
    date cell shown the reader's way. Needs no app: it runs in the report renderer."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = words["sheet_rows"] if words else "Per booth per day"
    header = [words[c] for c in EVENT_COLUMNS] if words else list(EVENT_COLUMNS)
    cells.append_row(sheet, header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    money_columns = {
        i
        for i, name in enumerate(EVENT_COLUMNS, start=1)
        if name in ("gross", "discounts", "refunds", "net", "tax", "voids")
        or name.startswith(("paid_", "category_"))
    }
    # The row number is counted here: openpyxl's max_row scans every cell, and asking it
    # for each cell made the whole event's workbook (1,500 rows) take a minute.
    for row_number, values in enumerate(rows, start=2):
        cells.append_row(sheet, values if words else [_iso(v) for v in values])
        if words:
            sheet.cell(row=row_number, column=1).number_format = DATE_FORMATS[lang]
        for column in money_columns:
            sheet.cell(row=row_number, column=column).number_format = MONEY_FORMAT
    sheet.freeze_panes = "A2"
    for index, name in enumerate(header, start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = max(
            12, len(name) + 2
        )
    info = book.create_sheet(words["sheet_event"] if words else "Event")
    for key, value in (
        ("event", event["name"]),
        ("venue", event["venue"]),
        ("timezone", event["timezone"]),
        ("currency", event["currency"]),
        ("first_day", event["starts_on"]),
        ("last_day", event["ends_on"]),
    ):
        if words:
            cells.append_row(info, [words[key], value or ""])
            if isinstance(value, date):
                info.cell(row=info.max_row, column=2).number_format = DATE_FORMATS[lang]
        else:
            cells.append_row(info, [key.replace("_", " "), _iso(value) if value else ""])
    info.column_dimensions["A"].width = 18
    info.column_dimensions["B"].width = 40
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value
