"""A booth's LAN receipt printers and the print queue: adding and changing printers,
queueing a sale's receipt, a refund note or a test page as ESC/POS bytes.

Queueing only writes a row; the sender (pos/printing/sender.py) takes it from there.
A job's bytes are rendered when it is queued, from the same receipt data as the PDF
(pos/receipts/service.py), so what prints is what was asked for, in the booth's
receipt language, with links built from the request's checked base (pos/links.py),
however long the printer stays off.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from pos.auth import permissions
from pos.auth.permissions import Action
from pos.auth.service import audit
from pos.db import utcnow, write_phase
from pos.errors import Invalid, NotFound
from pos.extensions import db
from pos.formats import format_stamp
from pos.organizer.service import get_exhibitor
from pos.printing import escpos
from pos.printing.models import FAILED, PAPERS, WAITING, Printer, PrintJob
from pos.receipts.service import public_base, receipt_data, refund_data
from pos.sales.models import Refund, Sale
from pos.sales.service import get_sale

# A host name as DNS allows it (RFC 1123 labels), or an IPv4/IPv6 address.
HOST_NAME = re.compile(r"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.?)+$")
LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}
EDITABLE = ("name", "host", "port", "paper", "auto_print")


# --- printers ----------------------------------------------------------------------------


def check_host(host: str) -> str:
    """The printer's address as it will be dialled. Raises Invalid (field host) for
    what is not a host name or an IP address, and for this machine itself (loopback)
    unless PRINTER_ALLOW_LOOPBACK: a printer entry is no way to reach the server's own
    services (its database, Redis) from a booth's settings."""
    host = (host or "").strip().strip("[]")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
        # All digits and dots is a mistyped IPv4 address (192.168.1.500), not a name.
        if not HOST_NAME.match(host) or re.fullmatch(r"[0-9.]+", host):
            raise Invalid(
                _("Give the printer's IP address (such as 192.168.1.50) or its host name."),
                field="host",
            ) from None
    allow_loopback = current_app.config.get("PRINTER_ALLOW_LOOPBACK")
    is_loopback = (
        address.is_loopback or address.is_unspecified or address.is_multicast
        if address is not None
        else host.lower().rstrip(".") in LOOPBACK_NAMES
    )
    if is_loopback and not allow_loopback:
        raise Invalid(
            _("That address is this server itself; give the printer's address on the LAN."),
            field="host",
        )
    return host


def _check(changes: dict[str, Any]) -> dict[str, Any]:
    if "name" in changes:
        changes["name"] = " ".join(str(changes["name"]).split())
        if not changes["name"]:
            raise Invalid(_("Give the printer a name."), field="name")
    if "host" in changes:
        changes["host"] = check_host(changes["host"])
    if "port" in changes and not 1 <= int(changes["port"]) <= 65535:
        raise Invalid(_("A port is a number from 1 to 65535 (usually 9100)."), field="port")
    if "paper" in changes and changes["paper"] not in PAPERS:
        raise Invalid(_("Paper is 80mm, 72mm or 58mm."), field="paper")
    return changes


def list_printers(actor, exhibitor_id: int) -> list[Printer]:
    """The booth's printers (not the removed ones), by name. Raises NotFound/Forbidden
    outside the actor's rights; cashiers may read them (the register prints to them)."""
    exhibitor = get_exhibitor(actor, exhibitor_id, Action.VIEW)
    return list(
        db.session.scalars(
            sa.select(Printer)
            .where(Printer.exhibitor_id == exhibitor.id, Printer.active.is_(True))
            .order_by(Printer.name, Printer.id)
        )
    )


def get_printer(actor, printer_id: int, action: Action = Action.VIEW) -> Printer:
    """Raises NotFound for an unknown or removed printer, Forbidden for another booth's."""
    printer = db.session.get(Printer, printer_id)
    if printer is None or not printer.active:
        raise NotFound(_("No such printer."))
    permissions.require(actor, action, printer.exhibitor)
    return printer


def add_printer(actor, exhibitor_id: int, **fields: Any) -> Printer:
    """A new printer of the booth (its manager, an organizer). Raises Forbidden/NotFound,
    Invalid for a bad name, address, port or paper."""
    exhibitor = get_exhibitor(actor, exhibitor_id, Action.MANAGE)
    fields = _check({key: value for key, value in fields.items() if key in EDITABLE})
    printer = Printer(exhibitor_id=exhibitor.id, **fields)
    db.session.add(printer)
    db.session.flush()
    audit(
        "printer_added",
        actor,
        exhibitor_id=exhibitor.id,
        target=printer,
        name=printer.name,
        address=f"{printer.host}:{printer.port}",
    )
    return printer


def update_printer(actor, printer_id: int, changes: dict[str, Any]) -> Printer:
    """Change a printer's name, address, paper or auto-print. Raises as add_printer."""
    printer = get_printer(actor, printer_id, Action.MANAGE)
    changes = _check({key: value for key, value in changes.items() if key in EDITABLE})
    changed = {key: value for key, value in changes.items() if getattr(printer, key) != value}
    for key, value in changed.items():
        setattr(printer, key, value)
    if {"host", "port"} & changed.keys():
        printer.status, printer.last_error = "unknown", ""
    db.session.flush()
    if changed:
        audit(
            "printer_changed",
            actor,
            exhibitor_id=printer.exhibitor_id,
            target=printer,
            **{key: str(value) for key, value in changed.items()},
        )
    return printer


def remove_printer(actor, printer_id: int) -> None:
    """Remove a printer from the booth; its waiting jobs fail (nothing more is sent to
    it). Its old jobs keep pointing at it, so it stays in the table, inactive."""
    printer = get_printer(actor, printer_id, Action.MANAGE)
    printer.active = False
    printer.auto_print = False
    db.session.execute(
        sa.update(PrintJob)
        .where(PrintJob.printer_id == printer.id, PrintJob.status.in_(WAITING))
        .values(status=FAILED, last_error="printer removed")
    )
    db.session.flush()
    audit(
        "printer_removed",
        actor,
        exhibitor_id=printer.exhibitor_id,
        target=printer,
        name=printer.name,
    )


# --- queueing ---------------------------------------------------------------------------


def _printer_for(actor, printer_id: int, exhibitor_id: int) -> Printer:
    printer = get_printer(actor, printer_id, Action.VIEW)
    if printer.exhibitor_id != exhibitor_id:
        raise Invalid(_("That printer is at another booth."), field="printer_id")
    return printer


def _queue(printer: Printer, content: bytes, *, kind: str, actor=None, **ids: Any) -> PrintJob:
    job = PrintJob(
        printer_id=printer.id,
        kind=kind,
        content=content,
        requested_by_id=actor.id if actor is not None else None,
        **ids,
    )
    db.session.add(job)
    db.session.flush()
    return job


def queue_sale_receipt(
    actor, sale_id: int, printer_id: int, *, copy: bool = False, url_root: str
) -> PrintJob:
    """Queue the sale's receipt (marked COPY when ``copy``, VOID when voided) for one of
    its booth's printers. Same rights as the receipt PDF. Raises NotFound, Forbidden,
    Invalid (printer of another booth)."""
    sale = get_sale(actor, sale_id)
    printer = _printer_for(actor, printer_id, sale.exhibitor_id)
    content = escpos.render(receipt_data(sale, url_root=url_root, copy=copy), printer.paper)
    return _queue(printer, content, kind="receipt", actor=actor, sale_id=sale.id, copy=copy)


def queue_refund_note(actor, refund_id: int, printer_id: int, *, url_root: str) -> PrintJob:
    """Queue a refund's note for one of its booth's printers (rights as its PDF)."""
    refund = db.session.get(Refund, refund_id)
    if refund is None:
        raise NotFound(_("No such refund."))
    permissions.require(actor, Action.VIEW, refund.sale.exhibitor)
    printer = _printer_for(actor, printer_id, refund.sale.exhibitor_id)
    content = escpos.render(refund_data(refund, url_root=url_root), printer.paper)
    return _queue(
        printer, content, kind="refund", actor=actor, sale_id=refund.sale_id, refund_id=refund.id
    )


def queue_test_page(actor, printer_id: int, *, url_root: str) -> PrintJob:
    """Queue a test page (the booth's manager, an organizer), in the booth's receipt
    language: the printer's name and address, its paper, a ruler as wide as the paper,
    accented letters and a QR code of the server's address."""
    printer = get_printer(actor, printer_id, Action.MANAGE)
    exhibitor = printer.exhibitor
    with force_locale(exhibitor.receipt_language):
        content = escpos.render_test_page(
            printer.paper,
            title=_("Test page"),
            lines=[
                f"{exhibitor.name} · {_('Booth')} {exhibitor.booth}",
                _("Printer: %(name)s", name=printer.name),
                f"{printer.host}:{printer.port}",
                _(
                    "Paper %(paper)s: %(columns)s characters per line",
                    paper=printer.paper,
                    columns=escpos.PAPER_COLUMNS[printer.paper],
                ),
                format_stamp(utcnow(), exhibitor.event.timezone, exhibitor.receipt_language),
            ],  # fmt: skip
            sample="Café Ñusa · Made Wíjaya · Rp1.250.000",
            qr_url=public_base(url_root) + "/",
        )
    return _queue(printer, content, kind="test", actor=actor)


def queue_auto_print(sale_id: int, url_root: str) -> list[int]:
    """After a sale is committed: its receipt for each of its booth's printers set to
    print after every sale; the new jobs' ids (none: nothing written). No actor: the
    sale's rights were checked when it was recorded. Reads first without SQLite's write
    lock, which it takes only when there is something to write."""
    sale = db.session.get(Sale, sale_id)
    if sale is None:
        return []
    printers = db.session.scalars(
        sa.select(Printer).where(
            Printer.exhibitor_id == sale.exhibitor_id,
            Printer.active.is_(True),
            Printer.auto_print.is_(True),
        )
    ).all()
    if not printers:
        db.session.rollback()
        return []
    data = receipt_data(sale, url_root=url_root)
    contents = [(printer.id, escpos.render(data, printer.paper)) for printer in printers]
    with write_phase(db.session):
        jobs = [
            PrintJob(printer_id=printer_id, kind="receipt", content=content, sale_id=sale_id)
            for printer_id, content in contents
        ]
        db.session.add_all(jobs)
        db.session.flush()
        return [job.id for job in jobs]


# --- reading the queue ---------------------------------------------------------------------


def get_job(actor, job_id: int) -> PrintJob:
    """Raises NotFound for an unknown job, Forbidden for another booth's."""
    job = db.session.get(PrintJob, job_id)
    if job is None:
        raise NotFound(_("No such print job."))
    permissions.require(actor, Action.VIEW, job.printer.exhibitor)
    return job


def jobs_of_sale(actor, sale_id: int) -> list[PrintJob]:
    """The print jobs of a sale's receipt and refund notes, oldest first (auto-print's
    among them): the register shows the last one's state."""
    sale = get_sale(actor, sale_id)
    return list(
        db.session.scalars(
            sa.select(PrintJob).where(PrintJob.sale_id == sale.id).order_by(PrintJob.id)
        )
    )
