"""A real browser (Debian's Chromium, driven by Playwright) against the app served by
`pos serve` on a fresh demo database: the organizer's and a manager's first minutes on
a 10-inch tablet, and the sign-in page on a phone."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.browser import PHONE, TABLET, PageProblems, sign_in, sign_out
from tests.servers import served

pytestmark = pytest.mark.browser

DEMO_BOOTHS = ["A03", "B12", "C07", "D02"]


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    """`pos serve` (gunicorn, two workers) on a fresh demo database; its base URL."""
    with served(tmp_path_factory.mktemp("served")) as (base, _log):
        yield base


def test_organizer_and_manager_work_the_catalogue_on_a_touch_tablet(browser, server, tmp_path):
    context = browser.new_context(**TABLET)
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        problems = PageProblems(page)

        # The organizer signs in on the dashboard, whose figures fill in by themselves,
        # then opens the exhibitors of the demo event.
        sign_in(page, server, "organizer")
        page.wait_for_url(re.compile(r"/dashboard$"))
        page.wait_for_selector("#leaderboard li")
        assert (
            page.locator("#today-net").inner_text().startswith("Rp")
        )  # the demo organizer reads Indonesian
        page.tap('nav.mainnav a[href="/exhibitors"]')
        page.wait_for_url(re.compile(r"/exhibitors$"))
        booths = page.locator("table.list tbody tr td:first-child strong").all_inner_texts()
        assert booths == DEMO_BOOTHS
        page.screenshot(path=str(tmp_path / "tablet-organizer-exhibitors.png"), full_page=True)
        sign_out(page)

        # The silver jeweller's manager adds a ring through the product form.
        sign_in(page, server, "manager-b12")
        page.wait_for_url(re.compile(r"/day$"))  # a manager starts on the booth's day
        page.tap('nav.mainnav a[href="/products"]')
        page.wait_for_url(re.compile(r"/products$"))
        page.tap('a[href^="/products/new"]')
        page.wait_for_url(re.compile(r"/products/new"))
        page.fill('input[name="sku"]', "SR-925-TAB")
        page.fill('input[name="name"]', "Cincin Perak Uji Tablet")
        page.select_option('select[name="category"]', "jewellery")
        material = page.locator('input[name="attr-jewellery-material"]')
        assert material.is_visible()  # the category's own details appear...
        assert not page.locator('input[name="attr-painting-artist"]').is_visible()  # ...only
        material.fill("Silver 925")
        page.fill('input[name="attr-jewellery-weight_g"]', "6.5")
        page.fill('input[name="price"]', "650000")
        page.fill('input[name="stock"]', "4")
        page.screenshot(path=str(tmp_path / "tablet-new-product.png"), full_page=True)
        page.tap('form.grid-form button[type="submit"]')

        # It is in the booth's list.
        page.wait_for_url(re.compile(r"/products\?exhibitor_id=\d+$"))
        row = page.locator(
            "table.products tbody tr", has=page.locator("td.mono", has_text="SR-925-TAB")
        )
        assert row.count() == 1
        assert row.locator("td.num").last.inner_text().strip() == "4"

        # The manager opens it, counts three more in, and sees the ledger row.
        row.locator("a", has_text="Cincin Perak Uji Tablet").first.tap()
        page.wait_for_url(re.compile(r"/products/\d+$"))
        assert "Silver 925" in page.locator("dl.facts").inner_text()
        page.fill('input[name="delta"]', "3")
        page.fill('input[name="reason"]', "Delivery from the Celuk workshop")
        page.tap('form[action$="/adjust"] button[type="submit"]')
        page.wait_for_load_state()
        ledger = page.locator("table.list tbody tr")
        page.locator("table.list tbody tr", has_text="Delivery from the Celuk workshop").wait_for()
        assert ledger.count() == 2
        newest = [cell.strip() for cell in ledger.first.locator("td").all_inner_texts()]
        assert newest[2:] == ["+3", "7", "Delivery from the Celuk workshop", "I Ketut Sudana"]
        oldest = [cell.strip() for cell in ledger.last.locator("td").all_inner_texts()]
        assert oldest[2:4] == ["+4", "4"]
        page.screenshot(path=str(tmp_path / "tablet-product-ledger.png"), full_page=True)

        assert problems.seen == []
    finally:
        context.close()


def test_login_page_fits_a_phone_without_sideways_scrolling(browser, server, tmp_path):
    context = browser.new_context(**PHONE)
    try:
        page = context.new_page()
        problems = PageProblems(page)
        page.goto(server + "/login")
        page.locator('input[name="username"]').wait_for()
        fits = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        page.screenshot(path=str(tmp_path / "phone-login.png"), full_page=True)
        assert fits, f"scrollWidth {widths[0]} > innerWidth {widths[1]}"
        assert problems.seen == []
    finally:
        context.close()
