"""Query and answer shapes of printed documents."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from pos.api import QuerySchema
from pos.schemas import Id


class ReceiptQuery(QuerySchema):
    format: Literal["80mm", "58mm", "a4"] = "80mm"
    reprint: bool = Field(False, alias="copy", description="1 marks the receipt as a reprint")


class LabelQuery(QuerySchema):
    exhibitor_id: Id | None = None
    ids: str = Field(
        "",
        pattern=r"^[0-9, ]*$",
        description="Comma-separated product ids; all the booth's products when empty",
    )
    include_unsellable: bool = Field(
        False,
        description="1 prints tags for products not on sale too (sold out, awaiting review, "
        "rejected); by default only what can be sold gets a tag",
    )
    sheet: Literal["plain", "labels"] = Field(
        "plain",
        description="plain: A4 paper filled with both sizes, cut along the dashed lines; "
        "labels: each size on its own pages, on 3 × 7 and 2 × 4 label sheets",
    )

    def product_ids(self) -> set[int]:
        try:
            return {int(part) for part in self.ids.split(",") if part.strip()}
        except ValueError:
            return {-1}


class ReceiptLineOut(BaseModel):
    name: str
    sku: str
    quantity: int
    unit_price: int
    discount: int
    total: int


class ReceiptPaymentOut(BaseModel):
    label: str = Field(description="The payment method, in the receipt's language")
    amount: int
    reference: str


class ReceiptOut(BaseModel):
    """A receipt's content, already in the exhibitor's receipt language (``labels``):
    what the PDF is drawn from, for printing it as HTML on a tablet
    (static/js/register/print.js ``printReceipt``). Money in the currency's smallest
    unit; ``locale`` and ``currency`` say how to write it."""

    locale: str
    currency: str
    event_name: str
    exhibitor_name: str
    booth: str
    number: str = Field(description="The booth's receipt number")
    offline_number: str = Field(description="The tablet's number of a sale made offline, or ''")
    when: str = Field(description="Local date and time as printed, e.g. 06/09/2025 10:15 WITA")
    cashier: str
    lines: list[ReceiptLineOut]
    total: int
    labels: dict[str, str]
    region: str
    address: str
    npwp: str
    subtotal: int
    line_discount_total: int
    order_discount: int
    tax_total: int
    tax_rate_percent: int
    tax_lines: bool
    payments: list[ReceiptPaymentOut]
    change: int
    buyer_name: str
    footer: str
    qr_url: str = Field(description="The buyer's link, printed as a QR code")
    marks: list[str] = Field(description="COPY (with the time of printing), VOID")
    title: str
    reference_line: str
