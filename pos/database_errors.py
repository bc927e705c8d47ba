"""What the database's failures mean to a request.

- A transaction the database aborted to resolve a conflict (PostgreSQL: deadlock
  ``40P01``, serialization failure ``40001``; SQLite: a snapshot gone stale before its
  first write) is run again, whole: :func:`register_retries` wraps every view, and a
  request that has not yet committed anything is re-run a bounded number of times. A
  view is one transaction (parse, one service, one commit), so running it again is the
  same as a client sending it again, and writes that must happen once are idempotent by
  construction (sales by their Idempotency-Key, voids by the sale's status).
- A full disk (SQLite ``SQLITE_FULL``, PostgreSQL ``53100 disk_full``, ``ENOSPC`` from a
  file the app writes), a busy database (SQLite still locked after its busy timeout,
  PostgreSQL lock or statement timeouts, conflicts still there after the retries) and a
  database that cannot be reached are not bugs of the request: pos/errors.py answers them
  503 with Retry-After. Each is logged as one line, at most once a minute per kind and
  process (with the count of refusals since), never as a traceback per request.

:func:`storage_health` is what ``/healthz`` adds to "the database answers": whether the
disk the database and the documents live on is full.
"""

from __future__ import annotations

import enum
import errno
import random
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, g, has_app_context, has_request_context, request

from pos.db import sqlite_file

# A request is run at most this many times when the database aborts it as a deadlock or
# serialization failure; then it is answered 503.
MAX_ATTEMPTS = 4
# Below this much free space where the database (SQLite) or the documents are kept,
# /healthz says the disk is full: a sale's pages, its WAL frames and its receipt need
# a few hundred kilobytes at most, and the disk is about to refuse them.
MIN_FREE_BYTES = 1024 * 1024
# How long /healthz keeps reporting a full disk after this process was refused a write
# for it (the only sign PostgreSQL's own disk gives us), unless a write goes through.
STORAGE_FAULT_MEMORY_SECONDS = 60
LOG_EVERY_SECONDS = 60


class Fault(enum.Enum):
    """A database failure that is not the request's fault."""

    CONFLICT = "conflict"  # aborted to break a deadlock or a serialization conflict
    STORAGE_FULL = "storage_full"
    BUSY = "database_busy"
    UNAVAILABLE = "database_unavailable"


# SQLite's primary result codes (the low byte of an extended code).
_SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_FULL = 5, 6, 13
_SQLITE_BUSY_SNAPSHOT = 5 | (2 << 8)

_PG_CONFLICT = {"40P01", "40001"}  # deadlock_detected, serialization_failure
_PG_STORAGE_FULL = {"53100"}  # disk_full
# insufficient_resources, out_of_memory, too_many_connections, lock_not_available,
# query_canceled (a statement timeout)
_PG_BUSY = {"53000", "53200", "53300", "55P03", "57014"}
# admin_shutdown, crash_shutdown, cannot_connect_now
_PG_UNAVAILABLE = {"57P01", "57P02", "57P03"}
_NO_SPACE = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}


def fault_of(exc: BaseException) -> Fault | None:
    """The kind of database (or disk) failure ``exc`` is, or None for anything else
    (a bug, or a refusal the request earned)."""
    orig = exc.orig if isinstance(exc, sa.exc.DBAPIError) else exc
    if isinstance(orig, OSError) and orig.errno in _NO_SPACE:
        return Fault.STORAGE_FULL
    if isinstance(orig, sqlite3.Error):
        code = getattr(orig, "sqlite_errorcode", None)
        if code == _SQLITE_BUSY_SNAPSHOT:
            return Fault.CONFLICT
        if code is not None and code & 0xFF == _SQLITE_FULL:
            return Fault.STORAGE_FULL
        if code is not None and code & 0xFF in (_SQLITE_BUSY, _SQLITE_LOCKED):
            return Fault.BUSY
        return None
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate in _PG_CONFLICT:
        return Fault.CONFLICT
    if sqlstate in _PG_STORAGE_FULL:
        return Fault.STORAGE_FULL
    if sqlstate in _PG_BUSY:
        return Fault.BUSY
    if sqlstate in _PG_UNAVAILABLE or (sqlstate or "").startswith("08"):
        return Fault.UNAVAILABLE
    if sqlstate is None and isinstance(exc, sa.exc.OperationalError):
        # The driver's own (no SQLSTATE): the connection failed or was lost.
        return Fault.UNAVAILABLE
    return None


# --- running a request again -------------------------------------------------------------


def _count_commit(_session: Any) -> None:
    if has_app_context():
        g.pos_commits = g.get("pos_commits", 0) + 1


def _rewind_uploads() -> None:
    """An upload the first attempt read is read again from its start."""
    for upload in request.files.values():
        upload.stream.seek(0)


def retrying(view: Callable[..., Any]) -> Callable[..., Any]:
    """Run ``view`` again, after a rollback and a short random pause, when the database
    aborted its transaction as a deadlock or serialization failure and it had committed
    nothing yet; at most MAX_ATTEMPTS runs, then the error goes on (and is answered 503).
    """
    from pos.extensions import db

    @wraps(view)
    def run(*args: Any, **kwargs: Any) -> Any:
        for attempt in range(1, MAX_ATTEMPTS + 1):
            commits = g.get("pos_commits", 0)
            try:
                return view(*args, **kwargs)
            except sa.exc.DBAPIError as exc:
                if (
                    fault_of(exc) is not Fault.CONFLICT
                    or attempt == MAX_ATTEMPTS
                    or g.get("pos_commits", 0) != commits
                ):
                    raise
                db.session.rollback()
                current_app.logger.info(
                    "%s %s: the database aborted the transaction (%s); running it again (%d)",
                    request.method,
                    request.path,
                    _first_line(exc.orig),
                    attempt,
                )
                _rewind_uploads()
                time.sleep(random.uniform(0.005, 0.03) * attempt)
        raise AssertionError("unreachable")

    return run


def register_retries(app: Flask) -> None:
    """Every view of ``app`` (those registered later too) runs under :func:`retrying`."""
    from pos.extensions import db

    if not sa.event.contains(db.session, "after_commit", _count_commit):
        sa.event.listen(db.session, "after_commit", _count_commit)
    app.dispatch_request = retrying(app.dispatch_request)  # type: ignore[method-assign]

    @app.after_request
    def _storage_works_again(response: Any) -> Any:
        # A write that went through: the disk has room again.
        if request.method not in ("GET", "HEAD", "OPTIONS") and response.status_code < 400:
            _forget_storage_fault()
        return response


# --- saying so once -----------------------------------------------------------------------

_log_lock = threading.Lock()
_last_logged: dict[Fault, float] = {}
_unlogged: dict[Fault, int] = {}
_last_storage_fault = 0.0


def note_fault(fault: Fault, exc: BaseException) -> None:
    """Log a refused request's fault as one line, at most once a minute per kind (then
    with the count of refusals since); remember a full disk for /healthz."""
    global _last_storage_fault
    now = time.monotonic()
    with _log_lock:
        if fault is Fault.STORAGE_FULL:
            _last_storage_fault = now
        last = _last_logged.get(fault)
        if last is not None and now - last < LOG_EVERY_SECONDS:
            _unlogged[fault] = _unlogged.get(fault, 0) + 1
            return
        _last_logged[fault] = now
        since = _unlogged.pop(fault, 0)
    more = f" ({since} more refused since the last report)" if since else ""
    asked = f"{request.method} {request.path}" if has_request_context() else "-"
    # A child of the app's logger, which has the app's handler once it is first used.
    log = current_app.logger.getChild("database")
    log.warning(
        "%s: answering 503 to %s: %s%s",
        fault.value,
        asked,
        _first_line(getattr(exc, "orig", None) or exc),
        more,
    )


def _first_line(exc: BaseException | None) -> str:
    text = str(exc or "").strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _forget_storage_fault() -> None:
    global _last_storage_fault
    if _last_storage_fault:
        with _log_lock:
            _last_storage_fault = 0.0


def forget_faults() -> None:
    """Start afresh (tests)."""
    global _last_storage_fault
    with _log_lock:
        _last_logged.clear()
        _unlogged.clear()
        _last_storage_fault = 0.0


# --- /healthz ------------------------------------------------------------------------------


def storage_health(connection: sa.Connection) -> dict[str, Any] | None:
    """None when the database and the documents have room; else why not: ``{"reason",
    "path"?, "free_bytes"?}``. Looks at the free space where the SQLite database and the
    receipts are kept and SQLite's page limit; for PostgreSQL, whose disk the app cannot
    see, also whether this process was refused a write for a full disk in the last
    minute with no write going through since (another worker may still remember one
    for up to that minute)."""
    places = [Path(current_app.config["RECEIPTS_DIR"])]
    if connection.dialect.name == "sqlite":
        database = sqlite_file(connection.engine.url)
        if database:
            places.insert(0, Path(database).parent)
        # On the driver's connection: a tenth of the cost through SQLAlchemy.
        sqlite_connection = connection.connection.driver_connection
        (pages,) = sqlite_connection.execute("PRAGMA page_count").fetchone()
        (limit,) = sqlite_connection.execute("PRAGMA max_page_count").fetchone()
        if pages >= limit:
            return {"reason": "database_page_limit"}
    for place in places:
        place = _existing(place)
        free = shutil.disk_usage(place).free
        if free < MIN_FREE_BYTES:
            return {"reason": "disk_full", "path": str(place), "free_bytes": free}
    if connection.dialect.name == "sqlite":
        return None  # the disk it is on said all there is to say
    with _log_lock:
        recent = _last_storage_fault and time.monotonic() - _last_storage_fault
    if recent and recent < STORAGE_FAULT_MEMORY_SECONDS:
        return {"reason": "write_refused"}
    return None


def _existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path
