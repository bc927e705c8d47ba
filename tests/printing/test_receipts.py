"""Every kind of document the PDF has, printed through the API and decoded back from the
job's ESC/POS bytes: a sale, its COPY, a void sale, a refund note and a sale made
offline, in Indonesian and in English, with the figures the PDF shows."""

import uuid

import pytest
import sqlalchemy as sa

from pos.printing.models import PrintJob
from tests import factories
from tests.factories import auth_headers
from tests.printing.escpos_decode import decode
from tests.receipts.test_printing import send_offline_sale

WORDS = {
    "id": {
        "number": "No.",
        "cashier": "Kasir",
        "date": "Tanggal",
        "booth": "Stan",
        "discount": "Diskon",
        "subtotal": "Subtotal",
        "order_discount": "Diskon transaksi",
        "dpp": "Dasar pengenaan pajak (DPP)",
        "cash": "Tunai",
        "change": "Kembalian",
        "buyer": "Pembeli",
        "scan": "Pindai untuk struk digital Anda",
        "copy": "SALINAN",
        "printed": "dicetak",
        "void": "BATAL",
        "refund": "Nota pengembalian dana",
        "refunded": "DIKEMBALIKAN",
        "offline": "No. offline",
        "money": lambda n: "Rp" + f"{n:,}".replace(",", "."),
        "deduction": lambda n: "-Rp" + f"{n:,}".replace(",", "."),
    },
    "en": {
        "number": "No.",
        "cashier": "Cashier",
        "date": "Date",
        "booth": "Booth",
        "discount": "Discount",
        "subtotal": "Subtotal",
        "order_discount": "Sale discount",
        "dpp": "Taxable base (DPP)",
        "cash": "Cash",
        "change": "Change",
        "buyer": "Buyer",
        "scan": "Scan for your digital receipt",
        "copy": "COPY",
        "printed": "printed",
        "void": "VOID",
        "refund": "Refund note",
        "refunded": "REFUNDED",
        "offline": "Offline no.",
        "money": lambda n: f"IDR {n:,}",
        "deduction": lambda n: f"-IDR {n:,}",
    },
}


@pytest.fixture(params=["id", "en"])
def language(request):
    return request.param


@pytest.fixture
def booth(db, language):
    event = factories.make_event(receipt_footer="Terima kasih!", timezone="Asia/Makassar")
    return factories.Booth(
        event,
        "B12",
        name="Café Ñusa",
        receipt_language=language,
        region="Gianyar",
        tax_registered=True,
        tax_rate_percent=11,
        npwp="01.234.567.8-907.000",
    )


@pytest.fixture
def printer(client, booth):
    answer = client.post(
        "/api/v1/printers",
        json={"exhibitor_id": booth.exhibitor.id, "name": "Depan", "host": "192.168.1.50"},
        headers=auth_headers(client, booth.manager),
    )
    return answer.get_json()


def record_sale(client, booth) -> dict:
    """Two of the 100,000 product at 10 % off, 5,000 off the sale, paid 200,000 cash."""
    answer = client.post(
        "/api/v1/sales",
        json={
            "exhibitor_id": booth.exhibitor.id,
            "items": [{"product_id": booth.product.id, "quantity": 2, "discount_percent": 10}],
            "discount_amount": 5_000,
            "payments": [{"method": "cash", "amount": 200_000}],
            "buyer": {"name": "Made Wíjaya"},
        },
        headers=auth_headers(client, booth.manager) | {"Idempotency-Key": str(uuid.uuid4())},
    )
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def printed(client, booth, db, path: str, **body):
    answer = client.post(path, json=body, headers=auth_headers(client, booth.manager))
    assert answer.status_code == 202, answer.get_json()
    content = db.session.scalar(
        sa.select(PrintJob.content).where(PrintJob.id == answer.get_json()["job_id"])
    )
    return decode(content)


def test_a_sales_receipt_prints_header_lines_discounts_tax_payment_change_and_qr(
    client, booth, printer, db, language
):
    w = WORDS[language]
    sale = record_sale(client, booth)
    receipt = printed(
        client, booth, db, f"/api/v1/sales/{sale['id']}/print", printer_id=printer["id"]
    )
    assert receipt.texts[1] == "Café Ñusa"
    assert receipt.find("Café Ñusa").double_height
    assert f"{w['booth']} B12 · Gianyar" in receipt.texts
    assert "NPWP 01.234.567.8-907.000" in receipt.texts
    assert receipt.starting(w["number"] + " ").text.endswith(" " + sale["receipt_number"])
    assert receipt.starting(w["cashier"]).text.split()[-1] == booth.manager.name.split()[-1]
    assert receipt.find(f"2 × {w['money'](100_000)}").text.endswith(" " + w["money"](200_000))
    assert receipt.starting("  " + w["discount"]).text.endswith(" " + w["deduction"](20_000))
    assert receipt.starting(w["subtotal"]).text.endswith(" " + w["money"](200_000))
    assert receipt.starting(w["order_discount"]).text.endswith(" " + w["deduction"](5_000))
    total = receipt.starting("TOTAL")
    assert total.text.endswith(" " + w["money"](175_000)) and total.bold
    assert receipt.starting(w["dpp"]).text.endswith(" " + w["money"](157_658))
    assert receipt.starting("PPN 11%").text.endswith(" " + w["money"](17_342))
    assert receipt.starting(w["cash"] + " ").text.endswith(" " + w["money"](200_000))
    assert receipt.starting(w["change"]).text.endswith(" " + w["money"](25_000))
    assert receipt.starting(w["buyer"]).text.endswith(" Made Wíjaya")
    assert w["scan"] in receipt.texts and "Terima kasih!" in receipt.texts
    assert receipt.qr_codes == ["http://localhost" + sale["public_receipt_url"]]
    assert receipt.cut and all(line.columns <= 48 for line in receipt.lines)
    assert not any(line.inverted for line in receipt.lines)


def test_a_reprint_is_marked_copy_with_the_time_it_was_asked_for(
    client, booth, printer, db, language
):
    w = WORDS[language]
    sale = record_sale(client, booth)
    receipt = printed(
        client, booth, db, f"/api/v1/sales/{sale['id']}/print", printer_id=printer["id"], copy=True
    )
    marks = [line.text.strip() for line in receipt.lines if line.inverted]
    assert marks == [w["copy"], w["copy"]]
    assert any(t.startswith(w["printed"] + " ") and t.endswith(" WITA") for t in receipt.texts)
    assert receipt.starting("TOTAL").text.endswith(" " + w["money"](175_000))


def test_a_void_sales_receipt_is_marked_void(client, booth, printer, db, language):
    w = WORDS[language]
    sale = record_sale(client, booth)
    voided = client.post(
        f"/api/v1/sales/{sale['id']}/void",
        json={"reason": "wrong item"},
        headers=auth_headers(client, booth.manager),
    )
    assert voided.status_code == 200, voided.get_json()
    receipt = printed(
        client, booth, db, f"/api/v1/sales/{sale['id']}/print", printer_id=printer["id"]
    )
    assert [line.text.strip() for line in receipt.lines if line.inverted] == [w["void"], w["void"]]


def test_a_refund_note_prints_its_number_reference_and_refunded_amount(
    client, booth, printer, db, language
):
    w = WORDS[language]
    sale = record_sale(client, booth)
    refund = client.post(
        f"/api/v1/sales/{sale['id']}/refunds",
        json={"lines": [{"product_id": booth.product.id, "quantity": 1}], "reason": "too big"},
        headers=auth_headers(client, booth.manager),
    ).get_json()
    note = printed(
        client, booth, db, f"/api/v1/refunds/{refund['id']}/print", printer_id=printer["id"]
    )
    assert note.find(w["refund"]).bold
    assert note.starting(w["number"] + " ").text.endswith(" " + refund["refund_number"])
    assert sale["receipt_number"] in note.text and "too big" in note.text
    # One of two units: 90,000 less its share of the 5,000 off the sale.
    assert note.starting(w["refunded"]).text.endswith(" " + w["money"](refund["amount"]))
    assert refund["amount"] == 87_500
    assert note.qr_codes == ["http://localhost" + sale["public_receipt_url"]]


def test_a_sale_made_offline_prints_both_numbers(client, booth, printer, db, language):
    w = WORDS[language]
    sale = send_offline_sale(client, booth)
    receipt = printed(
        client, booth, db, f"/api/v1/sales/{sale['id']}/print", printer_id=printer["id"]
    )
    assert receipt.starting(w["number"] + " ").text.endswith(" " + sale["receipt_number"])
    assert receipt.starting(w["offline"]).text.endswith(" " + sale["offline_number"])
