"""The fair's public catalogue at the national fair's scale: pages per second and search
time (docs/PERFORMANCE.md, "The public catalogue").

    .venv/bin/python bench/catalogue.py                     # SQLite, about 3 minutes
    .venv/bin/python bench/catalogue.py --database postgresql+psycopg://postgres@127.0.0.1/NAME

1. A fresh database (``pos init-db``; a PostgreSQL database named by ``--database`` is
   emptied first) gets an event with its catalogue on, ``--booths`` (1,500) listed
   exhibitors of 15 regions with a story, a WhatsApp number and a cover photo, and
   ``--products`` (40) approved products each of the five categories with their
   attributes and a photo (``--photos`` distinct pictures stored as uploads are): 60,000
   products, written in bulk into the app's tables (the engines' triggers and index
   fill the search index as for any insert).
2. ``pos serve --workers 2`` (gunicorn, as ``make run``) serves it; ``wrk`` (``--connections``,
   ``--seconds``) loads, each in turn: the fair's page, one exhibitor's page, both as a
   phone asks the first time (``Accept-Encoding: gzip``, a 200 with the page) and when it
   comes back (``If-None-Match``: 304). Target: ≥ 500 requests/s.
3. Search: the median time of ``GET /api/v1/public/events/<slug>/products?q=`` over
   HTTP (one client, ``--rounds`` each) and of ``catalogue.service.search_products`` in
   this process, for words that match a few, hundreds and thousands of products, beside
   the bare full-text query (FTS5 ``MATCH``, or PostgreSQL's ``@@`` on the GIN-indexed
   document, ids only) timed in the same run: the floor. Target: under 50 ms.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SLUG = "pameran-nasional"
REGIONS = [
    "Gianyar", "Badung", "Bangli", "Klungkung", "Karangasem", "Tabanan", "Jembrana",
    "Buleleng", "Denpasar", "Yogyakarta", "Jepara", "Pekalongan", "Lombok Tengah",
    "Toraja Utara", "Sumba Timur",
]  # fmt: skip
NAMES = {
    "painting": (["Lukisan", "Sketsa", "Cetak"], ["Sawah", "Penari", "Pura", "Barong", "Pasar"]),
    "jewellery": (["Cincin", "Kalung", "Gelang", "Anting", "Liontin"], ["Perak", "Emas"]),
    "endek": (["Kain Endek", "Selendang Endek", "Sarung Endek"], ["Cepuk", "Patra", "Wajik"]),
    "craft": (["Keranjang", "Lampu", "Topeng", "Kipas", "Patung"], ["Bambu", "Kayu", "Rotan"]),
    "other": (["Kopi", "Teh", "Sabun"], ["Kintamani", "Bali", "Alami"]),
}
COLOURS = ["Merah", "Kuning", "Biru", "Hijau", "Ungu", "Hitam", "Putih", "Emas"]
ARTISTS = ["I Wayan Karya", "Ni Made Sari", "I Ketut Budiana", "I Nyoman Gunarsa", "Made Wianta"]
QUERIES = {
    "a few (endek kuning cepuk)": "endek kuning cepuk",
    "hundreds (cincin perak)": "cincin perak",
    "thousands (perak)": "perak",
    "a prefix (kera)": "kera",
}


def pos_command() -> list[str]:
    return [str(Path(sys.executable).with_name("pos"))]


def env_for(root: Path, database: str) -> dict[str, str]:
    return os.environ | {
        "POS_DATABASE_URL": database,
        "POS_INSTANCE_PATH": str(root / "instance"),
        "POS_RECEIPTS_DIR": str(root / "receipts"),
    }


def photo(n: int) -> bytes:
    from PIL import Image

    rng = random.Random(n)
    image = Image.new("RGB", (1200, 900), tuple(rng.randrange(256) for _ in range(3)))
    image.paste(tuple(rng.randrange(256) for _ in range(3)), (300, 200, 900, 700))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def attributes(category: str, rng: random.Random) -> dict[str, Any]:
    if category == "painting":
        return {"artist": rng.choice(ARTISTS), "medium": "Acrylic on canvas", "year": 2024}
    if category == "jewellery":
        return {"material": rng.choice(["Silver 925", "Silver 950", "Gold 750"]), "weight_g": 7}
    if category == "endek":
        colours = ", ".join(rng.sample(COLOURS, 2))
        return {"motif": rng.choice(NAMES["endek"][1]), "colours": colours, "length_cm": 200}
    if category == "craft":
        return {"material": rng.choice(["Bamboo", "Wood", "Rattan"])}
    return {}


def populate(args: argparse.Namespace, env: dict[str, str]) -> None:
    """The national fair, written in bulk into the app's tables."""
    for key, value in env.items():
        os.environ[key] = value
    import sqlalchemy as sa

    from pos import create_app
    from pos.extensions import db
    from pos.inventory import photos
    from pos.inventory.models import Product
    from pos.organizer import service as organizer_service
    from pos.organizer.models import Exhibitor

    app = create_app()
    rng = random.Random(2026)
    with app.app_context():
        event = organizer_service.create_event(
            None,
            name="Pameran Kriya Nasional",
            timezone="Asia/Jakarta",
            currency="IDR",
            starts_on=date.today(),
            ends_on=date.today() + timedelta(days=4),
            venue="JIExpo Kemayoran, Jakarta",
            slug=SLUG,
            catalogue_public=True,
            opening_hours="10.00–21.00 WIB",
        )
        db.session.commit()
        keys = [photos.store(photo(n)) for n in range(args.photos)]
        exhibitors = [
            {
                "event_id": event.id,
                "name": f"Sanggar Kriya {n:04d}",
                "booth": f"A{n:04d}",
                "region": REGIONS[n % len(REGIONS)],
                "sentra": f"Sentra IKM {REGIONS[n % len(REGIONS)]}",
                "story": "Perajin keluarga sejak 1990, bahan lokal dan pewarna alam. " * 3,
                "whatsapp": f"62812{n:08d}",
                "cover_photo": keys[n % len(keys)],
            }
            for n in range(1, args.booths + 1)
        ]
        db.session.execute(sa.insert(Exhibitor), exhibitors)
        ids = db.session.scalars(
            sa.select(Exhibitor.id).where(Exhibitor.event_id == event.id).order_by(Exhibitor.id)
        ).all()
        categories = list(NAMES)
        rows = []
        for exhibitor_id in ids:
            for n in range(args.products):
                category = categories[(exhibitor_id + n // 8) % len(categories)]
                first, second = NAMES[category]
                stock = rng.choice([0, 1, 2, 5, 12, 30])
                rows.append(
                    {
                        "exhibitor_id": exhibitor_id,
                        "sku": f"P{n:03d}",
                        "name": f"{rng.choice(first)} {rng.choice(second)} {n:02d}",
                        "category": category,
                        "price": rng.randrange(50, 5000) * 1000,
                        "stock": stock,
                        "attributes": attributes(category, rng),
                        "photo": keys[(exhibitor_id * args.products + n) % len(keys)],
                        "description": "",
                    }
                )
            if len(rows) >= 10_000:
                db.session.execute(sa.insert(Product), rows)
                rows = []
        if rows:
            db.session.execute(sa.insert(Product), rows)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            db.session.execute(sa.text("ANALYZE"))
            db.session.commit()


def wrk(url: str, headers: dict[str, str], args: argparse.Namespace) -> dict[str, Any]:
    command = ["wrk", "-t2", f"-c{args.connections}", f"-d{args.seconds}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = re.search(r"50%\s+([\d.]+)(\w+)", out)
    p99 = re.search(r"99%\s+([\d.]+)(\w+)", out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)

    def ms(match: re.Match) -> float:
        value, unit = float(match.group(1)), match.group(2)
        return value * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    return {
        "rps": rps,
        "p50_ms": ms(p50),
        "p99_ms": ms(p99),
        "errors": int(errors.group(1)) if errors else 0,
    }


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), b""


def median_ms(work, rounds: int) -> float:
    work()
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def search_times(base: str, rounds: int) -> dict[str, dict[str, Any]]:
    import sqlalchemy as sa

    from pos import create_app
    from pos.catalogue import service
    from pos.extensions import db
    from pos.organizer.models import Event

    app = create_app()
    results = {}
    with app.app_context():
        event = db.session.scalar(sa.select(Event).where(Event.slug == SLUG))
        postgres = db.engine.dialect.name == "postgresql"
        for label, q in QUERIES.items():
            words = service.query_words(q)
            if postgres:
                bare = sa.text(
                    "SELECT id FROM product WHERE product_search_document(name, category, "
                    "description, attributes) @@ to_tsquery('simple', :q)"
                ).bindparams(q=" & ".join(f"{w}:*" for w in words))
            else:
                bare = sa.text(
                    "SELECT rowid FROM product_fts WHERE product_fts MATCH :q"
                ).bindparams(q=" AND ".join(f'"{w}"*' for w in words))
            matching = len(db.session.execute(bare).all())
            url = f"{base}/api/v1/public/events/{SLUG}/products?q={urllib.parse.quote(q)}"
            status, _headers, body = fetch(url)
            assert status == 200, (url, status)
            results[label] = {
                "matching": matching,
                "answered": len(json.loads(body)["items"]),
                "bare_ms": median_ms(lambda bare=bare: db.session.execute(bare).all(), rounds),
                "service_ms": median_ms(lambda q=q: service.search_products(event, q), rounds),
                "http_ms": median_ms(lambda url=url: fetch(url), rounds),
            }
            db.session.rollback()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", help="a PostgreSQL URL (emptied!); default: SQLite")
    parser.add_argument("--booths", type=int, default=1500)
    parser.add_argument("--products", type=int, default=40)
    parser.add_argument("--photos", type=int, default=60)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()

    from tests.servers import served

    with tempfile.TemporaryDirectory(prefix="bench-catalogue-") as tmp:
        root = Path(tmp)
        database = args.database or "sqlite:///" + str(root / "pos.sqlite3")
        env = env_for(root, database)
        if args.database:
            import sqlalchemy as sa

            engine = sa.create_engine(args.database)
            with engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            engine.dispose()
        subprocess.run([*pos_command(), "init-db"], env=env, check=True, capture_output=True)
        started = time.perf_counter()
        populate(args, env)
        built = time.perf_counter() - started
        with served(root, seed=False, database_url=database) as (base, _log):
            fair, booth = (
                f"{base}/e/{SLUG}?lang=id",
                f"{base}/e/{SLUG}/A{args.booths // 2:04d}?lang=id",
            )
            results: dict[str, Any] = {"built_s": built, "pages": {}}
            # The floor of this server in this run: its cheapest answer (SELECT 1).
            results["healthz"] = wrk(f"{base}/healthz", {}, args)
            for name, url in (("fair", fair), ("booth", booth)):
                status, headers, body = fetch(url, {"Accept-Encoding": "gzip"})
                assert status == 200, (url, status)
                plain = fetch(url)[2]
                results["pages"][name] = {
                    "bytes": len(plain),
                    "gzip_bytes": len(body),
                    "first": wrk(url, {"Accept-Encoding": "gzip"}, args),
                    "again": wrk(
                        url, {"Accept-Encoding": "gzip", "If-None-Match": headers["ETag"]}, args
                    ),
                }
            results["search"] = search_times(base, args.rounds)
    report(args, results)


def report(args: argparse.Namespace, results: dict[str, Any]) -> None:
    engine = "PostgreSQL" if args.database else "SQLite"
    print(
        f"\n{engine}, {args.booths} booths × {args.products} products "
        f"({args.booths * args.products:,} products, {args.photos} distinct photos), "
        f"built in {results['built_s']:.0f} s; gunicorn 2 workers; wrk -t2 "
        f"-c{args.connections} -d{args.seconds}s; {platform.python_version()}, "
        f"{os.cpu_count()} CPUs\n"
    )
    floor = results["healthz"]
    print("| page | size (gzip) | answer | requests/s | × /healthz | p50 ms | p99 ms | errors |")
    print("|---|---|---|---|---|---|---|---|")
    print(
        f"| /healthz (floor: SELECT 1) | | 200 | {floor['rps']:.0f} | 1.00"
        f" | {floor['p50_ms']:.1f} | {floor['p99_ms']:.1f} | {floor['errors']} |"
    )
    for name, page in results["pages"].items():
        for kind, label in (("first", "200, first visit"), ("again", "304, revalidated")):
            r = page[kind]
            print(
                f"| {name} | {page['bytes'] / 1024:.0f} KB ({page['gzip_bytes'] / 1024:.0f} KB)"
                f" | {label} | {r['rps']:.0f} | {r['rps'] / floor['rps']:.2f}"
                f" | {r['p50_ms']:.1f} | {r['p99_ms']:.1f}"
                f" | {r['errors']} |"
            )
    print("\n| search | matching | answered | bare FTS ms | service ms | × bare | HTTP ms |")
    print("|---|---|---|---|---|---|---|")
    for label, s in results["search"].items():
        print(
            f"| {label} | {s['matching']:,} | {s['answered']} | {s['bare_ms']:.1f}"
            f" | {s['service_ms']:.1f} | {s['service_ms'] / max(s['bare_ms'], 0.01):.1f}"
            f" | {s['http_ms']:.1f} |"
        )


if __name__ == "__main__":
    main()
