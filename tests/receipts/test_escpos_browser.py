"""One-tap receipt printing from the register, in a real browser (Chromium):

- the tablet's ESC/POS bytes (static/js/register/escpos.js, ReceiptPrinterEncoder) for a
  fixed receipt decode to the very lines, styles, QR payload and cut of the server's
  renderer (pos/printing/escpos.py) for the same receipt, on 58, 72 and 80 mm heads, in
  Indonesian and English;
- offline, with the booth's server printer chosen, the done screen says the server
  printer needs the network and offers the tablet's paths: the print dialog prints the
  HTML receipt, RawBT gets an intent URL whose bytes are the receipt, all from files the
  service worker kept;
- Web Bluetooth and Web Serial cannot be driven headless (no radio, no chooser): a fake
  device object injected in the page stands in for the printer, and the tests check what
  the tablet writes to it (chunks of at most 100 bytes for BLE, the whole receipt) and
  that the device is remembered, so the second receipt needs no chooser;
- the printer settings at 1280×800, 800×1280 and 390×844, photographed.
"""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pos.printing import escpos as server_escpos
from pos.printing.escpos import render
from pos.receipts.pdf import DocLine, DocPayment, ReceiptData
from tests.browser import PHONE, TABLET, PageProblems, sign_in
from tests.printing.escpos_decode import decode
from tests.printing.fake_printer import FakePrinter
from tests.servers import bearer, call, served

pytestmark = pytest.mark.browser

FIXTURE = Path(__file__).with_name("escpos_receipt.json")
AXE = Path(__file__).parents[1] / "vendor" / "axe-core-4.14.1" / "axe.min.js"
RING = "SR-925-01"  # Cincin Perak Motif Jawan, Rp450.000 (B12)
SENT = "() => document.getElementById('done-print-status').textContent === 'Terkirim ke printer'"
PORTRAIT = {"viewport": {"width": 800, "height": 1280}, "has_touch": True}
ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/156.0.0.0 Safari/537.36"
)

# Records print() of the hidden print frame instead of opening a dialog (headless
# Chromium has none), as tests/receipts/test_print_browser.py does.
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
            window.__prints.push({type: doc ? doc.contentType : null,
                                  text: doc && doc.body ? doc.body.innerText : ""});
          };
        }
      } catch (error) {}
      return win;
    },
  });
})();
"""

# A BLE printer and a serial port as the page sees them through navigator.bluetooth and
# navigator.serial: the chooser picks the one device at once, and every write is kept.
FAKE_DEVICES = """
(() => {
  window.__ble = {chooser: 0, remembered: 0, writes: []};
  const characteristic = {
    properties: {write: true, writeWithoutResponse: true},
    async writeValueWithResponse(piece) { window.__ble.writes.push(Array.from(piece)); },
  };
  const service = {async getCharacteristics() { return [characteristic]; }};
  const server = {
    connected: false,
    async getPrimaryService(uuid) {
      const known = "000018f0-0000-1000-8000-00805f9b34fb";
      if (uuid !== known) throw new DOMException("no such service", "NotFoundError");
      return service;
    },
  };
  const device = {id: "ble-printer-1", name: "MPT-II", gatt: {
    connected: false,
    async connect() { this.connected = true; return server; },
    getPrimaryService: (uuid) => server.getPrimaryService(uuid),
  }};
  Object.defineProperty(Navigator.prototype, "bluetooth", {configurable: true, get: () => ({
    async requestDevice(options) {
      window.__ble.chooser += 1;
      window.__ble.options = options;
      return device;
    },
    async getDevices() {
      window.__ble.remembered += 1;
      return window.__ble.chooser ? [device] : [];
    },
  })});

  window.__serial = {chooser: 0, opened: [], writes: []};
  const port = {
    writable: null,
    getInfo() { return {usbVendorId: 0x0416, usbProductId: 0x5011}; },
    async open(options) {
      window.__serial.opened.push(options);
      const writes = window.__serial.writes;
      this.writable = new WritableStream({write(piece) { writes.push(Array.from(piece)); }});
    },
    async close() { this.writable = null; },
  };
  Object.defineProperty(Navigator.prototype, "serial", {configurable: true, get: () => ({
    async requestPort() { window.__serial.chooser += 1; return port; },
    async getPorts() { return window.__serial.chooser ? [port] : []; },
  })});
})();
"""


@pytest.fixture(scope="module")
def served_demo(tmp_path_factory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("escpos")
    # The fake network printer listens on 127.0.0.1, which a printer entry may name only
    # where the instance allows it (never by default: pos/printing/service.py check_host).
    (root / "instance").mkdir()
    (root / "instance" / "config.py").write_text("PRINTER_ALLOW_LOOPBACK = True\n")
    with served(root) as (base, _log):
        yield base


def fixture_receipt(locale: str) -> dict:
    receipt = json.loads(FIXTURE.read_text())
    receipt["locale"] = locale
    return receipt


def server_bytes(receipt: dict, paper: str) -> bytes:
    data = dict(receipt)
    data["lines"] = [DocLine(**line) for line in receipt["lines"]]
    data["payments"] = [DocPayment(**payment) for payment in receipt["payments"]]
    return render(ReceiptData(**data), paper)


def printed(decoded) -> list[tuple]:
    """Each printed line as the buyer sees it: text, alignment, emphasis, size, reversal
    and the QR code drawn there."""
    return [
        (
            line.text,
            line.align,
            line.bold,
            line.double_width,
            line.double_height,
            line.inverted,
            line.qr,
        )
        for line in decoded.lines
    ]


def tablet(browser, device=TABLET, **options):
    context = browser.new_context(**(device | {"locale": "id-ID"} | options))
    context.add_init_script(RECORD_PRINTS)
    context.add_init_script(FAKE_DEVICES)
    return context


def register(context, base: str) -> tuple:
    page = context.new_page()
    page.set_default_timeout(20_000)
    problems = PageProblems(page)
    sign_in(page, base, "cashier-b12")
    page.wait_for_url(re.compile(r"/register$"))
    page.wait_for_selector("#register[data-ready][data-device]")
    return page, problems


def choose(page, choice: dict) -> None:
    """This tablet's printer, as the settings panel keeps it, then the register again."""
    page.evaluate("c => localStorage.setItem('pameran-printer', JSON.stringify(c))", choice)
    page.reload()
    page.wait_for_selector("#register[data-ready]")


def sell_ring(page) -> str:
    """The silver ring, exact cash, through the register: the done screen's number."""
    page.tap(f'.product-tile[data-sku="{RING}"]')
    page.tap("#pay")
    page.wait_for_function(
        "() => ['checkout', 'shift-dialog'].some((id) => document.getElementById(id).open)"
    )
    if page.locator("#shift-dialog").is_visible():
        page.fill("#shift-float", "0")
        page.tap("#shift-open-confirm")
        page.locator("#checkout").wait_for()
    page.tap("#complete")
    page.wait_for_selector("#done[open]")
    return page.locator("#done-number").inner_text()


# --- the same bytes as the server's ------------------------------------------------------


@pytest.mark.parametrize("locale", ["id", "en"])
def test_the_tablets_escpos_receipt_prints_what_the_servers_prints(browser, served_demo, locale):
    receipt = fixture_receipt(locale)
    context = tablet(browser)
    try:
        page = context.new_page()
        page.goto(served_demo + "/login")
        made = page.evaluate(
            """async (receipt) => {
              const escpos = await import("/static/js/register/escpos.js");
              const out = {};
              for (const [paper, columns] of Object.entries(escpos.COLUMNS)) {
                out[paper] = Array.from(escpos.receiptBytes(receipt, {columns}));
              }
              return out;
            }""",
            receipt,
        )
    finally:
        context.close()
    assert sorted(made) == ["58mm", "72mm", "80mm"]
    # ESC @, then FS . out of the Chinese double-byte mode cheap printers may start in.
    assert bytes(made["80mm"][:4]) == b"\x1b@\x1c."
    for paper, columns in (("58mm", 32), ("72mm", 42), ("80mm", 48)):
        tablet_job = decode(bytes(made[paper]))
        server_job = decode(server_bytes(receipt, paper))
        assert printed(tablet_job) == printed(server_job), paper
        assert tablet_job.qr_codes == ["http://192.168.1.10:5000/r/Ab3dE5gH7jK9mN1pQ3sT5v"]
        assert tablet_job.cut and tablet_job.initialised
        assert set(tablet_job.code_pages) == {2}  # code page 850 throughout
        assert max(len(text) for text in tablet_job.texts) == columns
    # What the buyer reads on 58 mm paper, in the receipt's language.
    texts = decode(bytes(made["58mm"])).texts
    money = {"id": "Rp1.133.000", "en": "IDR 1,133,000"}[locale]
    assert f"TOTAL{money:>27}" in texts
    assert 'Café Ñyuh Kuning - "spesial"' in texts  # 850's letters kept, the rest spelled
    assert "No. offline          B12-T1-0007" in texts
    assert texts[0] == " SALINAN "


# Latin names and words as buyers and exhibitors write them; both sides must print them
# alike. (Scripts without Latin letters differ: the server spells them with
# text-unidecode, "漢字" as "Han Zi"; the tablet has no such table and prints "?".)
TRICKY = [
    "Café Ñyuh Kuning",
    "Zoë Łukasz Đorđe Œuvre Ğül Ţară ß",
    "“Endek” – ‘Songket’ — 10 × Rp45.000 − Rp5.000 … €5 •",
    "IDR\u00a01,250,000\u202fnet",
    "tab\there\nnew\x07bell\x7f",
    "",
    "   ",
    "x" * 32,
    "x" * 33,
    "Kerajinan" * 5,
    "Anting Perak Bunga Jepun edisi Kerajinanbambuanyamantangan Gianyar",
    "a " * 20,
]


@pytest.mark.parametrize("width", [32, 42, 48, 10])
def test_the_tablet_spells_and_wraps_text_as_the_server_does(browser, served_demo, width):
    context = tablet(browser)
    try:
        page = context.new_page()
        page.goto(served_demo + "/login")
        made = page.evaluate(
            """async ([texts, width]) => {
              const escpos = await import("/static/js/register/escpos.js");
              return texts.map((text) => [escpos.printable(text), escpos.wrap(text, width)]);
            }""",
            [TRICKY, width],
        )
    finally:
        context.close()
    expected = [[server_escpos.printable(t), server_escpos.wrap(t, width)] for t in TRICKY]
    assert made == expected


# --- the booth's network printer, through the server ------------------------------------


def test_one_tap_sends_the_receipt_to_the_booths_network_printer(browser, served_demo, tmp_path):
    manager = bearer(served_demo, "manager-b12")
    _, exhibitors = call(served_demo, "GET", "/api/v1/exhibitors", headers=manager)
    b12 = next(e["id"] for e in exhibitors["items"] if e["booth"] == "B12")
    with FakePrinter() as printer:
        status, added = call(
            served_demo,
            "POST",
            "/api/v1/printers",
            {
                "exhibitor_id": b12,
                "name": "Kasir depan",
                "host": "127.0.0.1",
                "port": printer.port,
                "paper": "58mm",
            },
            headers=manager,
        )
        assert status == 201, added
        context = tablet(browser)
        try:
            page, problems = register(context, served_demo)
            # The cashier chooses it once, in the register's printer settings.
            page.tap("#printer-settings")
            option = page.locator(f'#printer-server-list input[value="server:{added["id"]}"]')
            option.wait_for()
            page.tap(f'label.printer-kind:has(input[value="server:{added["id"]}"])')
            assert page.locator("#printer-head").input_value() == "58mm"
            page.screenshot(path="/tmp/print-tablet-settings-server.png")
            page.tap("#printer-close")
            number = sell_ring(page).removeprefix("Struk ")
            assert page.locator("#print-receipt-target").inner_text() == "Printer stan Kasir depan"
            page.tap("#print-receipt")
            page.wait_for_function(
                "() => document.getElementById('done-print-status').textContent === 'Tercetak'"
            )
            page.locator("#print-again").wait_for()
            page.screenshot(path=str(tmp_path / "printed.png"))
            page.screenshot(path="/tmp/print-tablet-done-printed.png")
            jobs = list(printer.jobs)

            # The manager has it print after every sale: the done screen shows that job
            # without a tap, and Print then makes a COPY.
            status, changed = call(
                served_demo,
                "PATCH",
                f"/api/v1/printers/{added['id']}",
                {"auto_print": True},
                headers=manager,
            )
            assert (status, changed["auto_print"]) == (200, True)
            page.tap("#new-sale")
            page.tap("#printer-settings")
            page.locator(f'#printer-server-list input[value="server:{added["id"]}"]').wait_for()
            page.tap("#printer-close")
            second = sell_ring(page).removeprefix("Struk ")
            page.wait_for_function(
                "() => document.getElementById('done-print-status').textContent === 'Tercetak'"
            )
            automatic = list(printer.jobs)
            page.tap("#print-receipt")  # a copy, on top of the automatic receipt
            page.wait_for_function(
                "() => document.getElementById('done-print-status').textContent === 'Tercetak'"
            )
            assert problems.seen == []
        finally:
            context.close()
        deadline = time.monotonic() + 30
        while len(printer.jobs) < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
        copies = list(printer.jobs)
    assert len(jobs) == 1  # printed once
    job = decode(jobs[0])
    assert job.cut and job.qr_codes[0].startswith(served_demo + "/r/")
    assert job.starting("No.").text == f"No.{number:>29}"  # 32 columns: 58 mm
    assert job.find("TOTAL").text.endswith("Rp450.000")
    assert len(automatic) == 2 and decode(automatic[1]).starting("No.").text.endswith(second)
    assert len(copies) == 3
    assert decode(copies[2]).texts[0] == " SALINAN " and decode(copies[2]).find(second)


# --- offline: the tablet's own paths -----------------------------------------------------


def test_offline_the_server_printer_gives_way_to_the_tablets_paths(browser, served_demo, tmp_path):
    context = tablet(browser, user_agent=ANDROID)
    try:
        page, problems = register(context, served_demo)
        failed: list[str] = []
        page.on("requestfailed", lambda r: None if r.service_worker else failed.append(r.url))
        choose(page, {"kind": "server", "printer_id": 1, "name": "Kasir depan", "head": "58mm"})
        page.evaluate("navigator.serviceWorker.ready.then(() => true)")
        context.set_offline(True)
        page.reload()  # the register and every printing file from the tablet
        page.wait_for_selector("#register[data-ready]")
        assert page.locator("#printer-settings-name").inner_text() == "Printer stan Kasir depan"
        number = sell_ring(page)
        assert re.fullmatch(r"B12-T\d+-\d{4}", number)

        page.tap("#print-receipt")
        choices = page.locator("#print-offline-choices")
        choices.wait_for()
        assert "tidak dapat dijangkau" in page.locator("#print-offline-why").inner_text()
        offered = choices.locator("button:visible").all_inner_texts()
        # Headless Chromium on Linux has no Web Bluetooth of its own, but the fake makes
        # the page see one; a secure origin (127.0.0.1) lets it offer both.
        assert offered == [
            "Printer Bluetooth",
            "Printer USB atau serial",
            "Aplikasi RawBT",
            "Dialog cetak",
        ]
        page.screenshot(path=str(tmp_path / "offline-choices.png"))
        page.screenshot(path="/tmp/print-tablet-offline-choices.png")

        page.tap('#print-offline-choices button[data-print-kind="dialog"]')
        page.wait_for_function("() => window.__prints.length >= 1")
        html = page.evaluate("window.__prints[0]")
        assert html["type"] == "text/html" and number in html["text"]

        page.evaluate(
            """async () => {
              const printers = await import("/static/js/register/printers.js");
              window.__opened = [];
              printers.launcher.open = (url) => window.__opened.push(url);
            }"""
        )
        page.tap("#print-receipt")
        page.tap('#print-offline-choices button[data-print-kind="rawbt"]')
        page.wait_for_function("() => window.__opened.length >= 1")
        url = page.evaluate("window.__opened[0]")
        assert page.locator("#done-print-status").inner_text() == "Diserahkan ke RawBT"
        assert [p for p in problems.seen if "ERR_INTERNET_DISCONNECTED" not in p] == []
    finally:
        context.close()
    match = re.fullmatch(
        r"intent:base64,([A-Za-z0-9+/=]+)#Intent;scheme=rawbt;package=ru\.a402d\.rawbtprinter;end;",
        url,
    )
    assert match, url
    job = decode(base64.b64decode(match.group(1)))
    assert job.cut and len(job.qr_codes) == 1
    assert re.fullmatch(rf"{re.escape(served_demo)}/r/[A-Za-z0-9_-]{{22,}}", job.qr_codes[0])
    assert job.starting("No. offline").text == f"No. offline{number:>21}"  # 32 columns
    assert job.find("Rp450.000").text == "1 × Rp450.000          Rp450.000"
    assert [u for u in failed if "/api/" not in u] == []


# --- Bluetooth and serial, with fake devices ---------------------------------------------


def test_a_bluetooth_printer_gets_the_receipt_in_small_writes_and_is_remembered(
    browser, served_demo
):
    context = tablet(browser)
    try:
        page, problems = register(context, served_demo)
        choose(page, {"kind": "bluetooth", "head": "80mm"})
        number = sell_ring(page)
        page.tap("#print-receipt")
        page.wait_for_function(SENT)
        first = page.evaluate("window.__ble")
        # Remembered: the next receipt goes to the same printer without the chooser.
        kept = page.evaluate("JSON.parse(localStorage.getItem('pameran-printer'))")
        page.tap("#new-sale")
        page.reload()
        page.wait_for_selector("#register[data-ready]")
        page.evaluate("window.__ble.chooser = 1")  # the browser granted it before the reload
        sell_ring(page)
        page.tap("#print-receipt")
        page.wait_for_function(SENT)
        second = page.evaluate("window.__ble")
        assert page.locator("#print-receipt-target").inner_text() == "Printer Bluetooth MPT-II"
        assert problems.seen == []
    finally:
        context.close()
    assert first["chooser"] == 1
    assert {"services": ["000018f0-0000-1000-8000-00805f9b34fb"]} in first["options"]["filters"]
    assert kept | {"device_id": "ble-printer-1", "name": "MPT-II"} == kept
    assert all(len(piece) <= 100 for piece in first["writes"])
    assert len(first["writes"]) > 10  # a receipt of some 1,500 bytes, a hundred at a time
    job = decode(bytes(b for piece in first["writes"] for b in piece))
    assert job.cut and job.qr_codes[0].startswith(served_demo + "/r/")
    assert job.starting("No.").text == f"No.{number.removeprefix('Struk '):>45}"
    assert max(len(text) for text in job.texts) == 48  # 80 mm
    assert second["chooser"] == 1 and second["remembered"] >= 1  # no chooser the second time


def test_a_serial_printer_gets_the_whole_receipt_through_one_open_port(browser, served_demo):
    context = tablet(browser)
    try:
        page, problems = register(context, served_demo)
        choose(page, {"kind": "serial", "head": "58mm"})
        sell_ring(page)
        page.tap("#print-receipt")
        page.wait_for_function(SENT)
        sent = page.evaluate("window.__serial")
        kept = page.evaluate("JSON.parse(localStorage.getItem('pameran-printer'))")
        # The settings' test page goes to the same port.
        page.tap("#new-sale")
        page.tap("#printer-settings")
        page.tap("#printer-test")
        page.wait_for_function(
            "() => document.getElementById('printer-state').textContent === 'Terkirim ke printer'"
        )
        all_writes = page.evaluate("window.__serial.writes")
        assert problems.seen == []
    finally:
        context.close()
    page_bytes = bytes(b for piece in all_writes[len(sent["writes"]) :] for b in piece)
    test = decode(page_bytes)
    assert len(all_writes) > len(sent["writes"]) and test.cut
    assert "12345678901234567890123456789012" in test.texts  # the ruler: 32 columns
    assert test.texts[0] == "Halaman uji"
    assert sent["chooser"] == 1 and sent["opened"] == [{"baudRate": 9600}]
    assert all(len(piece) <= 512 for piece in sent["writes"])
    job = decode(bytes(b for piece in sent["writes"] for b in piece))
    assert job.cut and max(len(text) for text in job.texts) == 32
    assert kept["usb"] == {
        "usbVendorId": 0x0416,
        "usbProductId": 0x5011,
        "bluetoothServiceClassId": None,
    }


# --- the settings panel at three sizes ---------------------------------------------------


@pytest.mark.parametrize(
    "device", [TABLET, PORTRAIT, PHONE], ids=["1280x800", "800x1280", "390x844"]
)
def test_the_printer_settings_fit_each_screen_with_large_targets(browser, served_demo, device):
    name = f"{device['viewport']['width']}x{device['viewport']['height']}"
    context = tablet(browser, device)
    context.add_init_script(path=str(AXE))  # run by the browser itself: the CSP holds
    try:
        page, problems = register(context, served_demo)
        page.locator("#printer-settings").scroll_into_view_if_needed()
        page.screenshot(path=f"/tmp/print-tablet-register-{name}.png")
        page.tap("#printer-settings")
        page.locator("#printer-dialog").wait_for()
        page.tap('label.printer-kind:has(input[value="bluetooth"])')
        assert page.locator("#printer-settings-name").inner_text() == "Printer Bluetooth"
        page.select_option("#printer-head", "58mm")
        page.screenshot(path=f"/tmp/print-tablet-settings-{name}.png")
        small = page.evaluate(
            """() => [...document.querySelectorAll(
                   '#printer-dialog :is(button, label.printer-kind, select)')]
                 .filter((e) => e.offsetParent !== null)
                 .map((e) => [e.id || e.textContent.trim().slice(0, 20), e.getBoundingClientRect()])
                 .filter(([, r]) => r.height < 44 || r.width < 44)
                 .map(([n]) => n)"""
        )
        wider = page.evaluate(
            "() => ((d) => d.scrollWidth > d.clientWidth)(document.querySelector('dialog[open]'))"
        )
        kept = page.evaluate("JSON.parse(localStorage.getItem('pameran-printer'))")
        found = page.evaluate(
            """async () => {
                const result = await axe.run(document.getElementById("printer-dialog"), {
                    runOnly: {type: "tag", values: ["wcag2a", "wcag2aa"]},
                    resultTypes: ["violations"]});
                return result.violations.flatMap(
                    (v) => v.nodes.map((n) => `${v.id} at ${n.target.join(" ")}`));
            }"""
        )
        assert problems.seen == []
    finally:
        context.close()
    assert found == []  # axe: no WCAG 2 A/AA problem in the printer settings
    assert small == [] and not wider
    assert kept == {"kind": "bluetooth", "head": "58mm"}
