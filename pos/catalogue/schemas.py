"""JSON shapes of the public catalogue (API.md, "Public catalogue")."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from pos.api import QuerySchema
from pos.inventory.models import CATEGORIES
from pos.schemas import ShortText

Category = Literal[CATEGORIES]  # type: ignore[valid-type]


class ProductSearchQuery(QuerySchema):
    q: ShortText = Field(
        "",
        description="Words, each matched as the start of a word of the "
        "name, category (English or Indonesian), description or an attribute",
    )
    category: Category | None = None


class PublicProductOut(BaseModel):
    product_id: int
    name: str
    category: str
    price: int = Field(description="In the event's currency's smallest unit in use")
    booth: str
    exhibitor: str
    availability: Literal["available", "few_left", "sold"]
    # Beyond API.md's fields (added, never renamed):
    after_fair: bool = Field(
        description="The fair is over: ask the maker (contact_url) whether it is still to be had"
    )
    url: str = Field(description="The exhibitor's public page")
    contact_url: str | None = Field(
        None, description="The maker's WhatsApp link, when the exhibitor shows one"
    )


class PublicProductList(BaseModel):
    items: list[PublicProductOut]
