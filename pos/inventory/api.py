"""JSON catalogue and stock: /api/v1/products..."""

from __future__ import annotations

import json

from flask import Blueprint, Response, request
from flask_babel import gettext as _

from pos.api import endpoint, exhibitor_in_question
from pos.auth.permissions import Action
from pos.errors import BadRequest
from pos.extensions import db
from pos.inventory import service
from pos.inventory.schemas import (
    CatalogueQuery,
    ImportResult,
    MovementList,
    MovementOut,
    ProductIn,
    ProductList,
    ProductOut,
    ProductPatch,
    ProductQuery,
    RegisterCatalogue,
    ReviewIn,
    StockAdjustmentIn,
)
from pos.inventory.spreadsheets import XLSX_TYPE, catalogue_csv, template_csv, template_xlsx
from pos.organizer.service import get_exhibitor

bp = Blueprint("inventory_api", __name__)


@endpoint(
    bp,
    "/products",
    "GET",
    summary="Products of an exhibitor, searchable",
    query=ProductQuery,
    response=ProductList,
    errors=(404,),
)
def list_products(user, query: ProductQuery):
    products = service.list_products(
        user,
        exhibitor_id=query.exhibitor_id,
        q=query.q,
        category=query.category,
        include_inactive=query.include_inactive,
        review_status=query.review_status,
        low_or_sold_out=query.low_or_sold_out,
    )
    return ProductList(items=[ProductOut.from_model(p) for p in products]).model_dump()


@endpoint(
    bp,
    "/register/catalogue",
    "GET",
    summary="The booth's sellable products with only what the register draws; "
    "304 while the If-None-Match version is current",
    query=CatalogueQuery,
    response=RegisterCatalogue,
    conditional=True,
    errors=(404,),
)
def register_catalogue(user, query: CatalogueQuery):
    # The register asks every 20 seconds: an unchanged catalogue costs one narrow query
    # and an empty answer.
    exhibitor_id = exhibitor_in_question(user, query.exhibitor_id)
    if request.if_none_match:
        version = service.register_catalogue_version(user, exhibitor_id)
        if request.if_none_match.contains_weak(version):
            response = Response(status=304)
            response.set_etag(version, weak=True)
            return response
    version, items = service.register_catalogue(user, exhibitor_id)
    body = json.dumps({"items": items}, ensure_ascii=False, separators=(",", ":"))
    response = Response(body, mimetype="application/json")
    # Weak: the same catalogue compressed or not is the same version.
    response.set_etag(version, weak=True)
    return response


@endpoint(
    bp,
    "/products",
    "POST",
    summary="Add a product",
    body=ProductIn,
    response=ProductOut,
    status=201,
    errors=(404, 409),
)
def create_product(user, body: ProductIn):
    product = service.create_product(user, **body.model_dump(exclude_none=True))
    db.session.commit()
    return ProductOut.from_model(product).model_dump(), 201


@endpoint(
    bp,
    "/products/<int:product_id>",
    "GET",
    summary="One product",
    response=ProductOut,
    errors=(404,),
)
def get_product(user, product_id: int):
    return ProductOut.from_model(service.get_product(user, product_id)).model_dump()


@endpoint(
    bp,
    "/products/<int:product_id>",
    "PATCH",
    summary="Change a product",
    body=ProductPatch,
    response=ProductOut,
    errors=(404, 409),
)
def update_product(user, product_id: int, body: ProductPatch):
    product = service.get_product(user, product_id)
    service.update_product(user, product, body.model_dump(exclude_unset=True))
    db.session.commit()
    return ProductOut.from_model(product).model_dump()


@endpoint(
    bp,
    "/products/<int:product_id>/review",
    "POST",
    summary="The organizer approves or rejects a product (a rejection needs a note)",
    body=ReviewIn,
    response=ProductOut,
    errors=(403, 404),
)
def review_product(user, product_id: int, body: ReviewIn):
    product = service.get_product(user, product_id)
    service.review_product(user, product, body.decision, body.note)
    db.session.commit()
    return ProductOut.from_model(product).model_dump()


@endpoint(
    bp,
    "/products/<int:product_id>/photo",
    "PUT",
    summary="Give the product a photo (multipart 'file': JPEG, PNG or WebP)",
    response=ProductOut,
    errors=(400, 404, 413, 422),
    upload="file",
)
def put_photo(user, product_id: int):
    product = service.get_product(user, product_id)
    upload = request.files.get("file")
    if upload is None:
        raise BadRequest(_("Send the photo as the multipart field 'file'."), code="file_missing")
    service.set_photo(user, product, upload.read())
    db.session.commit()
    return ProductOut.from_model(product).model_dump()


@endpoint(
    bp,
    "/products/<int:product_id>/photo",
    "DELETE",
    summary="Take the product's photo away",
    response=ProductOut,
    errors=(404,),
)
def delete_photo(user, product_id: int):
    product = service.get_product(user, product_id)
    service.set_photo(user, product, None)
    db.session.commit()
    return ProductOut.from_model(product).model_dump()


@endpoint(
    bp,
    "/products/<int:product_id>/stock-adjustments",
    "POST",
    summary="Count stock in or out, with a reason",
    body=StockAdjustmentIn,
    response=MovementOut,
    status=201,
    errors=(404, 409),
)
def adjust_stock(user, product_id: int, body: StockAdjustmentIn):
    product = service.get_product(user, product_id)
    movement = service.adjust_stock(user, product, body.delta, body.reason)
    db.session.commit()
    return MovementOut.from_model(movement, product.exhibitor.event.timezone).model_dump(), 201


@endpoint(
    bp,
    "/products/<int:product_id>/movements",
    "GET",
    summary="The product's stock ledger",
    response=MovementList,
    errors=(404,),
)
def movements(user, product_id: int):
    product = service.get_product(user, product_id)
    timezone = product.exhibitor.event.timezone
    items = [MovementOut.from_model(m, timezone) for m in service.movements(user, product)]
    return MovementList(items=items).model_dump()


@endpoint(
    bp,
    "/products/import",
    "POST",
    summary="Create or update products from a CSV or XLSX file (multipart 'file'); all or nothing",
    query=CatalogueQuery,
    response=ImportResult,
    errors=(400, 404, 413, 422),
    upload="file",
)
def import_products(user, query: CatalogueQuery):
    upload = request.files.get("file")
    if upload is None:
        raise BadRequest(_("Send the CSV file as the multipart field 'file'."), code="file_missing")
    result = service.import_catalogue(
        user, exhibitor_in_question(user, query.exhibitor_id), upload.read()
    )
    if result["errors"]:
        db.session.rollback()
        return {
            "error": "import_invalid",
            "message": _(
                "Nothing was imported: %(n)d problem(s) in the file.", n=len(result["errors"])
            ),
            **result,
        }, 422
    db.session.commit()
    return result


@endpoint(
    bp,
    "/products/export.csv",
    "GET",
    summary="The booth's catalogue as CSV, in the columns the import takes",
    query=CatalogueQuery,
    content_type="text/csv",
    errors=(404,),
)
def export_products(user, query: CatalogueQuery):
    exhibitor_id = exhibitor_in_question(user, query.exhibitor_id)
    exhibitor = get_exhibitor(user, exhibitor_id, Action.MANAGE)
    products = service.list_products(user, exhibitor_id=exhibitor.id, include_inactive=True)
    response = Response(catalogue_csv(products), mimetype="text/csv")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="catalogue-{exhibitor.booth}.csv"'
    )
    return response


@endpoint(
    bp,
    "/products/template.csv",
    "GET",
    summary="An empty catalogue to fill in: the header row of every column the import takes",
    content_type="text/csv",
)
def template_as_csv(user):
    response = Response(template_csv(), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="catalogue-template.csv"'
    return response


@endpoint(
    bp,
    "/products/template.xlsx",
    "GET",
    summary="The same template as an Excel workbook, with a sheet explaining each column",
    content_type=XLSX_TYPE,
)
def template_as_xlsx(user):
    response = Response(template_xlsx(), mimetype=XLSX_TYPE)
    response.headers["Content-Disposition"] = 'attachment; filename="catalogue-template.xlsx"'
    return response
