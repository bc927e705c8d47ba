"""The SQL aggregations behind reports: every figure is a GROUP BY in the database,
never a loop over sales in Python.

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
from pos.sales.models import VOIDED, Payment, Refund, RefundLine, Sale, SaleLine

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


def sales_totals(scope: Scope) -> dict[str, int]:
    """transactions, gross, discounts, tax of the day's kept sales; voids of its void ones."""
    row = db.session.execute(
        sa.select(
            sa.func.count(Sale.id).filter(KEPT),
            sa.func.coalesce(sa.func.sum(Sale.subtotal).filter(KEPT), 0),
            sa.func.coalesce(sa.func.sum(Sale.discount_total).filter(KEPT), 0),
            sa.func.coalesce(sa.func.sum(Sale.tax_total).filter(KEPT), 0),
            sa.func.coalesce(sa.func.sum(Sale.total).filter(Sale.status == VOIDED), 0),
        ).where(*scope.where())
    ).one()
    items = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(SaleLine.quantity), 0))
        .join(Sale, Sale.id == SaleLine.sale_id)
        .where(*scope.where(), KEPT)
    )
    transactions, gross, discounts, tax, voids = (int(v) for v in row)
    return {
        "transactions": transactions,
        "items_sold": int(items),
        "gross": gross,
        "discounts": discounts,
        "tax": tax,
        "voids": voids,
    }


def refund_totals(scope: Scope) -> dict[str, int]:
    amount, tax = db.session.execute(
        sa.select(
            sa.func.coalesce(sa.func.sum(Refund.amount), 0),
            sa.func.coalesce(sa.func.sum(Refund.tax), 0),
        ).where(*scope.where(Refund))
    ).one()
    return {"refunds": int(amount), "refunded_tax": int(tax)}


def by_payment_method(scope: Scope) -> dict[str, int]:
    """Money kept per method: cash net of change, less refunds paid out that way."""
    totals: dict[str, int] = {}
    kept = db.session.execute(
        sa.select(Payment.method, sa.func.sum(Payment.amount - Payment.change))
        .join(Sale, Sale.id == Payment.sale_id)
        .where(*scope.where(), KEPT)
        .group_by(Payment.method)
    )
    for method, amount in kept:
        totals[method] = totals.get(method, 0) + int(amount)
    refunded = db.session.execute(
        sa.select(Refund.method, sa.func.sum(Refund.amount))
        .where(*scope.where(Refund))
        .group_by(Refund.method)
    )
    for method, amount in refunded:
        totals[method] = totals.get(method, 0) - int(amount)
    return dict(sorted(totals.items()))


def by_category(scope: Scope) -> dict[str, int]:
    """What the buyers paid per category (after discounts), less that day's refunds."""
    totals: dict[str, int] = {}
    sold = db.session.execute(
        sa.select(SaleLine.category, sa.func.sum(SaleLine.net))
        .join(Sale, Sale.id == SaleLine.sale_id)
        .where(*scope.where(), KEPT)
        .group_by(SaleLine.category)
    )
    for category, amount in sold:
        totals[category] = int(amount)
    refunded = db.session.execute(
        sa.select(SaleLine.category, sa.func.sum(RefundLine.amount))
        .join(SaleLine, SaleLine.id == RefundLine.sale_line_id)
        .join(Refund, Refund.id == RefundLine.refund_id)
        .where(*scope.where(Refund))
        .group_by(SaleLine.category)
    )
    for category, amount in refunded:
        totals[category] = totals.get(category, 0) - int(amount)
    return dict(sorted(totals.items()))


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


def by_exhibitor(scope: Scope) -> list[dict[str, Any]]:
    """Per booth: transactions, gross, discounts, refunds, net (and the booth's region)."""
    from pos.organizer.models import Exhibitor

    rows: dict[int, dict[str, Any]] = {}
    exhibitors = db.session.execute(
        sa.select(Exhibitor.id, Exhibitor.booth, Exhibitor.name, Exhibitor.region).where(
            Exhibitor.event_id == scope.event_id
        )
    )
    for exhibitor_id, booth, name, region in exhibitors:
        rows[exhibitor_id] = {
            "exhibitor_id": exhibitor_id,
            "booth": booth,
            "name": name,
            "region": region,
            "transactions": 0,
            "gross": 0,
            "discounts": 0,
            "refunds": 0,
            "net": 0,
        }
    sold = db.session.execute(
        sa.select(
            Sale.exhibitor_id,
            sa.func.count(Sale.id),
            sa.func.sum(Sale.subtotal),
            sa.func.sum(Sale.discount_total),
        )
        .where(*scope.where(), KEPT)
        .group_by(Sale.exhibitor_id)
    )
    for exhibitor_id, count, gross, discounts in sold:
        row = rows[exhibitor_id]
        row.update(transactions=int(count), gross=int(gross), discounts=int(discounts))
    refunded = db.session.execute(
        sa.select(Refund.exhibitor_id, sa.func.sum(Refund.amount))
        .where(*scope.where(Refund))
        .group_by(Refund.exhibitor_id)
    )
    for exhibitor_id, amount in refunded:
        rows[exhibitor_id]["refunds"] = int(amount)
    for row in rows.values():
        row["net"] = row["gross"] - row["discounts"] - row["refunds"]
    return sorted(rows.values(), key=lambda r: (-r["net"], r["booth"]))


def by_day(scope: Scope) -> list[dict[str, Any]]:
    """Per event-local day: transactions and net."""
    days: dict[date, dict[str, Any]] = {}
    sold = db.session.execute(
        sa.select(
            Sale.business_date,
            sa.func.count(Sale.id),
            sa.func.sum(Sale.subtotal - Sale.discount_total),
        )
        .where(*scope.where(), KEPT)
        .group_by(Sale.business_date)
    )
    for day, count, amount in sold:
        days[day] = {"date": day.isoformat(), "transactions": int(count), "net": int(amount)}
    refunded = db.session.execute(
        sa.select(Refund.business_date, sa.func.sum(Refund.amount))
        .where(*scope.where(Refund))
        .group_by(Refund.business_date)
    )
    for day, amount in refunded:
        row = days.setdefault(day, {"date": day.isoformat(), "transactions": 0, "net": 0})
        row["net"] -= int(amount)
    return [days[d] for d in sorted(days)]


def by_origin(scope: Scope) -> dict[str, dict[str, int]]:
    """Domestic and foreign buyers (where the cashier asked): transactions and money."""
    totals: dict[str, dict[str, int]] = {}
    sold = db.session.execute(
        sa.select(Sale.buyer_origin, sa.func.count(Sale.id), sa.func.sum(Sale.total))
        .where(*scope.where(), KEPT)
        .group_by(Sale.buyer_origin)
    )
    for origin, count, amount in sold:
        totals[origin or "unknown"] = {"transactions": int(count), "amount": int(amount)}
    return dict(sorted(totals.items()))


def exhibitor_days(scope: Scope) -> list[dict[str, Any]]:
    """One row per exhibitor per event-local day with sales or refunds: the figures of
    the daily summary, and the money per payment method and per category."""
    from pos.organizer.models import Exhibitor

    rows: dict[tuple[int, date], dict[str, Any]] = {}

    def row(exhibitor_id: int, day: date) -> dict[str, Any]:
        return rows.setdefault(
            (exhibitor_id, day),
            {
                "date": day,
                "exhibitor_id": exhibitor_id,
                "transactions": 0,
                "items_sold": 0,
                "gross": 0,
                "discounts": 0,
                "refunds": 0,
                "tax": 0,
                "voids": 0,
                "methods": {},
                "categories": {},
            },
        )

    sold = db.session.execute(
        sa.select(
            Sale.exhibitor_id,
            Sale.business_date,
            sa.func.count(Sale.id).filter(KEPT),
            sa.func.coalesce(sa.func.sum(Sale.subtotal).filter(KEPT), 0),
            sa.func.coalesce(sa.func.sum(Sale.discount_total).filter(KEPT), 0),
            sa.func.coalesce(sa.func.sum(Sale.tax_total).filter(KEPT), 0),
            sa.func.coalesce(sa.func.sum(Sale.total).filter(Sale.status == VOIDED), 0),
        )
        .where(*scope.where())
        .group_by(Sale.exhibitor_id, Sale.business_date)
    )
    for exhibitor_id, day, count, gross, discounts, tax, voids in sold:
        row(exhibitor_id, day).update(
            transactions=int(count),
            gross=int(gross),
            discounts=int(discounts),
            tax=int(tax),
            voids=int(voids),
        )
    lines = db.session.execute(
        sa.select(
            Sale.exhibitor_id,
            Sale.business_date,
            SaleLine.category,
            sa.func.sum(SaleLine.quantity),
            sa.func.sum(SaleLine.net),
        )
        .join(Sale, Sale.id == SaleLine.sale_id)
        .where(*scope.where(), KEPT)
        .group_by(Sale.exhibitor_id, Sale.business_date, SaleLine.category)
    )
    for exhibitor_id, day, category, quantity, amount in lines:
        r = row(exhibitor_id, day)
        r["items_sold"] += int(quantity)
        r["categories"][category] = r["categories"].get(category, 0) + int(amount)
    payments = db.session.execute(
        sa.select(
            Sale.exhibitor_id,
            Sale.business_date,
            Payment.method,
            sa.func.sum(Payment.amount - Payment.change),
        )
        .join(Sale, Sale.id == Payment.sale_id)
        .where(*scope.where(), KEPT)
        .group_by(Sale.exhibitor_id, Sale.business_date, Payment.method)
    )
    for exhibitor_id, day, method, amount in payments:
        r = row(exhibitor_id, day)
        r["methods"][method] = r["methods"].get(method, 0) + int(amount)
    refunds = db.session.execute(
        sa.select(
            Refund.exhibitor_id,
            Refund.business_date,
            Refund.method,
            sa.func.sum(Refund.amount),
            sa.func.sum(Refund.tax),
        )
        .where(*scope.where(Refund))
        .group_by(Refund.exhibitor_id, Refund.business_date, Refund.method)
    )
    for exhibitor_id, day, method, amount, tax in refunds:
        r = row(exhibitor_id, day)
        r["refunds"] += int(amount)
        r["tax"] -= int(tax)
        r["methods"][method] = r["methods"].get(method, 0) - int(amount)
    refunded_categories = db.session.execute(
        sa.select(
            Refund.exhibitor_id,
            Refund.business_date,
            SaleLine.category,
            sa.func.sum(RefundLine.amount),
        )
        .join(Refund, Refund.id == RefundLine.refund_id)
        .join(SaleLine, SaleLine.id == RefundLine.sale_line_id)
        .where(*scope.where(Refund))
        .group_by(Refund.exhibitor_id, Refund.business_date, SaleLine.category)
    )
    for exhibitor_id, day, category, amount in refunded_categories:
        r = row(exhibitor_id, day)
        r["categories"][category] = r["categories"].get(category, 0) - int(amount)
    booths = {
        e.id: e
        for e in db.session.execute(
            sa.select(
                Exhibitor.id, Exhibitor.booth, Exhibitor.name, Exhibitor.region, Exhibitor.sentra
            )
        )
    }
    result = []
    for (exhibitor_id, _day), r in rows.items():
        booth = booths[exhibitor_id]
        r |= {
            "booth": booth.booth,
            "name": booth.name,
            "region": booth.region,
            "sentra": booth.sentra,
        }
        r["net"] = r["gross"] - r["discounts"] - r["refunds"]
        result.append(r)
    return sorted(result, key=lambda r: (r["date"], r["booth"]))
