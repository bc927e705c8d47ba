"""The data layer: UTC timestamps, schema constraints, migrations, SQLite's write lock."""

import fcntl
import logging
import os
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from pos.auth.models import AuditEntry
from pos.db import in_models, load_models, write_intent
from pos.inventory.models import Product
from tests import factories
from tests.conftest import sqlite_only


def test_timestamps_are_stored_in_utc_and_come_back_timezone_aware(db):
    wita = timezone(timedelta(hours=8))
    entry = AuditEntry(action="test", at=datetime(2025, 9, 6, 23, 59, tzinfo=wita))
    db.session.add(entry)
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(AuditEntry, entry.id).at
    assert stored.tzinfo is not None
    assert stored == datetime(2025, 9, 6, 15, 59, tzinfo=UTC)


def test_a_naive_timestamp_is_refused(db):
    db.session.add(AuditEntry(action="test", at=datetime(2025, 9, 6, 10, 0)))
    with pytest.raises(sa.exc.StatementError):
        db.session.flush()
    db.session.rollback()


def test_schema_refuses_a_second_one_of_a_kind_and_duplicate_skus_even_past_the_services(db):
    # Stock may go below zero (an offline sale of goods already sold is taken in, for the
    # manager to settle), but a one-of-a-kind piece never counts two in stock.
    exhibitor = factories.make_exhibitor(factories.make_event())
    product = factories.make_product(exhibitor, sku="ONE", stock=1, one_of_a_kind=True)
    with pytest.raises(sa.exc.IntegrityError):
        db.session.execute(sa.update(Product).where(Product.id == product.id).values(stock=2))
    db.session.rollback()
    db.session.add(
        Product(exhibitor_id=exhibitor.id, sku="ONE", name="Again", category="craft", price=1)
    )
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_migrations_at_head_match_the_models(db):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": in_models})
        diff = compare_metadata(context, load_models())
    assert diff == []


def test_init_db_twice_leaves_the_schema_and_data_alone(runner, db):
    factories.make_event(name="Kept")
    first = runner.invoke(args=["init-db"])
    second = runner.invoke(args=["init-db"])
    assert first.exit_code == 0 and second.exit_code == 0, second.output
    assert "Database ready" in second.output
    names = set(sa.inspect(db.engine).get_table_names())
    assert {"event", "exhibitor", "product", "sale", "stock_movement", "alembic_version"} <= names
    assert db.session.scalar(sa.text("SELECT count(*) FROM event")) == 1


@sqlite_only
def test_a_writing_transaction_takes_sqlites_write_lock_when_it_begins(db):
    path = db.engine.url.database
    with write_intent():
        db.session.connection()  # BEGIN IMMEDIATE
    other = sqlite3.connect(path, timeout=0.05, isolation_level=None)
    try:
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
    finally:
        other.close()
        db.session.rollback()


@sqlite_only
def test_a_reading_transaction_leaves_the_write_lock_free(db):
    path = db.engine.url.database
    db.session.connection()  # plain BEGIN
    other = sqlite3.connect(path, timeout=0.05, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
    finally:
        other.close()
        db.session.rollback()


def _no_busy_wait(dbapi_connection, _record) -> None:
    # SQLite's busy handler off: a writer that met the write lock taken would fail at once.
    dbapi_connection.execute("PRAGMA busy_timeout = 0")


def _write_in_a_thread(engine, done: list) -> threading.Thread:
    def write() -> None:
        try:
            with write_intent(), engine.begin() as connection:
                connection.execute(sa.text("INSERT INTO turn_test VALUES ('b')"))
            done.append("committed")
        except Exception as exc:  # the test reads what happened
            done.append(exc)

    thread = threading.Thread(target=write)
    thread.start()
    return thread


# Another process writing with the app's own engine: it holds a write transaction until
# told to commit (a line on its stdin) or killed.
_OTHER_PROCESS_WRITES = """
import sys
from pathlib import Path

import sqlalchemy as sa

from pos import create_app
from pos.db import write_intent
from pos.extensions import db
from tests.conftest import base_config

app = create_app(base_config(Path(sys.argv[1]), sys.argv[2]))
with app.app_context(), write_intent(), db.engine.begin() as connection:
    connection.execute(sa.text("INSERT INTO turn_test VALUES ('other process')"))
    print("writing", flush=True)
    sys.stdin.readline()
print("committed", flush=True)
"""


def _other_process_writing(app_config) -> subprocess.Popen:
    other = subprocess.Popen(
        [sys.executable, "-c", _OTHER_PROCESS_WRITES, app_config["INSTANCE_PATH"]]
        + [app_config["SQLALCHEMY_DATABASE_URI"]],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parent.parent,
    )
    assert other.stdout.readline() == "writing\n"
    return other


def _stop(other: subprocess.Popen) -> None:
    other.kill()
    other.communicate()


def _turn_file(engine) -> str:
    """The file beside the database whose lock is the processes' turn to write (named
    after the database's resolved path, as SQLite resolves it)."""
    return f"{os.path.realpath(engine.url.database)}-writer"


def _free(turn: str) -> bool:
    descriptor = os.open(turn, os.O_RDWR)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(descriptor)
    return True


def _create_turn_test(engine) -> None:
    with write_intent(), engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE turn_test (who TEXT)"))
    engine.dispose()


@pytest.fixture
def turn_engine(db):
    """The app's engine with a table to write to, its busy handler off."""
    engine = db.engine
    _create_turn_test(engine)
    sa.event.listen(engine, "connect", _no_busy_wait)
    yield engine
    sa.event.remove(engine, "connect", _no_busy_wait)
    engine.dispose()


def _writer_waiting(engine) -> tuple[threading.Thread, list]:
    """A writer in a thread, still waiting half a second on: it never met SQLite's lock
    (which, with no busy timeout, would have refused it at once as "database is
    locked")."""
    done: list = []
    thread = _write_in_a_thread(engine, done)
    thread.join(timeout=0.5)
    assert thread.is_alive() and done == []
    return thread, done


def _kept(engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.execute(sa.text("SELECT who FROM turn_test ORDER BY who")).scalars())


def _let_commit(other: subprocess.Popen) -> None:
    other.stdin.write("\n")
    other.stdin.flush()
    assert other.stdout.readline() == "committed\n"


@sqlite_only
@pytest.mark.parametrize("ending", ["commit", "close"])
def test_a_writer_of_the_same_process_waits_its_turn_and_writes_once_the_writer_before_ends(
    turn_engine, ending
):
    first = turn_engine.connect()
    with write_intent():
        first.begin()  # BEGIN IMMEDIATE: this process's turn, then SQLite's lock
    first.execute(sa.text("INSERT INTO turn_test VALUES ('a')"))
    second, done = _writer_waiting(turn_engine)  # for its turn
    if ending == "commit":
        first.commit()
    first.close()  # "close": rolled back as it goes back to the pool
    second.join(timeout=10)
    assert done == ["committed"]
    assert _kept(turn_engine) == (["a", "b"] if ending == "commit" else ["b"])


@sqlite_only
@pytest.mark.parametrize("ending", ["commit", "killed"])
def test_a_writer_of_another_process_waits_its_turn_and_writes_once_that_process_ends_its_write(
    turn_engine, app_config, ending
):
    other = _other_process_writing(app_config)
    try:
        second, done = _writer_waiting(turn_engine)  # for the other process's turn, in the kernel
        if ending == "commit":
            _let_commit(other)
        else:  # a process that dies holding its turn gives it up with its life
            other.kill()
        second.join(timeout=10)
        assert done == ["committed"]
        assert _kept(turn_engine) == (["b", "other process"] if ending == "commit" else ["b"])
    finally:
        _stop(other)


@sqlite_only
def test_a_writer_that_waited_the_busy_timeout_for_its_turn_goes_on_to_sqlite_and_the_turns_go_on(
    turn_engine, app_config, monkeypatch
):
    other = _other_process_writing(app_config)
    monkeypatch.setattr("pos.db.SQLITE_BUSY_TIMEOUT_MS", 300)
    try:
        done: list = []
        _write_in_a_thread(turn_engine, done).join(timeout=10)
        # After 0.3 s without its turn it went on to SQLite, which (busy timeout 0 here)
        # refused it as a locked database: the answer a sale gets is then a 503.
        assert len(done) == 1 and "database is locked" in str(done[0])
        _let_commit(other)
        # The turn it gave up is let go once it comes: the next writer takes it, holds it
        # for its transaction, and leaves it free behind it.
        turn = _turn_file(turn_engine)
        with turn_engine.connect() as connection:
            with write_intent():
                connection.begin()
            assert not _free(turn)
            connection.execute(sa.text("INSERT INTO turn_test VALUES ('c')"))
            connection.commit()
        assert _free(turn)
        assert _kept(turn_engine) == ["c", "other process"]
    finally:
        _stop(other)


@sqlite_only
def test_the_workers_still_take_turns_after_the_waiting_helper_has_rested(
    turn_engine, app_config, monkeypatch
):
    monkeypatch.setattr("pos.db._ProcessTurn.HELPER_IDLE_SECONDS", 0.1)
    for _ in range(2):  # the second wait comes after the first one's helper has ended
        other = _other_process_writing(app_config)
        try:
            second, done = _writer_waiting(turn_engine)
            _let_commit(other)
            second.join(timeout=10)
            assert done == ["committed"]
        finally:
            _stop(other)
        time.sleep(0.5)
    assert _kept(turn_engine) == ["b", "b", "other process", "other process"]


@sqlite_only
def test_where_the_turns_file_cannot_be_made_the_writers_still_write_and_say_so_once(db, caplog):
    engine = db.engine
    Path(_turn_file(engine)).mkdir()  # a folder where the file would be
    _create_turn_test(engine)
    with caplog.at_level(logging.WARNING, logger="pos.db"):
        for who in ("a", "b"):
            with write_intent(), engine.begin() as connection:
                connection.execute(sa.text(f"INSERT INTO turn_test VALUES ('{who}')"))
    assert _kept(engine) == ["a", "b"]
    warnings = [r.getMessage() for r in caplog.records if r.name == "pos.db"]
    assert len(warnings) == 1
    assert "will not take turns across processes" in warnings[0]


def test_audit_entries_written_before_they_named_their_event_get_it_on_upgrade(db):
    from flask_migrate import downgrade

    from pos.db import MIGRATIONS_DIR, upgrade_schema

    event = factories.make_event()
    booth = factories.Booth(event, "B12")
    bound = factories.make_user("organizer")
    bound.event_id = event.id
    db.session.add(AuditEntry(action="login", user_id=bound.id, username=bound.username))
    db.session.add(AuditEntry(action="login_failed", username="nobody"))
    db.session.execute(sa.update(AuditEntry).values(event_id=None))
    db.session.commit()
    event_id, booth_id, bound_id = event.id, booth.exhibitor.id, bound.id
    db.session.close()
    with write_intent():
        downgrade(directory=str(MIGRATIONS_DIR), revision="15dbde00ed3e")
    upgrade_schema()

    entries = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id)).all()
    by_booth = [e.event_id for e in entries if e.exhibitor_id == booth_id]
    assert by_booth and set(by_booth) == {event_id}
    assert [e.event_id for e in entries if e.user_id == bound_id] == [event_id]
    assert [e.event_id for e in entries if e.username == "nobody"] == [None]


@sqlite_only
def test_a_wal_that_grew_past_its_limit_is_cut_back_when_sqlite_starts_it_again(db):
    from pos.db import SQLITE_WAL_SIZE_LIMIT

    path = db.engine.url.database
    wal = f"{path}-wal"
    db.session.execute(sa.text("CREATE TABLE scratch (data BLOB)"))
    db.session.commit()
    # A reader holding its snapshot keeps SQLite from starting the log again: it grows.
    reader = sqlite3.connect(path, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM scratch").fetchone()
    for _ in range(24):
        db.session.execute(sa.text("INSERT INTO scratch VALUES (zeroblob(1048576))"))
        db.session.commit()
    grown = Path(wal).stat().st_size
    reader.execute("ROLLBACK")
    reader.close()
    # Checkpointed once no reader needs it; the next write starts the log from the top.
    db.session.execute(sa.text("PRAGMA wal_checkpoint(PASSIVE)"))
    db.session.execute(sa.text("INSERT INTO scratch VALUES (1)"))
    db.session.commit()
    assert grown > 24 * 2**20
    assert Path(wal).stat().st_size <= SQLITE_WAL_SIZE_LIMIT
