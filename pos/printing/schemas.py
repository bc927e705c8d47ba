"""JSON shapes of printers and print jobs."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from pos.api import InputSchema, QuerySchema
from pos.printing.models import Printer, PrintJob
from pos.schemas import Id, Whole

Paper = Literal["80mm", "72mm", "58mm"]
PrinterName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
Host = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=253),
    Field(description="The printer's IP address on the LAN (e.g. 192.168.1.50) or host name"),
]
Port = Annotated[
    int, Field(ge=1, le=65535, description="Raw TCP port, 9100 on most printers"), Whole
]


class PrinterIn(InputSchema):
    exhibitor_id: Id
    name: PrinterName
    host: Host
    port: Port = 9100
    paper: Paper = Field(
        "80mm", description="Paper width: 80mm (48 characters a line), 72mm (42), 58mm (32)"
    )
    auto_print: bool = Field(False, description="Print every sale's receipt as it is recorded")


class PrinterPatch(InputSchema):
    name: PrinterName | None = None
    host: Host | None = None
    port: Port | None = None
    paper: Paper | None = None
    auto_print: bool | None = None


class PrinterQuery(QuerySchema):
    exhibitor_id: Id | None = None


class PrinterOut(BaseModel):
    id: int
    exhibitor_id: int
    name: str
    host: str
    port: int
    paper: Paper
    auto_print: bool
    status: Literal["unknown", "ready", "unreachable", "out_of_paper"] = Field(
        description="As the sender last found it: unknown until the first job"
    )
    last_error: str
    last_seen_at: str | None = Field(description="ISO 8601 UTC of the last job it took")

    @classmethod
    def from_model(cls, printer: Printer) -> PrinterOut:
        return cls(
            id=printer.id,
            exhibitor_id=printer.exhibitor_id,
            name=printer.name,
            host=printer.host,
            port=printer.port,
            paper=printer.paper,
            auto_print=printer.auto_print,
            status=printer.status,
            last_error=printer.last_error,
            last_seen_at=printer.last_seen_at.isoformat(timespec="seconds")
            if printer.last_seen_at
            else None,
        )


class PrinterList(BaseModel):
    items: list[PrinterOut]


class PrintIn(InputSchema):
    printer_id: Id
    copy_: bool = Field(False, alias="copy", description="Mark the receipt as a reprint (COPY)")


class RefundPrintIn(InputSchema):
    printer_id: Id


class JobQuery(QuerySchema):
    sale_id: Id


class PrintJobOut(BaseModel):
    """A print job's state: queued → printing → printed; while the printer cannot take
    it, retrying (with ``error`` saying why) until it can; failed when given up (the
    printer was removed, or stayed unreachable for PRINT_GIVE_UP_HOURS)."""

    id: int
    job_id: int = Field(description="The same as id")
    status: Literal["queued", "printing", "printed", "retrying", "failed"]
    attempts: int
    error: str = Field(description="Why the last attempt failed, or ''")
    printer_id: int
    kind: Literal["receipt", "refund", "test"]
    sale_id: int | None
    refund_id: int | None
    copy_: bool = Field(alias="copy", description="A reprint, marked COPY")
    created_at: str
    printed_at: str | None

    @classmethod
    def from_model(cls, job: PrintJob) -> PrintJobOut:
        return cls.model_validate(
            {
                "id": job.id,
                "job_id": job.id,
                "status": job.status,
                "attempts": job.attempts,
                "error": job.last_error,
                "printer_id": job.printer_id,
                "kind": job.kind,
                "sale_id": job.sale_id,
                "refund_id": job.refund_id,
                "copy": job.copy,
                "created_at": job.created_at.isoformat(timespec="seconds"),
                "printed_at": job.printed_at.isoformat(timespec="seconds")
                if job.printed_at
                else None,
            }
        )

    def answer(self) -> dict:
        return self.model_dump(by_alias=True)


class PrintJobList(BaseModel):
    items: list[PrintJobOut]
