"""The fair's catalogue on a buyer's phone (390 × 844), against the real server with the
demo: open the fair's page, search "endek kuning", open the weaver's booth, and open
its WhatsApp link; each page passes axe-core's WCAG 2 A and AA checks, in Indonesian
and in English."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.browser import PHONE, PageProblems
from tests.servers import served
from tests.test_pages_browser import AXE, violations

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    with served(tmp_path_factory.mktemp("catalogue-phone")) as (base, _log):
        yield base


@pytest.fixture
def phone(browser):
    context = browser.new_context(**PHONE, locale="id-ID")
    context.add_init_script(path=str(AXE))
    # The phone has no internet in the test: WhatsApp's site answers with a stand-in.
    context.route(
        "https://wa.me/**",
        lambda route: route.fulfill(
            status=200, content_type="text/html", body="<title>WhatsApp</title>"
        ),
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        yield context, page, PageProblems(page)
    finally:
        context.close()


def test_a_buyer_finds_the_endek_searches_opens_the_booth_and_writes_on_whatsapp(server, phone):
    context, page, problems = phone
    page.goto(server + "/e/ikm-bali-bangkit")
    assert page.locator("h1").inner_text() == "Pameran IKM Bali Bangkit"
    assert page.locator("html").get_attribute("lang") == "id"
    assert violations(page) == []
    # Nothing on the page is wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.fill("#q", "endek kuning")
    page.tap("#search-button")
    page.wait_for_selector("#results")
    hits = page.locator(".pub-hit strong").all_inner_texts()
    assert hits == ["Kain Endek Motif Bunga"]
    assert violations(page) == []

    page.tap(".pub-hit")
    # The hit names the piece (?p=, counted as its page view) and scrolls to it (#p).
    page.wait_for_url(re.compile(r"/e/ikm-bali-bangkit/C07\?p=\d+#p\d+$"))
    assert page.locator("h1").inner_text() == "Tenun Endek Gelgel Sari"
    assert page.locator("#booth-code").inner_text() == "C07"
    product = page.locator("#" + urlsplit(page.url).fragment)
    assert "Kain Endek Motif Bunga" in product.inner_text()
    assert "Tersedia" in product.inner_text()
    assert violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    box = page.locator("#whatsapp").bounding_box()
    assert box["height"] >= 44 and box["width"] >= 44

    with context.expect_page() as opened:
        page.tap("#whatsapp")
    whatsapp = opened.value
    whatsapp.wait_for_load_state()
    link = urlsplit(whatsapp.url)
    assert (link.netloc, link.path) == ("wa.me", "/6281915553307")
    assert parse_qs(link.query)["text"] == [
        "Halo, saya melihat stan C07 Anda di katalog Pameran IKM Bali Bangkit."
    ]
    assert problems.seen == []


def test_the_booth_page_in_english_passes_the_same_checks(server, phone):
    _context, page, problems = phone
    page.goto(server + "/e/ikm-bali-bangkit/B12")
    page.tap("a[hreflang=en]")
    page.wait_for_url("**/B12?lang=en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("#products-title").inner_text() == "Products"
    assert "Sentra IKM Perak Celuk" in page.locator(".pub-booth-head").inner_text()
    assert violations(page) == []
    page.goto(server + "/e/no-such-fair?lang=en")
    assert page.locator("h1").inner_text() == "Not found"
    assert violations(page) == []
    # The one failed load is the page that is not there (and the console's note of it).
    assert [p for p in problems.seen if not p.startswith("console:")] == [
        f"404 {server}/e/no-such-fair?lang=en"
    ]
