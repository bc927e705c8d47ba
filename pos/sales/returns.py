"""Taking a sale back: a void (the whole sale) and refunds (some units), each audited
with its reason, stock restored unless the goods are damaged."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from pos.auth import permissions
from pos.auth.models import User
from pos.auth.permissions import Action
from pos.auth.service import audit
from pos.db import utcnow
from pos.errors import Conflict, Invalid
from pos.extensions import db
from pos.inventory.models import Product
from pos.inventory.service import lock_products, move_stock
from pos.sales import pricing, rollups
from pos.sales.models import (
    COMPLETED,
    PARTLY_REFUNDED,
    REFUND_COUNTER,
    REFUNDED,
    VOIDED,
    Refund,
    RefundLine,
    Sale,
    SaleLine,
)
from pos.sales.numbers import local_day, local_hour, next_number, refund_number
from pos.sales.shifts import open_shift_id
from pos.schemas import iso_local

# --- voids and refunds ------------------------------------------------------------------


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(_("Give a reason."), field="reason")
    return reason


def void_sale(actor: User, sale: Sale, reason: str) -> Sale:
    """Cancel a whole sale: stock goes back, the sale stays on record as void (audited).

    Raises Forbidden (cashiers), Invalid (no reason), Conflict when the sale is already
    void or partly refunded (refund the rest instead).
    """
    permissions.require(actor, Action.REFUND, sale.exhibitor)
    reason = _reason(reason)
    if sale.status == VOIDED:
        raise Conflict(_("This sale is already void."), code="already_voided")
    if sale.status != COMPLETED:
        raise Conflict(
            _("A sale with refunds cannot be voided; refund the remaining items."),
            code="has_refunds",
        )
    now = utcnow()
    claimed = db.session.execute(
        sa.update(Sale)
        .where(Sale.id == sale.id, Sale.status == COMPLETED)
        .values(
            status=VOIDED,
            voided_at=now,
            voided_by_id=actor.id,
            void_reason=reason,
            void_business_date=local_day(now, sale.exhibitor.event.timezone),
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:  # another manager voided or refunded it a moment ago
        raise Conflict(_("This sale changed meanwhile; reload it."), code="sale_changed")
    lock_products(line.product_id for line in sale.lines)
    for line in sale.lines:
        move_stock(
            _product(line.product_id), line.quantity, "void", actor, reason=reason, sale_id=sale.id
        )
    db.session.refresh(sale)
    rollups.record_void(sale)
    audit(
        "sale_voided",
        actor,
        exhibitor_id=sale.exhibitor_id,
        target=sale,
        reason=reason,
        total=sale.total,
    )
    return sale


def _product(product_id: int) -> Product:
    return db.session.get(Product, product_id)


def refund_sale(
    actor: User,
    sale: Sale,
    *,
    lines: list[tuple[int, int]],
    reason: str,
    restock: bool = True,
    method: str | None = None,
) -> Refund:
    """Give back what the buyer paid for some units of a sale, as its own document.

    ``lines`` are (product_id, quantity). Each unit's amount is its exact share of the
    line after line and order discounts; tax is refunded in the same proportion. Stock
    comes back unless ``restock`` is false (damaged goods). Raises Forbidden, Invalid
    (no reason, product not on the sale), Conflict (void sale; more than sold and not
    yet refunded).
    """
    permissions.require(actor, Action.REFUND, sale.exhibitor)
    reason = _reason(reason)
    if sale.status == VOIDED:
        raise Conflict(_("A void sale cannot be refunded."), code="already_voided")
    # Lock the sale for this transaction (PostgreSQL) so two refunds cannot both pass.
    db.session.execute(
        sa.update(Sale).where(Sale.id == sale.id).values(refunded_total=Sale.refunded_total)
    )
    db.session.refresh(sale)
    for line in sale.lines:
        db.session.refresh(line)

    wanted: dict[int, int] = {}
    for product_id, quantity in lines:
        if quantity <= 0:
            raise Invalid(_("Quantities are whole numbers of at least 1."), field="quantity")
        wanted[product_id] = wanted.get(product_id, 0) + quantity

    refund_lines: list[tuple[SaleLine, int, int, int]] = []  # line, units, amount, tax
    for product_id, quantity in wanted.items():
        on_sale = [line for line in sale.lines if line.product_id == product_id]
        if not on_sale:
            raise Invalid(
                _("Product %(id)s is not on this sale.", id=product_id),
                code="not_on_sale",
                product_id=product_id,
            )
        left = sum(line.quantity - line.refunded_quantity for line in on_sale)
        if quantity > left:
            raise Conflict(
                _("Only %(n)d of these can still be refunded.", n=left),
                code="refund_exceeds_sale",
                product_id=product_id,
                refundable=left,
            )
        for line in on_sale:
            units = min(quantity, line.quantity - line.refunded_quantity)
            if units <= 0:
                continue
            amount = pricing.refund_share(line.net, line.quantity, line.refunded_quantity, units)
            tax = pricing.refund_share(line.tax, line.quantity, line.refunded_quantity, units)
            refund_lines.append((line, units, amount, tax))
            quantity -= units
            if quantity == 0:
                break

    if restock:
        lock_products(line.product_id for line, _u, _a, _t in refund_lines)
    method = method or default_refund_method(sale)
    now = utcnow()
    exhibitor = sale.exhibitor
    seq = next_number(exhibitor.id, REFUND_COUNTER)
    shift_register = sale.shift.register if sale.shift_id else ""
    refund = Refund(
        sale_id=sale.id,
        event_id=sale.event_id,
        exhibitor_id=exhibitor.id,
        refund_seq=seq,
        refund_number=refund_number(exhibitor.booth, seq),
        amount=sum(a for _l, _u, a, _t in refund_lines),
        tax=sum(t for _l, _u, _a, t in refund_lines),
        method=method,
        reason=reason,
        restock=restock,
        user_id=actor.id,
        shift_id=open_shift_id(exhibitor.id, shift_register),
        created_at=now,
        business_date=local_day(now, exhibitor.event.timezone),
        business_hour=local_hour(now, exhibitor.event.timezone),
    )
    db.session.add(refund)
    db.session.flush()
    for line, units, amount, tax in refund_lines:
        db.session.add(
            RefundLine(
                refund_id=refund.id,
                sale_line_id=line.id,
                product_id=line.product_id,
                quantity=units,
                amount=amount,
                tax=tax,
                restocked=restock,
            )
        )
        line.refunded_quantity += units
        if restock:
            move_stock(
                _product(line.product_id),
                units,
                "refund",
                actor,
                reason=reason,
                sale_id=sale.id,
                refund_id=refund.id,
            )
    rollups.record_refund(
        refund, [(line.category, amount) for line, _u, amount, _t in refund_lines]
    )
    sale.refunded_total += refund.amount
    fully = all(line.refunded_quantity == line.quantity for line in sale.lines)
    sale.status = REFUNDED if fully else PARTLY_REFUNDED
    db.session.flush()
    audit(
        "sale_refunded",
        actor,
        exhibitor_id=exhibitor.id,
        target=sale,
        refund_id=refund.id,
        amount=refund.amount,
        reason=reason,
        restock=restock,
    )
    return refund


def default_refund_method(sale: Sale) -> str:
    """Money goes back the way it came: cash if any was paid in cash, else the first method."""
    methods = [p.method for p in sale.payments]
    return "cash" if "cash" in methods else methods[0]


def refund_json(refund: Refund) -> dict[str, Any]:
    timezone = refund.sale.exhibitor.event.timezone
    lines = {line.id: line for line in refund.sale.lines}
    return {
        "id": refund.id,
        "sale_id": refund.sale_id,
        "refund_number": refund.refund_number,
        "amount": refund.amount,
        "tax": refund.tax,
        "method": refund.method,
        "reason": refund.reason,
        "restock": refund.restock,
        "created_at": iso_local(refund.created_at, timezone),
        "business_date": refund.business_date.isoformat(),
        "user": refund.user.username,
        "lines": [
            {
                "product_id": rl.product_id,
                "sku": lines[rl.sale_line_id].sku,
                "name": lines[rl.sale_line_id].name,
                "quantity": rl.quantity,
                "amount": rl.amount,
                "tax": rl.tax,
                "restocked": rl.restocked,
            }
            for rl in refund.lines
        ],
    }
