"""The register in a real browser on a touch tablet: ring up two items, pay split
QRIS and cash, see the change, start the next sale; a checkout whose reply is lost on
the way back, or that never answers, is kept on the tablet and recorded exactly once."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.browser import TABLET, PageProblems, sign_in
from tests.servers import bearer, call, served

pytestmark = pytest.mark.browser

RING = "SR-925-01"  # Cincin Perak Motif Jawan, Rp450.000
EARRINGS = "SE-925-20"  # Anting Perak Bunga Jepun, Rp385.000


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    with served(tmp_path_factory.mktemp("register")) as (base, _log):
        yield base


def b12_sales(server) -> list[dict]:
    manager = bearer(server, "manager-b12")
    _, exhibitors = call(server, "GET", "/api/v1/exhibitors", headers=manager)
    b12 = next(e["id"] for e in exhibitors["items"] if e["booth"] == "B12")
    _, sales = call(server, "GET", f"/api/v1/sales?exhibitor_id={b12}", headers=manager)
    return sales["items"]


def register_page(context, server, username, password="demo", language=None):
    """A signed-in register, ready (its catalogue, shift and device known)."""
    page = context.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, server, username, password)
    if language:
        page.tap(f'form.lang button[value="{language}"]')
    page.wait_for_selector("#register[data-ready]")
    return page


def ring_up(page) -> None:
    page.wait_for_selector(f'.product-tile[data-sku="{RING}"]')
    page.tap(f'.product-tile[data-sku="{RING}"]')
    page.tap(f'.product-tile[data-sku="{EARRINGS}"]')
    assert page.locator("#total").inner_text() == "Rp835.000"
    page.tap("#pay")


def pay_split_qris_then_cash(page) -> None:
    page.tap('.method[data-method="qris"]')
    page.fill("#amount", "500000")
    page.fill("#reference", "QR-TAB-1")
    page.tap("#add-payment")
    page.tap('.method[data-method="cash"]')
    assert page.locator("#due").inner_text() == "Rp335.000"
    page.tap('#quick-cash button:has-text("Rp350.000")')
    assert page.locator("#due-label").inner_text() == "Kembalian"
    assert page.locator("#due").inner_text() == "Rp15.000"


def test_cashier_rings_up_two_items_pays_split_and_sees_the_change(browser, server, tmp_path):
    before = len(b12_sales(server))
    context = browser.new_context(**TABLET, locale="id-ID")
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        problems = PageProblems(page)
        sign_in(page, server, "cashier-b12")
        page.wait_for_url(re.compile(r"/register$"))
        ring_up(page)
        pay_split_qris_then_cash(page)
        page.screenshot(path=str(tmp_path / "register-checkout.png"))
        page.tap("#complete")
        page.wait_for_selector("#done[open]")
        assert page.locator("#done-change").inner_text() == "Rp15.000"
        number = page.locator("#done-number").inner_text()
        assert re.search(r"B12-\d{6}$", number)
        page.screenshot(path=str(tmp_path / "register-done.png"))
        page.tap("#new-sale")
        assert page.locator("#cart-lines li").count() == 0
        assert page.locator("#pay").is_disabled()
        assert problems.seen == []
    finally:
        context.close()

    sales = b12_sales(server)
    assert len(sales) == before + 1
    sale = sales[-1]
    assert sale["receipt_number"] == number.split()[-1]
    assert [(p["method"], p["amount"], p["change"]) for p in sale["payments"]] == [
        ("qris", 500_000, 0),
        ("cash", 350_000, 15_000),
    ]
    assert sale["payments"][0]["reference"] == "QR-TAB-1"
    assert (sale["total"], sale["change"]) == (835_000, 15_000)


def test_a_checkout_whose_reply_is_lost_is_kept_on_the_tablet_and_recorded_once(
    browser, server, tmp_path
):
    # Issue: the answer lost, the cashier changed the payment and completed again: two
    # sales. Now the sale, whose fate the register does not know, goes to the tablet's
    # outbox unchanged (with its buyer token); the cart cannot change it any more, and
    # the sender settles it with the server: one sale.
    before = len(b12_sales(server))
    context = browser.new_context(**TABLET, locale="id-ID")
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        sign_in(page, server, "cashier-b12")
        page.wait_for_url(re.compile(r"/register$"))
        ring_up(page)
        pay_split_qris_then_cash(page)
        lost = []

        def lose_the_reply(route):
            # The request reaches the server, which records the sale; the answer is lost.
            response = route.fetch()
            lost.append(response.status)
            route.abort("connectionreset")

        page.route("**/api/v1/sales", lose_the_reply, times=1)
        page.tap("#complete")
        page.wait_for_selector("#done[open]")
        assert lost == [201]
        assert re.fullmatch(r"B12-T\d+-0001", page.locator("#done-number").inner_text())
        assert page.locator("#done-change").inner_text() == "Rp15.000"
        page.screenshot(path=str(tmp_path / "register-answer-lost.png"))
        page.tap("#new-sale")
        assert page.locator("#cart-lines li").count() == 0
        page.wait_for_selector('#outbox[data-count="0"]', state="attached")
    finally:
        context.close()

    sales = b12_sales(server)
    assert len(sales) == before + 1
    recorded = sales[-1]
    assert recorded["total"] == 835_000
    assert re.fullmatch(r"B12-T\d+-0001", recorded["offline_number"])
    assert [(p["method"], p["amount"]) for p in recorded["payments"]] == [
        ("qris", 500_000),
        ("cash", 350_000),
    ]


def test_a_checkout_that_never_answers_times_out_into_the_outbox(browser, server, tmp_path):
    # Issue: a request that never answered left "Recording the sale…" forever.
    before = len(b12_sales(server))
    context = browser.new_context(**TABLET, locale="en-US")
    try:
        page = context.new_page()
        page.set_default_timeout(20_000)
        sign_in(page, server, "cashier-b12")
        page.wait_for_url(re.compile(r"/register$"))
        page.wait_for_selector(f'.product-tile[data-sku="{RING}"]')
        page.tap(f'.product-tile[data-sku="{RING}"]')
        page.tap("#pay")
        stalled = []
        page.route("**/api/v1/sales", lambda route: stalled.append(route), times=1)
        page.tap("#complete")
        page.wait_for_selector("#done[open]")
        assert len(stalled) == 1  # it never answered; the register went on after its wait
        assert page.locator("#done-offline").is_visible()
        page.tap("#new-sale")
        page.wait_for_selector('#outbox[data-count="0"]', state="attached")
    finally:
        context.close()
    sales = b12_sales(server)
    assert len(sales) == before + 1
    assert sales[-1]["lines"][0]["sku"] == RING


@pytest.mark.parametrize(
    "viewport",
    [(1280, 800), (800, 1280), (390, 844)],
    ids=["landscape-tablet", "portrait-tablet", "phone"],
)
def test_the_total_and_pay_stay_in_sight_with_a_long_cart_on_every_screen(
    browser, server, tmp_path, viewport
):
    # Issue: in portrait Pay sat below the whole grid (y≈1,400); in landscape with 5+
    # lines the total and Pay scrolled out of view inside the cart.
    width, height = viewport
    context = browser.new_context(
        viewport={"width": width, "height": height}, has_touch=True, is_mobile=width < 500
    )
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        sign_in(page, server, "cashier-c07")
        page.wait_for_selector("#register[data-ready]")
        skus = page.eval_on_selector_all(
            ".product-tile:not([disabled])", "tiles => tiles.map(t => t.dataset.sku)"
        )[:7]
        for sku in skus:
            tile = page.locator(f'.product-tile[data-sku="{sku}"]')
            tile.scroll_into_view_if_needed()
            tile.tap()
        assert page.locator("#cart-lines li").count() == 7
        page.screenshot(path=str(tmp_path / f"register-{width}x{height}.png"))
        for selector in ("#total", "#pay"):
            box = page.locator(selector).bounding_box()
            assert box["y"] >= 0 and box["y"] + box["height"] <= height, (selector, box)
        # Every tile can still be reached and tapped: scrolled to the end (the page in
        # portrait, the catalogue beside the cart in landscape), the cart covers none.
        page.evaluate(
            "() => { window.scrollTo(0, document.documentElement.scrollHeight);"
            " const c = document.querySelector('.catalogue'); c.scrollTop = c.scrollHeight; }"
        )
        box = page.locator(".product-tile").last.bounding_box()
        hit = page.evaluate(
            "([x, y]) => document.elementFromPoint(x, y)?.closest('.product-cell') !== null",
            [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2],
        )
        assert hit
        info = page.locator(".tile-info").first.bounding_box()
        assert info["width"] >= 44 and info["height"] >= 44
        page.tap("#clear")
    finally:
        context.close()


def test_the_cart_survives_a_reload_and_the_language_switch(browser, server):
    context = browser.new_context(**TABLET, locale="id-ID")
    try:
        page = register_page(context, server, "cashier-b12")
        page.tap(f'.product-tile[data-sku="{RING}"]')
        page.tap(f'.product-tile[data-sku="{EARRINGS}"]')
        page.reload()
        page.wait_for_selector("#register[data-ready]")
        assert page.locator("#cart-lines li").count() == 2
        page.tap('form.lang button[value="en"]')
        page.wait_for_selector("#register[data-ready]")
        assert page.locator("#cart-lines li").count() == 2
        assert page.locator("#total").inner_text() == "IDR\u00a0835,000"
        page.tap("#clear")
        page.reload()
        page.wait_for_selector("#register[data-ready]")
        assert page.locator("#cart-lines li").count() == 0
    finally:
        context.close()


def test_an_unknown_scanned_code_is_named_and_the_field_is_ready_for_the_next(browser, server):
    context = browser.new_context(**TABLET, locale="en-US")
    try:
        page = register_page(context, server, "cashier-b12", language="en")
        tiles = page.locator(".product-tile").count()
        page.fill("#search", "XYZ-999")
        page.press("#search", "Enter")
        assert page.locator("#catalogue-message").inner_text() == (
            "No product with SKU XYZ-999 at this booth."
        )
        assert page.locator("#search").input_value() == ""
        assert page.locator(".product-tile").count() == tiles
        page.type("#search", RING)
        page.press("#search", "Enter")
        assert page.locator("#cart-lines li").count() == 1
        page.tap("#clear")
    finally:
        context.close()


def test_a_sale_refused_for_stock_names_the_product_and_marks_its_line(browser, server):
    tablets = [browser.new_context(**TABLET, locale="en-US") for _ in range(2)]
    try:
        pages = []
        for tablet in tablets:
            pages.append(register_page(tablet, server, "cashier-b12", language="en"))
        one_of_a_kind = pages[0].eval_on_selector_all(
            ".product-tile:not([disabled])",
            "tiles => tiles.filter(t => t.querySelector('.tile-stock').textContent"
            " .startsWith('Only 1')).map(t => t.dataset.sku)",
        )[0]
        for page in pages:
            page.tap(f'.product-tile[data-sku="{one_of_a_kind}"]')
        pages[0].tap("#pay")
        pages[0].tap("#complete")
        pages[0].wait_for_selector("#done[open]")
        pages[1].tap("#pay")
        pages[1].tap("#complete")
        error = pages[1].locator("#checkout-error")
        error.wait_for()
        name = pages[1].locator(".cart-line .line-name").first.inner_text().splitlines()[0]
        assert f"only 0 of {name} left" in error.inner_text()
        assert pages[1].locator(".cart-line.refused").count() == 1
    finally:
        for tablet in tablets:
            tablet.close()


def test_when_the_session_ends_the_register_asks_to_sign_in_and_keeps_the_cart(browser, server):
    context = browser.new_context(**TABLET, locale="en-US")
    try:
        page = register_page(context, server, "cashier-b12", language="en")
        page.tap(f'.product-tile[data-sku="{EARRINGS}"]')
        context.clear_cookies()  # signed out elsewhere, or the session expired
        page.tap("#pay")
        page.tap("#complete")
        page.wait_for_selector("#connection:not([hidden])")
        assert "Your session has ended" in page.locator("#connection-text").inner_text()
        assert "Authorization" not in page.content()
        page.tap("#sign-in-again")
        page.fill('input[name="username"]', "cashier-b12")
        page.fill('input[name="password"]', "demo")
        page.tap('main form button[type="submit"]')
        page.wait_for_selector("#register[data-ready]")
        assert page.locator("#cart-lines li").count() == 1
        page.tap("#clear")
    finally:
        context.close()


def test_the_first_sale_of_a_closed_register_asks_its_float_once_and_discounts_in_a_dialog(
    browser, server
):
    # Issue: "Shift not opened" showed, yet checkout worked and that cash was in no drawer
    # count; discounts and the float were typed into window.prompt.
    manager = bearer(server, "manager-b12")
    _, exhibitors = call(server, "GET", "/api/v1/exhibitors", headers=manager)
    b12 = next(e["id"] for e in exhibitors["items"] if e["booth"] == "B12")
    _, shifts = call(server, "GET", f"/api/v1/shifts?exhibitor_id={b12}", headers=manager)
    for shift in shifts["items"]:
        call(
            server,
            "POST",
            f"/api/v1/shifts/{shift['id']}/close",
            {"counted_cash": shift["expected_cash"]},
            headers=manager,
        )
    context = browser.new_context(**TABLET, locale="id-ID")
    try:
        page = context.new_page()
        page.on("dialog", lambda dialog: pytest.fail(f"a browser prompt: {dialog.message}"))
        sign_in(page, server, "cashier-b12")
        page.tap('form.lang button[value="id"]')
        page.wait_for_selector("#register[data-ready]")
        page.tap(f'.product-tile[data-sku="{RING}"]')
        page.tap(".cart-line .link-button >> nth=0")  # the line's discount
        page.tap('#discount-quick button[data-value="5%"]')
        assert page.locator("#cart-lines .line-total").first.inner_text().startswith("Rp427.500")
        page.tap("#pay")
        page.locator("#shift-dialog").wait_for()
        page.fill("#shift-float", "200.000")
        page.tap("#shift-open-confirm")
        page.locator("#checkout").wait_for()
        page.tap('.method[data-method="qris"]')
        assert not page.locator("#quick-cash").is_visible()  # no cash notes for QRIS
        page.tap('.method[data-method="cash"]')
        page.tap("#quick-cash button >> nth=0")
        page.tap("#complete")
        page.wait_for_selector("#done[open]")
        page.tap("#new-sale")
        page.tap(f'.product-tile[data-sku="{EARRINGS}"]')
        page.tap("#pay")
        assert not page.locator("#shift-dialog").is_visible()  # asked once
        page.tap("#checkout-back")
        page.tap("#clear")
    finally:
        context.close()
    _, shifts = call(server, "GET", f"/api/v1/shifts?exhibitor_id={b12}", headers=manager)
    assert [(s["opening_float"], s["expected_cash"]) for s in shifts["items"]] == [
        (200_000, 627_500)
    ]


def test_a_new_booth_is_told_how_to_start_and_its_products_sort_as_people_count(browser, server):
    # Issue: a booth with no products showed an empty grid with no hint; the grid sorted
    # names as text ("326, 350, 374, 38").
    organizer = bearer(server, "organizer")
    _, booth = call(
        server, "POST", "/api/v1/exhibitors", {"name": "Galeri Baru", "booth": "Z99"}, organizer
    )
    password = "a-long-password-9"
    call(
        server,
        "POST",
        "/api/v1/users",
        {
            "username": "cashier-z99",
            "password": password,
            "role": "cashier",
            "exhibitor_id": booth["id"],
            "locale": "en",
        },
        organizer,
    )
    context = browser.new_context(**TABLET, locale="en-US")
    try:
        page = context.new_page()
        sign_in(page, server, "cashier-z99", password)
        page.wait_for_selector("#register[data-ready]")
        assert page.locator("#catalogue-message").inner_text() == (
            "This booth has no products on sale yet. Add them under Products."
        )
        for number in (374, 38, 350, 326):
            status, _ = call(
                server,
                "POST",
                "/api/v1/products",
                {
                    "exhibitor_id": booth["id"],
                    "sku": f"PC-{number}",
                    "name": f"Postcard {number}",
                    "category": "other",
                    "price": 10_000,
                    "stock": 5,
                },
                organizer,
            )
            assert status == 201
        page.reload()
        page.wait_for_selector("#register[data-ready]")
        names = page.locator(".product-tile .tile-name").all_inner_texts()
        assert names == ["Postcard 38", "Postcard 326", "Postcard 350", "Postcard 374"]
        assert page.locator("#catalogue-message").inner_text() == ""
    finally:
        context.close()


def shown_skus(page) -> list[str]:
    return sorted(
        page.eval_on_selector_all(
            ".product-cell:not([hidden]) .product-tile", "tiles => tiles.map(t => t.dataset.sku)"
        )
    )


def sellable_products(server, booth: str) -> list[dict]:
    manager = bearer(server, f"manager-{booth.lower()}")
    _, exhibitors = call(server, "GET", "/api/v1/exhibitors", headers=manager)
    exhibitor = next(e["id"] for e in exhibitors["items"] if e["booth"] == booth)
    _, products = call(server, "GET", f"/api/v1/products?exhibitor_id={exhibitor}", headers=manager)
    return [p for p in products["items"] if p["sellable"]]


def test_search_finds_by_sku_name_and_attribute_and_says_when_nothing_matches(browser, server):
    # The grid's tiles are built once and shown or hidden per keystroke: the search must
    # still find what it found when it rebuilt them.
    b12 = {p["sku"]: p for p in sellable_products(server, "B12")}
    context = browser.new_context(**TABLET, locale="id-ID")
    try:
        page = register_page(context, server, "cashier-b12")
        problems = PageProblems(page)
        assert shown_skus(page) == sorted(b12)

        page.fill("#search", "sr-925-0")  # SKU
        assert shown_skus(page) == ["SR-925-01", "SR-925-02", "SR-925-03"]
        page.fill("#search", "Anting")  # name
        assert shown_skus(page) == ["SE-925-20", "SE-925-21"]
        page.fill("#search", "freshwater")  # attribute: the stone
        assert shown_skus(page) == ["SE-925-21"]
        page.fill("#search", "18.5")  # attribute: the weight
        assert shown_skus(page) == ["SN-925-10"]

        page.fill("#search", "freshwater")
        page.tap('.product-tile[data-sku="SE-925-21"]')  # its note counts the cart
        left = b12["SE-925-21"]["stock"] - 1
        note = page.locator('.product-tile[data-sku="SE-925-21"] .tile-stock').inner_text()
        assert note == f"Sisa {left}"
        page.tap("#clear")

        page.fill("#search", "tidak ada barang ini")
        assert shown_skus(page) == []
        assert page.locator("#catalogue-message").inner_text() == "Tidak ada produk yang cocok."
        page.fill("#search", "")
        assert shown_skus(page) == sorted(b12)
        assert page.locator("#catalogue-message").inner_text() == ""

        page.tap('#category-chips .chip[data-category="painting"]')
        assert shown_skus(page) == []
        page.tap('#category-chips .chip[data-category="jewellery"]')
        page.fill("#search", "cincin")
        assert shown_skus(page) == ["GD-750-40", "SR-925-01", "SR-925-02", "SR-925-03"]
        assert problems.seen == []
    finally:
        context.close()

    # A choice is found by its label in the cashier's language: "tenun tangan" (hand-woven).
    hand_woven = sorted(
        p["sku"]
        for p in sellable_products(server, "C07")
        if p["attributes"].get("weaving") == "hand"
    )
    context = browser.new_context(**TABLET, locale="id-ID")
    try:
        page = register_page(context, server, "cashier-c07")
        page.fill("#search", "tenun tangan")
        assert len(hand_woven) >= 3 and shown_skus(page) == hand_woven
    finally:
        context.close()


def test_every_product_of_a_large_booth_can_be_reached_by_scrolling(browser, server):
    # The grid holds a screen's worth of tiles and takes in the next ones as the cashier
    # scrolls: all of a booth's 150 extra products must still be reachable.
    manager = bearer(server, "manager-a03")
    _, exhibitors = call(server, "GET", "/api/v1/exhibitors", headers=manager)
    a03 = next(e["id"] for e in exhibitors["items"] if e["booth"] == "A03")
    rows = "\n".join(
        f"PRINT-{n:03d},Cetak giclée nomor {n},painting,{150 + n}000,5" for n in range(150)
    )
    context = browser.new_context(**TABLET, locale="id-ID")
    try:
        imported = context.request.post(
            f"{server}/api/v1/products/import?exhibitor_id={a03}",
            headers=manager,
            multipart={
                "file": {
                    "name": "cetak.csv",
                    "mimeType": "text/csv",
                    "buffer": f"sku,name,category,price,stock\n{rows}\n".encode(),
                }
            },
        )
        assert imported.status == 200, imported.text()
        expected = sorted(p["sku"] for p in sellable_products(server, "A03"))
        assert len(expected) >= 150

        page = context.new_page()
        page.set_default_timeout(15_000)
        problems = PageProblems(page)
        sign_in(page, server, "cashier-a03")
        page.wait_for_selector("#register[data-ready]")
        for _ in range(40):
            if len(shown_skus(page)) == len(expected):
                break
            page.evaluate(
                "() => { window.scrollTo(0, document.documentElement.scrollHeight);"
                " const c = document.querySelector('.catalogue'); c.scrollTop = c.scrollHeight; }"
            )
            page.wait_for_timeout(150)
        assert shown_skus(page) == expected
        last = page.locator('.product-tile[data-sku="PRINT-149"]')
        last.scroll_into_view_if_needed()
        last.tap()
        assert page.locator("#cart-lines li").count() == 1
        page.tap("#clear")

        # A new search starts again from the first tiles, and still finds every match.
        page.fill("#search", "PRINT-14")
        assert shown_skus(page) == [f"PRINT-{n}" for n in range(140, 150)]
        assert problems.seen == []
    finally:
        context.close()


def test_only_the_photos_of_the_tiles_in_the_grid_are_loaded(browser, server):
    # The grid holds a screen's worth of tiles; the others are built ahead while the
    # tablet is idle, outside the page, and ask for no photo until they are shown.
    import io

    from PIL import Image

    manager = bearer(server, "manager-d02")
    _, exhibitors = call(server, "GET", "/api/v1/exhibitors", headers=manager)
    d02 = next(e["id"] for e in exhibitors["items"] if e["booth"] == "D02")
    context = browser.new_context(**TABLET, locale="id-ID")
    try:
        for n in range(80):
            status, product = call(
                server,
                "POST",
                "/api/v1/products",
                {
                    "exhibitor_id": d02,
                    "sku": f"LAMP-{n:02d}",
                    "name": f"Lampu bambu {n}",
                    "category": "craft",
                    "price": 95_000,
                    "stock": 4,
                },
                manager,
            )
            assert status == 201
            jpeg = io.BytesIO()
            Image.new("RGB", (64, 64), (n * 3, 255 - n * 3, 90)).save(jpeg, "JPEG")
            photo = context.request.put(
                f"{server}/api/v1/products/{product['id']}/photo",
                headers=manager,
                multipart={
                    "file": {
                        "name": "lampu.jpg",
                        "mimeType": "image/jpeg",
                        "buffer": jpeg.getvalue(),
                    }
                },
            )
            assert photo.status == 200, photo.text()

        photos_asked: list[str] = []
        context.on("request", lambda r: photos_asked.append(r.url) if "/photos/" in r.url else None)
        page = register_page(context, server, "cashier-d02")
        page.wait_for_timeout(3_000)  # the tiles not shown are built meanwhile
        in_grid = page.locator("#grid img.tile-photo").count()
        assert 0 < in_grid < 80
        assert len(set(photos_asked)) <= in_grid
    finally:
        context.close()
