"""JSON shapes of sales, voids, refunds and shifts."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from pos.api import InputSchema, QuerySchema
from pos.schemas import Day, DecimalPercent, Email, Id, Money, ShortText, Whole

Method = Literal["cash", "qris", "card", "transfer", "ewallet"]
Quantity = Annotated[int, Field(ge=1, le=10_000), Whole]
DiscountPercent = DecimalPercent
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
RegisterName = Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)]
Reference = Annotated[str, StringConstraints(strip_whitespace=True, max_length=120)]
# The buyer's link token a tablet makes: at least 128 random bits, URL-safe base64.
PublicToken = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{22,64}$")]
DeviceCode = Annotated[str, StringConstraints(pattern=r"^T[1-9][0-9]{0,5}$")]
OfflineNumber = Annotated[str, StringConstraints(min_length=5, max_length=40)]

MAX_IDEMPOTENCY_KEY = 200
# The Idempotency-Key header of POST /sales, as recording.check_idempotency_key takes it:
# missing, empty, too long or unprintable is a 400.
IDEMPOTENCY_KEY_HEADER = {
    "required": True,
    "description": "Made by the client once per sale attempt and sent again with every "
    "retry of it: the same key and body give the same answer, and one sale",
    "schema": {
        "type": "string",
        "minLength": 1,
        "maxLength": MAX_IDEMPOTENCY_KEY,
        "pattern": "^[!-~]([ -~]*[!-~])?$",
    },
}


class SaleItemIn(InputSchema):
    # One line discount at most: the document says so as _one_discount checks it.
    model_config = ConfigDict(
        json_schema_extra={
            "not": {
                "required": ["discount_percent", "discount_amount"],
                "properties": {
                    "discount_percent": {"not": {"type": "null"}},
                    "discount_amount": {"not": {"type": "null"}},
                },
            }
        }
    )

    product_id: Id
    quantity: Quantity
    discount_percent: DiscountPercent | None = None
    discount_amount: Money | None = None
    # The price the tablet charged (required for a sale recorded offline): kept as
    # charged; a difference from the catalogue is flagged for the manager. Online, a
    # price that changed meanwhile is refused (409 price_changed) rather than charged.
    unit_price: Money | None = None

    @model_validator(mode="after")
    def _one_discount(self) -> SaleItemIn:
        if self.discount_percent is not None and self.discount_amount is not None:
            raise ValueError("give discount_percent or discount_amount, not both")
        return self


class PaymentIn(InputSchema):
    method: Method
    amount: Annotated[int, Field(ge=1, le=10**12), Whole]
    reference: Reference = ""


class BuyerIn(InputSchema):
    name: ShortText | None = None
    phone: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] | None = None
    email: Email | None = None
    origin: Literal["domestic", "foreign"] | None = None


class OfflineIn(InputSchema):
    """How a tablet recorded a sale without the server."""

    device: DeviceCode
    number: OfflineNumber
    recorded_at: AwareDatetime
    public_token: PublicToken
    # The tablet's shift when it knew one; else the float it was told when it asked.
    shift_id: Id | None = None
    opening_float: Money | None = None


class SaleIn(InputSchema):
    # A sale recorded offline gives every item's unit_price (_offline_prices).
    model_config = ConfigDict(
        json_schema_extra={
            "if": {
                "required": ["offline"],
                "properties": {"offline": {"not": {"type": "null"}}},
            },
            "then": {
                "properties": {
                    "items": {
                        "items": {
                            "required": ["unit_price"],
                            "properties": {"unit_price": {"not": {"type": "null"}}},
                        }
                    }
                }
            },
        }
    )

    exhibitor_id: Id
    items: Annotated[list[SaleItemIn], Field(min_length=1, max_length=200)]
    discount_amount: Money = 0
    discount_percent: DiscountPercent | None = None
    payments: Annotated[list[PaymentIn], Field(min_length=1, max_length=10)]
    buyer: BuyerIn | None = None
    # Which register (cash drawer) of the booth, when it has more than one.
    till: RegisterName = Field("", alias="register")
    # The buyer's link token, made by the register before it sends, so that the sale
    # is recognised if it is sent again offline after its answer was lost.
    public_token: PublicToken | None = None
    offline: OfflineIn | None = None

    @model_validator(mode="after")
    def _offline_prices(self) -> SaleIn:
        if self.offline is not None and any(i.unit_price is None for i in self.items):
            raise ValueError("a sale recorded offline gives the unit_price of every item")
        return self


class StockConflictOut(BaseModel):
    product_id: int
    short_by: int


class SaleLineOut(BaseModel):
    product_id: int
    sku: str
    name: str
    category: str
    unit_price: int
    quantity: int
    discount: int
    total: int
    net: int
    tax: int
    refunded_quantity: int
    catalogue_price: int | None = None
    short_by: int = 0


class PaymentOut(BaseModel):
    method: Method
    amount: int
    change: int
    reference: str


class BuyerOut(BaseModel):
    name: str
    phone: str
    email: str
    origin: str | None


class SaleOut(BaseModel):
    id: int
    receipt_number: str
    exhibitor_id: int
    status: Literal["completed", "voided", "partly_refunded", "refunded"]
    created_at: str
    business_date: str
    cashier: str
    lines: list[SaleLineOut]
    subtotal: int
    line_discount_total: int
    order_discount: int
    discount_total: int
    tax_total: int
    total: int
    paid: int
    change: int
    refunded_total: int
    payments: list[PaymentOut]
    buyer: BuyerOut
    receipt_url: str
    public_receipt_url: str
    voided_at: str | None = None
    void_reason: str = ""
    device: str | None = None
    offline_number: str | None = None
    recorded_at: str
    synced_at: str | None = None
    late: bool = False
    stock_conflicts: list[StockConflictOut] = []
    price_flagged: bool = False


class SaleList(BaseModel):
    items: list[SaleOut]


class SaleQuery(QuerySchema):
    exhibitor_id: Id | None = None
    date: Day | None = None


class VoidIn(InputSchema):
    reason: Reason


class RefundLineIn(InputSchema):
    product_id: Id
    quantity: Quantity


class RefundIn(InputSchema):
    lines: Annotated[list[RefundLineIn], Field(min_length=1, max_length=200)]
    restock: bool = True
    reason: Reason
    method: Method | None = None


class RefundLineOut(BaseModel):
    product_id: int
    sku: str
    name: str
    quantity: int
    amount: int
    tax: int
    restocked: bool


class RefundOut(BaseModel):
    id: int
    sale_id: int
    refund_number: str
    amount: int
    tax: int
    method: Method
    reason: str
    restock: bool
    created_at: str
    business_date: str
    user: str
    lines: list[RefundLineOut]


class ShiftOpenIn(InputSchema):
    exhibitor_id: Id
    opening_float: Money = 0
    till: RegisterName = Field("", alias="register")


class ShiftCloseIn(InputSchema):
    counted_cash: Money
    note: Annotated[str, StringConstraints(max_length=1000)] = ""


class ShiftOut(BaseModel):
    id: int
    exhibitor_id: int
    till: str = Field(alias="register")
    opened_by: str
    opened_at: str
    opening_float: int
    closed_by: str | None
    closed_at: str | None
    counted_cash: int | None
    expected_cash: int
    difference: int | None
    cash_sales: int
    cash_refunds: int
    by_method: dict[str, int]
    transactions: int
    note: str


class ShiftList(BaseModel):
    items: list[ShiftOut]


class ShiftQuery(QuerySchema):
    exhibitor_id: Id | None = None


class DeviceIn(InputSchema):
    exhibitor_id: Id


class DeviceOut(BaseModel):
    device: str
    exhibitor_id: int
    booth: str


class WaitingSalesIn(BaseModel):
    """A tablet's "Export waiting sales" file."""

    exhibitor_id: Id
    sales: Annotated[list[dict], Field(max_length=5000)]


class ImportedSaleOut(BaseModel):
    number: str
    recorded: bool
    receipt_number: str | None = None
    already_there: bool = False
    message: str = ""


class WaitingSalesOut(BaseModel):
    items: list[ImportedSaleOut]


class DiscardIn(InputSchema):
    exhibitor_id: Id
    number: OfflineNumber
    reason: Reason
    sale: dict = {}
