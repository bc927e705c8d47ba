"""JSON selling: /api/v1/sales (record, list, void, refund) and /api/v1/shifts."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, current_app, request
from flask_babel import gettext as _

from pos import links
from pos.api import endpoint, exhibitor_in_question
from pos.errors import Invalid
from pos.extensions import db
from pos.sales import offline, service
from pos.sales.schemas import (
    IDEMPOTENCY_KEY_HEADER,
    DeviceIn,
    DeviceOut,
    DiscardIn,
    RefundIn,
    RefundOut,
    SaleIn,
    SaleList,
    SaleOut,
    SaleQuery,
    ShiftCloseIn,
    ShiftList,
    ShiftOpenIn,
    ShiftOut,
    ShiftQuery,
    VoidIn,
    WaitingSalesIn,
    WaitingSalesOut,
)
from pos.sales.signals import sale_recorded

bp = Blueprint("sales_api", __name__)


def _day(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Invalid(_("A date is written YYYY-MM-DD."), field="date") from None


@endpoint(
    bp,
    "/sales",
    "POST",
    summary="Record a sale (send an Idempotency-Key header)",
    body=SaleIn,
    response=SaleOut,
    status=201,
    errors=(400, 404, 409),
    deferred_write=True,
    plain_user=True,
    headers={"Idempotency-Key": IDEMPOTENCY_KEY_HEADER},
)
def record_sale(user, body: SaleIn):
    result = service.record_sale(user, body, idempotency_key=request.headers.get("Idempotency-Key"))
    db.session.commit()
    if not result.replayed:
        buyer_email = body.buyer.email if body.buyer else None
        sale_recorded.send(
            current_app._get_current_object(),
            sale_id=result.body["id"],
            buyer_email=buyer_email,
            # The receipt's link, for the email and the printed receipt (only they use it).
            url_root=links.public_base() if buyer_email or result.auto_print else "",
            auto_print=result.auto_print,
        )
    if result.text is not None:  # serialised once, with the key
        return current_app.response_class(
            result.text + "\n", status=result.status, mimetype="application/json"
        )
    return result.body, result.status


@endpoint(
    bp,
    "/sales",
    "GET",
    summary="Sales of an event-local day (default today)",
    query=SaleQuery,
    response=SaleList,
    errors=(404,),
)
def list_sales(user, query: SaleQuery):
    sales = service.list_sales(user, exhibitor_id=query.exhibitor_id, day=_day(query.date))
    return {"items": [service.sale_json(s) for s in sales]}


@endpoint(bp, "/sales/<int:sale_id>", "GET", summary="One sale", response=SaleOut, errors=(404,))
def get_sale(user, sale_id: int):
    return service.sale_json(service.get_sale(user, sale_id))


@endpoint(
    bp,
    "/sales/<int:sale_id>/void",
    "POST",
    summary="Void a sale: stock goes back (managers and organizers)",
    body=VoidIn,
    response=SaleOut,
    errors=(404, 409),
)
def void_sale(user, sale_id: int, body: VoidIn):
    sale = service.get_sale(user, sale_id)
    service.void_sale(user, sale, body.reason)
    db.session.commit()
    return service.sale_json(sale)


@endpoint(
    bp,
    "/sales/<int:sale_id>/refunds",
    "POST",
    summary="Refund some units of a sale (managers and organizers)",
    body=RefundIn,
    response=RefundOut,
    status=201,
    errors=(404, 409),
)
def refund_sale(user, sale_id: int, body: RefundIn):
    sale = service.get_sale(user, sale_id)
    refund = service.refund_sale(
        user,
        sale,
        lines=[(line.product_id, line.quantity) for line in body.lines],
        reason=body.reason,
        restock=body.restock,
        method=body.method,
    )
    db.session.commit()
    return service.refund_json(refund), 201


@endpoint(
    bp,
    "/shifts",
    "GET",
    summary="The booth's open shifts (registers), with their running totals",
    query=ShiftQuery,
    response=ShiftList,
    errors=(404,),
)
def list_shifts(user, query: ShiftQuery):
    exhibitor_id = exhibitor_in_question(user, query.exhibitor_id)
    shifts = service.open_shifts(user, exhibitor_id)
    return {"items": [service.shift_json(shift) for shift in shifts]}


@endpoint(
    bp,
    "/shifts",
    "POST",
    summary="Open the register with a cash float",
    body=ShiftOpenIn,
    response=ShiftOut,
    status=201,
    errors=(404, 409),
)
def open_shift(user, body: ShiftOpenIn):
    shift = service.open_shift(
        user, body.exhibitor_id, opening_float=body.opening_float, register=body.till
    )
    db.session.commit()
    return service.shift_json(shift), 201


@endpoint(
    bp,
    "/shifts/<int:shift_id>/close",
    "POST",
    summary="Close the register with the cash counted: expected against counted",
    body=ShiftCloseIn,
    response=ShiftOut,
    errors=(404, 409),
)
def close_shift(user, shift_id: int, body: ShiftCloseIn):
    shift = service.get_shift(user, shift_id)
    service.close_shift(user, shift, counted_cash=body.counted_cash, note=body.note)
    db.session.commit()
    return service.shift_json(shift)


@endpoint(
    bp,
    "/devices",
    "POST",
    summary="A new device code of the booth for a tablet (T1, T2, …), never given twice",
    body=DeviceIn,
    response=DeviceOut,
    status=201,
    errors=(404,),
)
def register_device(user, body: DeviceIn):
    device = offline.register_device(user, body.exhibitor_id)
    db.session.commit()
    return offline.device_json(device), 201


@endpoint(
    bp,
    "/sales/import",
    "POST",
    summary="Take in a tablet's exported waiting sales (managers), each with its own key",
    body=WaitingSalesIn,
    response=WaitingSalesOut,
    errors=(404,),
    deferred_write=True,
)
def import_waiting_sales(user, body: WaitingSalesIn):
    results = offline.import_waiting_sales(user, body.exhibitor_id, body.model_dump())
    db.session.commit()
    return {"items": results}


@endpoint(
    bp,
    "/sales/discards",
    "POST",
    summary="Record a refused offline sale the manager discards on the tablet",
    body=DiscardIn,
    status=204,
    errors=(404,),
)
def discard_waiting_sale(user, body: DiscardIn):
    offline.record_discard(user, body.exhibitor_id, body.number, body.reason, body.sale)
    db.session.commit()
    return "", 204
