"""A full disk, a busy database and a deadlock, as the user meets them: a 503 with
Retry-After and a clear message (never a 500 and a traceback per request), nothing
saved that was not acknowledged, /healthz saying the disk is full, and the app
selling again once the fault clears.

The faults are real ones from the database in use. SQLite: ``PRAGMA max_page_count``
on every connection of the app makes the database full (SQLite answers SQLITE_FULL,
"database or disk is full", exactly as on a full disk, which needs no mount or root),
and a second connection holding the write lock makes it busy. PostgreSQL, whose disk
a test cannot fill: a trigger raises the server's own ``53100 disk_full`` or
``40P01 deadlock_detected`` error, which reaches the app as psycopg raises it.
"""

from __future__ import annotations

import errno
import logging
import sqlite3
import uuid

import psycopg
import pytest
import sqlalchemy as sa

from pos import database_errors
from pos import db as pos_db
from pos.database_errors import Fault, fault_of
from pos.inventory.models import Product, StockMovement
from pos.sales.models import Sale
from tests import factories, pages
from tests.conftest import POSTGRES_URL, postgres_only


@pytest.fixture(autouse=True)
def fresh_fault_memory():
    database_errors.forget_faults()
    yield
    database_errors.forget_faults()


@pytest.fixture
def booth(db):
    return factories.Booth(factories.make_event(), "B12")


def _install_trigger(db, table: str, body: str) -> None:
    db.session.execute(
        sa.text(
            "CREATE OR REPLACE FUNCTION pos_test_fault() RETURNS trigger LANGUAGE plpgsql "
            f"AS $$ BEGIN {body} RETURN NEW; END $$"
        )
    )
    db.session.execute(
        sa.text(
            f"CREATE TRIGGER pos_test_fault BEFORE INSERT ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION pos_test_fault()"
        )
    )
    db.session.commit()


def _drop_trigger(db, table: str) -> None:
    db.session.rollback()
    db.session.execute(sa.text(f"DROP TRIGGER IF EXISTS pos_test_fault ON {table}"))
    db.session.execute(sa.text("DROP FUNCTION IF EXISTS pos_test_fault()"))
    db.session.execute(sa.text("DROP SEQUENCE IF EXISTS pos_test_attempts"))
    db.session.commit()


class FullDisk:
    """Makes the app's database refuse to grow, and lets it grow again."""

    def __init__(self, db) -> None:
        self.db = db
        self.engine = db.engine

    def fill(self) -> None:
        if self.engine.dialect.name == "sqlite":
            # Never below the current size: 1 means "not a page more than now".
            sa.event.listen(self.engine, "connect", _no_more_pages)
            self.db.session.commit()
            self.engine.dispose()
        else:
            _install_trigger(
                self.db,
                "stock_movement",
                "RAISE EXCEPTION 'could not extend file: No space left on device' "
                "USING ERRCODE = 'disk_full';",
            )

    def free(self) -> None:
        if self.engine.dialect.name == "sqlite":
            sa.event.remove(self.engine, "connect", _no_more_pages)
            self.db.session.commit()
            self.engine.dispose()
        else:
            _drop_trigger(self.db, "stock_movement")


def _no_more_pages(dbapi_connection, _record) -> None:
    dbapi_connection.execute("PRAGMA max_page_count = 1")


@pytest.fixture
def full_disk(db):
    disk = FullDisk(db)
    yield disk
    if db.engine.dialect.name == "sqlite":
        if sa.event.contains(db.engine, "connect", _no_more_pages):
            disk.free()
    else:
        _drop_trigger(db, "stock_movement")


def _sale(booth, product) -> dict:
    return {
        "exhibitor_id": booth.exhibitor.id,
        "items": [{"product_id": product.id, "quantity": 1}],
        "payments": [{"method": "cash", "amount": 10_000}],
        "buyer": {"name": "Pembeli yang namanya cukup panjang " * 4},
    }


def _sell_until_refused(client, headers, body, limit=300):
    """Sell until the database refuses; (sales acknowledged, the refusal)."""
    for done in range(limit):
        answer = client.post(
            "/api/v1/sales", json=body, headers=headers | {"Idempotency-Key": str(uuid.uuid4())}
        )
        if answer.status_code != 201:
            return done, answer
    pytest.fail(f"{limit} sales and the database never filled up")


def test_selling_into_a_full_disk_answers_503_storage_full_logged_once_and_sells_again_after(
    app, client, booth, db, full_disk, caplog
):
    product = factories.make_product(booth.exhibitor, booth.manager, price=10_000, stock=5_000)
    headers = factories.auth_headers(client, booth.cashier)
    body = _sale(booth, product)
    assert client.get("/healthz").status_code == 200
    full_disk.fill()

    caplog.set_level(logging.INFO)
    acknowledged, refused = _sell_until_refused(client, headers, body)
    assert refused.status_code == 503
    assert refused.headers["Retry-After"] == "60"
    assert refused.get_json() == {
        "error": "storage_full",
        "message": "The server's disk is full, so nothing was saved. Ask the organizer to "
        "free space; then try again.",
    }
    for _ in range(5):  # the tablets keep trying
        again = client.post(
            "/api/v1/sales", json=body, headers=headers | {"Idempotency-Key": str(uuid.uuid4())}
        )
        assert (again.status_code, again.get_json()["error"]) == (503, "storage_full")

    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.headers["Retry-After"] == "60"
    assert health.get_json()["status"] == "storage_full"
    assert health.get_json()["reason"] in ("database_page_limit", "write_refused")

    # One line in the log for the six refusals, and not a traceback among them.
    faults = [r for r in caplog.records if r.name == "pos.database"]
    assert len(faults) == 1, [r.getMessage() for r in faults]
    assert faults[0].levelno == logging.WARNING
    assert faults[0].getMessage().startswith("storage_full: answering 503 to POST /api/v1/sales")
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]

    # Nothing but the acknowledged sales was kept.
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(Sale.id))) == acknowledged
    assert db.session.get(Product, product.id).stock == 5_000 - acknowledged

    full_disk.free()
    sold = client.post(
        "/api/v1/sales", json=body, headers=headers | {"Idempotency-Key": str(uuid.uuid4())}
    )
    assert sold.status_code == 201
    assert client.get("/healthz").status_code == 200
    db.session.commit()
    assert db.session.get(Product, product.id).stock == 5_000 - acknowledged - 1


def test_a_page_that_writes_to_a_full_disk_answers_a_503_page(app, client, booth, db, full_disk):
    product = factories.make_product(booth.exhibitor, booth.manager, stock=5)
    pages.english(booth.manager)
    pages.sign_in(client, booth.manager)
    full_disk.fill()
    for _ in range(300):
        answer = client.post(
            f"/products/{product.id}/adjust", data={"delta": "1", "reason": "counted"}
        )
        if answer.status_code != 302:
            break
    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == "60"
    assert answer.mimetype == "text/html"
    assert "The server&#39;s disk is full, so nothing was saved." in pages.text(answer)


def _hold_the_write_lock(database_url: str) -> sqlite3.Connection:
    holder = sqlite3.connect(sa.make_url(database_url).database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    return holder


def _short_busy_timeout(dbapi_connection, _record) -> None:
    dbapi_connection.execute("PRAGMA busy_timeout = 200")


def test_a_busy_database_answers_503_database_busy_and_saves_nothing(
    app, client, booth, db, database_url
):
    """SQLite: another process holds the write lock past the busy timeout. PostgreSQL:
    every attempt is aborted as a deadlock, so the retries run out."""
    product = factories.make_product(booth.exhibitor, booth.manager, stock=5)
    headers = factories.auth_headers(client, booth.manager)
    sqlite = db.engine.dialect.name == "sqlite"
    if sqlite:
        sa.event.listen(db.engine, "connect", _short_busy_timeout)
        db.engine.dispose()
        holder = _hold_the_write_lock(database_url)
    else:
        db.session.execute(sa.text("CREATE SEQUENCE pos_test_attempts"))
        _install_trigger(
            db,
            "stock_movement",
            "PERFORM nextval('pos_test_attempts'); "
            "RAISE EXCEPTION 'deadlock detected' USING ERRCODE = 'deadlock_detected';",
        )
    try:
        answer = client.post(
            f"/api/v1/products/{product.id}/stock-adjustments",
            json={"delta": 3, "reason": "delivery"},
            headers=headers,
        )
        if not sqlite:
            attempts = db.session.scalar(sa.text("SELECT last_value FROM pos_test_attempts"))
    finally:
        if sqlite:
            holder.rollback()
            holder.close()
            sa.event.remove(db.engine, "connect", _short_busy_timeout)
        else:
            _drop_trigger(db, "stock_movement")
    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == "2"
    assert answer.get_json() == {
        "error": "database_busy",
        "message": "The server is busy. Nothing was saved; try again in a moment.",
    }
    if not sqlite:
        assert attempts == database_errors.MAX_ATTEMPTS
    db.session.commit()
    assert db.session.get(Product, product.id).stock == 5

    again = client.post(
        f"/api/v1/products/{product.id}/stock-adjustments",
        json={"delta": 3, "reason": "delivery"},
        headers=headers,
    )
    assert again.status_code == 201
    db.session.commit()
    assert db.session.get(Product, product.id).stock == 8


@postgres_only
def test_a_transaction_aborted_as_a_deadlock_runs_again_whole_and_is_recorded_once(
    app, client, booth, db
):
    product = factories.make_product(booth.exhibitor, booth.manager, stock=5)
    headers = factories.auth_headers(client, booth.cashier)
    db.session.execute(sa.text("CREATE SEQUENCE pos_test_attempts"))
    _install_trigger(
        db,
        "stock_movement",
        "IF nextval('pos_test_attempts') = 1 THEN "
        "RAISE EXCEPTION 'deadlock detected' USING ERRCODE = 'deadlock_detected'; END IF;",
    )
    try:
        answer = client.post(
            "/api/v1/sales",
            json={
                "exhibitor_id": booth.exhibitor.id,
                "items": [{"product_id": product.id, "quantity": 2}],
                "payments": [{"method": "cash", "amount": 200_000}],
            },
            headers=headers | {"Idempotency-Key": "retried-once"},
        )
        attempts = db.session.scalar(sa.text("SELECT last_value FROM pos_test_attempts"))
    finally:
        _drop_trigger(db, "stock_movement")
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["receipt_number"] == "B12-000001"
    assert attempts == 2  # the aborted attempt, and the one that was kept
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(Sale.id))) == 1
    assert db.session.get(Product, product.id).stock == 3
    kinds = db.session.scalars(
        sa.select(StockMovement.kind).where(StockMovement.product_id == product.id)
    ).all()
    assert kinds == ["opening", "sale"]


# --- what each failure is ------------------------------------------------------------------


def test_sqlites_full_and_locked_errors_and_a_full_disk_are_told_apart(tmp_path):
    path = tmp_path / "small.sqlite3"
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("CREATE TABLE t (x TEXT)")
    connection.execute("PRAGMA max_page_count = 1")
    with pytest.raises(sqlite3.OperationalError) as full:
        connection.execute("INSERT INTO t VALUES (?)", ("x" * 10_000,))
    assert str(full.value) == "database or disk is full"
    assert fault_of(full.value) is Fault.STORAGE_FULL

    other = sqlite3.connect(path, isolation_level=None, timeout=0)
    connection.execute("BEGIN IMMEDIATE")
    with pytest.raises(sqlite3.OperationalError) as locked:
        other.execute("BEGIN IMMEDIATE")
    assert str(locked.value) == "database is locked"
    assert fault_of(locked.value) is Fault.BUSY
    connection.rollback()

    with pytest.raises(OSError) as no_space, open("/dev/full", "wb") as device:
        device.write(b"receipt")
        device.flush()
    assert no_space.value.errno == errno.ENOSPC
    assert fault_of(no_space.value) is Fault.STORAGE_FULL

    with pytest.raises(sqlite3.OperationalError) as other_error:
        connection.execute("SELECT * FROM no_such_table")
    assert fault_of(other_error.value) is None


def _drop_the_apps_connections() -> None:
    """The server closes every connection of the test database but this one (as a
    restart of PostgreSQL would)."""
    dsn = sa.make_url(POSTGRES_URL).set(drivername="postgresql").render_as_string(False)
    with psycopg.connect(dsn, autocommit=True) as connection:
        dropped = connection.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchone()[0]
    assert dropped >= 1


@postgres_only
def test_a_connection_the_server_closed_while_it_was_idle_is_replaced_before_a_sale_uses_it(
    app, client, booth, db, monkeypatch
):
    product = factories.make_product(booth.exhibitor, booth.manager, stock=5)
    headers = factories.auth_headers(client, booth.cashier)
    sale = _sale(booth, product) | {"payments": [{"method": "cash", "amount": product.price}]}
    db.session.commit()
    db.session.remove()  # every connection back in the pool
    _drop_the_apps_connections()
    monkeypatch.setattr(pos_db, "PING_AFTER_IDLE_SECONDS", 0.0)  # each has been idle enough
    answer = client.post("/api/v1/sales", json=sale, headers=headers | {"Idempotency-Key": "a"})
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["receipt_number"] == "B12-000001"

    # A connection in steady use is not pinged (no round trip per request): one the
    # server closed meanwhile fails its request with a clear 503, and nothing is saved.
    db.session.remove()
    _drop_the_apps_connections()
    monkeypatch.setattr(pos_db, "PING_AFTER_IDLE_SECONDS", 3600.0)
    refused = client.post("/api/v1/sales", json=sale, headers=headers | {"Idempotency-Key": "b"})
    assert refused.status_code == 503
    assert refused.get_json()["error"] == "database_unavailable"
    again = client.post("/api/v1/sales", json=sale, headers=headers | {"Idempotency-Key": "b"})
    assert again.status_code == 201, again.get_json()
    assert again.get_json()["receipt_number"] == "B12-000002"


@postgres_only
@pytest.mark.parametrize(
    ("errcode", "fault"),
    [
        ("disk_full", Fault.STORAGE_FULL),
        ("deadlock_detected", Fault.CONFLICT),
        ("serialization_failure", Fault.CONFLICT),
        ("lock_not_available", Fault.BUSY),
        ("too_many_connections", Fault.BUSY),
        ("admin_shutdown", Fault.UNAVAILABLE),
        ("division_by_zero", None),
    ],
)
def test_postgresqls_errors_are_told_apart_by_their_sqlstate(errcode, fault):
    dsn = sa.make_url(POSTGRES_URL).set(drivername="postgresql").render_as_string(False)
    with psycopg.connect(dsn) as connection, pytest.raises(psycopg.Error) as raised:
        connection.execute(
            f"DO $$ BEGIN RAISE EXCEPTION 'test' USING ERRCODE = '{errcode}'; END $$"
        )
    assert fault_of(raised.value) is fault
    engine = sa.create_engine(POSTGRES_URL)
    try:
        with engine.connect() as connection, pytest.raises(sa.exc.DBAPIError) as wrapped:
            connection.exec_driver_sql(
                f"DO $$ BEGIN RAISE EXCEPTION 'test' USING ERRCODE = '{errcode}'; END $$"
            )
    finally:
        engine.dispose()
    assert fault_of(wrapped.value) is fault
