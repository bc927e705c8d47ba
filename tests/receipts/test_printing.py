"""Printing from the tablet, the server's side: the offline number on the PDF receipt
once an offline sale has arrived, the receipt's content as JSON for the HTML receipt,
the register's receipt context in the exhibitor's language, and PDFs that the app's own
pages (and only they) may print in a hidden frame."""

import re
import subprocess
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from pos.receipts.service import register_receipt_context
from tests import factories
from tests.factories import device_code


@pytest.fixture
def event(db):
    return factories.make_event(receipt_footer="Terima kasih!", timezone="Asia/Makassar")


@pytest.fixture
def booth(event):
    return factories.Booth(event, "B12", receipt_language="id", region="Gianyar")


@pytest.fixture
def other(event):
    return factories.Booth(event, "C07")


def pdftotext(content: bytes) -> str:
    """The PDF's text as poppler lays it out: a label and its value on one line."""
    done = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True
    )
    return done.stdout.decode()


def send_offline_sale(client, booth, *, number_seq=7, tendered=250_000) -> dict:
    """Two of the booth's 100,000 product, 10 % off the line, paid 250,000 in cash on
    tablet T1 twenty minutes ago, as the register sends it once the Wi-Fi is back."""
    code = device_code(client, booth.cashier, booth.exhibitor.id)
    body = {
        "exhibitor_id": booth.exhibitor.id,
        "items": [
            {
                "product_id": booth.product.id,
                "quantity": 2,
                "discount_percent": 10,
                "unit_price": 100_000,
            }
        ],
        "payments": [{"method": "cash", "amount": tendered}],
        "offline": {
            "device": code,
            "number": f"B12-{code}-{number_seq:04d}",
            "recorded_at": (datetime.now(UTC) - timedelta(minutes=20)).isoformat(),
            "public_token": uuid.uuid4().hex + uuid.uuid4().hex[:8],
        },
    }
    headers = factories.auth_headers(client, booth.cashier) | {"Idempotency-Key": str(uuid.uuid4())}
    answer = client.post("/api/v1/sales", json=body, headers=headers)
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def sell_live(client, booth) -> dict:
    body = {
        "exhibitor_id": booth.exhibitor.id,
        "items": [{"product_id": booth.product.id, "quantity": 1}],
        "payments": [{"method": "cash", "amount": 100_000}],
    }
    headers = factories.auth_headers(client, booth.cashier) | {"Idempotency-Key": str(uuid.uuid4())}
    answer = client.post("/api/v1/sales", json=body, headers=headers)
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


# --- the PDF with both numbers ----------------------------------------------------------


@pytest.mark.parametrize("paper", ["80mm", "58mm", "a4"])
def test_an_offline_sale_that_arrived_prints_its_receipt_and_offline_numbers(client, booth, paper):
    sale = send_offline_sale(client, booth)
    assert sale["receipt_number"] == "B12-000001"
    headers = factories.auth_headers(client, booth.cashier)
    response = client.get(f"/api/v1/sales/{sale['id']}/receipt.pdf?format={paper}", headers=headers)
    assert response.status_code == 200
    text = pdftotext(response.data)
    assert re.search(r"No\.\s+B12-000001", text)
    assert re.search(r"No\. offline\s+B12-T1-0007", text)
    assert "Rp180.000" in text and "Rp70.000" in text  # the total, and 250,000 − 180,000 change


def test_the_offline_number_is_printed_in_the_exhibitors_receipt_language(client, event):
    english = factories.Booth(event, "E1", receipt_language="en")
    code = device_code(client, english.cashier, english.exhibitor.id)
    body = {
        "exhibitor_id": english.exhibitor.id,
        "items": [{"product_id": english.product.id, "quantity": 1, "unit_price": 100_000}],
        "payments": [{"method": "cash", "amount": 100_000}],
        "offline": {
            "device": code,
            "number": f"E1-{code}-0001",
            "recorded_at": datetime.now(UTC).isoformat(),
            "public_token": uuid.uuid4().hex + uuid.uuid4().hex[:8],
        },
    }
    headers = factories.auth_headers(client, english.cashier)
    sale = client.post(
        "/api/v1/sales", json=body, headers=headers | {"Idempotency-Key": str(uuid.uuid4())}
    ).get_json()
    text = pdftotext(client.get(sale["receipt_url"], headers=headers).data)
    assert re.search(r"Offline no\.\s+E1-T1-0001", text)
    assert "No. offline" not in text


def test_a_sale_made_online_prints_no_offline_number(client, booth):
    sale = sell_live(client, booth)
    headers = factories.auth_headers(client, booth.cashier)
    text = pdftotext(client.get(sale["receipt_url"], headers=headers).data)
    assert re.search(r"No\.\s+B12-000001", text)
    assert "offline" not in text.lower()


# --- the receipt's content for the HTML receipt -----------------------------------------


def test_the_receipt_content_is_what_the_pdf_prints_in_the_receipt_language(client, booth):
    sale = send_offline_sale(client, booth)
    headers = factories.auth_headers(client, booth.cashier)
    response = client.get(f"/api/v1/sales/{sale['id']}/receipt.json", headers=headers)
    assert response.status_code == 200
    receipt = response.get_json()
    assert receipt["number"] == "B12-000001" and receipt["offline_number"] == "B12-T1-0007"
    assert receipt["booth"] == "B12" and receipt["region"] == "Gianyar"
    assert receipt["locale"] == "id" and receipt["currency"] == "IDR"
    assert receipt["lines"] == [
        {
            "name": booth.product.name,
            "sku": "B12-1",
            "quantity": 2,
            "unit_price": 100_000,
            "discount": 20_000,
            "total": 180_000,
        }
    ]
    assert (receipt["subtotal"], receipt["line_discount_total"], receipt["total"]) == (
        200_000,
        20_000,
        180_000,
    )
    assert receipt["payments"] == [{"label": "Tunai", "amount": 250_000, "reference": ""}]
    assert receipt["change"] == 70_000
    assert receipt["qr_url"] == "http://localhost" + sale["public_receipt_url"]
    assert receipt["labels"]["offline_number"] == "No. offline"
    assert receipt["labels"]["change"] == "Kembalian"
    assert receipt["footer"] == "Terima kasih!"
    assert receipt["marks"] == []
    assert re.fullmatch(r"\d\d/\d\d/\d{4} \d\d:\d\d WITA", receipt["when"])


def test_the_receipt_content_of_a_reprint_carries_the_copy_mark(client, booth):
    sale = sell_live(client, booth)
    headers = factories.auth_headers(client, booth.cashier)
    receipt = client.get(f"/api/v1/sales/{sale['id']}/receipt.json?copy=1", headers=headers)
    (mark,) = receipt.get_json()["marks"]
    assert re.fullmatch(r"SALINAN · dicetak \d\d/\d\d/\d{4} \d\d:\d\d WITA", mark)


def test_another_booth_cannot_read_a_receipts_content(client, booth, other):
    sale = sell_live(client, booth)
    url = f"/api/v1/sales/{sale['id']}/receipt.json"
    for user in (other.cashier, other.manager):
        answer = client.get(url, headers=factories.auth_headers(client, user))
        assert answer.status_code == 403 and answer.get_json()["error"] == "forbidden"
    assert client.get(url).status_code == 401
    missing = client.get(
        "/api/v1/sales/999999/receipt.json", headers=factories.auth_headers(client, booth.cashier)
    )
    assert missing.status_code == 404


def test_the_receipt_content_is_in_the_openapi_document(client):
    document = client.get("/api/v1/openapi.json").get_json()
    answer = document["paths"]["/api/v1/sales/{sale_id}/receipt.json"]["get"]
    assert "200" in answer["responses"] and "404" in answer["responses"]


# --- the register's context -------------------------------------------------------------


def test_the_register_gets_the_receipt_header_and_words_in_the_receipt_language(app, event):
    english = factories.Booth(
        event,
        "P1",
        receipt_language="en",
        region="Gianyar",
        tax_registered=True,
        tax_rate_percent=11,
        npwp="01.234.567.8-907.000",
        address="Jl. Raya Celuk 1",
    )
    with app.test_request_context("/register"):
        context = register_receipt_context(
            english.exhibitor, cashier="Wayan", url_root="http://192.168.1.10:5000/"
        )
    assert context["locale"] == "en" and context["currency"] == "IDR"
    assert context["timezone"] == "Asia/Makassar" and context["zone_name"] == "WITA"
    assert context["booth"] == "P1" and context["region"] == "Gianyar"
    assert context["npwp"] == "01.234.567.8-907.000" and context["address"] == "Jl. Raya Celuk 1"
    assert context["tax_rate_percent"] == 11
    assert context["footer"] == "Terima kasih!" and context["cashier"] == "Wayan"
    assert context["public_base"] == "http://192.168.1.10:5000"
    assert context["labels"]["offline_number"] == "Offline no."
    assert context["labels"]["change"] == "Change"
    assert context["methods"]["cash"] == "Cash" and context["methods"]["qris"] == "QRIS"


def test_a_booth_that_is_not_tax_registered_gets_no_tax_lines_and_no_npwp(app, booth):
    with app.test_request_context("/register"):
        context = register_receipt_context(booth.exhibitor, cashier="Made", url_root="http://x/")
    assert context["tax_rate_percent"] == 0 and context["npwp"] == "" and context["address"] == ""
    assert context["labels"]["offline_number"] == "No. offline"
    assert context["methods"]["cash"] == "Tunai"


def test_the_configured_public_address_is_the_base_of_the_offline_qr_code(app, booth):
    app.config["PUBLIC_URL"] = "https://struk.pameran.example/"
    with app.test_request_context("/register"):
        context = register_receipt_context(booth.exhibitor, cashier="Made", url_root="http://x/")
    assert context["public_base"] == "https://struk.pameran.example"


# --- framing ----------------------------------------------------------------------------


def test_the_apps_own_pages_may_frame_a_pdf_to_print_it_and_no_other_site(client, booth):
    sale = sell_live(client, booth)
    headers = factories.auth_headers(client, booth.manager)
    refund = client.post(
        f"/api/v1/sales/{sale['id']}/refunds",
        json={"lines": [{"product_id": booth.product.id, "quantity": 1}], "reason": "Retak"},
        headers=headers,
    ).get_json()
    for url in (sale["receipt_url"], f"/api/v1/refunds/{refund['id']}/receipt.pdf"):
        response = client.get(url, headers=headers)
        assert response.mimetype == "application/pdf"
        assert "frame-ancestors 'self'" in response.headers["Content-Security-Policy"]
        assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    page = client.get("/login")
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY"
