"""The sale service's guarantees that need a look inside: a failure half-way leaves no
trace, and a retry after it records the sale once."""

import sqlite3
import uuid

import pytest
import sqlalchemy as sa

from pos.auth.models import AuditEntry
from pos.db import write_now, write_phase
from pos.inventory.models import Product, StockMovement
from pos.sales import recording
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
    real_receipt_number = recording.receipt_number

    def crash_after_stock_was_taken(booth, seq):
        # The stock UPDATE and the number have run in this transaction; now the process
        # "fails".
        taken.append(db.session.scalar(sa.select(Product.stock).where(Product.id == product_id)))
        raise RuntimeError("power cut")

    monkeypatch.setattr(recording, "receipt_number", crash_after_stock_was_taken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    failed = client.post("/api/v1/sales", json=body, headers=headers)
    assert failed.status_code == 500 and failed.get_json()["error"] == "server_error"
    assert taken == [3]  # the failure came after the stock had been taken
    assert snapshot(db) == before

    monkeypatch.setattr(recording, "receipt_number", real_receipt_number)
    retried = client.post("/api/v1/sales", json=body, headers=headers)
    assert retried.status_code == 201
    assert retried.get_json()["receipt_number"] == "B12-000001"
    assert db.session.get(Product, product_id).stock == 3


def test_a_read_phase_with_unsaved_changes_cannot_turn_into_the_write_phase(db):
    db.session.add(AuditEntry(action="half-done"))
    with pytest.raises(RuntimeError), write_phase(db.session):
        pass
    db.session.rollback()


def test_a_sale_reads_and_writes_on_one_connection_taken_from_the_pool_once(app, client, db):
    """The write phase begins on the read phase's connection (pos.db.write_now): no
    return to the pool and checkout again (on PostgreSQL a ping and a BEGIN more)."""
    booth = factories.Booth(factories.make_event(), "B12")
    headers = factories.auth_headers(client, booth.cashier)
    body = {
        "exhibitor_id": booth.exhibitor.id,
        "items": [{"product_id": booth.product.id, "quantity": 1}],
        "payments": [{"method": "cash", "amount": 100_000}],
    }
    # The token's first use is noted after the answer, in a transaction of its own.
    first = client.post(
        "/api/v1/sales", json=body, headers=headers | {"Idempotency-Key": str(uuid.uuid4())}
    )
    assert first.status_code == 201, first.get_json()
    db.session.commit()  # the test's own session holds no connection during the sale
    checkouts = []

    def checked_out(_dbapi, _record, _proxy) -> None:
        checkouts.append(1)

    sa.event.listen(db.engine, "checkout", checked_out)
    try:
        sold = client.post(
            "/api/v1/sales", json=body, headers=headers | {"Idempotency-Key": str(uuid.uuid4())}
        )
    finally:
        sa.event.remove(db.engine, "checkout", checked_out)

    assert sold.status_code == 201, sold.get_json()
    assert len(checkouts) == 1


def test_write_now_rolls_back_nothing_written_and_takes_sqlites_write_lock_at_once(db):
    db.session.add(AuditEntry(action="half-done"))
    with pytest.raises(RuntimeError), write_now(db.session):
        pass
    db.session.rollback()

    db.session.scalar(sa.select(Product.id).limit(1))  # the read phase
    with write_now(db.session):
        connection = db.session.connection()
        if connection.dialect.name == "sqlite":
            # BEGIN IMMEDIATE was taken on the read's connection: another writer waits.
            raw = connection.connection.driver_connection
            assert raw.in_transaction
            other = sqlite3.connect(db.engine.url.database, timeout=0)
            try:
                with pytest.raises(sqlite3.OperationalError, match="locked"):
                    other.execute("BEGIN IMMEDIATE")
            finally:
                other.close()
    db.session.rollback()
