"""What counting page views costs a booth's public page, and what writing a batch costs
(docs/PERFORMANCE.md, "Page views").

    .venv/bin/python bench/page_views.py [--requests 3000] [--booths 1500]

1. The demo fair in a fresh SQLite file; booth B12's page served ``--requests`` times
   through the WSGI app (the page kept by the catalogue, as in the hall) with a phone's
   User-Agent: counted (``views_count.note_booth_view``), and, as the baseline in the
   same run, the same requests with the counting switched off. Reported: requests per
   second of each, in one thread, and their ratio.
2. A batch as a busy ten seconds leaves it: ``--booths`` booths, each with a view and a
   product's view, written by ``ViewCounter.flush`` (three look-ups and two upserts in
   one transaction), beside the baseline of one single-row upsert transaction.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PHONE = (
    "Mozilla/5.0 (Linux; Android 14; SM-A546E) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36"
)


def rate(client, path: str, n: int) -> float:
    client.get(path, headers={"User-Agent": PHONE})  # renders and keeps the page
    start = time.perf_counter()
    for _ in range(n):
        answer = client.get(path, headers={"User-Agent": PHONE})
        assert answer.status_code == 200
    return n / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--booths", type=int, default=1500)
    args = parser.parse_args()

    from pos import create_app
    from pos.catalogue.extras import views_count
    from pos.db import upgrade_schema
    from pos.demo import DEMO_SLUG, seed_demo
    from pos.extensions import db
    from pos.organizer import service as organizer_service
    from pos.organizer.models import Event

    folder = Path(tempfile.mkdtemp(prefix="pos-bench-views-"))
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'pos.sqlite3'}",
            "INSTANCE_PATH": str(folder),
            "SECRET_KEY": "bench",
            "CATALOGUE_VIEWS_FLUSH_SECONDS": 0,  # written by step 2, not by a thread
            "CATALOGUE_CACHE_SECONDS": 3600,
        }
    )
    with app.app_context():
        upgrade_schema()
        seed_demo()
    client = app.test_client()
    path = f"/e/{DEMO_SLUG}/B12"

    counted, baseline = [], []
    original = views_count.note_booth_view
    for _round in range(3):  # interleaved, so both see the same machine
        counted.append(rate(client, path, args.requests))
        views_count.note_booth_view = lambda *a, **k: False
        baseline.append(rate(client, path, args.requests))
        views_count.note_booth_view = original
    page_counted, page_baseline = statistics.median(counted), statistics.median(baseline)

    with app.app_context():
        event = db.session.scalar(db.select(Event).where(Event.slug == DEMO_SLUG))
        start_booths = len(event.exhibitors)
        for n in range(args.booths - start_booths):
            organizer_service.create_exhibitor(
                None, event_id=event.id, name=f"Bench {n}", booth=f"Z{n:04d}"
            )
        db.session.commit()
        booths = [e.booth for e in event.exhibitors]
        counter = views_count.counter(app)
        counter.flush()
        now = datetime.now(UTC)

        def one_batch() -> float:
            for booth in booths:
                counter.add(DEMO_SLUG, booth, now, (1,))
            start = time.perf_counter()
            counter.flush()
            return time.perf_counter() - start

        def one_row() -> float:
            counter.add(DEMO_SLUG, "B12", now)
            start = time.perf_counter()
            counter.flush()
            return time.perf_counter() - start

        batch = statistics.median(one_batch() for _ in range(5))
        single = statistics.median(one_row() for _ in range(20))

    print(f"booth page, kept: {page_counted:,.0f} req/s counted, {page_baseline:,.0f} without "
          f"counting: {page_counted / page_baseline:.2f} of the baseline")  # fmt: skip
    print(f"a batch of {len(booths):,} booths' views (+ a product each): {batch * 1000:.1f} ms, "
          f"{batch / single:.1f}× one single-row write ({single * 1000:.2f} ms)")  # fmt: skip


if __name__ == "__main__":
    main()
