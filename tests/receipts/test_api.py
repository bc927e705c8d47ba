"""Receipts through the app: the kept original and its reprints, marks, language, tax
lines, the buyer's public link, refund notes, and who may fetch what."""

import io
import re
import shutil
import subprocess
import threading
import uuid
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from pypdf import PdfReader

from tests import factories


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@pytest.fixture
def event(db):
    return factories.make_event(receipt_footer="Terima kasih telah berbelanja!")


@pytest.fixture
def booth(event):
    return factories.Booth(event, "B12", receipt_language="id", region="Gianyar")


@pytest.fixture
def other(event):
    return factories.Booth(event, "C07")


def sell(client, booth, **extra):
    body = {
        "exhibitor_id": booth.exhibitor.id,
        "items": [{"product_id": booth.product.id, "quantity": 2, "discount_percent": 10}],
        "payments": [{"method": "cash", "amount": 200_000}],
    } | extra
    headers = factories.auth_headers(client, booth.cashier) | {"Idempotency-Key": str(uuid.uuid4())}
    response = client.post("/api/v1/sales", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_the_receipt_is_kept_under_the_receipts_folder_and_served_unchanged(client, app, booth):
    sale = sell(client, booth)
    headers = factories.auth_headers(client, booth.cashier)
    first = client.get(sale["receipt_url"], headers=headers)
    assert first.status_code == 200 and first.mimetype == "application/pdf"
    kept = (
        Path(app.config["RECEIPTS_DIR"])
        / "exhibitors"
        / str(booth.exhibitor.id)
        / f"sale-{sale['id']}.pdf"
    )
    assert kept.read_bytes() == first.data
    again = client.get(sale["receipt_url"], headers=headers)
    assert again.data == first.data
    text = pdf_text(first.data)
    assert sale["receipt_number"] in text
    assert "Rp180.000" in text and "Kembalian" in text and "Rp20.000" in text  # 200,000 − 180,000
    assert "Terima kasih telah berbelanja!" in text


def test_each_format_has_its_page_size(client, booth):
    sale = sell(client, booth)
    headers = factories.auth_headers(client, booth.cashier)
    sizes = {}
    for paper in ("80mm", "58mm", "a4"):
        response = client.get(f"{sale['receipt_url']}?format={paper}", headers=headers)
        page = PdfReader(io.BytesIO(response.data)).pages[0]
        sizes[paper] = round(float(page.mediabox.width))
    assert sizes == {"80mm": 227, "58mm": 164, "a4": 595}
    bad = client.get(f"{sale['receipt_url']}?format=letter", headers=headers)
    assert bad.status_code == 422


def test_a_reprint_is_marked_as_a_copy_and_the_original_stays(client, app, booth):
    sale = sell(client, booth)
    headers = factories.auth_headers(client, booth.cashier)
    original = client.get(sale["receipt_url"], headers=headers).data
    copy = client.get(f"{sale['receipt_url']}?copy=1", headers=headers)
    text = pdf_text(copy.data)
    assert "SALINAN" in text and "dicetak" in text and "WITA" in text
    assert "SALINAN" not in pdf_text(original)
    assert client.get(sale["receipt_url"], headers=headers).data == original


def test_a_voided_sale_prints_as_void(client, booth):
    sale = sell(client, booth)
    manager = factories.auth_headers(client, booth.manager)
    client.get(sale["receipt_url"], headers=manager)  # the original, before the void
    client.post(f"/api/v1/sales/{sale['id']}/void", json={"reason": "salah"}, headers=manager)
    text = pdf_text(client.get(sale["receipt_url"], headers=manager).data)
    assert "BATAL" in text


def test_a_receipt_prints_in_the_exhibitors_receipt_language(client, event):
    english = factories.Booth(event, "E1", receipt_language="en")
    sale = sell(client, english)
    text = pdf_text(
        client.get(
            sale["receipt_url"], headers=factories.auth_headers(client, english.cashier)
        ).data
    )
    assert "Cashier" in text and "Change" in text
    assert "IDR\u00a0180,000" in text or "IDR 180,000" in text
    assert "Kasir" not in text


def test_tax_lines_print_only_for_a_tax_registered_exhibitor(client, event, booth):
    pkp = factories.Booth(
        event, "P1", tax_registered=True, tax_rate_percent=11, npwp="01.234.567.8-907.000"
    )
    taxed = pdf_text(
        client.get(
            sell(client, pkp)["receipt_url"], headers=factories.auth_headers(client, pkp.cashier)
        ).data
    )
    assert "PPN 11%" in taxed and "DPP" in taxed and "01.234.567.8-907.000" in taxed
    assert "Rp17.838" in taxed  # 180,000 − round(180,000 × 100 / 111)
    plain = pdf_text(
        client.get(
            sell(client, booth)["receipt_url"],
            headers=factories.auth_headers(client, booth.cashier),
        ).data
    )
    assert "PPN" not in plain and "DPP" not in plain


def test_the_buyers_link_works_without_an_account_and_is_not_guessable(client, booth, other):
    sale = sell(client, booth)
    token = sale["public_receipt_url"].removeprefix("/r/")
    assert len(token) >= 22 and re.fullmatch(r"[A-Za-z0-9_-]+", token)  # ≥ 128 random bits
    page = client.get(sale["public_receipt_url"])
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert sale["receipt_number"] in html and "Rp180.000" in html and 'lang="id"' in html
    assert page.headers["X-Robots-Tag"] == "noindex"
    pdf = client.get(sale["public_receipt_url"] + "/receipt.pdf")
    assert pdf.status_code == 200 and sale["receipt_number"] in pdf_text(pdf.data)
    qr = client.get(sale["public_receipt_url"] + "/qr.svg")
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml"
    for wrong in (token[:-1] + ("A" if token[-1] != "A" else "B"), "1", str(sale["id"])):
        assert client.get(f"/r/{wrong}").status_code == 404


def test_the_printed_qr_code_leads_the_buyers_phone_to_the_receipt(client, booth, tmp_path):
    if not (shutil.which("pdftoppm") and shutil.which("zbarimg")):
        pytest.skip("needs poppler-utils and zbar-tools (apt-get install poppler-utils zbar-tools)")
    sale = sell(client, booth)
    pdf = tmp_path / "receipt.pdf"
    pdf.write_bytes(
        client.get(sale["receipt_url"], headers=factories.auth_headers(client, booth.cashier)).data
    )
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(pdf), str(tmp_path / "page")], check=True)
    decoded = subprocess.run(
        ["zbarimg", "-q", "--raw", str(next(tmp_path.glob("page*.png")))],
        capture_output=True,
        text=True,
    ).stdout.strip()
    assert decoded == "http://localhost" + sale["public_receipt_url"]
    followed = client.get(decoded.removeprefix("http://localhost"))
    assert followed.status_code == 200 and sale["receipt_number"] in followed.get_data(as_text=True)


def test_the_public_address_can_be_configured_for_the_qr_code(client, app, booth):
    app.config["PUBLIC_URL"] = "https://struk.pameran.example/"
    from pos.receipts.service import public_url
    from pos.sales.models import Sale

    sale = sell(client, booth)
    stored = app.extensions["sqlalchemy"].session.get(Sale, sale["id"])
    assert (
        public_url(stored, "http://localhost/")
        == "https://struk.pameran.example" + sale["public_receipt_url"]
    )


def test_a_refund_note_is_its_own_document(client, booth):
    sale = sell(client, booth)
    manager = factories.auth_headers(client, booth.manager)
    refund = client.post(
        f"/api/v1/sales/{sale['id']}/refunds",
        json={
            "lines": [{"product_id": booth.product.id, "quantity": 1}],
            "reason": "Retak di ujung",
        },
        headers=manager,
    ).get_json()
    response = client.get(f"/api/v1/refunds/{refund['id']}/receipt.pdf", headers=manager)
    assert response.status_code == 200
    text = pdf_text(response.data)
    assert refund["refund_number"] in text and sale["receipt_number"] in text
    assert "Retak di ujung" in text and "Rp90.000" in text and "Nota pengembalian dana" in text


def test_another_booth_cannot_fetch_a_receipt_or_refund_note(client, booth, other):
    sale = sell(client, booth)
    manager = factories.auth_headers(client, booth.manager)
    refund = client.post(
        f"/api/v1/sales/{sale['id']}/refunds",
        json={"lines": [{"product_id": booth.product.id, "quantity": 1}], "reason": "x"},
        headers=manager,
    ).get_json()
    for user in (other.manager, other.cashier):
        headers = factories.auth_headers(client, user)
        assert client.get(sale["receipt_url"], headers=headers).status_code == 403
        assert (
            client.get(f"/api/v1/refunds/{refund['id']}/receipt.pdf", headers=headers).status_code
            == 403
        )
    assert client.get(sale["receipt_url"]).status_code == 401


def test_simultaneous_first_requests_never_leave_a_torn_file(client, app, booth):
    sale = sell(client, booth)
    headers = factories.auth_headers(client, booth.cashier)
    barrier = threading.Barrier(8)
    answers = []

    def fetch():
        barrier.wait()
        answers.append(FlaskClient(app).get(sale["receipt_url"], headers=headers).data)

    threads = [threading.Thread(target=fetch) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    kept = next(Path(app.config["RECEIPTS_DIR"]).rglob(f"sale-{sale['id']}.pdf")).read_bytes()
    assert kept.startswith(b"%PDF") and kept.rstrip().endswith(b"%%EOF")
    for answer in answers:
        assert sale["receipt_number"] in pdf_text(answer)
    assert not list(Path(app.config["RECEIPTS_DIR"]).rglob(".*"))  # no temporary file left
