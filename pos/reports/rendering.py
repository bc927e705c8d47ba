"""Report documents (PDF, XLSX) rendered off the request: in a helper process, one at a
time per server process, after the report's read transaction ended; the whole event's
documents are also read from the database there.

A whole event's workbook or PDF keeps a CPU busy for 0.2-0.8 s. Rendered in the worker
that took the request, it held that worker while the booths' sales queued behind it
(sync workers), or held the interpreter lock that the worker's other threads need
between each of a sale's statements. Here the request's thread only waits for the
helper (without the lock), the operating system runs the sales first (the document is
rendered at the lowest priority), and the database sees no transaction while the
document renders (a snapshot held for that long would keep SQLite's WAL from being
checkpointed).

Reading a whole event's figures costs 50-90 ms of Python and database driver work. Done in
a thread of the worker, it held the interpreter lock against the worker's sale threads:
each of a sale's statements then waited for the lock to come back (up to the 5 ms switch
interval), and 25 round trips to PostgreSQL took 14 ms instead of 4 (p99 150 ms instead
of 7; docs/PERFORMANCE.md). So the event's exports are read in the helper, through an
app of its own built from the worker's configuration (``from_database``). On PostgreSQL
it reads at the lowest priority too (the database's locks are held by PostgreSQL's own
processes). On SQLite it reads at normal priority: a reader of the lowest priority that
held one of SQLite's locks for a moment kept every sale's write waiting for as long as
the busier processes kept it off the CPU (stalls of 0.2-2.6 s); only the rendering that
follows is niced, in a thread of its own (Linux gives each thread its own priority).
Where threads have no priority of their own (macOS, Windows) the whole helper is niced,
and SQLite reads in the request.

Each server process starts one helper at its first report and keeps it. Beyond the
report it renders, ``WAITING`` more may wait their turn; another is answered 503 with
Retry-After, so reports never take all of a worker's threads.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import pickle
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from flask import Flask, current_app
from flask_babel import gettext as _

from pos.db import end_read, is_sqlite
from pos.errors import Busy
from pos.extensions import db

WAITING = 1
RETRY_AFTER_SECONDS = 2
# The lowest priority: a sale that wants a CPU gets it at once (docs/PERFORMANCE.md: with
# two organizers pulling reports, the sales' p99 was 0.16-1 s with the helper at nice 0,
# 50-150 ms at 19). The helper still has whatever CPU the sales leave, so on the venue
# laptop the reports take about as long as before.
NICENESS = 19
# Linux gives each thread a priority of its own: the helper reads at normal priority and
# renders in a thread at NICENESS. Elsewhere the whole helper is niced.
NICE_THREADS = sys.platform.startswith("linux")

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
    return _run(renderer.__name__, _at_lowest_priority, (renderer, *args), lambda: renderer(*args))


def from_database(
    reader: Callable[..., Any],
    reader_args: tuple[Any, ...],
    renderer: Callable[..., bytes],
    *renderer_args: Any,
) -> bytes:
    """``renderer(reader(*reader_args), *renderer_args)`` in this process's helper, the
    reader run there in an app context of its own (its own connection, one short read
    transaction; on SQLite at normal priority), except on SQLite where the helper cannot
    read at normal priority and render at the lowest (not Linux): there it reads in the
    request.
    Both are module-level functions of plain values; the reader must not check rights
    (the caller did) nor need a request. Raises RendererBusy as ``render``.
    """
    if not NICE_THREADS and is_sqlite(current_app.config["SQLALCHEMY_DATABASE_URI"]):
        # A niced reader that held one of SQLite's locks would keep every sale waiting.
        return render(renderer, reader(*reader_args), *renderer_args)
    config = _plain_config(current_app)
    return _run(
        renderer.__name__,
        _read_and_render,
        (config, reader, reader_args, renderer, renderer_args),
        lambda: renderer(reader(*reader_args), *renderer_args),
    )


def _run(
    name: str, task: Callable[..., bytes], args: tuple[Any, ...], here: Callable[[], bytes]
) -> bytes:
    end_read(db.session)
    if not _places.acquire(blocking=False):
        raise RendererBusy(
            _("Another report is being prepared. Please try again in a few seconds.")
        )
    try:
        # For tests: a report held at this point, deterministically, while it is under way.
        hook = current_app.config.get("REPORT_RENDER_HOOK")
        if hook is not None:
            hook(name)
        return _in_helper(task, args, here)
    finally:
        _places.release()


def _plain_config(app: Flask) -> dict[str, Any]:
    """The app's settings that can cross to the helper (callables set by tests cannot),
    with its instance folder: enough for the helper's app to reach the same database."""
    config = app.extensions.get("pos_report_config")
    if config is None:
        config = {}
        for key, value in app.config.items():
            try:
                pickle.dumps(value)
            except Exception:  # noqa: BLE001 - whatever cannot be pickled stays behind
                continue
            config[key] = value
        config["INSTANCE_PATH"] = app.instance_path
        app.extensions["pos_report_config"] = config
    return config


def _in_helper(
    task: Callable[..., bytes], args: tuple[Any, ...], here: Callable[[], bytes]
) -> bytes:
    for _attempt in (1, 2):
        helper = None
        try:
            helper = _helper()
            future = helper.submit(task, *args)
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
    return here()


def _helper() -> ProcessPoolExecutor:
    # Keyed by process: a helper is never shared across a fork (gunicorn's workers).
    with _lock:
        helper = _helpers.get(os.getpid())
        if helper is None:
            helper = ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=None if NICE_THREADS else _lower_priority,
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


def _at_lowest_priority(task: Callable[..., bytes], *args: Any) -> bytes:
    """``task(*args)`` in the helper, at the lowest priority: in a thread of its own,
    niced, where threads have their own priority (the helper's main thread, which reads
    from SQLite, stays at normal priority); else as it is (the helper was niced)."""
    if not NICE_THREADS:
        return task(*args)
    result: list[bytes] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICENESS)
            result.append(task(*args))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
            failure.append(exc)

    thread = threading.Thread(target=run, name="pos-report-render")
    thread.start()
    thread.join()
    if failure:
        raise failure[0]
    return result[0]


# --- in the helper process --------------------------------------------------------------

# The helper's apps, by the configuration they were built from (a test run has many).
_apps: dict[str, Flask] = {}
KEPT_APPS = 4


def _read_and_render(
    config: dict[str, Any],
    reader: Callable[..., Any],
    reader_args: tuple[Any, ...],
    renderer: Callable[..., bytes],
    renderer_args: tuple[Any, ...],
) -> bytes:
    app = _app_for(config)
    if is_sqlite(config["SQLALCHEMY_DATABASE_URI"]):
        # At normal priority: SQLite's locks are taken by the reading thread itself.
        data = _read(app, reader, reader_args)
        return _at_lowest_priority(renderer, data, *renderer_args)
    # PostgreSQL's locks are held by its own server process: the helper reads at the
    # lowest priority too, and the sales keep the CPU.
    return _at_lowest_priority(lambda: renderer(_read(app, reader, reader_args), *renderer_args))


def _read(app: Flask, reader: Callable[..., Any], reader_args: tuple[Any, ...]) -> Any:
    with app.app_context():
        try:
            return reader(*reader_args)
        finally:
            db.session.remove()  # the read transaction ends before the document renders
            # and the connection closes: an idle one kept here between reports would
            # count as the database in use (pos restore, a migration) long after.
            db.engine.dispose()


def _app_for(config: dict[str, Any]) -> Flask:
    from pos import create_app

    key = repr(sorted((k, repr(v)) for k, v in config.items()))
    app = _apps.get(key)
    if app is None:
        if len(_apps) >= KEPT_APPS:
            oldest = _apps.pop(next(iter(_apps)))  # the first built
            with oldest.app_context():
                db.engine.dispose()
        app = _apps[key] = create_app(config)
    return app
