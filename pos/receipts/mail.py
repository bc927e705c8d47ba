"""Emailing a buyer their receipt PDF when SMTP is configured (POS_SMTP_HOST ...).

Sending can block on a slow mail server, so it never happens in the request: the
request hands the sale to a small pool of background threads in its own process,
which render the kept receipt and send it. A failure is logged, never shown to the
cashier, and the buyer still has the QR code and the link.
"""

from __future__ import annotations

import smtplib
from concurrent.futures import Future, ThreadPoolExecutor
from email.message import EmailMessage
from typing import Any

from flask import Flask, current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from pos.extensions import db

_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="pos-mail")


def register_mail(app: Flask) -> None:
    """Email each new sale's receipt to its buyer, when SMTP is configured."""
    from pos.sales.signals import sale_recorded

    sale_recorded.connect(_on_sale_recorded, sender=app, weak=False)


def _on_sale_recorded(
    app: Flask, *, sale_id: int, buyer_email: str | None, url_root: str, **_details: object
) -> None:
    if buyer_email:
        queue_receipt_email(sale_id, buyer_email, url_root)


def smtp_configured(app: Flask) -> bool:
    return bool(app.config.get("SMTP_HOST"))


def queue_receipt_email(sale_id: int, address: str, url_root: str) -> Future | None:
    """Send the receipt of ``sale_id`` to ``address`` in the background; None when SMTP
    is not configured or there is no address."""
    app = current_app._get_current_object()
    if not smtp_configured(app) or not address:
        return None
    return _pool.submit(_send, app, sale_id, address, url_root)


def _send(app: Flask, sale_id: int, address: str, url_root: str) -> None:
    from pos.receipts.service import receipt_pdf
    from pos.sales.models import Sale

    with app.app_context():
        try:
            sale = db.session.get(Sale, sale_id)
            content = receipt_pdf(sale, paper="a4", copy=False, url_root=url_root)
            exhibitor = sale.exhibitor
            with force_locale(exhibitor.receipt_language):
                subject = _(
                    "Your receipt %(number)s from %(name)s",
                    number=sale.receipt_number,
                    name=exhibitor.name,
                )
                body = _(
                    "Thank you for your purchase at %(event)s. Your receipt is attached.",
                    event=exhibitor.event.name,
                )
            message = EmailMessage()
            message["Subject"] = subject
            message["From"] = app.config.get("SMTP_FROM") or f"pos@{app.config['SMTP_HOST']}"
            message["To"] = address
            message.set_content(body)
            message.add_attachment(
                content,
                maintype="application",
                subtype="pdf",
                filename=f"{sale.receipt_number}.pdf",
            )
            _deliver(app.config, message)
            app.logger.info("receipt %s emailed", sale.receipt_number)
        except Exception:
            app.logger.exception("could not email the receipt of sale %s", sale_id)
        finally:
            db.session.remove()


def _deliver(config: dict[str, Any], message: EmailMessage) -> None:
    host, port = config["SMTP_HOST"], int(config.get("SMTP_PORT") or 25)
    with smtplib.SMTP(host, port, timeout=20) as smtp:
        if str(config.get("SMTP_TLS", "")).lower() in ("1", "true", "yes"):
            smtp.starttls()
        if config.get("SMTP_USER"):
            smtp.login(config["SMTP_USER"], config.get("SMTP_PASSWORD") or "")
        smtp.send_message(message)
