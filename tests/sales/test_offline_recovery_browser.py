"""Selling offline, when things go wrong on the way back: the server killed in the
middle of taking in the tablet's sales, and a sale made late in the evening that reaches
the server the next morning."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.browser import TABLET, sign_in
from tests.servers import (
    STARTUP_SECONDS,
    bearer,
    call,
    free_port,
    healthy,
    pos_command,
    server_env,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

FAN = "BB-KB-07"  # Kipas Bambu, Rp45.000 (D02)
WITA = ZoneInfo("Asia/Makassar")


class Server:
    """`pos serve` on a fixed port, that a test can kill (SIGKILL of the whole process
    group, as a laptop losing power) and start again on the same database."""

    def __init__(self, root) -> None:
        self.root = root
        self.env = server_env(root)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = None
        for command in ("init-db", "seed-demo"):
            done = subprocess.run([*pos_command(), command], env=self.env, capture_output=True)
            assert done.returncode == 0, done.stderr

    def start(self) -> None:
        with (self.root / "serve.log").open("a") as log:
            self.process = subprocess.Popen(
                [*pos_command(), "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + STARTUP_SECONDS
        while not healthy(self.base + "/healthz"):
            assert self.process.poll() is None, (self.root / "serve.log").read_text()
            assert time.monotonic() < deadline, "pos serve did not come up"
            time.sleep(0.1)

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=30)

    def check(self) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*pos_command(), "check"], env=self.env, capture_output=True, text=True
        )


@pytest.fixture
def server(tmp_path):
    running = Server(tmp_path)
    running.start()
    yield running
    running.stop()


def d02_sales(base: str, day: str | None = None) -> list[dict]:
    manager = bearer(base, "manager-d02")
    _, exhibitors = call(base, "GET", "/api/v1/exhibitors", headers=manager)
    d02 = next(e["id"] for e in exhibitors["items"] if e["booth"] == "D02")
    query = f"/api/v1/sales?exhibitor_id={d02}" + (f"&date={day}" if day else "")
    return call(base, "GET", query, headers=manager)[1]["items"]


def offline_register(context, base: str):
    page = context.new_page()
    page.set_default_timeout(20_000)
    sign_in(page, base, "cashier-d02")
    page.wait_for_url(re.compile(r"/register$"))
    # The service worker is installed, and in charge of the page from its next load on:
    # on a busy machine it may not be yet when the register is ready.
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    page.wait_for_selector("#register[data-ready][data-device]")
    assert page.evaluate("Boolean(navigator.serviceWorker.controller)")
    context.set_offline(True)
    page.reload()
    page.wait_for_selector("#register[data-ready]")
    return page


def sell_fan(page) -> None:
    page.tap(f'.product-tile[data-sku="{FAN}"]')
    page.tap("#pay")
    page.tap("#complete")
    page.wait_for_selector("#done[open]")
    page.tap("#new-sale")


def test_the_server_killed_while_taking_in_the_tablets_sales_loses_and_doubles_none(
    browser, server
):
    before = len(d02_sales(server.base))
    context = browser.new_context(**TABLET, locale="en-US")
    answered = []

    def kill_after_five(request):
        if request.method == "POST" and request.url.endswith("/api/v1/sales"):
            answered.append(request)
            if len(answered) == 5:
                server.kill()  # the sixth is on its way, or already written

    try:
        page = offline_register(context, server.base)
        for _ in range(20):
            sell_fan(page)
        assert page.get_attribute("#outbox", "data-count") == "20"
        context.on("requestfinished", kill_after_five)
        context.set_offline(False)
        page.evaluate("window.dispatchEvent(new Event('online'))")
        deadline = time.monotonic() + 60
        while server.process.poll() is None and time.monotonic() < deadline:
            page.wait_for_timeout(100)
        assert server.process.poll() is not None, "the server was never killed"
        deadline = time.monotonic() + 60  # the sender notices the silence and stops
        while int(page.get_attribute("#outbox", "data-count")) > 15:
            assert time.monotonic() < deadline, "the sender never got past five sales"
            page.wait_for_timeout(100)
        assert int(page.get_attribute("#outbox", "data-count")) > 0
        server.start()  # the laptop is back; the register's own timer sends the rest
        page.wait_for_selector('#outbox[data-count="0"]', state="attached", timeout=180_000)
    finally:
        context.close()
    sales = d02_sales(server.base)[before:]
    assert sorted(s["offline_number"] for s in sales) == [f"D02-T1-{n:04d}" for n in range(1, 21)]
    receipts = sorted(int(s["receipt_number"].split("-")[1]) for s in sales)
    assert receipts == list(range(receipts[0], receipts[0] + 20))
    checked = server.check()
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_a_sale_made_offline_at_2150_and_sent_next_morning_counts_on_its_own_day(browser, server):
    yesterday = datetime.now(WITA).date() - timedelta(days=1)
    evening = datetime(yesterday.year, yesterday.month, yesterday.day, 21, 50, tzinfo=WITA)
    before_yesterday = d02_sales(server.base, yesterday.isoformat())
    context = browser.new_context(**TABLET, locale="en-US")
    try:
        page = offline_register(context, server.base)
        page.clock.set_fixed_time(evening)  # the tablet's clock: 21:50 last night
        sell_fan(page)
        page.clock.set_fixed_time(datetime.now(WITA))  # the next morning, back online
        context.set_offline(False)
        page.evaluate("window.dispatchEvent(new Event('online'))")
        page.wait_for_selector('#outbox[data-count="0"]', state="attached", timeout=60_000)
    finally:
        context.close()
    then = d02_sales(server.base, yesterday.isoformat())
    assert len(then) == len(before_yesterday) + 1
    sale = then[-1]
    assert sale["created_at"] == evening.isoformat()
    assert sale["business_date"] == yesterday.isoformat()
    assert sale["late"] is True
    assert [s for s in d02_sales(server.base) if s["offline_number"]] == []
