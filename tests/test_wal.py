"""SQLite's write-ahead log under `pos serve`: it stays small while organizers pull the
event's exports during sales, and nothing is left of it once the server has stopped."""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import sqlite_only
from tests.servers import bearer, call, served

pytestmark = [pytest.mark.slow, sqlite_only]

# Each sale writes about 88 KiB to the log (its rows, index pages and the booth's rollup
# rows, page by page), so a log never started again would hold 50 MiB after SALES sales.
SALES = 600
REPORTS_DONE = 10
LOAD_SECONDS = 120
REPORT_CLIENTS = 4
# SQLite checkpoints the log into the database every 1,000 pages (4 MiB) and starts it
# again from the top once no reader still needs its frames. A report reads in one short
# transaction (milliseconds, not the seconds its document takes to render), so the log
# starts again within a checkpoint or two; the file is cut back to 16 MiB
# (pos.db.SQLITE_WAL_SIZE_LIMIT) whenever it went further. Over that, the log is growing
# with the sales: it reached 321 MB in a minute at a venue's pace.
WAL_BOUND = 16 * 2**20
# The demo event is small; its documents render in a blink. A fair's take 0.3-0.8 s:
# the reports are held that long, as the server renders them, while sales go on.
RENDER_CONFIG = """
import time


def REPORT_RENDER_HOOK(renderer):
    time.sleep(0.5)
"""
REPORTS = (
    "/api/v1/reports/event.csv",
    "/api/v1/reports/event.xlsx?lang=id",
    "/api/v1/reports/event.pdf",
    "/api/v1/reports/event",
)


def _get(base: str, path: str, headers: dict[str, str]) -> int:
    request = urllib.request.Request(base + path, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _shop(base: str, booth: str) -> tuple[dict[str, str], list[dict]]:
    """A cashier's token at the booth, and carts of three products with stock to spare."""
    manager = bearer(base, f"manager-{booth.lower()}")
    _, exhibitors = call(base, "GET", "/api/v1/exhibitors", headers=manager)
    exhibitor_id = exhibitors["items"][0]["id"]
    carts = []
    for n in range(3):
        body = {
            "exhibitor_id": exhibitor_id,
            "sku": f"WAL-{booth}-{n}",
            "name": f"Load item {n}",
            "category": "craft",
            "price": 10_000 * (n + 1),
            "stock": 1_000_000,
        }
        status, product = call(base, "POST", "/api/v1/products", body, headers=manager)
        assert status == 201, product
        carts.append(
            {
                "exhibitor_id": exhibitor_id,
                "items": [{"product_id": product["id"], "quantity": 1}],
                "payments": [{"method": "qris", "amount": product["price"], "reference": "Q"}],
            }
        )
    return bearer(base, f"cashier-{booth.lower()}"), carts


def test_the_wal_stays_small_while_reports_overlap_sales_and_is_emptied_when_the_server_stops(
    tmp_path,
):
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text(RENDER_CONFIG)
    database = tmp_path / "pos.sqlite3"
    wal = Path(f"{database}-wal")
    stop = threading.Event()
    outcomes: dict[str, list[int]] = {"sales": [], "reports": []}
    largest = [0]

    with served(tmp_path, workers=4) as (base, _log):
        organizer = bearer(base, "organizer")
        shops = [_shop(base, booth) for booth in ("A03", "B12", "C07", "D02")]

        def sell(index: int) -> None:
            cashier, carts = shops[index % len(shops)]
            n = 0
            while not stop.is_set():
                key = {"Idempotency-Key": f"wal-{index}-{n}"}
                status, _ = call(base, "POST", "/api/v1/sales", carts[n % 3], cashier | key)
                outcomes["sales"].append(status)
                n += 1

        def pull_reports(index: int) -> None:
            n = index
            while not stop.is_set():
                outcomes["reports"].append(_get(base, REPORTS[n % len(REPORTS)], organizer))
                n += 1

        def watch() -> None:
            while not stop.wait(0.05):
                if wal.exists():
                    largest[0] = max(largest[0], wal.stat().st_size)

        threads = [threading.Thread(target=sell, args=(i,)) for i in range(6)]
        threads += [threading.Thread(target=pull_reports, args=(i,)) for i in range(REPORT_CLIENTS)]
        threads.append(threading.Thread(target=watch))
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + LOAD_SECONDS
        # Until enough sales and enough reports overlapped them (a report's first helper
        # starts slowly on a loaded machine), or the deadline.
        while (
            len(outcomes["sales"]) < SALES or outcomes["reports"].count(200) <= REPORTS_DONE
        ) and time.monotonic() < deadline:
            time.sleep(0.1)
        stop.set()
        for thread in threads:
            thread.join()

    assert set(outcomes["sales"]) == {201} and len(outcomes["sales"]) >= SALES
    assert set(outcomes["reports"]) <= {200, 503} and outcomes["reports"].count(200) > REPORTS_DONE
    assert largest[0] < WAL_BOUND, f"the WAL reached {largest[0] / 2**20:.0f} MiB"
    # After a clean stop the log is checkpointed into the database and gone (or empty).
    assert not wal.exists() or wal.stat().st_size == 0
