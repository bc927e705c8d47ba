"""The SQL aggregations behind reports: every figure is a GROUP BY in the database,
never a loop over sales in Python. One booth's day reads the raw sales (exact to the
product and cheap); whole-event figures read the daily rollups kept with the sales.

A day's figures follow API.md's definitions: the day's sales (by their event-local
``business_date``) that are not void count; refunds count on the day they were issued;
void sales count only as ``voids``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa

from pos.extensions import db
from pos.sales.models import VOIDED, DailyRollup, Refund, RefundLine, Sale, SaleLine
from pos.sales.rollups import COUNTERS as ROLLUP_COUNTERS

KEPT = Sale.status != VOIDED


@dataclass(frozen=True)
class Scope:
    """Which sales and refunds a figure covers: one booth or a whole event, one
    event-local day or all of them."""

    event_id: int | None = None
    exhibitor_id: int | None = None
    day: date | None = None

    def where(self, table=Sale) -> list[Any]:
        clauses = []
        if self.event_id is not None:
            clauses.append(table.event_id == self.event_id)
        if self.exhibitor_id is not None:
            clauses.append(table.exhibitor_id == self.exhibitor_id)
        if self.day is not None:
            clauses.append(table.business_date == self.day)
        return clauses


def by_product(scope: Scope) -> list[dict[str, Any]]:
    """Units and money per product: sold that day, less that day's refunds."""
    rows: dict[int, dict[str, Any]] = {}
    sold = db.session.execute(
        sa.select(
            SaleLine.product_id,
            sa.func.max(SaleLine.sku),
            sa.func.max(SaleLine.name),
            sa.func.sum(SaleLine.quantity),
            sa.func.sum(SaleLine.net),
        )
        .join(Sale, Sale.id == SaleLine.sale_id)
        .where(*scope.where(), KEPT)
        .group_by(SaleLine.product_id)
    )
    for product_id, sku, name, quantity, amount in sold:
        rows[product_id] = {
            "product_id": product_id,
            "sku": sku,
            "name": name,
            "quantity": int(quantity),
            "amount": int(amount),
        }
    refunded = db.session.execute(
        sa.select(
            RefundLine.product_id,
            sa.func.max(SaleLine.sku),
            sa.func.max(SaleLine.name),
            sa.func.sum(RefundLine.quantity),
            sa.func.sum(RefundLine.amount),
        )
        .join(SaleLine, SaleLine.id == RefundLine.sale_line_id)
        .join(Refund, Refund.id == RefundLine.refund_id)
        .where(*scope.where(Refund))
        .group_by(RefundLine.product_id)
    )
    for product_id, sku, name, quantity, amount in refunded:
        row = rows.setdefault(
            product_id,
            {"product_id": product_id, "sku": sku, "name": name, "quantity": 0, "amount": 0},
        )
        row["quantity"] -= int(quantity)
        row["amount"] -= int(amount)
    return sorted(rows.values(), key=lambda r: (-r["amount"], r["sku"]))


def by_hour(scope: Scope) -> list[dict[str, int]]:
    """Per event-local hour: the sales recorded and the money, less refunds issued then."""
    hours: dict[int, dict[str, int]] = {}
    sold = db.session.execute(
        sa.select(Sale.business_hour, sa.func.count(Sale.id), sa.func.sum(Sale.total))
        .where(*scope.where(), KEPT)
        .group_by(Sale.business_hour)
    )
    for hour, count, amount in sold:
        hours[hour] = {"hour": hour, "transactions": int(count), "amount": int(amount)}
    refunded = db.session.execute(
        sa.select(Refund.business_hour, sa.func.sum(Refund.amount))
        .where(*scope.where(Refund))
        .group_by(Refund.business_hour)
    )
    for hour, amount in refunded:
        row = hours.setdefault(hour, {"hour": hour, "transactions": 0, "amount": 0})
        row["amount"] -= int(amount)
    return [hours[h] for h in sorted(hours)]


def rollup_totals(scope: Scope) -> dict[str, int]:
    """transactions, items, gross, discounts, refunds, tax (net), voids and net."""
    row = db.session.execute(
        sa.select(
            *(sa.func.coalesce(sa.func.sum(getattr(DailyRollup, c)), 0) for c in ROLLUP_COUNTERS)
        ).where(*scope.where(DailyRollup), DailyRollup.dimension == "total")
    ).one()
    totals = dict(zip(ROLLUP_COUNTERS, (int(v) for v in row), strict=True))
    totals["net"] = totals.pop("amount")
    return totals


def rollup_split(scope: Scope, dimension: str) -> dict[str, int]:
    """Money per key of one dimension (method, category, hour, origin)."""
    rows = db.session.execute(
        sa.select(DailyRollup.key, sa.func.sum(DailyRollup.amount))
        .where(*scope.where(DailyRollup), DailyRollup.dimension == dimension)
        .group_by(DailyRollup.key)
    )
    # A key whose money came to nothing (a void, a full refund that day) is left out.
    return {key: int(amount) for key, amount in sorted(rows) if amount}


def rollup_by_origin(scope: Scope) -> dict[str, dict[str, int]]:
    rows = db.session.execute(
        sa.select(
            DailyRollup.key, sa.func.sum(DailyRollup.transactions), sa.func.sum(DailyRollup.amount)
        )
        .where(*scope.where(DailyRollup), DailyRollup.dimension == "origin")
        .group_by(DailyRollup.key)
    )
    return {
        key: {"transactions": int(count), "amount": int(amount)}
        for key, count, amount in sorted(rows)
        if count or amount
    }


def rollup_by_exhibitor(scope: Scope) -> list[dict[str, Any]]:
    """Every booth of the event (those without sales too): transactions, gross,
    discounts, refunds, net, and its region."""
    from pos.organizer.models import Exhibitor

    figures = {
        exhibitor_id: (int(t), int(g), int(d), int(r), int(n))
        for exhibitor_id, t, g, d, r, n in db.session.execute(
            sa.select(
                DailyRollup.exhibitor_id,
                sa.func.sum(DailyRollup.transactions),
                sa.func.sum(DailyRollup.gross),
                sa.func.sum(DailyRollup.discounts),
                sa.func.sum(DailyRollup.refunds),
                sa.func.sum(DailyRollup.amount),
            )
            .where(*scope.where(DailyRollup), DailyRollup.dimension == "total")
            .group_by(DailyRollup.exhibitor_id)
        )
    }
    rows = []
    for exhibitor_id, booth, name, region in db.session.execute(
        sa.select(Exhibitor.id, Exhibitor.booth, Exhibitor.name, Exhibitor.region).where(
            Exhibitor.event_id == scope.event_id
        )
    ):
        t, g, d, r, n = figures.get(exhibitor_id, (0, 0, 0, 0, 0))
        rows.append(
            {
                "exhibitor_id": exhibitor_id,
                "booth": booth,
                "name": name,
                "region": region,
                "transactions": t,
                "gross": g,
                "discounts": d,
                "refunds": r,
                "net": n,
            }
        )
    return sorted(rows, key=lambda r: (-r["net"], r["booth"]))


def rollup_by_day(scope: Scope) -> list[dict[str, Any]]:
    rows = db.session.execute(
        sa.select(
            DailyRollup.business_date,
            sa.func.sum(DailyRollup.transactions),
            sa.func.sum(DailyRollup.amount),
        )
        .where(*scope.where(DailyRollup), DailyRollup.dimension == "total")
        .group_by(DailyRollup.business_date)
        .order_by(DailyRollup.business_date)
    )
    return [{"date": day.isoformat(), "transactions": int(t), "net": int(n)} for day, t, n in rows]


def exhibitor_days(scope: Scope) -> list[dict[str, Any]]:
    """One row per exhibitor per event-local day with any figure: the day's totals,
    money per payment method and per category; from the rollups, pivoted in SQL so the
    whole event is one row per booth-day."""
    from pos.inventory.models import CATEGORIES
    from pos.organizer.models import Exhibitor
    from pos.sales.models import PAYMENT_METHODS

    def total(column: str) -> Any:
        value = sa.case((DailyRollup.dimension == "total", getattr(DailyRollup, column)), else_=0)
        return sa.func.sum(value)

    def money(dimension: str, key: str) -> Any:
        chosen = sa.and_(DailyRollup.dimension == dimension, DailyRollup.key == key)
        return sa.func.sum(sa.case((chosen, DailyRollup.amount), else_=0))

    query = (
        sa.select(
            DailyRollup.exhibitor_id,
            DailyRollup.business_date,
            *(total(c) for c in ROLLUP_COUNTERS),
            *(money("method", m) for m in PAYMENT_METHODS),
            *(money("category", c) for c in CATEGORIES),
        )
        .where(
            *scope.where(DailyRollup), DailyRollup.dimension.in_(("total", "method", "category"))
        )
        .group_by(DailyRollup.exhibitor_id, DailyRollup.business_date)
    )
    booths = {
        e.id: e
        for e in db.session.execute(
            sa.select(
                Exhibitor.id, Exhibitor.booth, Exhibitor.name, Exhibitor.region, Exhibitor.sentra
            )
        )
    }
    counters = len(ROLLUP_COUNTERS)
    rows = []
    for r in db.session.execute(query):
        exhibitor_id, day = r[0], r[1]
        figures = dict(zip(ROLLUP_COUNTERS, (int(v) for v in r[2 : 2 + counters]), strict=True))
        methods = r[2 + counters : 2 + counters + len(PAYMENT_METHODS)]
        categories = r[2 + counters + len(PAYMENT_METHODS) :]
        booth = booths[exhibitor_id]
        rows.append(
            {
                "date": day,
                "exhibitor_id": exhibitor_id,
                "booth": booth.booth,
                "name": booth.name,
                "region": booth.region,
                "sentra": booth.sentra,
                "transactions": figures["transactions"],
                "items_sold": figures["items"],
                "gross": figures["gross"],
                "discounts": figures["discounts"],
                "refunds": figures["refunds"],
                "tax": figures["tax"],
                "voids": figures["voids"],
                "net": figures["amount"],
                "methods": {m: int(v) for m, v in zip(PAYMENT_METHODS, methods, strict=True) if v},
                "categories": {c: int(v) for c, v in zip(CATEGORIES, categories, strict=True) if v},
            }
        )
    return sorted(rows, key=lambda r: (r["date"], r["booth"]))
