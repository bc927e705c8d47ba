"""Receipts and refund notes as documents: what they show (in the exhibitor's receipt
language), where the originals are kept, and the buyer's public link.

The original of each document is rendered once and kept under POS_RECEIPTS_DIR
(``exhibitors/<exhibitor id>/sale-<sale id>.pdf`` for the 80 mm roll, ``-58mm``/``-a4``
beside it, ``refund-<refund id>.pdf`` for a refund note) so a reprint is what the buyer
got; a reprint adds the COPY mark and the time of printing, a void the VOID mark. Files
kept by an older version as ``<event id>/<booth>/<number>.pdf`` are never read: a booth
code given to another exhibitor made those names ambiguous, so each such document is
drawn again from its sale the first time it is asked for (docs/SECURITY.md).
Files are written aside and renamed into place, so two first requests at once never
leave a torn file.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from pos.auth.permissions import Action
from pos.db import utcnow
from pos.errors import Invalid, NotFound
from pos.extensions import db
from pos.formats import format_stamp, zone_name
from pos.inventory.service import list_products
from pos.organizer.models import Exhibitor
from pos.organizer.service import get_exhibitor
from pos.receipts import pdf
from pos.receipts.tags import Tag
from pos.sales.models import METHOD_LABELS, VOIDED, Refund, Sale
from pos.storage import write_atomically

FORMAT_SUFFIX = {"80mm": "", "58mm": "-58mm", "a4": "-a4"}


def check_format(paper: str | None) -> str:
    paper = paper or "80mm"
    if paper not in pdf.FORMATS:
        raise Invalid(_("Receipts print as 80mm, 58mm or a4."), field="format")
    return paper


def labels() -> dict[str, str]:
    """The words printed on documents, in the current (forced) locale."""
    return {
        "receipt": _("Receipt"),
        "invoice": _("Invoice"),
        "refund_note": _("Refund note"),
        "booth": _("Booth"),
        "number": _("No."),
        "offline_number": _("Offline no."),
        "date": _("Date"),
        "cashier": _("Cashier"),
        "discount": _("Discount"),
        "subtotal": _("Subtotal"),
        "line_discounts": _("Item discounts"),
        "order_discount": _("Sale discount"),
        "total": _("TOTAL"),
        "refund_total": _("REFUNDED"),
        "dpp": _("Taxable base (DPP)"),
        "ppn": _("PPN"),
        "reference": _("Ref."),
        "change": _("Change"),
        "buyer": _("Buyer"),
        "scan": _("Scan for your digital receipt"),
        "item": _("Item"),
        "qty": _("Qty"),
        "price": _("Price"),
        "amount": _("Amount"),
        "copy": _("COPY"),
        "void": _("VOID"),
        "printed": _("printed"),
    }


def public_base(url_root: str) -> str:
    """Where buyers' links point: the configured PUBLIC_URL, else ``url_root``, which the
    caller takes from :func:`pos.links.public_base` (never from the request's Host)."""
    return (current_app.config.get("PUBLIC_URL") or url_root).rstrip("/")


def public_url(sale: Sale, url_root: str) -> str:
    return public_base(url_root) + f"/r/{sale.public_token}"


def receipt_data(sale: Sale, *, url_root: str, copy: bool = False) -> pdf.ReceiptData:
    exhibitor = sale.exhibitor
    event = exhibitor.event
    language = exhibitor.receipt_language
    with force_locale(language):
        words = labels()
        marks = []
        if sale.status == VOIDED:
            marks.append(words["void"])
        if copy:
            printed = format_stamp(utcnow(), event.timezone, language)
            marks.append(f"{words['copy']} · {words['printed']} {printed}")
        method_names = {slug: str(label) for slug, label in METHOD_LABELS.items()}
    return pdf.ReceiptData(
        locale=language,
        currency=event.currency,
        event_name=event.name,
        exhibitor_name=exhibitor.name,
        booth=exhibitor.booth,
        region=exhibitor.region,
        address=exhibitor.address if exhibitor.tax_registered else "",
        npwp=exhibitor.npwp if exhibitor.tax_registered else "",
        number=sale.receipt_number,
        when=format_stamp(sale.created_at, event.timezone, language),
        cashier=sale.cashier.name,
        lines=[
            pdf.DocLine(
                name=line.name,
                sku=line.sku,
                quantity=line.quantity,
                unit_price=line.unit_price,
                discount=line.discount,
                total=line.total,
            )
            for line in sale.lines
        ],
        subtotal=sale.subtotal,
        line_discount_total=sale.line_discount_total,
        order_discount=sale.order_discount,
        total=sale.total,
        tax_total=sale.tax_total,
        tax_rate_percent=sale.tax_rate_percent,
        tax_lines=bool(sale.tax_rate_percent),
        payments=[
            pdf.DocPayment(method_names[p.method], p.amount, p.reference) for p in sale.payments
        ],
        change=sale.change,
        buyer_name=sale.buyer_name,
        footer=event.receipt_footer,
        qr_url=public_url(sale, url_root),
        offline_number=sale.offline_number or "",
        labels=words,
        marks=marks,
    )


def receipt_json(data: pdf.ReceiptData) -> dict[str, Any]:
    """A receipt's content as JSON, for printing it as HTML on the tablet (print.js):
    the same fields the PDF is drawn from, money as integers."""
    return dataclasses.asdict(data)


def register_receipt_context(
    exhibitor: Exhibitor, *, cashier: str, url_root: str
) -> dict[str, Any]:
    """What the register needs to print a receipt of a sale made offline, before the
    server has seen it (static/js/register/print.js ``offlineReceipt``): the header, the
    footer, the tax rate, and every printed word in the exhibitor's receipt language."""
    event = exhibitor.event
    language = exhibitor.receipt_language
    with force_locale(language):
        words = labels()
        methods = {slug: str(label) for slug, label in METHOD_LABELS.items()}
    return {
        "locale": language,
        "currency": event.currency,
        "timezone": event.timezone,
        # The zone as Indonesians name it (WITA), as format_stamp prints it.
        "zone_name": zone_name(utcnow(), event.timezone),
        "event_name": event.name,
        "exhibitor_name": exhibitor.name,
        "booth": exhibitor.booth,
        "region": exhibitor.region,
        "address": exhibitor.address if exhibitor.tax_registered else "",
        "npwp": exhibitor.npwp if exhibitor.tax_registered else "",
        "tax_rate_percent": exhibitor.tax_rate_percent if exhibitor.tax_registered else 0,
        "footer": event.receipt_footer,
        "cashier": cashier,
        "public_base": public_base(url_root),
        "labels": words,
        "methods": methods,
    }


def refund_data(refund: Refund, *, url_root: str) -> pdf.ReceiptData:
    sale = refund.sale
    exhibitor = sale.exhibitor
    event = exhibitor.event
    language = exhibitor.receipt_language
    lines = {line.id: line for line in sale.lines}
    with force_locale(language):
        words = labels() | {"total": _("REFUNDED")}
        method = str(METHOD_LABELS[refund.method])
        reference = _(
            "For sale %(number)s of %(when)s. Reason: %(reason)s",
            number=sale.receipt_number,
            when=format_stamp(sale.created_at, event.timezone, language),
            reason=refund.reason,
        )
        title = _("Refund note")
    return pdf.ReceiptData(
        locale=language,
        currency=event.currency,
        event_name=event.name,
        exhibitor_name=exhibitor.name,
        booth=exhibitor.booth,
        region=exhibitor.region,
        npwp=exhibitor.npwp if exhibitor.tax_registered else "",
        number=refund.refund_number,
        when=format_stamp(refund.created_at, event.timezone, language),
        cashier=refund.user.name,
        lines=[
            pdf.DocLine(
                name=lines[rl.sale_line_id].name,
                sku=lines[rl.sale_line_id].sku,
                quantity=rl.quantity,
                unit_price=lines[rl.sale_line_id].unit_price,
                # What the buyer got off these units (their share of the discounts), so
                # the note's line reads price × quantity − discount = amount refunded.
                discount=lines[rl.sale_line_id].unit_price * rl.quantity - rl.amount,
                total=rl.amount,
            )
            for rl in refund.lines
        ],
        total=refund.amount,
        tax_total=refund.tax,
        tax_rate_percent=sale.tax_rate_percent,
        tax_lines=bool(sale.tax_rate_percent),
        payments=[pdf.DocPayment(method, refund.amount)],
        title=title,
        reference_line=reference,
        labels=words,
        footer=event.receipt_footer,
        qr_url=public_url(sale, url_root),
    )


# --- the archive -----------------------------------------------------------------------


ARCHIVE_FOLDER = "exhibitors"


def archive_path(exhibitor_id: int, kind: str, document_id: int, paper: str) -> Path:
    """Where the original of a document is kept: by the ids of its exhibitor and of the
    sale or refund (``kind``), which never change and are never given twice. Booth codes
    and receipt numbers are neither: a booth renamed and its code given to another
    exhibitor starts that exhibitor's numbers again at 1."""
    name = f"{kind}-{int(document_id)}{FORMAT_SUFFIX[paper]}.pdf"
    return Path(current_app.config["RECEIPTS_DIR"]) / ARCHIVE_FOLDER / str(int(exhibitor_id)) / name


def kept_or_rendered(path: Path, render) -> bytes:
    """The kept original at ``path``, or a fresh render that becomes the original."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        content = render()
        write_atomically(path, content)
        return content


def receipt_pdf(sale: Sale, *, paper: str, copy: bool, url_root: str) -> bytes:
    """The sale's receipt: the kept original, or with a COPY or VOID mark on top of the
    same content. Call after the sale is committed."""
    paper = check_format(paper)
    if copy or sale.status == VOIDED:
        return pdf.render(receipt_data(sale, url_root=url_root, copy=copy), paper)
    path = archive_path(sale.exhibitor_id, "sale", sale.id, paper)
    return kept_or_rendered(path, lambda: pdf.render(receipt_data(sale, url_root=url_root), paper))


def refund_pdf(refund: Refund, *, paper: str, url_root: str) -> bytes:
    paper = check_format(paper)
    path = archive_path(refund.sale.exhibitor_id, "refund", refund.id, paper)
    return kept_or_rendered(path, lambda: pdf.render(refund_data(refund, url_root=url_root), paper))


def sale_by_token(token: str) -> Sale:
    """The sale behind a buyer's link. Raises NotFound (the same for any wrong token)."""
    sale = db.session.scalar(sa.select(Sale).where(Sale.public_token == token)) if token else None
    if sale is None:
        raise NotFound(_("This receipt link is not valid."))
    return sale


# --- price tags --------------------------------------------------------------------------


def price_tags(
    actor, exhibitor_id: int, *, ids: set[int] | None = None, include_unsellable: bool = False
) -> tuple[Exhibitor, list[Tag]]:
    """The booth's price tags: of the products on sale (approved, active, in stock), or
    with ``include_unsellable`` of every active product; ``ids`` narrows them down.

    Raises Forbidden unless the actor manages the booth, NotFound when ``ids`` names a
    product that is not the booth's, Invalid (nothing_to_print) when no product is left.
    """
    exhibitor = get_exhibitor(actor, exhibitor_id, Action.MANAGE)
    products = list_products(actor, exhibitor_id=exhibitor.id)
    if ids is not None:
        products = [p for p in products if p.id in ids]
        if len(products) != len(ids):
            raise NotFound(_("Some of those products are not at this booth."))
    if not include_unsellable:
        products = [p for p in products if p.sellable and p.stock > 0]
    if not products:
        raise Invalid(
            _("None of these products is on sale (sold out or not approved); "
              "include_unsellable=1 prints their tags anyway."),
            code="nothing_to_print",
        )  # fmt: skip
    return exhibitor, [tag_for(product) for product in products]


def tag_for(product) -> Tag:
    """A product's tag; a one-of-a-kind painting gets the large one with its artist,
    medium, year and size."""
    attributes = product.attributes or {}
    details = []
    if product.category == "painting":
        details = [
            attributes.get("artist", ""),
            ", ".join(str(v) for v in (attributes.get("medium"), attributes.get("year")) if v),
        ]
        if attributes.get("width_cm") and attributes.get("height_cm"):
            details.append(f"{attributes['width_cm']} × {attributes['height_cm']} cm")
    return Tag(
        name=product.name,
        sku=product.sku,
        price=product.price,
        exhibitor=product.exhibitor.name,
        large=product.one_of_a_kind and product.category == "painting",
        details=[d for d in details if d],
    )
