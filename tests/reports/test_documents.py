"""Every printed document and export, read back as a person reads it: money with the
minus sign (never a hyphen) where something is taken off or below zero, days as the
reader writes them (never YYYY-MM-DD), and headers in the reader's language; the API's
CSV keeps its machine column names. The fair of tests/reports/scenario.py."""

from __future__ import annotations

import csv
import io
import re

import pytest

from tests import factories
from tests.pdftext import pdf_text
from tests.reports import scenario

HYPHEN_MONEY = re.compile(r"-\s*(Rp|IDR)|(Rp|IDR)\s*-")
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
ID_DAY = re.compile(r"\b\d{1,2} (Jan|Feb|Mar|Apr|Mei|Jun|Jul|Agu|Sep|Okt|Nov|Des) \d{4}\b")
EN_DAY = re.compile(r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{1,2}, \d{4}\b")


@pytest.fixture
def fair(client, db):
    fair = scenario.build()
    # B12's drawer is counted 10.000 short of the 1.003.870 it should hold.
    manager = factories.auth_headers(client, fair.b12.manager)
    [shift] = client.get("/api/v1/shifts", headers=manager).get_json()["items"]
    closed = client.post(
        f"/api/v1/shifts/{shift['id']}/close", json={"counted_cash": 993_870}, headers=manager
    )
    assert closed.get_json()["difference"] == -10_000
    return fair


def _lines(text: str) -> list[str]:
    """Each printed line with its runs of spaces made one."""
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def _documents(client, fair, lang: str) -> dict[str, str]:
    """The text of every PDF the fair prints, read in ``lang`` (receipts in the booth's
    receipt language, set to ``lang``)."""
    from pos.extensions import db

    fair.b12.exhibitor.receipt_language = lang
    db.session.commit()
    manager = factories.auth_headers(client, fair.b12.manager) | {"Accept-Language": lang}
    organizer = factories.auth_headers(client, fair.organizer) | {"Accept-Language": lang}
    sale, refund = fair.sales["S1"]["id"], fair.refunds["R1"].id
    urls = {
        "daily summary": (f"/api/v1/reports/daily.pdf?date={fair.today}", manager),
        "day close": (f"/api/v1/reports/day-close.pdf?date={fair.today}", manager),
        "settlement": ("/api/v1/reports/settlement.pdf", manager),
        "event today": (
            f"/api/v1/reports/event.pdf?event_id={fair.event.id}&date={fair.today}",
            organizer,
        ),
        "event": (f"/api/v1/reports/event.pdf?event_id={fair.event.id}", organizer),
        "receipt 80mm": (f"/api/v1/sales/{sale}/receipt.pdf", manager),
        "receipt 58mm": (f"/api/v1/sales/{sale}/receipt.pdf?format=58mm", manager),
        "invoice copy": (f"/api/v1/sales/{sale}/receipt.pdf?format=a4&copy=1", manager),
        "refund note": (f"/api/v1/refunds/{refund}/receipt.pdf", manager),
        "refund note a4": (f"/api/v1/refunds/{refund}/receipt.pdf?format=a4", manager),
        "price tags": ("/api/v1/products/labels.pdf", manager),
    }
    texts = {}
    for name, (url, headers) in urls.items():
        response = client.get(url, headers=headers)
        assert response.status_code == 200, (name, response.get_data(as_text=True))
        texts[name] = pdf_text(response.data)
    return texts


@pytest.mark.parametrize("lang", ["id", "en"])
def test_no_document_prints_a_hyphen_for_minus_or_an_iso_date(client, fair, lang):
    for name, text in _documents(client, fair, lang).items():
        assert not HYPHEN_MONEY.search(text), (name, HYPHEN_MONEY.search(text))
        assert not ISO_DATE.search(text), (name, ISO_DATE.search(text))


def test_amounts_taken_off_carry_the_minus_sign_in_indonesian(client, fair):
    texts = {name: _lines(text) for name, text in _documents(client, fair, "id").items()}
    assert "Diskon −Rp120.000 Dibatalkan Rp0" in texts["daily summary"]
    assert "Pengembalian dana −Rp566.130 termasuk PPN Rp0" in texts["daily summary"]
    assert "Pengembalian dana −Rp566.130 Dibatalkan Rp0" in texts["day close"]
    shift = next(line for line in texts["day close"] if "manager" in line and "Rp100.000" in line)
    assert shift.endswith("Rp100.000 Rp1.003.870 Rp993.870 −Rp10.000")
    total = next(line for line in texts["settlement"] if line.startswith("Seluruh"))
    assert total.endswith("4 Rp2.040.000 −Rp120.000 −Rp566.130 Rp1.353.870")
    assert "Diskon −Rp370.000 Peserta 3" in texts["event today"]
    assert "Pengembalian dana −Rp1.766.130 Dibatalkan Rp1.250.000" in texts["event today"]
    assert "Diskon transaksi −Rp30.000" in texts["receipt 80mm"]
    assert "Diskon barang −Rp90.000" in texts["receipt 58mm"]
    # The refunded bowl: 120.000 less its share of the sale's discount, 3.870.
    assert "Diskon −Rp3.870" in texts["refund note"]
    assert "DIKEMBALIKAN Rp116.130" in texts["refund note"]


def test_amounts_taken_off_carry_the_minus_sign_in_english(client, fair):
    texts = {name: _lines(text) for name, text in _documents(client, fair, "en").items()}
    assert "Discounts −IDR 370,000 Exhibitors 3" in texts["event today"]
    assert "Refunds −IDR 1,766,130 Voided IDR 1,250,000" in texts["event today"]
    assert (
        "Whole event 4 IDR 2,040,000 −IDR 120,000 −IDR 566,130 IDR 1,353,870"
        in (texts["settlement"])
    )
    assert any(line.endswith("IDR 993,870 −IDR 10,000") for line in texts["day close"])


@pytest.mark.parametrize(
    ("lang", "day", "header"),
    [
        ("id", ID_DAY, "Tanggal Transaksi Bruto Diskon Pengembalian Penjualan"),
        ("en", EN_DAY, "Date Transactions Gross Discounts Refunds Net sales"),
    ],
)
def test_the_settlement_lists_its_days_as_the_reader_writes_them(client, fair, lang, day, header):
    lines = _lines(_documents(client, fair, lang)["settlement"])
    assert any(line.startswith(header) for line in lines)  # long headers wrap
    days = [line for line in lines if day.match(line)]
    assert len(days) == 2  # yesterday and today, each with its figures
    assert days[0].endswith("Rp450.000" if lang == "id" else "IDR 450,000")


def _csv(response) -> tuple[str, list[list[str]]]:
    """The file's BOM and delimiter, and its rows."""
    data = response.get_data()
    bom = data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    delimiter = ";" if text.splitlines()[0].count(";") else ","
    return ("bom" if bom else "") + delimiter, list(
        csv.reader(io.StringIO(text), delimiter=delimiter)
    )


def test_the_api_csvs_keep_their_machine_columns(client, fair):
    manager = factories.auth_headers(client, fair.b12.manager) | {"Accept-Language": "id"}
    organizer = factories.auth_headers(client, fair.organizer) | {"Accept-Language": "id"}
    kind, rows = _csv(client.get(f"/api/v1/reports/daily.csv?date={fair.today}", headers=manager))
    assert kind == "," and rows[0] == ["section", "key", "name", "quantity", "amount"]
    assert ["summary", "net", "", "", "903870"] in rows
    assert ["payment_method", "cash", "", "", "903870"] in rows
    url = f"/api/v1/reports/event.csv?event_id={fair.event.id}"
    kind, rows = _csv(client.get(url, headers=organizer))
    assert kind == ","
    assert rows[0][:6] == ["date", "booth", "exhibitor", "region", "sentra", "transactions"]
    assert rows[0][13:15] == ["paid_cash", "paid_qris"]
    assert rows[1][:2] == [fair.yesterday.isoformat(), "B12"]


def test_the_pages_exports_are_in_the_readers_language(client, fair):
    from openpyxl import load_workbook

    manager = factories.auth_headers(client, fair.b12.manager)
    organizer = factories.auth_headers(client, fair.organizer)
    url = f"/api/v1/reports/daily.csv?date={fair.today}&lang=id"
    kind, rows = _csv(client.get(url, headers=manager))
    assert kind == "bom;"  # as Excel opens it with Indonesian settings
    assert rows[0] == ["Bagian", "Rincian", "Nama", "Kuantitas", "Jumlah"]
    assert ["Ringkasan", "Penjualan bersih", "", "", "903870"] in rows
    assert ["Metode pembayaran", "Tunai", "", "", "903870"] in rows
    assert ["Kategori", "Perhiasan", "", "", "783870"] in rows
    kind, rows = _csv(client.get(url.replace("lang=id", "lang=en"), headers=manager))
    assert kind == "bom,"
    assert rows[0] == ["Section", "Entry", "Name", "Quantity", "Amount"]
    assert ["Summary", "Net sales", "", "", "903870"] in rows

    url = f"/api/v1/reports/event.csv?event_id={fair.event.id}&lang=id"
    kind, rows = _csv(client.get(url, headers=organizer))
    assert kind == "bom;"
    assert rows[0][:13] == [
        "Tanggal", "Stan", "Peserta", "Daerah", "Sentra IKM", "Transaksi", "Barang terjual",
        "Bruto", "Diskon", "Pengembalian dana", "Penjualan bersih", "termasuk PPN", "Dibatalkan",
    ]  # fmt: skip
    assert rows[0][13] == "Dibayar dengan Tunai" and rows[0][18] == "Kategori: Lukisan"

    xlsx = client.get(url.replace("event.csv", "event.xlsx"), headers=organizer)
    book = load_workbook(io.BytesIO(xlsx.data))
    assert book.sheetnames == ["Per stan per hari", "Pameran"]
    sheet = book.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    assert header[:3] == ["Tanggal", "Stan", "Peserta"] and header[10] == "Penjualan bersih"
    first = sheet.cell(row=2, column=1)
    assert first.is_date and first.value.date() == fair.yesterday
    english = load_workbook(
        io.BytesIO(client.get(url.replace("event.csv", "event.xlsx").replace("=id", "=en"),
                              headers=organizer).data)
    )  # fmt: skip
    assert english.sheetnames == ["Per booth per day", "Event"]
    assert [cell.value for cell in english.worksheets[0][1]][:3] == ["Date", "Booth", "Exhibitor"]
    machine = load_workbook(
        io.BytesIO(client.get(url.replace("event.csv", "event.xlsx").split("&lang")[0],
                              headers=organizer).data)
    )  # fmt: skip
    assert machine.sheetnames == ["Per booth per day", "Event"]
    assert [cell.value for cell in machine.worksheets[0][1]][:3] == ["date", "booth", "exhibitor"]


def test_an_export_in_an_unknown_language_is_refused(client, fair):
    manager = factories.auth_headers(client, fair.b12.manager)
    response = client.get("/api/v1/reports/daily.csv?lang=fr", headers=manager)
    assert response.status_code == 422 and response.get_json()["error"]


def test_the_report_pages_link_to_the_exports_in_the_readers_language(client, fair):
    from tests.pages import sign_in, text

    sign_in(client, fair.b12.manager)  # reads Indonesian, the default
    page = text(client.get(f"/reports/daily?date={fair.today}"))
    assert f"daily.csv?exhibitor_id={fair.b12.exhibitor.id}&date={fair.today}&lang=id" in (page)
    assert "<dd>−Rp120.000</dd>" in page and "<dd>−Rp566.130</dd>" in page
    client.post("/logout")
    sign_in(client, fair.organizer)
    page = text(client.get("/dashboard"))
    assert f"event.xlsx?event_id={fair.event.id}&lang=id" in page
    assert f"event.csv?event_id={fair.event.id}&lang=id" in page
