"""Price tags: an A4 sheet whose barcodes scan back to the SKUs the register knows."""

import io
import shutil
import subprocess

import pytest
from pypdf import PdfReader

from tests import factories


@pytest.fixture
def booth(db):
    return factories.Booth(factories.make_event(), "A03")


def test_tags_show_name_price_and_sku_and_a_painting_gets_the_large_tag(client, booth):
    headers = factories.auth_headers(client, booth.manager)
    response = client.get(f"/api/v1/products/labels.pdf?exhibitor_id={booth.exhibitor.id}", headers=headers)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    assert [round(float(p.mediabox.width)) for p in reader.pages] == [595, 595]  # A4: small tags, then large
    small, large = (page.extract_text() for page in reader.pages)
    assert booth.product.name in small and booth.product.sku in small and "Rp100.000" in small
    assert booth.painting.name in large and "I Made" in large and "Oil" in large


def test_only_the_chosen_products_get_tags(client, booth):
    headers = factories.auth_headers(client, booth.manager)
    url = f"/api/v1/products/labels.pdf?exhibitor_id={booth.exhibitor.id}&ids={booth.product.id}"
    reader = PdfReader(io.BytesIO(client.get(url, headers=headers).data))
    assert len(reader.pages) == 1 and booth.painting.name not in reader.pages[0].extract_text()
    foreign = factories.Booth(booth.exhibitor.event, "Z9")
    mixed = f"/api/v1/products/labels.pdf?exhibitor_id={booth.exhibitor.id}&ids={foreign.product.id}"
    assert client.get(mixed, headers=headers).status_code == 404


def test_another_booth_and_cashiers_cannot_print_tags(client, booth):
    other = factories.Booth(booth.exhibitor.event, "B12")
    url = f"/api/v1/products/labels.pdf?exhibitor_id={booth.exhibitor.id}"
    assert client.get(url, headers=factories.auth_headers(client, other.manager)).status_code == 403
    assert client.get(url, headers=factories.auth_headers(client, booth.cashier)).status_code == 403


def test_the_barcodes_scan_back_to_the_skus(client, booth, tmp_path):
    if not (shutil.which("pdftoppm") and shutil.which("zbarimg")):
        pytest.skip("needs poppler-utils and zbar-tools (apt-get install poppler-utils zbar-tools)")
    headers = factories.auth_headers(client, booth.manager)
    pdf = tmp_path / "tags.pdf"
    pdf.write_bytes(client.get(f"/api/v1/products/labels.pdf?exhibitor_id={booth.exhibitor.id}", headers=headers).data)
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(pdf), str(tmp_path / "sheet")], check=True)
    found = set()
    for image in sorted(tmp_path.glob("sheet*.png")):
        out = subprocess.run(["zbarimg", "-q", "--raw", str(image)], capture_output=True, text=True).stdout
        found |= set(out.split())
    assert found == {booth.product.sku, booth.painting.sku}
