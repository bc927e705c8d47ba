"""JSON side of LAN printing: a booth's printers, print requests (202: queued), and the
state of a print job."""

from __future__ import annotations

from flask import Blueprint

from pos import links
from pos.api import endpoint, exhibitor_in_question
from pos.extensions import db
from pos.printing import sender, service
from pos.printing.schemas import (
    JobQuery,
    PrinterIn,
    PrinterList,
    PrinterOut,
    PrinterPatch,
    PrinterQuery,
    PrintIn,
    PrintJobList,
    PrintJobOut,
    RefundPrintIn,
)

bp = Blueprint("printing_api", __name__)


def queued(job) -> tuple[dict, int]:
    """After the commit: the sender of this process takes the job at once."""
    sender.wake()
    return PrintJobOut.from_model(job).answer(), 202


@endpoint(
    bp,
    "/printers",
    "GET",
    summary="The booth's network receipt printers with their state (cashiers too)",
    query=PrinterQuery,
    response=PrinterList,
    errors=(404,),
)
def list_printers(user, query: PrinterQuery):
    exhibitor_id = exhibitor_in_question(user, query.exhibitor_id)
    printers = service.list_printers(user, exhibitor_id)
    return PrinterList(items=[PrinterOut.from_model(p) for p in printers]).model_dump()


@endpoint(
    bp,
    "/printers",
    "POST",
    summary="Add a network ESC/POS printer to a booth (its manager, an organizer)",
    body=PrinterIn,
    response=PrinterOut,
    status=201,
    errors=(404,),
)
def add_printer(user, body: PrinterIn):
    printer = service.add_printer(user, **body.model_dump())
    db.session.commit()
    return PrinterOut.from_model(printer).model_dump(), 201


@endpoint(
    bp,
    "/printers/<int:printer_id>",
    "PATCH",
    summary="Change a printer's name, address, paper or auto-print",
    body=PrinterPatch,
    response=PrinterOut,
)
def update_printer(user, printer_id: int, body: PrinterPatch):
    printer = service.update_printer(user, printer_id, body.model_dump(exclude_none=True))
    db.session.commit()
    return PrinterOut.from_model(printer).model_dump()


@endpoint(
    bp,
    "/printers/<int:printer_id>",
    "DELETE",
    summary="Remove a printer (its waiting jobs fail)",
    status=204,
)
def remove_printer(user, printer_id: int):
    service.remove_printer(user, printer_id)
    db.session.commit()
    return "", 204


@endpoint(
    bp,
    "/printers/<int:printer_id>/test",
    "POST",
    summary="Print a test page (202: queued)",
    response=PrintJobOut,
    status=202,
)
def print_test_page(user, printer_id: int):
    job = service.queue_test_page(user, printer_id, url_root=links.public_base())
    db.session.commit()
    return queued(job)


@endpoint(
    bp,
    "/sales/<int:sale_id>/print",
    "POST",
    summary="Print the sale's receipt on a booth printer (copy: a reprint; 202: queued)",
    body=PrintIn,
    response=PrintJobOut,
    status=202,
)
def print_receipt(user, sale_id: int, body: PrintIn):
    job = service.queue_sale_receipt(
        user, sale_id, body.printer_id, copy=body.copy_, url_root=links.public_base()
    )
    db.session.commit()
    return queued(job)


@endpoint(
    bp,
    "/refunds/<int:refund_id>/print",
    "POST",
    summary="Print a refund's note on a booth printer (202: queued)",
    body=RefundPrintIn,
    response=PrintJobOut,
    status=202,
)
def print_refund_note(user, refund_id: int, body: RefundPrintIn):
    job = service.queue_refund_note(user, refund_id, body.printer_id, url_root=links.public_base())
    db.session.commit()
    return queued(job)


@endpoint(
    bp,
    "/print-jobs/<int:job_id>",
    "GET",
    summary="A print job's state: queued, printing, printed, retrying (with the error) or failed",
    response=PrintJobOut,
)
def get_job(user, job_id: int):
    return PrintJobOut.from_model(service.get_job(user, job_id)).answer()


@endpoint(
    bp,
    "/print-jobs",
    "GET",
    summary="The print jobs of a sale (auto-printed ones among them), oldest first",
    query=JobQuery,
    response=PrintJobList,
    errors=(404,),
)
def jobs_of_sale(user, query: JobQuery):
    jobs = service.jobs_of_sale(user, query.sale_id)
    return {"items": [PrintJobOut.from_model(job).answer() for job in jobs]}
