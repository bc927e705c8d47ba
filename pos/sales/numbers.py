"""Numbers and days of the selling documents: gapless per-exhibitor counters (receipts,
refunds, device codes) and the event-local day and hour of a moment."""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from pos.db import Prepared
from pos.extensions import db
from pos.sales.models import (
    DocumentCounter,
)

# --- numbers and days -------------------------------------------------------------------


def local_day(moment: datetime, timezone: str) -> date:
    """The calendar day of ``moment`` in the event's timezone."""
    return moment.astimezone(ZoneInfo(timezone)).date()


def local_hour(moment: datetime, timezone: str) -> int:
    """The hour (0–23) of ``moment`` on the event's clocks."""
    return moment.astimezone(ZoneInfo(timezone)).hour


def receipt_number(booth: str, seq: int) -> str:
    return f"{booth}-{seq:06d}"


def refund_number(booth: str, seq: int) -> str:
    return f"{booth}-R{seq:05d}"


@cache
def _next_number_statement(dialect: str) -> sa.Insert:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(DocumentCounter).values(
        exhibitor_id=sa.bindparam("exhibitor_id"), kind=sa.bindparam("kind"), last_seq=1
    )
    return statement.on_conflict_do_update(
        index_elements=["exhibitor_id", "kind"],
        set_={"last_seq": DocumentCounter.last_seq + 1},
    ).returning(DocumentCounter.last_seq)


def next_number(exhibitor_id: int, kind: str) -> int:
    """Take the exhibitor's next document number inside the current transaction.

    One upsert creates the counter on first use or bumps it, returning the number. It
    holds the row lock (PostgreSQL) or runs under the write lock (SQLite) until commit,
    and a rollback returns the number: numbers are gapless and never repeat.
    """
    connection = db.session.connection()
    params = {"exhibitor_id": exhibitor_id, "kind": kind}
    return NEXT_NUMBER.execute(connection, params).fetchone()[0]


# next_number's statement on the driver's cursor, for the sale's hot path, which sends it
# with its stock updates in one round trip: ``NEXT_NUMBER.execute(connection,
# {"exhibitor_id", "kind"})``, the number in the cursor's one row.
NEXT_NUMBER = Prepared(_next_number_statement)
