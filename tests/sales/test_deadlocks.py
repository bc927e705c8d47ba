"""Voids and refunds racing sales of the same products: every request answered, none
with a 5xx, and the stock ledger balanced.

A sale takes its products' rows in product-id order; a void or refund that gave stock
back in the sale's line order took them in the other order when the lines were
[higher id, lower id], and PostgreSQL broke the deadlock by failing one of the two
with a 500. Every write now takes product rows in one global order (see
pos/inventory/service.py: lock_products), and a transaction the database still aborts
as a deadlock is run again (pos/database_errors.py).
"""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from pos.inventory.models import Product, StockMovement
from tests import factories

STOCK = 10_000
PRODUCTS = 6
ROUNDS = 12  # per thread


@pytest.fixture
def booth(db):
    return factories.Booth(factories.make_event(), "B12")


def _sale_body(exhibitor_id: int, product_ids: list[int]) -> dict:
    return {
        "exhibitor_id": exhibitor_id,
        "items": [{"product_id": pid, "quantity": 1} for pid in product_ids],
        "payments": [{"method": "cash", "amount": 10_000 * len(product_ids)}],
    }


@pytest.mark.slow
def test_voids_and_refunds_racing_sales_of_the_same_products_never_answer_5xx(
    app, client, booth, db
):
    products = [
        factories.make_product(
            booth.exhibitor, booth.manager, sku=f"LOCK-{n}", price=10_000, stock=STOCK
        )
        for n in range(PRODUCTS)
    ]
    ids = sorted(p.id for p in products)
    exhibitor_id = booth.exhibitor.id
    cashier = factories.auth_headers(client, booth.cashier)
    manager = factories.auth_headers(client, booth.manager)

    # Sales whose lines run from the highest product id down: each is voided or
    # refunded below while other sales take the same products lowest id first.
    taken_back = []
    for n in range(4 * ROUNDS):
        answer = client.post(
            "/api/v1/sales",
            json=_sale_body(exhibitor_id, ids[::-1]),
            headers=cashier | {"Idempotency-Key": f"back-{n}"},
        )
        assert answer.status_code == 201, answer.get_json()
        taken_back.append(answer.get_json()["id"])

    barrier = threading.Barrier(8)

    def take_back(worker: int) -> list[int]:
        statuses = []
        barrier.wait()
        for sale_id in taken_back[worker::4]:
            own = FlaskClient(app)
            if sale_id % 2:
                answer = own.post(
                    f"/api/v1/sales/{sale_id}/void", json={"reason": "race"}, headers=manager
                )
            else:
                answer = own.post(
                    f"/api/v1/sales/{sale_id}/refunds",
                    json={
                        "lines": [{"product_id": pid, "quantity": 1} for pid in ids[::-1]],
                        "reason": "race",
                        "restock": True,
                    },
                    headers=manager,
                )
            statuses.append(answer.status_code)
        return statuses

    def sell(_worker: int) -> list[int]:
        statuses = []
        barrier.wait()
        for _ in range(ROUNDS):
            answer = FlaskClient(app).post(
                "/api/v1/sales",
                json=_sale_body(exhibitor_id, ids),
                headers=cashier | {"Idempotency-Key": str(uuid.uuid4())},
            )
            statuses.append(answer.status_code)
        return statuses

    with ThreadPoolExecutor(max_workers=8) as pool:
        backs = [pool.submit(take_back, w) for w in range(4)]
        sales = [pool.submit(sell, w) for w in range(4)]
        back_statuses = [s for f in backs for s in f.result()]
        sale_statuses = [s for f in sales for s in f.result()]
    db.session.commit()  # end the test's own read snapshot

    voids = sum(1 for sale_id in taken_back if sale_id % 2)
    assert sorted(back_statuses) == [200] * voids + [201] * (len(taken_back) - voids)
    assert sale_statuses == [201] * (4 * ROUNDS)
    sold = 4 * ROUNDS  # the sales still standing: those taken back gave their stock back
    for product_id in ids:
        stock = db.session.get(Product, product_id).stock
        ledger = db.session.scalar(
            sa.select(sa.func.sum(StockMovement.delta)).where(
                StockMovement.product_id == product_id
            )
        )
        assert (stock, ledger) == (STOCK - sold, STOCK - sold)
