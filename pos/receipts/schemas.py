"""Query shapes of printed documents."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from pos.api import QuerySchema


class ReceiptQuery(QuerySchema):
    format: Literal["80mm", "58mm", "a4"] = "80mm"
    reprint: bool = Field(False, alias="copy", description="1 marks the receipt as a reprint")


class LabelQuery(QuerySchema):
    exhibitor_id: int | None = None
    ids: str = Field(
        "", description="Comma-separated product ids; all the booth's products when empty"
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
