"""Catalogue import benchmark: a 2,000-row spreadsheet through the real import, beside
the floor measured in the same run.

    .venv/bin/python bench/import.py                    # SQLite, 2,000 rows, 5 repeats
    .venv/bin/python bench/import.py --db postgresql    # POS_BENCH_PG_URL (database bench_import)
    .venv/bin/python bench/import.py --rows 400 --repeat 3

Each repeat starts from a fresh database (``upgrade_schema`` and ``pos seed-demo``) and
times, as the demo's silver manager (booth B12) inside a Flask app context, what the
``POST /api/v1/products/import`` endpoint does after reading the upload:

- **create**: a CSV of ``--rows`` new products (all five categories, their attribute
  columns filled, semicolon-separated with a BOM, as Excel in Indonesian locale writes it),
  imported and committed: every product validated, written, with its opening movement;
- **update**: the same file with every price and stock changed: one update and one
  "import" movement per row;
- **unchanged**: the booth's own export imported again (nothing to write);
- the same file as **XLSX** (create, on a fresh booth);
- **floor**: the same rows and opening movements written with two bare ``executemany``
  INSERTs on the same connection, no parsing and no checks.

Times are the median of ``--repeat`` runs; the issue's target is under 5 s for 2,000 rows.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_import"

SAMPLES = {
    "painting": {"artist": "I Made Budiana", "medium": "acrylic", "width_cm": "60"},
    "jewellery": {"material": "silver_925", "weight_g": "12.5", "stone": "garnet"},
    "endek": {"motif": "Cepuk", "colours": "merah, emas", "length_m": "2.5"},
    "craft": {"material": "bamboo", "dimensions": "30 × 20 × 10 cm"},
    "other": {},
}


def catalogue_rows(rows: int, price_step: int = 0) -> list[dict[str, str]]:
    from pos.inventory.spreadsheets import COLUMNS

    categories = list(SAMPLES)
    out = []
    for n in range(rows):
        category = categories[n % len(categories)]
        row = dict.fromkeys(COLUMNS, "")
        row.update(
            sku=f"BX-{n:05d}",
            name=f"Produk pameran nomor {n} ({category})",
            category=category,
            price=str(25_000 + 500 * n + price_step),
            stock="1" if category == "painting" else str(5 + n % 40 + price_step // 1000),
            one_of_a_kind="ya" if category == "painting" else "tidak",
            low_stock_threshold="" if category == "painting" else "3",
            description="Buatan tangan, Bali",
        )
        row.update(SAMPLES[category])
        out.append(row)
    return out


def as_csv(rows: list[dict[str, str]]) -> bytes:
    import csv

    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), delimiter=";")
    writer.writeheader()
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode()


def as_xlsx(rows: list[dict[str, str]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Products")
    sheet.append(list(rows[0]))
    for row in rows:
        sheet.append([int(v) if k in ("price", "stock") else v for k, v in row.items()])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@contextlib.contextmanager
def fresh_app(database_url: str | None, workdir: Path) -> Iterator[Any]:
    """An app on an empty database with the demo loaded."""
    from pos import create_app
    from pos.db import upgrade_schema, write_intent
    from pos.demo import seed_demo
    from pos.extensions import db

    instance = workdir / "instance"
    shutil.rmtree(instance, ignore_errors=True)
    url = database_url or f"sqlite:///{instance / 'pos.sqlite3'}"
    if database_url:
        reset_postgres(database_url)
    app = create_app({"INSTANCE_PATH": str(instance), "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade_schema()
        with write_intent():
            seed_demo()
            db.session.commit()
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()


def reset_postgres(url: str) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    admin = sa.create_engine(url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    name = url.rsplit("/", 1)[1]
    with admin.connect() as conn:
        if not conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    with engine.connect() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    admin.dispose()


def timed(work: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = work()
    return time.perf_counter() - start, result


def one_run(database_url: str | None, workdir: Path, rows: int) -> dict[str, float]:
    import sqlalchemy as sa

    from pos.auth.models import User
    from pos.db import write_intent
    from pos.extensions import db
    from pos.inventory.api import catalogue_csv
    from pos.inventory.models import Product
    from pos.inventory.service import import_catalogue, list_products

    created_csv = as_csv(catalogue_rows(rows))
    updated_csv = as_csv(catalogue_rows(rows, price_step=1000))
    created_xlsx = as_xlsx(catalogue_rows(rows))
    results: dict[str, float] = {}
    with fresh_app(database_url, workdir):
        manager = db.session.scalar(sa.select(User).where(User.username == "manager-b12"))
        other = db.session.scalar(sa.select(User).where(User.username == "manager-c07"))

        def run_import(user: Any, content: bytes, expect: str) -> Callable[[], Any]:
            def work() -> Any:
                with write_intent():
                    result = import_catalogue(user, user.exhibitor_id, content)
                    if result["errors"]:
                        raise SystemExit(f"import failed: {result['errors'][:3]}")
                    db.session.commit()
                if expect != "none" and result[expect] != rows:
                    raise SystemExit(f"expected {rows} {expect}, got {result}")
                return result

            return work

        results["create"], _ = timed(run_import(manager, created_csv, "created"))
        results["update"], _ = timed(run_import(manager, updated_csv, "updated"))
        exported = catalogue_csv(
            list_products(manager, exhibitor_id=manager.exhibitor_id, include_inactive=True)
        ).encode()
        results["unchanged"], answer = timed(run_import(manager, exported, "none"))
        if answer["created"] or answer["updated"]:
            raise SystemExit(f"re-importing the export changed something: {answer}")
        results["xlsx create"], _ = timed(run_import(other, created_xlsx, "created"))
        exhibitor_id = manager.exhibitor_id
        db.session.remove()

        floor_rows = [
            {
                "exhibitor_id": exhibitor_id,
                "sku": f"FL-{n:05d}",
                "name": f"Produk pameran nomor {n}",
                "category": "craft",
                "price": 25_000 + n,
                "stock": 5,
                "attributes": '{"material": "bamboo"}',
            }
            for n in range(rows)
        ]

        def floor() -> None:
            with write_intent():
                connection = db.session.connection()
                connection.execute(
                    sa.text(
                        "INSERT INTO product (exhibitor_id, sku, name, category, price, stock,"
                        " attributes, one_of_a_kind, description, review_status, review_note,"
                        " active, created_at, updated_at) VALUES (:exhibitor_id, :sku, :name,"
                        " :category, :price, :stock, :attributes, false, '', 'approved', '',"
                        " true, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                    ),
                    floor_rows,
                )
                ids = connection.execute(
                    sa.select(Product.id).where(Product.sku.like("FL-%")).order_by(Product.id)
                ).scalars()
                connection.execute(
                    sa.text(
                        "INSERT INTO stock_movement (product_id, exhibitor_id, kind, delta,"
                        " stock_after, reason, at) VALUES (:p, :e, 'opening', 5, 5, '',"
                        " CURRENT_TIMESTAMP)"
                    ),
                    [{"p": pid, "e": exhibitor_id} for pid in ids],
                )
                db.session.commit()

        results["floor"], _ = timed(floor)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    database_url = (
        os.environ.get("POS_BENCH_PG_URL", DEFAULT_PG_URL) if args.db != "sqlite" else None
    )
    runs = []
    with tempfile.TemporaryDirectory(prefix="pos-bench-import-") as tmp:
        for _ in range(args.repeat):
            runs.append(one_run(database_url, Path(tmp), args.rows))
    floor = statistics.median(r["floor"] for r in runs)
    print(f"catalogue import, {args.rows} rows, {args.db}, median of {args.repeat} runs")
    print(f"{'':<14}{'seconds':>9}{'ms/row':>9}{'× floor':>9}")
    for name in ("create", "update", "unchanged", "xlsx create", "floor"):
        seconds = statistics.median(r[name] for r in runs)
        print(f"{name:<14}{seconds:>9.3f}{1000 * seconds / args.rows:>9.3f}{seconds / floor:>9.1f}")
    worst = max(statistics.median(r[n] for r in runs) for n in ("create", "update"))
    print(
        f"target: under 5 s for 2,000 rows -> {'met' if worst < 5 * args.rows / 2000 else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
