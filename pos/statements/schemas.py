"""JSON shapes of sales statements."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel

from pos.api import InputSchema
from pos.sales.schemas import Reason


class StatementIn(InputSchema):
    # Default: the booth's receipt language.
    language: Literal["id", "en"] | None = None


class RevokeIn(InputSchema):
    reason: Reason


class DayFigures(BaseModel):
    date: date
    transactions: int
    gross: int
    discounts: int
    refunds: int
    net: int
    by_payment_method: dict[str, int]
    by_category: dict[str, int]


class StatementFigures(BaseModel):
    """The settlement's figures of the booth's whole fair, frozen at issue (integer
    money in the event's currency, refunds deducted)."""

    transactions: int
    gross: int
    discounts: int
    refunds: int
    net: int
    by_payment_method: dict[str, int]
    by_category: dict[str, int]
    days: list[DayFigures]


class Issuer(BaseModel):
    name: str
    office: str


class StatementOut(BaseModel):
    id: int
    number: str
    exhibitor_id: int
    event_id: int
    language: str
    issued_on: date
    issued_at: datetime
    issuer: Issuer
    currency: str
    status: Literal["valid", "revoked"]
    revoked_at: datetime | None
    revoke_reason: str
    verification_url: str
    fingerprint: str
    sha256: str
    figures: StatementFigures

    @classmethod
    def from_model(cls, statement, base: str) -> StatementOut:
        from pos.statements.service import public_url

        snapshot = statement.figures
        return cls(
            id=statement.id,
            number=statement.number,
            exhibitor_id=statement.exhibitor_id,
            event_id=statement.event_id,
            language=statement.language,
            issued_on=statement.issued_on,
            issued_at=statement.created_at,
            issuer=snapshot["issuer"],
            currency=snapshot["currency"],
            status="revoked" if statement.revoked_at else "valid",
            revoked_at=statement.revoked_at,
            revoke_reason=statement.revoke_reason,
            verification_url=public_url(statement, base),
            fingerprint=statement.fingerprint,
            sha256=statement.snapshot_sha256,
            figures=snapshot["figures"],
        )


class StatementList(BaseModel):
    items: list[StatementOut]
