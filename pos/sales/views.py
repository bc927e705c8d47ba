"""The booth's selling pages: the register (a page that talks to the JSON API), the
manager's day with voids and refunds, and one sale."""

from __future__ import annotations

import json
from datetime import date

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from pos.auth.permissions import Action, may
from pos.db import utcnow
from pos.errors import PosError
from pos.extensions import db
from pos.i18n import money
from pos.inventory.attributes import CATEGORY_LABELS, attribute_labels
from pos.sales import offline, service
from pos.sales.forms import RefundForm, ShiftCloseForm, VoidForm, WaitingSalesForm
from pos.sales.models import COMPLETED, METHOD_LABELS, VOIDED
from pos.web import booth_in_view, carry_out, saved, show_error, whole_number

bp = Blueprint("sales", __name__)

RECENT_SALES = 30  # on the recent-sales page


@bp.get("/register")
@login_required
def register():
    exhibitor = booth_in_view(Action.SELL)
    if exhibitor is None:
        return redirect(url_for("organizer.exhibitors"))
    return render_template(
        "sales/register.html",
        exhibitor=exhibitor,
        event=exhibitor.event,
        categories=CATEGORY_LABELS,
        attribute_labels=attribute_labels(),
        methods=METHOD_LABELS,
        may_refund=may(current_user, Action.REFUND, exhibitor),
    )


@bp.get("/register/recent")
@login_required
def recent():
    """Today's latest sales of the booth, each with a reprint: for the cashier whose
    buyer wants the previous receipt again."""
    exhibitor = booth_in_view(Action.VIEW)
    if exhibitor is None:
        return redirect(url_for("organizer.exhibitors"))
    return render_template(
        "sales/recent.html",
        exhibitor=exhibitor,
        event=exhibitor.event,
        sales=service.recent_sales(current_user, exhibitor.id, limit=RECENT_SALES),
        limit=RECENT_SALES,
        may_refund=may(current_user, Action.REFUND, exhibitor),
    )


@bp.get("/day")
@login_required
def day():
    exhibitor = booth_in_view(Action.REFUND)
    if exhibitor is None:
        return redirect(url_for("organizer.exhibitors"))
    chosen = request.args.get("date", "")
    try:
        on = date.fromisoformat(chosen) if chosen else None
    except ValueError:
        abort(404)
    return _day_page(exhibitor, on, ShiftCloseForm())


def _day_page(exhibitor, on: date | None, close_form: ShiftCloseForm) -> str:
    """The booth's sales of a day (today when ``on`` is None) and its open register."""
    sales = service.list_sales(current_user, exhibitor_id=exhibitor.id, day=on)
    on = on or service.local_day(utcnow(), exhibitor.event.timezone)
    kept = [s for s in sales if s.status != VOIDED]
    shift = service.current_shift(current_user, exhibitor.id)
    return render_template(
        "sales/day.html",
        exhibitor=exhibitor,
        event=exhibitor.event,
        sales=sales,
        on=on,
        totals={
            "transactions": len(kept),
            "total": sum(s.total for s in kept),
            "refunded": sum(s.refunded_total for s in kept),
            "voided": sum(s.total for s in sales if s.status == VOIDED),
        },
        shift=shift,
        shift_totals=service.shift_totals(shift) if shift else None,
        close_form=close_form,
        methods=METHOD_LABELS,
        issues=offline.offline_issues(exhibitor.id, on),
        waiting_form=WaitingSalesForm(),
    )


@bp.get("/sales/<int:sale_id>")
@login_required
def sale(sale_id: int):
    item = service.get_sale(current_user, sale_id)
    may_refund = may(current_user, Action.REFUND, item.exhibitor)
    return render_template(
        "sales/sale.html",
        sale=item,
        exhibitor=item.exhibitor,
        event=item.exhibitor.event,
        methods=METHOD_LABELS,
        may_refund=may_refund,
        void_form=VoidForm(),
        can_void=may_refund and item.status == COMPLETED,
        can_refund=may_refund and item.status not in (VOIDED, "refunded"),
        # The refund just recorded: its note is offered for printing first.
        fresh_refund=whole_number(request.args.get("refund")),
    )


@bp.post("/sales/<int:sale_id>/void")
@login_required
def void(sale_id: int):
    item = service.get_sale(current_user, sale_id, Action.REFUND)
    form = VoidForm()
    carry_out(
        form,
        lambda: service.void_sale(current_user, item, form.reason.data),
        lambda: _(
            "Sale %(number)s is void; its items are back in stock.", number=item.receipt_number
        ),
    )
    return redirect(url_for("sales.sale", sale_id=sale_id))


@bp.route("/sales/<int:sale_id>/refund", methods=["GET", "POST"])
@login_required
def refund(sale_id: int):
    item = service.get_sale(current_user, sale_id, Action.REFUND)
    form = RefundForm()
    if request.method == "GET":
        form.method.data = service.default_refund_method(item)
    if form.validate_on_submit():
        lines = []
        for line in item.lines:
            quantity = whole_number(request.form.get(f"qty-{line.id}", "").strip() or "0")
            if quantity is None:
                # About the quantities column, not the reason: at the top of the page.
                show_error(None, PosError(_("Quantities are whole numbers.")))
                break
            if quantity:
                lines.append((line.product_id, quantity))
        else:
            if not lines:
                show_error(None, PosError(_("Choose at least one item to refund.")))
            else:
                try:
                    done = service.refund_sale(
                        current_user,
                        item,
                        lines=lines,
                        reason=form.reason.data,
                        restock=form.restock.data,
                        method=form.method.data,
                    )
                    db.session.commit()
                except PosError as exc:
                    db.session.rollback()
                    show_error(form, exc)
                else:
                    saved(_("Refund %(number)s recorded.", number=done.refund_number))
                    return redirect(url_for("sales.sale", sale_id=sale_id, refund=done.id))
    return render_template(
        "sales/refund.html",
        sale=item,
        exhibitor=item.exhibitor,
        event=item.exhibitor.event,
        form=form,
    )


@bp.post("/shifts/<int:shift_id>/close")
@login_required
def close_shift(shift_id: int):
    shift = service.get_shift(current_user, shift_id)
    form = ShiftCloseForm()
    if not form.validate_on_submit() and may(current_user, Action.REFUND, shift.exhibitor):
        # The day page again, with the count as it was typed and what is wrong with it.
        return _day_page(shift.exhibitor, None, form)
    currency = shift.exhibitor.event.currency
    carry_out(
        form,
        lambda: service.close_shift(
            current_user, shift, counted_cash=form.counted_cash.data, note=form.note.data or ""
        ),
        lambda: _(
            "Register closed. Expected %(expected)s, counted %(counted)s.",
            expected=money(shift.expected_cash, currency),
            counted=money(shift.counted_cash, currency),
        ),
    )
    return redirect(url_for("sales.day", exhibitor_id=shift.exhibitor_id))


@bp.post("/sales/import")
@login_required
def import_waiting_sales():
    """A tablet's exported waiting sales, taken in by the manager (one sale each)."""
    exhibitor = booth_in_view(Action.MANAGE)
    if exhibitor is None:
        abort(404)
    form = WaitingSalesForm()
    back = redirect(url_for("sales.day", exhibitor_id=exhibitor.id))
    if not form.validate_on_submit():
        for errors in form.errors.values():
            show_error(None, PosError(errors[0]))
        return back
    try:
        document = json.loads(form.file.data.read(5_000_000))
        results = offline.import_waiting_sales(current_user, exhibitor.id, document)
        db.session.commit()
    except (ValueError, PosError) as exc:
        db.session.rollback()
        message = exc.message if isinstance(exc, PosError) else _("The file is not readable.")
        show_error(None, PosError(message))
        return back
    taken = sum(1 for r in results if r["recorded"] and not r["already_there"])
    known = sum(1 for r in results if r["already_there"])
    saved(_("%(taken)s sales taken in, %(known)s were already here.", taken=taken, known=known))
    for refused in (r for r in results if not r["recorded"]):
        show_error(None, PosError(f"{refused['number']}: {refused['message']}"))
    return back
