"""Reports as users read them: one booth's daily summary (JSON, CSV, PDF), within the
reader's rights. Figures come from reports/queries.py."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext as _

from pos.auth.models import User
from pos.auth.permissions import Action
from pos.db import utcnow
from pos.errors import Invalid
from pos.formats import format_day
from pos.organizer.service import get_exhibitor
from pos.reports import exports, queries, rendering
from pos.sales.service import local_day


def parse_day(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Invalid(_("A date is written YYYY-MM-DD."), field="date") from None


def daily_summary(actor: User, exhibitor_id: int, day: date | None = None) -> dict[str, Any]:
    """The booth's day as API.md defines it (default: today, event-local).

    Raises Forbidden for anyone but the booth's manager and the organizers (cashiers
    see no reports), NotFound for an unknown exhibitor.
    """
    exhibitor = get_exhibitor(actor, exhibitor_id, Action.REPORT)
    event = exhibitor.event
    day = day or local_day(utcnow(), event.timezone)
    scope = queries.Scope(exhibitor_id=exhibitor.id, day=day)
    # The headline figures and the method and category splits come from the booth's
    # rollup rows of the day (kept with the sales); products and hours from its sales.
    totals = queries.rollup_totals(scope)
    return {
        "exhibitor_id": exhibitor.id,
        "booth": exhibitor.booth,
        "name": exhibitor.name,
        "date": day.isoformat(),
        "timezone": event.timezone,
        "currency": event.currency,
        "transactions": totals["transactions"],
        "items_sold": totals["items"],
        "gross": totals["gross"],
        "discounts": totals["discounts"],
        "voids": totals["voids"],
        "refunds": totals["refunds"],
        "tax": totals["tax"],
        "net": totals["net"],
        "by_payment_method": queries.rollup_split(scope, "method"),
        "by_category": queries.rollup_split(scope, "category"),
        "by_product": queries.by_product(scope),
        "by_hour": queries.by_hour(scope),
    }


def organized_event(actor: User, event_id: int | None = None) -> Any:
    """The event whose whole reports the actor asks for: the given one, or the current
    one. Raises Forbidden unless the actor organizes it, Invalid when there is none."""
    from pos.auth.permissions import require_organizer
    from pos.organizer.service import current_event, get_event

    require_organizer(actor)
    event = get_event(actor, event_id) if event_id else current_event(actor)
    if event is None:
        raise Invalid(_("Create an event first."), field="event_id")
    require_organizer(actor, event)  # the current event may be one the actor does not run
    return event


def event_report(
    actor: User, event_id: int | None = None, day: date | str | None = None
) -> dict[str, Any]:
    """The event's totals, of one event-local day or of the whole event, by exhibitor,
    category, payment method, origin region, buyer origin and day. Organizers only.

    Raises Forbidden for anyone else, NotFound or Invalid when there is no such event.
    """
    event = organized_event(actor, event_id)
    return event_figures(event.id, _report_day(event, day))


def _report_day(event: Any, day: date | str | None) -> date | None:
    if day == "today":  # the dashboard asks for the event's today, whatever the browser's clock
        return local_day(utcnow(), event.timezone)
    return day  # type: ignore[return-value]


def event_figures(event_id: int, day: date | None) -> dict[str, Any]:
    """event_report's figures, without checking rights (the caller did): also read in
    the report helper process (reports/rendering.py), so plain values in and out."""
    from pos.extensions import db
    from pos.organizer.models import Event

    event = db.session.get(Event, event_id)
    scope = queries.Scope(event_id=event.id, day=day)
    totals = queries.rollup_totals(scope)
    exhibitors = queries.rollup_by_exhibitor(scope)
    regions: dict[str, int] = {}
    for row in exhibitors:
        region = row["region"] or "-"
        regions[region] = regions.get(region, 0) + row["net"]
    return {
        "event_id": event.id,
        "event": event.name,
        "date": day.isoformat() if day else None,
        "timezone": event.timezone,
        "currency": event.currency,
        "transactions": totals["transactions"],
        "items_sold": totals["items"],
        "gross": totals["gross"],
        "discounts": totals["discounts"],
        "voids": totals["voids"],
        "refunds": totals["refunds"],
        "tax": totals["tax"],
        "net": totals["net"],
        "exhibitors": len(exhibitors),
        "exhibitors_without_sales": [r["booth"] for r in exhibitors if r["transactions"] == 0],
        "by_exhibitor": exhibitors,
        "by_category": queries.rollup_split(scope, "category"),
        "by_payment_method": queries.rollup_split(scope, "method"),
        "by_region": dict(sorted(regions.items())),
        "by_origin": queries.rollup_by_origin(scope),
        "by_day": queries.rollup_by_day(scope),
    }


def daily_summary_pdf(actor: User, summary: dict[str, Any]) -> bytes:
    """The summary printed for the manager to sign, in the reader's language."""
    from flask_babel import get_locale

    from pos.extensions import db
    from pos.inventory.attributes import CATEGORY_LABELS
    from pos.organizer.models import Exhibitor
    from pos.reports.pdf import render_daily_summary
    from pos.sales.models import METHOD_LABELS

    locale = str(get_locale() or "id")
    exhibitor = db.session.get(Exhibitor, summary["exhibitor_id"])
    words = {
        "title": _("Daily summary"),
        "net": _("Net sales"),
        "gross": _("Gross"),
        "discounts": _("Discounts"),
        "refunds": _("Refunds"),
        "voids": _("Voided"),
        "tax": _("incl. PPN"),
        "transactions": _("Transactions"),
        "items_sold": _("Items sold"),
        "by_hour": _("Sales by hour"),
        "by_category": _("By category"),
        "by_payment_method": _("By payment method"),
        "sku": _("SKU"),
        "product": _("Product"),
        "quantity": _("Qty"),
        "amount": _("Amount"),
        "signature": _("Manager's signature: ____________________"),
        "printed": _(
            "Printed %(when)s",
            when=format_day(local_day(utcnow(), exhibitor.event.timezone), locale),
        ),
    }
    words |= {f"category:{k}": str(v) for k, v in CATEGORY_LABELS.items()}
    words |= {f"method:{k}": str(v) for k, v in METHOD_LABELS.items()}
    data = summary | {
        "event": exhibitor.event.name,
        "date_label": format_day(summary["date"], locale, "full"),
    }
    return rendering.render(render_daily_summary, data, words, locale)


def event_rows(actor: User, event_id: int | None = None) -> tuple[Any, list[list[Any]]]:
    """The event, and one row per exhibitor per day (exports.EVENT_COLUMNS), for the
    ministry's spreadsheets. Organizers only."""
    event = organized_event(actor, event_id)
    return event, event_rows_of(event.id)


def event_rows_of(event_id: int) -> list[list[Any]]:
    """event_rows' rows, without checking rights: also read in the report helper."""
    rows = []
    for r in queries.exhibitor_days(queries.Scope(event_id=event_id)):
        rows.append(
            [r["date"], r["booth"], r["name"], r["region"], r["sentra"]]
            + [
                r[k]
                for k in (
                    "transactions",
                    "items_sold",
                    "gross",
                    "discounts",
                    "refunds",
                    "net",
                    "tax",
                    "voids",
                )
            ]
            + [r["methods"].get(m, 0) for m in exports.METHODS]
            + [r["categories"].get(c, 0) for c in exports.CATEGORIES]
        )
    return rows


def event_rows_csv(actor: User, event_id: int | None, lang: str | None = None) -> tuple[Any, str]:
    """The event and event_rows as CSV (exports.event_rows_csv), in the request: writing
    CSV takes milliseconds."""
    event, rows = event_rows(actor, event_id)
    return event, exports.event_rows_csv(rows, lang)


def event_rows_xlsx(
    actor: User, event_id: int | None, lang: str | None = None
) -> tuple[Any, bytes]:
    """The event and event_rows as an Excel workbook (exports.event_rows_xlsx), in the
    reader's language if one is given, read and rendered in the report helper."""
    event = organized_event(actor, event_id)
    facts, labels = exports.event_facts(event), exports.labels(lang)
    workbook = rendering.from_database(
        event_rows_of, (event.id,), exports.event_rows_xlsx, facts, lang, labels
    )
    return event, workbook


def day_close(actor: User, exhibitor_id: int, day: date | None = None) -> dict[str, Any]:
    """The booth's day close (Z report): the day's shifts with expected against counted
    cash, each method's money (to reconcile QRIS and card settlements), and every void
    and refund with its reason and who did it. Managers of the booth and organizers."""
    from datetime import datetime, time, timedelta
    from zoneinfo import ZoneInfo

    import sqlalchemy as sa

    from pos.extensions import db
    from pos.sales.models import Refund, Sale, Shift
    from pos.sales.service import shift_totals

    exhibitor = get_exhibitor(actor, exhibitor_id, Action.REPORT)
    event = exhibitor.event
    day = day or local_day(utcnow(), event.timezone)
    zone = ZoneInfo(event.timezone)
    start = datetime.combine(day, time.min, tzinfo=zone)
    shifts = db.session.scalars(
        sa.select(Shift)
        .where(
            Shift.exhibitor_id == exhibitor.id,
            Shift.opened_at >= start,
            Shift.opened_at < start + timedelta(days=1),
        )
        .order_by(Shift.opened_at)
    ).all()
    voids = db.session.scalars(
        sa.select(Sale)
        .where(Sale.exhibitor_id == exhibitor.id, Sale.void_business_date == day)
        .order_by(Sale.voided_at)
    ).all()
    refunds = db.session.scalars(
        sa.select(Refund)
        .where(Refund.exhibitor_id == exhibitor.id, Refund.business_date == day)
        .order_by(Refund.created_at)
    ).all()
    summary = daily_summary(actor, exhibitor.id, day)

    def clock(moment):
        return moment.astimezone(zone).strftime("%H:%M") if moment else ""

    shift_rows = []
    for shift in shifts:
        totals = shift_totals(shift)
        expected = shift.expected_cash if shift.closed_at else totals.expected_cash
        shift_rows.append(
            {
                "register": shift.register,
                "opened": clock(shift.opened_at),
                "opened_by": shift.opened_by.name,
                "closed": clock(shift.closed_at),
                "closed_by": shift.closed_by.name if shift.closed_by else "",
                "opening_float": shift.opening_float,
                "expected_cash": expected,
                "counted_cash": shift.counted_cash,
                "difference": None if shift.counted_cash is None else shift.counted_cash - expected,
                "transactions": totals.transactions,
                "by_method": totals.by_method,
            }
        )
    return {
        "exhibitor_id": exhibitor.id,
        "booth": exhibitor.booth,
        "name": exhibitor.name,
        "event": event.name,
        "date": day.isoformat(),
        "currency": event.currency,
        "summary": summary,
        "shifts": shift_rows,
        "voids": [
            {
                "receipt_number": s.receipt_number,
                "time": clock(s.voided_at),
                "total": s.total,
                "reason": s.void_reason,
                "by": s.voided_by.name if s.voided_by else "",
            }
            for s in voids
        ],
        "refunds": [
            {
                "refund_number": r.refund_number,
                "receipt_number": r.sale.receipt_number,
                "time": clock(r.created_at),
                "amount": r.amount,
                "method": r.method,
                "reason": r.reason,
                "by": r.user.name,
            }
            for r in refunds
        ],
    }


def day_close_pdf(close: dict[str, Any]) -> bytes:
    from flask_babel import get_locale

    from pos.reports.pdf import render_day_close
    from pos.sales.models import METHOD_LABELS

    locale = str(get_locale() or "id")
    words = {
        "title": _("Day close (Z report)"),
        "net": _("Net sales"),
        "refunds": _("Refunds"),
        "voids": _("Voided"),
        "transactions": _("Transactions"),
        "method": _("Payment method"),
        "amount": _("Amount"),
        "shift": _("Shift"),
        "float": _("Float"),
        "expected": _("Expected cash"),
        "counted": _("Counted cash"),
        "difference": _("Difference"),
        "no_shift": _("No shift was opened on this day."),
        "time": _("Time"),
        "reason": _("Reason"),
        "by": _("By"),
        "cashier_signature": _("Cashier: ____________________"),
        "manager_signature": _("Manager: ____________________"),
    }
    words |= {f"method:{k}": str(v) for k, v in METHOD_LABELS.items()}
    data = close | {"date_label": format_day(close["date"], locale, "full")}
    return rendering.render(render_day_close, data, words, locale)


def booth_event_figures(exhibitor: Any) -> dict[str, Any]:
    """What a booth sold over the whole event: per event-local day (transactions, gross,
    discounts, refunds, net, money per payment method and per category) and the totals,
    refunds deducted on the day they were issued. The settlement and the sales statement
    (pos/statements) both print these figures; no permission check here: callers check.
    """
    days = queries.exhibitor_days(queries.Scope(exhibitor_id=exhibitor.id))
    methods: dict[str, int] = {}
    categories: dict[str, int] = {}
    for d in days:
        for method, amount in d["methods"].items():
            methods[method] = methods.get(method, 0) + amount
        for category, amount in d["categories"].items():
            categories[category] = categories.get(category, 0) + amount
    return {
        "days": [
            {
                "date": d["date"].isoformat(),
                "transactions": d["transactions"],
                "gross": d["gross"],
                "discounts": d["discounts"],
                "refunds": d["refunds"],
                "net": d["net"],
                "by_payment_method": dict(sorted(d["methods"].items())),
                "by_category": dict(sorted(d["categories"].items())),
            }
            for d in days
        ],
        "transactions": sum(d["transactions"] for d in days),
        "gross": sum(d["gross"] for d in days),
        "discounts": sum(d["discounts"] for d in days),
        "refunds": sum(d["refunds"] for d in days),
        "net": sum(d["net"] for d in days),
        "by_payment_method": dict(sorted(methods.items())),
        "by_category": dict(sorted(categories.items())),
    }


def settlement(actor: User, exhibitor_id: int) -> dict[str, Any]:
    """What a booth sold over the whole event, by day, payment method and category, its
    refunds, and what it owes the organizer: the event's commission on the net sales
    (rounded half up) plus the booth fee. The booth's manager and organizers."""
    from pos.money import percent_of

    exhibitor = get_exhibitor(actor, exhibitor_id, Action.REPORT)
    event = exhibitor.event
    figures = booth_event_figures(exhibitor)
    commission = percent_of(figures["net"], event.commission_percent or 0)
    return {
        "exhibitor_id": exhibitor.id,
        "booth": exhibitor.booth,
        "name": exhibitor.name,
        "owner_name": exhibitor.owner_name,
        "event": event.name,
        "currency": event.currency,
        **figures,
        "commission_percent": str(event.commission_percent or 0),
        "commission": commission,
        "booth_fee": event.booth_fee,
        "owed_to_organizer": commission + event.booth_fee,
    }


def settlement_pdf(statement: dict[str, Any]) -> bytes:
    from flask_babel import get_locale

    from pos.reports.pdf import render_settlement
    from pos.sales.models import METHOD_LABELS

    locale = str(get_locale() or "id")
    words = {
        "title": _("Settlement statement"),
        "date": _("Date"),
        "transactions": _("Transactions"),
        "gross": _("Gross"),
        "discounts": _("Discounts"),
        "refunds": _("Refunds"),
        "net": _("Net sales"),
        "method": _("Payment method"),
        "amount": _("Amount"),
        "commission": _("Commission %(percent)s %%", percent=statement["commission_percent"]),
        "booth_fee": _("Booth fee"),
        "owed": _("Owed to the organizer"),
        "total": _("Whole event"),
        "exhibitor_signature": _("Exhibitor: ____________________"),
        "organizer_signature": _("Organizer: ____________________"),
    }
    words |= {f"method:{k}": str(v) for k, v in METHOD_LABELS.items()}
    return rendering.render(render_settlement, statement, words, locale)


def event_report_pdf(
    actor: User, event_id: int | None = None, day: date | str | None = None
) -> tuple[int, bytes]:
    """The event report as a PDF with charts (its event's id, the document): the figures
    read and the document rendered in the report helper (reports/rendering.py)."""
    from flask_babel import get_locale

    from pos.inventory.attributes import CATEGORY_LABELS
    from pos.sales.models import METHOD_LABELS

    locale = str(get_locale() or "id")
    words = {
        "title": _("Event report"),
        "net": _("Transaction value"),
        "gross": _("Gross"),
        "discounts": _("Discounts"),
        "refunds": _("Refunds"),
        "voids": _("Voided"),
        "transactions": _("Transactions"),
        "items_sold": _("Items sold"),
        "exhibitors": _("Exhibitors"),
        "per_day": _("Per day"),
        "by_category": _("By category"),
        "by_region": _("By origin region"),
        "by_payment_method": _("By payment method"),
        "by_origin": _("Domestic and foreign buyers"),
        "booth": _("Booth"),
        "exhibitor": _("Exhibitor"),
        "region": _("Region"),
        "by_origin:domestic": _("Domestic"),
        "by_origin:foreign": _("Foreign"),
        "by_origin:unknown": _("Not asked"),
    }
    words |= {f"by_category:{k}": str(v) for k, v in CATEGORY_LABELS.items()}
    words |= {f"by_payment_method:{k}": str(v) for k, v in METHOD_LABELS.items()}
    event = organized_event(actor, event_id)
    day = _report_day(event, day)
    period = format_day(day, locale, "full") if day else _("Whole event")
    document = rendering.from_database(
        event_figures, (event.id, day), render_event_figures, words, locale, period
    )
    return event.id, document


def render_event_figures(
    report: dict[str, Any], words: dict[str, str], locale: str, period: str
) -> bytes:
    """event_figures as the event report's PDF (runs in the report helper)."""
    from pos.reports.pdf import render_event_report

    data = report | {
        "period": period,
        "by_origin": {k: v["amount"] for k, v in report["by_origin"].items()},
    }
    return render_event_report(data, words, locale)
