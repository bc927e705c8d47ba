"""The sale service's guarantees that need a look inside: a failure half-way leaves no
trace, and a retry after it records the sale once."""

import uuid

import pytest
import sqlalchemy as sa

from pos.auth.models import AuditEntry
from pos.db import write_phase
from pos.inventory.models import Product, StockMovement
from pos.sales import recording, service
from pos.sales.models import DocumentCounter, IdempotencyKey, Payment, Sale, SaleLine
from tests import factories


def snapshot(db):
    return (
        db.session.scalar(sa.select(sa.func.count(Sale.id))),
        db.session.scalar(sa.select(sa.func.count(SaleLine.id))),
        db.session.scalar(sa.select(sa.func.count(Payment.id))),
        db.session.scalar(sa.select(sa.func.count(StockMovement.id))),
        db.session.scalar(sa.select(sa.func.count(IdempotencyKey.id))),
        db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(DocumentCounter.last_seq), 0))),
        tuple(db.session.scalars(sa.select(Product.stock).order_by(Product.id))),
    )


def test_a_failure_after_the_stock_update_leaves_no_trace(app, client, db, monkeypatch):
    booth = factories.Booth(factories.make_event(), "B12")
    headers = factories.auth_headers(client, booth.cashier) | {"Idempotency-Key": str(uuid.uuid4())}
    body = {
        "exhibitor_id": booth.exhibitor.id,
        "items": [{"product_id": booth.product.id, "quantity": 2}],
        "payments": [{"method": "cash", "amount": 200_000}],
    }
    before = snapshot(db)
    product_id = booth.product.id  # read now: the test's session must not load mid-request
    taken = []
    real_next_number = service.next_number

    def crash_after_stock_was_taken(exhibitor_id, kind):
        # The stock UPDATE has run in this transaction; now the process "fails".
        taken.append(db.session.scalar(sa.select(Product.stock).where(Product.id == product_id)))
        raise RuntimeError("power cut")

    monkeypatch.setattr(recording, "next_number", crash_after_stock_was_taken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    failed = client.post("/api/v1/sales", json=body, headers=headers)
    assert failed.status_code == 500 and failed.get_json()["error"] == "server_error"
    assert taken == [3]  # the failure came after the stock had been taken
    assert snapshot(db) == before

    monkeypatch.setattr(recording, "next_number", real_next_number)
    retried = client.post("/api/v1/sales", json=body, headers=headers)
    assert retried.status_code == 201
    assert retried.get_json()["receipt_number"] == "B12-000001"
    assert db.session.get(Product, product_id).stock == 3


def test_a_read_phase_with_unsaved_changes_cannot_turn_into_the_write_phase(db):
    db.session.add(AuditEntry(action="half-done"))
    with pytest.raises(RuntimeError), write_phase(db.session):
        pass
    db.session.rollback()
