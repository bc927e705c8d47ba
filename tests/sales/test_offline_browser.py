"""Selling offline in a real browser (Chromium, Playwright's context.set_offline): after
one online visit the register reloads without the network and sells by touch and by
scanner; the sales survive a closed tab; back online they all arrive exactly once and in
order; two tabs of one tablet never send a sale twice; two tablets selling the last
painting offline both arrive and the manager sees the conflict."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.browser import TABLET, PageProblems, sign_in
from tests.servers import bearer, call, served

pytestmark = pytest.mark.browser

FAN = "BB-KB-07"  # Kipas Bambu, Rp45.000 (D02)
HAT = "BB-KB-11"  # Topi Caping Bambu, Rp75.000 (D02)
MASKS = "MS-GEL-31"  # Masker Kain Endek (3 pcs), Rp60.000 (C07)


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    with served(tmp_path_factory.mktemp("offline")) as (base, _log):
        yield base


def booth_id(server, booth: str) -> int:
    _, exhibitors = call(server, "GET", "/api/v1/exhibitors", headers=bearer(server, "organizer"))
    return next(e["id"] for e in exhibitors["items"] if e["booth"] == booth)


def sales_of(server, booth: str) -> list[dict]:
    manager = bearer(server, f"manager-{booth.lower()}")
    _, sales = call(
        server, "GET", f"/api/v1/sales?exhibitor_id={booth_id(server, booth)}", headers=manager
    )
    return sales["items"]


def stock_of(server, booth: str) -> dict[str, int]:
    manager = bearer(server, f"manager-{booth.lower()}")
    _, products = call(
        server, "GET", f"/api/v1/products?exhibitor_id={booth_id(server, booth)}", headers=manager
    )
    return {p["sku"]: p["stock"] for p in products["items"]}


def open_register(context, server, username):
    page = context.new_page()
    page.set_default_timeout(20_000)
    sign_in(page, server, username)
    page.wait_for_url(re.compile(r"/register$"))
    page.wait_for_selector(".product-tile")
    # The service worker takes charge of the page from its next load on.
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    page.wait_for_selector(".product-tile")
    assert page.evaluate("Boolean(navigator.serviceWorker.controller)")
    page.wait_for_selector("#register[data-device][data-ready]")  # its device code is known
    return page


def sell_exact(page) -> str:
    """Pay → Complete (exact cash), read the number on the done screen, next sale."""
    page.tap("#pay")
    if page.locator("#shift-dialog").is_visible():
        page.fill("#shift-float", "200.000")
        page.tap("#shift-open-confirm")
    page.tap("#complete")
    page.wait_for_selector("#done[open]")
    number = page.locator("#done-number").inner_text()
    page.tap("#new-sale")
    return number


def test_the_register_sells_twenty_sales_offline_and_sends_them_once_in_order(
    browser, server, tmp_path
):
    before_sales = len(sales_of(server, "D02"))
    before_stock = stock_of(server, "D02")
    context = browser.new_context(**TABLET, locale="id-ID")
    posted: list[str] = []
    context.on(
        "requestfinished",  # reached the server and answered
        lambda r: (
            posted.append(r.headers.get("idempotency-key"))
            if r.method == "POST" and r.url.endswith("/api/v1/sales")
            else None
        ),
    )
    try:
        page = open_register(context, server, "cashier-d02")
        context.set_offline(True)
        page.reload()
        page.wait_for_selector(f'.product-tile[data-sku="{FAN}"]')
        page.wait_for_selector("#connection:not([hidden])")
        numbers = []
        for n in range(20):
            if n % 2 == 0:  # by touch
                page.tap(f'.product-tile[data-sku="{FAN}"]')
            else:  # by the scanner: the SKU and Enter
                page.fill("#search", HAT)
                page.press("#search", "Enter")
            assert page.locator("#cart-lines li").count() == 1
            numbers.append(sell_exact(page))
        assert numbers == [f"D02-T1-{n:04d}" for n in range(1, 21)]
        assert page.get_attribute("#outbox", "data-count") == "20"
        page.screenshot(path=str(tmp_path / "register-offline.png"))

        page.close()  # the tab is closed; a new one opens the register, still offline
        page = context.new_page()
        page.goto(server + "/register")
        page.wait_for_selector('#outbox[data-count="20"]', state="attached")

        context.set_offline(False)
        page.evaluate("window.dispatchEvent(new Event('online'))")
        page.wait_for_selector('#outbox[data-count="0"]', state="attached", timeout=60_000)
    finally:
        context.close()

    sales = sales_of(server, "D02")[before_sales:]
    assert [s["offline_number"] for s in sales] == [f"D02-T1-{n:04d}" for n in range(1, 21)]
    receipts = [int(s["receipt_number"].split("-")[1]) for s in sales]
    assert receipts == list(range(receipts[0], receipts[0] + 20))  # in order, gapless
    assert len(posted) == len(set(posted)) == 20  # each sent once: nothing failed here
    stock = stock_of(server, "D02")
    assert stock[FAN] == before_stock[FAN] - 10
    assert stock[HAT] == before_stock[HAT] - 10


def test_two_tabs_of_one_tablet_never_send_a_sale_twice(browser, server):
    before = len(sales_of(server, "C07"))
    context = browser.new_context(**TABLET, locale="en-US")
    posted: list[str] = []
    context.on(
        "requestfinished",  # reached the server and answered
        lambda r: (
            posted.append(r.headers.get("idempotency-key"))
            if r.method == "POST" and r.url.endswith("/api/v1/sales")
            else None
        ),
    )
    try:
        first = open_register(context, server, "cashier-c07")
        context.set_offline(True)
        second = context.new_page()
        second.set_default_timeout(20_000)
        second.goto(server + "/register")
        second.wait_for_selector("#register[data-ready]")
        for page in (first, second, first, second, first):
            page.tap(f'.product-tile[data-sku="{MASKS}"]')
            sell_exact(page)
        context.set_offline(False)
        for page in (first, second):  # both tabs try to send at the same moment
            page.evaluate("window.dispatchEvent(new Event('online'))")
        first.wait_for_selector('#outbox[data-count="0"]', state="attached", timeout=60_000)
        second.reload()
        second.wait_for_selector('#outbox[data-count="0"]', state="attached", timeout=60_000)
    finally:
        context.close()
    assert len(posted) == len(set(posted)) == 5
    assert len(sales_of(server, "C07")) == before + 5


def test_two_tablets_selling_the_last_painting_offline_both_arrive_and_the_manager_sees_it(
    browser, server, tmp_path
):
    painting = next(
        sku
        for sku, stock in stock_of(server, "A03").items()
        if sku.startswith("PTG") and stock == 1
    )
    tablets = [browser.new_context(**TABLET, locale="en-US") for _ in range(2)]
    try:
        pages = [open_register(tablet, server, "cashier-a03") for tablet in tablets]
        for tablet in tablets:
            tablet.set_offline(True)
        for page in pages:
            page.reload()
            page.wait_for_selector(f'.product-tile[data-sku="{painting}"]')
            page.tap(f'.product-tile[data-sku="{painting}"]')
            sell_exact(page)
        for tablet, page in zip(tablets, pages, strict=True):
            tablet.set_offline(False)
            page.evaluate("window.dispatchEvent(new Event('online'))")
            page.wait_for_selector('#outbox[data-count="0"]', state="attached", timeout=60_000)
    finally:
        for tablet in tablets:
            tablet.close()
    assert stock_of(server, "A03")[painting] == -1
    sold = [s for s in sales_of(server, "A03") if s["lines"][0]["sku"] == painting]
    assert [c["short_by"] for s in sold for c in s["stock_conflicts"]] == [1]

    manager = browser.new_context(**TABLET, locale="en-US")
    try:
        page = manager.new_page()
        problems = PageProblems(page)
        sign_in(page, server, "manager-a03")
        page.wait_for_url(re.compile(r"/day$"))
        issues = page.locator("#offline-issues")
        assert "Terjual melebihi stok" in issues.inner_text()  # sold with too little stock
        assert painting in issues.inner_text()
        page.screenshot(path=str(tmp_path / "day-conflict.png"), full_page=True)
        assert problems.seen == []
    finally:
        manager.close()


def test_the_register_reached_by_signing_in_reloads_without_the_network(browser, server):
    # Signing in lands on the register by a redirect, which the service worker never saw:
    # the page must still be kept for the next load without the network.
    context = browser.new_context(**TABLET, locale="en-US")
    try:
        page = context.new_page()
        page.set_default_timeout(20_000)
        sign_in(page, server, "cashier-b12")
        page.wait_for_url(re.compile(r"/register$"))
        page.wait_for_selector("#register[data-ready]")
        page.evaluate("navigator.serviceWorker.ready.then(() => true)")  # installed
        context.set_offline(True)
        page.reload()
        page.wait_for_selector("#register[data-ready]")
        assert page.locator(".product-tile").count() > 0
        assert page.locator("#connection").is_visible()
    finally:
        context.close()
