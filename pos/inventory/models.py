"""Products and the stock ledger (one row per change of stock)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pos.auth.models import User
from pos.db import Model, UTCDateTime, check_in, utcnow
from pos.organizer.models import Exhibitor

CATEGORIES = ("painting", "jewellery", "endek", "craft", "other")

APPROVED, PENDING, REJECTED = "approved", "pending", "rejected"
REVIEW_STATUSES = (APPROVED, PENDING, REJECTED)

MOVEMENT_KINDS = ("opening", "sale", "void", "refund", "adjustment", "import")


class Product(Model):
    """Something an exhibitor sells. A one-of-a-kind item never has more than one in stock.

    Stock is never taken below zero online (the sale's conditional UPDATE refuses), but
    a sale a tablet recorded offline is taken in even when the goods were sold twice:
    the stock then goes below zero by the shortfall, for the manager to settle.
    """

    __tablename__ = "product"
    __table_args__ = (
        sa.UniqueConstraint("exhibitor_id", "sku"),
        sa.CheckConstraint("price >= 0", name="price_not_negative"),
        sa.CheckConstraint("NOT one_of_a_kind OR stock <= 1", name="one_of_a_kind_stock"),
        sa.CheckConstraint(check_in("category", CATEGORIES), name="category"),
        sa.CheckConstraint(check_in("review_status", REVIEW_STATUSES), name="review_status"),
        sa.CheckConstraint("length(sku) > 0 AND length(name) > 0", name="sku_name_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    exhibitor_id: Mapped[int] = mapped_column(sa.ForeignKey("exhibitor.id"), index=True)
    sku: Mapped[str] = mapped_column(sa.String(64))
    name: Mapped[str] = mapped_column(sa.String(200))
    category: Mapped[str] = mapped_column(sa.String(16))
    price: Mapped[int] = mapped_column(sa.BigInteger)
    stock: Mapped[int] = mapped_column(default=0)
    attributes: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    one_of_a_kind: Mapped[bool] = mapped_column(default=False)
    description: Mapped[str] = mapped_column(sa.Text, default="")
    photo: Mapped[str | None] = mapped_column(sa.String(255), index=True)
    low_stock_threshold: Mapped[int | None]
    # Curation: when the event requires it, a new product waits for an organizer.
    review_status: Mapped[str] = mapped_column(sa.String(16), default=APPROVED)
    review_note: Mapped[str] = mapped_column(sa.Text, default="")
    active: Mapped[bool] = mapped_column(default=True)
    # Shown in the fair's public catalogue (when approved and active); the booth's
    # manager may keep a product off it.
    public: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    exhibitor: Mapped[Exhibitor] = relationship()

    def __repr__(self) -> str:
        return f"<Product {self.sku} {self.name!r}>"

    @property
    def sellable(self) -> bool:
        return self.active and self.review_status == APPROVED

    @property
    def sold_out(self) -> bool:
        return self.stock == 0

    @property
    def low_stock(self) -> bool:
        return self.low_stock_threshold is not None and 0 < self.stock <= self.low_stock_threshold


class StockMovement(Model):
    """One change of a product's stock; the product's stock equals the sum of its deltas."""

    __tablename__ = "stock_movement"
    __table_args__ = (
        sa.CheckConstraint(check_in("kind", MOVEMENT_KINDS), name="kind"),
        sa.Index("ix_stock_movement_product_id_id", "product_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("product.id"))
    exhibitor_id: Mapped[int] = mapped_column(sa.ForeignKey("exhibitor.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    delta: Mapped[int]
    stock_after: Mapped[int]
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    # The sale or refund behind a movement (tables of the sales domain, named by string).
    sale_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sale.id"), index=True)
    refund_id: Mapped[int | None] = mapped_column(sa.ForeignKey("refund.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    product: Mapped[Product] = relationship()
    user: Mapped[User | None] = relationship()
