"""Backup benchmark: what `pos serve --backup-every` costs the sales it runs beside.

    .venv/bin/python bench/backup.py                          # 100,000-sale fair, ~6 min
    .venv/bin/python bench/backup.py --backup-dir /dev/shm/stick   # backups on another device
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
3. The server's log says when each backup process started and ended (milliseconds),
   and when its copy read the live database ("the books as of ...; copy N s"). Every
   sale whose time in flight overlaps a backup process counts as *during* (split into
   those overlapping its copy and those overlapping only the rest: the process starting,
   the check of the copy, the files), the others as *without*. Same run, same load,
   same database: the ratio of their p99 is what a backup costs a sale. As a control,
   *placebo* windows of each backup's length in the middle of the gaps between backups
   (no backup runs there) show how far p99 moves by chance in windows of that size.

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
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench import checkout, reports  # noqa: E402

DEMO_SALES = 56  # `pos seed-demo`'s day of sample sales
COPY = re.compile(r"the books as of (\d\d:\d\d:\d\d\.\d{3}); copy (\d+\.\d) s")
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
    """Each backup process's start, end and outcome line, from the server's log, and
    when its copy read the live database: from "the books as of" (the copy's start) and
    "copy N s" of its "backup ok" line."""
    windows: list[dict[str, Any]] = []
    for line in log.read_text().splitlines():
        match = LOG_LINE.match(line)
        if not match:
            continue
        moment = datetime.strptime(match[1], "%Y-%m-%d %H:%M:%S.%f %z")
        message = match[2]
        if message == "backup started":
            windows.append({"start": moment.timestamp(), "end": None, "result": None})
        elif (
            windows
            and windows[-1]["end"] is None
            and (message.startswith("backup ok") or message.startswith("BACKUP FAILED"))
        ):
            windows[-1] |= {"end": moment.timestamp(), "result": message}
            copy = COPY.search(message)
            if copy:
                clock = datetime.strptime(copy[1], "%H:%M:%S.%f").time()
                began = datetime.combine(moment.date(), clock, moment.tzinfo)
                if began > moment:  # the copy began before midnight
                    began -= timedelta(days=1)
                windows[-1]["copy"] = (
                    began.timestamp(),
                    began.timestamp() + float(copy[2]),
                )
    return [w for w in windows if w["end"] is not None]


def placebo_windows(windows: list[dict[str, Any]], ended: float) -> list[tuple[float, float]]:
    """A window of the same length as each backup, in the middle of the gap after it,
    where no backup runs: the sales in them show how much p99 moves by chance (other
    programs on the machine, the load generator) in windows of that size."""
    placebos = []
    for i, w in enumerate(windows):
        gap_end = windows[i + 1]["start"] if i + 1 < len(windows) else ended
        length = w["end"] - w["start"]
        if gap_end - w["end"] > length + 2:
            start = w["end"] + (gap_end - w["end"] - length) / 2
            placebos.append((start, start + length))
    return placebos


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
    folder = args.backup_dir or root / "backups"
    command += ["--backup-every", args.every, "--backup-dir", str(folder)]
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
    placebos = placebo_windows(windows, ended)
    copying, rest, placebo, without = [], [], [], []
    for o in phase.outcomes:
        begin, end = o.scheduled + offset, o.finished + offset
        latency = o.finished - o.scheduled
        if any("copy" in w and w["copy"][0] < end and begin < w["copy"][1] for w in windows):
            copying.append(latency)
        elif any(w["start"] < end and begin < w["end"] for w in windows):
            rest.append(latency)
        elif any(start < end and begin < stop for start, stop in placebos):
            placebo.append(latency)
        else:
            without.append(latency)
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
        "without": summarise(without),
        "during": summarise(copying + rest),
        "during_copy": summarise(copying),
        "during_rest": summarise(rest),
        "placebo": summarise(placebo),
    }
    p99_without = results["without"]["p99_ms"]
    for label in ("during", "during_copy", "during_rest", "placebo"):
        p99 = results[label]["p99_ms"]
        results[f"{label}_p99_ratio"] = p99 / p99_without if p99_without else 0.0
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
    print(
        f"  {'sales that overlap':20} {'sales':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
        f"{'max ms':>8} {'p99 ratio':>9}"
    )
    names = {
        "without": "no backup running",
        "during": "a backup running",
        "during_copy": "  its copy",
        "during_rest": "  the rest",
        "placebo": "placebo windows",
    }
    for label, name in names.items():
        r = results[label]
        ratio = f"{results[label + '_p99_ratio']:.2f}" if label != "without" else ""
        print(
            f"  {name:20} {r['sales']:6d} {r['p50_ms']:8.1f} {r['p95_ms']:8.1f} "
            f"{r['p99_ms']:8.1f} {r['max_ms']:8.1f} {ratio:>9}"
        )
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
    parser.add_argument("--duration", type=float, default=240, help="seconds of selling")
    parser.add_argument("--every", default="40s", help="pos serve --backup-every")
    parser.add_argument(
        "--backup-dir",
        type=Path,
        help="where the backups go (default: the temporary folder, on the database's disk; "
        "a folder on another device, e.g. /dev/shm/..., stands in for the USB stick)",
    )
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
