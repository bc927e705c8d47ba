"""Auto-print: each new sale's receipt queued for the booth's printers that print after
every sale.

Selling announces a committed sale with the ``sale_recorded`` signal, which says whether
one of the booth's printers prints after every sale (read with the booth's facts for
the sale, no query of its own): a sale at a booth without such a printer costs nothing
here (it cost a second transaction, a third of a sale's work on PostgreSQL). The
receipt is rendered and its job written in a small pool of background threads of the
same process, so the cashier's answer never waits for it (nor for SQLite's write lock a
second time); the register finds the job with ``GET /api/v1/print-jobs?sale_id=``. A
sale whose job could not be written (the process stopped in between) is printed with
one tap, as any reprint.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor, wait

from flask import Flask

from pos.extensions import db

log = logging.getLogger("pos.printing")

_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pos-autoprint")
_pending: set[Future] = set()
_lock = threading.Lock()


def register_auto_print(app: Flask) -> None:
    from pos.sales.signals import sale_recorded

    sale_recorded.connect(_on_sale_recorded, sender=app, weak=False)


def _on_sale_recorded(
    app: Flask, *, sale_id: int, url_root: str, auto_print: bool = True, **_details
) -> None:
    if not auto_print:  # no printer of the booth prints after every sale: nothing to ask
        return
    future = _pool.submit(_queue, app, sale_id, url_root)
    with _lock:
        _pending.add(future)
    future.add_done_callback(_forget)


def _forget(future: Future) -> None:
    with _lock:
        _pending.discard(future)


def _queue(app: Flask, sale_id: int, url_root: str) -> int:
    from pos.printing import sender, service

    with app.app_context():
        try:
            jobs = service.queue_auto_print(sale_id, url_root)
            db.session.commit()
            if jobs:
                sender.wake()
            return len(jobs)
        except Exception:
            db.session.rollback()
            log.exception("could not queue the receipt of sale %s for auto-print", sale_id)
            return 0
        finally:
            db.session.remove()


def settle(timeout: float = 30.0) -> None:
    """Wait until every auto-print queued so far in this process is written (tests,
    and a server stopping)."""
    with _lock:
        pending = list(_pending)
    wait(pending, timeout=timeout)
