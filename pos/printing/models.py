"""A booth's network receipt printers and the jobs queued for them."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pos.db import Model, UTCDateTime, check_in, utcnow
from pos.organizer.models import Exhibitor

PAPERS = ("80mm", "72mm", "58mm")
# A printer's state as the sender last found it.
PRINTER_STATES = ("unknown", "ready", "unreachable", "out_of_paper")
# A job's life: queued → printing → printed; a failed attempt → retrying (and again
# printing); given up (the printer removed, or unreachable for PRINT_GIVE_UP_AFTER) →
# failed.
QUEUED, PRINTING, PRINTED, RETRYING, FAILED = "queued", "printing", "printed", "retrying", "failed"
JOB_STATES = (QUEUED, PRINTING, PRINTED, RETRYING, FAILED)
WAITING = (QUEUED, RETRYING)
JOB_KINDS = ("receipt", "refund", "test")


class Printer(Model):
    """An ESC/POS printer on the venue LAN (raw TCP, port 9100 by default)."""

    __tablename__ = "printer"
    __table_args__ = (
        sa.CheckConstraint(check_in("paper", PAPERS), name="paper"),
        sa.CheckConstraint(check_in("status", PRINTER_STATES), name="status"),
        sa.CheckConstraint("port BETWEEN 1 AND 65535", name="port"),
        sa.Index("ix_printer_exhibitor_active", "exhibitor_id", "active"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    exhibitor_id: Mapped[int] = mapped_column(sa.ForeignKey("exhibitor.id"))
    name: Mapped[str] = mapped_column(sa.String(80))
    host: Mapped[str] = mapped_column(sa.String(253))
    port: Mapped[int] = mapped_column(default=9100)
    paper: Mapped[str] = mapped_column(sa.String(8), default="80mm")
    auto_print: Mapped[bool] = mapped_column(default=False)
    # A removed printer stays as the target of its old jobs; it is listed no more.
    active: Mapped[bool] = mapped_column(default=True)
    status: Mapped[str] = mapped_column(sa.String(16), default="unknown")
    last_error: Mapped[str] = mapped_column(sa.String(300), default="")
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    exhibitor: Mapped[Exhibitor] = relationship()


class PrintJob(Model):
    """One document for one printer, with the ESC/POS bytes rendered when it was asked
    for: a reprint says COPY with the time it was asked for, however long the printer
    was off, and the sender needs neither the request's links nor the receipt language."""

    __tablename__ = "print_job"
    __table_args__ = (
        sa.CheckConstraint(check_in("status", JOB_STATES), name="status"),
        sa.CheckConstraint(check_in("kind", JOB_KINDS), name="kind"),
        sa.CheckConstraint("attempts >= 0", name="attempts"),
        # The sender's question: which jobs are due? (few rows are ever waiting)
        sa.Index("ix_print_job_status_due", "status", "next_attempt_at"),
        sa.Index("ix_print_job_sale_id", "sale_id"),
        sa.Index("ix_print_job_printer_id", "printer_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    printer_id: Mapped[int] = mapped_column(sa.ForeignKey("printer.id"))
    sale_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sale.id"), nullable=True)
    refund_id: Mapped[int | None] = mapped_column(sa.ForeignKey("refund.id"), nullable=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    copy: Mapped[bool] = mapped_column(default=False)
    content: Mapped[bytes] = mapped_column(sa.LargeBinary)
    status: Mapped[str] = mapped_column(sa.String(16), default=QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(sa.String(300), default="")
    requested_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When a sender took it (status printing): a claim older than the send timeout is
    # a sender that died, and the job is due again.
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    printed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    printer: Mapped[Printer] = relationship()
