"""The catalogue and the stock ledger: products, their stock, and every movement of it.

Stock only ever changes through :func:`move_stock`, which updates the product with a
conditional UPDATE (never below zero, never above one for a one-of-a-kind item) and
writes the matching StockMovement in the same transaction.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm.attributes import set_committed_value

from pos.auth import permissions
from pos.auth.models import User
from pos.auth.permissions import Action
from pos.auth.service import audit
from pos.errors import Conflict, Invalid, NotFound, PosError
from pos.extensions import db
from pos.inventory.attributes import clean_attributes
from pos.inventory.models import (
    APPROVED,
    CATEGORIES,
    PENDING,
    Product,
    StockMovement,
)
from pos.organizer.models import Exhibitor
from pos.organizer.service import get_exhibitor

MAX_PRICE = 10**12
MAX_STOCK = 1_000_000
PRODUCT_FIELDS = frozenset(
    {
        "sku",
        "name",
        "category",
        "price",
        "stock",
        "attributes",
        "one_of_a_kind",
        "description",
        "low_stock_threshold",
        "active",
    }
)


class InsufficientStock(Conflict):
    code = "insufficient_stock"


# --- reading ----------------------------------------------------------------------------


def get_product(actor: User, product_id: int, action: Action = Action.VIEW) -> Product:
    """Raises NotFound for an unknown id, Forbidden for another exhibitor's product."""
    product = db.session.get(Product, product_id)
    if product is None:
        raise NotFound(_("No such product."))
    permissions.require(actor, action, product.exhibitor)
    return product


def list_products(
    actor: User,
    *,
    exhibitor_id: int | None = None,
    q: str = "",
    category: str | None = None,
    include_inactive: bool = False,
    sellable_only: bool = False,
) -> list[Product]:
    """Products ``actor`` may see: one exhibitor's, or (organizer) all in their scope.

    ``q`` matches SKU, name and attribute text. Raises Forbidden or NotFound for an
    exhibitor outside the actor's rights; Invalid for an unknown category.
    """
    query = sa.select(Product).join(Exhibitor, Exhibitor.id == Product.exhibitor_id)
    if exhibitor_id is not None:
        get_exhibitor(actor, exhibitor_id)
        query = query.where(Product.exhibitor_id == exhibitor_id)
    else:
        query = query.where(permissions.exhibitor_scope(actor))
    if category:
        if category not in CATEGORIES:
            raise Invalid(_("Unknown category: %(c)s.", c=category), field="category")
        query = query.where(Product.category == category)
    if not include_inactive:
        query = query.where(Product.active.is_(True))
    if sellable_only:
        query = query.where(Product.review_status == APPROVED)
    if q:
        like = f"%{q.strip().lower()}%"
        query = query.where(
            sa.or_(
                sa.func.lower(Product.sku).like(like),
                sa.func.lower(Product.name).like(like),
                sa.func.lower(sa.cast(Product.attributes, sa.String)).like(like),
            )
        )
    return list(db.session.scalars(query.order_by(Exhibitor.booth, Product.category, Product.name)))


def movements(actor: User, product: Product) -> list[StockMovement]:
    """The product's stock ledger, oldest first."""
    permissions.require(actor, Action.VIEW, product.exhibitor)
    return list(
        db.session.scalars(
            sa.select(StockMovement)
            .where(StockMovement.product_id == product.id)
            .order_by(StockMovement.id)
        )
    )


# --- writing ----------------------------------------------------------------------------


def _check_product(product: Product) -> None:
    product.sku = (product.sku or "").strip()
    product.name = (product.name or "").strip()
    if not product.sku or len(product.sku) > 64 or any(c.isspace() for c in product.sku):
        raise Invalid(_("A SKU has 1–64 characters and no spaces."), field="sku")
    if not product.name or len(product.name) > 200:
        raise Invalid(_("A product needs a name of up to 200 characters."), field="name")
    if product.category not in CATEGORIES:
        raise Invalid(_("Unknown category: %(c)s.", c=product.category), field="category")
    if isinstance(product.price, bool) or not isinstance(product.price, int):
        raise Invalid(_("A price is a whole amount."), field="price")
    if not 0 <= product.price <= MAX_PRICE:
        raise Invalid(_("A price is between 0 and 1,000,000,000,000."), field="price")
    threshold = product.low_stock_threshold
    if threshold is not None and not 0 <= threshold <= MAX_STOCK:
        raise Invalid(_("A low-stock threshold cannot be negative."), field="low_stock_threshold")
    product.attributes = clean_attributes(product.category, product.attributes)
    with db.session.no_autoflush:
        clash = db.session.scalar(
            sa.select(Product.id).where(
                Product.exhibitor_id == product.exhibitor_id,
                Product.sku == product.sku,
                Product.id != (product.id or 0),
            )
        )
    if clash is not None:
        raise Conflict(
            _("SKU %(sku)s is already used at this booth.", sku=product.sku),
            code="duplicate_sku",
            field="sku",
        )


def _check_stock(stock: Any, one_of_a_kind: bool) -> int:
    if isinstance(stock, bool) or not isinstance(stock, int) or not 0 <= stock <= MAX_STOCK:
        raise Invalid(_("Stock is a whole number of at least 0."), field="stock")
    if one_of_a_kind and stock > 1:
        raise Invalid(_("A one-of-a-kind item has a stock of 0 or 1."), field="stock")
    return stock


def create_product(actor: User, *, exhibitor_id: int, stock: int = 0, **fields: Any) -> Product:
    """Add a product with its opening stock movement.

    When the event requires curation, a product added by the booth waits for an
    organizer's approval. Raises Forbidden, NotFound, Invalid or Conflict (duplicate SKU).
    """
    exhibitor = get_exhibitor(actor, exhibitor_id, Action.MANAGE)
    unknown = set(fields) - PRODUCT_FIELDS
    if unknown:
        raise Invalid(_("Unknown product field: %(f)s.", f=", ".join(sorted(unknown))))
    attributes = dict(fields.pop("attributes", None) or {})
    one_of_a_kind = bool(
        fields.pop("one_of_a_kind", None) or attributes.pop("one_of_a_kind", False)
    )
    _check_stock(stock, one_of_a_kind)
    review = PENDING if exhibitor.event.requires_curation and not actor.is_organizer else APPROVED
    product = Product(
        exhibitor_id=exhibitor.id,
        attributes=attributes,
        one_of_a_kind=one_of_a_kind,
        stock=0,
        review_status=review,
        **{k: v for k, v in fields.items() if v is not None},
    )
    product.exhibitor = exhibitor
    _check_product(product)
    db.session.add(product)
    db.session.flush()
    move_stock(product, stock, "opening", actor, reason="")
    return product


def update_product(actor: User, product: Product, changes: dict[str, Any]) -> Product:
    """Change a product's fields. A new stock figure is written as an adjustment; a new
    price is audited. Raises Forbidden, Invalid, Conflict (duplicate SKU)."""
    permissions.require(actor, Action.MANAGE, product.exhibitor)
    unknown = set(changes) - PRODUCT_FIELDS
    if unknown:
        raise Invalid(_("Unknown product field: %(f)s.", f=", ".join(sorted(unknown))))
    changes = dict(changes)
    new_stock = changes.pop("stock", None)
    attributes = changes.pop("attributes", None)
    if attributes is not None:
        attributes = dict(attributes)
        if "one_of_a_kind" in attributes:
            changes.setdefault("one_of_a_kind", bool(attributes.pop("one_of_a_kind")))
        product.attributes = attributes
    old_price = product.price
    for key, value in changes.items():
        if value is None and key not in ("low_stock_threshold",):
            raise Invalid(_("%(field)s cannot be empty.", field=key), field=key)
        setattr(product, key, value)
    target_stock = product.stock if new_stock is None else new_stock
    _check_stock(target_stock, product.one_of_a_kind)
    _check_product(product)
    db.session.flush()
    if product.price != old_price:
        audit(
            "price_changed",
            actor,
            exhibitor_id=product.exhibitor_id,
            target=product,
            old=old_price,
            new=product.price,
        )
    if new_stock is not None and new_stock != product.stock:
        adjust_stock(
            actor, product, new_stock - product.stock, _("Stock corrected in the product form")
        )
    return product


def adjust_stock(actor: User, product: Product, delta: int, reason: str) -> StockMovement:
    """Count stock in or out by hand, with a reason (audited).

    Raises Invalid for a zero delta or no reason; InsufficientStock (409) when stock
    would fall below zero or a one-of-a-kind item above one.
    """
    permissions.require(actor, Action.MANAGE, product.exhibitor)
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(_("Say why the stock changes."), field="reason")
    if isinstance(delta, bool) or not isinstance(delta, int) or delta == 0:
        raise Invalid(_("The change is a whole number other than 0."), field="delta")
    if abs(delta) > MAX_STOCK:
        raise Invalid(_("That change is too large."), field="delta")
    movement = move_stock(product, delta, "adjustment", actor, reason=reason)
    audit(
        "stock_adjusted",
        actor,
        exhibitor_id=product.exhibitor_id,
        target=product,
        delta=delta,
        stock_after=movement.stock_after,
        reason=reason,
    )
    return movement


def stock_update(product_id: int, delta: int) -> sa.Update:
    """The conditional UPDATE behind every change of stock: it changes nothing (and
    returns no row) when stock would fall below zero, or a one-of-a-kind item rise above
    one. Returns the new stock."""
    return (
        sa.update(Product)
        .where(
            Product.id == product_id,
            Product.stock + delta >= 0,
            sa.or_(Product.one_of_a_kind.is_(False), Product.stock + delta <= 1),
        )
        .values(stock=Product.stock + delta)
        .returning(Product.stock)
        .execution_options(synchronize_session=False)
    )


# The same rule for the sale's hot path, built once: take ``quantity`` if that many are
# there, and return what is left (no row when there are not enough).
TAKE_STOCK = (
    sa.update(Product)
    .where(Product.id == sa.bindparam("product_id"), Product.stock >= sa.bindparam("quantity"))
    .values(stock=Product.stock - sa.bindparam("quantity"))
    .returning(Product.stock)
)


def move_stock(
    product: Product,
    delta: int,
    kind: str,
    user: User | None,
    *,
    reason: str = "",
    sale_id: int | None = None,
    refund_id: int | None = None,
) -> StockMovement:
    """Change stock by ``delta`` and record the movement; callers have checked rights.

    The UPDATE itself refuses to go below zero (or above one for a one-of-a-kind item),
    so two tablets selling the last piece at once cannot both succeed.
    Raises InsufficientStock with the stock available.
    """
    new_stock = db.session.execute(stock_update(product.id, delta)).scalar()
    if new_stock is None:
        available = db.session.scalar(sa.select(Product.stock).where(Product.id == product.id))
        if delta > 0:
            raise InsufficientStock(
                _("A one-of-a-kind item cannot have more than one in stock."),
                code="one_of_a_kind",
                product_id=product.id,
                available=available,
            )
        raise InsufficientStock(
            _("Only %(n)d of %(name)s in stock.", n=available or 0, name=product.name),
            product_id=product.id,
            available=available,
        )
    set_committed_value(product, "stock", new_stock)
    movement = StockMovement(
        product_id=product.id,
        exhibitor_id=product.exhibitor_id,
        kind=kind,
        delta=delta,
        stock_after=new_stock,
        reason=reason,
        user_id=user.id if user is not None else None,
        sale_id=sale_id,
        refund_id=refund_id,
    )
    db.session.add(movement)
    db.session.flush()
    return movement


def stock_ledger_differences() -> list[dict[str, Any]]:
    """Products whose stock is not the sum of their stock movements (or whose last
    movement does not end at the stock): none, unless something wrote around the
    ledger. One GROUP BY over the ledger."""
    sums = (
        sa.select(
            StockMovement.product_id,
            sa.func.sum(StockMovement.delta).label("ledger"),
            sa.func.max(StockMovement.id).label("last_id"),
        )
        .group_by(StockMovement.product_id)
        .subquery()
    )
    last = sa.orm.aliased(StockMovement)
    rows = db.session.execute(
        sa.select(
            Product.id,
            Product.sku,
            Product.exhibitor_id,
            Product.stock,
            sa.func.coalesce(sums.c.ledger, 0),
            last.stock_after,
        )
        .outerjoin(sums, sums.c.product_id == Product.id)
        .outerjoin(last, last.id == sums.c.last_id)
        .where(
            sa.or_(
                Product.stock != sa.func.coalesce(sums.c.ledger, 0),
                sa.and_(last.id.is_not(None), last.stock_after != Product.stock),
            )
        )
        .order_by(Product.id)
    ).all()
    return [
        {
            "product_id": product_id,
            "sku": sku,
            "exhibitor_id": exhibitor_id,
            "stock": stock,
            "ledger": int(ledger),
            "last_stock_after": stock_after,
        }
        for product_id, sku, exhibitor_id, stock, ledger, stock_after in rows
    ]


def import_catalogue(actor: User, exhibitor_id: int, content: bytes) -> dict[str, Any]:
    """Create or update (by SKU) the booth's products from a CSV file, all or nothing.

    Returns {"created", "updated", "errors": []}; with any error, nothing is written
    (the caller rolls back) and the errors name row and column. A new stock figure is
    recorded as an "import" movement. Raises Forbidden or NotFound for the exhibitor.
    """
    from pos.inventory.spreadsheets import parse_catalogue

    exhibitor = get_exhibitor(actor, exhibitor_id, Action.MANAGE)
    parsed = parse_catalogue(content)
    errors = list(parsed.errors)
    created = updated = 0
    if not errors:
        existing = {
            p.sku.lower(): p
            for p in db.session.scalars(
                sa.select(Product).where(Product.exhibitor_id == exhibitor.id)
            )
        }
        for row in parsed.rows:
            fields = dict(row.fields)
            stock = fields.pop("stock")
            product = existing.get(fields["sku"].lower())
            try:
                with db.session.begin_nested():
                    if product is None:
                        fields = {k: v for k, v in fields.items() if v is not None}
                        create_product(actor, exhibitor_id=exhibitor.id, stock=stock, **fields)
                        created += 1
                    else:
                        changed = _import_changes(product, fields)
                        if changed:
                            update_product(actor, product, changed)
                        restocked = stock != product.stock
                        if restocked:
                            move_stock(
                                product,
                                stock - product.stock,
                                "import",
                                actor,
                                reason=_("Imported"),
                            )
                        if changed or restocked:
                            updated += 1
            except PosError as exc:
                column = str(exc.details.get("field", "")).removeprefix("attributes.")
                errors.append({"row": row.row, "column": column, "message": exc.message})
    if errors:
        return {"created": 0, "updated": 0, "errors": errors}
    audit("catalogue_imported", actor, exhibitor_id=exhibitor.id, created=created, updated=updated)
    return {"created": created, "updated": updated, "errors": []}


def _import_changes(product: Product, fields: dict[str, Any]) -> dict[str, Any]:
    """The fields of an import row that differ from the product."""
    changes = {}
    for key, value in fields.items():
        if key == "attributes":
            if clean_attributes(fields.get("category", product.category), value) != (
                product.attributes or {}
            ):
                changes[key] = value
        elif value is not None and getattr(product, key) != value:
            changes[key] = value
        elif (
            key == "low_stock_threshold"
            and value is None
            and product.low_stock_threshold is not None
        ):
            changes[key] = None
    return changes
