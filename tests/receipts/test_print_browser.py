"""Printing in a real browser (Chromium): a reprint from the recent-sales page and a
refund note from the sale page print in place, in a hidden frame, with no new tab; the
receipt of a sale made offline is drawn on the tablet without the network, in the
exhibitor's language, with its offline number, total, change and a QR code that a phone
reads as the buyer's link; and what happens on Android and iPad browsers.

Headless Chromium shows no print dialog, so an init script replaces print() of every
frame's window with a recorder: the tests see which document was asked to print."""

from __future__ import annotations

import re
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from pos import create_app
from pos.extensions import db
from pos.organizer.models import Exhibitor
from pos.receipts.service import register_receipt_context
from tests.browser import TABLET, PageProblems, sign_in
from tests.servers import bearer, call, served

pytestmark = pytest.mark.browser

RING = "SR-925-01"  # Cincin Perak Motif Jawan, Rp450.000 (B12, PKP 11 %)
EARRINGS = "SE-925-20"  # Anting Perak Bunga Jepun, Rp385.000

# Records each print() of a frame's window instead of opening a dialog: which document
# (its type and address) and the text it held.
RECORD_PRINTS = """
(() => {
  window.__prints = [];
  const original = Object.getOwnPropertyDescriptor(HTMLIFrameElement.prototype, "contentWindow");
  Object.defineProperty(HTMLIFrameElement.prototype, "contentWindow", {
    configurable: true,
    get() {
      const win = original.get.call(this);
      const frame = this;
      try {
        if (win && !win.__recorded) {
          win.__recorded = true;
          win.print = () => {
            const doc = frame.contentDocument;
            window.__prints.push({
              type: doc ? doc.contentType : null,
              url: frame.src,
              text: doc && doc.body ? doc.body.innerText : "",
            });
          };
        }
      } catch (error) {
        // another origin's frame: not ours to print, left alone
      }
      return win;
    },
  });
})();
"""

ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/156.0.0.0 Safari/537.36"
)
IPAD_SAFARI = (
    "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Mobile/15E148 Safari/604.1"
)
IPAD_CHROME = (
    "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "CriOS/126.0.6478.54 Mobile/15E148 Safari/604.1"
)


@pytest.fixture(scope="module")
def served_demo(tmp_path_factory) -> Iterator[tuple[str, Path]]:
    root = tmp_path_factory.mktemp("printing")
    with served(root) as (base, _log):
        yield base, root


@pytest.fixture(scope="module")
def server(served_demo) -> str:
    return served_demo[0]


def b12_id(server) -> int:
    _, exhibitors = call(server, "GET", "/api/v1/exhibitors", headers=bearer(server, "organizer"))
    return next(e["id"] for e in exhibitors["items"] if e["booth"] == "B12")


def product_ids(server) -> dict[str, int]:
    cashier = bearer(server, "cashier-b12")
    _, products = call(
        server, "GET", f"/api/v1/products?exhibitor_id={b12_id(server)}", headers=cashier
    )
    return {p["sku"]: p["id"] for p in products["items"]}


def sell_ring(server, key: str) -> dict:
    """The silver ring, paid in cash, as the register records it online."""
    status, sale = call(
        server,
        "POST",
        "/api/v1/sales",
        {
            "exhibitor_id": b12_id(server),
            "items": [{"product_id": product_ids(server)[RING], "quantity": 1}],
            "payments": [{"method": "cash", "amount": 500_000}],
        },
        headers=bearer(server, "cashier-b12") | {"Idempotency-Key": key},
    )
    assert status == 201, sale
    return sale


def pdftotext(content: bytes) -> str:
    done = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True
    )
    return done.stdout.decode()


def tablet(browser, **options):
    context = browser.new_context(**(TABLET | options))
    context.add_init_script(RECORD_PRINTS)
    opened: list[str] = []
    context.on("page", lambda page: opened.append(page.url))
    return context, opened


def signed_in(context, base: str, username: str) -> tuple:
    """A new tab of the tablet with ``username`` signed in, on their landing page, and
    the script errors and failed loads it meets."""
    page = context.new_page()
    page.set_default_timeout(20_000)
    problems = PageProblems(page)
    sign_in(page, base, username)
    page.wait_for_url(re.compile(r"/register$" if "cashier" in username else r"/day$"))
    return page, problems


def wait_for_prints(page, count: int) -> list[dict]:
    page.wait_for_function("n => window.__prints.length >= n", arg=count)
    return page.evaluate("window.__prints")


def show_frame(page, path: Path) -> None:
    """Make the hidden print frame visible at its paper width and photograph it."""
    page.evaluate(
        """() => {
          const frame = document.getElementById("print-frame");
          frame.style.visibility = "visible";
          frame.style.height = frame.contentDocument.documentElement.scrollHeight + "px";
        }"""
    )
    page.locator("#print-frame").screenshot(path=str(path))


def reprint_button(page, receipt_number: str):
    return page.locator(f'tr[data-receipt="{receipt_number}"] button[data-print-sale]')


def decoded_qr(image: Path) -> str:
    done = subprocess.run(["zbarimg", "-q", "--raw", str(image)], capture_output=True, text=True)
    return done.stdout.strip()


# --- reprints and refund notes print in place -------------------------------------------


def test_a_cashier_reprints_a_copy_from_the_recent_sales_in_place(browser, server, tmp_path):
    sale = sell_ring(server, "print-recent-1")
    context, opened = tablet(browser, locale="id-ID")
    try:
        page, problems = signed_in(context, server, "cashier-b12")
        page.goto(server + "/register/recent")
        reprint_button(page, sale["receipt_number"]).tap()
        (printed,) = wait_for_prints(page, 1)
        assert printed["type"] == "application/pdf"
        assert printed["url"].endswith(f"/api/v1/sales/{sale['id']}/receipt.pdf?format=80mm&copy=1")
        text = pdftotext(context.request.get(printed["url"]).body())
        assert "SALINAN" in text and sale["receipt_number"] in text  # the copy, in Indonesian
        frame = page.locator("#print-frame")
        assert frame.evaluate("f => getComputedStyle(f).visibility") == "hidden"
        assert page.locator("#print-status").is_hidden()
        page.screenshot(path=str(tmp_path / "recent-sales.png"))

        # The tablet prints on 58 mm paper from now on, also after a reload.
        page.select_option("#print-paper", "58mm")
        page.reload()
        assert page.locator("#print-paper").input_value() == "58mm"
        reprint_button(page, sale["receipt_number"]).tap()
        page.wait_for_function("n => window.__prints.length >= n", arg=1)
        (again,) = page.evaluate("window.__prints")  # a reload starts a new record
        assert again["url"].endswith("receipt.pdf?format=58mm&copy=1")
        assert problems.seen == []
    finally:
        context.close()
    assert len(opened) == 1  # the tablet's one tab: none opened for either print


def test_a_manager_prints_the_refund_note_from_the_sale_page_in_place(browser, server):
    sale = sell_ring(server, "print-refund-1")
    manager = bearer(server, "manager-b12")
    status, refund = call(
        server,
        "POST",
        f"/api/v1/sales/{sale['id']}/refunds",
        {"lines": [{"product_id": product_ids(server)[RING], "quantity": 1}], "reason": "Retak"},
        headers=manager,
    )
    assert status == 201, refund
    context, opened = tablet(browser, locale="id-ID")
    try:
        page, problems = signed_in(context, server, "manager-b12")
        page.goto(f"{server}/sales/{sale['id']}")
        page.locator(f'li[data-refund="{refund["refund_number"]}"] button').tap()
        (printed,) = wait_for_prints(page, 1)
        assert printed["type"] == "application/pdf"
        assert printed["url"].endswith(f"/api/v1/refunds/{refund['id']}/receipt.pdf?format=80mm")
        text = pdftotext(context.request.get(printed["url"]).body())
        assert refund["refund_number"] in text and "Retak" in text

        page.locator("#print-receipt").tap()  # the original, unmarked
        prints = wait_for_prints(page, 2)
        assert prints[1]["url"].endswith(f"/api/v1/sales/{sale['id']}/receipt.pdf?format=80mm")
        assert problems.seen == []
    finally:
        context.close()
    assert len(opened) == 1


def test_a_refused_reprint_says_so_and_prints_nothing(browser, server):
    sale = sell_ring(server, "print-refused-1")
    context, opened = tablet(browser, locale="id-ID")
    try:
        page, _problems = signed_in(context, server, "cashier-b12")
        page.goto(f"{server}/sales/{sale['id']}")
        # Signed out meanwhile (another tab, an expired session): the server refuses.
        context.clear_cookies()
        page.locator("#reprint-receipt").tap()
        page.wait_for_selector("#print-status:not([hidden])")
        status = page.locator("#print-status").inner_text()
        # In the cashier's language (the demo's accounts read Indonesian), with the
        # server's reason.
        assert status.startswith("Struk tidak dapat dicetak.")
        assert "Masuk terlebih dahulu" in status
        assert page.evaluate("window.__prints") == []
    finally:
        context.close()
    assert len(opened) == 1


# --- other tablets --------------------------------------------------------------------


@pytest.mark.parametrize("user_agent", [ANDROID, IPAD_SAFARI], ids=["android", "ipad-safari"])
def test_where_pdfs_do_not_print_in_place_the_copy_prints_as_html(browser, server, user_agent):
    sale = sell_ring(server, f"print-html-{len(user_agent)}")
    context, opened = tablet(browser, locale="id-ID", user_agent=user_agent)
    try:
        page, problems = signed_in(context, server, "cashier-b12")
        page.goto(server + "/register/recent")
        reprint_button(page, sale["receipt_number"]).tap()
        (printed,) = wait_for_prints(page, 1)
        assert printed["type"] == "text/html"
        assert "SALINAN" in printed["text"] and sale["receipt_number"] in printed["text"]
        assert "Rp450.000" in printed["text"] and "Rp50.000" in printed["text"]  # the change
        assert problems.seen == []
    finally:
        context.close()
    assert len(opened) == 1


def test_chrome_on_an_ipad_opens_the_pdf_in_a_new_tab(browser, server):
    sale = sell_ring(server, "print-crios-1")
    context, opened = tablet(browser, locale="id-ID", user_agent=IPAD_CHROME)
    try:
        page, _problems = signed_in(context, server, "cashier-b12")
        page.goto(server + "/register/recent")
        with context.expect_page() as tab:
            reprint_button(page, sale["receipt_number"]).tap()
        assert tab.value.url.endswith(f"/api/v1/sales/{sale['id']}/receipt.pdf?format=80mm&copy=1")
        page.wait_for_selector("#print-status:not([hidden])")
        assert "tab baru" in page.locator("#print-status").inner_text()  # "opened in a new tab"
        assert page.evaluate("window.__prints") == []
    finally:
        context.close()


# --- the receipt of a sale made offline ---------------------------------------------


def receipt_context(root: Path, base: str) -> dict:
    """What the register page carries for B12 (register_receipt_context), from the
    served database."""
    app = create_app(
        {
            "INSTANCE_PATH": str(root / "instance"),
            "SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(root / "pos.sqlite3"),
        }
    )
    with app.test_request_context("/register"):
        exhibitor = db.session.scalar(sa.select(Exhibitor).where(Exhibitor.booth == "B12"))
        return register_receipt_context(exhibitor, cashier="Kasir B12", url_root=base + "/")


OFFLINE_SALE = {
    "offline_number": "B12-T1-0007",
    "recorded_at": "2026-09-06T02:15:00Z",  # 10:15 in Bali
    "public_token": "Ab3dE5gH7jK9mN1pQ3sT5v",
    "lines": [
        {"name": "Cincin Perak Motif Jawan", "sku": RING, "quantity": 1, "unit_price": 450_000},
        {
            "name": "Anting Perak Bunga Jepun",
            "sku": EARRINGS,
            "quantity": 1,
            "unit_price": 385_000,
            "discount": 38_500,  # 10 %
        },
    ],
    "order_discount": 0,
    "payments": [
        {"method": "qris", "amount": 500_000, "reference": "QR-OFF-1"},
        {"method": "cash", "amount": 300_000},
    ],
    "buyer_name": "Ayu",
}


@pytest.mark.parametrize("paper, width", [("80mm", 302), ("58mm", 219)])
def test_the_receipt_of_an_offline_sale_is_drawn_on_the_tablet_without_the_network(
    browser, served_demo, tmp_path, paper, width
):
    base, root = served_demo
    context_data = receipt_context(root, base)
    context, opened = tablet(browser, locale="id-ID")
    try:
        page, problems = signed_in(context, base, "cashier-b12")
        failed: list[str] = []
        page.on(
            "requestfailed",
            # the page's own requests; the service worker revalidating its copies in the
            # background may fail offline without anyone missing anything
            lambda request: None if request.service_worker else failed.append(request.url),
        )
        page.evaluate("navigator.serviceWorker.ready.then(() => true)")
        page.reload()
        assert page.evaluate("Boolean(navigator.serviceWorker.controller)")
        page.wait_for_selector("#register[data-ready]")  # done with the server for now
        context.set_offline(True)
        page.reload()  # the register, from the tablet
        page.wait_for_selector("#connection:not([hidden])")

        looks = page.evaluate(
            """async ([context, sale, paper]) => {
              const print = await import("/static/js/register/print.js");
              const frame = await print.printReceipt(print.offlineReceipt(context, sale), {paper});
              const doc = frame.contentDocument;
              const rules = doc.querySelector("link").sheet.cssRules;
              return {
                rule: getComputedStyle(doc.querySelector("hr")).borderTopStyle,
                page: rules[rules.length - 1].cssText,
                width: doc.body.getBoundingClientRect().width,
              };
            }""",
            [context_data, OFFLINE_SALE, paper],
        )
        (printed,) = wait_for_prints(page, 1)
        text = re.sub(r"\n+", "\t", printed["text"])  # one tab between label and value
        assert printed["type"] == "text/html"
        # The stylesheet came from the tablet too, and the page is as long as the receipt.
        assert looks["rule"] == "dashed"
        assert re.fullmatch(
            rf"@page \{{ size: {paper[:2]}mm \d+mm; margin: 0px; \}}", looks["page"]
        )
        assert round(looks["width"]) == width
        for expected in (
            "Celuk Silver Ketut Sudana",
            "Stan B12 · Gianyar",
            "No. offline\tB12-T1-0007",
            "06/09/2026 10:15 WITA",
            "Kasir\tKasir B12",
            "Diskon\t−Rp38.500",
            "TOTAL\tRp796.500",
            "PPN 11%\tRp78.932",  # 796,500 − round(796,500 × 100 / 111)
            "QRIS\tRp500.000",
            "Ref. QR-OFF-1",
            "Tunai\tRp300.000",
            "Kembalian\tRp3.500",
            "Pembeli\tAyu",
        ):
            assert expected in text, expected
        assert "No.\t" not in text  # no receipt number until the server gives one
        picture = tmp_path / f"offline-receipt-{paper}.png"
        show_frame(page, picture)
        assert decoded_qr(picture) == f"{base}/r/Ab3dE5gH7jK9mN1pQ3sT5v"
        # Only the register's own calls to the server failed; every file printing needs
        # came from the tablet.
        assert [url for url in failed if "/api/" not in url] == []
        assert [p for p in problems.seen if "ERR_INTERNET_DISCONNECTED" not in p] == []
    finally:
        context.close()
    assert len(opened) == 1


def test_the_html_receipt_of_a_recorded_sale_says_what_its_pdf_says(browser, server, tmp_path):
    sale = sell_ring(server, "print-match-1")
    cashier = bearer(server, "cashier-b12")
    context, opened = tablet(browser, locale="id-ID")
    try:
        page, _problems = signed_in(context, server, "cashier-b12")
        text = page.evaluate(
            """async (id) => {
              const print = await import("/static/js/register/print.js");
              const receipt = await fetch(`/api/v1/sales/${id}/receipt.json`).then((r) => r.json());
              const frame = await print.printReceipt(receipt, {paper: "80mm"});
              return frame.contentDocument.body.innerText;
            }""",
            sale["id"],
        )
        picture = tmp_path / "receipt-80mm.png"
        show_frame(page, picture)
        assert decoded_qr(picture) == server + sale["public_receipt_url"]
    finally:
        context.close()
    request = urllib.request.Request(server + sale["receipt_url"], headers=cashier)
    with urllib.request.urlopen(request) as response:
        pdf = pdftotext(response.read())
    for figure in ("Rp450.000", "Rp500.000", "Rp50.000", sale["receipt_number"], "Kasir B12"):
        assert figure in pdf and figure in text, figure
    assert len(opened) == 1


def test_print_js_writes_money_tax_and_time_as_the_server_does(browser, server):
    """The tablet's own arithmetic and writing for an offline receipt, against the
    figures pos/money.py and the PDF receipt give."""
    context, _opened = tablet(browser, locale="id-ID")
    try:
        page = context.new_page()
        page.goto(server + "/login")
        answers = page.evaluate(
            """async () => {
              const p = await import("/static/js/register/print.js");
              const receipt = p.offlineReceipt(
                {locale: "id", currency: "IDR", timezone: "Asia/Makassar", zone_name: "WITA",
                 tax_rate_percent: 0, methods: {cash: "Tunai"}, labels: {}, cashier: "Made",
                 public_base: "http://192.168.1.10:5000", event_name: "", exhibitor_name: "",
                 booth: "B12"},
                {offline_number: "B12-T2-0001", recorded_at: "2026-09-06T15:59:00Z",
                 public_token: "tok", order_discount: 5000,
                 lines: [{name: "a", quantity: 3, unit_price: 45000, discount: 13500}],
                 payments: [{method: "cash", amount: 200000}]});
              return {
                tax: [p.includedTax(796500, 11), p.includedTax(100000, 11), p.includedTax(3, 100),
                      p.includedTax(180000, 0)],
                money: [p.money(1250000, "IDR", "id"), p.money(1250000, "IDR", "en"),
                        p.money(0, "IDR", "id")],
                when: p.localTime("2026-09-06T15:59:00Z", "Asia/Makassar", "WITA"),
                receipt: [receipt.subtotal, receipt.line_discount_total, receipt.order_discount,
                          receipt.total, receipt.tax_total, receipt.change, receipt.lines[0].total,
                          receipt.payments[0].label, receipt.qr_url, receipt.when,
                          receipt.tax_lines],
                paper: (() => { p.choosePaper("58mm"); return p.paperSetting(); })(),
                refused: (() => {
                  try { p.choosePaper("a4"); return "taken"; } catch (e) { return e.name; }
                })(),
              };
            }"""
        )
    finally:
        context.close()
    assert answers["tax"] == [78_932, 9_910, 1, 0]  # 3 × 100 / 200 = 1.5 rounds up to 2
    assert answers["money"] == ["Rp1.250.000", "IDR\u00a01,250,000", "Rp0"]
    assert answers["when"] == "06/09/2026 23:59 WITA"
    assert answers["receipt"] == [
        135_000,  # 3 × 45,000
        13_500,
        5_000,
        116_500,
        0,
        83_500,  # 200,000 − 116,500
        121_500,
        "Tunai",
        "http://192.168.1.10:5000/r/tok",
        "06/09/2026 23:59 WITA",
        False,
    ]
    assert answers["paper"] == "58mm" and answers["refused"] == "RangeError"


def test_the_qr_code_for_the_done_screen_reads_as_the_buyers_link(browser, server, tmp_path):
    """qrDataUrl: the buyer's link as an image the register can show while offline."""
    context, _opened = tablet(browser, locale="id-ID")
    try:
        page = context.new_page()
        page.goto(server + "/login")
        page.evaluate(
            """async (link) => {
              const p = await import("/static/js/register/print.js");
              const image = document.createElement("img");
              image.id = "qr";
              image.width = image.height = 240;
              const shown = new Promise((resolve) => image.addEventListener("load", resolve));
              image.src = p.qrDataUrl(link);
              document.body.prepend(image);
              await shown;
            }""",
            f"{server}/r/Zx9-Yw8_Vu7Ts6Rq5Po4Nm",
        )
        picture = tmp_path / "done-qr.png"
        page.locator("#qr").screenshot(path=str(picture))
    finally:
        context.close()
    assert decoded_qr(picture) == f"{server}/r/Zx9-Yw8_Vu7Ts6Rq5Po4Nm"


def test_a_sale_made_offline_shows_its_qr_code_and_prints_in_one_tap(
    browser, served_demo, tmp_path
):
    """The register's done screen offline: the buyer's QR code drawn on the tablet, and
    Print receipt printing the tablet's receipt with the offline number, in place."""
    base, _root = served_demo
    context, opened = tablet(browser, locale="id-ID")
    try:
        page, _problems = signed_in(context, base, "cashier-b12")
        page.wait_for_selector("#register[data-ready][data-device]")
        page.evaluate("navigator.serviceWorker.ready.then(() => true)")
        context.set_offline(True)
        page.reload()
        page.wait_for_selector("#register[data-ready]")
        page.tap(f'.product-tile[data-sku="{RING}"]')
        page.tap("#pay")
        page.tap("#complete")
        page.wait_for_selector("#done[open]")
        number = page.locator("#done-number").inner_text()
        assert re.fullmatch(r"B12-T\d+-0001", number)
        picture = tmp_path / "done-qr.png"
        page.locator("#done-qr").screenshot(path=str(picture))
        link = decoded_qr(picture)
        page.tap("#print-receipt")
        (printed,) = wait_for_prints(page, 1)
        assert len(opened) == 1  # no new tab: only the register itself
    finally:
        context.close()
    assert re.fullmatch(rf"{re.escape(base)}/r/[A-Za-z0-9_-]{{22,}}", link)
    assert printed["type"] == "text/html"
    assert number in printed["text"] and "Rp450.000" in printed["text"]
