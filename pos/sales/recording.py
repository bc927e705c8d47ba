"""Recording a sale whole or not at all, and finding sales.

Recording a sale is the hot path of the whole system and runs in two phases:

1. *Read* (no write lock): the exhibitor, the products, the idempotency key; pricing,
   discount limits and payments, all checked; every row to write prepared.
2. *Write* (``BEGIN IMMEDIATE`` on SQLite, row locks on PostgreSQL), on the read
   phase's connection (``pos.db.write_now``): the conditional stock updates in the one
   global order of products (by id, as ``lock_products`` gives voids, refunds and every
   other stock change, so none of them deadlock with a sale), the receipt number, then
   the sale, its lines, payments and stock movements in a few multi-row INSERTs, and
   the idempotency key; on PostgreSQL in three round trips (``pos.db.pipeline``).
   Anything refused rolls all of it back.

The caller commits once. The answer is stored with the idempotency key, so a retry with
the same key and body gets the very same answer and never a second sale.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from typing import Any, NamedTuple

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from pos.auth import permissions
from pos.auth.models import User
from pos.auth.permissions import Action
from pos.db import Prepared, pipeline, utcnow, write_now, write_phase
from pos.errors import BadRequest, Conflict, Forbidden, Invalid, NotFound
from pos.extensions import db
from pos.inventory.models import APPROVED, Product, StockMovement
from pos.inventory.service import (
    TAKE_STOCK,
    TAKE_STOCK_ANYWAY,
    InsufficientStock,
)
from pos.organizer.models import Event, Exhibitor
from pos.organizer.service import get_exhibitor
from pos.sales import offline, pricing, rollups
from pos.sales.models import (
    COMPLETED,
    SALE_COUNTER,
    IdempotencyKey,
    Payment,
    Sale,
    SaleLine,
    Shift,
)
from pos.sales.numbers import NEXT_NUMBER, local_day, local_hour, receipt_number
from pos.sales.schemas import MAX_IDEMPOTENCY_KEY
from pos.sales.shifts import ensure_open_shift
from pos.schemas import iso_local

MAX_KEY_LENGTH = MAX_IDEMPOTENCY_KEY


class IdempotencyKeyReused(Invalid):
    code = "idempotency_key_reused"


class SaleAnswer(NamedTuple):
    """What recording a sale answers: the HTTP status and body, and whether they are a
    stored answer replayed for a retry (no new sale)."""

    status: int
    body: dict[str, Any]
    replayed: bool = False
    # The body as JSON text, when it was serialised already (stored with the key).
    text: str | None = None
    # A printer of the booth prints each sale's receipt (sale_recorded says so).
    auto_print: bool = False


def _pricing_error(exc: pricing.PricingError) -> Invalid:
    messages = {
        "empty_cart": _("A sale needs at least one item."),
        "invalid_quantity": _("Quantities are whole numbers of at least 1."),
        "invalid_discount": _(
            "That discount is not possible: it is above 100 percent or above the amount."
        ),
        "invalid_payment": _("Each payment must be a positive amount."),
        "insufficient_payment": _("The payments do not cover the total."),
        "change_without_cash": _(
            "Only cash gives change: card, QRIS, transfer and e-wallet cannot exceed what is due."
        ),
    }
    return Invalid(messages.get(exc.code, exc.message), code=exc.code, **exc.details)


def _percent_of_sale(cart: pricing.PricedCart) -> str:
    """The sale's discount as a percentage of its undiscounted total, to one decimal
    (rounded up, so a sale just over the limit never reads as at it)."""
    if not cart.subtotal:
        return "0"
    tenths = -(-cart.discount_total * 1000 // cart.subtotal)
    whole, tenth = divmod(tenths, 10)
    return f"{whole}.{tenth}" if tenth else str(whole)


# --- the answer ------------------------------------------------------------------------


def sale_body(
    sale: dict[str, Any],
    lines: list[dict[str, Any]],
    payments: list[dict[str, Any]],
    *,
    cashier: str,
    timezone: str,
) -> dict[str, Any]:
    """The JSON of a sale, from its column values (fresh ones, or a loaded Sale's)."""
    return {
        "id": sale["id"],
        "receipt_number": sale["receipt_number"],
        "exhibitor_id": sale["exhibitor_id"],
        "status": sale["status"],
        "created_at": iso_local(sale["created_at"], timezone),
        "business_date": sale["business_date"].isoformat(),
        "cashier": cashier,
        "lines": [
            {
                "product_id": line["product_id"],
                "sku": line["sku"],
                "name": line["name"],
                "category": line["category"],
                "unit_price": line["unit_price"],
                "quantity": line["quantity"],
                "discount": line["discount"],
                "total": line["total"],
                "net": line["net"],
                "tax": line["tax"],
                "refunded_quantity": line["refunded_quantity"],
                "catalogue_price": line.get("catalogue_price"),
                "short_by": line.get("short_by") or 0,
            }
            for line in lines
        ],
        "subtotal": sale["subtotal"],
        "line_discount_total": sale["line_discount_total"],
        "order_discount": sale["order_discount"],
        "discount_total": sale["discount_total"],
        "tax_total": sale["tax_total"],
        "total": sale["total"],
        "paid": sale["paid"],
        "change": sale["change"],
        "refunded_total": sale["refunded_total"],
        "payments": [
            {
                "method": p["method"],
                "amount": p["amount"],
                "change": p["change"],
                "reference": p["reference"],
            }
            for p in payments
        ],
        "buyer": {
            "name": sale["buyer_name"],
            "phone": sale["buyer_phone"],
            "email": sale["buyer_email"],
            "origin": sale["buyer_origin"],
        },
        "receipt_url": f"/api/v1/sales/{sale['id']}/receipt.pdf",
        "public_receipt_url": f"/r/{sale['public_token']}",
        "voided_at": iso_local(sale.get("voided_at"), timezone),
        "void_reason": sale.get("void_reason") or "",
        "device": sale.get("device_code"),
        "offline_number": sale.get("offline_number"),
        "recorded_at": iso_local(sale["created_at"], timezone),
        "synced_at": iso_local(sale.get("synced_at"), timezone),
        "late": bool(sale.get("late")),
        "stock_conflicts": [
            {"product_id": line["product_id"], "short_by": line["short_by"]}
            for line in lines
            if line.get("short_by")
        ],
        "price_flagged": any(line.get("catalogue_price") is not None for line in lines),
    }


def _columns(obj: Any) -> dict[str, Any]:
    return {c.key: getattr(obj, c.key) for c in sa.inspect(type(obj)).column_attrs}


def sale_json(sale: Sale) -> dict[str, Any]:
    """The JSON of a stored sale (the same shape record_sale answers with)."""
    return sale_body(
        _columns(sale),
        [_columns(line) for line in sale.lines],
        [_columns(p) for p in sale.payments],
        cashier=sale.cashier.username,
        timezone=sale.exhibitor.event.timezone,
    )


# --- recording a sale -------------------------------------------------------------------


@dataclass(frozen=True)
class _Prepared:
    """Everything the write phase needs, as plain values (the read phase's objects
    expire when its transaction ends)."""

    exhibitor_id: int
    event_id: int
    booth: str
    timezone: str
    auto_print: bool
    user_id: int
    username: str
    fingerprint: str
    sale: dict[str, Any]
    lines: list[dict[str, Any]]
    payments: list[dict[str, Any]]
    takes: list[tuple[int, int, str]]  # (product_id, quantity, name)
    made_offline: bool  # taken in whatever the stock says
    register: str
    opening_float: int  # of the shift the sale opens, where its register has none open
    movements_at: datetime


def request_fingerprint(order: Any) -> str:
    canonical = json.dumps(order.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def check_idempotency_key(key: str | None) -> str:
    """Raises BadRequest for a missing, empty or overlong Idempotency-Key."""
    key = (key or "").strip()
    if not key:
        raise BadRequest(
            _("Send an Idempotency-Key header, unique for each sale attempt."),
            code="idempotency_key_missing",
        )
    if len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise BadRequest(
            _("The Idempotency-Key must be at most 200 printable characters."),
            code="idempotency_key_invalid",
        )
    return key


_STORED_ANSWER = sa.select(
    IdempotencyKey.fingerprint, IdempotencyKey.response_status, IdempotencyKey.response_body
).where(
    IdempotencyKey.exhibitor_id == sa.bindparam("exhibitor_id"),
    IdempotencyKey.key == sa.bindparam("key"),
)


_RAW_STORED_ANSWER = Prepared(_STORED_ANSWER)


def _stored_answer(exhibitor_id: int, key: str, fingerprint: str) -> SaleAnswer | None:
    # On the session's connection: Core statements skip the ORM's bookkeeping (a tenth
    # of the cost on this hot path).
    connection = db.session.connection()
    row = _RAW_STORED_ANSWER.first(connection, {"exhibitor_id": exhibitor_id, "key": key})
    return None if row is None else _replayed(*row, fingerprint)


def _replayed(
    stored_fingerprint: str | None, status: int | None, body: Any, fingerprint: str
) -> SaleAnswer | None:
    """The answer stored with the sale's key, None for a new key (no fingerprint stored).
    Raises IdempotencyKeyReused when the key came with another body."""
    if stored_fingerprint is None:
        return None
    if stored_fingerprint != fingerprint:
        raise IdempotencyKeyReused(_("This Idempotency-Key was already used for a different sale."))
    return SaleAnswer(status, body, replayed=True)


class SaleFacts(NamedTuple):
    """What recording a sale needs of its booth, read in one statement with the answer
    stored for its Idempotency-Key and its register's open shift."""

    id: int
    event_id: int
    booth: str
    tax_registered: bool
    tax_rate_percent: int
    timezone: str  # the event's
    cashier_discount_limit_percent: int  # the event's
    auto_print: bool  # a printer of the booth prints every sale's receipt
    # The answer stored with the key (all None: the key is new).
    stored_fingerprint: str | None
    stored_status: int | None
    stored_body: Any
    open_shift_id: int | None  # of the sale's register


@cache
def _sale_facts_query() -> Prepared:
    # Printing builds on selling; its model is only asked whether a printer of the booth
    # prints after every sale, so that a booth without one costs no query after the sale.
    from pos.printing.models import Printer

    prints_every_sale = (
        sa.select(Printer.id)
        .where(
            Printer.exhibitor_id == Exhibitor.id,
            Printer.active.is_(True),
            Printer.auto_print.is_(True),
        )
        .exists()
    )
    return Prepared(
        sa.select(
            Exhibitor.id,
            Exhibitor.event_id,
            Exhibitor.booth,
            Exhibitor.tax_registered,
            Exhibitor.tax_rate_percent,
            Event.timezone,
            Event.cashier_discount_limit_percent,
            prints_every_sale,
            IdempotencyKey.fingerprint,
            IdempotencyKey.response_status,
            IdempotencyKey.response_body,
            Shift.id,
        )
        .join(Event, Event.id == Exhibitor.event_id)
        .outerjoin(
            IdempotencyKey,
            sa.and_(
                IdempotencyKey.exhibitor_id == Exhibitor.id,
                IdempotencyKey.key == sa.bindparam("key"),
            ),
        )
        # At most one: the partial unique index on a register's open shift.
        .outerjoin(
            Shift,
            sa.and_(
                Shift.exhibitor_id == Exhibitor.id,
                Shift.register == sa.bindparam("register"),
                Shift.closed_at.is_(None),
            ),
        )
        .where(Exhibitor.id == sa.bindparam("exhibitor_id"))
    )


def _checked_facts(actor: Any, row: tuple | None) -> SaleFacts:
    """The booth's facts of :func:`_sale_facts_query`'s row, for a sale by ``actor``.
    Raises NotFound or Forbidden as pos.organizer.service.get_exhibitor."""
    if row is None:
        raise NotFound(_("No such exhibitor."))
    facts = SaleFacts(*row[:7], bool(row[7]), *row[8:])
    permissions.require(actor, Action.SELL, facts)
    return facts


def record_sale(
    actor: User, order: Any, *, idempotency_key: str | None, at: datetime | None = None
) -> SaleAnswer:
    """Record a sale whole, or not at all.

    A retry with the same key and body returns the stored answer; a sale whose buyer
    token the server already knows (sent live, its answer lost, then again from the
    tablet's outbox) returns that sale. A sale the tablet recorded offline
    (``order.offline``) is never refused for stock and keeps the price it was charged
    (see pos/sales/offline.py). ``at`` backdates the sale (the demo's sample day; never
    exposed to the API). The session must hold no uncommitted writes: the read phase's
    transaction is ended before the write phase.
    Raises BadRequest (no key), IdempotencyKeyReused (same key, other body), Forbidden
    (rights, discount limit), Invalid (unknown product, pricing, payments, an offline
    sale from the future or of an unknown device), InsufficientStock (409), Conflict
    (price changed, not sellable, offline number taken).
    """
    key = check_idempotency_key(idempotency_key)
    wanted: dict[int, int] = {}  # product id -> quantity, the cart's order
    for item in order.items:
        wanted[item.product_id] = wanted.get(item.product_id, 0) + item.quantity
    # The booth's facts (one Core statement: no ORM objects on the sale's hot path,
    # docs/PERFORMANCE.md) and the cart's products, in one round trip on PostgreSQL.
    connection = db.session.connection()
    facts_query, products_query = _sale_facts_query(), _cart_products(len(wanted))
    with pipeline(connection):
        facts = facts_query.execute(
            connection,
            {"exhibitor_id": order.exhibitor_id, "key": key, "register": order.till or ""},
        )
        products = products_query.execute(
            connection, {f"id{n}": product_id for n, product_id in enumerate(wanted)}
        )
    exhibitor = _checked_facts(actor, facts_query.converted(connection, facts.fetchone()))
    fingerprint = request_fingerprint(order)
    stored = _replayed(
        exhibitor.stored_fingerprint, exhibitor.stored_status, exhibitor.stored_body, fingerprint
    )
    if stored is not None:
        return stored
    now = utcnow()
    if order.offline is not None:
        offline.check_offline_sale(exhibitor, order.offline, now)
    token = offline.token_of(order)
    if token is not None and (known := offline.known_sale_id(exhibitor.id, token)):
        return _settle_known_sale(known, order, key, fingerprint, actor.id)
    if order.offline is not None:
        at = order.offline.recorded_at.astimezone(UTC)
    found = products_query.converted_all(connection, products.fetchall())
    prepared = _prepare_sale(actor, exhibitor, order, wanted, found, fingerprint, at or now, now)

    try:
        with write_now(db.session):
            return _write_sale(prepared, key)
    except (InsufficientStock, sa.exc.IntegrityError):
        # A twin request with this key may have committed the sale meanwhile: it took
        # the key (unique per exhibitor), the buyer's token or the last piece first. Its
        # answer is ours; otherwise the refusal stands.
        db.session.rollback()
        stored = _stored_answer(prepared.exhibitor_id, key, fingerprint)
        if stored is not None:
            return stored
        if token is not None and (known := offline.known_sale_id(exhibitor.id, token)):
            return _settle_known_sale(known, order, key, fingerprint, actor.id)
        if order.offline is not None:
            offline.check_number_free(exhibitor.id, order.offline.number)
        raise


def _settle_known_sale(
    sale_id: int, order: Any, key: str, fingerprint: str, user_id: int
) -> SaleAnswer:
    """Answer with a sale recorded before under the same buyer token (its first answer was
    lost), giving it the tablet's offline number if it came back through the outbox, and
    remembering this key so the next retry is a plain replay."""
    with write_phase(db.session):
        if order.offline is not None:
            offline.give_offline_number(sale_id, order.offline)
        sale = db.session.get(Sale, sale_id)
        body = sale_json(sale)
        db.session.execute(
            _INSERT_KEY,
            {
                "exhibitor_id": sale.exhibitor_id,
                "key": key,
                "fingerprint": fingerprint,
                "user_id": user_id,
                "sale_id": sale_id,
                "response_status": 201,
                "response_body": body,
                "created_at": utcnow(),
            },
        )
    return SaleAnswer(201, body, replayed=True)


class _CartProduct(NamedTuple):
    id: int
    exhibitor_id: int
    sku: str
    name: str
    category: str
    price: int
    stock: int
    active: bool
    review_status: str


@cache
def _cart_products(count: int) -> Prepared:
    """The query of a cart's ``count`` distinct products, on the driver's cursor."""
    return Prepared(
        sa.select(*(getattr(Product, name) for name in _CartProduct._fields)).where(
            Product.id.in_([sa.bindparam(f"id{n}") for n in range(count)])
        )
    )


def _prepare_sale(
    actor: Any,
    exhibitor: SaleFacts,
    order: Any,
    wanted: dict[int, int],
    found: list[tuple],
    fingerprint: str,
    at: datetime,
    now: datetime,
) -> _Prepared:
    """Check and price the sale made at ``at`` (an offline sale: when the tablet recorded
    it), received ``now``; every row to write, as plain values. ``wanted``: the quantity
    of each product of the cart; ``found``: the rows :func:`_cart_products` read of them."""
    timezone = exhibitor.timezone
    made_offline = order.offline is not None
    products = {row[0]: _CartProduct(*row) for row in found}
    for product_id, quantity in wanted.items():
        product = products.get(product_id)
        if product is None or product.exhibitor_id != exhibitor.id:
            raise Invalid(
                _("Product %(id)s is not sold at this booth.", id=product_id),
                code="unknown_product",
                product_id=product_id,
            )
        if made_offline:
            continue  # the goods have left the booth: taken in whatever the stock says
        if not product.active or product.review_status != APPROVED:
            raise Conflict(
                _("%(name)s cannot be sold (not approved or withdrawn).", name=product.name),
                code="not_sellable",
                product_id=product_id,
            )
        if product.stock < quantity:
            raise InsufficientStock(
                _("Only %(n)d of %(name)s in stock.", n=product.stock, name=product.name),
                product_id=product_id,
                available=product.stock,
            )

    for item in order.items:
        price = products[item.product_id].price
        if not made_offline and item.unit_price is not None and item.unit_price != price:
            raise Conflict(
                _(
                    "The price of %(name)s changed to %(price)s: check the sale again.",
                    name=products[item.product_id].name,
                    price=price,
                ),
                code="price_changed",
                product_id=item.product_id,
                price=price,
            )
    try:
        cart = pricing.price_cart(
            [
                pricing.LineInput(
                    unit_price=(
                        item.unit_price if made_offline else products[item.product_id].price
                    ),
                    quantity=item.quantity,
                    discount_percent=item.discount_percent,
                    discount_amount=item.discount_amount,
                )
                for item in order.items
            ],
            order_discount_amount=order.discount_amount,
            order_discount_percent=order.discount_percent,
            tax_rate_percent=exhibitor.tax_rate_percent if exhibitor.tax_registered else 0,
        )
        settlement = pricing.settle(
            cart.total, [pricing.PaymentInput(p.method, p.amount) for p in order.payments]
        )
    except pricing.PricingError as exc:
        raise _pricing_error(exc) from None
    limit = exhibitor.cashier_discount_limit_percent
    if actor.is_cashier and not pricing.discount_within(cart, limit):
        raise Forbidden(
            _(
                "A cashier may give at most %(n)d %% discount on a sale, item and sale "
                "discounts together (this sale: %(given)s %%). Ask the manager.",
                n=limit,
                given=_percent_of_sale(cart),
            ),
            code="discount_limit_exceeded",
            limit_percent=limit,
            discount_total=cart.discount_total,
            max_discount=pricing.max_discount(cart, limit),
        )

    shift_id, late = offline.shift_of(
        exhibitor.id, order.offline, at, now, timezone, exhibitor.open_shift_id
    )
    buyer = order.buyer
    sale = {
        "event_id": exhibitor.event_id,
        "exhibitor_id": exhibitor.id,
        "status": COMPLETED,
        "cashier_id": actor.id,
        "shift_id": shift_id,
        "created_at": at,
        "business_date": local_day(at, timezone),
        "business_hour": local_hour(at, timezone),
        "subtotal": cart.subtotal,
        "line_discount_total": cart.line_discount_total,
        "order_discount": cart.order_discount,
        "discount_total": cart.discount_total,
        "tax_total": cart.tax_total,
        "tax_rate_percent": exhibitor.tax_rate_percent if exhibitor.tax_registered else 0,
        "total": cart.total,
        "paid": settlement.paid,
        "change": settlement.change,
        "refunded_total": 0,
        "buyer_name": (buyer.name or "") if buyer else "",
        "buyer_phone": (buyer.phone or "") if buyer else "",
        "buyer_email": (buyer.email or "") if buyer else "",
        "buyer_origin": buyer.origin if buyer else None,
        "public_token": offline.token_of(order) or secrets.token_urlsafe(24),
        "voided_at": None,
        "void_reason": "",
        "device_code": order.offline.device if made_offline else None,
        "offline_number": order.offline.number if made_offline else None,
        "synced_at": now if made_offline else None,
        "late": late,
    }
    lines = []
    for number, (item, priced) in enumerate(zip(order.items, cart.lines, strict=True), start=1):
        product = products[item.product_id]
        lines.append(
            {
                "line_no": number,
                "product_id": product.id,
                "sku": product.sku,
                "name": product.name,
                "category": product.category,
                "unit_price": priced.unit_price,
                "quantity": priced.quantity,
                "discount_percent": (
                    str(item.discount_percent) if item.discount_percent is not None else None
                ),
                "discount": priced.discount,
                "total": priced.total,
                "order_discount_share": priced.order_share,
                "net": priced.net,
                "tax": priced.tax,
                "refunded_quantity": 0,
                "catalogue_price": (
                    product.price if made_offline and priced.unit_price != product.price else None
                ),
                "short_by": 0,
            }
        )
    payments = [
        {"method": p.method, "amount": p.amount, "change": change, "reference": p.reference}
        for p, change in zip(order.payments, settlement.change_by_payment, strict=True)
    ]
    return _Prepared(
        exhibitor_id=exhibitor.id,
        event_id=exhibitor.event_id,
        booth=exhibitor.booth,
        timezone=timezone,
        auto_print=exhibitor.auto_print,
        user_id=actor.id,
        username=actor.username,
        fingerprint=fingerprint,
        sale=sale,
        lines=lines,
        payments=payments,
        takes=[(pid, qty, products[pid].name) for pid, qty in sorted(wanted.items())],
        made_offline=made_offline,
        register=order.till or "",
        opening_float=(order.offline.opening_float or 0) if made_offline else 0,
        movements_at=now,
    )


_INSERT_SALE = sa.insert(Sale).returning(Sale.id)
_INSERT_LINES = sa.insert(SaleLine)
_INSERT_PAYMENTS = sa.insert(Payment)
_INSERT_MOVEMENTS = sa.insert(StockMovement)
_INSERT_KEY = sa.insert(IdempotencyKey)

# The write phase's statements, run on the driver's cursor (pos.db.Prepared).
_SALE_KEYS = [
    *(
        c.key
        for c in Sale.__table__.columns
        if c.key not in ("id", "voided_by_id", "void_business_date")
    )
]
_LINE_KEYS = [c.key for c in SaleLine.__table__.columns if c.key != "id"]
_PAYMENT_KEYS = [c.key for c in Payment.__table__.columns if c.key != "id"]
_MOVEMENT_KEYS = [c.key for c in StockMovement.__table__.columns if c.key != "id"]
_KEY_KEYS = [c.key for c in IdempotencyKey.__table__.columns if c.key != "id"]
_RAW_TAKE_STOCK = Prepared(TAKE_STOCK)
_RAW_TAKE_STOCK_ANYWAY = Prepared(TAKE_STOCK_ANYWAY)
_RAW_INSERT_SALE = Prepared(_INSERT_SALE, _SALE_KEYS)
_RAW_INSERT_LINES = Prepared(_INSERT_LINES, _LINE_KEYS)
_RAW_INSERT_PAYMENTS = Prepared(_INSERT_PAYMENTS, _PAYMENT_KEYS)
_RAW_INSERT_MOVEMENTS = Prepared(_INSERT_MOVEMENTS, _MOVEMENT_KEYS)
_RAW_INSERT_KEY = Prepared(_INSERT_KEY, _KEY_KEYS, as_is=("response_body",))


def _write_sale(p: _Prepared, key: str) -> SaleAnswer:
    """The write phase: few statements, built once, on the transaction's connection."""
    # BEGIN IMMEDIATE on SQLite. A twin request with the same key that committed while
    # we were reading is caught by the key's unique index at the end (or, if it took
    # the last piece, by the stock): record_sale then answers with the twin's answer.
    connection = db.session.connection()
    stock_after: dict[int, int] = {}
    short: dict[int, int] = {}
    # The stock is taken product by product in id order (``takes`` is sorted): on
    # PostgreSQL each conditional UPDATE locks its row, so the updates themselves take
    # the rows in the one global order that lock_products gives voids and refunds, with
    # no statement of their own. They and the receipt number go in one round trip.
    take = _RAW_TAKE_STOCK_ANYWAY if p.made_offline else _RAW_TAKE_STOCK
    with pipeline(connection):
        taken = [
            take.execute(connection, {"product_id": product_id, "quantity": quantity})
            for product_id, quantity, _name in p.takes
        ]
        numbered = NEXT_NUMBER.execute(
            connection, {"exhibitor_id": p.exhibitor_id, "kind": SALE_COUNTER}
        )
    for (product_id, quantity, name), cursor in zip(p.takes, taken, strict=True):
        row = cursor.fetchone()
        after = row[0] if row is not None else None
        if p.made_offline:
            short[product_id] = min(quantity, max(0, -after))
        if after is None:
            available = connection.execute(
                sa.select(Product.stock).where(Product.id == product_id)
            ).scalar()
            raise InsufficientStock(
                _("Only %(n)d of %(name)s in stock.", n=available or 0, name=name),
                product_id=product_id,
                available=available,
            )
        stock_after[product_id] = after

    seq = numbered.fetchone()[0]
    sale = dict(p.sale, receipt_seq=seq, receipt_number=receipt_number(p.booth, seq))
    if sale["shift_id"] is None:
        sale["shift_id"] = ensure_open_shift(
            p.exhibitor_id, p.register, p.user_id, p.opening_float, sale["created_at"]
        )
    lines = p.lines
    if short:
        lines = [dict(line) for line in p.lines]
        for line in lines:  # the shortfall is told on the product's first line
            line["short_by"], short[line["product_id"]] = short.get(line["product_id"], 0), 0
    sale_id = _RAW_INSERT_SALE.execute(connection, sale).fetchone()[0]
    sale["id"] = sale_id
    deltas = rollups.Deltas(p.event_id, p.exhibitor_id)
    rollups.add_sale(deltas, sale, lines, p.payments)
    body = sale_body(sale, lines, p.payments, cashier=p.username, timezone=p.timezone)
    # Serialised once: the same text is stored with the key and sent as the answer.
    text = current_app.json.dumps(body, separators=(",", ":"))
    # The rest needs no answer but success: one round trip on PostgreSQL. A twin's key
    # (unique per exhibitor) fails here, at the block's end, as an IntegrityError.
    with pipeline(connection):
        _RAW_INSERT_LINES.execute(connection, many=[dict(line, sale_id=sale_id) for line in lines])
        _RAW_INSERT_PAYMENTS.execute(
            connection, many=[dict(pay, sale_id=sale_id) for pay in p.payments]
        )
        _RAW_INSERT_MOVEMENTS.execute(
            connection,
            many=[
                {
                    "product_id": product_id,
                    "exhibitor_id": p.exhibitor_id,
                    "kind": "sale",
                    "delta": -quantity,
                    "stock_after": stock_after[product_id],
                    "reason": sale["offline_number"] or "",
                    "user_id": p.user_id,
                    "sale_id": sale_id,
                    "refund_id": None,
                    "at": p.movements_at,
                }
                for product_id, quantity, _name in p.takes
            ],
        )
        deltas.write(connection, fast=True)
        _RAW_INSERT_KEY.execute(
            connection,
            {
                "exhibitor_id": p.exhibitor_id,
                "key": key,
                "fingerprint": p.fingerprint,
                "user_id": p.user_id,
                "sale_id": sale_id,
                "response_status": 201,
                "response_body": text,
                "created_at": sale["created_at"],
            },
        )
    return SaleAnswer(201, body, text=text, auto_print=p.auto_print)


# --- finding sales ----------------------------------------------------------------------


def get_sale(actor: User, sale_id: int, action: Action = Action.VIEW) -> Sale:
    """Raises NotFound for an unknown sale, Forbidden for another exhibitor's."""
    sale = db.session.get(Sale, sale_id)
    if sale is None:
        raise NotFound(_("No such sale."))
    permissions.require(actor, action, sale.exhibitor)
    return sale


def list_sales(
    actor: User, *, exhibitor_id: int | None = None, day: date | None = None
) -> list[Sale]:
    """Sales of one event-local day (default: today at the exhibitor's event), newest
    last. Raises Forbidden/NotFound for an exhibitor outside the actor's rights."""
    query = sa.select(Sale).join(Exhibitor, Exhibitor.id == Sale.exhibitor_id)
    if exhibitor_id is not None:
        exhibitor = get_exhibitor(actor, exhibitor_id)
        query = query.where(Sale.exhibitor_id == exhibitor.id)
        timezone = exhibitor.event.timezone
    else:
        query = query.where(permissions.exhibitor_scope(actor))
        event = actor.exhibitor.event if actor.exhibitor_id else None
        timezone = event.timezone if event else "UTC"
    day = day or local_day(utcnow(), timezone)
    query = query.where(Sale.business_date == day)
    return list(db.session.scalars(query.order_by(Sale.id)))


def recent_sales(actor: User, exhibitor_id: int, *, limit: int = 30) -> list[Sale]:
    """The booth's latest sales of its event-local today, the last made first (at most
    ``limit``): what a cashier reprints from. Raises Forbidden/NotFound for an exhibitor
    outside the actor's rights."""
    exhibitor = get_exhibitor(actor, exhibitor_id)
    today = local_day(utcnow(), exhibitor.event.timezone)
    return list(
        db.session.scalars(
            sa.select(Sale)
            .where(Sale.exhibitor_id == exhibitor.id, Sale.business_date == today)
            .order_by(Sale.created_at.desc(), Sale.id.desc())
            .limit(limit)
        )
    )
