"""Price tags: A4 sheets filled with the tags of what is on sale, whose barcodes scan
back to the SKUs the register knows."""

import io
import shutil
import subprocess

import pytest
from pypdf import PdfReader

from pos.inventory import service as inventory_service
from pos.receipts.tags import Tag, render_tags
from tests import factories

MM = 72 / 25.4  # PDF points per millimetre


@pytest.fixture
def booth(db):
    return factories.Booth(factories.make_event(), "A03")


def _skus_at(data: bytes) -> list[dict[str, tuple[float, float]]]:
    """Per page, each tag's SKU (printed centred under its barcode) and where it is
    printed, in millimetres from the page's lower left corner."""
    pages = []
    for page in PdfReader(io.BytesIO(data)).pages:
        found = {}

        def visit(text, cm, tm, _font, _size, found=found):
            if text.startswith("SKU-"):
                found[text.strip()] = (tm[4] / MM, tm[5] / MM)

        page.extract_text(visitor_text=visit)
        pages.append(found)
    return pages


def _tag(n: int, large: bool = False) -> Tag:
    return Tag(name=f"Tag {n}", sku=f"SKU-{n:02d}", price=100_000, exhibitor="Booth", large=large)


def _centred_x(sku: str, x_centre_mm: float, size: float = 7) -> float:
    """Where drawCentredString starts a SKU whose centre is at x_centre_mm (7 pt on the
    small tags, 8 pt on the large)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from pos.receipts.pdf import FONT, register_fonts

    register_fonts()
    return x_centre_mm - stringWidth(sku, FONT, size) / 2 / MM


def _near(found: tuple[float, float], expected: tuple[float, float]) -> bool:
    """The same place, to a tenth of a millimetre."""
    return all(abs(a - b) < 0.1 for a, b in zip(found, expected, strict=True))


def test_nine_tags_and_three_paintings_share_one_sheet_paintings_below():
    """The small grid is the 3 × 7 label sheet's (63.5 × 38.1 mm, 9.75 mm from the left,
    15.15 mm from the top); the paintings' 99.1 × 67.7 mm tags start under the last
    small row, 5.9 mm from the left."""
    tags = [_tag(n) for n in range(9)] + [_tag(n, large=True) for n in range(9, 12)]
    pages = _skus_at(render_tags(tags, currency="IDR", locale="id"))
    assert len(pages) == 1
    expected, sizes = {}, {f"SKU-{n:02d}": 7 if n < 9 else 8 for n in range(12)}
    for n in range(9):  # rows 1-3 of three; the SKU sits 3 mm above the tag's bottom
        column, row = n % 3, n // 3
        centre = 9.75 + column * 63.5 + 63.5 / 2
        expected[f"SKU-{n:02d}"] = (centre, 281.85 - (row + 1) * 38.1 + 3)
    for n in range(9, 12):  # two to a row under 3 × 38.1 mm; the SKU 5 mm above the bottom
        column, row = (n - 9) % 2, (n - 9) // 2
        centre = 5.9 + column * 99.1 + 99.1 / 2
        expected[f"SKU-{n:02d}"] = (centre, 281.85 - 3 * 38.1 - (row + 1) * 67.7 + 5)
    assert sorted(pages[0]) == sorted(expected)
    for sku, (x, y) in expected.items():
        assert _near(pages[0][sku], (_centred_x(sku, x, sizes[sku]), y)), (sku, pages[0][sku])


def test_a_full_sheet_of_tags_sends_the_painting_to_the_next_sheets_top():
    tags = [_tag(n) for n in range(21)] + [_tag(21, large=True)]
    pages = _skus_at(render_tags(tags, currency="IDR", locale="id"))
    assert [len(page) for page in pages] == [21, 1]
    assert _near(pages[0]["SKU-20"], (_centred_x("SKU-20", 9.75 + 2 * 63.5 + 31.75), 18.15))
    assert _near(pages[1]["SKU-21"], (_centred_x("SKU-21", 5.9 + 99.1 / 2, 8), 281.85 - 62.7))


def test_on_label_sheets_each_size_keeps_its_own_grid_and_pages():
    tags = [_tag(n) for n in range(9)] + [_tag(n, large=True) for n in range(9, 12)]
    pages = _skus_at(render_tags(tags, currency="IDR", locale="id", sheet="labels"))
    assert [sorted(page) for page in pages] == [
        [f"SKU-{n:02d}" for n in range(9)],
        ["SKU-09", "SKU-10", "SKU-11"],
    ]
    # The 2 × 4 sheet's grid is centred: 13.1 mm from the top.
    assert abs(pages[1]["SKU-09"][1] - (297 - 13.1 - 67.7 + 5)) < 0.1


def test_tags_show_name_price_and_sku_and_a_painting_gets_the_large_tag(client, booth):
    headers = factories.auth_headers(client, booth.manager)
    url = f"/api/v1/products/labels.pdf?exhibitor_id={booth.exhibitor.id}"
    response = client.get(url, headers=headers)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    assert [round(float(p.mediabox.width)) for p in reader.pages] == [595]  # one A4 sheet
    text = reader.pages[0].extract_text()
    assert booth.product.name in text and booth.product.sku in text and "Rp100.000" in text
    assert booth.painting.name in text and "I Made" in text and "Oil" in text
    labels = PdfReader(io.BytesIO(client.get(url + "&sheet=labels", headers=headers).data))
    assert len(labels.pages) == 2  # the 3 × 7 sheet, then the 2 × 4 one


def test_only_what_is_on_sale_gets_a_tag_unless_asked(client, db, booth):
    event = booth.exhibitor.event
    organizer = factories.make_user("organizer")
    sold_out = factories.make_product(booth.exhibitor, booth.manager, sku="A03-OUT", stock=0)
    event.requires_curation = True
    db.session.commit()
    pending = factories.make_product(booth.exhibitor, booth.manager, sku="A03-NEW")
    rejected = factories.make_product(booth.exhibitor, booth.manager, sku="A03-NO")
    inventory_service.review_product(organizer, rejected, "reject", "Foto buram")
    db.session.commit()
    headers = factories.auth_headers(client, booth.manager)
    url = f"/api/v1/products/labels.pdf?exhibitor_id={booth.exhibitor.id}"

    def printed(query=""):
        response = client.get(url + query, headers=headers)
        assert response.status_code == 200, response.get_json()
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
        skus = ("A03-1", "A03-ART", "A03-OUT", "A03-NEW", "A03-NO")
        return sorted(s for s in skus if f"\n{s}\n" in f"\n{text}\n")

    assert printed() == ["A03-1", "A03-ART"]
    assert printed("&include_unsellable=1") == ["A03-1", "A03-ART", "A03-NEW", "A03-NO", "A03-OUT"]
    only_unsellable = f"&ids={sold_out.id},{pending.id}"
    refused = client.get(url + only_unsellable, headers=headers)
    assert refused.status_code == 422 and refused.get_json()["error"] == "nothing_to_print"
    assert printed(only_unsellable + "&include_unsellable=1") == ["A03-NEW", "A03-OUT"]


def test_only_the_chosen_products_get_tags(client, booth):
    headers = factories.auth_headers(client, booth.manager)
    url = f"/api/v1/products/labels.pdf?exhibitor_id={booth.exhibitor.id}&ids={booth.product.id}"
    reader = PdfReader(io.BytesIO(client.get(url, headers=headers).data))
    assert len(reader.pages) == 1 and booth.painting.name not in reader.pages[0].extract_text()
    foreign = factories.Booth(booth.exhibitor.event, "Z9")
    mixed = (
        f"/api/v1/products/labels.pdf?exhibitor_id={booth.exhibitor.id}&ids={foreign.product.id}"
    )
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
    url = f"/api/v1/products/labels.pdf?exhibitor_id={booth.exhibitor.id}"
    pdf.write_bytes(client.get(url, headers=headers).data)
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(pdf), str(tmp_path / "sheet")], check=True)
    found = set()
    for image in sorted(tmp_path.glob("sheet*.png")):
        out = subprocess.run(
            ["zbarimg", "-q", "--raw", str(image)], capture_output=True, text=True
        ).stdout
        found |= set(out.split())
    assert found == {booth.product.sku, booth.painting.sku}
