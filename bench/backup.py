"""Backup benchmark: what `pos serve --backup-every` costs the sales it runs beside.

    .venv/bin/python bench/backup.py                          # 100,000-sale fair, ~5 min
    .venv/bin/python bench/backup.py --scale 0.02 --duration 60 --every 15s

One run, one server, one database:

1. A fair of ``--scale`` times a national fair's sales (bench/reports.py's generator:
   0.1 = 150 booths, 100,000 sales with their lines and payments) loaded into a fresh
   SQLite file, then ``pos seed-demo`` beside it (its organizer renamed so the demo's
   can sign in) and 12 bench products per demo booth (bench/checkout.py's shop).
2. ``pos serve --workers N --backup-every E --backup-dir ... --keep 3`` (gunicorn, as
   at the venue), then an open loop of sales: ``--rate`` per second for ``--duration``
   seconds, on a fixed schedule (bench/checkout.py's carts and client; latency counts
   from the scheduled start, so any queueing shows).
3. The server's log says when each backup process started and ended (milliseconds).
   Every sale whose time in flight overlaps a backup counts as *during*; the others as
   *without*. Same run, same load, same database: the ratio of their p99 is what a
   backup costs a sale.

Every sale must answer 201 and every backup succeed (else exit status 1); afterwards the
database holds exactly the sales answered 201 (plus the fair's and the demo's).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench import checkout, reports  # noqa: E402

DEMO_SALES = 56  # `pos seed-demo`'s day of sample sales
LOG_LINE = re.compile(
    r"^\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} [+-]\d{4})\] \[\d+\] \[\w+\] pos\.backup: (.*)$"
)


def build_database(root: Path, scale: float, seed: int) -> tuple[Path, int]:
    path = root / "pos.sqlite3"
    fair = reports.Fair(scale, seed)
    counts = reports.load_sqlite(path, fair, root)
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("UPDATE user_account SET username = 'fair-organizer' WHERE id = 1")
        # The generator writes no stock ledger: an opening movement per product makes
        # the books agree, so that the backups' `pos check` passes as on a real fair.
        conn.execute(
            "INSERT INTO stock_movement (product_id, exhibitor_id, kind, delta, stock_after,"
            " reason, at) SELECT id, exhibitor_id, 'opening', stock, stock, 'bench',"
            " '2026-09-01 00:00:00.000000' FROM product"
        )
    for command in ("rebuild-totals", "seed-demo", "check"):
        done = subprocess.run(
            [*checkout.pos_command(), command],
            env=app_env(root),
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise SystemExit(f"pos {command} failed:\n{done.stdout}\n{done.stderr}")
    return path, counts["sale"]


def app_env(root: Path) -> dict[str, str]:
    """bench/checkout.py's environment, with the demo accounts hashed cheaply: a sign-in
    holds SQLite's write lock while it checks the password (OWASP-strength scrypt takes
    a second or more on a busy machine), which would show up in the sales' latency
    during the set-up, with or without a backup."""
    return checkout.app_env(root) | {"POS_PASSWORD_METHOD": "scrypt:1024:8:1"}


def backup_windows(log: Path) -> list[dict[str, Any]]:
    """(start, end, outcome line) of every backup process, from the server's log."""
    windows: list[dict[str, Any]] = []
    for line in log.read_text().splitlines():
        match = LOG_LINE.match(line)
        if not match:
            continue
        at = datetime.strptime(match[1], "%Y-%m-%d %H:%M:%S.%f %z").timestamp()
        message = match[2]
        if message == "backup started":
            windows.append({"start": at, "end": None, "result": None})
        elif (
            windows
            and windows[-1]["end"] is None
            and (message.startswith("backup ok") or message.startswith("BACKUP FAILED"))
        ):
            windows[-1] |= {"end": at, "result": message}
    return [w for w in windows if w["end"] is not None]


def summarise(latencies: list[float]) -> dict[str, float]:
    ordered = sorted(latencies)
    return {
        "sales": len(ordered),
        "p50_ms": checkout.percentile(ordered, 50) * 1000,
        "p95_ms": checkout.percentile(ordered, 95) * 1000,
        "p99_ms": checkout.percentile(ordered, 99) * 1000,
        "max_ms": (ordered[-1] if ordered else 0.0) * 1000,
    }


def run(args: argparse.Namespace, root: Path) -> dict[str, Any]:
    started = time.perf_counter()
    database, fair_sales = build_database(root, args.scale, args.seed)
    size = database.stat().st_size
    took = time.perf_counter() - started
    say(f"database: {fair_sales:,} fair sales, {size / 1e6:.0f} MB (built in {took:.0f} s)")
    port = checkout.free_port()
    command = [*checkout.pos_command(), "serve", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--workers", str(args.workers), "--server", "gunicorn"]
    command += ["--backup-every", args.every, "--backup-dir", str(root / "backups")]
    command += ["--keep", "3"]
    log = root / "serve.log"
    env = app_env(root)
    with checkout.running("pos serve", command, env, port, log) as server:
        booths, tablets = checkout.set_up_shop(server, args.seed, args.tablets)
        checkout.make_carts(booths, args.seed)
        say(f"selling {args.rate:g}/s for {args.duration:g} s, backups every {args.every}")
        offset = time.time() - time.perf_counter()
        phase = checkout.open_loop(
            server,
            checkout.Workload(tablets, uuid.uuid4().hex[:8], "backup"),
            label="sales",
            rate=args.rate,
            duration=args.duration,
            senders=64,
            expected=201,
        )
        ended = time.time()
    windows = [w for w in backup_windows(log) if w["start"] < ended]
    during, without = [], []
    for o in phase.outcomes:
        begin, end = o.scheduled + offset, o.finished + offset
        overlaps = any(w["start"] < end and begin < w["end"] for w in windows)
        (during if overlaps else without).append(o.finished - o.scheduled)
    answered = sum(1 for o in phase.outcomes if o.status == 201)
    with contextlib.closing(sqlite3.connect(database)) as conn:
        in_db = conn.execute("SELECT count(*) FROM sale").fetchone()[0]
    results = {
        "database_mb": round(size / 1e6, 1),
        "fair_sales": fair_sales,
        "workers": args.workers,
        "rate": args.rate,
        "duration": args.duration,
        "every": args.every,
        "errors": phase.errors,
        "answered_201": answered,
        "sales_in_database": in_db,
        "backups": [
            {"seconds": round(w["end"] - w["start"], 2), "result": w["result"]} for w in windows
        ],
        "during": summarise(during),
        "without": summarise(without),
    }
    p99_without = results["without"]["p99_ms"]
    results["p99_ratio"] = results["during"]["p99_ms"] / p99_without if p99_without else 0.0
    return results


def report(results: dict[str, Any]) -> bool:
    expected_sales = results["fair_sales"] + DEMO_SALES + results["answered_201"]
    ok = (
        not results["errors"]
        and results["sales_in_database"] == expected_sales
        and all(b["result"].startswith("backup ok") for b in results["backups"])
    )
    print()
    print(
        f"{results['database_mb']} MB database ({results['fair_sales']:,} fair sales), "
        f"{results['workers']} workers, {results['rate']:g} sales/s for "
        f"{results['duration']:g} s, a backup every {results['every']}"
    )
    for b in results["backups"]:
        print(f"  backup process {b['seconds']:5.1f} s: {b['result'][:150]}")
    print(f"  {'':10} {'sales':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for label in ("without", "during"):
        r = results[label]
        print(
            f"  {label:10} {r['sales']:6d} {r['p50_ms']:8.1f} {r['p95_ms']:8.1f} "
            f"{r['p99_ms']:8.1f} {r['max_ms']:8.1f}"
        )
    print(f"  p99 during / without: {results['p99_ratio']:.2f}")
    print(
        f"  201s: {results['answered_201']}, errors: {results['errors'] or 'none'}; sales in "
        f"the database: {results['sales_in_database']:,} (expected {expected_sales:,})"
    )
    return ok


def say(message: str) -> None:
    print(message, flush=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.1, help="fraction of the national fair")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rate", type=float, default=20, help="sales per second")
    parser.add_argument("--duration", type=float, default=180, help="seconds of selling")
    parser.add_argument("--every", default="30s", help="pos serve --backup-every")
    parser.add_argument("--tablets", type=int, default=16)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="bench-backup-"))
    try:
        results = run(args, root)
        ok = report(results)
        if args.json:
            args.json.write_text(json.dumps(results, indent=2))
    finally:
        if args.keep:
            say(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
