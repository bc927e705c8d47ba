"""The server-rendered pages in a real browser (Debian's Chromium under Playwright)
against `pos serve` on the demo database: money typed as the app prints it into the
product form on a portrait tablet, and axe-core's WCAG 2 A and AA checks on every page
each role opens, forms with their errors included. (The register page has its own.)"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser import TABLET, PageProblems, sign_in
from tests.servers import bearer, call, served

pytestmark = pytest.mark.browser

PORTRAIT_TABLET = {"viewport": {"width": 800, "height": 1280}, "has_touch": True}
# axe-core is only ever run by these tests, so it lives with them, not in pos/static.
AXE = Path(__file__).parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"
# What axe checks: every rule tagged WCAG 2.0 level A or AA (colour contrast, labels,
# names of links and buttons, headings and landmarks, the page language, ...).
AXE_TAGS = ["wcag2a", "wcag2aa"]


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    with served(tmp_path_factory.mktemp("pages")) as (base, _log):
        yield base


@contextlib.contextmanager
def opened(browser, device: dict, *, with_axe: bool = False) -> Iterator[tuple]:
    """A page on a tablet that reads Indonesian, and the problems it meets."""
    context = browser.new_context(**device, locale="id-ID")
    if with_axe:
        context.add_init_script(path=str(AXE))  # run by the browser itself: the CSP holds
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        yield page, PageProblems(page)
    finally:
        context.close()


def products_of(server: str, username: str) -> list[dict]:
    _, answer = call(server, "GET", "/api/v1/products", headers=bearer(server, username))
    return answer["items"]


# --- money typed as the app prints it --------------------------------------------------


def test_a_price_typed_as_the_app_prints_it_is_saved_on_a_portrait_tablet(browser, server):
    with opened(browser, PORTRAIT_TABLET) as (page, problems):
        sign_in(page, server, "manager-b12")
        page.wait_for_url(re.compile(r"/day$"))
        page.goto(server + "/products/new")
        page.fill('input[name="sku"]', "SR-925-RP")
        page.fill('input[name="name"]', "Gelang Perak Ukir")
        page.select_option('select[name="category"]', "jewellery")
        price = page.locator('input[name="price"]')
        assert price.get_attribute("inputmode") == "numeric"

        # A letter O for a zero: refused, and what was typed is still there to correct.
        price.press_sequentially("4.500.00O")
        page.tap('form.grid-form button[type="submit"]')
        page.wait_for_selector(".field.has-error")
        assert price.input_value() == "4.500.00O"
        assert page.locator(".has-error small.error").inner_text() == (
            "Tulis jumlahnya seperti 660.000 atau 660000."
        )

        price.fill("")
        price.press_sequentially("4.500.000")
        assert price.input_value() == "4.500.000"  # a text field keeps the dots
        page.fill('input[name="stock"]', "2")
        page.tap('form.grid-form button[type="submit"]')
        page.wait_for_url(re.compile(r"/products\?exhibitor_id=\d+$"))

        saved = next(p for p in products_of(server, "manager-b12") if p["sku"] == "SR-925-RP")
        assert saved["price"] == 4_500_000
        page.goto(f"{server}/products/{saved['id']}/edit")
        assert page.locator('input[name="price"]').input_value() == "4.500.000"
        assert problems.seen == []


# --- accessibility: axe on every page ---------------------------------------------------


def violations(page) -> list[str]:
    """axe's WCAG 2 A/AA violations on the page as it is now, one line per element."""
    return page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {
                runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
            return result.violations.flatMap((v) => v.nodes.map((n) =>
                `${v.id} at ${n.target.join(" ")}: ${n.failureSummary.replace(/\\s+/g, " ")}`));
        }""",
        AXE_TAGS,
    )


def ids(server: str) -> dict:
    """The demo's things the pages are about: booth B12, a product, a sale, a receipt."""
    organizer = bearer(server, "organizer")
    _, booths = call(server, "GET", "/api/v1/exhibitors", headers=organizer)
    booth = next(b for b in booths["items"] if b["booth"] == "B12")
    product = products_of(server, "manager-b12")[0]
    _, sales = call(server, "GET", f"/api/v1/sales?exhibitor_id={booth['id']}", headers=organizer)
    sale = next(s for s in sales["items"] if s["status"] == "completed")
    _, events = call(server, "GET", "/api/v1/events", headers=organizer)
    return {
        "booth": booth["id"],
        "product": product["id"],
        "sale": sale["id"],
        "receipt": sale["public_receipt_url"],
        "event": events["items"][0]["id"],
    }


def pages_of(role: str, known: dict) -> list[str]:
    booth, product, sale = known["booth"], known["product"], known["sale"]
    if role == "organizer":
        return [
            "/dashboard",
            "/events",
            "/events/new",
            "/exhibitors",
            "/exhibitors/new",
            f"/exhibitors/{booth}/edit",
            "/products",
            f"/products?exhibitor_id={booth}",
            f"/products/new?exhibitor_id={booth}",
            f"/products/import?exhibitor_id={booth}",
            f"/products/{product}",
            f"/products/{product}/edit",
            "/review",
            "/review?status=rejected",
            f"/reports/daily?exhibitor_id={booth}",
            f"/day?exhibitor_id={booth}",
            f"/register/recent?exhibitor_id={booth}",
            f"/sales/{sale}",
            f"/sales/{sale}/refund",
            "/users",
            "/users/new",
            f"/events/{known['event']}/edit",
            "/audit",
            f"/exhibitors/{booth}/public-profile",
        ]
    if role == "manager":
        return [
            "/day",
            "/products",
            "/products?stock=low",
            "/products/new",
            "/products/import",
            f"/products/{product}",
            f"/products/{product}/edit",
            "/reports/daily",
            "/register/recent",
            f"/sales/{sale}",
            f"/sales/{sale}/refund",
            "/users",
            "/users/new",
            "/switch",
            "/audit",
            f"/exhibitors/{booth}/public-profile",
        ]
    return ["/products", f"/products/{product}", "/register/recent", f"/sales/{sale}", "/switch"]


ROLES = {"organizer": "organizer", "manager": "manager-b12", "cashier": "cashier-b12"}


@pytest.mark.parametrize("role", list(ROLES))
def test_every_page_of_each_role_passes_axes_wcag_2_a_and_aa_checks(browser, server, role):
    known = ids(server)
    with opened(browser, TABLET, with_axe=True) as (page, problems):
        sign_in(page, server, ROLES[role])
        page.wait_for_url(lambda url: "/login" not in url)
        found = {}
        for path in pages_of(role, known):
            page.goto(server + path)
            if path == "/dashboard":
                page.wait_for_selector("#leaderboard li")
            found[path] = violations(page)
        for path, shown in account_pages(page, server, role):
            found[path] = shown
        for path, shown in pages_with_errors(page, server, role, known):
            found[path] = shown
        assert [f"{path}: {v}" for path, shown in found.items() for v in shown] == []
        assert problems.seen == []


def account_pages(page, server: str, role: str) -> Iterator[tuple[str, list[str]]]:
    """The PIN and password pages, reached by the links of the accounts list."""
    if role == "cashier":
        return
    page.goto(server + "/users")
    links = [
        page.locator('a[href$="/pin"]').first.get_attribute("href"),
        page.locator('a[href$="/password"]').first.get_attribute("href"),
    ]
    for link in links:
        page.goto(server + link)
        yield link, violations(page)


def pages_with_errors(page, server: str, role: str, known: dict) -> Iterator:
    """Forms sent empty: their error messages and the flash must be readable too."""
    if role == "cashier":
        page.goto(server + "/switch")
        page.locator(".tile").first.tap()
        page.wait_for_selector('input[name="pin"]')
        page.tap('form.pin-form button[type="submit"]')
        page.wait_for_selector(".field.has-error")
        yield "/switch (refused)", violations(page)
        return
    suffix = f"?exhibitor_id={known['booth']}" if role == "organizer" else ""
    page.goto(f"{server}/products/new{suffix}")
    page.tap('form.grid-form button[type="submit"]')
    page.wait_for_selector(".field.has-error")
    yield "/products/new (refused)", violations(page)

    page.goto(f"{server}/products/{known['product']}")
    page.tap('form[action$="/adjust"] button[type="submit"]')
    page.wait_for_selector(".flash-error")
    yield f"/products/{known['product']} (refused adjustment)", violations(page)


def test_the_pages_before_sign_in_pass_axes_checks(browser, server):
    known = ids(server)
    with opened(browser, TABLET, with_axe=True) as (page, _problems):
        found = {}
        for path in ["/login", "/setup", known["receipt"]]:
            page.goto(server + path)
            found[path] = violations(page)
        page.goto(server + "/login")
        page.fill('input[name="username"]', "organizer")
        page.fill('input[name="password"]', "wrong")
        page.tap('main form button[type="submit"]')
        page.wait_for_selector(".field.has-error")
        found["/login (refused)"] = violations(page)
        page.goto(server + "/no-such-page")
        found["/no-such-page"] = violations(page)
        assert [f"{path}: {v}" for path, shown in found.items() for v in shown] == []
