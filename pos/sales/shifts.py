"""Shifts: a register (cash drawer) opened with a float and closed with the cash counted,
and what the drawer should hold."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.dialects import postgresql, sqlite

from pos.auth import permissions
from pos.auth.models import User
from pos.auth.permissions import Action
from pos.auth.service import audit
from pos.db import Prepared, utcnow
from pos.errors import Conflict, Invalid, NotFound
from pos.extensions import db
from pos.organizer.service import get_exhibitor
from pos.sales.models import (
    VOIDED,
    Payment,
    Refund,
    Sale,
    Shift,
)
from pos.schemas import iso_local

# --- shifts -----------------------------------------------------------------------------


_OPEN_SHIFT = sa.select(Shift.id).where(
    Shift.exhibitor_id == sa.bindparam("exhibitor_id"),
    Shift.register == sa.bindparam("register"),
    Shift.closed_at.is_(None),
)


def open_shift_id(exhibitor_id: int, register: str = "") -> int | None:
    """The open shift of a register of the booth, if any."""
    connection = db.session.connection()
    row = _RAW_OPEN_SHIFT.first(connection, {"exhibitor_id": exhibitor_id, "register": register})
    return row[0] if row is not None else None


# On the driver's cursor: every sale asks for its register's open shift.
_RAW_OPEN_SHIFT = Prepared(_OPEN_SHIFT)


@cache
def _open_shift_statement(dialect: str) -> sa.Insert:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        insert(Shift)
        .on_conflict_do_nothing(
            index_elements=["exhibitor_id", "register"],
            index_where=Shift.closed_at.is_(None),
        )
        .returning(Shift.id)
    )


def ensure_open_shift(
    exhibitor_id: int, register: str, user_id: int, opening_float: int, at: datetime
) -> int:
    """The open shift of the register, opened now for a sale where there is none (float
    ``opening_float``, 0 unless a tablet asked for one): a sale is never refused for want
    of an open shift. Inside the sale's write phase; two first sales at once share one
    shift (the partial unique index on open shifts)."""
    connection = db.session.connection()
    opened = connection.execute(
        _open_shift_statement(connection.dialect.name),
        {
            "exhibitor_id": exhibitor_id,
            "register": register,
            "opened_by_id": user_id,
            "opened_at": at,
            "opening_float": opening_float,
            "note": "",
        },
    ).scalar()
    return opened if opened is not None else open_shift_id(exhibitor_id, register)


def open_shifts(actor: User, exhibitor_id: int) -> list[Shift]:
    """The booth's open shifts, one per register. Raises Forbidden or NotFound."""
    exhibitor = get_exhibitor(actor, exhibitor_id, Action.SELL)
    return list(
        db.session.scalars(
            sa.select(Shift)
            .where(Shift.exhibitor_id == exhibitor.id, Shift.closed_at.is_(None))
            .order_by(Shift.register)
        )
    )


def current_shift(actor: User, exhibitor_id: int, register: str = "") -> Shift | None:
    """The open shift of one register of the booth, if any."""
    return next((s for s in open_shifts(actor, exhibitor_id) if s.register == register), None)


def open_shift(actor: User, exhibitor_id: int, *, opening_float: int, register: str = "") -> Shift:
    """Open the register with a cash float. Raises Conflict if it is open already."""
    exhibitor = get_exhibitor(actor, exhibitor_id, Action.SELL)
    if isinstance(opening_float, bool) or not isinstance(opening_float, int) or opening_float < 0:
        raise Invalid(_("The float is a whole amount of at least 0."), field="opening_float")
    if open_shift_id(exhibitor.id, register) is not None:
        raise Conflict(_("This register is already open."), code="shift_open")
    shift = Shift(
        exhibitor_id=exhibitor.id,
        register=register,
        opened_by_id=actor.id,
        opening_float=opening_float,
        opened_at=utcnow(),
    )
    db.session.add(shift)
    db.session.flush()
    audit(
        "shift_opened", actor, exhibitor_id=exhibitor.id, target=shift, opening_float=opening_float
    )
    return shift


def get_shift(actor: User, shift_id: int) -> Shift:
    shift = db.session.get(Shift, shift_id)
    if shift is None:
        raise NotFound(_("No such shift."))
    permissions.require(actor, Action.SELL, shift.exhibitor)
    return shift


@dataclass(frozen=True)
class ShiftTotals:
    cash_sales: int  # cash kept from the shift's sales (tendered − change), voids excluded
    cash_refunds: int
    by_method: dict[str, int]  # money kept per method, less refunds paid out that way
    transactions: int
    expected_cash: int


def shift_totals(shift: Shift) -> ShiftTotals:
    """What the drawer should hold: float + cash sales − change − cash refunds."""
    kept = db.session.execute(
        sa.select(Payment.method, sa.func.sum(Payment.amount - Payment.change))
        .join(Sale, Sale.id == Payment.sale_id)
        .where(Sale.shift_id == shift.id, Sale.status != VOIDED)
        .group_by(Payment.method)
    ).all()
    refunded = db.session.execute(
        sa.select(Refund.method, sa.func.sum(Refund.amount))
        .where(Refund.shift_id == shift.id)
        .group_by(Refund.method)
    ).all()
    transactions = db.session.scalar(
        sa.select(sa.func.count(Sale.id)).where(Sale.shift_id == shift.id, Sale.status != VOIDED)
    )
    by_method: dict[str, int] = {}
    for method, amount in kept:
        by_method[method] = by_method.get(method, 0) + int(amount or 0)
    for method, amount in refunded:
        by_method[method] = by_method.get(method, 0) - int(amount or 0)
    cash_sales = sum(int(a or 0) for m, a in kept if m == "cash")
    cash_refunds = sum(int(a or 0) for m, a in refunded if m == "cash")
    return ShiftTotals(
        cash_sales=cash_sales,
        cash_refunds=cash_refunds,
        by_method=by_method,
        transactions=transactions or 0,
        expected_cash=shift.opening_float + cash_sales - cash_refunds,
    )


def close_shift(actor: User, shift: Shift, *, counted_cash: int, note: str = "") -> Shift:
    """Close the register with the cash counted; keeps expected cash beside it (audited).

    Raises Conflict when already closed, Invalid for a negative count.
    """
    permissions.require(actor, Action.SELL, shift.exhibitor)
    if shift.closed_at is not None:
        raise Conflict(_("This shift is already closed."), code="shift_closed")
    if isinstance(counted_cash, bool) or not isinstance(counted_cash, int) or counted_cash < 0:
        raise Invalid(_("The counted cash is a whole amount of at least 0."), field="counted_cash")
    totals = shift_totals(shift)
    shift.closed_at = utcnow()
    shift.closed_by_id = actor.id
    shift.counted_cash = counted_cash
    shift.expected_cash = totals.expected_cash
    shift.note = (note or "").strip()
    db.session.flush()
    audit(
        "shift_closed",
        actor,
        exhibitor_id=shift.exhibitor_id,
        target=shift,
        expected=totals.expected_cash,
        counted=counted_cash,
    )
    return shift


def shift_json(shift: Shift) -> dict[str, Any]:
    timezone = shift.exhibitor.event.timezone
    totals = shift_totals(shift)
    expected = shift.expected_cash if shift.closed_at else totals.expected_cash
    return {
        "id": shift.id,
        "exhibitor_id": shift.exhibitor_id,
        "register": shift.register,
        "opened_by": shift.opened_by.username,
        "opened_at": iso_local(shift.opened_at, timezone),
        "opening_float": shift.opening_float,
        "closed_by": shift.closed_by.username if shift.closed_by else None,
        "closed_at": iso_local(shift.closed_at, timezone),
        "counted_cash": shift.counted_cash,
        "expected_cash": expected,
        "difference": (shift.counted_cash - expected) if shift.counted_cash is not None else None,
        "cash_sales": totals.cash_sales,
        "cash_refunds": totals.cash_refunds,
        "by_method": totals.by_method,
        "transactions": totals.transactions,
        "note": shift.note,
    }
