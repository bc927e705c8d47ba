"""JSON shapes of reports."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from pos.api import QuerySchema
from pos.schemas import Day, Id

LANG_DESCRIPTION = (
    "Without it, machine column names (stable, never translated). id or en: headers, "
    "sheet names and labels in that language, a CSV as Excel reads it there (UTF-8 with "
    "a BOM; semicolons in Indonesian), for people; the pages ask for the reader's language."
)


class DailyQuery(QuerySchema):
    exhibitor_id: Id | None = None
    date: Day | None = None


class DailyExportQuery(DailyQuery):
    lang: Literal["id", "en"] | None = Field(None, description=LANG_DESCRIPTION)


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


class EventQuery(QuerySchema):
    event_id: Id | None = None
    date: Day | Literal["today"] | None = None


class EventExportQuery(EventQuery):
    lang: Literal["id", "en"] | None = Field(None, description=LANG_DESCRIPTION)


class ExhibitorRow(BaseModel):
    exhibitor_id: int
    booth: str
    name: str
    region: str
    transactions: int
    gross: int
    discounts: int
    refunds: int
    net: int


class DayRow(BaseModel):
    date: str
    transactions: int
    net: int


class OriginRow(BaseModel):
    transactions: int
    amount: int


class EventReport(BaseModel):
    event_id: int
    event: str
    date: str | None
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
    exhibitors: int
    exhibitors_without_sales: list[str]
    by_exhibitor: list[ExhibitorRow]
    by_category: dict[str, int]
    by_payment_method: dict[str, int]
    by_region: dict[str, int]
    by_origin: dict[str, OriginRow]
    by_day: list[DayRow]
