"""Sales a tablet recorded without the server, on the server's side: device codes, and
the rules for taking in a sale that was made offline (shared/API.md, "Selling offline").

- Each tablet of a booth gets a code (T1, T2, …) from the server, never given twice; it
  numbers its offline sales ``<booth>-<device>-<seq>``, unique per booth.
- An offline sale belongs to the event-local day (and the shift) in which it was made:
  its ``created_at`` is the tablet's ``recorded_at``. One from more than ten minutes in
  the future is refused.
- It is never refused for stock (the goods have left the booth): the stock goes below
  zero by the shortfall, which the answer and the manager's day page list. The price
  the tablet charged is kept; a difference from the catalogue is flagged.
- The buyer's link token comes from the tablet, so the QR code it showed works once the
  sale arrives; it also recognises a sale sent live whose answer was lost and that comes
  back through the outbox: recorded once, given the offline number.
- A sale arriving after its day or its shift was over is kept and marked late.

Recording itself is pos/sales/recording.py's ``record_sale``; this module holds the
offline rules it calls.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pydantic
import sqlalchemy as sa
from flask_babel import gettext as _

from pos.auth.models import User
from pos.auth.permissions import Action
from pos.auth.service import audit
from pos.errors import Conflict, Invalid
from pos.extensions import db
from pos.organizer.models import Exhibitor
from pos.organizer.service import get_exhibitor
from pos.sales.models import DEVICE_COUNTER, Device, Sale, SaleLine, Shift
from pos.sales.numbers import local_day, next_number

FUTURE_TOLERANCE = timedelta(minutes=10)


class RecordedInFuture(Invalid):
    code = "recorded_at_in_future"


# --- devices ----------------------------------------------------------------------------


def register_device(actor: User, exhibitor_id: int) -> Device:
    """A new device code of the booth (T1, T2, …), never given twice (the booth's gapless
    counter). Raises Forbidden or NotFound outside the actor's rights."""
    exhibitor = get_exhibitor(actor, exhibitor_id, Action.SELL)
    seq = next_number(exhibitor.id, DEVICE_COUNTER)
    device = Device(exhibitor_id=exhibitor.id, code=f"T{seq}", created_by_id=actor.id)
    db.session.add(device)
    db.session.flush()
    audit("device_registered", actor, exhibitor_id=exhibitor.id, target=device, code=device.code)
    return device


def device_json(device: Device) -> dict[str, Any]:
    return {
        "device": device.code,
        "exhibitor_id": device.exhibitor_id,
        "booth": device.exhibitor.booth,
    }


# --- taking in an offline sale ----------------------------------------------------------


def token_of(order: Any) -> str | None:
    """The buyer's link token the tablet made for this sale, if it made one."""
    if order.offline is not None:
        return order.offline.public_token
    return order.public_token


# Built once and run on the session's connection, as the rest of the sale's hot path
# (docs/PERFORMANCE.md): through the ORM session the same query cost four times as much.
_DEVICE_OF_BOOTH = sa.select(Device.id).where(
    Device.exhibitor_id == sa.bindparam("exhibitor_id"), Device.code == sa.bindparam("code")
)


def check_offline_sale(exhibitor: Exhibitor, offline: Any, now: datetime) -> None:
    """Refuse what no tablet of this booth could have recorded.

    Raises RecordedInFuture (over ten minutes ahead of the server's clock), Invalid
    (a number that is not this booth's and device's, an unknown device).
    """
    if offline.recorded_at > now + FUTURE_TOLERANCE:
        raise RecordedInFuture(
            _("The tablet's clock is ahead of the server's: check the date and time."),
            field="offline.recorded_at",
        )
    pattern = rf"{re.escape(exhibitor.booth)}-{re.escape(offline.device)}-[0-9]{{1,9}}"
    if not re.fullmatch(pattern, offline.number):
        raise Invalid(
            _(
                "An offline number is written %(example)s (booth, device, number).",
                example=f"{exhibitor.booth}-{offline.device}-0001",
            ),
            code="invalid_offline_number",
            field="offline.number",
        )
    known = (
        db.session.connection()
        .execute(_DEVICE_OF_BOOTH, {"exhibitor_id": exhibitor.id, "code": offline.device})
        .first()
    )
    if known is None:
        raise Invalid(
            _("Device %(code)s is not a device of this booth.", code=offline.device),
            code="unknown_device",
            field="offline.device",
        )


_SALE_BY_TOKEN = sa.select(Sale.id, Sale.exhibitor_id).where(
    Sale.public_token == sa.bindparam("token")
)


def known_sale_id(exhibitor_id: int, token: str) -> int | None:
    """The sale already recorded with this buyer token, if any.

    Raises Conflict when the token belongs to another booth's sale (no tablet makes
    that: 128 random bits).
    """
    row = db.session.connection().execute(_SALE_BY_TOKEN, {"token": token}).first()
    if row is None:
        return None
    if row.exhibitor_id != exhibitor_id:
        raise Conflict(_("This receipt link belongs to another sale."), code="token_taken")
    return row.id


def give_offline_number(sale_id: int, offline: Any) -> None:
    """A sale sent live whose answer was lost, back from the outbox: it keeps its
    receipt number and takes the tablet's offline number (if it has none yet)."""
    db.session.execute(
        sa.update(Sale)
        .where(Sale.id == sale_id, Sale.offline_number.is_(None))
        .values(device_code=offline.device, offline_number=offline.number)
        .execution_options(synchronize_session=False)
    )


def check_number_free(exhibitor_id: int, number: str) -> None:
    """Raises Conflict when another sale of the booth has this offline number already
    (a tablet whose storage was wiped and that counts again from 1)."""
    taken = db.session.scalar(
        sa.select(Sale.receipt_number).where(
            Sale.exhibitor_id == exhibitor_id, Sale.offline_number == number
        )
    )
    if taken is not None:
        raise Conflict(
            _(
                "Offline number %(number)s is already sale %(receipt)s: this tablet's "
                "numbers were reset. Ask for a new device code.",
                number=number,
                receipt=taken,
            ),
            code="offline_number_taken",
        )


def shift_of(
    exhibitor_id: int,
    offline: Any,
    at: datetime,
    now: datetime,
    timezone: str,
    open_shift_id: int | None,
) -> tuple[int | None, bool]:
    """The shift a sale belongs to, and whether it arrived late. ``offline``: the sale's
    offline facts (None: a live sale); ``open_shift_id``: its register's open shift, read
    with the booth's facts (pos.sales.recording.SaleFacts; None: the write phase opens
    one).

    A live sale goes to its register's open shift. An offline sale goes to the shift the
    tablet had, even when it was closed meanwhile (else to the open one); it is late
    when that shift is closed or its day is over.
    """
    if offline is None:
        return open_shift_id, False
    late = local_day(now, timezone) > local_day(at, timezone)
    if offline.shift_id is not None:
        row = db.session.execute(
            sa.select(Shift.exhibitor_id, Shift.closed_at).where(Shift.id == offline.shift_id)
        ).first()
        if row is not None and row.exhibitor_id == exhibitor_id:
            return offline.shift_id, late or row.closed_at is not None
    return open_shift_id, late


# --- what the manager settles -----------------------------------------------------------


def offline_issues(exhibitor_id: int, day: date) -> dict[str, list[dict[str, Any]]]:
    """The day's offline sales that need the manager: lines sold with too little stock
    (to settle with a stock adjustment), prices that differ from the catalogue, and
    sales that arrived after their shift or day was over."""
    rows = db.session.execute(
        sa.select(Sale, SaleLine)
        .join(SaleLine, SaleLine.sale_id == Sale.id)
        .where(
            Sale.exhibitor_id == exhibitor_id,
            Sale.business_date == day,
            Sale.offline_number.is_not(None),
            sa.or_(SaleLine.short_by > 0, SaleLine.catalogue_price.is_not(None), Sale.late),
        )
        .order_by(Sale.id, SaleLine.line_no)
    ).all()
    conflicts, prices, late, seen = [], [], [], set()
    for sale, line in rows:
        if line.short_by:
            conflicts.append({"sale": sale, "line": line})
        if line.catalogue_price is not None:
            prices.append({"sale": sale, "line": line})
        if sale.late and sale.id not in seen:
            late.append({"sale": sale})
        seen.add(sale.id)
    return {"conflicts": conflicts, "prices": prices, "late": late}


def arrived_late(exhibitor_id: int, day: date, timezone: str) -> list[Sale]:
    """Sales of earlier days (or of closed shifts) that reached the server on ``day``:
    listed on that day's close, counted in their own day's figures."""
    start = datetime.combine(day, time.min, tzinfo=ZoneInfo(timezone))
    return list(
        db.session.scalars(
            sa.select(Sale)
            .where(
                Sale.exhibitor_id == exhibitor_id,
                Sale.late,
                Sale.synced_at >= start,
                Sale.synced_at < start + timedelta(days=1),
            )
            .order_by(Sale.synced_at)
        )
    )


# --- a tablet's waiting sales, by file ---------------------------------------------------


def import_waiting_sales(actor: User, exhibitor_id: int, document: Any) -> list[dict[str, Any]]:
    """Take in the waiting sales a tablet exported (its "Export waiting sales" file), each
    as if the tablet had sent it: the same Idempotency-Key, so a sale that reached the
    server meanwhile is not recorded twice. Each sale is its own transaction, committed
    here; a refused one is reported with its reason and the others go on.

    Raises Forbidden/NotFound (the booth is not the actor's to manage), Invalid (not such
    a file, or another booth's).
    """
    from pos.errors import PosError
    from pos.sales.recording import record_sale
    from pos.sales.schemas import SaleIn

    exhibitor = get_exhibitor(actor, exhibitor_id, Action.MANAGE)
    sales = document.get("sales") if isinstance(document, dict) else None
    if not isinstance(sales, list) or document.get("exhibitor_id") != exhibitor.id:
        raise Invalid(
            _("This is not a file of waiting sales of booth %(booth)s.", booth=exhibitor.booth),
            code="not_a_waiting_sales_file",
        )
    db.session.commit()  # each sale below begins its own transaction
    results = []
    for entry in sales:
        entry = entry if isinstance(entry, dict) else {}
        number = str(entry.get("number") or "")
        try:
            order = SaleIn.model_validate_json(json.dumps(entry.get("body")))
            answer = record_sale(actor, order, idempotency_key=entry.get("key"))
            db.session.commit()
            results.append(
                {
                    "number": number,
                    "recorded": True,
                    "receipt_number": answer.body["receipt_number"],
                    "already_there": answer.replayed,
                    "message": "",
                }
            )
        except PosError as exc:
            db.session.rollback()
            results.append(_refused(number, exc.message))
        except pydantic.ValidationError as exc:
            db.session.rollback()
            first = exc.errors(include_url=False)[0]
            results.append(_refused(number, first["msg"]))
    audit(
        "waiting_sales_imported",
        actor,
        exhibitor_id=exhibitor.id,
        recorded=sum(1 for r in results if r["recorded"]),
        refused=sum(1 for r in results if not r["recorded"]),
    )
    return results


def _refused(number: str, message: str) -> dict[str, Any]:
    return {
        "number": number,
        "recorded": False,
        "receipt_number": None,
        "already_there": False,
        "message": message,
    }


def record_discard(actor: User, exhibitor_id: int, number: str, reason: str, body: Any) -> None:
    """A sale the server refused, that the manager discards on the tablet: never silently.
    The audit log keeps its number, the reason and the sale as the tablet had it.
    Raises Forbidden (cashiers), NotFound, Invalid (no reason)."""
    exhibitor = get_exhibitor(actor, exhibitor_id, Action.REFUND)
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(_("Give a reason."), field="reason")
    audit(
        "offline_sale_discarded",
        actor,
        exhibitor_id=exhibitor.id,
        number=number,
        reason=reason,
        sale=body,
    )
