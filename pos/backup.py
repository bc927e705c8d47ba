"""Backups a venue can trust: a consistent copy taken while the booths sell, checked
before it counts, put back by a restore that checks it first; and the schedule that
`pos serve --backup-every` runs beside the server.

Why these methods (issue 13's findings): copying the SQLite file while tablets sell
misses acknowledged sales and gives corrupt copies (with or without its WAL), and the
sqlite3 shell's ``.backup`` never finishes under writes (every write restarts it). The
online backup API copying every page in one step reads one snapshot in one read
transaction, which in WAL mode blocks no writer. PostgreSQL's ``pg_dump`` reads one
snapshot too, and its locks block no sale.

A copy only counts once `pos check` passed on it: the engine's integrity check, then
the books (pos/integrity.py). A SQLite copy is checked under its temporary name and only
then renamed into place, so a file with the backup's name is always a checked one. A
PostgreSQL dump is restored into a scratch database ``<database>_check_<random>`` that
is checked and dropped again; where the account may not create databases, the whole
archive is read instead (every table's data decompressed and parsed), and the result
says which check was done.
"""

from __future__ import annotations

import contextlib
import glob
import json
import logging
import os
import re
import secrets
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import psutil
import sqlalchemy as sa
from flask import Flask, current_app

from pos.extensions import db
from pos.storage import create_private_file

log = logging.getLogger("pos.backup")

SQLITE_SUFFIX = ".sqlite3"
PG_SUFFIX = ".pgdump"
BACKUP_NAME = re.compile(r"^pos-\d{8}T\d{6}Z(-\d+)?\.(sqlite3|pgdump)$")
PARTIAL_PREFIX = ".pos-partial-"
FILES_DIR = "files"
SQLITE_HEADER = b"SQLite format 3\x00"
PG_CUSTOM_HEADER = b"PGDMP"
DEFAULT_KEEP = 24
PG_TOOL_DIRS = "/usr/lib/postgresql/*/bin"


class BackupFailed(Exception):
    """A backup or restore that did not happen, with what the person can do about it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class BackupResult:
    path: str
    size: int
    copy_seconds: float
    check_seconds: float
    check: str
    pruned: list[str]
    files: str = ""
    # When the copy began and ended, and the check ended (seconds since the epoch): the
    # copy is the only part that reads the live database.
    copy_started_at: float = 0.0
    copy_ended_at: float = 0.0
    check_ended_at: float = 0.0


@dataclass
class RestoreResult:
    source: str
    database: str
    replaced_sales: int
    check_before: str
    check_after: str
    seconds: float
    files: str = ""


# --- taking a backup ----------------------------------------------------------------------


def default_directory(app: Flask) -> Path:
    return Path(app.instance_path) / "backups"


def take_backup(
    path: Path | None = None,
    *,
    directory: Path | None = None,
    keep: int | None = None,
    quick: bool = False,
) -> BackupResult:
    """A consistent copy of the app's database at ``path`` (or a timestamped file in
    ``directory``), checked before it takes its name; then, with ``keep``, only the
    newest ``keep`` backups of that directory are kept. Raises BackupFailed, leaving
    nothing at ``path``."""
    url = db.engine.url
    kind = _kind(url)
    suffix = SQLITE_SUFFIX if kind == "sqlite" else PG_SUFFIX
    into_folder = path is None or path.is_dir()
    if into_folder:
        folder = path or directory or default_directory(current_app)
        try:
            folder.mkdir(exist_ok=True)  # never its parents: a missing USB stick stays missing
        except OSError as exc:
            raise BackupFailed(f"Cannot use the backup folder {folder}: {_os_error(exc)}") from None
        path = _timestamped(folder, suffix)
    path = path.absolute()
    if kind == "sqlite" and _same_file(path, Path(url.database)):
        raise BackupFailed(f"{path} is the database itself; name another file.")
    if not path.parent.is_dir():
        raise BackupFailed(f"The folder {path.parent} does not exist (is the disk connected?)")
    _remove_dead_partials(path.parent)
    partial = path.parent / f"{PARTIAL_PREFIX}{os.getpid()}-{secrets.token_hex(4)}{suffix}"
    try:
        # Readable by its owner only (it holds password hashes and buyers' phones), before
        # anything is written into it.
        create_private_file(partial)
        started, started_at = time.perf_counter(), time.time()
        if kind == "sqlite":
            _copy_sqlite(Path(url.database), partial)
        else:
            _dump_postgres(url, partial)
        copied, copied_at = time.perf_counter(), time.time()
        if kind == "sqlite":
            check = _check_sqlite_copy(partial, quick)
            _make_self_contained(partial)
        else:
            check = _check_postgres_dump(url, partial, quick)
        checked, checked_at = time.perf_counter(), time.time()
        _fsync(partial)
        os.replace(partial, path)
        _fsync_directory(path.parent)
    except OSError as exc:
        raise BackupFailed(f"Writing {path} failed: {_os_error(exc)}") from None
    finally:
        for leftover in _with_sqlite_sidecars(partial):
            leftover.unlink(missing_ok=True)
    try:
        pruned = prune(path.parent, keep) if keep else []
        files = copy_instance_files(path.parent / FILES_DIR) if into_folder else ""
    except OSError as exc:
        raise BackupFailed(
            f"The database was backed up to {path}, but removing older backups or copying "
            f"the certificate authority, secret key and photos beside it failed: "
            f"{_os_error(exc)}"
        ) from None
    return BackupResult(
        path=str(path),
        size=path.stat().st_size,
        copy_seconds=round(copied - started, 3),
        check_seconds=round(checked - copied, 3),
        check=check,
        pruned=[str(p) for p in pruned],
        files=files,
        copy_started_at=started_at,
        copy_ended_at=copied_at,
        check_ended_at=checked_at,
    )


def prune(directory: Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` backups in ``directory`` (only files named as
    `pos backup` names them; anything else there is left alone)."""
    backups = sorted(p for p in directory.iterdir() if BACKUP_NAME.match(p.name))
    doomed = backups[:-keep] if keep > 0 else []
    for path in doomed:
        path.unlink(missing_ok=True)
    return doomed


def backups_in(directory: Path) -> list[Path]:
    """The backups `pos backup` made in ``directory``, oldest first."""
    return sorted(p for p in directory.iterdir() if BACKUP_NAME.match(p.name))


def _timestamped(folder: Path, suffix: str) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = folder / f"pos-{stamp}{suffix}"
    n = 2
    while path.exists():
        path = folder / f"pos-{stamp}-{n}{suffix}"
        n += 1
    return path


def _same_file(path: Path, database: Path) -> bool:
    names = {str(p) for p in _with_sqlite_sidecars(database.absolute())}
    return str(path) in names or (
        path.exists() and database.exists() and os.path.samefile(path, database)
    )


def _kind(url: sa.URL) -> str:
    backend = url.get_backend_name()
    if backend == "sqlite":
        if not url.database or url.database == ":memory:":
            raise BackupFailed("An in-memory SQLite database cannot be backed up.")
        return "sqlite"
    if backend == "postgresql":
        return "postgresql"
    raise BackupFailed(f"Backups of {backend} databases are not supported.")


def _copy_sqlite(source: Path, target: Path) -> None:
    """Every page of one snapshot, copied in one step of the online backup API: one read
    transaction, which under WAL blocks no writer and sees no half-written sale."""
    if not source.exists():
        raise BackupFailed(f"There is no database at {source}.")
    src = sqlite3.connect(source, timeout=15)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst, pages=-1)
        finally:
            dst.close()
    except sqlite3.Error as exc:
        raise BackupFailed(f"Copying {source} failed: {exc}") from None
    finally:
        src.close()


def _make_self_contained(path: Path) -> None:
    """Rollback-journal mode: the backup is one file that opens anywhere, even on a
    write-protected stick (a WAL file needs its -shm beside it)."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA journal_mode = DELETE")
    finally:
        conn.close()


def _with_sqlite_sidecars(path: Path) -> list[Path]:
    return [path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")]


def _remove_dead_partials(folder: Path) -> None:
    """Temporary files of backups whose process died (a pulled plug, a kill)."""
    for partial in folder.glob(f"{PARTIAL_PREFIX}*"):
        pid = partial.name[len(PARTIAL_PREFIX) :].split("-", 1)[0]
        if pid.isdigit() and not psutil.pid_exists(int(pid)):
            partial.unlink(missing_ok=True)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_directory(path: Path) -> None:
    """The rename made durable, where the platform and file system allow it."""
    if sys.platform == "win32":  # pragma: no cover
        return
    with contextlib.suppress(OSError):
        _fsync(path)


def _os_error(exc: OSError) -> str:
    return exc.strerror or str(exc)


# --- the files beside the database ----------------------------------------------------------


def _instance_files(app: Flask) -> dict[str, Path]:
    """What another laptop needs besides the database, by its place under files/: the
    certificate authority the tablets trust (a new one means installing it on every
    tablet again), the secret key (signed-in browsers stay signed in where the laptop
    keeps its address) and the product photos (named by their content, so never
    changed). Printed receipts are not among them: a missing original is drawn again
    from the database, the same."""
    from pos.config import SECRET_KEY_FILE
    from pos.inventory import photos
    from pos.tls import service as tls

    found: dict[str, Path] = {}
    if (Path(app.instance_path) / SECRET_KEY_FILE).is_file():
        found[SECRET_KEY_FILE] = Path(app.instance_path) / SECRET_KEY_FILE
    ca = Path(app.instance_path) / tls.FOLDER
    for name in (tls.CA_CERT, tls.CA_KEY):
        if (ca / name).is_file():
            found[f"{tls.FOLDER}/{name}"] = ca / name
    photo_root = Path(app.config["PHOTOS_DIR"])
    if photo_root.is_dir():
        for photo in photo_root.glob("*/*.jpg"):
            if photos.NAME.match(photo.name):
                found[f"photos/{photo.parent.name}/{photo.name}"] = photo
    return found


def _copy_file(source: Path, target: Path) -> bool:
    """Copy when missing or different; the copy is private (0600), written aside and
    renamed. Returns whether it copied."""
    content = source.read_bytes()
    if target.is_file() and target.read_bytes() == content:
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.parent / f"{PARTIAL_PREFIX}{os.getpid()}-{secrets.token_hex(4)}"
    try:
        # Private from its creation, without chmod (which a FAT-formatted stick refuses).
        fd = os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return True


def copy_instance_files(files_dir: Path) -> str:
    """Copy the certificate authority and new photos into ``files_dir`` (beside the
    backups); returns what was done, in words."""
    copied = skipped = 0
    wanted = _instance_files(current_app)
    for name, source in wanted.items():
        if name.startswith("photos/") and (files_dir / name).exists():
            skipped += 1  # named by content: the same name is the same photo
            continue
        if _copy_file(source, files_dir / name):
            copied += 1
        else:
            skipped += 1
    ca = "with" if any(n.endswith("ca.key") for n in wanted) else "no"
    return f"files/: {copied} copied, {skipped} unchanged ({ca} certificate authority)"


def bring_back_files(files_dir: Path) -> str:
    """The reverse on a new laptop: what the instance folder lacks, from ``files_dir``,
    and the secret key of the event. A certificate authority already there is kept (said
    in the answer)."""
    from pos.config import SECRET_KEY_FILE
    from pos.tls import service as tls

    if not files_dir.is_dir():
        return "no files/ folder beside the backup: only the database was restored"
    instance = Path(current_app.instance_path)
    key = ""
    if (files_dir / SECRET_KEY_FILE).is_file() and _copy_file(
        files_dir / SECRET_KEY_FILE, instance / SECRET_KEY_FILE
    ):
        key = "; the event's secret key"
    photo_root = Path(current_app.config["PHOTOS_DIR"])
    photos_copied = 0
    for photo in files_dir.glob("photos/*/*.jpg"):
        target = photo_root / photo.parent.name / photo.name
        if not target.exists():
            _copy_file(photo, target)
            photos_copied += 1
    ca_source = files_dir / tls.FOLDER
    ca_target = instance / tls.FOLDER
    names = (tls.CA_CERT, tls.CA_KEY)
    if not all((ca_source / n).is_file() for n in names):
        ca = "no certificate authority in the backup"
    elif all((ca_target / n).is_file() for n in names):
        same = all((ca_source / n).read_bytes() == (ca_target / n).read_bytes() for n in names)
        ca = (
            "the certificate authority is the same"
            if same
            else f"kept this laptop's own certificate authority (the tablets trust the one "
            f"in {ca_source}: copy it into {ca_target} by hand to use it)"
        )
    else:
        for n in names:
            _copy_file(ca_source / n, ca_target / n)
        # The server certificate is issued again by the restored authority at --tls.
        for n in (tls.SERVER_CERT, tls.SERVER_KEY):
            (ca_target / n).unlink(missing_ok=True)
        ca = "brought back the certificate authority the tablets trust"
    return f"{ca}; {photos_copied} photo file(s) brought back{key}"


# --- checking a copy ------------------------------------------------------------------------


def check_database_at(url: str | sa.URL, *, quick: bool = False):
    """`pos check` (pos/integrity.py) on another database than the app's: a second app
    on that URL, its engine disposed again afterwards. Returns the CheckReport."""
    from pos import create_app, integrity

    if isinstance(url, sa.URL):
        url = url.render_as_string(hide_password=False)
    other = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "INSTANCE_PATH": current_app.instance_path,
            "SECRET_KEY": current_app.config["SECRET_KEY"],
        }
    )
    with other.app_context():
        try:
            return integrity.run_checks(quick=quick)
        finally:
            db.session.remove()
            db.engine.dispose()


def _check_sqlite_copy(path: Path, quick: bool) -> str:
    report = check_database_at(f"sqlite:///{path}", quick=quick)
    if not report.ok:
        raise BackupFailed(_check_failure(report))
    return f"pos check: {report.engine.method}: ok; books agree"


def _check_failure(report) -> str:
    problems = report.problem_lines()
    shown = "; ".join(problems[:5]) + (" ..." if len(problems) > 5 else "")
    return f"The copy failed pos check: {report.summary()} ({shown})"


# --- PostgreSQL -----------------------------------------------------------------------------


def find_pg_tool(name: str, search: list[str] | None = None) -> str:
    """pg_dump or pg_restore: on PATH, else the newest of /usr/lib/postgresql/*/bin (where
    Debian and Ubuntu put them). Raises BackupFailed saying how to install them."""
    found = shutil.which(name)
    if found and search is None:
        return found
    folders = search if search is not None else glob.glob(PG_TOOL_DIRS)

    def version(folder: str) -> tuple[int, ...]:
        digits = re.findall(r"\d+", folder)
        return tuple(int(d) for d in digits)

    for folder in sorted(folders, key=version, reverse=True):
        candidate = Path(folder) / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    raise BackupFailed(
        f"{name} was not found on PATH nor in {PG_TOOL_DIRS}. Install PostgreSQL's client "
        f"programs of the server's version or newer (Debian/Ubuntu: apt-get install "
        f"postgresql-client) or put {name} on PATH."
    )


def _libpq(url: sa.URL, database: str | None = None) -> tuple[str, dict[str, str]]:
    """A libpq URI without the password (which goes by environment, never on a command
    line that `ps` shows), and that environment."""
    plain = url.set(drivername="postgresql", password=None)
    if database is not None:
        plain = plain.set(database=database)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return plain.render_as_string(hide_password=False), env


def _run(command: list[str], env: dict[str, str], what: str) -> str:
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True)
    except OSError as exc:
        raise BackupFailed(f"{what} failed: {_os_error(exc)}") from None
    if done.returncode != 0:
        message = (done.stderr or done.stdout).strip().splitlines()
        raise BackupFailed(f"{what} failed: {' / '.join(message[-3:]) or done.returncode}")
    return done.stdout


def _dump_postgres(url: sa.URL, target: Path) -> None:
    conninfo, env = _libpq(url)
    command = [find_pg_tool("pg_dump"), "--format=custom", "--no-password"]
    _run([*command, f"--file={target}", f"--dbname={conninfo}"], env, "pg_dump")


def _restore_list(dump: Path, env: dict[str, str]) -> Path:
    """The archive's table of contents without extensions: `pos check` never leaves one
    behind, but one a DBA installed would need a superuser to create again, and the app
    does not use any. Raises BackupFailed when the file is no custom-format dump."""
    listing = _run(
        [find_pg_tool("pg_restore"), "--list", str(dump)], env, f"Reading {dump} as a dump"
    )
    kept = [
        line
        for line in listing.splitlines()
        if not re.match(r"^\d+; \d+ \d+ (EXTENSION|COMMENT - EXTENSION) ", line)
    ]
    fd, name = tempfile.mkstemp(prefix="pos-restore-", suffix=".list")
    with os.fdopen(fd, "w") as handle:
        handle.write("\n".join(kept) + "\n")
    return Path(name)


def _pg_restore(dump: Path, url: sa.URL, database: str | None = None) -> None:
    """The whole dump into an empty database, in one transaction: all or nothing."""
    conninfo, env = _libpq(url, database)
    listing = _restore_list(dump, env)
    try:
        command = [find_pg_tool("pg_restore"), "--no-password", "--exit-on-error"]
        command += ["--single-transaction", "--no-owner", "--no-privileges", "--no-comments"]
        command += [f"--use-list={listing}", f"--dbname={conninfo}", str(dump)]
        _run(command, env, f"pg_restore into {database or url.database}")
    finally:
        listing.unlink(missing_ok=True)


def _autocommit(url: sa.URL) -> sa.Engine:
    return sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)


@contextmanager
def _scratch_database(url: sa.URL) -> Iterator[str | None]:
    """A new empty database beside the app's, dropped again on leaving; None when the
    account may not create databases."""
    name = f"{(url.database or 'pos')[:40]}_check_{secrets.token_hex(4)}"
    engine = _autocommit(url)
    try:
        try:
            with engine.connect() as conn:
                conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE template0')
        except sa.exc.DBAPIError as exc:
            if getattr(exc.orig, "sqlstate", None) == "42501":  # insufficient_privilege
                yield None
                return
            raise BackupFailed(f"Creating a scratch database failed: {exc.orig}") from None
        try:
            yield name
        finally:
            with engine.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        engine.dispose()


def _check_postgres_dump(url: sa.URL, dump: Path, quick: bool) -> str:
    """Restore the dump into a scratch database and run `pos check` there; without the
    right to create databases, read the whole archive instead."""
    with _scratch_database(url) as scratch:
        if scratch is None:
            _, env = _libpq(url)
            restore = find_pg_tool("pg_restore")
            _run([restore, "--file=" + os.devnull, str(dump)], env, "Reading the whole dump")
            return (
                "archive read in full (pg_restore to nowhere); not restored, as this "
                "account may not create a scratch database"
            )
        _pg_restore(dump, url, scratch)
        report = check_database_at(url.set(database=scratch), quick=quick)
        if not report.ok:
            raise BackupFailed(_check_failure(report))
        return (
            f"restored into a scratch database; pos check: {report.engine.method}: ok; books agree"
        )


# --- restoring ------------------------------------------------------------------------------


def restore_backup(source: Path, *, force: bool = False, quick: bool = False) -> RestoreResult:
    """Put a copy made by `pos backup` back as the app's database: the copy is checked
    first, a database that holds sales is only replaced with ``force``, and the result
    is checked again. Raises BackupFailed, leaving the database as it was, when the copy
    is damaged or of the wrong kind, or sales would be lost without ``force``."""
    started = time.perf_counter()
    url = db.engine.url
    kind = _kind(url)
    source = source.absolute()
    if not source.is_file():
        raise BackupFailed(f"There is no file {source}.")
    with source.open("rb") as handle:
        header = handle.read(16)
    if kind == "sqlite" and not header.startswith(SQLITE_HEADER):
        hint = " (it is a PostgreSQL dump)" if header.startswith(PG_CUSTOM_HEADER) else ""
        raise BackupFailed(f"{source} is not a SQLite database{hint}.")
    if kind == "postgresql" and not header.startswith(PG_CUSTOM_HEADER):
        hint = " (it is a SQLite database)" if header.startswith(SQLITE_HEADER) else ""
        raise BackupFailed(f"{source} is not a PostgreSQL dump (pg_dump -Fc){hint}.")
    db.session.remove()
    db.engine.dispose()
    if kind == "sqlite":
        result = _restore_sqlite(source, Path(url.database), force, quick)
    else:
        result = _restore_postgres(source, url, force, quick)
    from pos import integrity

    db.engine.dispose()
    after = integrity.run_checks(quick=quick)
    if not after.ok:
        raise BackupFailed(f"The restored database failed pos check: {after.summary()}")
    result.check_after = f"{after.engine.method}: ok; books agree"
    try:
        result.files = bring_back_files(source.parent / FILES_DIR)
    except OSError as exc:
        raise BackupFailed(
            f"The database was restored, but bringing back the files beside it failed: "
            f"{_os_error(exc)}"
        ) from None
    result.seconds = round(time.perf_counter() - started, 3)
    return result


def _sales_in_sqlite(path: Path) -> int:
    if not path.exists() or path.stat().st_size == 0:
        return 0
    conn = sqlite3.connect(path, timeout=15)
    try:
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'sale'").fetchone():
            return 0
        return conn.execute("SELECT count(*) FROM sale").fetchone()[0]
    finally:
        conn.close()


def _refuse_to_lose(sales: int, where: str, force: bool) -> None:
    if sales and not force:
        raise BackupFailed(
            f"The database {where} holds {sales} sale(s); restoring would replace them. "
            "Nothing was changed. Restore into an empty database (POS_DATABASE_URL), or "
            "add --force to replace them."
        )


def _restore_sqlite(source: Path, target: Path, force: bool, quick: bool) -> RestoreResult:
    if _same_file(source, target):
        raise BackupFailed(f"{source} is the database itself; nothing to restore.")
    sales = _sales_in_sqlite(target)
    _refuse_to_lose(sales, f"at {target}", force)
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = target.parent / f"{PARTIAL_PREFIX}{os.getpid()}-{secrets.token_hex(4)}.sqlite3"
    try:
        create_private_file(staged)
        _copy_sqlite(source, staged)  # read through SQLite: the stick's copy stays untouched
        report = check_database_at(f"sqlite:///{staged}", quick=quick)
        if not report.ok:
            raise BackupFailed(_check_failure(report).replace("The copy", f"{source}"))
        # Through the backup API into the live file: SQLite's own locking and journal
        # (WAL included) make the replacement all or nothing.
        src = sqlite3.connect(staged)
        dst = sqlite3.connect(target, timeout=15)
        try:
            src.backup(dst, pages=-1)
        except sqlite3.Error as exc:
            raise BackupFailed(f"Writing {target} failed: {exc}") from None
        finally:
            dst.close()
            src.close()
    except OSError as exc:
        raise BackupFailed(f"Restoring into {target} failed: {_os_error(exc)}") from None
    finally:
        for leftover in _with_sqlite_sidecars(staged):
            leftover.unlink(missing_ok=True)
    return RestoreResult(
        source=str(source),
        database=str(target),
        replaced_sales=sales,
        check_before=f"{report.engine.method}: ok; books agree",
        check_after="",
        seconds=0.0,
    )


def _ensure_database(url: sa.URL) -> None:
    """Create the app's database if the server has none of that name yet (a new laptop):
    from the maintenance database ``postgres``."""
    engine = _autocommit(url)
    try:
        with engine.connect():
            return
    except sa.exc.OperationalError as exc:
        if f'database "{url.database}" does not exist' not in str(exc.orig):
            raise BackupFailed(f"Cannot connect to {url.database}: {exc.orig}") from None
    finally:
        engine.dispose()
    maintenance = _autocommit(url.set(database="postgres"))
    try:
        with maintenance.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{url.database}"')
    except sa.exc.DBAPIError as exc:
        raise BackupFailed(f"Creating the database {url.database} failed: {exc.orig}") from None
    finally:
        maintenance.dispose()


def _restore_postgres(source: Path, url: sa.URL, force: bool, quick: bool) -> RestoreResult:
    _ensure_database(url)
    sales = _postgres_sales(url, force)
    check_before = _check_postgres_dump(url, source, quick)
    _postgres_sales(url, force)  # again: nothing sold meanwhile
    engine = _autocommit(url)
    try:
        with engine.connect() as conn:
            schema = conn.exec_driver_sql("SELECT current_schema()").scalar() or "public"
            try:
                conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
                conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
            except sa.exc.DBAPIError as exc:
                raise BackupFailed(
                    f"Emptying the database {url.database} failed ({exc.orig}); the "
                    "account that restores must own its schema."
                ) from None
    finally:
        engine.dispose()
    _pg_restore(source, url)
    return RestoreResult(
        source=str(source),
        database=url.render_as_string(hide_password=True),
        replaced_sales=sales,
        check_before=check_before,
        check_after="",
        seconds=0.0,
    )


def _postgres_sales(url: sa.URL, force: bool) -> int:
    """The sales in the database; raises BackupFailed where a restore would lose them, or
    where others use the database, unless ``force``."""
    engine = _autocommit(url)
    try:
        with engine.connect() as conn:
            others = conn.exec_driver_sql(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).scalar()
            if others and not force:
                raise BackupFailed(
                    f"{others} other connection(s) use the database {url.database}: stop "
                    "pos serve (and anything else using it) first, or add --force."
                )
            sales = 0
            if conn.exec_driver_sql("SELECT to_regclass('sale')").scalar():
                sales = conn.exec_driver_sql("SELECT count(*) FROM sale").scalar()
    finally:
        engine.dispose()
    _refuse_to_lose(sales, url.database or "", force)
    return sales


# --- the schedule beside `pos serve` ------------------------------------------------------


def parse_interval(text: str) -> float:
    """'10m', '90s', '1h', '1h30m' or a number of seconds → seconds (at least 1). Raises
    ValueError."""
    compact = re.sub(r"\s", "", text.lower())
    if re.fullmatch(r"\d+", compact):
        seconds = int(compact)
    else:
        match = re.fullmatch(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?", compact)
        if not compact or not match:
            raise ValueError(f"{text!r} is not a duration such as 10m, 90s, 1h or 1h30m")
        hours, minutes, secs = (int(g or 0) for g in match.groups())
        seconds = hours * 3600 + minutes * 60 + secs
    if seconds < 1:
        raise ValueError("a backup interval is at least one second")
    return float(seconds)


def describe_interval(seconds: float) -> str:
    if seconds % 3600 == 0:
        return f"{seconds / 3600:g}h"
    if seconds % 60 == 0:
        return f"{seconds / 60:g}m"
    return f"{seconds:g}s"


def _pos_command() -> list[str]:
    return [sys.executable, "-m", "pos.cli"]


class BackupSchedule:
    """Backs up every ``every`` seconds into ``directory``, keeping the newest ``keep``,
    from a thread of the serving process (gunicorn's master, or waitress's process).

    Each backup is its own `pos backup` process at low CPU and I/O priority, so the copy
    and its check share no interpreter, memory or database connection with the server,
    and sales (in other processes) are not held up by it. The first backup is taken as
    the server starts, then one every interval; one still running when the next is due
    makes the next one start late (and says so): two never run at once. Every result is
    logged; a failed one (a disk gone, a damaged copy) is logged as an error and the
    server goes on.
    """

    def __init__(self, every: float, directory: Path, keep: int, quick: bool = False) -> None:
        self.every = every
        self.directory = directory
        self.keep = keep
        self.quick = quick
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pos-backup", daemon=True)
        self._process: subprocess.Popen | None = None
        self.results: list[dict] = []

    def start(self) -> None:
        _configure_log()
        log.info(
            "backups every %s into %s, keeping the newest %d",
            describe_interval(self.every),
            self.directory,
            self.keep,
        )
        import atexit

        atexit.register(self.stop)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        process = self._process
        if process is not None and process.poll() is None:
            process.terminate()  # it removes its temporary file
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()

    def _run(self) -> None:
        next_due = time.monotonic()
        while not self._stop.is_set():
            self.run_once()
            next_due += self.every
            if next_due < time.monotonic():
                log.warning(
                    "the backup took longer than the interval (%s); the next one starts now",
                    describe_interval(self.every),
                )
                next_due = time.monotonic()
            self._stop.wait(next_due - time.monotonic())

    def run_once(self) -> dict:
        """One backup in its own process; its result (also logged)."""
        command = [*_pos_command(), "backup", "--dir", str(self.directory)]
        command += ["--keep", str(self.keep), "--json", "--low-priority"]
        command += ["--quick"] if self.quick else []
        log.info("backup started")
        started = time.time()
        try:
            self._process = subprocess.Popen(
                command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
            )
            # At once, so that even its start (importing the app) yields to the workers;
            # the child says the same again for itself where this could not.
            lower_priority(self._process.pid)
            # Read to the end of its output rather than trust its exit status: gunicorn's
            # master reaps every child that exits, ours included.
            out, err = self._process.communicate()
        except OSError as exc:
            out, err = "", f"could not start pos backup: {_os_error(exc)}"
        finally:
            self._process = None
        result = _parse_result(out, err)
        result["started_at"] = started
        result["finished_at"] = time.time()
        self.results.append(result)
        if self._stop.is_set() and not result.get("ok"):
            log.warning("backup interrupted: the server is stopping")
        elif result.get("ok"):
            log.info(
                "backup ok: %s (%s, the books as of %s; copy %.1f s, check %.1f s; %s; %s)%s",
                result["path"],
                _size(result["size"]),
                _clock(result.get("copy_started_at", 0.0)),
                result["copy_seconds"],
                result["check_seconds"],
                result["check"],
                result.get("files", ""),
                f"; removed {len(result['pruned'])} older" if result.get("pruned") else "",
            )
        else:
            log.error(
                "BACKUP FAILED: %s. The server goes on serving; next attempt in %s.",
                result.get("error", "unknown error"),
                describe_interval(self.every),
            )
        return result


def _parse_result(out: str, err: str) -> dict:
    for line in reversed(out.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except ValueError:
                break
    lines = [x for x in err.strip().splitlines() if x.strip()]
    return {"ok": False, "error": lines[-1] if lines else "pos backup ended without a result"}


def result_json(result: BackupResult | None = None, error: str | None = None) -> str:
    if result is not None:
        return json.dumps({"ok": True, **asdict(result)})
    return json.dumps({"ok": False, "error": error})


def _clock(moment: float) -> str:
    """A time of day in the laptop's zone, to the millisecond."""
    local = datetime.fromtimestamp(moment).astimezone()
    return local.strftime("%H:%M:%S.") + f"{local.microsecond // 1000:03d}"


def _size(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB" if size >= 100_000 else f"{size / 1000:.0f} kB"


class _LogFormat(logging.Formatter):
    """gunicorn's line shape, with milliseconds: ``[2026-09-02 10:15:00.123 +0800]``."""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        moment = datetime.fromtimestamp(record.created).astimezone()
        return (
            moment.strftime("%Y-%m-%d %H:%M:%S.")
            + f"{int(record.msecs):03d}"
            + (moment.strftime(" %z"))
        )


def _configure_log() -> None:
    """Lines like gunicorn's own on the server's output, whichever server runs."""
    if log.handlers:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        _LogFormat("[%(asctime)s] [%(process)d] [%(levelname)s] pos.backup: %(message)s")
    )
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False


def lower_priority(pid: int = 0) -> None:
    """Yield the CPU and the disk to the server's processes (``pid`` 0: this process): on
    Linux the SCHED_IDLE policy (it runs only on a core that nothing else wants, and any
    waking worker takes the core from it at once), elsewhere nice 10; and best-effort I/O
    at its lowest level where the platform has it."""
    try:
        os.sched_setscheduler(pid, os.SCHED_IDLE, os.sched_param(0))
    except (AttributeError, OSError):  # not Linux
        if pid == 0:
            with contextlib.suppress(AttributeError, OSError):  # no nice() on Windows
                os.nice(10)
    if hasattr(psutil, "IOPRIO_CLASS_BE"):
        with contextlib.suppress(OSError, ValueError, psutil.Error):
            psutil.Process(pid or os.getpid()).ionice(psutil.IOPRIO_CLASS_BE, 7)


def exit_cleanly_on_sigterm() -> None:
    """A backup stopped by the server's shutdown removes its temporary file."""

    def _stop(signum, _frame):
        raise SystemExit(143)

    signal.signal(signal.SIGTERM, _stop)
