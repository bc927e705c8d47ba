"""JSON shapes of reports."""

from __future__ import annotations

from pydantic import BaseModel

from pos.api import QuerySchema


class DailyQuery(QuerySchema):
    exhibitor_id: int | None = None
    date: str | None = None


class ProductRow(BaseModel):
    product_id: int
    sku: str
    name: str
    quantity: int
    amount: int


class HourRow(BaseModel):
    hour: int
    transactions: int
    amount: int


class DailySummary(BaseModel):
    exhibitor_id: int
    booth: str
    name: str
    date: str
    timezone: str
    currency: str
    transactions: int
    items_sold: int
    gross: int
    discounts: int
    voids: int
    refunds: int
    tax: int
    net: int
    by_payment_method: dict[str, int]
    by_category: dict[str, int]
    by_product: list[ProductRow]
    by_hour: list[HourRow]
