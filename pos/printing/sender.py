"""The print queue's sender: takes due jobs and sends their bytes to the printers over
raw TCP (port 9100), retrying with backoff while a printer is off, unreachable or out
of paper.

One sender thread runs in each server process (each gunicorn worker, or waitress's one
process), started by pos/wsgi.py. Every sender may see the same due job; each job is
printed once because a sender must first *claim* it with one conditional UPDATE
(``... SET status='printing' WHERE id=:id AND status IN ('queued','retrying') AND
next_attempt_at <= :now``) and commit: the database lets exactly one of them change
the row (SQLite: one writer at a time; PostgreSQL: the second UPDATE waits for the
first's row lock, then finds the row no longer matches). Only the claimer connects
to the printer. A claim older than the send timeout is a sender that died mid-job;
the job is due again (the one case where a receipt may print twice: the printer took
the bytes and the process died before it wrote so).

A job queued in this process wakes its sender at once (``wake``); jobs queued in the
other workers are found by polling (PRINT_POLL_SECONDS, a one-row indexed query).
"""

from __future__ import annotations

import logging
import socket
import sys
import threading
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import Flask

from pos.db import utcnow, write_intent
from pos.extensions import db
from pos.printing.models import FAILED, PRINTED, PRINTING, RETRYING, WAITING, Printer, PrintJob

log = logging.getLogger("pos.printing")

# DLE EOT 4: "transmit roll paper sensor status"; the printer answers one byte.
PAPER_STATUS = b"\x10\x04\x04"
PAPER_END = 0x60  # bits 5 and 6: the roll is out


class PrinterUnavailable(Exception):
    """The printer could not take the job now; ``state`` is the printer's status."""

    def __init__(self, message: str, state: str = "unreachable") -> None:
        super().__init__(message)
        self.state = state


@dataclass(frozen=True)
class Timeouts:
    connect: float = 3.0
    send: float = 15.0
    status: float = 1.0


def timeouts(config) -> Timeouts:
    return Timeouts(
        connect=float(config["PRINT_CONNECT_TIMEOUT"]),
        send=float(config["PRINT_SEND_TIMEOUT"]),
        status=float(config["PRINT_STATUS_TIMEOUT"]),
    )


def deliver(host: str, port: int, content: bytes, limits: Timeouts = Timeouts()) -> None:
    """Send ``content`` to the printer at host:port in one connection.

    First asks for the paper sensor's status (DLE EOT 4): a printer that answers "paper
    end" gets nothing (it would keep the job in its buffer or lose it); one that does
    not answer within ``limits.status`` (many network interfaces never do) is sent the
    job anyway. Raises PrinterUnavailable when the printer cannot be reached, refuses,
    is out of paper, or the connection breaks.
    """
    try:
        with socket.create_connection((host, port), timeout=limits.connect) as conn:
            conn.settimeout(limits.status)
            conn.sendall(PAPER_STATUS)
            try:
                answer = conn.recv(1)
            except TimeoutError:
                answer = b""
            if answer and answer[0] & PAPER_END:
                raise PrinterUnavailable("out of paper", "out_of_paper")
            conn.settimeout(limits.send)
            conn.sendall(content)
            conn.shutdown(socket.SHUT_WR)
            # Wait for the printer to close its side (it has read everything), briefly.
            try:
                while conn.recv(256):
                    pass
            except OSError:
                pass
    except PrinterUnavailable:
        raise
    except TimeoutError:
        raise PrinterUnavailable("no answer (timed out)") from None
    except ConnectionRefusedError:
        raise PrinterUnavailable("connection refused") from None
    except OSError as exc:
        raise PrinterUnavailable(exc.strerror or str(exc)) from None


def backoff(attempts: int, base: float, cap: float) -> float:
    """Seconds before the next attempt: base, 2 × base, 4 × base … at most cap."""
    return min(cap, base * 2 ** max(0, attempts - 1))


def claim(job_id: int, config) -> bool:
    """Take one due job for this sender; False when another sender has it (or it is no
    longer due). Commits: the claim must be visible before anything is sent."""
    now = utcnow()
    stale = now - timedelta(seconds=float(config["PRINT_SEND_TIMEOUT"]) * 4 + 30)
    with write_intent():
        result = db.session.execute(
            sa.update(PrintJob)
            .where(
                PrintJob.id == job_id,
                sa.or_(
                    sa.and_(PrintJob.status.in_(WAITING), PrintJob.next_attempt_at <= now),
                    sa.and_(PrintJob.status == PRINTING, PrintJob.claimed_at < stale),
                ),
            )
            .values(status=PRINTING, claimed_at=now, attempts=PrintJob.attempts + 1)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
    return result.rowcount == 1


def due_jobs(limit: int = 20) -> list[int]:
    """Ids of jobs that may be sent now, oldest first (read only)."""
    now = utcnow()
    ids = db.session.scalars(
        sa.select(PrintJob.id)
        .where(PrintJob.status.in_(WAITING), PrintJob.next_attempt_at <= now)
        .order_by(PrintJob.id)
        .limit(limit)
    ).all()
    db.session.rollback()  # end the read: no snapshot held while printing
    return list(ids)


def send_job(job_id: int, config) -> str | None:
    """Claim and send one job; its new status, or None when another sender had it."""
    if not claim(job_id, config):
        return None
    job = db.session.get(PrintJob, job_id)
    printer = job.printer
    host, port, content = printer.host, printer.port, job.content
    claimed_at, attempts, created_at = job.claimed_at, job.attempts, job.created_at
    active = printer.active
    db.session.rollback()
    error, state = "", "ready"
    if not active:
        error, state = "printer removed", None
    else:
        try:
            deliver(host, port, content, timeouts(config))
        except PrinterUnavailable as exc:
            error, state = str(exc), exc.state
    now = utcnow()
    if not error:
        values = {"status": PRINTED, "printed_at": now, "last_error": ""}
    else:
        give_up = created_at + timedelta(hours=float(config["PRINT_GIVE_UP_HOURS"]))
        wait = backoff(
            attempts,
            float(config["PRINT_RETRY_BASE_SECONDS"]),
            float(config["PRINT_RETRY_MAX_SECONDS"]),
        )
        values = {
            "status": FAILED if (not active or now >= give_up) else RETRYING,
            "last_error": error[:300],
            "next_attempt_at": now + timedelta(seconds=wait),
        }
    with write_intent():
        # Only the claim this sender holds: a claim taken over as stale is not undone.
        db.session.execute(
            sa.update(PrintJob)
            .where(
                PrintJob.id == job_id,
                PrintJob.status == PRINTING,
                PrintJob.claimed_at == claimed_at,
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        if state is not None:
            printer_values = {"status": state, "last_error": error[:300]}
            if state == "ready" or state == "out_of_paper":
                printer_values["last_seen_at"] = now
            db.session.execute(
                sa.update(Printer)
                .where(Printer.id == printer.id)
                .values(**printer_values)
                .execution_options(synchronize_session=False)
            )
        db.session.commit()
    log.info(
        "print job %s to %s:%s: %s%s",
        job_id,
        host,
        port,
        values["status"],
        f" ({error}; attempt {attempts})" if error else "",
    )
    return values["status"]


def run_once(app: Flask) -> dict[int, str]:
    """Send every due job this sender can claim; what became of each."""
    outcome: dict[int, str] = {}
    with app.app_context():
        try:
            for job_id in due_jobs():
                status = send_job(job_id, app.config)
                if status is not None:
                    outcome[job_id] = status
        finally:
            db.session.remove()
    return outcome


class Sender(threading.Thread):
    """The background sender of one server process."""

    def __init__(self, app: Flask) -> None:
        super().__init__(name="pos-print-sender", daemon=True)
        self.app = app
        self.poll = float(app.config["PRINT_POLL_SECONDS"])
        self.woken = threading.Event()
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                run_once(self.app)
            except Exception:  # a database hiccup must not end printing for good
                log.exception("print sender pass failed")
            self.woken.wait(self.poll)
            self.woken.clear()

    def stop(self) -> None:
        self.stopping.set()
        self.woken.set()


_sender: Sender | None = None


def _configure_log() -> None:
    """One line per job's outcome on the server's output, as gunicorn writes its own."""
    if log.handlers:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        logging.Formatter("[%(asctime)s] [%(process)d] [%(levelname)s] pos.printing: %(message)s")
    )
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False


def start(app: Flask) -> Sender | None:
    """Start this process's sender (once); None when PRINT_SENDER is off."""
    global _sender
    if not app.config.get("PRINT_SENDER", True):
        return None
    _configure_log()
    if _sender is None or not _sender.is_alive():
        _sender = Sender(app)
        _sender.start()
    return _sender


def wake() -> None:
    """A job was queued in this process: send it now rather than at the next poll."""
    if _sender is not None:
        _sender.woken.set()
