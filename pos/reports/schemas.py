"""JSON shapes of reports."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal
from zoneinfo import ZoneInfo

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


class AuditQuery(QuerySchema):
    """Filters of the audit log; days are the event's calendar days (YYYY-MM-DD)."""

    event_id: Id | None = Field(None, description="Default: the current event (organizers)")
    date_from: date | None = Field(None, description="First event-local day")
    date_to: date | None = Field(None, description="Last event-local day")
    action: str = Field("", max_length=40, description="e.g. sale_voided, exhibitor_updated")
    username: str = Field("", max_length=80, description="Who acted (or the name typed)")
    user_id: Id | None = None
    booth: str = Field("", max_length=20, description="A booth code of the event")
    exhibitor_id: Id | None = None
    before: Id | None = Field(None, description="next_before of the previous page")
    limit: int = Field(50, ge=1, le=500)

    def wanted(self) -> Any:
        from pos.reports.audit import AuditFilter

        return AuditFilter(
            **self.model_dump(exclude={"before", "limit", "lang"}, exclude_none=False)
        )


class AuditExportQuery(AuditQuery):
    lang: Literal["id", "en"] | None = Field(None, description=LANG_DESCRIPTION)


class AuditEntryOut(BaseModel):
    id: int
    at: str = Field(description="ISO 8601 with the event's offset")
    action: str
    action_label: str
    user_id: int | None
    username: str
    exhibitor_id: int | None
    booth: str | None
    target_type: str
    target_id: int | None
    ip: str
    details: dict[str, Any]


class AuditLog(BaseModel):
    event_id: int
    timezone: str
    total: int = Field(description="Entries matching the filters, on every page")
    items: list[AuditEntryOut]
    next_before: int | None = Field(description="Ask again with before= this for older ones")

    @classmethod
    def from_page(cls, page: Any) -> AuditLog:
        from pos.reports.audit import action_label

        zone = ZoneInfo(page.event.timezone)
        return cls(
            event_id=page.event.id,
            timezone=page.event.timezone,
            total=page.total,
            next_before=page.next_before,
            items=[
                AuditEntryOut(
                    id=row.entry.id,
                    at=row.entry.at.astimezone(zone).isoformat(),
                    action=row.entry.action,
                    action_label=action_label(row.entry.action),
                    user_id=row.entry.user_id,
                    username=row.entry.username,
                    exhibitor_id=row.entry.exhibitor_id,
                    booth=row.booth or None,
                    target_type=row.entry.target_type,
                    target_id=row.entry.target_id,
                    ip=row.entry.ip,
                    details=row.entry.details or {},
                )
                for row in page.rows
            ],
        )
