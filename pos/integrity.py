"""`pos check`: the database's own integrity check first, then the books.

A copy of a SQLite file taken while it was written can be corrupt in ways no business
query notices (a page of the audit log, an index that lost a row); only the engine's own
check sees them. So the engine check runs first, and the books (stock against its
ledger, report totals against the sales) are only checked on a database that passed
it: on a corrupt one their answers mean nothing, and they may not even run.

- SQLite: ``PRAGMA integrity_check`` (``quick_check`` with ``quick``: no index
  contents) and ``PRAGMA foreign_key_check``.
- PostgreSQL: amcheck's ``verify_heapam`` on every table and ``bt_index_check`` on
  every B-tree index (with ``heapallindexed`` unless ``quick``), in a transaction that
  is rolled back, so an extension created for the check leaves nothing behind (and no
  dump carries it). Without amcheck (not installed, or no right to create it) every
  row of every table is read in full instead (which finds what a dump would trip
  over), and the report says which was done.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from pos.extensions import db

# Enough to see what is wrong; a badly damaged file can list thousands of problems.
MAX_PROBLEMS = 50


@dataclass
class EngineCheck:
    """What the database engine's own check did and found."""

    method: str
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class CheckReport:
    """`pos check`'s findings: the engine check, then (if it passed) the books."""

    engine: EngineCheck
    ledger: list[dict[str, Any]] = field(default_factory=list)
    totals: list[str] = field(default_factory=list)
    unreadable: str = ""  # why the books could not be read at all (no schema, ...)

    @property
    def ok(self) -> bool:
        return self.engine.ok and not self.unreadable and not self.ledger and not self.totals

    def problem_lines(self) -> list[str]:
        lines = [f"database integrity: {p}" for p in self.engine.problems]
        for d in self.ledger:
            lines.append(
                f"product {d['product_id']} ({d['sku']}, exhibitor {d['exhibitor_id']}): "
                f"stock {d['stock']}, ledger sums to {d['ledger']}, "
                f"last movement ends at {d['last_stock_after']}"
            )
        lines += [f"report totals: {line}" for line in self.totals]
        if self.unreadable:
            lines.append(f"the books could not be read: {self.unreadable}")
        return lines

    def summary(self) -> str:
        """One sentence: what failed, or that everything passed."""
        if not self.engine.ok:
            return (
                f"The database is damaged: {self.engine.method} found "
                f"{len(self.engine.problems)} problem(s); the books were not checked."
            )
        if self.unreadable:
            return "The books could not be read: is this a Pameran POS database (pos init-db)?"
        if self.ledger or self.totals:
            return (
                f"{len(self.ledger)} product(s) disagree with their ledger; "
                f"{len(self.totals)} report total(s) disagree with the sales."
            )
        return f"Database integrity ({self.engine.method}): ok; the books agree."

    def ok_lines(self) -> list[str]:
        return [
            f"Database integrity: {self.engine.method}: ok.",
            "Stock ledger: every product's stock equals the sum of its movements.",
            "Report totals: every booth's daily totals agree with its sales and refunds.",
        ]


def run_checks(*, quick: bool = False) -> CheckReport:
    """The engine's integrity check, then the books if it passed. Reads only; leaves
    the session's transaction ended."""
    engine_check = check_engine(quick=quick)
    report = CheckReport(engine=engine_check)
    if not engine_check.ok:
        return report
    from pos.inventory.service import stock_ledger_differences
    from pos.sales import rollups

    try:
        report.ledger = stock_ledger_differences()
        report.totals = rollups.differences()
    except sa.exc.DBAPIError as exc:
        report.unreadable = str(exc.orig).strip().splitlines()[0]
    finally:
        db.session.rollback()
    return report


def check_engine(*, quick: bool = False) -> EngineCheck:
    """The database engine's own integrity check of the app's database."""
    if db.engine.dialect.name == "sqlite":
        return _check_sqlite(quick)
    if db.engine.dialect.name == "postgresql":
        return _check_postgresql(quick)
    return EngineCheck(method=f"no integrity check for {db.engine.dialect.name}")


def _check_sqlite(quick: bool) -> EngineCheck:
    pragma = "quick_check" if quick else "integrity_check"
    result = EngineCheck(method=f"PRAGMA {pragma} and foreign_key_check")
    try:
        with db.engine.connect() as conn:
            _run_sqlite_pragmas(conn, pragma, result)
    except sa.exc.DatabaseError as exc:
        # A damaged page can stop the check itself ("database disk image is malformed"),
        # and a damaged header the connection ("file is not a database").
        result.problems.append(f"{pragma} stopped: {exc.orig}")
    return result


def _run_sqlite_pragmas(conn: sa.Connection, pragma: str, result: EngineCheck) -> None:
    rows = conn.exec_driver_sql(f"PRAGMA {pragma}({MAX_PROBLEMS})").scalars().all()
    if rows != ["ok"]:
        for row in rows:
            result.problems += [
                line
                for line in str(row).splitlines()
                if line.strip() and line != "*** in database main ***"
            ]
        return
    missing = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
    for table, rowid, parent, _fk in missing[:MAX_PROBLEMS]:
        result.problems.append(f"{table} row {rowid} refers to a {parent} row that is missing")
    if len(missing) > MAX_PROBLEMS:
        result.problems.append(f"... and {len(missing) - MAX_PROBLEMS} more such rows")


_TABLES = sa.text(
    "SELECT c.oid::regclass::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
    " WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'm') ORDER BY c.relname"
)
_BTREE_INDEXES = sa.text(
    "SELECT c.oid::regclass::text FROM pg_index i"
    " JOIN pg_class c ON c.oid = i.indexrelid"
    " JOIN pg_namespace n ON n.oid = c.relnamespace"
    " JOIN pg_am am ON am.oid = c.relam"
    " WHERE n.nspname = current_schema() AND am.amname = 'btree' AND i.indisvalid"
    " ORDER BY c.relname"
)


def _check_postgresql(quick: bool) -> EngineCheck:
    with db.engine.connect() as conn:
        try:
            reason = _amcheck_unavailable(conn)
            if reason is None:
                return _amcheck(conn, quick)
            return _read_everything(conn, reason)
        finally:
            conn.rollback()  # an amcheck created for the check goes again


def _amcheck_unavailable(conn: sa.Connection) -> str | None:
    """None when amcheck's functions can be called in this transaction (creating the
    extension if need be), else why not."""
    installed = conn.execute(
        sa.text("SELECT 1 FROM pg_extension WHERE extname = 'amcheck'")
    ).scalar()
    if not installed:
        savepoint = conn.begin_nested()
        try:
            conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS amcheck"))
        except sa.exc.DBAPIError as exc:
            savepoint.rollback()
            return _first_line(exc)
        savepoint.commit()
    has_heapam = conn.execute(
        sa.text("SELECT 1 FROM pg_proc WHERE proname = 'verify_heapam'")
    ).scalar()
    if not has_heapam:
        return "this amcheck has no verify_heapam (PostgreSQL 14 or newer has)"
    return None


def _amcheck(conn: sa.Connection, quick: bool) -> EngineCheck:
    method = "amcheck (verify_heapam on every table, bt_index_check on every index"
    method += ")" if quick else " with heapallindexed)"
    result = EngineCheck(method=method)
    for table in conn.execute(_TABLES).scalars():
        savepoint = conn.begin_nested()
        try:
            rows = conn.execute(
                sa.text(
                    "SELECT blkno, offnum, attnum, msg FROM verify_heapam("
                    "CAST(:t AS regclass), on_error_stop => false, check_toast => true)"
                ),
                {"t": table},
            ).all()
            savepoint.commit()
        except sa.exc.DBAPIError as exc:
            savepoint.rollback()
            if _no_right(exc):
                return _read_everything(conn, _first_line(exc))
            result.problems.append(f"table {table}: {_first_line(exc)}")
            continue
        for blkno, offnum, attnum, msg in rows[:MAX_PROBLEMS]:
            where = f"block {blkno}" + (f", item {offnum}" if offnum is not None else "")
            where += f", column {attnum}" if attnum is not None else ""
            result.problems.append(f"table {table}, {where}: {msg}")
    for index in conn.execute(_BTREE_INDEXES).scalars():
        savepoint = conn.begin_nested()
        try:
            conn.execute(
                sa.text("SELECT bt_index_check(CAST(:i AS regclass), :all)"),
                {"i": index, "all": not quick},
            )
            savepoint.commit()
        except sa.exc.DBAPIError as exc:
            savepoint.rollback()
            if _no_right(exc):
                return _read_everything(conn, _first_line(exc))
            result.problems.append(f"index {index}: {_first_line(exc)}")
    result.problems = result.problems[:MAX_PROBLEMS]
    return result


def _read_everything(conn: sa.Connection, reason: str) -> EngineCheck:
    """Without amcheck: every row of every table read in full (TOAST included), which
    fails on a damaged page or an unreadable value."""
    result = EngineCheck(method=f"a full read of every table (amcheck unavailable: {reason})")
    for table in conn.execute(_TABLES).scalars():
        savepoint = conn.begin_nested()
        try:
            # Quoted by regclass::text above; the row cast to text reads every column.
            conn.execute(sa.text(f"SELECT count(*), sum(length(t::text)) FROM {table} AS t")).one()
            savepoint.commit()
        except sa.exc.DBAPIError as exc:
            savepoint.rollback()
            result.problems.append(f"table {table}: {_first_line(exc)}")
    return result


def _no_right(exc: sa.exc.DBAPIError) -> bool:
    return getattr(exc.orig, "sqlstate", None) == "42501"  # insufficient_privilege


def _first_line(exc: sa.exc.DBAPIError) -> str:
    text = str(exc.orig).strip() or type(exc.orig).__name__
    return text.splitlines()[0]
