"""The declarative base, the UTC datetime type, and how each database is driven.

SQLite is the embedded default and runs under several server processes at once, so
transactions are begun by us rather than by the sqlite3 driver: reads use a plain
``BEGIN`` and anything that writes uses ``BEGIN IMMEDIATE``, which takes the write lock
up front (waiting for it under ``busy_timeout``) instead of failing with "database is
locked" when a read transaction later tries to write.

SQLite's write-ahead log is kept small: it is checkpointed into the database every 1,000
pages and started again from the top once no reader still needs its frames, so reads are
kept short (a report ends its read transaction before it renders: ``end_read``); a log
that grew anyway is cut back to ``SQLITE_WAL_SIZE_LIMIT`` when it starts again; and the
server empties it when it stops (``truncate_wal``).
"""

from __future__ import annotations

import contextlib
import contextvars
import importlib
import logging
import os
import sqlite3
import threading
import time
import weakref
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, scoped_session
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

from pos.storage import PRIVATE_FILE, create_private_file, keep_private, make_private_folder

MIGRATIONS_DIR = Path(__file__).parent / "migrations"

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SQLITE_BUSY_TIMEOUT_MS = 15_000
# What the WAL file is cut back to when SQLite starts the log again after a checkpoint
# (SQLite's default keeps the largest size it ever reached): four checkpoints' worth.
SQLITE_WAL_SIZE_LIMIT = 16 * 2**20

log = logging.getLogger(__name__)

# Every id is an INTEGER column: 32 bits on PostgreSQL (SQLite's holds 64). A number
# beyond it names nothing, and one beyond 2**63 - 1 cannot even be asked of SQLite (the
# driver raises OverflowError). So every id that comes in, in a path (IdConverter), a
# query string or a body (pos.schemas.Id), is held to 1..MAX_ID before any query.
MAX_ID = 2**31 - 1

_write_intent: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "pos_write_intent", default=False
)


class IdConverter(IntegerConverter):
    """``<int:...>`` in every route: an id from 1 to MAX_ID, else 404, as for an id that
    names nothing, whatever the method (werkzeug's own range check would answer 405
    when a route has a rule for another method on the same path)."""

    def to_python(self, value: str) -> int:
        digits = value.lstrip("0")
        # Python reads no more than 4300 digits: the length is checked first.
        if not digits or len(digits) > len(str(MAX_ID)) or int(digits) > MAX_ID:
            raise NotFound()
        return int(digits)


def register_id_converter(app: Flask) -> None:
    """Make ``<int:...>`` the bounded IdConverter; before any blueprint adds its routes."""
    app.url_map.converters["int"] = IdConverter


class Model(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC: the only clock the data layer uses."""
    return datetime.now(UTC)


class UTCDateTime(sa.types.TypeDecorator):
    """A timestamp stored in UTC and always returned timezone-aware.

    Naive datetimes are refused: a time without a zone is a bug waiting for a report
    to land on the wrong day.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where a UTC time is stored")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def check_in(column: str, values: tuple[str, ...]) -> str:
    """SQL for a CHECK that a column holds one of a fixed set of slugs."""
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


DOMAIN_MODELS = (
    "pos.organizer.models",
    "pos.auth.models",
    "pos.inventory.models",
    "pos.sales.models",
    "pos.printing.models",
    "pos.statements.models",
    "pos.catalogue.models",
    "pos.catalogue.extras.models",
)

# Schema objects that migrations make and no model describes: each engine's product
# search index (SQLite's FTS5 table with its shadow tables, PostgreSQL's GIN index on an
# expression). Alembic's comparison of models and database leaves them out.
UNMODELLED_PREFIXES = ("product_fts", "ix_product_search")


def in_models(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic's ``include_name`` hook: False for the objects above."""
    return not (name or "").startswith(UNMODELLED_PREFIXES)


def load_models() -> sa.MetaData:
    """Import every domain's models so the metadata is complete (migrations, tests)."""
    for module in DOMAIN_MODELS:
        importlib.import_module(module)
    return Model.metadata


class CreatedAtMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


@contextlib.contextmanager
def write_intent() -> Iterator[None]:
    """Within this block, a transaction that begins takes the write lock at once."""
    token = _write_intent.set(True)
    try:
        yield
    finally:
        _write_intent.reset(token)


def set_write_intent(value: bool) -> None:
    """Set the write intent for the rest of this context (a request or a command)."""
    _write_intent.set(value)


@contextlib.contextmanager
def write_phase(session: Any) -> Iterator[None]:
    """End a read-only phase; the transaction begun inside this block writes.

    For the hot paths (recording a sale) that read, validate and price first without
    holding SQLite's write lock: the read transaction (which wrote nothing) is closed,
    and the next statement begins with BEGIN IMMEDIATE. The write intent ends with the
    block (the transaction itself goes on until the caller commits). Objects loaded so
    far are expired; callers carry plain values across. Raises RuntimeError if anything
    was written in the read phase.
    """
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("the read phase has unsaved changes")
    session.rollback()
    with write_intent():
        yield


@contextlib.contextmanager
def write_now(session: Any) -> Iterator[None]:
    """As :func:`write_phase`, for a hot path that goes on to write at once: the
    transaction that writes is begun on the read phase's connection, which the session
    keeps (no return to the pool and checkout again, and on PostgreSQL no second ping
    and BEGIN: a sale's read and write phases cost three round trips fewer).

    On SQLite the read transaction is rolled back and ``BEGIN IMMEDIATE`` takes the
    write lock here, on the same connection (waiting for it under ``busy_timeout``). On
    PostgreSQL the transaction simply goes on: at READ COMMITTED every statement of the
    write phase sees what others committed, and its row locks and conditional updates
    decide, as in a transaction of its own. Never for a caller that works a while
    between the phases (hashing a password): the write lock would be held meanwhile.
    Objects loaded so far are expired. Raises RuntimeError if anything was written in
    the read phase.
    """
    if isinstance(session, scoped_session):
        session = session()
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("the read phase has unsaved changes")
    if not session.in_transaction():
        with write_intent():
            yield
        return
    session.expire_all()
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        _sqlite_statement(connection, "ROLLBACK")
        _begin_immediate(connection)
    with write_intent():
        yield


def _begin_immediate(connection: sa.Connection) -> None:
    """SQLite's write lock for ``connection``'s transaction: first this process's turn
    (:class:`_Writers`), then ``BEGIN IMMEDIATE``."""
    writers = _writers.get(connection.engine)
    raw = connection.connection.driver_connection
    if writers is not None:
        writers.take(raw)
    try:
        _sqlite_statement(connection, "BEGIN IMMEDIATE")
    except BaseException:
        if writers is not None:
            writers.give_back(raw)
        raise


def _sqlite_statement(connection: sa.Connection, statement: str) -> None:
    """Run a transaction statement on SQLite's own connection, its error raised as
    SQLAlchemy's (a busy database: ``sa.exc.OperationalError``, as pos/database_errors.py
    expects)."""
    try:
        connection.connection.driver_connection.execute(statement)
    except sqlite3.Error as exc:
        raise sa.exc.DBAPIError.instance(
            statement, None, exc, sqlite3.Error, dialect=connection.dialect
        ) from exc


@contextlib.contextmanager
def pipeline(connection: sa.Connection) -> Iterator[None]:
    """Statements run on the driver's cursor (:class:`Prepared`) inside this block are
    sent to PostgreSQL together, without waiting for each answer (psycopg's pipeline
    mode): one round trip for several statements. Their results can be read after the
    block; a statement's error is raised at the block's end, as SQLAlchemy's error, and
    aborts the transaction as it would have anyway. A no-op on SQLite (no round trips).
    """
    dialect = connection.dialect
    if dialect.driver != "psycopg":
        yield
        return
    error = dialect.loaded_dbapi.Error
    try:
        with connection.connection.driver_connection.pipeline():
            yield
    except error as exc:
        raise sa.exc.DBAPIError.instance("(pipeline)", None, exc, error, dialect=dialect) from exc


def end_read(session: Any) -> None:
    """End the session's read-only transaction now, for a request that reads, then works
    a while without the database (rendering a report's document).

    An open read transaction pins SQLite's snapshot: the WAL cannot be checkpointed past
    it nor started again, so while such readers overlap the log grows with every sale.
    Objects loaded so far are expired; callers carry plain values on. Raises
    RuntimeError in a request that writes, or with unsaved changes.
    """
    if _write_intent.get():
        raise RuntimeError("a transaction that writes ends with its commit")
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("the read has unsaved changes")
    session.rollback()


def truncate_wal(url: str | sa.URL) -> None:
    """Checkpoint SQLite's WAL into the database and empty it, once the server's workers
    have stopped (a no-op for other databases). The last connection to close removes
    the file; a log left behind would be replayed at the next start, but until then it
    holds disk space and the only copy of recent sales outside the database file."""
    database = sqlite_file(url)
    if not database or not Path(database).exists():
        return
    connection = sqlite3.connect(database, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)
    try:
        busy, _frames, _done = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if busy:
            log.warning("the WAL of %s is still in use; it is checkpointed later", database)
    finally:
        connection.close()


def upgrade_schema() -> None:
    """Bring the schema to the newest migration (creating it on an empty database)."""
    from flask_migrate import upgrade

    with write_intent():
        upgrade(directory=str(MIGRATIONS_DIR))


def is_sqlite(url: str | sa.URL) -> bool:
    return sa.make_url(url).get_backend_name() == "sqlite"


def sqlite_file(url: str | sa.URL) -> str | None:
    """The path of a SQLite database's file; None for a database in memory (or named by
    a ``file:`` URI) and for other databases."""
    url = sa.make_url(url)
    database = url.database
    if not is_sqlite(url) or not database or database == ":memory:" or database.startswith("file:"):
        return None
    return database


def configure_engine_options(app: Flask) -> None:
    """Engine options that depend on the database chosen by POS_DATABASE_URL."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if is_sqlite(url):
        options.setdefault("connect_args", {}).setdefault("timeout", SQLITE_BUSY_TIMEOUT_MS / 1000)
        database = sqlite_file(url)
        if database:
            _private_database_file(Path(database))
    else:
        # No ping at every checkout (a round trip of every request): a connection idle
        # a while is pinged when taken (_ping_when_idle), one in steady use is not.
        if sa.make_url(url).get_backend_name() == "postgresql":
            # PostgreSQL's JIT compiles plans that cost more than 100k, which the reports'
            # GROUP BYs do, and spends longer compiling than the query then runs.
            options.setdefault("connect_args", {}).setdefault("options", "-c jit=off")
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def _private_database_file(database: Path) -> None:
    """The SQLite file created 0600 before SQLite opens it (in a folder made 0700), or
    narrowed to 0600 if it exists: it holds password hashes and buyers' phones. SQLite
    gives its -wal and -shm files the database file's permissions."""
    make_private_folder(database.parent)
    if not create_private_file(database):
        for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
            keep_private(path, PRIVATE_FILE)


def register_engine_events(app: Flask) -> None:
    from pos.extensions import db

    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite":
        _drive_sqlite(engine)
    elif not app.config["SQLALCHEMY_ENGINE_OPTIONS"].get("pool_pre_ping"):
        _ping_when_idle(engine)  # unless instance/config.py asks for a ping at every checkout


# A pooled connection unused this long is pinged before a request gets it: the server may
# have restarted, or closed it, meanwhile (the laptop slept, the hall was quiet).
PING_AFTER_IDLE_SECONDS = 5.0


def _ping_when_idle(engine: sa.Engine) -> None:
    """Pessimistic disconnect handling without a round trip per request (SQLAlchemy's
    ``pool_pre_ping`` pings at every checkout): a connection back from the pool after
    :data:`PING_AFTER_IDLE_SECONDS` or more is pinged, and a dead one replaced by a new
    connection before the request sees it (``DisconnectionError`` in the checkout event:
    the pool tries again). A connection in steady use (selling) goes unpinged; one that
    breaks meanwhile fails its request, which is answered 503 (pos/database_errors.py)
    and the pool's other connections of that moment are replaced."""

    @sa.event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            record.info["pos_idle_since"] = time.monotonic()

    @sa.event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("pos_idle_since")
        if since is None or time.monotonic() - since < PING_AFTER_IDLE_SECONDS:
            return  # new, or in steady use
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise sa.exc.DisconnectionError(f"a pooled connection was lost: {exc}") from exc


def _drive_sqlite(engine: sa.Engine) -> None:
    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Stop the driver from issuing BEGIN itself; _on_begin does it instead.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute(f"PRAGMA journal_size_limit = {SQLITE_WAL_SIZE_LIMIT}")
        cursor.execute("PRAGMA foreign_keys = ON")
        # FULL: a sale the buyer holds a receipt for survives a power cut at the venue.
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        # On the driver's connection (SQLAlchemy's execution of a statement costs ten
        # times SQLite's BEGIN, on every request), its error raised as SQLAlchemy's.
        if _write_intent.get():
            _begin_immediate(conn)
        else:
            _sqlite_statement(conn, "BEGIN")

    writers = _writers[engine] = _Writers(sqlite_file(engine.url))
    dialect = engine.dialect
    commit, rollback = dialect.do_commit, dialect.do_rollback

    # The turn is given back once the transaction has ended: after SQLite's COMMIT or
    # ROLLBACK returns (SQLAlchemy's "commit" and "rollback" events come before them),
    # and when a connection is closed or invalidated in a transaction.
    def do_commit(dbapi_connection: Any) -> None:
        try:
            commit(dbapi_connection)
        finally:
            writers.give_back(getattr(dbapi_connection, "driver_connection", dbapi_connection))

    def do_rollback(dbapi_connection: Any) -> None:
        try:
            rollback(dbapi_connection)
        finally:
            writers.give_back(getattr(dbapi_connection, "driver_connection", dbapi_connection))

    dialect.do_commit = do_commit  # type: ignore[method-assign]
    dialect.do_rollback = do_rollback  # type: ignore[method-assign]

    @sa.event.listens_for(engine, "close")
    def _on_close(dbapi_connection: Any, _record: Any) -> None:
        writers.give_back(dbapi_connection)

    @sa.event.listens_for(engine, "invalidate")
    def _on_invalidate(dbapi_connection: Any, _record: Any, _exception: Any) -> None:
        writers.give_back(dbapi_connection)


class _Writers:
    """The turn to write to a SQLite file, handed over as soon as the writer before
    commits: first among this process's threads, then among the processes that write to
    the file (:class:`_ProcessTurn`).

    SQLite lets one transaction write at a time. A writer that finds the write lock taken
    sleeps in its busy handler, for 1, 2, 5, 10 … up to 100 ms between tries, and may
    find it taken again by a newer writer each time it wakes: under a burst of sales
    (a hall of tablets back online) some waited a second or more while the lock stood
    free between tries, and a worker whose next thread took the lock at once kept it
    from the other worker's sleeping writer. Writers therefore queue here first and are
    woken the moment the writer before them ends; only processes that do not take turns
    (the sqlite3 shell) still meet them in SQLite's busy handler. A writer that has
    waited the whole busy timeout goes on to SQLite without its turn, as before.
    """

    def __init__(self, database: str | None = None) -> None:
        self._lock = threading.Lock()
        self._holder: Any = None  # the sqlite3 connection whose transaction writes
        self._processes = _ProcessTurn(database) if database and _ProcessTurn.usable else None

    def take(self, connection: Any) -> None:
        if self._holder is connection:
            return  # its transaction ended and begins again at once (write_now)
        started = time.monotonic()
        timeout = SQLITE_BUSY_TIMEOUT_MS / 1000
        if not self._lock.acquire(timeout=timeout):
            return
        self._holder = connection
        if self._processes is not None:
            self._processes.take(max(0.0, timeout - (time.monotonic() - started)))

    def give_back(self, connection: Any) -> None:
        if connection is not None and self._holder is connection:
            self._holder = None
            if self._processes is not None:
                self._processes.give_back()  # a no-op if it went on without the turn
            self._lock.release()


class _ProcessTurn:
    """The turn of one process among the processes writing to a SQLite file: an
    exclusive ``flock`` of a file beside it (``<database>-writer``), taken by the thread
    whose turn it is in its process for the length of its write transaction.

    The kernel wakes a process waiting for the lock the moment its holder lets go (and
    lets go of it if the holder dies), where SQLite's busy handler polls. The wait is
    made by a helper thread (started at the first wait, ended after a quiet while), so
    that a writer can stop waiting after the busy timeout and go on to SQLite's own: a
    lock the helper gets after that is let go at once. The file is opened for each turn
    and closed to let go of it. Unix only (``fcntl``); elsewhere, and where the file
    cannot be opened or locked (logged once), writers meet in SQLite's busy handler.
    """

    usable = fcntl is not None
    HELPER_IDLE_SECONDS = 10.0

    def __init__(self, database: str) -> None:
        # The name SQLite resolves too: every process finds the same file, however the
        # database was named (a symbolic link, a relative path).
        self._path = f"{os.path.realpath(database)}-writer"
        self._broken = False  # the file could not be opened or locked: no turns
        self._start()

    def _start(self) -> None:
        """This process's own state (again in a child after a fork, which shares its
        parent's descriptors but not its helper thread)."""
        self._pid = os.getpid()
        self._changed = threading.Condition()
        self._held: int | None = None  # the descriptor whose lock is this process's turn
        self._waiting = False  # whether the helper waits in flock
        self._wanted = False  # whether a writer waits for the helper's lock
        self._helper: threading.Thread | None = None

    def take(self, timeout: float) -> bool:
        """Whether this process has the turn now (False: it waited ``timeout`` in vain,
        or turns are off)."""
        if self._pid != os.getpid():
            if self._held is not None:  # the parent's turn: the parent lets go of it
                os.close(self._held)
            self._start()
        if self._broken:
            return False
        with self._changed:
            if not self._waiting:
                descriptor = self._open()
                if descriptor is None:
                    return False
                if self._lock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB):
                    self._held = descriptor
                    return True
                os.close(descriptor)
                if self._broken or timeout <= 0:
                    return False
                self._waiting = True
                if self._helper is None or not self._helper.is_alive():
                    self._helper = threading.Thread(
                        target=self._wait_for_lock, name="sqlite-writer-turn", daemon=True
                    )
                    self._helper.start()
                self._changed.notify_all()
            self._wanted = True
            try:
                self._changed.wait_for(lambda: not self._waiting, timeout)
            except BaseException:  # interrupted: a lock the helper got is nobody's
                self._wanted = False
                self.give_back()
                raise
            self._wanted = False
            return self._held is not None

    def give_back(self) -> None:
        with self._changed:
            descriptor, self._held = self._held, None
        if descriptor is not None:
            os.close(descriptor)  # lets go of the lock

    def _open(self) -> int | None:
        try:
            return os.open(self._path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, PRIVATE_FILE)
        except OSError as exc:
            self._give_up(exc)
            return None

    def _lock(self, descriptor: int, operation: int) -> bool:
        """Whether the lock was had; False if it is taken (non-blocking) or cannot be had
        on this file system at all (then turns are off in this process)."""
        try:
            fcntl.flock(descriptor, operation)
        except BlockingIOError:
            return False
        except OSError as exc:
            self._give_up(exc)
            return False
        return True

    def _give_up(self, exc: OSError) -> None:
        if not self._broken:
            self._broken = True
            log.warning(
                "SQLite writers will not take turns across processes (%s): %s", self._path, exc
            )

    def _wait_for_lock(self) -> None:
        while True:
            with self._changed:
                if not self._changed.wait_for(lambda: self._waiting, self.HELPER_IDLE_SECONDS):
                    self._helper = None
                    return
            descriptor = self._open()
            # In the kernel, without the GIL.
            if descriptor is not None and not self._lock(descriptor, fcntl.LOCK_EX):
                os.close(descriptor)
                descriptor = None
            with self._changed:
                self._waiting = False
                if self._wanted:
                    self._held = descriptor
                elif descriptor is not None:  # the writer stopped waiting: let go at once
                    os.close(descriptor)
                self._changed.notify_all()


_writers: weakref.WeakKeyDictionary[sa.Engine, _Writers] = weakref.WeakKeyDictionary()


class Prepared:
    """A Core statement compiled once per dialect and run straight on the DBAPI cursor of
    the session's connection, inside its transaction.

    For the sale's hot path, where SQLAlchemy's work per execution (cache key, parameters,
    execution context, result object: some 20–40 µs a statement) cost more than the
    database's (docs/PERFORMANCE.md). Values are bound through the column types' own
    processors, as ``Connection.execute`` binds them (UTC datetimes, dates, JSON,
    booleans), and a value not given is the statement's own (a literal in it, a column's
    Python default or onupdate: an ``updated_at``); results come back as the driver gives
    them, so only statements whose results need no conversion (integers, text) use it. A
    driver's error is raised as SQLAlchemy's (``sa.exc.IntegrityError``,
    ``sa.exc.OperationalError``, ...), so the caller and pos/database_errors.py see what
    ``Connection.execute`` would raise.

    ``statement`` may be a function of the dialect's name that builds it (an upsert
    differs by dialect). ``keys``: for an INSERT, the columns given. ``as_is``: values
    bound as they are given, without their type's processor (a JSON document already
    serialised).
    """

    def __init__(
        self, statement: Any, keys: list[str] | None = None, *, as_is: tuple[str, ...] = ()
    ) -> None:
        self.statement = statement
        self.keys = keys
        self.as_is = as_is  # bound as given, without the type's processor (JSON text)
        self._plans: dict[str, tuple[str, list[tuple[str, Any, Any]], bool]] = {}
        self._results: dict[str, list[Any]] = {}

    def _plan(self, dialect: sa.Dialect) -> tuple[str, list[tuple[str, Any, Any]], bool]:
        plan = self._plans.get(dialect.name)
        if plan is None:
            statement = self.statement
            if not isinstance(statement, sa.sql.ClauseElement):
                statement = statement(dialect.name)
            compiled = statement.compile(dialect=dialect, column_keys=self.keys)
            processors = compiled._bind_processors
            if compiled.positional:
                names = list(compiled.positiontup or ())
            else:
                names = list(dict.fromkeys(compiled.bind_names.values()))
            fallbacks: dict[str, Any] = {}
            for bind, name in compiled.bind_names.items():
                if not bind.required and bind.callable is None:
                    fallbacks[name] = lambda value=bind.value: value
            for column in [*compiled.insert_prefetch, *compiled.update_prefetch]:
                default = column.onupdate if column in compiled.update_prefetch else None
                default = default or column.default
                if default is not None and default.is_callable:
                    fallbacks[column.key] = lambda arg=default.arg: arg(None)
                elif default is not None:
                    fallbacks[column.key] = lambda value=default.arg: value
            self._results[dialect.name] = [
                column[3]._cached_result_processor(dialect, None)
                for column in compiled._result_columns
            ]
            plan = (
                compiled.string,
                [
                    (
                        n,
                        None if n in self.as_is else processors.get(n),
                        fallbacks.get(n, _missing(n)),
                    )
                    for n in names
                ],
                compiled.positional,
            )
            self._plans[dialect.name] = plan
        return plan

    def execute(
        self,
        connection: sa.Connection,
        params: dict[str, Any] | None = None,
        *,
        many: list[dict[str, Any]] | None = None,
    ) -> Any:
        """Run with ``params`` (or once per row of ``many``); returns the DBAPI cursor."""
        dialect = connection.dialect
        text, names, positional = self._plan(dialect)

        def bound(values: dict[str, Any]) -> Any:
            out = []
            for name, processor, fallback in names:
                value = values[name] if name in values else fallback()
                out.append(processor(value) if processor else value)
            return tuple(out) if positional else dict(zip((n[0] for n in names), out, strict=True))

        cursor = connection.connection.driver_connection.cursor()
        error = dialect.loaded_dbapi.Error
        try:
            if many is not None and len(many) == 1:
                # One row: psycopg's executemany would open a pipeline of its own.
                cursor.execute(text, bound(many[0]))
            elif many is not None:
                cursor.executemany(text, [bound(row) for row in many])
            else:
                cursor.execute(text, bound(params or {}))
        except error as exc:
            raise sa.exc.DBAPIError.instance(
                text, params if many is None else many, exc, error, dialect=dialect
            ) from exc
        return cursor

    def first(self, connection: sa.Connection, params: dict[str, Any] | None = None) -> Any:
        """The first row of a query as a tuple, each value converted by its column's type
        as SQLAlchemy would (a stored UTC time, a JSON document), or None."""
        return self.converted(connection, self.execute(connection, params).fetchone())

    def all(self, connection: sa.Connection, params: dict[str, Any] | None = None) -> list:
        """Every row, as :meth:`first` gives one."""
        return self.converted_all(connection, self.execute(connection, params).fetchall())

    def converted(self, connection: sa.Connection, row: Any) -> Any:
        """A row the driver gave for this statement (or None), converted as :meth:`first`
        converts it: for a statement run with :meth:`execute` (in a pipeline)."""
        if row is None:
            return None
        processors = self._results[connection.dialect.name]
        return tuple(p(v) if p else v for p, v in zip(processors, row, strict=True))

    def converted_all(self, connection: sa.Connection, rows: list) -> list:
        """Rows the driver gave, each converted as :meth:`converted`."""
        processors = self._results[connection.dialect.name]
        if not any(processors):
            return rows
        return [tuple(p(v) if p else v for p, v in zip(processors, r, strict=True)) for r in rows]


def _missing(name: str) -> Any:
    def fail() -> Any:
        raise KeyError(f"no value for {name}")

    return fail
