"""The SQL aggregations behind reports: every figure is a GROUP BY in the database,
never a loop over sales in Python.

A day's figures follow API.md's definitions: the day's sales (by their event-local
``business_date``) that are not void count; refunds count on the day they were issued;
void sales count only as ``voids``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa

from pos.extensions import db
from pos.sales.models import VOIDED, Payment, Refund, RefundLine, Sale, SaleLine

KEPT = Sale.status != VOIDED


def _day(exhibitor_id: int, day: date, table=Sale) -> list[Any]:
    return [table.exhibitor_id == exhibitor_id, table.business_date == day]


def sales_totals(exhibitor_id: int, day: date) -> dict[str, int]:
    """transactions, gross, discounts, tax of the day's kept sales; voids of its void ones."""
    row = db.session.execute(
        sa.select(
            sa.func.count(Sale.id).filter(KEPT),
            sa.func.coalesce(sa.func.sum(Sale.subtotal).filter(KEPT), 0),
            sa.func.coalesce(sa.func.sum(Sale.discount_total).filter(KEPT), 0),
            sa.func.coalesce(sa.func.sum(Sale.tax_total).filter(KEPT), 0),
            sa.func.coalesce(sa.func.sum(Sale.total).filter(Sale.status == VOIDED), 0),
        ).where(*_day(exhibitor_id, day))
    ).one()
    items = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(SaleLine.quantity), 0))
        .join(Sale, Sale.id == SaleLine.sale_id)
        .where(*_day(exhibitor_id, day), KEPT)
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


def refund_totals(exhibitor_id: int, day: date) -> dict[str, int]:
    amount, tax = db.session.execute(
        sa.select(
            sa.func.coalesce(sa.func.sum(Refund.amount), 0),
            sa.func.coalesce(sa.func.sum(Refund.tax), 0),
        ).where(*_day(exhibitor_id, day, Refund))
    ).one()
    return {"refunds": int(amount), "refunded_tax": int(tax)}


def by_payment_method(exhibitor_id: int, day: date) -> dict[str, int]:
    """Money kept per method: cash net of change, less refunds paid out that way."""
    totals: dict[str, int] = {}
    kept = db.session.execute(
        sa.select(Payment.method, sa.func.sum(Payment.amount - Payment.change))
        .join(Sale, Sale.id == Payment.sale_id)
        .where(*_day(exhibitor_id, day), KEPT)
        .group_by(Payment.method)
    )
    for method, amount in kept:
        totals[method] = totals.get(method, 0) + int(amount)
    refunded = db.session.execute(
        sa.select(Refund.method, sa.func.sum(Refund.amount))
        .where(*_day(exhibitor_id, day, Refund))
        .group_by(Refund.method)
    )
    for method, amount in refunded:
        totals[method] = totals.get(method, 0) - int(amount)
    return dict(sorted(totals.items()))


def _refund_lines_of_day(exhibitor_id: int, day: date):
    return (
        sa.select(RefundLine, SaleLine)
        .join(Refund, Refund.id == RefundLine.refund_id)
        .join(SaleLine, SaleLine.id == RefundLine.sale_line_id)
        .where(*_day(exhibitor_id, day, Refund))
    )


def by_category(exhibitor_id: int, day: date) -> dict[str, int]:
    """What the buyers paid per category (after discounts), less that day's refunds."""
    totals: dict[str, int] = {}
    sold = db.session.execute(
        sa.select(SaleLine.category, sa.func.sum(SaleLine.net))
        .join(Sale, Sale.id == SaleLine.sale_id)
        .where(*_day(exhibitor_id, day), KEPT)
        .group_by(SaleLine.category)
    )
    for category, amount in sold:
        totals[category] = int(amount)
    refunded = db.session.execute(
        sa.select(SaleLine.category, sa.func.sum(RefundLine.amount))
        .join(SaleLine, SaleLine.id == RefundLine.sale_line_id)
        .join(Refund, Refund.id == RefundLine.refund_id)
        .where(*_day(exhibitor_id, day, Refund))
        .group_by(SaleLine.category)
    )
    for category, amount in refunded:
        totals[category] = totals.get(category, 0) - int(amount)
    return dict(sorted(totals.items()))


def by_product(exhibitor_id: int, day: date) -> list[dict[str, Any]]:
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
        .where(*_day(exhibitor_id, day), KEPT)
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
        .where(*_day(exhibitor_id, day, Refund))
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


def by_hour(exhibitor_id: int, day: date) -> list[dict[str, int]]:
    """Per event-local hour: the sales recorded and the money, less refunds issued then."""
    hours: dict[int, dict[str, int]] = {}
    sold = db.session.execute(
        sa.select(Sale.business_hour, sa.func.count(Sale.id), sa.func.sum(Sale.total))
        .where(*_day(exhibitor_id, day), KEPT)
        .group_by(Sale.business_hour)
    )
    for hour, count, amount in sold:
        hours[hour] = {"hour": hour, "transactions": int(count), "amount": int(amount)}
    refunded = db.session.execute(
        sa.select(Refund.business_hour, sa.func.sum(Refund.amount))
        .where(*_day(exhibitor_id, day, Refund))
        .group_by(Refund.business_hour)
    )
    for hour, amount in refunded:
        row = hours.setdefault(hour, {"hour": hour, "transactions": 0, "amount": 0})
        row["amount"] -= int(amount)
    return [hours[h] for h in sorted(hours)]
