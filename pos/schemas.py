"""Field types shared by the JSON schemas of every domain."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import BeforeValidator, EmailStr, Field, StringConstraints, WithJsonSchema

from pos.db import MAX_ID
from pos.money import MAX_MONEY


def _whole_number(value: Any) -> Any:
    """JSON has one kind of number, and JSON Schema's "integer" is any number without a
    fraction: 5.0 is the integer 5. The strict schemas still refuse 5.5 and "5"."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# Every integer of a request body: a whole number, written 5 or 5.0. (It goes after the
# Field(...) of the bounds, so that the document carries them as minimum and maximum.)
Whole = BeforeValidator(_whole_number)

# Money: an integer count of the currency's smallest unit in use (IDR: rupiah).
Money = Annotated[
    int, Field(ge=0, le=MAX_MONEY, description="Integer, smallest currency unit"), Whole
]
# An id in a body or a query string: what the database's id columns hold (pos.db).
Id = Annotated[int, Field(ge=1, le=MAX_ID), Whole]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
LongText = Annotated[str, StringConstraints(max_length=4000)]
Percent = Annotated[int, Field(ge=0, le=100), Whole]
# A percentage with at most two decimals: a whole number (10) or the exact decimal as
# text ("12.5"), since a JSON number such as 0.1 has no exact binary value. (A JSON
# number with decimals is read too, as the text it is written with.)
DecimalPercent = Annotated[
    Decimal,
    Field(ge=0, le=100, max_digits=5, decimal_places=2),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer", "minimum": 0, "maximum": 100},
                {"type": "string", "pattern": r"^(100(\.0{1,2})?|[0-9]{1,2}(\.[0-9]{1,2})?)$"},
            ]
        }
    ),
]
# An e-mail address as the app checks it (email-validator): a domain with a period, and
# not one of the special-use names that mail never reaches.
Email = Annotated[
    EmailStr,
    WithJsonSchema(
        {
            "type": "string",
            "format": "email",
            "maxLength": 254,
            "pattern": r"^[^@\s]+@[^@\s]+\.[^@\s]+"
            r"(?<!\.(arpa|invalid|local|localhost|onion|test))$",
        }
    ),
]
# A day in a query string, YYYY-MM-DD; the services read it (422 for anything else).
Day = Annotated[str, WithJsonSchema({"type": "string", "format": "date"})]


def iso_local(value: datetime | None, timezone: str) -> str | None:
    """ISO 8601 with the event's offset, e.g. 2025-09-06T10:15:00+08:00."""
    if value is None:
        return None
    return value.astimezone(ZoneInfo(timezone)).isoformat(timespec="seconds")
