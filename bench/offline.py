"""Offline sync benchmark: 500 waiting sales from one tablet reach the server, beside the
same 500 sent live, in the same run.

    .venv/bin/python bench/offline.py                  # about a minute
    .venv/bin/python bench/offline.py --sales 200 --rounds 1 --json out.json
    .venv/bin/python bench/offline.py --profile        # and where the server's time goes

Setup, once: ``pos init-db`` and ``pos seed-demo`` into a fresh SQLite file in a
temporary folder, ``pos serve`` with 2 gunicorn workers (the default), and, through the
API as checkout.py does it, 12 products with a large stock at each demo booth. One
tablet of booth A03 (the cashier's bearer token) gets its device code
(``POST /api/v1/devices``), and ``--sales`` carts of 1-4 lines are made from a fixed seed
(discounts, cash with change, QRIS, cards, split payments, buyers), each item with the
``unit_price`` the tablet charged, as the register sends them.

Each round sends the carts one after the other, as the register's one sender does
(register/sync.js: the next sale only once the server has answered the last one), each
``POST /api/v1/sales`` with its own ``Idempotency-Key``:

- **live**: the carts with the buyer's link token the register makes
  (``public_token``), as a sale completed while online;
- **offline**: the same carts as waiting sales of the outbox, each with its ``offline``
  object: the device, its offline number (``A03-T1-0001``, …), ``recorded_at`` (the last
  minutes, oldest first), the buyer's token and the shift the tablet knew.

Rounds alternate which goes first (``--rounds``, default 2), so the growing database
favours neither. The client keeps its connection alive; gunicorn's sync workers close it
after each answer, so each sale connects anew, as a tablet's would. Every answer must be
``201`` (an offline one with its offline number) and every sale must be in the database
afterwards. Printed: seconds, sales/s and median and p95 latency of each, and the ratio.

``--profile`` then records the same two kinds of sale in this process (the Flask test
client, one worker, no network) under cProfile and prints the functions whose own time
differs most between an offline and a live sale.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import json
import pstats
import random
import secrets
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from bench.checkout import (  # noqa: E402
    Booth,
    Connection,
    app_env,
    call_json,
    make_cart,
    pos_command,
    real_server,
    set_up_shop,
)

TARGET_SECONDS = 30  # issue 10: 500 waiting sales in under 30 s


def tablet_carts(booth: Booth, count: int, seed: int) -> list[dict[str, Any]]:
    """Carts as the register sends them: every item with the price the tablet charged."""
    rng = random.Random(seed)
    prices = dict(booth.products)
    carts = []
    for _ in range(count):
        cart = make_cart(rng, booth)
        for item in cart["items"]:
            item["unit_price"] = prices[item["product_id"]]
        carts.append(cart)
    return carts


def live_bodies(carts: list[dict[str, Any]]) -> list[bytes]:
    return [
        json.dumps(cart | {"public_token": secrets.token_urlsafe(18)}).encode() for cart in carts
    ]


def offline_bodies(
    carts: list[dict[str, Any]], booth: str, device: str, shift_id: int | None, first: int
) -> list[bytes]:
    """The outbox: numbered in order, recorded over the last minutes, oldest first."""
    now = datetime.now(UTC)
    bodies = []
    for n, cart in enumerate(carts):
        offline: dict[str, Any] = {
            "device": device,
            "number": f"{booth}-{device}-{first + n:04d}",
            "recorded_at": (now - timedelta(seconds=2 * (len(carts) - n))).isoformat(),
            "public_token": secrets.token_urlsafe(18),
        }
        if shift_id is not None:
            offline["shift_id"] = shift_id
        bodies.append(json.dumps(cart | {"offline": offline}).encode())
    return bodies


def send_all(address: tuple[str, int], token: str, bodies: list[bytes], kind: str) -> dict:
    """One sale after the other, as the register's sender; every answer must be 201."""
    conn = Connection(*address)
    latencies = []
    started = time.perf_counter()
    try:
        for body in bodies:
            head = (
                "Content-Type: application/json\r\n"
                f"Authorization: Bearer {token}\r\n"
                f"Idempotency-Key: {uuid.uuid4()}\r\n"
            ).encode()
            sent = time.perf_counter()
            status, answer = conn.request("POST", "/api/v1/sales", head, body)
            latencies.append(time.perf_counter() - sent)
            if status != 201:
                raise SystemExit(f"{kind} sale answered {status}: {answer[:300]!r}")
            if kind == "offline" and not json.loads(answer).get("offline_number"):
                raise SystemExit(f"an offline sale came back without its number: {answer[:300]!r}")
    finally:
        conn.close()
    seconds = time.perf_counter() - started
    latencies.sort()
    return {
        "kind": kind,
        "sales": len(bodies),
        "seconds": seconds,
        "per_second": len(bodies) / seconds,
        "p50_ms": statistics.median(latencies) * 1000,
        "p95_ms": latencies[int(len(latencies) * 0.95) - 1] * 1000,
    }


def count_sales(database: Path) -> tuple[int, int]:
    with contextlib.closing(sqlite3.connect(database, timeout=30)) as conn:
        total, offline = conn.execute("SELECT COUNT(*), COUNT(offline_number) FROM sale").fetchone()
    return total, offline


def run(args: argparse.Namespace) -> dict[str, Any]:
    with contextlib.ExitStack() as stack:
        root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="pos-bench-off-")))
        for command in ("init-db", "seed-demo"):
            done = subprocess.run(
                [*pos_command(), command],
                env=app_env(root),
                capture_output=True,
                text=True,
                timeout=300,
            )
            if done.returncode != 0:
                raise RuntimeError(f"pos {command} failed:\n{done.stdout}\n{done.stderr}")
        database = root / "pos.sqlite3"
        results: dict[str, Any] = {"sales": args.sales, "rounds": []}
        with real_server(root, 2) as server:
            booths, tablets = set_up_shop(server, args.seed, 1)
            tablet = tablets[0]
            booth = tablet.booth
            status, device = call_json(
                server.address,
                "POST",
                "/api/v1/devices",
                {"exhibitor_id": booth.exhibitor_id},
                token=tablet.token,
            )
            assert status == 201, device
            carts = tablet_carts(booth, args.sales, args.seed)
            # One live sale first, as the register's first sale opens the shift (the
            # tablet then knows it and sends it with its offline sales).
            send_all(server.address, tablet.token, live_bodies(carts[:1]), "live")
            status, shifts = call_json(
                server.address,
                "GET",
                f"/api/v1/shifts?exhibitor_id={booth.exhibitor_id}",
                token=tablet.token,
            )
            shift_id = next((s["id"] for s in shifts["items"] if not s.get("closed_at")), None)
            before = count_sales(database)
            numbered = 1
            for round_no in range(args.rounds):
                order = ("live", "offline") if round_no % 2 == 0 else ("offline", "live")
                phases = {}
                for kind in order:
                    if kind == "live":
                        bodies = live_bodies(carts)
                    else:
                        bodies = offline_bodies(
                            carts, booth.code, device["device"], shift_id, numbered
                        )
                        numbered += len(carts)
                    phases[kind] = send_all(server.address, tablet.token, bodies, kind)
                    print(
                        f"round {round_no + 1} {kind:<7} {phases[kind]['seconds']:6.2f} s "
                        f"{phases[kind]['per_second']:6.1f} sales/s",
                        flush=True,
                    )
                results["rounds"].append({"order": list(order), **phases})
        after = count_sales(database)
        sent = 2 * args.sales * args.rounds
        if (after[0] - before[0], after[1] - before[1]) != (sent, args.sales * args.rounds):
            raise SystemExit(f"sales in the database: {before} before, {after} after; {sent} sent")
        results["recorded"] = {"sales": after[0] - before[0], "offline": after[1] - before[1]}
    return results


# --- where the time goes ------------------------------------------------------------------


def profile(args: argparse.Namespace) -> None:
    """The two kinds of sale in this process under cProfile: own time per sale, offline
    minus live, for the functions that differ most."""
    import sqlalchemy as sa

    from pos import create_app
    from pos.auth.models import User
    from pos.db import upgrade_schema, write_intent
    from pos.demo import seed_demo
    from pos.extensions import db
    from pos.inventory import service as inventory_service
    from pos.sales.offline import register_device

    count = min(args.sales, 300)
    with tempfile.TemporaryDirectory(prefix="pos-bench-off-prof-") as folder:
        instance = Path(folder) / "instance"
        app = create_app(
            {
                "INSTANCE_PATH": str(instance),
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'pos.sqlite3'}",
                "RECEIPTS_DIR": str(Path(folder) / "receipts"),
            }
        )
        with app.app_context():
            upgrade_schema()
            with write_intent():
                seed_demo()
                manager = db.session.scalar(sa.select(User).where(User.username == "manager-a03"))
                products = [
                    inventory_service.create_product(
                        manager,
                        exhibitor_id=manager.exhibitor_id,
                        sku=f"PROF-{n:02d}",
                        name=f"Giclée print {n}",
                        category="painting",
                        price=150_000 + 1_000 * n,
                        stock=1_000_000,
                    )
                    for n in range(12)
                ]
                device = register_device(manager, manager.exhibitor_id).code
                db.session.commit()
            booth = Booth("A03", manager.exhibitor_id, [(p.id, p.price) for p in products])
            db.session.remove()
        client = app.test_client()
        login = client.post(
            "/api/v1/auth/login", json={"username": "cashier-a03", "password": "demo"}
        )
        headers = {"Authorization": f"Bearer {login.get_json()['token']}"}
        carts = tablet_carts(booth, count, args.seed)
        kinds = {
            "live": live_bodies(carts),
            "offline": offline_bodies(carts, "A03", device, None, 1),
        }
        # Warm up (first requests build caches), then one profile per kind.
        for body in live_bodies(carts[:20]):
            client.post("/api/v1/sales", data=body, headers=headers | _json_key())
        own: dict[str, dict[tuple, float]] = {}
        totals = {}
        statements: dict[str, list[str]] = {}
        with app.app_context():
            engine = db.engine

        def counted(_conn, _cursor, statement, *_args) -> None:
            statements[kind].append(statement.split(None, 1)[0].upper())

        sa.event.listen(engine, "before_cursor_execute", counted)
        for kind, bodies in kinds.items():
            statements[kind] = []
            profiler = cProfile.Profile()
            started = time.perf_counter()
            profiler.enable()
            for body in bodies:
                answer = client.post("/api/v1/sales", data=body, headers=headers | _json_key())
                assert answer.status_code == 201, answer.get_json()
            profiler.disable()
            totals[kind] = (time.perf_counter() - started) / count * 1000
            stats = pstats.Stats(profiler)
            own[kind] = {
                key: value[2] / count * 1000
                for key, value in stats.stats.items()  # tottime
            }
        sa.event.remove(engine, "before_cursor_execute", counted)
    print()
    print(
        f"in-process, {count} sales each, ms per sale: live {totals['live']:.2f}, "
        f"offline {totals['offline']:.2f} (under cProfile)"
    )
    for kind, seen in statements.items():
        kinds_seen = {verb: seen.count(verb) / count for verb in sorted(set(seen))}
        print(
            f"SQL statements per {kind} sale: {len(seen) / count:.1f} "
            + ", ".join(f"{verb} {n:.1f}" for verb, n in kinds_seen.items())
        )
    print("own time per sale, offline minus live (ms), largest first:")
    keys = set(own["live"]) | set(own["offline"])
    differences = sorted(
        keys, key=lambda k: own["offline"].get(k, 0) - own["live"].get(k, 0), reverse=True
    )
    for key in differences[:15]:
        filename, line, function = key
        where = filename.replace(str(ROOT) + "/", "")
        delta = own["offline"].get(key, 0) - own["live"].get(key, 0)
        print(f"  {delta:+7.3f}  {function}  ({where}:{line})")


def _json_key() -> dict[str, str]:
    return {"Content-Type": "application/json", "Idempotency-Key": str(uuid.uuid4())}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sales", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seed", type=int, default=20251201)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args(argv)
    results = run(args)
    report(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    if args.profile:
        profile(args)
    return 0


def report(results: dict[str, Any]) -> None:
    print()
    print(f"{results['sales']} sales from one tablet, sent one after the other, 2 workers, SQLite")
    print(f"{'round':<6} {'kind':<8} {'seconds':>8} {'sales/s':>8} {'p50 ms':>7} {'p95 ms':>7}")
    for n, round_ in enumerate(results["rounds"], start=1):
        for kind in round_["order"]:
            phase = round_[kind]
            print(
                f"{n:<6} {kind:<8} {phase['seconds']:8.2f} {phase['per_second']:8.1f} "
                f"{phase['p50_ms']:7.1f} {phase['p95_ms']:7.1f}"
            )
    live = statistics.median(r["live"]["seconds"] for r in results["rounds"])
    offline = statistics.median(r["offline"]["seconds"] for r in results["rounds"])
    verdict = "met" if offline < TARGET_SECONDS else "NOT met"
    print(
        f"median: offline {offline:.2f} s, live {live:.2f} s, offline / live = "
        f"{offline / live:.2f}; target under {TARGET_SECONDS} s: {verdict}"
    )
    print(f"recorded: {results['recorded']}")


if __name__ == "__main__":
    raise SystemExit(main())
