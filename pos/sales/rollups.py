"""Keeping the daily rollups (sales/models.py: DailyRollup) up to date: the deltas a
sale, a void or a refund adds, written with one prebuilt upsert in the caller's
transaction; and rebuilding them from the raw rows (the migration, the benchmark's
generated fair, and ``pos check`` comparing the two)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from pos.db import Prepared
from pos.extensions import db
from pos.sales.models import VOIDED, DailyRollup, Payment, Refund, RefundLine, Sale, SaleLine

COUNTERS = ("transactions", "items", "gross", "discounts", "refunds", "tax", "voids", "amount")


@cache
def _upsert(dialect: str) -> sa.Insert:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(DailyRollup)
    return statement.on_conflict_do_update(
        index_elements=["exhibitor_id", "business_date", "dimension", "key"],
        set_={name: getattr(DailyRollup, name) + statement.excluded[name] for name in COUNTERS},
    )


_ROW = ("exhibitor_id", "business_date", "dimension", "key", "event_id", *COUNTERS)
# What differs between a booth's rows: the columns PostgreSQL's upsert takes as arrays.
_PER_ROW = ("business_date", "dimension", "key", *COUNTERS)


@cache
def _rows_upsert(count: int) -> Prepared:
    """The upsert of ``count`` rows as one statement of ``count`` VALUES, on the driver's
    cursor (the sale's hot path: one statement for the driver and the database to run,
    where an executemany runs one per row)."""

    def build(dialect: str) -> sa.Insert:
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        columns = DailyRollup.__table__.c
        statement = insert(DailyRollup).values(
            [
                {name: sa.bindparam(f"{name}_{n}", type_=columns[name].type) for name in _ROW}
                for n in range(count)
            ]
        )
        return statement.on_conflict_do_update(
            index_elements=["exhibitor_id", "business_date", "dimension", "key"],
            set_={name: getattr(DailyRollup, name) + statement.excluded[name] for name in COUNTERS},
        )

    return Prepared(build)


def _unnest_upsert() -> sa.TextClause:
    """PostgreSQL: the upsert of any number of rows as one statement of one text, the rows
    sent as arrays (a column each). Its text and its parameters never change with the
    number of rows, so psycopg converts it once and PostgreSQL prepares it once (the
    VALUES form is another statement for each count, and past fifty parameters psycopg
    parses it again at every sale)."""
    table = DailyRollup.__table__
    # Texts as TEXT (not VARCHAR(16), a cast to which would cut an overlong key short):
    # the insert into the column refuses one, as the VALUES form did.
    array_types = {"business_date": "DATE", "dimension": "TEXT", "key": "TEXT"}
    arrays = ", ".join(f"CAST(:{name} AS {array_types.get(name, 'BIGINT')}[])" for name in _PER_ROW)
    updates = ", ".join(f"{name} = {table.name}.{name} + excluded.{name}" for name in COUNTERS)
    return sa.text(
        f"INSERT INTO {table.name} (exhibitor_id, event_id, {', '.join(_PER_ROW)}) "
        f"SELECT :exhibitor_id, :event_id, d.* FROM unnest({arrays}) AS d "
        "ON CONFLICT (exhibitor_id, business_date, dimension, key) "
        f"DO UPDATE SET {updates}"
    )


_UNNEST_UPSERT = Prepared(lambda _dialect: _unnest_upsert())


class Deltas:
    """Changes to a booth's rollup rows, gathered and then written in one statement."""

    def __init__(self, event_id: int, exhibitor_id: int) -> None:
        self.event_id = event_id
        self.exhibitor_id = exhibitor_id
        self.rows: dict[tuple[date, str, str], dict[str, int]] = defaultdict(
            lambda: dict.fromkeys(COUNTERS, 0)
        )

    def add(self, day: date, dimension: str, key: str, **counters: int) -> None:
        row = self.rows[(day, dimension, key)]
        for name, value in counters.items():
            row[name] += value

    def write(self, connection: sa.Connection | None = None, *, fast: bool = False) -> None:
        """One upsert of every row, in key order. ``fast``: on the driver's cursor
        (pos.db.Prepared), for the sale's hot path."""
        if not self.rows:
            return
        connection = connection or db.session.connection()
        rows = [
            {
                "exhibitor_id": self.exhibitor_id,
                "business_date": day,
                "dimension": dimension,
                "key": key,
                "event_id": self.event_id,
                **counters,
            }
            # In key order: two writers of one booth's rows take them in one order.
            for (day, dimension, key), counters in sorted(self.rows.items())
        ]
        if fast and connection.dialect.name == "postgresql":
            columns = {name: [row[name] for row in rows] for name in _PER_ROW}
            _UNNEST_UPSERT.execute(
                connection,
                {"exhibitor_id": self.exhibitor_id, "event_id": self.event_id, **columns},
            )
        elif fast:
            values = {
                f"{name}_{n}": value for n, row in enumerate(rows) for name, value in row.items()
            }
            _rows_upsert(len(rows)).execute(connection, values)
        else:
            connection.execute(_upsert(connection.dialect.name), rows)


def add_sale(
    deltas: Deltas,
    sale: dict[str, Any],
    lines: list[dict[str, Any]],
    payments: list[dict[str, Any]],
    sign: int = 1,
) -> None:
    """What a kept sale counts (sign −1 takes it out again, for a void)."""
    day = sale["business_date"]
    items = sum(line["quantity"] for line in lines)
    deltas.add(
        day,
        "total",
        "",
        transactions=sign,
        items=sign * items,
        gross=sign * sale["subtotal"],
        discounts=sign * sale["discount_total"],
        tax=sign * sale["tax_total"],
        amount=sign * sale["total"],
    )
    for payment in payments:
        deltas.add(
            day, "method", payment["method"], amount=sign * (payment["amount"] - payment["change"])
        )
    for line in lines:
        deltas.add(
            day,
            "category",
            line["category"],
            amount=sign * line["net"],
            items=sign * line["quantity"],
        )
    deltas.add(
        day,
        "origin",
        sale["buyer_origin"] or "unknown",
        transactions=sign,
        amount=sign * sale["total"],
    )


def record_void(sale: Sale) -> None:
    deltas = Deltas(sale.event_id, sale.exhibitor_id)
    columns = _columns(sale)
    add_sale(
        deltas,
        columns,
        [_columns(line) for line in sale.lines],
        [_columns(p) for p in sale.payments],
        sign=-1,
    )
    deltas.add(sale.business_date, "total", "", voids=sale.total)
    deltas.write()


def record_refund(refund: Refund, category_amounts: list[tuple[str, int]]) -> None:
    """A refund counts on the day it was issued; ``category_amounts`` are its
    lines' (category, amount). Each breakdown loses the money from the group the
    refunded sale counted in (its categories, the buyer's origin; the method the money
    went back by), so every breakdown still adds up to the net."""
    deltas = Deltas(refund.event_id, refund.exhibitor_id)
    day = refund.business_date
    deltas.add(day, "total", "", refunds=refund.amount, tax=-refund.tax, amount=-refund.amount)
    deltas.add(day, "method", refund.method, amount=-refund.amount)
    for category, amount in category_amounts:
        deltas.add(day, "category", category, amount=-amount)
    deltas.add(day, "origin", refund.sale.buyer_origin or "unknown", amount=-refund.amount)
    deltas.write()


def _columns(obj: Any) -> dict[str, Any]:
    return {c.key: getattr(obj, c.key) for c in sa.inspect(type(obj)).column_attrs}


# --- from the raw rows -------------------------------------------------------------------


def computed(event_id: int | None = None) -> dict[tuple[int, date, str, str], dict[str, int]]:
    """The rollups as the raw rows say they should be, by GROUP BY (for rebuilding and
    for checking)."""
    rows: dict[tuple[int, date, str, str], dict[str, int]] = defaultdict(
        lambda: dict.fromkeys(COUNTERS, 0)
    )
    events: dict[int, int] = {}

    def scope(table):
        return [table.event_id == event_id] if event_id is not None else []

    kept = Sale.status != VOIDED
    for exhibitor_id, ev, day, count, gross, discounts, tax, total, voids in db.session.execute(
        sa.select(
            Sale.exhibitor_id,
            sa.func.max(Sale.event_id),
            Sale.business_date,
            sa.func.count(Sale.id).filter(kept),
            sa.func.coalesce(sa.func.sum(Sale.subtotal).filter(kept), 0),
            sa.func.coalesce(sa.func.sum(Sale.discount_total).filter(kept), 0),
            sa.func.coalesce(sa.func.sum(Sale.tax_total).filter(kept), 0),
            sa.func.coalesce(sa.func.sum(Sale.total).filter(kept), 0),
            sa.func.coalesce(sa.func.sum(Sale.total).filter(Sale.status == VOIDED), 0),
        )
        .where(*scope(Sale))
        .group_by(Sale.exhibitor_id, Sale.business_date)
    ):
        events[exhibitor_id] = ev
        row = rows[(exhibitor_id, day, "total", "")]
        row.update(
            transactions=int(count),
            gross=int(gross),
            discounts=int(discounts),
            tax=int(tax),
            voids=int(voids),
        )
        row["amount"] += int(total)
    for exhibitor_id, day, category, quantity, amount in db.session.execute(
        sa.select(
            Sale.exhibitor_id,
            Sale.business_date,
            SaleLine.category,
            sa.func.sum(SaleLine.quantity),
            sa.func.sum(SaleLine.net),
        )
        .join(Sale, Sale.id == SaleLine.sale_id)
        .where(*scope(Sale), kept)
        .group_by(Sale.exhibitor_id, Sale.business_date, SaleLine.category)
    ):
        rows[(exhibitor_id, day, "total", "")]["items"] += int(quantity)
        row = rows[(exhibitor_id, day, "category", category)]
        row["items"] += int(quantity)
        row["amount"] += int(amount)
    for exhibitor_id, day, method, amount in db.session.execute(
        sa.select(
            Sale.exhibitor_id,
            Sale.business_date,
            Payment.method,
            sa.func.sum(Payment.amount - Payment.change),
        )
        .join(Sale, Sale.id == Payment.sale_id)
        .where(*scope(Sale), kept)
        .group_by(Sale.exhibitor_id, Sale.business_date, Payment.method)
    ):
        rows[(exhibitor_id, day, "method", method)]["amount"] += int(amount)
    for exhibitor_id, day, origin, count, amount in db.session.execute(
        sa.select(
            Sale.exhibitor_id,
            Sale.business_date,
            Sale.buyer_origin,
            sa.func.count(Sale.id),
            sa.func.sum(Sale.total),
        )
        .where(*scope(Sale), kept)
        .group_by(Sale.exhibitor_id, Sale.business_date, Sale.buyer_origin)
    ):
        row = rows[(exhibitor_id, day, "origin", origin or "unknown")]
        row["transactions"] += int(count)
        row["amount"] += int(amount)
    # A refund comes off the method the money went back by and the refunded sale's origin.
    for exhibitor_id, ev, day, method, origin, amount, tax in db.session.execute(
        sa.select(
            Refund.exhibitor_id,
            sa.func.max(Refund.event_id),
            Refund.business_date,
            Refund.method,
            Sale.buyer_origin,
            sa.func.sum(Refund.amount),
            sa.func.sum(Refund.tax),
        )
        .join(Sale, Sale.id == Refund.sale_id)
        .where(*scope(Refund))
        .group_by(Refund.exhibitor_id, Refund.business_date, Refund.method, Sale.buyer_origin)
    ):
        events[exhibitor_id] = ev
        total = rows[(exhibitor_id, day, "total", "")]
        total["refunds"] += int(amount)
        total["tax"] -= int(tax)
        total["amount"] -= int(amount)
        rows[(exhibitor_id, day, "method", method)]["amount"] -= int(amount)
        rows[(exhibitor_id, day, "origin", origin or "unknown")]["amount"] -= int(amount)
    for exhibitor_id, day, category, amount in db.session.execute(
        sa.select(
            Refund.exhibitor_id,
            Refund.business_date,
            SaleLine.category,
            sa.func.sum(RefundLine.amount),
        )
        .join(Refund, Refund.id == RefundLine.refund_id)
        .join(SaleLine, SaleLine.id == RefundLine.sale_line_id)
        .where(*scope(Refund))
        .group_by(Refund.exhibitor_id, Refund.business_date, SaleLine.category)
    ):
        rows[(exhibitor_id, day, "category", category)]["amount"] -= int(amount)
    return {
        key: counters | {"event_id": events.get(key[0], event_id)} for key, counters in rows.items()
    }


def stored(event_id: int | None = None) -> dict[tuple[int, date, str, str], dict[str, int]]:
    query = sa.select(DailyRollup)
    if event_id is not None:
        query = query.where(DailyRollup.event_id == event_id)
    return {
        (r.exhibitor_id, r.business_date, r.dimension, r.key): {
            name: getattr(r, name) for name in COUNTERS
        }
        | {"event_id": r.event_id}
        for r in db.session.scalars(query)
    }


def missing() -> bool:
    """Sales exist but no rollups do: a database from before they were kept."""
    return (
        db.session.scalar(sa.select(Sale.id).limit(1)) is not None
        and db.session.scalar(sa.select(DailyRollup.exhibitor_id).limit(1)) is None
    )


def rebuild(event_id: int | None = None) -> int:
    """Replace the rollups with those computed from the raw rows; returns the row count."""
    wanted = computed(event_id)
    delete = sa.delete(DailyRollup)
    if event_id is not None:
        delete = delete.where(DailyRollup.event_id == event_id)
    db.session.execute(delete)
    if wanted:
        db.session.execute(
            sa.insert(DailyRollup),
            [
                {"exhibitor_id": e, "business_date": d, "dimension": dim, "key": k, **v}
                for (e, d, dim, k), v in wanted.items()
            ],
        )
    return len(wanted)


def differences(event_id: int | None = None) -> list[str]:
    """Where the stored rollups disagree with the raw rows (rows that are all zero on
    both sides count as equal)."""
    wanted, have = computed(event_id), stored(event_id)
    problems = []
    for key in sorted(set(wanted) | set(have), key=str):
        a = {n: wanted.get(key, {}).get(n, 0) for n in COUNTERS}
        b = {n: have.get(key, {}).get(n, 0) for n in COUNTERS}
        if a != b:
            exhibitor_id, day, dimension, k = key
            changed = ", ".join(f"{n} {b[n]} (should be {a[n]})" for n in COUNTERS if a[n] != b[n])
            problems.append(
                f"exhibitor {exhibitor_id}, {day}, {dimension} {k or ''}: {changed}".replace(
                    "  ", " "
                )
            )
    return problems
