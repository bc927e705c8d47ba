"""Field types shared by the JSON schemas of every domain."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import Field, StringConstraints

from pos.db import MAX_ID
from pos.money import MAX_MONEY

# Money: an integer count of the currency's smallest unit in use (IDR: rupiah).
Money = Annotated[int, Field(ge=0, le=MAX_MONEY, description="Integer, smallest currency unit")]
# An id in a body or a query string: what the database's id columns hold (pos.db).
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
LongText = Annotated[str, StringConstraints(max_length=4000)]
Percent = Annotated[int, Field(ge=0, le=100)]


def iso_local(value: datetime | None, timezone: str) -> str | None:
    """ISO 8601 with the event's offset, e.g. 2025-09-06T10:15:00+08:00."""
    if value is None:
        return None
    return value.astimezone(ZoneInfo(timezone)).isoformat(timespec="seconds")
