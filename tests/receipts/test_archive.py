"""The kept originals of receipts and refund notes belong to their sale and its exhibitor:
a booth code renamed and given to another exhibitor never serves the first exhibitor's
documents to the second (its manager, or its buyer's /r/<token> link)."""

from pathlib import Path

import pytest

from tests import factories
from tests.factories import sell
from tests.pdftext import pdf_text


@pytest.fixture
def event(db):
    return factories.make_event()


@pytest.fixture
def organizer(event):
    return factories.make_user("organizer")


def refund(client, booth, sale: dict) -> dict:
    response = client.post(
        f"/api/v1/sales/{sale['id']}/refunds",
        json={
            "lines": [{"product_id": booth.product.id, "quantity": 1}],
            "restock": True,
            "reason": "Ukuran tidak cocok",
        },
        headers=factories.auth_headers(client, booth.manager),
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def documents(client, booth, sale: dict, refunded: dict) -> dict[str, str]:
    """The text of each way a document of the sale is fetched: the manager's receipt,
    the buyer's link, and the refund note."""
    headers = factories.auth_headers(client, booth.manager)
    answers = {
        "manager": client.get(sale["receipt_url"], headers=headers),
        "buyer": client.get(sale["public_receipt_url"] + "/receipt.pdf"),
        "refund": client.get(f"/api/v1/refunds/{refunded['id']}/receipt.pdf", headers=headers),
    }
    for answer in answers.values():
        assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    return {how: pdf_text(answer.data) for how, answer in answers.items()}


def test_a_reused_booth_code_serves_each_exhibitor_its_own_receipts(client, app, event, organizer):
    silver = factories.Booth(event, "D02", name="Perak Celuk Wayan")
    first_sale = sell(client, silver)
    first_refund = refund(client, silver, first_sale)
    first = documents(client, silver, first_sale, first_refund)  # kept from now on
    assert all("Perak Celuk Wayan" in text for text in first.values())

    renamed = client.patch(
        f"/api/v1/exhibitors/{silver.exhibitor.id}",
        json={"booth": "D09"},
        headers=factories.auth_headers(client, organizer),
    )
    assert renamed.status_code == 200, renamed.get_json()
    weaver = factories.Booth(event, "D02", name="Tenun Ikat Sidemen")
    second_sale = sell(client, weaver)
    second_refund = refund(client, weaver, second_sale)
    # The same numbers as the first exhibitor's documents: numbers are per exhibitor.
    assert second_sale["receipt_number"] == first_sale["receipt_number"] == "D02-000001"
    assert second_refund["refund_number"] == first_refund["refund_number"]

    second = documents(client, weaver, second_sale, second_refund)
    for how, text in second.items():
        assert "Tenun Ikat Sidemen" in text, how
        assert "Perak Celuk Wayan" not in text, how
    again = documents(client, silver, first_sale, first_refund)
    for how, text in again.items():
        assert "Perak Celuk Wayan" in text, how
        assert "Tenun Ikat Sidemen" not in text, how


def test_the_archive_is_kept_by_exhibitor_and_sale_id(client, app, event):
    booth = factories.Booth(event, "D03")
    sale = sell(client, booth)
    headers = factories.auth_headers(client, booth.manager)
    served = client.get(sale["receipt_url"] + "?format=58mm", headers=headers)
    folder = Path(app.config["RECEIPTS_DIR"]) / "exhibitors" / str(booth.exhibitor.id)
    assert (folder / f"sale-{sale['id']}-58mm.pdf").read_bytes() == served.data


def test_an_archive_kept_under_the_old_booth_code_name_is_not_served(client, app, event):
    """Before, originals were kept as <event>/<booth>/<receipt number>.pdf, which a reused
    booth code makes ambiguous: such a file is never read again; the receipt is drawn
    from the sale itself and kept under its new name."""
    booth = factories.Booth(event, "D04", name="Bambu Bangli")
    sale = sell(client, booth)
    stranger = factories.Booth(event, "D05", name="Ukiran Mas")
    stranger_sale = sell(client, stranger)
    stale = (
        Path(app.config["RECEIPTS_DIR"]) / str(event.id) / "D04" / f"{sale['receipt_number']}.pdf"
    )
    stale.parent.mkdir(parents=True)
    stale.write_bytes(client.get(stranger_sale["public_receipt_url"] + "/receipt.pdf").data)

    text = pdf_text(client.get(sale["public_receipt_url"] + "/receipt.pdf").data)
    assert "Bambu Bangli" in text and "Ukiran Mas" not in text
