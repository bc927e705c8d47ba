"""LAN printing through `pos serve` (gunicorn, two worker processes, each with its own
sender; on PostgreSQL in the PostgreSQL run) and a fake network printer: every job
prints once however the two workers compete for it, auto-print follows each sale, and
the booth's printers page works in a real browser on a tablet, a portrait tablet and a
phone, passing axe's checks."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest

from tests.browser import PHONE, TABLET, PageProblems, sign_in
from tests.conftest import POSTGRES_URL
from tests.printing.escpos_decode import decode
from tests.printing.fake_printer import FakePrinter, free_port
from tests.servers import bearer, call, served
from tests.test_pages_browser import AXE, PORTRAIT_TABLET, violations

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def printer_device() -> Iterator[FakePrinter]:
    with FakePrinter() as device:
        yield device


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("printing")
    (root / "instance").mkdir()
    # The fake printer listens on this machine's loopback, which a real booth may not
    # name (pos/printing/service.check_host).
    (root / "instance" / "config.py").write_text("PRINTER_ALLOW_LOOPBACK = True\n")
    with served(root, workers=2, database_url=POSTGRES_URL or None) as (base, _log):
        yield base


def wait_for(predicate, what: str, seconds: float = 60):
    deadline = time.monotonic() + seconds
    while not (result := predicate()):
        assert time.monotonic() < deadline, f"never: {what}"
        time.sleep(0.1)
    return result


def booth_b12(server: str) -> dict:
    """The demo's booth B12, as its manager belongs to it."""
    _, me = call(server, "GET", "/api/v1/auth/me", headers=bearer(server, "manager-b12"))
    return {"id": me["exhibitor_id"]}


def test_two_workers_print_every_job_once_and_auto_print_follows_each_sale(server, printer_device):
    manager, cashier = bearer(server, "manager-b12"), bearer(server, "cashier-b12")
    booth = booth_b12(server)
    status, printer = call(
        server,
        "POST",
        "/api/v1/printers",
        {
            "exhibitor_id": booth["id"],
            "name": "Auto",
            "host": "127.0.0.1",
            "port": printer_device.port,
            "paper": "58mm",
            "auto_print": True,
        },
        manager,
    )
    assert status == 201, printer
    _, catalogue = call(
        server, "GET", f"/api/v1/products?exhibitor_id={booth['id']}", headers=cashier
    )
    product = next(p for p in catalogue["items"] if p["stock"] >= 5 and p["sellable"])
    before = len(printer_device.jobs)
    status, sale = call(
        server,
        "POST",
        "/api/v1/sales",
        {
            "exhibitor_id": booth["id"],
            "items": [{"product_id": product["id"], "quantity": 1}],
            "payments": [{"method": "cash", "amount": product["price"]}],
        },
        cashier | {"Idempotency-Key": str(uuid.uuid4())},
    )
    assert status == 201, sale
    jobs = wait_for(
        lambda: call(server, "GET", f"/api/v1/print-jobs?sale_id={sale['id']}", headers=cashier)[1][
            "items"
        ],
        "the auto-print job",
    )
    # Five reprints asked at once, in the two workers.
    for _ in range(5):
        status, job = call(
            server,
            "POST",
            f"/api/v1/sales/{sale['id']}/print",
            {"printer_id": printer["id"], "copy": True},
            cashier,
        )
        assert status == 202 and job["status"] in ("queued", "printing", "printed"), job
    ids = [j["id"] for j in jobs] + [
        j["id"]
        for j in call(server, "GET", f"/api/v1/print-jobs?sale_id={sale['id']}", headers=cashier)[
            1
        ]["items"][1:]
    ]
    assert len(ids) == 6
    for job_id in ids:
        wait_for(
            lambda job_id=job_id: (
                call(server, "GET", f"/api/v1/print-jobs/{job_id}", headers=cashier)[1]["status"]
                == "printed"
            ),
            f"job {job_id} printed",
        )
    time.sleep(1.5)  # a second sender pass in each worker: nothing more arrives
    received = printer_device.jobs[before:]
    assert len(received) == 6
    texts = [decode(content) for content in received]
    assert all(sale["receipt_number"] in t.text for t in texts)
    assert sum(1 for t in texts if any(line.inverted for line in t.lines)) == 5  # the COPYs
    _, listed = call(server, "GET", f"/api/v1/printers?exhibitor_id={booth['id']}", headers=cashier)
    assert [(p["name"], p["status"]) for p in listed["items"]] == [("Auto", "ready")]
    call(server, "DELETE", f"/api/v1/printers/{printer['id']}", headers=manager)


def test_jobs_for_a_printer_that_is_off_print_once_each_when_it_comes_on(server):
    """Two workers' senders retry the same jobs while the printer refuses connections;
    switched on, it gets every job exactly once."""
    manager, cashier = bearer(server, "manager-b12"), bearer(server, "cashier-b12")
    booth = booth_b12(server)
    port = free_port()
    status, printer = call(
        server,
        "POST",
        "/api/v1/printers",
        {"exhibitor_id": booth["id"], "name": "Off", "host": "127.0.0.1", "port": port},
        manager,
    )
    assert status == 201, printer
    _, sales = call(server, "GET", f"/api/v1/sales?exhibitor_id={booth['id']}", headers=cashier)
    sale = next(s for s in sales["items"] if s["status"] == "completed")
    ids = []
    for _ in range(4):
        status, job = call(
            server, "POST", f"/api/v1/sales/{sale['id']}/print", {"printer_id": printer["id"]},
            cashier,
        )  # fmt: skip
        assert status == 202, job
        ids.append(job["job_id"])

    def state(job_id: int) -> dict:
        return call(server, "GET", f"/api/v1/print-jobs/{job_id}", headers=cashier)[1]

    for job_id in ids:
        wait_for(lambda job_id=job_id: state(job_id)["attempts"] >= 2, f"job {job_id} retried")
        assert (state(job_id)["status"], state(job_id)["error"]) in {
            ("retrying", "connection refused"),
            ("printing", "connection refused"),
        }
    _, listed = call(server, "GET", f"/api/v1/printers?exhibitor_id={booth['id']}", headers=cashier)
    off = next(p for p in listed["items"] if p["id"] == printer["id"])
    assert (off["status"], off["last_error"]) == ("unreachable", "connection refused")
    with FakePrinter(port) as device:
        for job_id in ids:
            wait_for(
                lambda job_id=job_id: state(job_id)["status"] == "printed", f"{job_id} printed"
            )
        time.sleep(1.5)  # another pass of both senders: nothing more arrives
    assert len(device.jobs) == 4
    assert all(sale["receipt_number"] in decode(content).text for content in device.jobs)
    call(server, "DELETE", f"/api/v1/printers/{printer['id']}", headers=manager)


@pytest.mark.browser
@pytest.mark.parametrize(
    ("device", "size"), [(TABLET, "tablet"), (PORTRAIT_TABLET, "portrait"), (PHONE, "phone")]
)
def test_a_manager_adds_a_printer_prints_a_test_page_and_sees_it_ready(
    browser, server, printer_device, device, size
):
    context = browser.new_context(**device, locale="id-ID")
    context.add_init_script(path=str(AXE))
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        problems = PageProblems(page)
        sign_in(page, server, "manager-b12")
        page.wait_for_url(lambda url: "/login" not in url)
        page.goto(server + "/printers")
        found = {"/printers": violations(page)}
        page.get_by_role("link", name="Tambah printer").tap()
        page.tap('main form button[type="submit"]')
        page.wait_for_selector(".field.has-error")
        found["/printers/new (refused)"] = violations(page)
        page.fill('input[name="name"]', f"Kasir {size}")
        page.fill('input[name="host"]', "127.0.0.1")
        page.fill('input[name="port"]', str(printer_device.port))
        page.select_option('select[name="paper"]', "58mm")
        page.tap('main form button[type="submit"]')
        page.wait_for_url(lambda url: url.split("?")[0].endswith("/printers"))
        row = page.locator("tr", has_text=f"Kasir {size}")
        assert "Belum dipakai" in row.inner_text()
        before = len(printer_device.jobs)
        row.get_by_role("button", name="Cetak halaman uji").tap()
        page.wait_for_selector(".flash-success")
        wait_for(lambda: len(printer_device.jobs) > before, "the test page")

        def ready() -> bool:
            page.reload()
            return "Siap" in page.locator("tr", has_text=f"Kasir {size}").inner_text()

        wait_for(ready, "the printer shown ready")
        found["/printers (ready)"] = violations(page)
        page.screenshot(path=f"/tmp/print-server-printers-{size}.png", full_page=True)
        test_page = decode(printer_device.jobs[before])
        assert test_page.texts[0] == "Halaman uji"
        assert f"Printer: Kasir {size}" in test_page.texts
        assert "12345678901234567890123456789012" in test_page.texts  # 58 mm: 32 columns
        row = page.locator("tr", has_text=f"Kasir {size}")
        row.get_by_role("button", name="Hapus").tap()
        page.wait_for_selector(".flash-success")
        assert page.locator("tr", has_text=f"Kasir {size}").count() == 0
        assert [f"{p}: {v}" for p, shown in found.items() for v in shown] == []
        assert problems.seen == []
    finally:
        context.close()
