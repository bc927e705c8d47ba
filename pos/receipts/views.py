"""The buyer's receipt without an account: /r/<token>, its PDF and its QR code; and
what the register page needs to print a receipt on the tablet."""

from __future__ import annotations

import io

import segno
from flask import Blueprint, Response, render_template, request
from flask_babel import force_locale
from flask_login import current_user

from pos import links
from pos.formats import format_stamp
from pos.receipts import service
from pos.receipts.api import pdf_response
from pos.sales.models import METHOD_LABELS

bp = Blueprint("receipts", __name__)


def _private(response: Response) -> Response:
    # A receipt is the buyer's: never cached by a shared proxy, never indexed.
    response.headers["Cache-Control"] = "private, max-age=300"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.get("/r/<token>")
def public_receipt(token: str):
    sale = service.sale_by_token(token)
    exhibitor = sale.exhibitor
    with force_locale(exhibitor.receipt_language):
        html = render_template(
            "receipts/public.html",
            sale=sale,
            exhibitor=exhibitor,
            event=exhibitor.event,
            methods=METHOD_LABELS,
            when=format_stamp(
                sale.created_at, exhibitor.event.timezone, exhibitor.receipt_language
            ),
            language=exhibitor.receipt_language,
        )
    return _private(Response(html, mimetype="text/html"))


@bp.get("/r/<token>/receipt.pdf")
def public_receipt_pdf(token: str):
    sale = service.sale_by_token(token)
    paper = service.check_format(request.args.get("format"))
    content = service.receipt_pdf(sale, paper=paper, copy=False, url_root=links.public_base())
    return _private(pdf_response(content, f"{sale.receipt_number}.pdf"))


@bp.get("/r/<token>/qr.svg")
def public_receipt_qr(token: str):
    """The link as a QR code, for the register's screen: the buyer scans it."""
    sale = service.sale_by_token(token)
    buffer = io.BytesIO()
    segno.make_qr(service.public_url(sale, links.public_base()), error="m").save(
        buffer, kind="svg", scale=8, border=4, xmldecl=False, svgns=True, title=sale.receipt_number
    )
    return _private(Response(buffer.getvalue(), mimetype="image/svg+xml"))


@bp.app_template_global()
def register_receipt_context(exhibitor) -> dict:
    """The receipt's header and words for the register page, which prints the receipt of
    a sale made offline on the tablet (static/js/register/print.js). In the template:
    ``data-receipt="{{ register_receipt_context(exhibitor)|tojson|forceescape }}"``."""
    return service.register_receipt_context(
        exhibitor, cashier=current_user.name, url_root=links.public_base()
    )
