"""Report documents (PDF, XLSX) rendered off the request: in a helper process of lower
priority, one at a time per server process, after the report's read transaction ended.

A whole event's workbook or PDF keeps a CPU busy for 0.2-0.8 s. Rendered in the worker
that took the request, it held that worker while the booths' sales queued behind it
(sync workers), or held the interpreter lock that the worker's other threads need
between each of a sale's statements. Here the request's thread only waits for the
helper (without the lock), the operating system runs the sales first (the helper is
niced), and the database sees no transaction while the document renders (a snapshot
held for that long would keep SQLite's WAL from being checkpointed).

Each server process starts one helper at its first report and keeps it. Beyond the
report it renders, ``WAITING`` more may wait their turn; another is answered 503 with
Retry-After, so reports never take all of a worker's threads.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from flask import current_app
from flask_babel import gettext as _

from pos.db import end_read
from pos.errors import Busy
from pos.extensions import db

WAITING = 1
RETRY_AFTER_SECONDS = 2
# The lowest priority: a sale that wants a CPU gets it at once (docs/PERFORMANCE.md: with
# two organizers pulling reports, the sales' p99 was 0.16-1 s with the helper at nice 0,
# 50-150 ms at 19). The helper still has whatever CPU the sales leave, so on the venue
# laptop the reports take about as long as before.
NICENESS = 19

log = logging.getLogger(__name__)


class RendererBusy(Busy):
    """As many reports as the server renders at once are under way (503, Retry-After)."""

    retry_after = RETRY_AFTER_SECONDS


_places = threading.BoundedSemaphore(1 + WAITING)
_lock = threading.Lock()
_helpers: dict[int, ProcessPoolExecutor] = {}


def render(renderer: Callable[..., bytes], *args: Any) -> bytes:
    """``renderer(*args)`` in this process's helper; ``renderer`` is a module-level
    function that takes plain values (they are pickled) and returns the document.

    Ends the session's read transaction first (db.end_read), so the arguments must not
    need the database any more. Raises RendererBusy when this process already has a
    report rendering and ``WAITING`` more waiting.
    """
    end_read(db.session)
    if not _places.acquire(blocking=False):
        raise RendererBusy(
            _("Another report is being prepared. Please try again in a few seconds.")
        )
    try:
        # For tests: a report held at this point, deterministically, while it is under way.
        hook = current_app.config.get("REPORT_RENDER_HOOK")
        if hook is not None:
            hook(renderer.__name__)
        return _in_helper(renderer, args)
    finally:
        _places.release()


def _in_helper(renderer: Callable[..., bytes], args: tuple[Any, ...]) -> bytes:
    for _attempt in (1, 2):
        helper = None
        try:
            helper = _helper()
            future = helper.submit(renderer, *args)
        except (OSError, NotImplementedError) as exc:  # no processes here
            log.error("no report renderer process (%s); rendering in the request", exc)
            break
        except BrokenProcessPool:
            _forget(helper)
            continue
        try:
            return future.result()
        except BrokenProcessPool:  # it died (killed, out of memory): another one, once
            _forget(helper)
    else:
        log.error("the report renderer process failed twice; rendering in the request")
    return renderer(*args)


def _helper() -> ProcessPoolExecutor:
    # Keyed by process: a helper is never shared across a fork (gunicorn's workers).
    with _lock:
        helper = _helpers.get(os.getpid())
        if helper is None:
            helper = ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_lower_priority,
            )
            _helpers[os.getpid()] = helper
        return helper


def _forget(helper: ProcessPoolExecutor | None) -> None:
    with _lock:
        if helper is not None and _helpers.get(os.getpid()) is helper:
            del _helpers[os.getpid()]
    if helper is not None:
        helper.shutdown(wait=False)


def _lower_priority() -> None:
    if hasattr(os, "nice"):  # not on Windows: there the helper runs at normal priority
        os.nice(NICENESS)
