"""The catalogue in a real browser on a tablet: the manager photographs a ring into its
product form and a pair of earrings with the product page's quick photo, the register
shows the thumbnails in the grid and the item's details with its attributes, and an item
at its low-stock threshold is flagged on the tile."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from PIL import Image

from tests.browser import TABLET, PageProblems, sign_in, sign_out
from tests.servers import bearer, call, served

pytestmark = pytest.mark.browser

RING = "SR-925-01"  # Cincin Perak Motif Jawan: material Silver 925, 6.5 g
EARRINGS = "SE-925-20"  # Anting Perak Bunga Jepun, 20 in stock


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    with served(tmp_path_factory.mktemp("catalogue")) as (base, _log):
        yield base


def camera_photo(path) -> None:
    """A 1600 × 1200 JPEG, as a tablet camera would save it (smaller)."""
    image = Image.new("RGB", (1600, 1200), (192, 192, 200))
    image.paste((120, 120, 135), (500, 300, 1100, 900))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    path.write_bytes(out.getvalue())


def product(server, sku: str) -> dict:
    manager = bearer(server, "manager-b12")
    _, products = call(server, "GET", f"/api/v1/products?q={sku}", headers=manager)
    return next(p for p in products["items"] if p["sku"] == sku)


def test_a_photo_taken_in_the_product_form_shows_in_the_register_with_the_details(
    browser, server, tmp_path
):
    photo = tmp_path / "IMG_0001.jpg"
    camera_photo(photo)
    ring = product(server, RING)["id"]
    earrings = product(server, EARRINGS)
    status, _ = call(
        server,
        "PATCH",
        f"/api/v1/products/{earrings['id']}",
        {"low_stock_threshold": earrings["stock"]},
        headers=bearer(server, "manager-b12"),
    )
    assert status == 200

    context = browser.new_context(**TABLET, locale="id-ID")
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        problems = PageProblems(page)
        sign_in(page, server, "manager-b12")
        page.wait_for_url(lambda url: "/login" not in url)
        page.goto(f"{server}/products/{ring}/edit")
        page.set_input_files('input[name="photo"]', str(photo))
        page.tap('main form button[type="submit"]')
        page.wait_for_url(f"{server}/products/{ring}")
        shown = page.locator("img.product-photo")
        shown.wait_for()
        assert shown.evaluate("img => img.complete && img.naturalWidth") == 1280
        page.screenshot(path=str(tmp_path / "product.png"), full_page=True)

        # The quick photo on the product page: choosing the file saves it at once.
        page.goto(f"{server}/products/{earrings['id']}")
        page.set_input_files("#quick-photo", str(photo))
        page.wait_for_selector("img.product-photo")
        assert page.locator(".flash-success").count() == 1
        page.screenshot(path=str(tmp_path / "quick-photo.png"))

        page.goto(f"{server}/register")
        tile = page.locator(f'.product-tile[data-sku="{RING}"]')
        tile.wait_for()
        thumb = tile.locator("img.tile-photo")
        thumb.wait_for()
        page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=thumb.element_handle()
        )
        assert thumb.evaluate("img => img.naturalWidth") == 320

        low = page.locator(f'.product-tile[data-sku="{EARRINGS}"]')
        assert "low-stock" in low.get_attribute("class")
        assert low.locator(".tile-stock").inner_text() == f"Tinggal {earrings['stock']}"
        page.screenshot(path=str(tmp_path / "register.png"))

        page.tap(f'.tile-info[data-sku="{RING}"]')
        sheet = page.locator("#item")
        sheet.wait_for(state="visible")
        assert page.locator("#item-name").inner_text() == "Cincin Perak Motif Jawan"
        facts = page.locator("#item-facts").inner_text()
        assert "Silver 925" in facts and "6.5" in facts
        assert page.locator("#item-photo").evaluate("img => !img.hidden && img.naturalWidth")
        page.screenshot(path=str(tmp_path / "item.png"))
        page.tap("#item-add")
        assert page.locator(f'.cart-line[data-product-id="{ring}"]').count() == 1

        # Searching by an attribute finds the item: "925" is in the material, not the name.
        page.tap("#item-close") if sheet.is_visible() else None
        page.fill("#search", "silver 925")
        assert page.locator(f'.product-tile[data-sku="{RING}"]').is_visible()
        sign_out(page)
        assert problems.seen == []
    finally:
        context.close()
