"""JSON shapes of events and exhibitors."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from pos.api import InputSchema, QuerySchema
from pos.schemas import (
    DecimalPercent,
    Email,
    Id,
    LongText,
    Money,
    Name,
    Percent,
    ShortText,
    Whole,
)


class EventIn(InputSchema):
    name: Name
    timezone: ShortText
    currency: ShortText = "IDR"
    starts_on: date | None = None
    ends_on: date | None = None
    venue: ShortText = ""
    receipt_footer: LongText = ""
    requires_curation: bool = False
    cashier_discount_limit_percent: Percent = 10
    commission_percent: DecimalPercent = Decimal(0)
    booth_fee: Money = 0
    organizer_name: ShortText = ""
    organizer_office: LongText = ""
    make_current: bool = True
    slug: str | None = Field(
        None,
        max_length=80,
        pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$",
        description="The public catalogue's address /e/<slug>; made from the name if absent",
    )
    catalogue_public: bool = False
    catalogue_days_after: Annotated[int, Field(ge=0, le=3650), Whole] = 90
    opening_hours: LongText = ""


class EventOut(BaseModel):
    id: int
    name: str
    venue: str
    timezone: str
    currency: str
    starts_on: date | None
    ends_on: date | None
    receipt_footer: str
    requires_curation: bool
    cashier_discount_limit_percent: int
    commission_percent: Decimal
    booth_fee: int
    organizer_name: str
    organizer_office: str
    is_current: bool
    slug: str
    catalogue_public: bool
    catalogue_days_after: int
    opening_hours: str

    @classmethod
    def from_model(cls, event) -> EventOut:
        return cls.model_validate(event, from_attributes=True)


class EventList(BaseModel):
    items: list[EventOut]


class ExhibitorIn(InputSchema):
    name: Name
    booth: ShortText
    event_id: Id | None = None
    region: ShortText | None = None
    sentra: ShortText | None = None
    owner_name: ShortText | None = None
    phone: ShortText | None = None
    email: Email | None = None
    address: LongText | None = None
    npwp: ShortText | None = None
    tax_registered: bool | None = None
    tax_rate_percent: Percent | None = None
    receipt_language: Literal["id", "en"] | None = None


class ExhibitorPatch(InputSchema):
    name: Name | None = None
    booth: ShortText | None = None
    region: ShortText | None = None
    sentra: ShortText | None = None
    owner_name: ShortText | None = None
    phone: ShortText | None = None
    email: Email | Literal[""] | None = None
    address: LongText | None = None
    npwp: ShortText | None = None
    tax_registered: bool | None = None
    tax_rate_percent: Percent | None = None
    receipt_language: Literal["id", "en"] | None = None
    active: bool | None = None


class ExhibitorOut(BaseModel):
    id: int
    event_id: int
    name: str
    booth: str
    region: str
    sentra: str
    owner_name: str
    phone: str
    email: str
    address: str
    npwp: str
    tax_registered: bool
    tax_rate_percent: int
    receipt_language: str
    active: bool

    @classmethod
    def from_model(cls, exhibitor) -> ExhibitorOut:
        return cls.model_validate(exhibitor, from_attributes=True)


class ExhibitorList(BaseModel):
    items: list[ExhibitorOut]


class ExhibitorQuery(QuerySchema):
    q: str = ""
    event_id: Id | None = None
