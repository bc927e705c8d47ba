"""JSON-side documents: a sale's receipt and a refund's note as PDF."""

from __future__ import annotations

from flask import Blueprint, Response
from flask_babel import gettext as _

from pos import links
from pos.api import endpoint, exhibitor_in_question
from pos.auth import permissions
from pos.auth.permissions import Action
from pos.errors import NotFound
from pos.extensions import db
from pos.receipts import service
from pos.receipts.schemas import LabelQuery, ReceiptOut, ReceiptQuery
from pos.receipts.tags import render_tags
from pos.sales.models import Refund
from pos.sales.service import get_sale


def pdf_response(content: bytes, filename: str) -> Response:
    response = Response(content, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    # The app's own pages print a document in place, in a hidden frame
    # (static/js/register/print.js); no other site may frame it.
    response.headers["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'self'"
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


bp = Blueprint("receipts_api", __name__)


@endpoint(
    bp,
    "/sales/<int:sale_id>/receipt.pdf",
    "GET",
    summary="The receipt as the buyer got it (copy=1 marks a reprint; a void sale is marked void)",
    query=ReceiptQuery,
    content_type="application/pdf",
    errors=(404,),
)
def sale_receipt(user, sale_id: int, query: ReceiptQuery):
    sale = get_sale(user, sale_id)
    content = service.receipt_pdf(
        sale, paper=query.format, copy=query.reprint, url_root=links.public_base()
    )
    return pdf_response(content, f"{sale.receipt_number}.pdf")


@endpoint(
    bp,
    "/sales/<int:sale_id>/receipt.json",
    "GET",
    summary="The receipt's content, for printing it as HTML on a tablet (copy=1 marks a reprint)",
    query=ReceiptQuery,
    response=ReceiptOut,
    errors=(404,),
)
def sale_receipt_content(user, sale_id: int, query: ReceiptQuery):
    sale = get_sale(user, sale_id)
    data = service.receipt_data(sale, url_root=links.public_base(), copy=query.reprint)
    return ReceiptOut.model_validate(service.receipt_json(data)).model_dump()


@endpoint(
    bp,
    "/refunds/<int:refund_id>/receipt.pdf",
    "GET",
    summary="A refund's own document",
    query=ReceiptQuery,
    content_type="application/pdf",
    errors=(404,),
)
def refund_note(user, refund_id: int, query: ReceiptQuery):
    refund = db.session.get(Refund, refund_id)
    if refund is None:
        raise NotFound(_("No such refund."))
    permissions.require(user, Action.VIEW, refund.sale.exhibitor)
    content = service.refund_pdf(refund, paper=query.format, url_root=links.public_base())
    return pdf_response(content, f"{refund.refund_number}.pdf")


@endpoint(
    bp,
    "/products/labels.pdf",
    "GET",
    summary="A4 sheets of price tags with a Code 128 barcode of each SKU, for the products "
    "on sale (include_unsellable=1: the others too)",
    query=LabelQuery,
    content_type="application/pdf",
    errors=(404, 422),
)
def price_tags(user, query: LabelQuery):
    exhibitor_id = exhibitor_in_question(user, query.exhibitor_id)
    exhibitor, tags = service.price_tags(
        user,
        exhibitor_id,
        ids=query.product_ids() if query.ids else None,
        include_unsellable=query.include_unsellable,
    )
    content = render_tags(
        tags,
        currency=exhibitor.event.currency,
        locale=exhibitor.receipt_language,
        sheet=query.sheet,
    )
    return pdf_response(content, f"tags-{exhibitor.booth}.pdf")
