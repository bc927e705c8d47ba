"""Reports benchmark: the daily summary, the organizer's dashboard and the whole event
report against a national fair's data, beside the floor (a bare SQL GROUP BY).

    .venv/bin/python bench/reports.py                       # SQLite, 1,000,000 sales
    .venv/bin/python bench/reports.py --scale 0.05          # a quick run, 50,000 sales
    .venv/bin/python bench/reports.py --db both --keep /tmp/fair --repeat 5

Generation fills the app's real tables (schema from ``pos init-db``) with valid rows:
1 event (Asia/Makassar, IDR), 1,500 exhibitors with 20 products each, 5 days, 1,000,000
sales (1-5 lines, 3 on average), 1-2 payments each, about 1 % voided and 0.5 % partly
refunded (with refund lines); ``--scale`` shrinks every count in proportion. SQLite is
loaded with ``sqlite3.executemany`` (secondary indexes dropped during the load and
rebuilt after), PostgreSQL (``POS_BENCH_PG_URL``, database ``bench_reports``, its
``public`` schema dropped and recreated) with ``COPY``.

Timed inside a Flask app context, as an organizer of the event (a real ``user_account``
row, loaded at each call as a request would): ``daily_summary`` of the busiest booth on
the last day, ``event_report`` of the last day and of the whole event (the dashboard asks
for both every 5 s), ``event_rows`` (one row per exhibitor per day); and the floor: a bare
``GROUP BY`` over all sales and lines, and a bare one-booth-day aggregate. With
``--writers RATE`` (default 20 sales/s, 0 to skip) the dashboard is timed a second time
while a thread records sales of the last day. Times are the median of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_reports"

FULL_EXHIBITORS = 1_500
FULL_SALES = 1_000_000
DAYS = 5
FIRST_DAY = date(2026, 9, 2)
UTC_OFFSET_HOURS = 8  # Asia/Makassar (WITA), no daylight saving
OPEN_HOUR, CLOSE_HOUR = 10, 22
PRODUCTS_PER_BOOTH = 20
BATCH_SALES = 20_000
VOID_RATE = 0.01
REFUND_RATE = 0.005
TAX_REGISTERED_RATE = 0.1
TAX_RATE = 11

CATEGORIES = ("painting", "jewellery", "endek", "craft", "other")
REGIONS = ("Gianyar", "Badung", "Denpasar", "Klungkung", "Karangasem", "Tabanan", "Bangli")
REGIONS += ("Buleleng", "Jembrana", "Yogyakarta", "Surakarta", "Jepara", "Lombok Tengah")
METHODS = ("cash", "qris", "card", "transfer", "ewallet")
METHOD_WEIGHTS = (35, 45, 10, 5, 5)
LINE_COUNT_WEIGHTS = (15, 20, 30, 20, 15)  # 1..5 lines, 3 on average
NOT_A_PASSWORD = "!bench-no-login"

SALE_COLUMNS = [
    "id",
    "event_id",
    "exhibitor_id",
    "receipt_seq",
    "receipt_number",
    "status",
    "cashier_id",
    "shift_id",
    "created_at",
    "business_date",
    "business_hour",
    "subtotal",
    "line_discount_total",
    "order_discount",
    "discount_total",
    "tax_total",
    "tax_rate_percent",
    "total",
    "paid",
    "change",
    "refunded_total",
    "buyer_name",
    "buyer_phone",
    "buyer_email",
    "buyer_origin",
    "public_token",
    "voided_at",
    "voided_by_id",
    "void_reason",
    "void_business_date",
]
LINE_COLUMNS = [
    "id",
    "sale_id",
    "line_no",
    "product_id",
    "sku",
    "name",
    "category",
    "unit_price",
    "quantity",
    "discount_percent",
    "discount",
    "total",
    "order_discount_share",
    "net",
    "tax",
    "refunded_quantity",
]
PAYMENT_COLUMNS = ["id", "sale_id", "method", "amount", "change", "reference"]
REFUND_COLUMNS = [
    "id",
    "sale_id",
    "event_id",
    "exhibitor_id",
    "refund_seq",
    "refund_number",
    "amount",
    "tax",
    "method",
    "reason",
    "restock",
    "user_id",
    "shift_id",
    "created_at",
    "business_date",
    "business_hour",
]
REFUND_LINE_COLUMNS = [
    "id",
    "refund_id",
    "sale_line_id",
    "product_id",
    "quantity",
    "amount",
    "tax",
    "restocked",
]
TABLES = {
    "sale": SALE_COLUMNS,
    "sale_line": LINE_COLUMNS,
    "payment": PAYMENT_COLUMNS,
    "refund": REFUND_COLUMNS,
    "refund_line": REFUND_LINE_COLUMNS,
}


def stamp(moment: datetime) -> str:
    """A UTC time as SQLAlchemy stores it in SQLite (and PostgreSQL reads it, in UTC)."""
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def untaxed(amount: int) -> int:
    """round(amount × 100 / (100 + r)), half up, in integers."""
    return (amount * 200 + 100 + TAX_RATE) // (2 * (100 + TAX_RATE))


# --- the fair ---------------------------------------------------------------------------


class Fair:
    """The generated fair: fixed rows (event, booths, users, products), then the sales,
    batch by batch, in the order they were recorded. Deterministic for a seed."""

    def __init__(self, scale: float, seed: int = 2026) -> None:
        self.rng = random.Random(seed)
        self.exhibitors = max(10, round(FULL_EXHIBITORS * scale))
        self.sales = max(1_000, round(FULL_SALES * scale))
        self.days = [FIRST_DAY + timedelta(days=d) for d in range(DAYS)]
        # Booths are not equally busy: a long tail, a few with queues all day.
        # (capped: the busiest booth sells about ten times the median one, ~1,000 a day).
        self.weights = [min(15.0, self.rng.paretovariate(1.5)) for _ in range(self.exhibitors)]
        self.tax_registered = [self.rng.random() < TAX_REGISTERED_RATE for _ in self.weights]
        self.booths = [f"{'ABCDEFGHJK'[i % 10]}{i // 10 + 1:03d}" for i in range(self.exhibitors)]
        # Ids: exhibitor i+1; its cashier 2+2i, manager 3+2i (1 is the organizer).
        self.organizer_id = 1
        self.products: list[list[tuple[int, str, str, str, int]]] = []
        for i in range(self.exhibitors):
            main = CATEGORIES[i % len(CATEGORIES)]
            goods = []
            for p in range(PRODUCTS_PER_BOOTH):
                category = main if p < 16 else CATEGORIES[(i + p) % len(CATEGORIES)]
                price = self.rng.choice((15, 25, 50, 75, 120, 250, 450, 900, 1500, 3500)) * 1000
                product_id = i * PRODUCTS_PER_BOOTH + p + 1
                sku = f"{self.booths[i]}-{p + 1:03d}"
                goods.append((product_id, sku, f"{category.title()} {p + 1}", category, price))
            self.products.append(goods)
        self.receipt_seq = [0] * self.exhibitors
        self.refund_seq = [0] * self.exhibitors
        self.next_id = dict.fromkeys(TABLES, 1)
        self.refunded_sales = 0
        self.voided_sales = 0

    def fixed_rows(self) -> dict[str, tuple[list[str], list[tuple]]]:
        created = stamp(datetime(2026, 8, 1, tzinfo=UTC))
        event = [
            (1, "Pameran Kriya Nusantara (bench)", "GWK, Badung", self.days[0].isoformat())
            + (self.days[-1].isoformat(), "Asia/Makassar", "IDR", "", 0, 10, "5.00", 0, 1)
            + (created,)
        ]
        exhibitors = []
        users = [(1, "organizer", "Organizer", NOT_A_PASSWORD, "organizer", None, 1)]
        users[0] += (None, "id", 1, None, created)
        products = []
        for i, booth in enumerate(self.booths):
            region = REGIONS[i % len(REGIONS)]
            exhibitors.append(
                (i + 1, 1, f"Usaha {booth}", booth, f"Pemilik {booth}", "", "", "", region)
                + (f"Sentra {region}", int(self.tax_registered[i]))
                + (TAX_RATE if self.tax_registered[i] else 0, "", "id", 1, None, created)
            )
            for role, user_id in (("cashier", 2 + 2 * i), ("manager", 3 + 2 * i)):
                users.append(
                    (user_id, f"{role}-{booth.lower()}", f"{role} {booth}", NOT_A_PASSWORD)
                    + (role, i + 1, None, None, "id", 1, None, created)
                )
            for product_id, sku, name, category, price in self.products[i]:
                products.append(
                    (product_id, i + 1, sku, name, category, price, 1_000_000, "{}", 0, "")
                    + (None, None, "approved", "", 1, created, created)
                )
        return {
            "event": (
                [
                    "id",
                    "name",
                    "venue",
                    "starts_on",
                    "ends_on",
                    "timezone",
                    "currency",
                    "receipt_footer",
                    "requires_curation",
                    "cashier_discount_limit_percent",
                    "commission_percent",
                    "booth_fee",
                    "is_current",
                    "created_at",
                ],
                event,
            ),
            "exhibitor": (
                [
                    "id",
                    "event_id",
                    "name",
                    "booth",
                    "owner_name",
                    "phone",
                    "email",
                    "address",
                    "region",
                    "sentra",
                    "tax_registered",
                    "tax_rate_percent",
                    "npwp",
                    "receipt_language",
                    "active",
                    "updated_at",
                    "created_at",
                ],
                exhibitors,
            ),
            "user_account": (
                [
                    "id",
                    "username",
                    "display_name",
                    "password_hash",
                    "role",
                    "exhibitor_id",
                    "event_id",
                    "pin_hash",
                    "locale",
                    "active",
                    "last_login_at",
                    "created_at",
                ],
                users,
            ),
            "product": (
                [
                    "id",
                    "exhibitor_id",
                    "sku",
                    "name",
                    "category",
                    "price",
                    "stock",
                    "attributes",
                    "one_of_a_kind",
                    "description",
                    "photo",
                    "low_stock_threshold",
                    "review_status",
                    "review_note",
                    "active",
                    "created_at",
                    "updated_at",
                ],
                products,
            ),
        }

    def batches(self) -> Iterator[dict[str, list[tuple]]]:
        """The sales of each day (the last day busiest), in batches of BATCH_SALES."""
        shares = [1.0, 1.1, 0.9, 1.2, 1.3]
        per_day = [round(self.sales * s / sum(shares)) for s in shares]
        per_day[-1] += self.sales - sum(per_day)
        for day_index, count in enumerate(per_day):
            done = 0
            while done < count:
                n = min(BATCH_SALES, count - done)
                start = (OPEN_HOUR * 3600) + done * (CLOSE_HOUR - OPEN_HOUR) * 3600 // count
                end = (OPEN_HOUR * 3600) + (done + n) * (CLOSE_HOUR - OPEN_HOUR) * 3600 // count
                yield self.make_sales(day_index, n, start, end)
                done += n

    def make_sales(
        self, day_index: int, n: int, first_second: int, last_second: int
    ) -> dict[str, list[tuple]]:
        """n sales of one day, recorded between two local times (seconds after midnight)."""
        rng = self.rng
        day = self.days[day_index]
        midnight_utc = datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(
            hours=UTC_OFFSET_HOURS
        )
        day_text = day.isoformat()
        booths = rng.choices(range(self.exhibitors), weights=self.weights, k=n)
        line_counts = rng.choices((1, 2, 3, 4, 5), weights=LINE_COUNT_WEIGHTS, k=n)
        tokens = os.urandom(16 * n).hex()
        out: dict[str, list[tuple]] = {table: [] for table in TABLES}
        sales, lines, payments = out["sale"], out["sale_line"], out["payment"]
        refunds, refund_lines = out["refund"], out["refund_line"]
        ids = self.next_id
        span = max(1, last_second - first_second)
        for k in range(n):
            b = booths[k]
            exhibitor_id = b + 1
            sale_id = ids["sale"]
            ids["sale"] += 1
            self.receipt_seq[b] += 1
            seq = self.receipt_seq[b]
            second = first_second + k * span // n
            created = midnight_utc + timedelta(seconds=second, microseconds=rng.randrange(10**6))
            hour = second // 3600
            # Lines: distinct products of the booth, quantity 1-3, some discounted.
            goods = self.products[b]
            first, step = rng.randrange(PRODUCTS_PER_BOOTH), rng.choice((1, 3, 7, 9))
            line_rows = []
            subtotal = line_discounts = 0
            for line_no in range(1, line_counts[k] + 1):
                product_id, sku, name, category, price = goods[
                    (first + line_no * step) % PRODUCTS_PER_BOOTH
                ]
                quantity = 1 if rng.random() < 0.7 else rng.choice((2, 2, 3))
                amount = price * quantity
                percent = None
                discount = 0
                if rng.random() < 0.12:
                    percent = rng.choice(("5", "10"))
                    discount = (amount * int(percent) * 2 + 100) // 200
                subtotal += amount
                line_discounts += discount
                line_rows.append(
                    [ids["sale_line"], sale_id, line_no, product_id, sku, name, category]
                    + [price, quantity, percent, discount, amount - discount, 0, 0, 0, 0]
                )
                ids["sale_line"] += 1
            line_total = subtotal - line_discounts
            order_discount = 0
            if rng.random() < 0.05:
                order_discount = line_total * rng.choice((2, 5)) // 100
            if order_discount:  # spread over the lines; the remainder to the largest
                shared = 0
                for row in line_rows:
                    row[12] = order_discount * row[11] // line_total
                    shared += row[12]
                max(line_rows, key=lambda r: r[11])[12] += order_discount - shared
            total = line_total - order_discount
            tax_total = 0
            for row in line_rows:
                row[13] = row[11] - row[12]
            if self.tax_registered[b]:
                tax_total = total - untaxed(total)
                taxed = 0
                for row in line_rows:
                    row[14] = row[13] - untaxed(row[13])
                    taxed += row[14]
                line_rows[-1][14] += tax_total - taxed  # the lines' tax adds up to the sale's
            # Payments: one method, or a non-cash part and the rest in cash.
            method = rng.choices(METHODS, weights=METHOD_WEIGHTS)[0]
            change = 0
            if rng.random() < 0.3 and total >= 20_000:
                part = total * rng.randrange(30, 81) // 100
                other = rng.choice(METHODS[1:])
                payments.append((ids["payment"], sale_id, other, part, 0, "REF"))
                payments.append((ids["payment"] + 1, sale_id, "cash", total - part, 0, ""))
                ids["payment"] += 2
                paid = total
                method = other
            elif method == "cash":
                paid = -(-total // 50_000) * 50_000 if rng.random() < 0.6 else total
                change = paid - total
                payments.append((ids["payment"], sale_id, "cash", paid, change, ""))
                ids["payment"] += 1
            else:
                paid = total
                payments.append((ids["payment"], sale_id, method, paid, 0, "REF"))
                ids["payment"] += 1
            status, voided_at, voided_by, void_reason, void_day = "completed", None, None, "", None
            refunded_total = 0
            chance = rng.random()
            if chance < VOID_RATE:
                self.voided_sales += 1
                status, voided_by, void_reason = "voided", 3 + 2 * b, "Salah input"
                voided_at, void_day = stamp(created + timedelta(minutes=3)), day_text
            elif chance < VOID_RATE + REFUND_RATE:
                self.refunded_sales += 1
                line = max(line_rows, key=lambda r: r[13])
                refund_amount = line[13] // line[8]  # one unit of the line, as paid
                refund_tax = (line[14] // line[8]) if self.tax_registered[b] else 0
                line[15] = 1
                refunded_total = refund_amount
                status = "refunded" if len(line_rows) == 1 and line[8] == 1 else "partly_refunded"
                self.refund_seq[b] += 1
                later = day_index + 1 < len(self.days) and rng.random() < 0.3
                refund_day = self.days[day_index + 1] if later else day
                refund_moment = created + timedelta(days=1 if later else 0, minutes=20)
                refund_hour = (refund_moment + timedelta(hours=UTC_OFFSET_HOURS)).hour
                refund_id = ids["refund"]
                refunds.append(
                    (refund_id, sale_id, 1, exhibitor_id, self.refund_seq[b])
                    + (f"{self.booths[b]}-R{self.refund_seq[b]:05d}", refund_amount, refund_tax)
                    + (method, "Barang rusak", 1, 3 + 2 * b, None, stamp(refund_moment))
                    + (refund_day.isoformat(), refund_hour)
                )
                refund_lines.append(
                    (ids["refund_line"], refund_id, line[0], line[3], 1, refund_amount)
                    + (refund_tax, 1)
                )
                ids["refund"] += 1
                ids["refund_line"] += 1
            buyer = rng.random()
            origin = "domestic" if buyer < 0.4 else "foreign" if buyer < 0.45 else None
            sales.append(
                (sale_id, 1, exhibitor_id, seq, f"{self.booths[b]}-{seq:06d}", status)
                + (2 + 2 * b, None, stamp(created), day_text, hour, subtotal, line_discounts)
                + (order_discount, line_discounts + order_discount, tax_total)
                + (TAX_RATE if self.tax_registered[b] else 0, total, paid, change)
                + (refunded_total, "Ayu" if buyer < 0.2 else "", "", "", origin)
                + (tokens[32 * k : 32 * k + 32], voided_at, voided_by, void_reason, void_day)
            )
            lines.extend(tuple(row) for row in line_rows)
        return out


# --- loading ----------------------------------------------------------------------------


def init_schema(database_url: str, root: Path) -> None:
    """`pos init-db` with the bench database, as tests/servers.py's server_env does."""
    env = os.environ | {
        "POS_DATABASE_URL": database_url,
        "POS_INSTANCE_PATH": str(root / "instance"),
        "POS_RECEIPTS_DIR": str(root / "receipts"),
    }
    pos = [sys.executable, "-m", "flask", "--app", "pos", "init-db"]
    if (ROOT / ".venv" / "bin" / "pos").exists():
        pos = [str(ROOT / ".venv" / "bin" / "pos"), "init-db"]
    done = subprocess.run(pos, env=env, capture_output=True, text=True, timeout=300, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"pos init-db failed:\n{done.stdout}\n{done.stderr}")


def insert_sql(table: str, columns: list[str]) -> str:
    names = ", ".join(f'"{c}"' for c in columns)
    return f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))})"


def load_sqlite(path: Path, fair: Fair, root: Path) -> dict[str, int]:
    init_schema(f"sqlite:///{path}", root)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -262144")  # 256 MiB while loading
    # Secondary indexes are rebuilt after the load (faster than keeping them up to date);
    # UNIQUE constraints and primary keys stay, so duplicates would still be refused.
    indexes = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        f" AND tbl_name IN ({', '.join(repr(t) for t in TABLES)})"
    ).fetchall()
    for name, _sql in indexes:
        conn.execute(f"DROP INDEX {name}")
    conn.execute("BEGIN")
    for table, (columns, rows) in fair.fixed_rows().items():
        conn.executemany(insert_sql(table, columns), rows)
    conn.execute("COMMIT")
    statements = {table: insert_sql(table, columns) for table, columns in TABLES.items()}
    for batch in fair.batches():
        conn.execute("BEGIN")
        for table, rows in batch.items():
            conn.executemany(statements[table], rows)
        conn.execute("COMMIT")
    for _name, sql in indexes:
        conn.execute(sql)
    counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return counts


def pg_urls(url: str) -> tuple[str, str, str]:
    """(SQLAlchemy URL, libpq URL of the database, libpq URL of the maintenance db)."""
    import sqlalchemy as sa

    parsed = sa.make_url(url)
    if parsed.database in (None, "", "test"):
        raise SystemExit("POS_BENCH_PG_URL must name its own database (never 'test')")
    plain = parsed.set(drivername="postgresql")
    conninfo = plain.render_as_string(hide_password=False)
    maintenance = plain.set(database="postgres").render_as_string(hide_password=False)
    return url, conninfo, maintenance


def load_postgres(url: str, fair: Fair, root: Path) -> dict[str, int]:
    import psycopg

    _, conninfo, maintenance = pg_urls(url)
    name = conninfo.rsplit("/", 1)[1].split("?")[0]
    with psycopg.connect(maintenance, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
        conn.execute("CREATE SCHEMA public")
    init_schema(url, root)
    with psycopg.connect(conninfo) as conn:
        conn.execute("SET TIME ZONE 'UTC'")
        conn.execute("SET synchronous_commit = off")

        def copy(table: str, columns: list[str], rows: list[tuple]) -> None:
            names = ", ".join(f'"{c}"' for c in columns)
            with conn.cursor().copy(f"COPY {table} ({names}) FROM STDIN") as target:
                for row in rows:
                    target.write_row(row)

        for table, (columns, rows) in fair.fixed_rows().items():
            if table in ("event", "exhibitor", "user_account", "product"):
                rows = [pg_bools(table, row) for row in rows]
            copy(table, columns, rows)
        conn.commit()
        for batch in fair.batches():
            for table, rows in batch.items():
                if table in ("refund", "refund_line"):
                    rows = [pg_bools(table, row) for row in rows]
                copy(table, TABLES[table], rows)
            conn.commit()
        for table in ("event", "exhibitor", "user_account", "product", *TABLES):
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                f" (SELECT max(id) FROM {table}))"
            )
        conn.commit()
        counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")  # what autovacuum would have done by the next day
    return counts


PG_BOOL_COLUMNS = {
    "event": (8, 12),
    "exhibitor": (10, 14),
    "user_account": (9,),
    "product": (8, 14),
    "refund": (10,),
    "refund_line": (7,),
}


def pg_bools(table: str, row: tuple) -> tuple:
    values = list(row)
    for index in PG_BOOL_COLUMNS[table]:
        values[index] = bool(values[index])
    return tuple(values)


# --- timing -----------------------------------------------------------------------------


def median_ms(work: Callable[[], Any], repeat: int) -> float:
    work()  # warm-up: page cache, statement caches
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


class Writer(threading.Thread):
    """Records sales of the last day at a steady rate, one transaction each, on its own
    connection, like the booths' tablets do while the organizer watches the dashboard."""

    def __init__(self, engine: Any, fair: Fair, rate: float) -> None:
        super().__init__(daemon=True)
        self.engine, self.fair, self.rate = engine, fair, rate
        self.stop = threading.Event()
        self.written = 0

    def run(self) -> None:
        import sqlalchemy as sa

        statements = {
            table: sa.text(
                f"INSERT INTO {table} ({', '.join(f'{chr(34)}{c}{chr(34)}' for c in columns)})"
                f" VALUES ({', '.join(':' + c for c in columns)})"
            )
            for table, columns in TABLES.items()
        }
        started = time.perf_counter()
        while not self.stop.is_set():
            batch = self.fair.make_sales(len(self.fair.days) - 1, 1, 20 * 3600, 20 * 3600 + 60)
            with self.engine.begin() as conn:
                for table, rows in batch.items():
                    if rows:
                        if conn.dialect.name != "sqlite" and table in PG_BOOL_COLUMNS:
                            rows = [pg_bools(table, row) for row in rows]
                        conn.execute(
                            statements[table],
                            [dict(zip(TABLES[table], r, strict=True)) for r in rows],
                        )
            self.written += 1
            delay = started + self.written / self.rate - time.perf_counter()
            if delay > 0:
                self.stop.wait(delay)


def measure(database_url: str, fair: Fair, repeat: int, writers: float, root: Path) -> dict:
    import sqlalchemy as sa

    from pos import create_app
    from pos.auth.models import User
    from pos.extensions import db
    from pos.reports import service

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "INSTANCE_PATH": str(root / "instance"),
            "SECRET_KEY": "bench",
            "RECEIPTS_DIR": str(root / "receipts"),
        }
    )
    results: dict[str, Any] = {}
    with app.app_context():
        # The generated rows bypass the app, so its report totals (the daily rollups the
        # sale service keeps) are computed once here, as `pos init-db` does for a
        # database that had none.
        from pos.sales import rollups

        started = time.perf_counter()
        results["rollup_rows"] = rollups.rebuild()
        db.session.commit()
        results["rollups rebuilt from the raw rows, once"] = (time.perf_counter() - started) * 1000
        db.session.remove()
        last_day = fair.days[-1]
        busiest = db.session.execute(
            sa.text(
                "SELECT exhibitor_id, count(*) FROM sale WHERE business_date = :d"
                " GROUP BY exhibitor_id ORDER BY 2 DESC LIMIT 1"
            ),
            {"d": last_day},
        ).one()
        median_booth = db.session.execute(
            sa.text(
                "SELECT exhibitor_id, count(*) FROM sale WHERE business_date = :d"
                " GROUP BY exhibitor_id ORDER BY 2 LIMIT 1 OFFSET :o"
            ),
            {"d": last_day, "o": fair.exhibitors // 2},
        ).one()
        results["busiest"] = tuple(busiest)
        results["median_booth"] = tuple(median_booth)
        db.session.remove()

        def as_request(work: Callable[[Any], Any]) -> Callable[[], Any]:
            def run() -> Any:
                try:
                    actor = db.session.get(User, fair.organizer_id)
                    return work(actor)
                finally:
                    db.session.remove()

            return run

        def bare(sql: str, **params: Any) -> Callable[[], Any]:
            def run() -> Any:
                try:
                    return db.session.execute(sa.text(sql), params).all()
                finally:
                    db.session.remove()

            return run

        cases: list[tuple[str, Callable[[], Any]]] = [
            (
                f"daily_summary busiest booth ({busiest[1]} sales)",
                as_request(lambda a: service.daily_summary(a, busiest[0], last_day)),
            ),
            (
                f"daily_summary median booth ({median_booth[1]} sales)",
                as_request(lambda a: service.daily_summary(a, median_booth[0], last_day)),
            ),
            ("event_report today", as_request(lambda a: service.event_report(a, 1, last_day))),
            ("event_report whole event", as_request(lambda a: service.event_report(a, 1))),
            ("event_rows (whole event report)", as_request(lambda a: service.event_rows(a, 1))),
            (
                "floor: bare one-booth-day aggregate",
                bare(
                    "SELECT l.category, count(DISTINCT s.id), sum(l.quantity), sum(l.net)"
                    " FROM sale_line l JOIN sale s ON s.id = l.sale_id"
                    " WHERE s.exhibitor_id = :e AND s.business_date = :d GROUP BY l.category",
                    e=busiest[0],
                    d=last_day,
                ),
            ),
            (
                "floor: bare full GROUP BY",
                bare(
                    "SELECT s.exhibitor_id, s.business_date, l.category, sum(l.net)"
                    " FROM sale_line l JOIN sale s ON s.id = l.sale_id GROUP BY 1, 2, 3"
                ),
            ),
        ]
        for label, work in cases:
            results[label] = median_ms(work, repeat)
            print(f"  {label:<44}{results[label]:>10.1f} ms", flush=True)
        today = as_request(lambda a: service.event_report(a, 1, last_day))
        whole = as_request(lambda a: service.event_report(a, 1))
        results["dashboard refresh"] = median_ms(lambda: (today(), whole()), repeat)
        print(
            f"  {'dashboard refresh (today + whole)':<44}{results['dashboard refresh']:>10.1f} ms"
        )
        if writers > 0:
            writer = Writer(db.engine, fair, writers)
            writer.start()
            time.sleep(1)
            try:
                results["dashboard refresh, sales coming"] = median_ms(
                    lambda: (today(), whole()), repeat
                )
            finally:
                writer.stop.set()
                writer.join()
            results["writer sales"] = writer.written
            print(f"  (the writer recorded {writer.written} sales meanwhile)")
            label = f"dashboard refresh, {writers:g} sales/s coming"
            print(f"  {label:<44}{results['dashboard refresh, sales coming']:>10.1f} ms")
        results["plans"] = explain(db, busiest[0], last_day)
    return results


def explain(db: Any, exhibitor_id: int, day: date) -> list[tuple[str, str]]:
    """The plans of the statements the slow reports spend their time in."""
    import sqlalchemy as sa

    statements = {
        "full GROUP BY (floor, and exhibitor_days' lines query)": (
            "SELECT s.exhibitor_id, s.business_date, l.category, sum(l.net)"
            " FROM sale_line l JOIN sale s ON s.id = l.sale_id"
            " WHERE s.event_id = 1 AND s.status != 'voided' GROUP BY 1, 2, 3"
        ),
        "event day: items sold (sales_totals)": (
            "SELECT sum(l.quantity) FROM sale_line l JOIN sale s ON s.id = l.sale_id"
            " WHERE s.event_id = 1 AND s.business_date = :d AND s.status != 'voided'"
        ),
        "event day: by payment method": (
            "SELECT p.method, sum(p.amount - p.change) FROM payment p JOIN sale s"
            " ON s.id = p.sale_id WHERE s.event_id = 1 AND s.business_date = :d"
            " AND s.status != 'voided' GROUP BY p.method"
        ),
        "whole event: by exhibitor": (
            "SELECT exhibitor_id, count(id), sum(subtotal) FROM sale"
            " WHERE event_id = 1 AND status != 'voided' GROUP BY exhibitor_id"
        ),
        "booth day: by product": (
            "SELECT l.product_id, sum(l.net) FROM sale_line l JOIN sale s ON s.id = l.sale_id"
            " WHERE s.exhibitor_id = :e AND s.business_date = :d AND s.status != 'voided'"
            " GROUP BY l.product_id"
        ),
    }
    prefix = "EXPLAIN QUERY PLAN " if db.engine.dialect.name == "sqlite" else "EXPLAIN "
    plans = []
    for label, sql in statements.items():
        rows = db.session.execute(sa.text(prefix + sql), {"d": day, "e": exhibitor_id}).all()
        text = "\n".join(str(r[-1]) for r in rows)
        plans.append((label, text))
    db.session.remove()
    return plans


def report(name: str, results: dict, generation_s: float, counts: dict[str, int]) -> None:
    print(
        f"\n== {name}: generated in {generation_s:.1f} s: "
        + ", ".join(f"{t} {n:,}" for t, n in counts.items())
    )
    print(f"{'what':<48}{'median ms':>12}")
    for key, value in results.items():
        if isinstance(value, float):
            print(f"{key:<48}{value:>12.1f}")
    summary = results[next(k for k in results if k.startswith("daily_summary busiest"))]
    dashboard = results.get("dashboard refresh, sales coming", results["dashboard refresh"])
    ratio = results["event_rows (whole event report)"] / results["floor: bare full GROUP BY"]
    print("targets:")
    print(f"  daily summary under 20 ms: {summary:.1f} ms -> {'met' if summary < 20 else 'MISSED'}")
    which = "while sales keep coming" if "dashboard refresh, sales coming" in results else "idle"
    print(
        f"  dashboard refresh under 300 ms ({which}): {dashboard:.1f} ms"
        f" -> {'met' if dashboard < 300 else 'MISSED'}"
    )
    print(
        f"  whole event report <= 1/4 of bare full GROUP BY: {ratio:.2f} x the floor"
        f" -> {'met' if ratio <= 0.25 else 'MISSED'}"
    )
    print("plans:")
    for label, plan in results["plans"]:
        print(f"  -- {label}")
        for line in plan.splitlines():
            print(f"     {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="sqlite")
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the full fair")
    parser.add_argument("--keep", type=Path, help="folder for the SQLite file (kept)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--writers", type=float, default=20, help="sales/s during dashboard")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    with contextlib.ExitStack() as stack:
        if args.keep:
            root = args.keep.resolve()
            root.mkdir(parents=True, exist_ok=True)
        else:
            root = Path(tempfile.mkdtemp(prefix="bench-reports-"))
            stack.callback(shutil.rmtree, root, ignore_errors=True)
        engines = ["sqlite", "postgres"] if args.db == "both" else [args.db]
        for engine in engines:
            fair = Fair(args.scale, args.seed)
            print(
                f"{engine}: generating {fair.exhibitors:,} exhibitors, {fair.sales:,} sales"
                f" over {DAYS} days (scale {args.scale:g})",
                flush=True,
            )
            started = time.perf_counter()
            if engine == "sqlite":
                path = root / f"fair-{args.scale:g}.sqlite3"
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{path}{suffix}").unlink(missing_ok=True)
                counts = load_sqlite(path, fair, root)
                url = f"sqlite:///{path}"
            else:
                url = os.environ.get("POS_BENCH_PG_URL", DEFAULT_PG_URL)
                counts = load_postgres(url, fair, root)
            generation = time.perf_counter() - started
            print(f"  generated in {generation:.1f} s: {counts}", flush=True)
            results = measure(url, fair, args.repeat, args.writers, root)
            report(engine, results, generation, counts)


if __name__ == "__main__":
    main()
