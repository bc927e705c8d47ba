"""JSON shapes of products and the stock ledger."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from pos.api import InputSchema, QuerySchema
from pos.inventory.photos import photo_url
from pos.schemas import Id, LongText, Money, Name, Whole, iso_local

Category = Literal["painting", "jewellery", "endek", "craft", "other"]
Sku = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Stock = Annotated[int, Field(ge=0, le=1_000_000), Whole]
# Whole numbers within what JavaScript (the register) holds exactly.
AttributeValue = str | Annotated[int, Field(ge=-(2**53), le=2**53)] | float | bool | None
Attributes = Annotated[dict[str, AttributeValue], Field(max_length=30)]


class ProductIn(InputSchema):
    exhibitor_id: Id
    sku: Sku
    name: Name
    category: Category
    price: Money
    stock: Stock = 0
    attributes: Attributes | None = None
    one_of_a_kind: bool | None = None
    description: LongText | None = None
    low_stock_threshold: Stock | None = None


class ProductPatch(InputSchema):
    sku: Sku | None = None
    name: Name | None = None
    category: Category | None = None
    price: Money | None = None
    stock: Stock | None = None
    attributes: Attributes | None = None
    one_of_a_kind: bool | None = None
    description: LongText | None = None
    low_stock_threshold: Stock | None = None
    active: bool | None = None


class ProductOut(BaseModel):
    id: int
    exhibitor_id: int
    sku: str
    name: str
    category: Category
    price: int
    stock: int
    attributes: dict[str, AttributeValue]
    one_of_a_kind: bool
    description: str
    low_stock_threshold: int | None
    review_status: Literal["approved", "pending", "rejected"]
    review_note: str
    active: bool
    sellable: bool
    sold_out: bool
    low_stock: bool
    photo_url: str | None = Field(None, description="Display size (at most 1280 px), JPEG")
    thumbnail_url: str | None = Field(None, description="320 × 320 px square, JPEG")

    @classmethod
    def from_model(cls, product) -> ProductOut:
        out = cls.model_validate(product, from_attributes=True)
        if product.photo:
            out.photo_url = photo_url(product.photo, "display")
            out.thumbnail_url = photo_url(product.photo, "thumb")
        return out


class ProductList(BaseModel):
    items: list[ProductOut]


class RegisterProduct(BaseModel):
    """A product as the register draws it: grid tile, search and the item's sheet."""

    id: int
    sku: str
    name: str
    category: Category
    price: int
    stock: int
    one_of_a_kind: bool
    low_stock_threshold: int | None
    thumbnail_url: str | None = Field(None, description="320 × 320 px square, JPEG")
    photo_url: str | None = Field(None, description="Display size (at most 1280 px), JPEG")
    attributes: dict[str, AttributeValue]
    description: str


class RegisterCatalogue(BaseModel):
    """The booth's sellable products (active and approved), nothing else. The answer's
    ETag is the catalogue's version: sent back as If-None-Match it gives 304 while no
    product was added, changed, taken out of sale or sold."""

    items: list[RegisterProduct]


class ProductQuery(QuerySchema):
    exhibitor_id: Id | None = None
    q: str = ""
    category: Category | None = None
    include_inactive: bool = False
    review_status: Literal["approved", "pending", "rejected"] | None = None
    low_or_sold_out: bool = False


class StockAdjustmentIn(InputSchema):
    delta: Annotated[int, Field(ge=-1_000_000, le=1_000_000), Whole]
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class MovementOut(BaseModel):
    id: int
    kind: Literal["opening", "sale", "void", "refund", "adjustment", "import"]
    delta: int
    stock_after: int
    reason: str
    user: str | None
    at: str
    sale_id: int | None = None
    refund_id: int | None = None

    @classmethod
    def from_model(cls, movement, timezone: str) -> MovementOut:
        return cls(
            id=movement.id,
            kind=movement.kind,
            delta=movement.delta,
            stock_after=movement.stock_after,
            reason=movement.reason,
            user=movement.user.username if movement.user else None,
            at=iso_local(movement.at, timezone),
            sale_id=movement.sale_id,
            refund_id=movement.refund_id,
        )


class MovementList(BaseModel):
    items: list[MovementOut]


class CatalogueQuery(QuerySchema):
    exhibitor_id: Id | None = None


class ImportError_(BaseModel):
    row: int
    column: str = ""
    message: str


class ImportResult(BaseModel):
    created: int
    updated: int
    errors: list[ImportError_]


class ReviewIn(InputSchema):
    decision: Literal["approve", "reject"]
    note: Annotated[str, StringConstraints(max_length=1000)] = ""
