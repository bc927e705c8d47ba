"""The catalogue pages: product list and search, product forms, stock and its ledger."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from pos.auth.permissions import Action, may, require_organizer
from pos.errors import PosError
from pos.extensions import db
from pos.inventory import photos, service
from pos.inventory.attributes import ATTRIBUTES, CATEGORY_LABELS, CHOICE_LABELS, describe
from pos.inventory.forms import (
    ImportForm,
    PhotoForm,
    ProductForm,
    ReviewForm,
    StockAdjustmentForm,
)
from pos.inventory.models import CATEGORIES
from pos.inventory.spreadsheets import column_guide
from pos.organizer.service import current_event, list_exhibitors
from pos.web import booth_in_view, carry_out, form_data, saved, show_error

bp = Blueprint("inventory", __name__)

PRODUCT_FIELDS = (
    "sku",
    "name",
    "category",
    "price",
    "one_of_a_kind",
    "low_stock_threshold",
    "description",
)


def _attributes_from_form(category: str) -> dict[str, str]:
    return {
        a.key: request.form.get(f"attr-{category}-{a.key}", "")
        for a in ATTRIBUTES.get(category, ())
    }


@bp.get("/products")
@login_required
def products():
    exhibitor = booth_in_view()
    q = request.args.get("q", "").strip()
    category = request.args.get("category", "")
    category = category if category in CATEGORIES else None
    stock_filter = "low" if request.args.get("stock") == "low" else ""
    items = service.list_products(
        current_user,
        exhibitor_id=exhibitor.id if exhibitor else None,
        q=q,
        category=category,
        include_inactive=request.args.get("all") == "1",
        low_or_sold_out=stock_filter == "low",
    )
    stock_alerts = sum(1 for p in items if p.active and (p.sold_out or p.low_stock))
    event = exhibitor.event if exhibitor else current_event()
    booths = (
        list_exhibitors(current_user, event_id=event.id if event else None)
        if current_user.is_organizer
        else []
    )
    return render_template(
        "inventory/products.html",
        products=items,
        exhibitor=exhibitor,
        booths=booths,
        q=q,
        category=category,
        stock_filter=stock_filter,
        stock_alerts=stock_alerts,
        categories=CATEGORY_LABELS,
        can_manage=exhibitor is not None and may(current_user, Action.MANAGE, exhibitor),
        currency=event.currency if event else "IDR",
    )


def _render_form(form, product, exhibitor, attributes, status=200):
    return (
        render_template(
            "inventory/product_form.html",
            form=form,
            product=product,
            exhibitor=exhibitor,
            attribute_specs=ATTRIBUTES,
            choice_labels=CHOICE_LABELS,
            attributes=attributes,
            categories=CATEGORY_LABELS,
        ),
        status,
    )


@bp.route("/products/new", methods=["GET", "POST"])
@login_required
def new_product():
    exhibitor = booth_in_view(Action.MANAGE)
    if exhibitor is None:
        return redirect(url_for("inventory.products"))
    form = ProductForm()
    attributes = _attributes_from_form(form.category.data or "")
    if form.validate_on_submit():
        data = form_data(form, *PRODUCT_FIELDS)
        try:
            product = service.create_product(
                current_user,
                exhibitor_id=exhibitor.id,
                stock=form.stock.data,
                attributes=attributes,
                **data,
            )
            if form.photo.data:
                service.set_photo(current_user, product, form.photo.data.read())
            db.session.commit()
        except PosError as exc:
            db.session.rollback()
            show_error(form, exc)
            return _render_form(form, None, exhibitor, attributes, exc.status)
        saved(_("Product %(sku)s added.", sku=product.sku))
        return redirect(url_for("inventory.products", exhibitor_id=exhibitor.id))
    return _render_form(form, None, exhibitor, attributes)


@bp.route("/products/import", methods=["GET", "POST"])
@login_required
def import_products():
    """The booth's catalogue from a spreadsheet, all or nothing; the errors by row."""
    exhibitor = booth_in_view(Action.MANAGE)
    if exhibitor is None:
        return redirect(url_for("inventory.products"))
    form = ImportForm()
    errors: list[dict] = []
    status = 200
    if form.validate_on_submit():
        result = service.import_catalogue(current_user, exhibitor.id, form.file.data.read())
        if not result["errors"]:
            db.session.commit()
            saved(
                _(
                    "Imported: %(created)d new product(s), %(updated)d updated.",
                    created=result["created"],
                    updated=result["updated"],
                )
            )
            return redirect(url_for("inventory.products", exhibitor_id=exhibitor.id))
        db.session.rollback()
        errors, status = result["errors"], 422
    return (
        render_template(
            "inventory/import.html",
            form=form,
            errors=errors,
            exhibitor=exhibitor,
            guide=column_guide(),
        ),
        status,
    )


@bp.get("/products/<int:product_id>")
@login_required
def product(product_id: int):
    item = service.get_product(current_user, product_id)
    exhibitor = item.exhibitor
    return render_template(
        "inventory/product.html",
        product=item,
        exhibitor=exhibitor,
        details=describe(item.category, item.attributes),
        movements=service.movements(current_user, item),
        can_manage=may(current_user, Action.MANAGE, exhibitor),
        adjust_form=StockAdjustmentForm(),
        photo_form=PhotoForm(),
        categories=CATEGORY_LABELS,
    )


@bp.route("/products/<int:product_id>/edit", methods=["GET", "POST"])
@login_required
def edit_product(product_id: int):
    item = service.get_product(current_user, product_id, Action.MANAGE)
    form = ProductForm(obj=item)
    attributes = (
        _attributes_from_form(form.category.data) if request.method == "POST" else item.attributes
    )
    if form.validate_on_submit():
        changes = form_data(form, *PRODUCT_FIELDS)
        changes["stock"] = form.stock.data
        changes["attributes"] = attributes
        try:
            service.update_product(current_user, item, changes)
            if form.photo.data:
                service.set_photo(current_user, item, form.photo.data.read())
            elif form.remove_photo.data:
                service.set_photo(current_user, item, None)
            db.session.commit()
        except PosError as exc:
            db.session.rollback()
            show_error(form, exc)
            return _render_form(form, item, item.exhibitor, attributes, exc.status)
        saved()
        return redirect(url_for("inventory.product", product_id=item.id))
    return _render_form(form, item, item.exhibitor, attributes)


@bp.post("/products/<int:product_id>/adjust")
@login_required
def adjust_stock(product_id: int):
    item = service.get_product(current_user, product_id, Action.MANAGE)
    form = StockAdjustmentForm()
    carry_out(
        form,
        lambda: service.adjust_stock(current_user, item, form.delta.data, form.reason.data),
        lambda: _("Stock of %(sku)s is now %(n)d.", sku=item.sku, n=item.stock),
    )
    return redirect(url_for("inventory.product", product_id=item.id))


@bp.post("/products/<int:product_id>/photo")
@login_required
def upload_photo(product_id: int):
    """The product page's quick photo: one tap on the tablet, one shot, saved."""
    item = service.get_product(current_user, product_id, Action.MANAGE)
    form = PhotoForm()
    carry_out(
        form,
        lambda: service.set_photo(current_user, item, form.photo.data.read()),
        lambda: _("Photo of %(sku)s saved.", sku=item.sku),
    )
    return redirect(url_for("inventory.product", product_id=item.id))


@bp.get("/photos/<name>")
@login_required
def photo(name: str):
    """A product photo. Its name is the hash of its content, so it never changes: the
    browser keeps it a year without asking again."""
    match = photos.NAME.match(name)
    if match is None:
        abort(404)
    path = photos.path_of(match["key"], match["size"])
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype="image/jpeg", conditional=True, etag=True)
    response.headers["Cache-Control"] = "private, max-age=31536000, immutable"
    return response


@bp.app_template_global()
def photo_url(product, size: str = "thumb") -> str | None:
    return photos.photo_url(product.photo, size) if product.photo else None


REVIEW_PAGE = 50  # products on the review page at once; the next ones after these


@bp.get("/review")
@login_required
def review_queue():
    """The organizer's curation queue: new products waiting, with their photos, of every
    booth or of one."""
    require_organizer(current_user)
    status = "rejected" if request.args.get("status") == "rejected" else "pending"
    exhibitor = booth_in_view()
    booth_id = exhibitor.id if exhibitor else None
    items = service.list_products(
        current_user, exhibitor_id=booth_id, review_status=status, limit=REVIEW_PAGE
    )
    event = exhibitor.event if exhibitor else current_event()
    return render_template(
        "inventory/review.html",
        products=items,
        total=service.review_count(current_user, status, booth_id),
        status=status,
        exhibitor=exhibitor,
        booths=list_exhibitors(current_user, event_id=event.id if event else None),
        details={p.id: describe(p.category, p.attributes) for p in items},
        categories=CATEGORY_LABELS,
        form=ReviewForm(),
    )


@bp.post("/products/<int:product_id>/review")
@login_required
def review_product(product_id: int):
    item = service.get_product(current_user, product_id)
    form = ReviewForm()
    decision = request.form.get("decision", "")
    carry_out(
        form,
        lambda: service.review_product(current_user, item, decision, form.note.data or ""),
        lambda: (
            _("%(name)s approved: it can be sold.", name=item.name)
            if decision == "approve"
            else _("%(name)s rejected; the booth sees your note.", name=item.name)
        ),
    )
    return redirect(
        url_for(
            "inventory.review_queue",
            status=request.args.get("status"),
            exhibitor_id=request.args.get("exhibitor_id"),
        )
    )


@bp.app_context_processor
def review_badge():
    """``pending_reviews()`` for the organizer's menu (counted only when it is shown)."""

    def pending_reviews() -> int:
        return service.review_count(current_user)

    return {"pending_reviews": pending_reviews}
