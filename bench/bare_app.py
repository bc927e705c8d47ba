"""The floor of the checkout benchmark: the same sale rows, written with nothing in the way.

A bare WSGI callable: no Flask, no SQLAlchemy, no pydantic; the standard ``json`` and
``sqlite3`` modules (or ``psycopg`` for PostgreSQL) only, one connection per thread of
each gunicorn worker (opened after the fork). It is served by the same gunicorn as
``pos serve``, with the settings of ``pos/wsgi.py`` (gthread workers of
``THREADS_PER_WORKER`` threads, keep-alive, access log), on its own copy of the app's
database.

``POST /api/v1/sales`` takes the very body the app takes and, in one transaction driven
the way ``pos/db.py`` drives SQLite (WAL, ``synchronous=FULL``, foreign keys on, a 15 s
busy timeout, ``BEGIN IMMEDIATE``; on PostgreSQL a plain ``BEGIN``), writes:

- one conditional stock ``UPDATE ... RETURNING`` per line (refused below zero, or above
  one for a one-of-a-kind item), which also returns the SKU, name, category and price
  the line keeps;
- one ``INSERT`` of the sale, its receipt number taken in the same statement as the
  booth's ``MAX(receipt_seq) + 1`` (gapless on SQLite: it runs under the write lock; on
  PostgreSQL from the booth's ``document_counter`` row, as the app takes it);
- its lines and its payments (``executemany``),

into the app's own tables and columns, then ``COMMIT``, and answers ``201`` with a short
JSON body. Being the floor, it leaves out: authentication (the bearer token is ignored;
the booth's first user is recorded as the cashier), the idempotency key, the stock
ledger, the receipt counter, the report totals, shifts, tax, order discounts, and any
pricing beyond the arithmetic the schema's CHECK constraints need.

With ``--app-rows`` it also writes every other row the app writes for a sale: it looks
the idempotency key up before the transaction, takes the receipt number from
``document_counter``, writes one ``stock_movement`` per line, upserts the report totals
(``daily_rollup``: total, payment methods, categories, buyer origin) and stores the
idempotency key with an answer of the app's shape. Still no authentication, no shift, no
tax: the same rows, bare.

``GET /healthz`` runs ``SELECT 1`` like the app's; ``GET /ping`` touches nothing (the
client's ceiling). ``python bench/bare_app.py --database FILE|postgresql://... --port P
--workers N``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import secrets
import sqlite3
import threading
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

BUSY_TIMEOUT_MS = 15_000  # as pos.db.SQLITE_BUSY_TIMEOUT_MS
MAX_BODY = 256 * 1024

DATABASE = os.environ.get("BARE_DATABASE", "")
# False: the floor (stock, sale, lines, payments). True: also the other rows the app
# writes for a sale (idempotency key with its answer, receipt counter, stock ledger).
APP_ROWS = False

UPDATE_STOCK = """
UPDATE product SET stock = stock - :qty
WHERE id = :pid AND exhibitor_id = :ex AND stock - :qty >= 0
  AND (NOT one_of_a_kind OR stock - :qty <= 1)
RETURNING stock, sku, name, category, price
"""

_INSERT_SALE = """
INSERT INTO sale (
  event_id, exhibitor_id, receipt_seq, receipt_number, status, cashier_id, shift_id,
  created_at, business_date, subtotal, line_discount_total, order_discount,
  discount_total, tax_total, tax_rate_percent, total, paid, change, refunded_total,
  buyer_name, buyer_phone, buyer_email, buyer_origin, public_token,
  voided_at, voided_by_id, void_reason, void_business_date)
SELECT :event, :ex, seq, RECEIPT, 'completed', :cashier, NULL,
  :created, :day, :subtotal, :discount, 0,
  :discount, 0, 0, :total, :paid, :change, 0,
  :buyer_name, :buyer_phone, :buyer_email, :buyer_origin, :token,
  NULL, NULL, '', NULL
FROM ({numbers}) AS numbers
RETURNING id, receipt_number
"""
# The floor numbers receipts gaplessly from the sales themselves, under SQLite's write
# lock. PostgreSQL has no such lock (two sales of one booth's different products would
# take the same MAX + 1): there the floor takes the number from document_counter, whose
# row lock serialises a booth's sales, as the app does.
INSERT_SALE = _INSERT_SALE.format(
    numbers="SELECT COALESCE(MAX(receipt_seq), 0) + 1 AS seq FROM sale WHERE exhibitor_id = :ex"
)
INSERT_SALE_NUMBERED = _INSERT_SALE.format(numbers="SELECT :seq AS seq")
RECEIPT_PG = "(:booth || '-' || lpad(seq::text, 6, '0'))"
RECEIPT_SQLITE = "printf('%s-%06d', :booth, seq)"

INSERT_LINE = """
INSERT INTO sale_line (
  sale_id, line_no, product_id, sku, name, category, unit_price, quantity,
  discount_percent, discount, total, order_discount_share, net, tax, refunded_quantity)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, 0, 0)
"""

INSERT_PAYMENT = (
    "INSERT INTO payment (sale_id, method, amount, change, reference) VALUES (?, ?, ?, ?, ?)"
)

# The rows the floor leaves out (APP_ROWS):
SELECT_KEY = (
    "SELECT response_status, response_body, fingerprint FROM idempotency_key"
    " WHERE exhibitor_id = ? AND key = ?"
)
BUMP_COUNTER = """
INSERT INTO document_counter (exhibitor_id, kind, last_seq) VALUES (?, 'sale', 1)
ON CONFLICT (exhibitor_id, kind) DO UPDATE SET last_seq = document_counter.last_seq + 1
RETURNING last_seq
"""
INSERT_MOVEMENT = """
INSERT INTO stock_movement (
  product_id, exhibitor_id, kind, delta, stock_after, reason, user_id, sale_id, refund_id, at)
VALUES (?, ?, 'sale', ?, ?, '', ?, ?, NULL, ?)
"""
INSERT_KEY = """
INSERT INTO idempotency_key (
  exhibitor_id, key, fingerprint, user_id, sale_id, response_status, response_body, created_at)
VALUES (?, ?, ?, ?, ?, 201, ?, ?)
"""


# The report totals (daily_rollup): one row per booth, day, dimension and key.
UPSERT_ROLLUP = """
INSERT INTO daily_rollup (
  exhibitor_id, business_date, dimension, key, event_id,
  transactions, items, gross, discounts, refunds, tax, voids, amount)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0, ?)
ON CONFLICT (exhibitor_id, business_date, dimension, key) DO UPDATE SET
  transactions = daily_rollup.transactions + excluded.transactions,
  items = daily_rollup.items + excluded.items,
  gross = daily_rollup.gross + excluded.gross,
  discounts = daily_rollup.discounts + excluded.discounts,
  amount = daily_rollup.amount + excluded.amount
"""


def rollup_rows(event, ex, sale, lines, payments, changes) -> list[tuple]:
    """The deltas a sale adds to the report totals, in key order, as the app's."""
    day, rows = sale["day"], {}

    def add(dimension, key, transactions=0, items=0, gross=0, discounts=0, amount=0):
        row = rows.setdefault((dimension, key), [0, 0, 0, 0, 0])
        for i, value in enumerate((transactions, items, gross, discounts, amount)):
            row[i] += value

    count = sum(line[6] for line in lines)
    add("total", "", 1, count, sale["subtotal"], sale["discount"], sale["total"])
    for p, change in zip(payments, changes, strict=True):
        add("method", p["method"], amount=p["amount"] - change)
    for line in lines:
        add("category", line[4], items=line[6], amount=line[9])
    add("origin", sale["buyer_origin"] or "unknown", 1, amount=sale["total"])
    return [(ex, day, d, k, event, *v) for (d, k), v in sorted(rows.items())]


_converted: dict[str, str] = {}


def _statements() -> dict[str, str]:
    """Every statement in the driver's parameter style (sqlite3 or psycopg), once."""
    if not _converted:
        receipt = RECEIPT_PG if is_postgres() else RECEIPT_SQLITE
        for name in (
            "UPDATE_STOCK", "INSERT_SALE", "INSERT_SALE_NUMBERED", "INSERT_LINE",
            "INSERT_PAYMENT", "SELECT_KEY", "BUMP_COUNTER", "INSERT_MOVEMENT", "INSERT_KEY",
            "UPSERT_ROLLUP",
        ):  # fmt: skip
            text = globals()[name]
            if "RECEIPT" in text:
                head, tail = text.split("RECEIPT", 1)
                _converted[name] = sql(head) + sql(receipt) + sql(tail)
            else:
                _converted[name] = sql(text)
    return _converted


class Refused(Exception):
    def __init__(self, status: str, error: str, **details: Any) -> None:
        super().__init__(error)
        self.status = status
        self.body = {"error": error, **details}


_local = threading.local()
_exhibitors: dict[int, tuple[int, str, int, ZoneInfo]] = {}


def is_postgres() -> bool:
    return DATABASE.startswith("postgresql")


def sql(text: str) -> str:
    """A statement in the driver's parameter style: sqlite3 takes ``?`` and ``:name``,
    psycopg ``%s`` and ``%(name)s``."""
    if not is_postgres():
        return text
    text = text.replace("%", "%%").replace("?", "%s")
    return re.sub(r"(?<!:):([a-z_]+)", r"%(\1)s", text)


def connection() -> Any:
    """This thread's connection, opened on first use (after gunicorn's fork)."""
    conn = getattr(_local, "connection", None)
    if conn is None or getattr(_local, "pid", 0) != os.getpid():
        if is_postgres():
            import psycopg

            conn = psycopg.connect(DATABASE, autocommit=True, options="-c jit=off")
        else:
            conn = sqlite3.connect(
                DATABASE,
                timeout=BUSY_TIMEOUT_MS / 1000,
                isolation_level=None,
                check_same_thread=False,
            )
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA synchronous = FULL")
        # Which event, booth code and cashier each exhibitor's sales carry: read once.
        for ex, event, booth, cashier, timezone in conn.execute(
            "SELECT e.id, e.event_id, e.booth,"
            " (SELECT MIN(u.id) FROM user_account u WHERE u.exhibitor_id = e.id),"
            " v.timezone FROM exhibitor e JOIN event v ON v.id = e.event_id"
        ).fetchall():
            _exhibitors[ex] = (event, booth, cashier, ZoneInfo(timezone))
        _local.connection, _local.pid = conn, os.getpid()
    return conn


def line_discount(gross: int, item: dict[str, Any]) -> tuple[str | None, int]:
    percent = item.get("discount_percent")
    if percent is not None:
        hundredths = round(percent * 100)
        if not 0 <= hundredths <= 10_000:
            raise Refused("422 Unprocessable Entity", "invalid_discount")
        # percent % of gross, rounded half up to the unit
        return str(percent), (2 * gross * hundredths + 10_000) // 20_000
    amount = item.get("discount_amount") or 0
    if not 0 <= amount <= gross:
        raise Refused("422 Unprocessable Entity", "invalid_discount")
    return None, amount


def record_sale(order: dict[str, Any], raw: bytes, key: str) -> dict[str, Any]:
    conn = connection()
    cur = conn.cursor()
    q = _statements()
    ex = order["exhibitor_id"]
    if ex not in _exhibitors:
        raise Refused("422 Unprocessable Entity", "unknown_exhibitor")
    event, booth, cashier, timezone = _exhibitors[ex]
    items, payments = order["items"], order["payments"]
    if not items or not payments:
        raise Refused("422 Unprocessable Entity", "validation_error")
    buyer = order.get("buyer") or {}
    now = datetime.now(UTC)
    created: Any = now if is_postgres() else now.strftime("%Y-%m-%d %H:%M:%S.%f")
    fingerprint = ""
    if APP_ROWS:  # the app's idempotency check, before the write lock as the app does
        if not key:
            raise Refused("400 Bad Request", "idempotency_key_missing")
        fingerprint = hashlib.sha256(raw).hexdigest()
        stored = cur.execute(q["SELECT_KEY"], (ex, key)).fetchone()
        if stored is not None:
            if stored[2] != fingerprint:
                raise Refused("422 Unprocessable Entity", "idempotency_key_reused")
            return stored[1] if isinstance(stored[1], dict) else json.loads(stored[1])

    cur.execute("BEGIN" if is_postgres() else "BEGIN IMMEDIATE")
    try:
        lines = []
        stock_after = []
        subtotal = discounts = 0
        for number, item in enumerate(items, start=1):
            pid, qty = item["product_id"], item["quantity"]
            row = cur.execute(q["UPDATE_STOCK"], {"qty": qty, "pid": pid, "ex": ex}).fetchone()
            if row is None:
                raise Refused("409 Conflict", "insufficient_stock", product_id=pid)
            stock, sku, name, category, price = row
            stock_after.append((pid, -qty, stock))
            gross = price * qty
            percent, discount = line_discount(gross, item)
            subtotal += gross
            discounts += discount
            total = gross - discount
            lines.append([number, pid, sku, name, category, price, qty, percent, discount, total])
        total = subtotal - discounts
        paid = sum(p["amount"] for p in payments)
        change = paid - total
        cash = [i for i, p in enumerate(payments) if p["method"] == "cash"]
        if change < 0:
            raise Refused("422 Unprocessable Entity", "insufficient_payment")
        if change > sum(payments[i]["amount"] for i in cash):
            raise Refused("422 Unprocessable Entity", "change_without_cash")
        changes = [0] * len(payments)
        left = change
        for i in reversed(cash):  # the change comes out of the last cash payment first
            changes[i] = min(left, payments[i]["amount"])
            left -= changes[i]

        sale = {
            "event": event,
            "ex": ex,
            "booth": booth,
            "cashier": cashier,
            "created": created,
            "day": now.astimezone(timezone).date().isoformat(),
            "subtotal": subtotal,
            "discount": discounts,
            "total": total,
            "paid": paid,
            "change": change,
            "buyer_name": buyer.get("name") or "",
            "buyer_phone": buyer.get("phone") or "",
            "buyer_email": buyer.get("email") or "",
            "buyer_origin": buyer.get("origin"),
            "token": secrets.token_urlsafe(24),
        }
        if APP_ROWS or is_postgres():
            sale["seq"] = cur.execute(q["BUMP_COUNTER"], (ex,)).fetchone()[0]
            sale_id, receipt = cur.execute(q["INSERT_SALE_NUMBERED"], sale).fetchone()
        else:
            sale_id, receipt = cur.execute(q["INSERT_SALE"], sale).fetchone()
        cur.executemany(q["INSERT_LINE"], [(sale_id, *line, line[-1]) for line in lines])
        cur.executemany(
            q["INSERT_PAYMENT"],
            [
                (sale_id, p["method"], p["amount"], c, p.get("reference") or "")
                for p, c in zip(payments, changes, strict=True)
            ],
        )
        answer = {
            "id": sale_id,
            "receipt_number": receipt,
            "exhibitor_id": ex,
            "status": "completed",
            "total": total,
            "paid": paid,
            "change": change,
        }
        if APP_ROWS:
            cur.executemany(
                q["INSERT_MOVEMENT"],
                [
                    (pid, ex, delta, after, cashier, sale_id, created)
                    for pid, delta, after in stock_after
                ],
            )
            cur.executemany(
                q["UPSERT_ROLLUP"],
                rollup_rows(event, ex, sale, lines, payments, changes),
            )
            answer = app_answer(answer, sale, lines, payments, changes)
            cur.execute(
                q["INSERT_KEY"],
                (ex, key, fingerprint, cashier, sale_id, json.dumps(answer), created),
            )
        cur.execute("COMMIT")
    except BaseException:
        cur.execute("ROLLBACK")
        raise
    return answer


def app_answer(
    answer: dict[str, Any],
    sale: dict[str, Any],
    lines: list[list[Any]],
    payments: list[dict[str, Any]],
    changes: list[int],
) -> dict[str, Any]:
    """The answer in the shape the app gives (and stores with the idempotency key)."""
    return {
        **answer,
        "created_at": str(sale["created"]),
        "business_date": sale["day"],
        "lines": [
            {
                "product_id": pid,
                "sku": sku,
                "name": name,
                "category": category,
                "unit_price": price,
                "quantity": qty,
                "discount": discount,
                "total": total,
                "net": total,
                "tax": 0,
                "refunded_quantity": 0,
            }
            for _no, pid, sku, name, category, price, qty, _pct, discount, total in lines
        ],
        "subtotal": sale["subtotal"],
        "discount_total": sale["discount"],
        "tax_total": 0,
        "payments": [
            {
                "method": p["method"],
                "amount": p["amount"],
                "change": c,
                "reference": p.get("reference") or "",
            }
            for p, c in zip(payments, changes, strict=True)
        ],
        "buyer": {
            "name": sale["buyer_name"],
            "phone": sale["buyer_phone"],
            "email": sale["buyer_email"],
            "origin": sale["buyer_origin"],
        },
        "receipt_url": f"/api/v1/sales/{answer['id']}/receipt.pdf",
        "public_receipt_url": f"/r/{sale['token']}",
    }


def _answer(start_response: Any, status: str, body: dict[str, Any]) -> list[bytes]:
    data = json.dumps(body).encode()
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
    )
    return [data]


def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")
    if path == "/ping":
        return _answer(start_response, "200 OK", {"status": "ok"})
    if path == "/healthz":
        connection().execute("SELECT 1").fetchone()
        return _answer(start_response, "200 OK", {"status": "ok"})
    if path != "/api/v1/sales" or method != "POST":
        return _answer(start_response, "404 Not Found", {"error": "not_found"})
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        if length > MAX_BODY:
            raise Refused("413 Payload Too Large", "payload_too_large")
        raw = environ["wsgi.input"].read(length)
        key = environ.get("HTTP_IDEMPOTENCY_KEY", "").strip()
        try:
            sale = record_sale(json.loads(raw), raw, key)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise Refused(
                "422 Unprocessable Entity", "validation_error", message=str(exc)
            ) from None
    except Refused as refused:
        return _answer(start_response, refused.status, refused.body)
    return _answer(start_response, "201 Created", sale)


def serve(database: str, host: str, port: int, workers: int, app_rows: bool = False) -> None:
    """gunicorn with the settings of ``pos/wsgi.py``."""
    from gunicorn.app.base import BaseApplication

    from pos.wsgi import THREADS_PER_WORKER, access_logger_class

    global DATABASE, APP_ROWS
    DATABASE, APP_ROWS = database, app_rows

    class BareApplication(BaseApplication):
        def load_config(self) -> None:
            settings = {
                "bind": f"{host}:{port}",
                "workers": workers,
                # As pos/wsgi.py serves the app: threads, keep-alive connections.
                "worker_class": "gthread",
                "threads": THREADS_PER_WORKER,
                "accesslog": "-",
                "errorlog": "-",
                "logger_class": access_logger_class(),
                "timeout": 60,
                "graceful_timeout": 30,
                "proc_name": "pameran-pos-bare",
                "control_socket_disable": True,
            }
            for key, value in settings.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return app

    BareApplication().run()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--database",
        required=True,
        help="SQLite file with the app's schema, or a postgresql:// URL of such a database",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5001)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument(
        "--app-rows",
        action="store_true",
        help="also write the idempotency key with the answer, the receipt counter and the"
        " stock ledger, as the app does (not the floor: an aid to see where time goes)",
    )
    args = parser.parse_args(argv)
    serve(args.database, args.host, args.port, args.workers, args.app_rows)


if __name__ == "__main__":
    main()
