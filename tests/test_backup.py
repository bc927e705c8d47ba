"""Durability: `pos check` runs the engine's own integrity check; `pos backup` takes a
checked, consistent copy while tablets sell; `pos restore` puts it back; `pos serve
--backup-every` keeps the newest copies on a second disk."""

from __future__ import annotations

import contextlib
import io
import itertools
import os
import signal
import sqlite3
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from pos import backup, create_app
from pos.extensions import db as _db
from pos.printing import auto
from tests.conftest import (
    POSTGRES_URL,
    TEST_PASSWORD_METHOD,
    base_config,
    postgres_only,
    sqlite_only,
)
from tests.servers import (
    bearer,
    call,
    free_port,
    healthy,
    pos_command,
    served,
    server_env,
)

DEMO_SALES = 56  # `pos seed-demo`'s day of sample sales
# The demo accounts hashed cheaply: a dozen tablets sign in at OWASP strength in seconds.
CHEAP_LOGINS = {"POS_PASSWORD_METHOD": TEST_PASSWORD_METHOD}


def pos(root: Path, database_url: str, *args: str, timeout: int = 300):
    """A `pos` command as a person at the laptop runs it: its own process."""
    env = server_env(root, database_url)
    return subprocess.run(
        [*pos_command(), *args], env=env, capture_output=True, text=True, timeout=timeout
    )


def sqlite_path(url: str) -> Path:
    return Path(sa.make_url(url).database)


def sqlite_copy(source: Path, target: Path) -> None:
    with (
        contextlib.closing(sqlite3.connect(source)) as src,
        contextlib.closing(sqlite3.connect(target)) as dst,
    ):
        src.backup(dst)


def damage_audit_log(path: Path) -> None:
    """Overwrite the cell pointers of a leaf page of the audit log's table (a page of
    rows), as a copy torn by writes leaves a page; the file's header stays intact. No
    business check reads the audit log, so only the engine's own check can notice."""
    with contextlib.closing(sqlite3.connect(path)) as conn:
        page, page_size = conn.execute(
            "SELECT rootpage, (SELECT page_size FROM pragma_page_size)"
            " FROM sqlite_master WHERE name = 'audit_entry'"
        ).fetchone()
    with path.open("r+b") as handle:
        while True:
            handle.seek((page - 1) * page_size)
            header = handle.read(12)
            if header[0] == 0x0D:  # a leaf page of a table's b-tree
                break
            assert header[0] == 0x05, "an interior page of a table's b-tree"
            page = int.from_bytes(header[8:12], "big")  # its right-most child
        handle.seek((page - 1) * page_size + 8)  # after the leaf's 8-byte header
        handle.write(b"\xff\xf0" * 4)


@sqlite_only
def test_check_fails_on_a_copy_with_a_damaged_table_page_where_the_books_still_agree(
    runner, database_url, tmp_path
):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    sound = tmp_path / "sound.sqlite3"
    sqlite_copy(sqlite_path(database_url), sound)
    damaged = tmp_path / "damaged.sqlite3"
    damaged.write_bytes(sound.read_bytes())
    damage_audit_log(damaged)

    good = pos(tmp_path, f"sqlite:///{sound}", "check")
    assert good.returncode == 0, good.stdout + good.stderr
    assert "Database integrity: PRAGMA integrity_check and foreign_key_check: ok." in good.stdout

    bad = pos(tmp_path, f"sqlite:///{damaged}", "check")
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "Traceback" not in bad.stderr
    assert "database integrity: integrity_check stopped: database disk image is malformed" in (
        bad.stdout
    )
    assert (
        "Error: The database is damaged: PRAGMA integrity_check and foreign_key_check found "
        "1 problem(s); the books were not checked." in bad.stderr
    )


# --- backup and restore under load ---------------------------------------------------------


BOOTHS = ("A03", "B12", "C07", "D02")
PRICE = 50_000


class Tablets:
    """Threads posting sales to a served app, as booth tablets do; keeps every answered
    sale (the acknowledgement a buyer's receipt stands on) with the time it came."""

    def __init__(self, base: str, per_booth: int = 2) -> None:
        self.base = base
        organizer = bearer(base, "organizer")
        status, answer = call(base, "GET", "/api/v1/exhibitors", headers=organizer)
        assert status == 200, answer
        ids = {e["booth"]: e["id"] for e in answer["items"]}
        self.booths = []
        for booth in BOOTHS:
            manager = bearer(base, f"manager-{booth.lower()}")
            status, product = call(
                base,
                "POST",
                "/api/v1/products",
                {
                    "exhibitor_id": ids[booth],
                    "sku": f"BK-{booth}",
                    "name": "Kartu pos",
                    "category": "other",
                    "price": PRICE,
                    "stock": 1_000_000,
                },
                headers=manager,
            )
            assert status == 201, product
            for _ in range(per_booth):
                cashier = bearer(base, f"cashier-{booth.lower()}")
                self.booths.append((ids[booth], product["id"], cashier))
        self.acknowledged: list[tuple[float, dict]] = []
        self.failures: list[tuple[int, dict]] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [
            threading.Thread(target=self._sell, args=(n, *b), daemon=True)
            for n, b in enumerate(self.booths)
        ]

    def _sell(self, n: int, exhibitor_id: int, product_id: int, headers: dict) -> None:
        for i in itertools.count():
            if self._stop.is_set():
                return
            quantity = 1 + (i + n) % 3
            total = PRICE * quantity
            payments = [{"method": "cash", "amount": total}]
            if i % 2:
                payments = [
                    {"method": "qris", "amount": total - 20_000, "reference": f"QR{n}-{i}"},
                    {"method": "cash", "amount": 50_000},
                ]
            body = {
                "exhibitor_id": exhibitor_id,
                "items": [{"product_id": product_id, "quantity": quantity}],
                "payments": payments,
            }
            key = {"Idempotency-Key": f"backup-{n}-{i}-{uuid.uuid4()}"}
            status, answer = call(self.base, "POST", "/api/v1/sales", body, headers | key)
            with self._lock:
                if status == 201:
                    self.acknowledged.append((time.time(), answer))
                else:
                    self.failures.append((status, answer))

    def __enter__(self) -> Tablets:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=120)

    def acknowledged_before(self, moment: float) -> list[dict]:
        with self._lock:
            return [answer for at, answer in self.acknowledged if at < moment]

    def wait_for(self, count: int, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while len(self.acknowledged) < count:
            assert not self.failures, self.failures[:3]
            assert time.monotonic() < deadline, f"only {len(self.acknowledged)} sales in time"
            time.sleep(0.05)


@contextlib.contextmanager
def fresh_database(tmp_path: Path, name: str) -> Iterator[str]:
    """An empty database to restore into: a new SQLite file, or a PostgreSQL database
    test_backup_<name> on the test server (dropped again afterwards)."""
    if not POSTGRES_URL:
        yield f"sqlite:///{tmp_path / (name + '.sqlite3')}"
        return
    url = sa.make_url(POSTGRES_URL)
    database = f"{url.database}_{name}"
    assert database.startswith("test_backup_") or url.database != "test_backup"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{database}"')
    try:
        yield url.set(database=database).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        admin.dispose()


def sales_in(root: Path, database_url: str) -> dict[int, dict]:
    """Every sale of the database as the API answers it (the organizer asks)."""
    instance = root / "reader"
    instance.mkdir(exist_ok=True)
    reader = create_app(base_config(instance, database_url))
    try:
        with reader.app_context():
            ids = _db.session.scalars(sa.text("SELECT id FROM sale ORDER BY id")).all()
            _db.session.remove()
        client = reader.test_client()
        login = client.post(
            "/api/v1/auth/login", json={"username": "organizer", "password": "demo"}
        )
        assert login.status_code == 200
        headers = {"Authorization": f"Bearer {login.get_json()['token']}"}
        sales = {}
        for sale_id in ids:
            answer = client.get(f"/api/v1/sales/{sale_id}", headers=headers)
            assert answer.status_code == 200
            sales[sale_id] = answer.get_json()
        return sales
    finally:
        with reader.app_context():
            _db.session.remove()
            _db.engine.dispose()


def assert_gapless(sales: dict[int, dict]) -> None:
    by_booth: dict[int, list[int]] = {}
    for sale in sales.values():
        by_booth.setdefault(sale["exhibitor_id"], []).append(
            int(sale["receipt_number"].rsplit("-", 1)[1])
        )
    for exhibitor_id, numbers in by_booth.items():
        assert sorted(numbers) == list(range(1, len(numbers) + 1)), exhibitor_id


def restore_and_read(tmp_path: Path, backup_file: Path, name: str) -> dict[int, dict]:
    """`pos restore` into a fresh database, `pos check` on it, and its sales."""
    with fresh_database(tmp_path, name) as url:
        restored = pos(tmp_path, url, "restore", str(backup_file))
        assert restored.returncode == 0, restored.stdout + restored.stderr
        assert f"Restored {backup_file} into" in restored.stdout
        checked = pos(tmp_path, url, "check")
        assert checked.returncode == 0, checked.stdout + checked.stderr
        return sales_in(tmp_path, url)


@pytest.mark.slow
def test_a_backup_taken_while_tablets_sell_holds_every_acknowledged_sale_and_restores(
    app, database_url, tmp_path
):
    suffix = ".pgdump" if POSTGRES_URL else ".sqlite3"
    during, after = tmp_path / f"during{suffix}", tmp_path / f"after{suffix}"
    with served(tmp_path, database_url=database_url, env=CHEAP_LOGINS) as (base, _log):
        tablets = Tablets(base)
        with tablets:
            tablets.wait_for(40)
            started = time.time()
            taken = pos(tmp_path, database_url, "backup", str(during))
            finished = time.time()
            tablets.wait_for(len(tablets.acknowledged_before(finished)) + 40)
        assert tablets.failures == []
        final = pos(tmp_path, database_url, "backup", str(after))
    assert taken.returncode == 0, taken.stdout + taken.stderr
    assert f"Backup written and checked: {during}" in taken.stdout
    assert final.returncode == 0, final.stdout + final.stderr
    assert oct(during.stat().st_mode & 0o777) == "0o600"
    answered = {sale["id"]: sale for _at, sale in tablets.acknowledged}
    before = {sale["id"] for sale in tablets.acknowledged_before(started)}
    later = answered.keys() - before
    assert len(before) >= 40 and len(later) >= 40

    # The copy taken mid-sale: one moment of the books. Every sale answered before it
    # began is there, exactly as answered; whatever else it holds is whole (every sale
    # there was answered too, once the tablets stopped) and the numbers have no gap.
    snapshot = restore_and_read(tmp_path, during, "restored_during")
    assert before <= snapshot.keys()
    sold_here = {i: s for i, s in snapshot.items() if i in answered}
    assert {i: answered[i] for i in sold_here} == sold_here
    assert len(snapshot) - len(sold_here) == DEMO_SALES  # nothing half-recorded either
    assert_gapless(snapshot)
    assert later - snapshot.keys(), "the load went on after the copy"

    # The copy taken after the last answer holds every one of them.
    everything = restore_and_read(tmp_path, after, "restored_after")
    assert {i: s for i, s in everything.items() if i in answered} == answered
    assert len(everything) == len(answered) + DEMO_SALES
    assert_gapless(everything)


# --- the schedule of `pos serve --backup-every` -------------------------------------------


@contextlib.contextmanager
def serving(root: Path, database_url: str, *arguments: str) -> Iterator[tuple[str, Path]]:
    """`pos init-db`, `pos seed-demo`, then `pos serve` with further arguments; yields
    (base URL, log file) and on leaving stops it with SIGTERM, as a venue laptop does."""
    env = server_env(root, database_url) | CHEAP_LOGINS
    for command in ("init-db", "seed-demo"):
        done = subprocess.run([*pos_command(), command], env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
    port = free_port()
    log_path = root / "serve.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [*pos_command(), "serve", "--port", str(port), *arguments],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while not healthy(base + "/healthz"):
            assert process.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.1)
        yield base, log_path
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # the group started here
            process.wait()
    assert process.returncode == 0, log_path.read_text()


def wait_for_log(log_path: Path, text: str, count: int, timeout: float = 240) -> list[str]:
    deadline = time.monotonic() + timeout
    while True:
        lines = [line for line in log_path.read_text().splitlines() if text in line]
        if len(lines) >= count:
            return lines
        assert time.monotonic() < deadline, (
            f"{count} x {text!r} not logged:\n{log_path.read_text()}"
        )
        time.sleep(0.2)


def sell_one(base: str, headers: dict, exhibitor_id: int, product_id: int, price: int) -> dict:
    status, sale = call(
        base,
        "POST",
        "/api/v1/sales",
        {
            "exhibitor_id": exhibitor_id,
            "items": [{"product_id": product_id, "quantity": 1}],
            "payments": [{"method": "cash", "amount": price}],
        },
        headers | {"Idempotency-Key": str(uuid.uuid4())},
    )
    assert status == 201, sale
    return sale


@pytest.mark.slow
def test_serve_backs_up_on_a_schedule_keeps_the_newest_and_survives_a_pulled_stick(
    app, database_url, tmp_path
):
    stick = tmp_path / "usb"
    folder = stick / "pameran-backups"
    stick.mkdir()
    arguments = ("--backup-every", "2s", "--backup-dir", str(folder), "--keep", "2")
    with serving(tmp_path, database_url, *arguments) as (base, log_path):
        wait_for_log(log_path, "backup ok:", 3)
        kept = backup.backups_in(folder)
        assert len(kept) == 2 and all(p.stat().st_mode & 0o777 == 0o600 for p in kept)
        assert "removed 1 older" in log_path.read_text()

        cashier = bearer(base, "cashier-c07")
        status, products = call(base, "GET", "/api/v1/products", headers=cashier)
        product = next(p for p in products["items"] if p["stock"] >= 3)
        sale = sell_one(base, cashier, product["exhibitor_id"], product["id"], product["price"])
        done = len(wait_for_log(log_path, "backup ok:", 1))
        wait_for_log(log_path, "backup ok:", done + 2)  # one begun after the sale
        newest = backup.backups_in(folder)[-1]

        # The stick is pulled: the backups fail, loudly, and the booths go on selling.
        stick.rename(tmp_path / "usb-pulled")
        failed = wait_for_log(log_path, "BACKUP FAILED", 1)
        assert f"Cannot use the backup folder {folder}" in failed[0]
        assert "The server goes on serving; next attempt in 2s." in failed[0]
        again = sell_one(base, cashier, product["exhibitor_id"], product["id"], product["price"])
        assert healthy(base + "/healthz")

        # Plugged back in: the next backup succeeds and holds the sale made meanwhile.
        (tmp_path / "usb-pulled").rename(stick)
        ok_lines = len(wait_for_log(log_path, "backup ok:", 1))
        wait_for_log(log_path, "backup ok:", ok_lines + 1)
        latest = backup.backups_in(folder)[-1]

    assert "Traceback" not in log_path.read_text()
    restored = restore_and_read(tmp_path, newest, "restored_scheduled")
    assert restored[sale["id"]] == sale
    assert again["id"] not in restored
    assert restore_and_read(tmp_path, latest, "restored_replugged")[again["id"]] == again


# --- restore: what it refuses ------------------------------------------------------------


def count_sales(url: str) -> int:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text("SELECT count(*) FROM sale")).scalar()
    finally:
        engine.dispose()


def test_restore_refuses_to_replace_a_database_with_sales_unless_forced(
    runner, client, db, database_url, tmp_path
):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    suffix = ".pgdump" if POSTGRES_URL else ".sqlite3"
    copy = tmp_path / f"copy{suffix}"
    taken = pos(tmp_path, database_url, "backup", str(copy))
    assert taken.returncode == 0, taken.stdout + taken.stderr

    login = client.post("/api/v1/auth/login", json={"username": "cashier-d02", "password": "demo"})
    headers = {"Authorization": f"Bearer {login.get_json()['token']}"}
    products = client.get("/api/v1/products", headers=headers).get_json()["items"]
    product = next(p for p in products if p["stock"] >= 1)
    sold = client.post(
        "/api/v1/sales",
        json={
            "exhibitor_id": product["exhibitor_id"],
            "items": [{"product_id": product["id"], "quantity": 1}],
            "payments": [{"method": "qris", "amount": product["price"], "reference": "Q1"}],
        },
        headers=headers | {"Idempotency-Key": "after-the-backup"},
    )
    assert sold.status_code == 201, sold.get_json()
    auto.settle()  # any auto-print of the sale is written (none without a printer)
    db.session.remove()
    db.engine.dispose()  # the restore checks that nobody else uses the database

    refused = pos(tmp_path, database_url, "restore", str(copy))
    assert refused.returncode == 1
    assert (
        f"holds {DEMO_SALES + 1} sale(s); restoring would replace them. Nothing was changed."
        in refused.stderr
    )
    assert count_sales(database_url) == DEMO_SALES + 1

    forced = pos(tmp_path, database_url, "restore", str(copy), "--force")
    assert forced.returncode == 0, forced.stdout + forced.stderr
    assert f"replaced a database that held {DEMO_SALES + 1} sale(s) (--force)" in forced.stdout
    assert count_sales(database_url) == DEMO_SALES
    checked = pos(tmp_path, database_url, "check")
    assert checked.returncode == 0, checked.stdout + checked.stderr


@sqlite_only
def test_a_damaged_database_is_neither_backed_up_as_good_nor_restored(
    runner, database_url, tmp_path
):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    damaged = tmp_path / "damaged.sqlite3"
    sqlite_copy(sqlite_path(database_url), damaged)
    damage_audit_log(damaged)

    target = tmp_path / "backups"
    target.mkdir()
    taken = pos(tmp_path, f"sqlite:///{damaged}", "backup", str(target / "copy.sqlite3"))
    assert taken.returncode == 1
    assert "Error: The copy failed pos check: The database is damaged" in taken.stderr
    assert list(target.iterdir()) == []  # neither the copy nor its temporary file

    fresh = tmp_path / "fresh.sqlite3"
    restored = pos(tmp_path, f"sqlite:///{fresh}", "restore", str(damaged))
    assert restored.returncode == 1
    assert f"Error: {damaged} failed pos check: The database is damaged" in restored.stderr
    assert not fresh.exists() or fresh.stat().st_size == 0


def test_a_postgresql_dump_and_a_sqlite_file_are_not_taken_for_each_other(
    runner, database_url, tmp_path
):
    wrong = tmp_path / ("copy.sqlite3" if POSTGRES_URL else "copy.pgdump")
    if POSTGRES_URL:
        with contextlib.closing(sqlite3.connect(wrong)) as conn:
            conn.execute("CREATE TABLE t (x)")
            conn.commit()
        expected = f"{wrong} is not a PostgreSQL dump (pg_dump -Fc) (it is a SQLite database)."
    else:
        wrong.write_bytes(b"PGDMP\x01\x0e\x00" + bytes(100))
        expected = f"{wrong} is not a SQLite database (it is a PostgreSQL dump)."
    result = runner.invoke(args=["restore", str(wrong)])
    assert result.exit_code == 1
    assert expected in result.output


def test_pg_dump_missing_is_said_plainly(tmp_path):
    with pytest.raises(backup.BackupFailed) as refused:
        backup.find_pg_tool("pg_dump", search=[str(tmp_path)])
    assert refused.value.message == (
        "pg_dump was not found on PATH nor in /usr/lib/postgresql/*/bin. Install PostgreSQL's "
        "client programs of the server's version or newer (Debian/Ubuntu: apt-get install "
        "postgresql-client) or put pg_dump on PATH."
    )
    newer = tmp_path / "16" / "bin"
    older = tmp_path / "9.6" / "bin"
    for folder in (newer, older):
        folder.mkdir(parents=True)
        (folder / "pg_dump").write_text("#!/bin/sh\n")
        (folder / "pg_dump").chmod(0o755)
    assert backup.find_pg_tool("pg_dump", search=[str(older), str(newer)]) == str(newer / "pg_dump")


def test_a_folder_backup_carries_the_tablets_certificate_authority_and_photos_along(
    app, runner, database_url, tmp_path
):
    from PIL import Image

    from pos.inventory import photos
    from pos.tls import service as tls

    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    tls.server_files(app)  # what `pos serve --tls` makes once: the CA the tablets trust
    picture = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 40, 40)).save(picture, "JPEG")
    key = photos.store(picture.getvalue())
    stick = tmp_path / "usb"
    stick.mkdir()
    taken = pos(tmp_path, database_url, "backup", "--dir", str(stick))
    assert taken.returncode == 0, taken.stdout + taken.stderr
    # The CA's certificate and key, the secret key, the photo's two sizes.
    assert "files/: 5 copied, 0 unchanged (with certificate authority)" in taken.stdout
    again = pos(tmp_path, database_url, "backup", "--dir", str(stick))
    assert "files/: 0 copied, 5 unchanged (with certificate authority)" in again.stdout
    assert (stick / "files" / "tls" / "ca.key").stat().st_mode & 0o777 == 0o600
    newest = backup.backups_in(stick)[-1]

    # Another laptop: its own instance folder, an empty database, the stick.
    laptop = tmp_path / "laptop2"
    laptop.mkdir()
    with fresh_database(tmp_path, "laptop2") as url:
        restored = pos(laptop, url, "restore", str(newest))
        assert restored.returncode == 0, restored.stdout + restored.stderr
    assert (
        "files: brought back the certificate authority the tablets trust; "
        "2 photo file(s) brought back; the event's secret key" in restored.stdout
    )
    instance = Path(app.instance_path)
    for name in ("tls/ca.crt", "tls/ca.key", "secret_key"):
        assert (laptop / "instance" / name).read_bytes() == (instance / name).read_bytes()
    for size in ("thumb", "display"):
        assert (laptop / "instance/photos" / key[:2] / f"{key}-{size}.jpg").is_file()


# --- PostgreSQL's integrity check ----------------------------------------------------------


@postgres_only
def test_check_on_postgresql_uses_amcheck_and_leaves_no_extension_behind(runner, db):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    result = runner.invoke(args=["check"])
    assert result.exit_code == 0, result.output
    assert (
        "Database integrity: amcheck (verify_heapam on every table, bt_index_check on every "
        "index with heapallindexed): ok." in result.output
    )
    assert "amcheck" not in db.session.scalars(sa.text("SELECT extname FROM pg_extension")).all()


@postgres_only
def test_check_on_postgresql_without_the_right_to_amcheck_reads_every_table(tmp_path):
    with fresh_database(tmp_path, "reader") as url:
        for command in ("init-db", "seed-demo"):
            done = pos(tmp_path, url, command)
            assert done.returncode == 0, done.stdout + done.stderr
        # Every session of that database runs as a role that may read everything and
        # create nothing (PostgreSQL 14+), as a hosted database's app account does.
        database = sa.make_url(url).database
        admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'ALTER DATABASE "{database}" SET role = pg_read_all_data')
        admin.dispose()
        result = pos(tmp_path, url, "check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert (
        "Database integrity: a full read of every table (amcheck unavailable: permission "
        'denied to create extension "amcheck"): ok.' in result.stdout
    )


# --- options ----------------------------------------------------------------------------


def test_backup_intervals_read_as_people_write_them(runner):
    assert backup.parse_interval("10m") == 600
    assert backup.parse_interval("1h30m") == 5400
    assert backup.parse_interval("90s") == backup.parse_interval("90") == 90
    for wrong in ("", "soon", "10 minutes", "0s", "5x"):
        with pytest.raises(ValueError):
            backup.parse_interval(wrong)
    result = runner.invoke(args=["serve", "--backup-every", "soon"])
    assert result.exit_code == 2
    assert "'soon' is not a duration such as 10m, 90s, 1h or 1h30m" in result.output
    alone = runner.invoke(args=["serve", "--keep", "3"])
    assert (
        alone.exit_code == 2
        and "--backup-dir, --keep and --backup-quick go with --backup-every" in alone.output
    )
