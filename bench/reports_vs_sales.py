"""Reports against sales: the latency of recording a sale at a steady rate, alone and
while organizers pull the event's exports, on a fair-size database.

    .venv/bin/python bench/reports_vs_sales.py                      # SQLite, ~3 min
    .venv/bin/python bench/reports_vs_sales.py --db both --rounds 2 # and PostgreSQL
    .venv/bin/python bench/reports_vs_sales.py --duration 10 --keep /tmp/rvs

The database is bench/reports.py's generated fair at ``--scale`` 0.2: 300 booths with 20
products each, 200,000 sales over 5 days (SQLite: built once into ``--keep`` and copied
for each run; PostgreSQL: ``POS_BENCH_PG_URL``, default database ``bench_workers``,
rebuilt each run unless ``--reuse``, then checkpointed), its report totals rebuilt as
``pos init-db`` would, and the organizer and the cashiers of ``--tablets`` booths given
the password "demo".

Then ``pos serve --workers 2`` (``--serve-arg`` adds options) and, ``--rounds`` times, two
phases of ``--duration`` seconds each, on the same server:

- *alone*: sales started on a fixed schedule, ``--rate`` (50) per second, each
  ``POST /api/v1/sales`` from one of the tablets (bench/checkout.py's carts and open
  loop: latency counts from the scheduled start, so queueing shows);
- *reports*: the same, while ``--report-clients`` (2) organizers each pull
  ``event.xlsx`` and ``event.pdf`` of the whole event in turn, without pause.

Every sale must answer 201 (else the run exits with 1); a report answers 200, or 503
with Retry-After when the server already renders as many as it allows (counted, then
asked again after a short pause). The SQLite WAL file is sampled every 0.1 s and its
largest size reported. Only the project's dependencies and the standard library are
needed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from bench import checkout  # noqa: E402
from bench import reports as fair_data  # noqa: E402

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_workers"
PASSWORD = "demo"
REPORTS = ("/api/v1/reports/event.xlsx?event_id=1", "/api/v1/reports/event.pdf?event_id=1")


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- the database -------------------------------------------------------------------------


def build(
    engine: str, root: Path, scale: float, seed: int, reuse: bool = False
) -> tuple[str, fair_data.Fair]:
    """The fair's database for one run: (SQLAlchemy URL, the fair that made it).
    PostgreSQL with ``reuse``: the fair a previous run left, with the sales it added."""
    fair = fair_data.Fair(scale, seed)
    if engine == "sqlite":
        built = root / f"fair-{scale:g}-{seed}.sqlite3"
        if not built.exists():
            say(f"sqlite: generating {fair.exhibitors} booths, {fair.sales:,} sales (once)")
            partial = built.with_suffix(".partial")
            for suffix in ("", "-wal", "-shm"):
                Path(f"{partial}{suffix}").unlink(missing_ok=True)
            fair_data.load_sqlite(partial, fair, root)
            prepare(f"sqlite:///{partial}", fair, root, rebuild_rollups=True)
            partial.rename(built)
        else:
            fair = fair_data.Fair(scale, seed)  # the same ids and products, from the seed
        run = root / "run.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{run}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(built, run)
        return f"sqlite:///{run}", fair
    url = os.environ.get("POS_BENCH_PG_URL", DEFAULT_PG_URL)
    if reuse and _pg_sales(url) >= fair.sales:
        say(f"postgres: reusing the fair in {url.rsplit('/', 1)[1]}")
        prepare(url, fair, root, rebuild_rollups=False)
        return url, fair
    say(f"postgres: generating {fair.exhibitors} booths, {fair.sales:,} sales")
    fair_data.load_postgres(url, fair, root)
    prepare(url, fair, root, rebuild_rollups=True)
    _pg_checkpoint(url)
    return url, fair


def _pg_checkpoint(url: str) -> None:
    """Checkpoint the generated fair, as the days of selling that made a real fair's
    database would have. Until a checkpoint recycles the WAL segments the generator
    filled, PostgreSQL creates each new segment during the measured phases, writing 16 MB
    of zeros while every commit waits: 60-130 ms stalls of the sales, alone as with the
    reports (docs/PERFORMANCE.md, "Sales while organizers pull the event's reports")."""
    import psycopg

    _, conninfo, _ = fair_data.pg_urls(url)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("CHECKPOINT")


def _pg_sales(url: str) -> int:
    import psycopg

    _, conninfo, _ = fair_data.pg_urls(url)
    try:
        with psycopg.connect(conninfo) as conn:
            return conn.execute("SELECT count(*) FROM sale").fetchone()[0]
    except psycopg.Error:
        return 0


def prepare(url: str, fair: fair_data.Fair, root: Path, *, rebuild_rollups: bool) -> None:
    """The report totals (the generator writes raw rows only) and the passwords."""
    import sqlalchemy as sa

    from pos import create_app
    from pos.auth.service import hash_secret
    from pos.extensions import db
    from pos.sales import rollups

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "INSTANCE_PATH": str(root / "instance"),
            "SECRET_KEY": "bench",
            "RECEIPTS_DIR": str(root / "receipts"),
        }
    )
    with app.app_context():
        if rebuild_rollups:
            rollups.rebuild()
        digest = hash_secret(PASSWORD)
        db.session.execute(sa.text("UPDATE user_account SET password_hash = :h"), {"h": digest})
        # The generator numbers receipts and refunds itself; the counters carry on from there.
        db.session.execute(sa.text("DELETE FROM document_counter"))
        for kind, table, column in (
            ("sale", "sale", "receipt_seq"),
            ("refund", "refund", "refund_seq"),
        ):
            db.session.execute(
                sa.text(
                    "INSERT INTO document_counter (exhibitor_id, kind, last_seq)"
                    f" SELECT exhibitor_id, '{kind}', max({column}) FROM {table}"
                    " GROUP BY exhibitor_id"
                )
            )
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def tablet_booths(fair: fair_data.Fair, count: int) -> list[checkout.Booth]:
    """``count`` booths spread over the fair, with their products (id, price)."""
    step = max(1, fair.exhibitors // count)
    booths = []
    for i in range(0, step * count, step):
        products = [(p[0], p[4]) for p in fair.products[i]]
        booths.append(checkout.Booth(fair.booths[i], i + 1, products))
    return booths


def wal_path(url: str) -> Path | None:
    return Path(url.removeprefix("sqlite:///") + "-wal") if url.startswith("sqlite") else None


# --- the load ------------------------------------------------------------------------------


class ReportClient(threading.Thread):
    """An organizer pulling the event's exports in turn, one after the other."""

    def __init__(self, address: tuple[str, int], token: str, first: int) -> None:
        super().__init__(daemon=True)
        self.address, self.first = address, first
        self.head = f"Authorization: Bearer {token}\r\n".encode()
        self.stop = threading.Event()
        self.done: list[tuple[str, int, float, int]] = []  # path, status, seconds, bytes

    def run(self) -> None:
        conn = checkout.Connection(*self.address, timeout=120)
        n = self.first
        while not self.stop.is_set():
            path = REPORTS[n % len(REPORTS)]
            began = time.perf_counter()
            status, body = checkout._send(conn, ("GET", path, self.head, b""))
            self.done.append((path, status, time.perf_counter() - began, len(body)))
            if status == 503:
                self.stop.wait(0.5)
            elif status != 200:
                self.stop.wait(1)
            n += 1
        conn.close()


class WalWatch(threading.Thread):
    def __init__(self, path: Path | None) -> None:
        super().__init__(daemon=True)
        self.path = path
        self.stop = threading.Event()
        self.largest = 0

    def run(self) -> None:
        while self.path is not None and not self.stop.wait(0.1):
            with contextlib.suppress(OSError):
                self.largest = max(self.largest, self.path.stat().st_size)


def phase(
    server: checkout.Server,
    tablets: list[checkout.Tablet],
    label: str,
    args: argparse.Namespace,
    organizer_tokens: list[str],
    wal: Path | None,
) -> dict[str, Any]:
    clients = [
        ReportClient(server.address, token, first=i) for i, token in enumerate(organizer_tokens)
    ]
    watch = WalWatch(wal)
    watch.start()
    for client in clients:
        client.start()
    if clients:
        time.sleep(1.0)  # the reports are under way before the first measured sale
    run_id = f"rvs{os.getpid()}x{time.time_ns()}"
    sales = checkout.open_loop(
        server,
        checkout.Workload(tablets, run_id, label),
        label=label,
        rate=args.rate,
        duration=args.duration,
        senders=args.senders,
        expected=201,
    )
    for client in clients:
        client.stop.set()
    for client in clients:
        client.join()
    watch.stop.set()
    watch.join()
    summary = sales.summary()
    summary["first_errors"] = sales.errors
    summary["wal_largest_mb"] = watch.largest / 2**20 if wal else None
    reports: dict[str, dict[str, Any]] = {}
    for client in clients:
        for path, status, seconds, _size in client.done:
            name = path.split("/")[-1].split("?")[0]
            entry = reports.setdefault(name, {"ok": 0, "busy": 0, "other": 0, "seconds": []})
            if status == 200:
                entry["ok"] += 1
                entry["seconds"].append(seconds)
            elif status == 503:
                entry["busy"] += 1
            else:
                entry["other"] += 1
    for entry in reports.values():
        seconds = entry.pop("seconds")
        entry["median_ms"] = statistics.median(seconds) * 1000 if seconds else 0.0
    summary["reports"] = reports
    return summary


def run_engine(engine: str, root: Path, args: argparse.Namespace) -> dict[str, Any]:
    url, fair = build(engine, root, args.scale, args.seed, args.reuse)
    booths = tablet_booths(fair, args.tablets)
    checkout.make_carts(booths, args.seed)
    env = os.environ | {
        "POS_DATABASE_URL": url,
        "POS_INSTANCE_PATH": str(root / "instance"),
        "POS_RECEIPTS_DIR": str(root / "receipts"),
    }
    port = checkout.free_port()
    command = [*checkout.pos_command(), "serve", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--workers", str(args.workers), *args.serve_arg]
    log = root / f"serve-{engine}.log"
    log.unlink(missing_ok=True)
    result: dict[str, Any] = {"engine": engine, "phases": []}
    with checkout.running("pos serve", command, env, port, log) as server:
        address = server.address

        def login(username: str) -> str:
            status, answer = checkout.call_json(
                address, "POST", "/api/v1/auth/login", {"username": username, "password": PASSWORD}
            )
            assert status == 200, answer
            return answer["token"]

        organizer = [login("organizer") for _ in range(args.report_clients)]
        tablets = [checkout.Tablet(b, login(f"cashier-{b.code.lower()}")) for b in booths]
        # Warm-up: each worker's first sale and first report pay for imports and caches.
        for path in REPORTS:
            head = f"Authorization: Bearer {organizer[0]}\r\n".encode()
            for _ in range(args.workers):
                conn = checkout.Connection(*address, timeout=120)
                status, _body = checkout._send(conn, ("GET", path, head, b""))
                conn.close()
                assert status == 200, (path, status, _body[:300])
        checkout.open_loop(
            server,
            checkout.Workload(tablets, f"warm{os.getpid()}", "w"),
            label="warm-up",
            rate=args.rate,
            duration=2,
            senders=args.senders,
            expected=201,
        )
        wal = wal_path(url)
        for round_no in range(1, args.rounds + 1):
            for label, tokens in (("alone", []), ("reports", organizer)):
                say(f"{engine} round {round_no}: {label}")
                summary = phase(server, tablets, label, args, tokens, wal)
                summary["round"] = round_no
                result["phases"].append(summary)
                say(
                    f"  p50 {summary['p50_ms']:.1f} ms  p99 {summary['p99_ms']:.1f} ms  "
                    f"errors {summary['errors']}  reports {summary['reports']}  "
                    f"slowest (UTC, ms) {summary['slowest'][:3]}"
                )
                time.sleep(1)
    if wal is not None:
        result["wal_after_stop_mb"] = wal.stat().st_size / 2**20 if wal.exists() else 0.0
    return result


# --- output ----------------------------------------------------------------------------------


def report(results: dict[str, Any], args: argparse.Namespace) -> tuple[str, bool]:
    lines = [
        f"machine: {os.cpu_count()} cores, {platform.python_implementation()} "
        f"{platform.python_version()}; pos serve --workers {args.workers} "
        + " ".join(args.serve_arg),
        f"sales: {args.rate:g}/s for {args.duration:g} s per phase; "
        f"report clients: {args.report_clients} (event.xlsx and event.pdf in turn)",
        "",
        f"{'engine':<9}{'round':>5} {'phase':<8}{'sales':>6}{'p50 ms':>8}{'p95 ms':>8}"
        f"{'p99 ms':>8}{'max ms':>8}{'errors':>7}  {'xlsx ok/503 med':>16}  "
        f"{'pdf ok/503 med':>16}{'WAL MB':>8}",
    ]
    clean = True
    for engine in results["engines"]:
        for p in engine["phases"]:
            clean &= p["errors"] == 0
            cells = []
            for name in ("event.xlsx", "event.pdf"):
                r = p["reports"].get(name)
                cells.append(
                    f"{r['ok']}/{r['busy']} {r['median_ms']:.0f}ms" + ("!" if r["other"] else "")
                    if r
                    else "-"
                )
            wal = p["wal_largest_mb"]
            lines.append(
                f"{engine['engine']:<9}{p['round']:>5} {p['label']:<8}{p['requests']:>6}"
                f"{p['p50_ms']:>8.1f}{p['p95_ms']:>8.1f}{p['p99_ms']:>8.1f}{p['max_ms']:>8.1f}"
                f"{p['errors']:>7}  {cells[0]:>16}  {cells[1]:>16}"
                f"{'' if wal is None else f'{wal:.1f}':>8}"
            )
            for error in p["first_errors"]:
                lines.append(f"    error: {error}")
        if "wal_after_stop_mb" in engine:
            lines.append(f"  WAL after the server stopped: {engine['wal_after_stop_mb']:.1f} MB")
    lines += ["", "targets (sale p99 under 50 ms at the rate while reports are pulled):"]
    for engine in results["engines"]:
        alone = [p["p99_ms"] for p in engine["phases"] if p["label"] == "alone"]
        loaded = [p["p99_ms"] for p in engine["phases"] if p["label"] == "reports"]
        worst = max(loaded)
        lines.append(
            f"  {engine['engine']}: p99 alone {', '.join(f'{v:.1f}' for v in alone)} ms; with "
            f"reports {', '.join(f'{v:.1f}' for v in loaded)} ms -> "
            f"{'met' if worst < 50 else 'NOT met'}"
        )
    return "\n".join(lines), clean


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="sqlite")
    parser.add_argument("--scale", type=float, default=0.2, help="of bench/reports.py's fair")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--serve-arg", action="append", default=[], help="more `pos serve` options")
    parser.add_argument("--rate", type=float, default=50.0, help="sales per second")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per phase")
    parser.add_argument("--rounds", type=int, default=2, help="alone + reports, this many times")
    parser.add_argument("--report-clients", type=int, default=2)
    parser.add_argument("--tablets", type=int, default=8, help="booths selling (one token each)")
    parser.add_argument("--senders", type=int, default=64, help="sending threads")
    parser.add_argument("--keep", type=Path, help="folder kept between runs (the SQLite fair)")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    parser.add_argument(
        "--reuse", action="store_true", help="PostgreSQL: keep the fair of a previous run"
    )
    args = parser.parse_args(argv)
    with contextlib.ExitStack() as stack:
        if args.keep:
            root = args.keep.resolve()
            root.mkdir(parents=True, exist_ok=True)
        else:
            root = Path(tempfile.mkdtemp(prefix="pos-rvs-"))
            stack.callback(shutil.rmtree, root, ignore_errors=True)
        engines = ["sqlite", "postgres"] if args.db == "both" else [args.db]
        results: dict[str, Any] = {"engines": [run_engine(e, root, args) for e in engines]}
    results["command"] = " ".join(
        [".venv/bin/python", "bench/reports_vs_sales.py", *(argv or sys.argv[1:])]
    )
    text, clean = report(results, args)
    print(text)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main())
