"""Crash safety, seen from outside: the real server (`pos serve`, gunicorn with two
workers) selling under load from several tablets is killed in the middle, three times
as a laptop losing power does (SIGKILL of the whole process group) and twice one
worker alone (the master stays), and started again each time. The tablets do what the
register's outbox does: an answer that never came is sent again with the same
Idempotency-Key until one comes.

Afterwards every acknowledged sale is there whole (lines, payments, stock movements,
idempotency key), no sale is partial, receipt numbers are gapless, `pos check` is
clean, and sending every sale again with its key records none twice. On SQLite, and on
PostgreSQL in its run (POS_TEST_DATABASE_URL).
"""

from __future__ import annotations

import http.client
import json
import random
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa

from pos.inventory.models import Product, StockMovement
from pos.sales.models import IdempotencyKey, Payment, Sale, SaleLine
from tests import factories
from tests.servers import KillableServer, bearer

pytestmark = pytest.mark.slow

TABLETS = 6  # three per booth
BOOTHS = ("K1", "K2")
PRODUCTS = 4  # per booth
STOCK = 1_000_000
# What happens to the server, in order, each after this many seconds of selling.
DISRUPTIONS = (
    ("server", 2.0),
    ("worker", 1.5),
    ("server", 2.0),
    ("worker", 1.5),
    ("server", 2.0),
)
LAST_STRETCH = 1.0  # seconds of selling after the last restart
REQUEST_TIMEOUT = 30


class Refused(Exception):
    """No connection: the request never reached the server."""


class Interrupted(Exception):
    """Sent, and no answer came: the server may or may not have recorded it."""


def post_sale(base: str, headers: dict, key: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        base + "/api/v1/sales",
        data=json.dumps(body).encode(),
        method="POST",
        headers=headers | {"Content-Type": "application/json", "Idempotency-Key": key},
    )
    try:
        with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        try:
            return error.code, json.loads(error.read() or b"null")
        except (OSError, http.client.HTTPException) as lost:
            raise Interrupted(repr(lost)) from lost
    except urllib.error.URLError as error:
        if isinstance(error.reason, ConnectionRefusedError):
            raise Refused() from error
        raise Interrupted(repr(error.reason)) from error
    except (OSError, http.client.HTTPException) as error:  # reset, closed, timed out
        raise Interrupted(repr(error)) from error


@dataclass
class Attempt:
    """One sale of a tablet: its key, its body, the answers it got, and the disruptions
    that interrupted it on the way."""

    key: str
    booth: int
    body: dict
    answers: list = field(default_factory=list)
    interrupted_by: list = field(default_factory=list)


class Tablets:
    """Tablets selling in threads, each re-sending an unanswered sale with its key."""

    def __init__(self, base: str, headers: list[dict], booths: list[tuple[int, dict]]) -> None:
        self.base = base
        self.headers = headers
        self.booths = booths  # (exhibitor id, {product id: price})
        self.attempts: dict[str, Attempt] = {}
        self.lock = threading.Lock()
        self.up = threading.Event()
        self.stop = threading.Event()
        self.disruption = 0
        self.sending = 0  # requests sent and not yet answered

    def wait_for_sales_in_flight(self, count: int = 2, timeout: float = 10) -> None:
        """Until ``count`` sales are on their way: a disruption then meets them, however
        quickly the server answers and however slowly this process sends (the machine
        busy with other work)."""
        deadline = time.monotonic() + timeout
        while self.sending < count and time.monotonic() < deadline:
            time.sleep(0.001)

    def body(self, rng: random.Random, booth: int) -> dict:
        exhibitor_id, prices = self.booths[booth]
        chosen = rng.sample(sorted(prices), rng.randint(1, 3))
        items = [{"product_id": pid, "quantity": rng.randint(1, 2)} for pid in chosen]
        total = sum(prices[i["product_id"]] * i["quantity"] for i in items)
        payments = rng.choice(
            [
                [{"method": "cash", "amount": total}],
                [{"method": "qris", "amount": 10_000}, {"method": "cash", "amount": total}],
                [{"method": "card", "amount": total}],
            ]
        )
        if len(payments) == 2:  # the rest in cash, with change
            payments[1]["amount"] = total - 10_000 + 5_000
        return {"exhibitor_id": exhibitor_id, "items": items, "payments": payments}

    def sell(self, tablet: int) -> None:
        rng = random.Random(tablet)
        booth = tablet % len(self.booths)
        number = 0
        while not self.stop.is_set():
            number += 1
            attempt = Attempt(f"crash-{tablet}-{number}", booth, self.body(rng, booth))
            with self.lock:
                self.attempts[attempt.key] = attempt
            while not self.stop.is_set():
                if not self.up.wait(timeout=0.2):
                    continue
                with self.lock:
                    self.sending += 1
                try:
                    answer = post_sale(self.base, self.headers[tablet], attempt.key, attempt.body)
                except Refused:
                    time.sleep(0.05)
                    continue
                except Interrupted:  # by the disruption just begun
                    attempt.interrupted_by.append(self.disruption)
                    time.sleep(0.05)
                    continue
                finally:
                    with self.lock:
                        self.sending -= 1
                attempt.answers.append(answer)
                break

    def disrupted(self) -> int:
        with self.lock:
            self.disruption += 1
            return self.disruption


@pytest.fixture
def shop(db):
    """Two booths of an event, each with a cashier and four products in deep stock."""
    event = factories.make_event()
    booths = []
    for code in BOOTHS:
        booth = factories.Booth(event, code)
        products = [
            factories.make_product(
                booth.exhibitor,
                booth.manager,
                sku=f"{code}-LOAD-{n}",
                price=25_000 * (n + 1),
                stock=STOCK,
            )
            for n in range(PRODUCTS)
        ]
        booths.append((booth, products))
    db.session.commit()
    return booths


def test_sigkills_under_load_lose_no_acknowledged_sale_leave_none_partial_and_double_none(
    app, db, shop, database_url, tmp_path
):
    server = KillableServer(tmp_path, database_url, workers=2)
    booths = [(booth.exhibitor.id, {p.id: p.price for p in products}) for booth, products in shop]
    cashiers = [shop[t % len(shop)][0].cashier.username for t in range(TABLETS)]
    server.start()
    try:
        headers = [bearer(server.base, name, factories.PASSWORD) for name in cashiers]
        tablets = Tablets(server.base, headers, booths)
        tablets.up.set()
        threads = [threading.Thread(target=tablets.sell, args=(t,)) for t in range(TABLETS)]
        for thread in threads:
            thread.start()
        kinds = {}
        try:
            for kind, seconds in DISRUPTIONS:
                time.sleep(seconds)
                tablets.wait_for_sales_in_flight()
                kinds[tablets.disrupted()] = kind
                if kind == "server":
                    tablets.up.clear()
                    server.kill()
                    server.start()
                    tablets.up.set()
                else:
                    server.kill_worker()
            time.sleep(LAST_STRETCH)
        finally:
            tablets.up.set()
            tablets.stop.set()
            for thread in threads:
                thread.join(timeout=2 * 60)
        attempts = list(tablets.attempts.values())

        # Every answer the tablets got was a recorded sale; no 5xx, no refusal.
        statuses = Counter(status for a in attempts for status, _body in a.answers)
        assert set(statuses) == {201}, statuses
        # Each disruption caught sales on their way (the server was killed under load).
        interrupted = Counter(d for a in attempts for d in a.interrupted_by)
        for disruption, kind in kinds.items():
            if kind == "server":
                assert interrupted[disruption] >= 1, (kinds, interrupted)
        assert sum(n for d, n in interrupted.items() if kinds.get(d) == "worker") >= 1, (
            kinds,
            interrupted,
        )

        print(
            f"{len(attempts)} sales, {sum(1 for a in attempts if a.answers)} acknowledged "
            f"during the load; interrupted by each disruption: {dict(interrupted)} {kinds}"
        )

        # Every sale sent again with its key: the same answer, and nothing recorded twice.
        def send_again(attempt: Attempt) -> tuple[int, dict]:
            tablet = next(t for t in range(TABLETS) if attempt.key.startswith(f"crash-{t}-"))
            return post_sale(server.base, headers[tablet], attempt.key, attempt.body)

        with ThreadPoolExecutor(max_workers=TABLETS) as pool:
            again = list(pool.map(send_again, attempts))
        assert {status for status, _body in again} == {201}
        for attempt, (_status, body) in zip(attempts, again, strict=True):
            if attempt.answers:
                assert body == attempt.answers[0][1], attempt.key
        final = {a.key: body for a, (_s, body) in zip(attempts, again, strict=True)}
    finally:
        stopped = server.stop()
    assert stopped == 0, server.log()[-3000:]

    checked = server.check()
    assert checked.returncode == 0, checked.stdout + checked.stderr

    _assert_every_sale_whole_and_once(db, shop, attempts, final)


def _assert_every_sale_whole_and_once(db, shop, attempts, final) -> None:
    db.session.commit()  # a fresh look at what the server wrote
    exhibitor_ids = [booth.exhibitor.id for booth, _products in shop]
    keys = dict(
        db.session.execute(
            sa.select(IdempotencyKey.key, IdempotencyKey.sale_id).where(
                IdempotencyKey.exhibitor_id.in_(exhibitor_ids)
            )
        ).all()
    )
    assert set(keys) == {a.key for a in attempts}
    sales = {
        sale.id: sale
        for sale in db.session.scalars(sa.select(Sale).where(Sale.exhibitor_id.in_(exhibitor_ids)))
    }
    # One sale per key, and no sale without its key.
    assert sorted(keys.values()) == sorted(sales)

    lines = {}
    for line in db.session.scalars(sa.select(SaleLine).order_by(SaleLine.line_no)):
        lines.setdefault(line.sale_id, []).append(
            {"product_id": line.product_id, "quantity": line.quantity}
        )
    payments = {}
    for payment in db.session.scalars(sa.select(Payment).order_by(Payment.id)):
        payments.setdefault(payment.sale_id, []).append(
            {"method": payment.method, "amount": payment.amount}
        )
    movements = {}
    for movement in db.session.scalars(
        sa.select(StockMovement).where(StockMovement.sale_id.is_not(None))
    ):
        assert movement.kind == "sale"
        movements.setdefault(movement.sale_id, {})[movement.product_id] = -movement.delta
    # Nothing partial anywhere: every sale has its lines, payments and movements.
    every_sale = set(db.session.scalars(sa.select(Sale.id)))
    assert every_sale <= set(lines) and every_sale <= set(payments) and every_sale <= set(movements)

    sold = Counter()
    for attempt in attempts:
        sale_id = keys[attempt.key]
        assert final[attempt.key]["id"] == sale_id
        assert final[attempt.key]["receipt_number"] == sales[sale_id].receipt_number
        assert lines[sale_id] == attempt.body["items"], attempt.key
        assert payments[sale_id] == attempt.body["payments"], attempt.key
        assert movements[sale_id] == {i["product_id"]: i["quantity"] for i in attempt.body["items"]}
        for item in attempt.body["items"]:
            sold[item["product_id"]] += item["quantity"]

    for exhibitor_id in exhibitor_ids:
        numbers = sorted(s.receipt_seq for s in sales.values() if s.exhibitor_id == exhibitor_id)
        assert numbers == list(range(1, len(numbers) + 1))
    for _booth, products in shop:
        for product in products:
            assert db.session.get(Product, product.id).stock == STOCK - sold[product.id]
