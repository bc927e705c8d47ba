"""The printed reports' layout, without an app: the lines to sign never stand alone on
a page. Read back with pdftotext, page by page."""

from __future__ import annotations

import re

import pytest

from pos.reports.pdf import render_daily_summary
from tests.pdftext import pages

WORDS = {
    key: key.replace("_", " ").capitalize()
    for key in ("title", "net", "gross", "discounts", "refunds", "voids", "tax", "transactions",
                "items_sold", "by_hour", "by_category", "by_payment_method", "sku", "product",
                "quantity", "amount")
} | {"signature": "Manager's signature: ________", "printed": "Printed Dec 1, 2026"}  # fmt: skip


def _summary(products: int) -> dict:
    """A day of ``products`` products, one sold of each, in two categories."""
    return {
        "exhibitor_id": 1, "booth": "B12", "name": "Perak Celuk", "event": "Pameran",
        "date": "2026-12-01", "date_label": "Tuesday, December 1, 2026", "currency": "IDR",
        "transactions": products, "items_sold": products, "gross": products * 75_000,
        "discounts": 0, "voids": 0, "refunds": 0, "tax": 0, "net": products * 75_000,
        "by_payment_method": {"cash": products * 75_000},
        "by_category": {"jewellery": products * 50_000, "craft": products * 25_000},
        "by_product": [
            {"product_id": n, "sku": f"SKU-{n:03d}", "name": f"Gelang {n}", "quantity": 1,
             "amount": 75_000}
            for n in range(products)
        ],
        "by_hour": [{"hour": 10, "transactions": products, "amount": products * 75_000}],
    }  # fmt: skip


def _layout(products: int) -> list[tuple[list[str], bool]]:
    """Per page: the SKUs printed on it, and whether the signature line is."""
    data = render_daily_summary(_summary(products), WORDS, "en")
    return [(re.findall(r"SKU-\d{3}", page), "Manager's signature" in page) for page in pages(data)]


def _skus(start: int, stop: int) -> list[str]:
    return [f"SKU-{n:03d}" for n in range(start, stop)]


@pytest.mark.parametrize(
    ("products", "expected"),
    [
        # Twelve products and the signature fit on the page.
        (12, [(_skus(0, 12), True)]),
        # Thirteen do not: the last three go over with the signature (it used to go alone).
        (13, [(_skus(0, 10), False), (_skus(10, 13), True)]),
        (15, [(_skus(0, 12), False), (_skus(12, 15), True)]),
        # A longer table breaks where the page ends, and still ends with the signature.
        (18, [(_skus(0, 15), False), (_skus(15, 18), True)]),
    ],
)
def test_the_signature_goes_over_to_a_new_page_only_with_the_tables_last_rows(products, expected):
    assert _layout(products) == expected


def test_a_long_day_flows_over_pages_and_signs_at_the_end():
    layout = _layout(60)
    assert [len(skus) for skus, _signed in layout] == [15, 42, 3]
    assert [signed for _skus, signed in layout] == [False, False, True]
    assert sum((skus for skus, _signed in layout), []) == _skus(0, 60)
