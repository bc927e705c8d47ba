"""The catalogue and the stock ledger: products, their stock, and every movement of it.

Stock only ever changes through :func:`move_stock`, which updates the product with a
conditional UPDATE (never below zero, never above one for a one-of-a-kind item) and
writes the matching StockMovement in the same transaction (a sale's write phase runs
the same kind of UPDATE itself). Whatever changes stock first locks the products with
:func:`lock_products`, in one global order.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
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
from pos.inventory import photos
from pos.inventory.attributes import clean_attributes
from pos.inventory.models import (
    APPROVED,
    CATEGORIES,
    PENDING,
    REJECTED,
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
    low_or_sold_out: bool = False,
    review_status: str | None = None,
    limit: int | None = None,
) -> list[Product]:
    """Products ``actor`` may see: one exhibitor's, or (organizer) all in their scope.

    ``q`` matches SKU, name and attribute text; ``low_or_sold_out`` keeps the products
    at or under their low-stock threshold, and the sold-out ones. Raises Forbidden or
    NotFound for an exhibitor outside the actor's rights; Invalid for an unknown category.
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
    if review_status is not None:
        query = query.where(Product.review_status == review_status)
    if low_or_sold_out:
        query = query.where(
            sa.or_(
                Product.stock == 0,
                sa.and_(
                    Product.low_stock_threshold.is_not(None),
                    Product.stock <= Product.low_stock_threshold,
                ),
            )
        )
    if q:
        like = f"%{q.strip().lower()}%"
        query = query.where(
            sa.or_(
                sa.func.lower(Product.sku).like(like),
                sa.func.lower(Product.name).like(like),
                sa.func.lower(sa.cast(Product.attributes, sa.String)).like(like),
            )
        )
    query = query.order_by(Exhibitor.booth, Product.category, Product.name).limit(limit)
    return list(db.session.scalars(query))


# --- the register's catalogue -------------------------------------------------------------

# What the register draws of a product (grid, search, item sheet), and nothing more.
REGISTER_COLUMNS = (
    Product.id,
    Product.sku,
    Product.name,
    Product.category,
    Product.price,
    Product.stock,
    Product.one_of_a_kind,
    Product.low_stock_threshold,
    Product.photo,
    Product.attributes,
    Product.description,
)
# Changes whenever the shape of a register catalogue row does: a tablet's kept copy of
# an older shape is then fetched again.
REGISTER_CATALOGUE_FORMAT = "1"


_SELLABLE = (
    Product.exhibitor_id == sa.bindparam("exhibitor_id"),
    Product.active.is_(True),
    Product.review_status == APPROVED,
)
# What the version of a row is made of, put together by the database: the id, the stock
# and the time of the last change as text (making a datetime of each of a thousand rows
# cost more than the rest of an unchanged answer).
_VERSION_PART = (
    sa.cast(Product.id, sa.String)
    + ":"
    + sa.cast(Product.stock, sa.String)
    + ":"
    + sa.cast(Product.updated_at, sa.String)
    + ";"
).label("version_part")
# Built once and run on the session's connection: the register asks every 20 seconds.
_CATALOGUE_VERSION = sa.select(_VERSION_PART).where(*_SELLABLE).order_by(Product.id)
_CATALOGUE_ROWS = sa.select(*REGISTER_COLUMNS, _VERSION_PART).where(*_SELLABLE).order_by(Product.id)


def _catalogue_version(parts: Any) -> str:
    """A version of the sellable products: any product added, changed (its
    ``updated_at``: every edit, review and photo), taken out of sale or sold (its stock)
    gives another. Computed from every row, not from a maximum, so changes that commit
    out of order (PostgreSQL hands out ids and clock times before commit) still count."""
    text = REGISTER_CATALOGUE_FORMAT + "|" + "".join(parts)
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


def register_catalogue_version(actor: User, exhibitor_id: int) -> str:
    """The version of the booth's register catalogue (see :func:`register_catalogue`),
    read without the rows themselves. Raises Forbidden or NotFound as list_products."""
    get_exhibitor(actor, exhibitor_id)
    parts = db.session.connection().execute(_CATALOGUE_VERSION, {"exhibitor_id": exhibitor_id})
    return _catalogue_version(parts.scalars())


def register_catalogue(actor: User, exhibitor_id: int) -> tuple[str, list[dict[str, Any]]]:
    """The booth's sellable products with only what the register draws, and their
    version (the same as :func:`register_catalogue_version` gives for these rows).

    The same rights as list_products: Forbidden or NotFound outside them."""
    get_exhibitor(actor, exhibitor_id)
    rows = db.session.connection().execute(_CATALOGUE_ROWS, {"exhibitor_id": exhibitor_id}).all()
    thumb, display = photos.photo_url_of_size("thumb"), photos.photo_url_of_size("display")
    items = [
        {
            "id": row.id,
            "sku": row.sku,
            "name": row.name,
            "category": row.category,
            "price": row.price,
            "stock": row.stock,
            "one_of_a_kind": row.one_of_a_kind,
            "low_stock_threshold": row.low_stock_threshold,
            "thumbnail_url": thumb(row.photo) if row.photo else None,
            "photo_url": display(row.photo) if row.photo else None,
            "attributes": row.attributes or {},
            "description": row.description,
        }
        for row in rows
    ]
    return _catalogue_version(row.version_part for row in rows), items


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


def _check_product(product: Product, *, check_sku_clash: bool = True) -> None:
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
    if not check_sku_clash:
        return
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


def _new_product(
    actor: User,
    exhibitor: Exhibitor,
    stock: int,
    fields: dict[str, Any],
    *,
    check_sku_clash: bool = True,
) -> Product:
    """A checked, not yet added product with no stock (the caller records the opening
    stock). When the event requires curation, what the booth adds waits for an organizer.
    Raises Invalid or Conflict (duplicate SKU)."""
    unknown = set(fields) - PRODUCT_FIELDS
    if unknown:
        raise Invalid(_("Unknown product field: %(f)s.", f=", ".join(sorted(unknown))))
    fields = dict(fields)
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
    _check_product(product, check_sku_clash=check_sku_clash)
    return product


def create_product(actor: User, *, exhibitor_id: int, stock: int = 0, **fields: Any) -> Product:
    """Add a product with its opening stock movement.

    When the event requires curation, a product added by the booth waits for an
    organizer's approval. Raises Forbidden, NotFound, Invalid or Conflict (duplicate SKU).
    """
    exhibitor = get_exhibitor(actor, exhibitor_id, Action.MANAGE)
    product = _new_product(actor, exhibitor, stock, fields)
    db.session.add(product)
    db.session.flush()
    move_stock(product, stock, "opening", actor, reason="")
    audit(
        "product_created",
        actor,
        exhibitor_id=product.exhibitor_id,
        target=product,
        sku=product.sku,
        name=product.name,
        category=product.category,
        price=product.price,
        stock=stock,
    )
    return product


def _apply_changes(
    actor: User,
    product: Product,
    changes: dict[str, Any],
    *,
    check_sku_clash: bool = True,
) -> int | None:
    """Set and check the changed fields (not stock) and the stock they must allow;
    returns the new stock asked for, if any. A rejected product the booth changes, or an
    approved one whose curated fields it changes, goes back to the organizer's queue
    (:func:`_send_back_for_review`). Raises Invalid or Conflict."""
    unknown = set(changes) - PRODUCT_FIELDS
    if unknown:
        raise Invalid(_("Unknown product field: %(f)s.", f=", ".join(sorted(unknown))))
    changes = dict(changes)
    before = _curated(product)
    new_stock = changes.pop("stock", None)
    attributes = changes.pop("attributes", None)
    if attributes is not None:
        attributes = dict(attributes)
        if "one_of_a_kind" in attributes:
            changes.setdefault("one_of_a_kind", bool(attributes.pop("one_of_a_kind")))
        product.attributes = attributes
    for key, value in changes.items():
        if value is None and key not in ("low_stock_threshold",):
            raise Invalid(_("%(field)s cannot be empty.", field=key), field=key)
        setattr(product, key, value)
    _check_stock(product.stock if new_stock is None else new_stock, product.one_of_a_kind)
    _check_product(product, check_sku_clash=check_sku_clash)
    after = _curated(product)
    curated = [field for field in CURATED_FIELDS if before[field] != after[field]]
    _send_back_for_review(actor, product, curated, changed=db.session.is_modified(product))
    return new_stock


# What the organizer looks at when curating: a change to any of these by the booth sends
# an approved product back for review (price, stock and the rest do not).
CURATED_FIELDS = ("name", "category", "description", "attributes", "photo")


def _curated(product: Product) -> dict[str, Any]:
    """The curated fields' values, blanks alike (None, "" and {} are all "nothing")."""
    return {field: getattr(product, field) or None for field in CURATED_FIELDS}


def _send_back_for_review(
    actor: User, product: Product, curated: list[str], *, changed: bool
) -> None:
    """The booth changing a product of an event that requires curation: a rejected one
    goes back to the organizer's queue on any change (fields or photo; not just its
    stock), an approved one when what was curated changed (``curated``: name, category,
    description, attributes, photo), so it cannot be sold as something else. Audited.
    An organizer's own changes leave the review as it was."""
    if actor.is_organizer:
        return
    rejected_and_changed = product.review_status == REJECTED and (changed or bool(curated))
    approved_and_recast = (
        product.review_status == APPROVED
        and bool(curated)
        and product.exhibitor.event.requires_curation
    )
    if not (rejected_and_changed or approved_and_recast):
        return
    audit(
        "product_sent_for_review",
        actor,
        exhibitor_id=product.exhibitor_id,
        target=product,
        fields=curated,
        was=product.review_status,
    )
    product.review_status = PENDING


def _audit_price(actor: User, product: Product, old_price: int) -> None:
    if product.price != old_price:
        audit(
            "price_changed",
            actor,
            exhibitor_id=product.exhibitor_id,
            target=product,
            old=old_price,
            new=product.price,
        )


def update_product(actor: User, product: Product, changes: dict[str, Any]) -> Product:
    """Change a product's fields. A new stock figure is written as an adjustment; a new
    price, a withdrawal from sale (``active`` false) and a return to it are audited.
    Raises Forbidden, Invalid, Conflict (duplicate SKU)."""
    permissions.require(actor, Action.MANAGE, product.exhibitor)
    old_price, was_active = product.price, product.active
    new_stock = _apply_changes(actor, product, changes)
    db.session.flush()
    _audit_price(actor, product, old_price)
    if product.active != was_active:
        audit(
            "product_restored" if product.active else "product_withdrawn",
            actor,
            exhibitor_id=product.exhibitor_id,
            target=product,
            sku=product.sku,
        )
    if new_stock is not None and new_stock != product.stock:
        adjust_stock(
            actor, product, new_stock - product.stock, _("Stock corrected in the product form")
        )
    return product


REVIEW_DECISIONS = {"approve": APPROVED, "reject": REJECTED}
MAX_NOTE = 1000


def review_product(actor: User, product: Product, decision: str, note: str = "") -> Product:
    """The organizer's quality check: approve the product (it may be sold) or reject it
    with a note the booth reads; the booth's next edit sends it back for review.

    Raises Forbidden (not an organizer of the event) or Invalid (an unknown decision, a
    rejection without a note, a note too long)."""
    permissions.require_organizer(actor, product.exhibitor.event)
    status = REVIEW_DECISIONS.get(decision)
    if status is None:
        raise Invalid(_("Approve or reject."), field="decision")
    note = (note or "").strip()
    if status == REJECTED and not note:
        raise Invalid(_("Say why, so the booth can put it right."), field="note")
    if len(note) > MAX_NOTE:
        raise Invalid(_("A note has at most %(n)d characters.", n=MAX_NOTE), field="note")
    product.review_status = status
    product.review_note = note
    audit(
        "product_reviewed",
        actor,
        exhibitor_id=product.exhibitor_id,
        target=product,
        decision=decision,
        note=note,
    )
    db.session.flush()
    return product


def review_count(actor: User, status: str = PENDING, exhibitor_id: int | None = None) -> int:
    """How many active products in the actor's scope (or at one booth) have that review
    status: the organizer's menu badge and the review queue's total."""
    query = (
        sa.select(sa.func.count(Product.id))
        .join(Exhibitor, Exhibitor.id == Product.exhibitor_id)
        .where(
            permissions.exhibitor_scope(actor),
            Product.review_status == status,
            Product.active.is_(True),
        )
    )
    if exhibitor_id is not None:
        query = query.where(Product.exhibitor_id == exhibitor_id)
    return db.session.scalar(query)


def set_photo(actor: User, product: Product, content: bytes | None) -> Product:
    """Give the product a photo (the upload's bytes), or take it away (None); audited.

    The upload is checked and stored before the product changes; a refused file changes
    nothing. Raises Forbidden, Invalid (not a photo, damaged, too many pixels) or
    PayloadTooLarge."""
    permissions.require(actor, Action.MANAGE, product.exhibitor)
    photo = photos.store(content) if content is not None else None
    if photo != product.photo:
        where = {"exhibitor_id": product.exhibitor_id, "target": product, "sku": product.sku}
        if photo is None:
            audit("product_photo_removed", actor, photo=product.photo, **where)
        else:
            audit("product_photo_set", actor, photo=photo, replaced=product.photo, **where)
        product.photo = photo
        _send_back_for_review(actor, product, ["photo"], changed=True)
    db.session.flush()
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
    lock_products([product.id])
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


# The conditional UPDATE behind every change of stock, built once: it changes nothing
# (and returns no row) when stock would fall below zero, or a one-of-a-kind item rise
# above one. Returns the new stock.
MOVE_STOCK = (
    sa.update(Product)
    .where(
        Product.id == sa.bindparam("product_id"),
        Product.stock + sa.bindparam("delta") >= 0,
        sa.or_(Product.one_of_a_kind.is_(False), Product.stock + sa.bindparam("delta") <= 1),
    )
    .values(stock=Product.stock + sa.bindparam("delta"))
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
# A sale recorded offline: the goods have left the booth, so the stock is taken whatever
# it was, and may go below zero by the shortfall (the manager settles it).
TAKE_STOCK_ANYWAY = (
    sa.update(Product)
    .where(Product.id == sa.bindparam("product_id"))
    .values(stock=Product.stock - sa.bindparam("quantity"))
    .returning(Product.stock)
)


# Every write that changes stock locks the product rows it will change with this, in one
# order (by id), before changing any of them: two writers then never hold one row each
# while waiting for the other's (a PostgreSQL deadlock). FOR NO KEY UPDATE is the lock
# the UPDATE itself takes, so nothing else (a foreign key's check) waits longer for it.
_LOCK_PRODUCTS = (
    sa.select(Product.id)
    .where(Product.id.in_(sa.bindparam("ids", expanding=True)))
    .order_by(Product.id)
    .with_for_update(key_share=True)
)


def lock_products(product_ids: Iterable[int]) -> list[int]:
    """Lock the rows of the products whose stock this transaction is about to change, in
    the one global order (product id), before the first change; returns the ids in that
    order. Voids, refunds, stock adjustments and catalogue imports call it, so any two of
    them take shared products in the same order. A sale (live or offline) does not need
    to: its conditional stock updates run product by product in id order, and each
    locks its row, so they take the rows in the same order themselves.

    On PostgreSQL each row stays locked until the transaction ends. SQLite needs nothing:
    a writing transaction holds the database's single write lock from its BEGIN
    IMMEDIATE, so writers never interleave.
    """
    ids = sorted(set(product_ids))
    if ids:
        connection = db.session.connection()
        if connection.dialect.name != "sqlite":
            connection.execute(_LOCK_PRODUCTS, {"ids": ids})
    return ids


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
    """Change stock by ``delta`` and record the movement; callers have checked rights and
    locked every product their transaction changes (:func:`lock_products`).

    The UPDATE itself refuses to go below zero (or above one for a one-of-a-kind item),
    so two tablets selling the last piece at once cannot both succeed.
    Raises InsufficientStock with the stock available.
    """
    new_stock = db.session.execute(MOVE_STOCK, {"product_id": product.id, "delta": delta}).scalar()
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
    """Create or update (by SKU) the booth's products from a CSV or XLSX file, all or
    nothing.

    Returns {"created", "updated", "errors": []}; with any error, nothing is written
    (the caller rolls back) and the errors name row and column. Every row is checked
    before anything is written; then the new products, the changes and their stock
    movements ("opening" for a new product, "import" for a new stock figure) are written
    in a few batched statements. The booth's products are locked first (lock_products),
    so a sale at the same moment waits and the ledger stays exact. Raises Forbidden or
    NotFound for the exhibitor.
    """
    from pos.inventory.spreadsheets import parse_catalogue

    exhibitor = get_exhibitor(actor, exhibitor_id, Action.MANAGE)
    parsed = parse_catalogue(content)
    if parsed.errors and not parsed.rows:
        return {"created": 0, "updated": 0, "errors": parsed.errors}
    lock_products(
        db.session.scalars(sa.select(Product.id).where(Product.exhibitor_id == exhibitor.id))
    )
    existing = {
        p.sku.lower(): p
        for p in db.session.scalars(sa.select(Product).where(Product.exhibitor_id == exhibitor.id))
    }
    # The rows that could be read are checked too, so one pass lists every problem.
    errors: list[dict[str, Any]] = list(parsed.errors)
    created: list[tuple[Product, int]] = []
    restocked: list[tuple[Product, int]] = []
    updated = 0
    # SKUs are unique within the file (parse_catalogue) and matched to the booth's own
    # case-insensitively, so no row can clash with another product: no query per row.
    with db.session.no_autoflush:
        for row in parsed.rows:
            fields = dict(row.fields)
            stock = fields.pop("stock")
            product = existing.get(fields["sku"].lower())
            try:
                if product is None:
                    fields = {k: v for k, v in fields.items() if v is not None}
                    new = _new_product(actor, exhibitor, stock, fields, check_sku_clash=False)
                    created.append((new, stock))
                    continue
                changes = _import_changes(product, fields)
                old_price = product.price
                _apply_changes(actor, product, changes | {"stock": stock}, check_sku_clash=False)
                if changes:
                    _audit_price(actor, product, old_price)
                if stock != product.stock:
                    restocked.append((product, stock))
                updated += bool(changes) or stock != product.stock
            except PosError as exc:
                column = str(exc.details.get("field", "")).removeprefix("attributes.")
                errors.append({"row": row.row, "column": column, "message": exc.message})
    if errors:
        errors.sort(key=lambda e: e["row"])
        return {"created": 0, "updated": 0, "errors": errors}

    reason = _("Imported")
    movements = []
    for product, stock in created:
        product.stock = stock
        db.session.add(product)
    for product, stock in restocked:
        movements.append(
            StockMovement(
                product_id=product.id,
                exhibitor_id=exhibitor.id,
                kind="import",
                delta=stock - product.stock,
                stock_after=stock,
                reason=reason,
                user_id=actor.id,
            )
        )
        product.stock = stock
    db.session.flush()  # batched INSERTs (ids come back) and UPDATEs
    for product, stock in created:
        movements.append(
            StockMovement(
                product_id=product.id,
                exhibitor_id=exhibitor.id,
                kind="opening",
                delta=stock,
                stock_after=stock,
                reason="",
                user_id=actor.id,
            )
        )
    db.session.add_all(movements)
    audit(
        "catalogue_imported",
        actor,
        exhibitor_id=exhibitor.id,
        created=len(created),
        updated=updated,
        created_skus=[product.sku for product, _stock in created],
    )
    db.session.flush()
    return {"created": len(created), "updated": updated, "errors": []}


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
