"""Why the whole event's reports are read in the report helper, not in a worker's thread:
the latency of a sale-like burst of database round trips in one thread, alone and while
another thread of the same process reads the event's rows (reports/service.py's
``event_rows_of``, as the event.xlsx and event.csv exports do).

    .venv/bin/python bench/interpreter_lock.py --url sqlite:////tmp/rvs/run.sqlite3
    .venv/bin/python bench/interpreter_lock.py \\
        --url postgresql+psycopg://postgres@127.0.0.1:5432/bench_workers

The database is a fair that bench/reports_vs_sales.py built (``--keep`` for SQLite, its
PostgreSQL database). Each burst is ``--trips`` (25, about a sale's statements) round
trips of ``SELECT 1`` on one connection, ``--bursts`` times, 10 ms apart: alone, with the
reading thread, alone again. The reading thread's work is Python and driver work under
the interpreter lock; each round trip of the burst gives the lock up and waits to get it
back (up to the 5 ms switch interval) while the reader holds it.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def bursts(app, trips: int, count: int) -> list[float]:
    import sqlalchemy as sa

    from pos.extensions import db

    seconds = []
    with app.app_context(), db.engine.connect() as connection:
        for _ in range(count):
            started = time.perf_counter()
            for _ in range(trips):
                connection.execute(sa.text("SELECT 1"))
            seconds.append(time.perf_counter() - started)
            time.sleep(0.01)
    return seconds


def reader(app, stop: threading.Event, done: list[int]) -> None:
    from pos.extensions import db
    from pos.reports.service import event_rows_of

    with app.app_context():
        while not stop.is_set():
            event_rows_of(1)
            db.session.remove()
            done.append(1)


def line(label: str, seconds: list[float]) -> str:
    ms = sorted(s * 1000 for s in seconds)
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    return f"{label:<28} p50 {statistics.median(ms):7.1f} ms   p99 {p99:7.1f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="the fair's database (SQLAlchemy URL)")
    parser.add_argument("--trips", type=int, default=25)
    parser.add_argument("--bursts", type=int, default=200)
    args = parser.parse_args()

    from pos import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": args.url, "SECRET_KEY": "bench"})
    print(f"{args.url.split(':')[0]}: {args.bursts} bursts of {args.trips} round trips")
    print(line("alone", bursts(app, args.trips, args.bursts)))
    stop, done = threading.Event(), []
    thread = threading.Thread(target=reader, args=(app, stop, done))
    thread.start()
    time.sleep(0.5)
    print(line("event rows read in a thread", bursts(app, args.trips, args.bursts)))
    stop.set()
    thread.join()
    print(line("alone again", bursts(app, args.trips, args.bursts)))
    print(f"(the reading thread read the event's rows {len(done)} times)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
