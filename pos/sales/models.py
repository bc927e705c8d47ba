"""Sales with their lines and payments, refunds, shifts, and what keeps them exact:
per-exhibitor gapless counters and idempotency keys."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pos.auth.models import User
from pos.db import Model, UTCDateTime, check_in, utcnow
from pos.organizer.models import Exhibitor

PAYMENT_METHODS = ("cash", "qris", "card", "transfer", "ewallet")
METHOD_LABELS = {
    "cash": _l("Cash"),
    "qris": _l("QRIS"),
    "card": _l("Card"),
    "transfer": _l("Bank transfer"),
    "ewallet": _l("E-wallet"),
}
COMPLETED, VOIDED, PARTLY_REFUNDED, REFUNDED = (
    "completed",
    "voided",
    "partly_refunded",
    "refunded",
)
SALE_STATUSES = (COMPLETED, VOIDED, PARTLY_REFUNDED, REFUNDED)
BUYER_ORIGINS = ("domestic", "foreign")
SALE_COUNTER, REFUND_COUNTER, DEVICE_COUNTER = "sale", "refund", "device"


class Shift(Model):
    """A register's session: opened with a cash float, closed with the cash counted."""

    __tablename__ = "shift"
    __table_args__ = (
        sa.CheckConstraint("opening_float >= 0", name="opening_float"),
        sa.CheckConstraint("counted_cash IS NULL OR counted_cash >= 0", name="counted_cash"),
        sa.Index("ix_shift_exhibitor_opened", "exhibitor_id", "opened_at"),
        # One open shift per register: two first sales at once cannot open two.
        sa.Index(
            "uq_shift_open_register",
            "exhibitor_id",
            "register",
            unique=True,
            sqlite_where=sa.text("closed_at IS NULL"),
            postgresql_where=sa.text("closed_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    exhibitor_id: Mapped[int] = mapped_column(sa.ForeignKey("exhibitor.id"))
    register: Mapped[str] = mapped_column(sa.String(40), default="")
    opened_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    opening_float: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    closed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expected_cash: Mapped[int | None] = mapped_column(sa.BigInteger)
    counted_cash: Mapped[int | None] = mapped_column(sa.BigInteger)
    note: Mapped[str] = mapped_column(sa.Text, default="")

    exhibitor: Mapped[Exhibitor] = relationship()
    opened_by: Mapped[User] = relationship(foreign_keys=[opened_by_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class Sale(Model):
    """A completed purchase at one booth. Lines keep a snapshot of what was sold."""

    __tablename__ = "sale"
    __table_args__ = (
        sa.UniqueConstraint("exhibitor_id", "receipt_seq"),
        # A tablet's own number of a sale it recorded offline (B12-T2-0007).
        sa.UniqueConstraint("exhibitor_id", "offline_number"),
        sa.CheckConstraint(check_in("status", SALE_STATUSES), name="status"),
        sa.CheckConstraint(
            "buyer_origin IS NULL OR " + check_in("buyer_origin", BUYER_ORIGINS),
            name="buyer_origin",
        ),
        sa.CheckConstraint("total >= 0 AND paid >= total AND change >= 0", name="amounts"),
        sa.CheckConstraint("total = subtotal - discount_total", name="total"),
        sa.Index("ix_sale_exhibitor_day", "exhibitor_id", "business_date"),
        sa.Index("ix_sale_event_day", "event_id", "business_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id"))
    exhibitor_id: Mapped[int] = mapped_column(sa.ForeignKey("exhibitor.id"))
    receipt_seq: Mapped[int]
    receipt_number: Mapped[str] = mapped_column(sa.String(40))
    status: Mapped[str] = mapped_column(sa.String(16), default=COMPLETED)
    cashier_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    shift_id: Mapped[int | None] = mapped_column(sa.ForeignKey("shift.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The calendar day and the hour (0–23) in the event's timezone, fixed when the sale
    # is recorded: reports group by them without converting times.
    business_date: Mapped[date]
    business_hour: Mapped[int] = mapped_column(sa.SmallInteger, default=0, server_default="0")
    # Σ unit price × quantity; line and order discounts; what the buyer owes.
    subtotal: Mapped[int] = mapped_column(sa.BigInteger)
    line_discount_total: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    order_discount: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    discount_total: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    tax_total: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    tax_rate_percent: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(sa.BigInteger)
    paid: Mapped[int] = mapped_column(sa.BigInteger)
    change: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    refunded_total: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    buyer_name: Mapped[str] = mapped_column(sa.String(200), default="")
    buyer_phone: Mapped[str] = mapped_column(sa.String(40), default="")
    buyer_email: Mapped[str] = mapped_column(sa.String(200), default="")
    buyer_origin: Mapped[str | None] = mapped_column(sa.String(16))
    # The buyer's link /r/<token>: 128+ random bits, never derived from the id.
    public_token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    voided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    void_reason: Mapped[str] = mapped_column(sa.Text, default="")
    void_business_date: Mapped[date | None]
    # A sale the tablet recorded without the server: its device and number, when the
    # server took it (created_at is when it was made), and whether it arrived late (its
    # day over, or its shift closed, by then).
    device_code: Mapped[str | None] = mapped_column(sa.String(16))
    offline_number: Mapped[str | None] = mapped_column(sa.String(40))
    synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    late: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    exhibitor: Mapped[Exhibitor] = relationship()
    shift: Mapped[Shift | None] = relationship()
    cashier: Mapped[User] = relationship(foreign_keys=[cashier_id])
    voided_by: Mapped[User | None] = relationship(foreign_keys=[voided_by_id])
    lines: Mapped[list[SaleLine]] = relationship(
        back_populates="sale", order_by="SaleLine.line_no", cascade="all, delete-orphan"
    )
    payments: Mapped[list[Payment]] = relationship(
        back_populates="sale", order_by="Payment.id", cascade="all, delete-orphan"
    )
    refunds: Mapped[list[Refund]] = relationship(back_populates="sale", order_by="Refund.id")


class SaleLine(Model):
    """A line of a sale: what the product was called and cost at the time of sale."""

    __tablename__ = "sale_line"
    __table_args__ = (
        sa.UniqueConstraint("sale_id", "line_no"),
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        sa.CheckConstraint("unit_price >= 0", name="unit_price"),
        sa.CheckConstraint("discount >= 0 AND discount <= unit_price * quantity", name="discount"),
        sa.CheckConstraint("refunded_quantity BETWEEN 0 AND quantity", name="refunded_quantity"),
        sa.Index("ix_sale_line_product", "product_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sale_id: Mapped[int] = mapped_column(sa.ForeignKey("sale.id"))
    line_no: Mapped[int]
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("product.id"))
    sku: Mapped[str] = mapped_column(sa.String(64))
    name: Mapped[str] = mapped_column(sa.String(200))
    category: Mapped[str] = mapped_column(sa.String(16))
    unit_price: Mapped[int] = mapped_column(sa.BigInteger)
    quantity: Mapped[int]
    # The line discount as the cashier gave it (a percentage, if it was one) and in money.
    discount_percent: Mapped[str | None] = mapped_column(sa.String(10))
    discount: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    # unit_price × quantity − discount
    total: Mapped[int] = mapped_column(sa.BigInteger)
    # This line's part of the order discount, and what the buyer paid for the line.
    order_discount_share: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    net: Mapped[int] = mapped_column(sa.BigInteger)
    tax: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    refunded_quantity: Mapped[int] = mapped_column(default=0)
    # Offline sales: the catalogue's price when the tablet charged another (a flag for
    # the manager), and the units that were not in stock when the sale arrived.
    catalogue_price: Mapped[int | None] = mapped_column(sa.BigInteger)
    short_by: Mapped[int] = mapped_column(default=0, server_default="0")

    sale: Mapped[Sale] = relationship(back_populates="lines")


class Payment(Model):
    """Money taken for a sale. Cash records what was tendered; change comes from cash only."""

    __tablename__ = "payment"
    __table_args__ = (
        sa.CheckConstraint(check_in("method", PAYMENT_METHODS), name="method"),
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.CheckConstraint("change >= 0 AND change <= amount", name="change"),
        sa.CheckConstraint("method = 'cash' OR change = 0", name="change_from_cash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sale_id: Mapped[int] = mapped_column(sa.ForeignKey("sale.id"), index=True)
    method: Mapped[str] = mapped_column(sa.String(16))
    # What the buyer handed over by this method (cash: tendered) and the change returned.
    amount: Mapped[int] = mapped_column(sa.BigInteger)
    change: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    reference: Mapped[str] = mapped_column(sa.String(120), default="")

    sale: Mapped[Sale] = relationship(back_populates="payments")

    @property
    def kept(self) -> int:
        return self.amount - self.change


class Refund(Model):
    """Money given back for some units of a sale; its own record and document."""

    __tablename__ = "refund"
    __table_args__ = (
        sa.UniqueConstraint("exhibitor_id", "refund_seq"),
        sa.CheckConstraint("amount >= 0", name="amount"),
        sa.CheckConstraint(check_in("method", PAYMENT_METHODS), name="method"),
        sa.CheckConstraint("length(reason) > 0", name="reason_required"),
        sa.Index("ix_refund_exhibitor_day", "exhibitor_id", "business_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sale_id: Mapped[int] = mapped_column(sa.ForeignKey("sale.id"), index=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id"))
    exhibitor_id: Mapped[int] = mapped_column(sa.ForeignKey("exhibitor.id"))
    refund_seq: Mapped[int]
    refund_number: Mapped[str] = mapped_column(sa.String(40))
    amount: Mapped[int] = mapped_column(sa.BigInteger)
    tax: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    method: Mapped[str] = mapped_column(sa.String(16))
    reason: Mapped[str] = mapped_column(sa.Text)
    restock: Mapped[bool] = mapped_column(default=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    shift_id: Mapped[int | None] = mapped_column(sa.ForeignKey("shift.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    business_date: Mapped[date]
    business_hour: Mapped[int] = mapped_column(sa.SmallInteger, default=0, server_default="0")

    sale: Mapped[Sale] = relationship(back_populates="refunds")
    user: Mapped[User] = relationship()
    lines: Mapped[list[RefundLine]] = relationship(
        back_populates="refund", order_by="RefundLine.id", cascade="all, delete-orphan"
    )


class RefundLine(Model):
    __tablename__ = "refund_line"
    __table_args__ = (sa.CheckConstraint("quantity > 0", name="quantity_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    refund_id: Mapped[int] = mapped_column(sa.ForeignKey("refund.id"), index=True)
    sale_line_id: Mapped[int] = mapped_column(sa.ForeignKey("sale_line.id"), index=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("product.id"))
    quantity: Mapped[int]
    amount: Mapped[int] = mapped_column(sa.BigInteger)
    tax: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    restocked: Mapped[bool] = mapped_column(default=True)

    refund: Mapped[Refund] = relationship(back_populates="lines")


class DocumentCounter(Model):
    """The last number issued per exhibitor and kind (sale, refund).

    Bumped with ``UPDATE ... RETURNING`` inside the document's own transaction, so a
    rolled-back sale returns its number and numbers stay gapless across processes.
    """

    __tablename__ = "document_counter"
    __table_args__ = (
        sa.CheckConstraint(
            check_in("kind", (SALE_COUNTER, REFUND_COUNTER, DEVICE_COUNTER)), name="kind"
        ),
    )

    exhibitor_id: Mapped[int] = mapped_column(sa.ForeignKey("exhibitor.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    last_seq: Mapped[int] = mapped_column(default=0)


class Device(Model):
    """A tablet of a booth, known by the code the server gave it (T1, T2, …): the middle
    part of the numbers it gives the sales it records offline."""

    __tablename__ = "device"
    __table_args__ = (sa.UniqueConstraint("exhibitor_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exhibitor_id: Mapped[int] = mapped_column(sa.ForeignKey("exhibitor.id"))
    code: Mapped[str] = mapped_column(sa.String(16))
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    exhibitor: Mapped[Exhibitor] = relationship()


class IdempotencyKey(Model):
    """A client's Idempotency-Key for recording a sale, with the answer it got.

    Scoped to the exhibitor and kept for the whole event: a reply lost on the venue
    Wi-Fi may be retried hours later.
    """

    __tablename__ = "idempotency_key"
    __table_args__ = (sa.UniqueConstraint("exhibitor_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exhibitor_id: Mapped[int] = mapped_column(sa.ForeignKey("exhibitor.id"))
    key: Mapped[str] = mapped_column(sa.String(200))
    # SHA-256 of the canonical request body: the same key with another body is refused.
    fingerprint: Mapped[str] = mapped_column(sa.String(64))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    sale_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sale.id"))
    response_status: Mapped[int]
    response_body: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


ROLLUP_DIMENSIONS = ("total", "method", "category", "hour", "origin")


class DailyRollup(Model):
    """A booth's running totals of one event-local day, kept in the same transaction as
    the sales, voids and refunds they count, so they never disagree with them (``pos
    check`` verifies it). The dashboard and the event report read these, not the raw
    sales.

    dimension "total" (key ""): transactions, items, gross, discounts, refunds, tax (net
    of refunded tax), voids, and amount = net. "method" (key: the method): amount = money
    kept. "category": amount and items. "origin" (key domestic, foreign or unknown):
    transactions and amount. Every dimension's amounts add up to the day's net: a
    refund comes off the group of the sale it refunds (its lines' categories, its
    buyer's origin) and off the method the money went back by. ("hour" is allowed but
    not kept: a booth's hours are read from its day's sales.)
    """

    __tablename__ = "daily_rollup"
    __table_args__ = (
        sa.CheckConstraint(check_in("dimension", ROLLUP_DIMENSIONS), name="dimension"),
        sa.Index("ix_daily_rollup_event_day", "event_id", "business_date", "dimension"),
    )

    exhibitor_id: Mapped[int] = mapped_column(sa.ForeignKey("exhibitor.id"), primary_key=True)
    business_date: Mapped[date] = mapped_column(primary_key=True)
    dimension: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id"))
    transactions: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    items: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    gross: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    discounts: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    refunds: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    tax: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    voids: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    amount: Mapped[int] = mapped_column(sa.BigInteger, default=0)
