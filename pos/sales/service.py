"""The selling domain's use cases, in one place for its callers (the views, the API, the
CLI, the reports). Each lives in a module of its own:

- ``recording``: recording a sale whole or not at all (the hot path), finding sales;
- ``offline``: device codes and sales a tablet recorded without the server;
- ``returns``: voids and refunds;
- ``shifts``: opening and closing a register's cash drawer;
- ``numbers``: gapless document numbers and event-local days.
"""

from __future__ import annotations

from pos.sales.numbers import local_day, local_hour, next_number, receipt_number, refund_number
from pos.sales.recording import (
    IdempotencyKeyReused,
    SaleAnswer,
    check_idempotency_key,
    get_sale,
    list_sales,
    recent_sales,
    record_sale,
    request_fingerprint,
    sale_body,
    sale_json,
)
from pos.sales.returns import default_refund_method, refund_json, refund_sale, void_sale
from pos.sales.shifts import (
    ShiftTotals,
    close_shift,
    current_shift,
    get_shift,
    open_shift,
    open_shift_id,
    open_shifts,
    shift_json,
    shift_totals,
)

__all__ = [
    "IdempotencyKeyReused",
    "SaleAnswer",
    "ShiftTotals",
    "check_idempotency_key",
    "close_shift",
    "current_shift",
    "default_refund_method",
    "get_sale",
    "get_shift",
    "list_sales",
    "local_day",
    "local_hour",
    "next_number",
    "open_shift",
    "open_shift_id",
    "open_shifts",
    "receipt_number",
    "recent_sales",
    "record_sale",
    "refund_json",
    "refund_number",
    "refund_sale",
    "request_fingerprint",
    "sale_body",
    "sale_json",
    "shift_json",
    "shift_totals",
    "void_sale",
]
