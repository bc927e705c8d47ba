"""Where a sale's server CPU goes: the app in-process, without a network, under cProfile.

    .venv/bin/python bench/profile_sale.py                    # SQLite, 3,000 sales
    .venv/bin/python bench/profile_sale.py --sales 5000 --top 40
    .venv/bin/python bench/profile_sale.py --database postgresql+psycopg://postgres@127.0.0.1/x

Builds the app (``create_app``) on a fresh database (``pos init-db`` and ``pos seed-demo``
through the CLI runner), adds bench/checkout.py's 12 products per demo booth and a
cashier token per booth, then sends bench/checkout.py's carts straight to the WSGI
callable (``app.wsgi_app`` under ``app``'s middleware: what gunicorn calls), one after the
other, each with a fresh Idempotency-Key and a bearer token. Every answer must be 201.

It prints, per sale:

- the wall time without the profiler (median of 5 batches): the server's CPU per sale
  with nothing around it (no gunicorn, no sockets);
- the profile's time by phase: cumulative time of the functions each phase runs in (the
  phases are exclusive: a phase nested in another is taken out of it), and what is left
  of the WSGI call ("WSGI and Flask dispatch": routing, request and response objects,
  hooks not named);
- with ``--top N``, the N functions with the most time of their own.

cProfile adds a fixed cost to every Python call, so the phases with many small calls read
larger than they are; the shares, not the microseconds, are what to compare between two
versions of the code (the same script, the same carts).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.checkout import BENCH_STOCK, BOOTH_GOODS, PRODUCTS_PER_BOOTH, Booth, make_carts  # noqa: E402

PASSWORD = "demo"

# (phase, [(file suffix, function name)]), outermost first: a phase's time excludes the
# time of the phases listed after it that run inside it.
PHASES: list[tuple[str, list[tuple[str, str]]]] = [
    (
        "before/after-request hooks (write intent, NUL check, limiter, headers, last use)",
        [
            ("pos/security.py", "_declare_write_intent"),
            ("pos/security.py", "_refuse_nul_characters"),
            ("pos/security.py", "_security_headers"),
            ("flask_limiter/_extension.py", "_check_request_limit"),
            ("flask_limiter/_extension.py", "__inject_headers"),
            ("pos/auth/views.py", "_record_use"),
            ("pos/assets.py", "_static_cache_lifetime"),
            ("pos/database_errors.py", "_storage_works_again"),
            ("flask_compress/flask_compress.py", "after_request"),
            ("flask_babel/__init__.py", "get_locale"),
        ],
    ),
    ("authentication (bearer token to user)", [("pos/api.py", "authenticated_user")]),
    ("JSON parsing and validation", [("pos/api.py", "parse_body")]),
    (
        "idempotency (key, fingerprint, stored answer)",
        [
            ("pos/sales/recording.py", "check_idempotency_key"),
            ("pos/sales/recording.py", "request_fingerprint"),
            ("pos/sales/recording.py", "_stored_answer"),
        ],
    ),
    (
        "the booth, its stored key and open shift; permission",
        [
            ("pos/organizer/service.py", "get_exhibitor"),
            ("pos/sales/recording.py", "_checked_facts"),
        ],
    ),
    (
        "offline checks (buyer token known?)",
        [
            ("pos/sales/offline.py", "known_sale_id"),
        ],
    ),
    (
        "read phase: products, pricing, shift, rows prepared",
        [
            ("pos/sales/recording.py", "_prepare_sale"),
        ],
    ),
    ("rollups", [("pos/sales/rollups.py", "add_sale"), ("pos/sales/rollups.py", "write")]),
    (
        "the answer (body built, JSON encoded)",
        [
            ("pos/sales/recording.py", "sale_body"),
            ("flask/json/provider.py", "response"),
            ("flask/app.py", "make_response"),
        ],
    ),
    (
        "write phase: lock, stock, number, sale, lines, payments, ledger, key",
        [
            ("pos/db.py", "write_phase"),
            ("pos/sales/recording.py", "_write_sale"),
        ],
    ),
    ("commit", [("sqlalchemy/orm/scoping.py", "commit")]),
    ("after the commit (sale_recorded signal)", [("blinker/base.py", "send")]),
]
TOTAL = ("pos/security.py", "__call__")  # SecureCookiesOnHttps: the outermost WSGI layer


def build(root: Path, database: str | None) -> Any:
    from pos import create_app

    config = {
        "SECRET_KEY": "bench",
        "INSTANCE_PATH": str(root / "instance"),
        "RECEIPTS_DIR": str(root / "receipts"),
        "SQLALCHEMY_DATABASE_URI": database or "sqlite:///" + str(root / "pos.sqlite3"),
        "PASSWORD_METHOD": "scrypt:1024:8:1",
    }
    app = create_app(config)
    runner = app.test_cli_runner()
    if database:
        import sqlalchemy as sa

        from pos.extensions import db

        with app.app_context():
            db.session.execute(sa.text("DROP SCHEMA public CASCADE"))
            db.session.execute(sa.text("CREATE SCHEMA public"))
            db.session.commit()
    for command in ("init-db", "seed-demo"):
        result = runner.invoke(args=[command])
        assert result.exit_code == 0, result.output
    return app


def call(app: Any, method: str, path: str, body: Any = None, token: str = "", key: str = ""):
    environ = environ_for(app, method, path, json.dumps(body).encode() if body else b"", token, key)
    status, answer = run_wsgi(app, environ)
    return status, json.loads(answer or b"null")


def environ_for(app: Any, method: str, path: str, body: bytes, token: str, key: str) -> dict:
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "5000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1:5000",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }
    if token:
        environ["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    if key:
        environ["HTTP_IDEMPOTENCY_KEY"] = key
    return environ


def run_wsgi(app: Any, environ: dict) -> tuple[int, bytes]:
    status_holder = []

    def start_response(status, headers, exc_info=None):
        status_holder.append(status)

    chunks = app(environ, start_response)
    try:
        data = b"".join(chunks)
    finally:
        close = getattr(chunks, "close", None)
        if close:
            close()
    return int(status_holder[0].split()[0]), data


def set_up(app: Any, seed: int) -> list[tuple[Booth, str]]:
    import random

    _status, organizer = call(
        app, "POST", "/api/v1/auth/login", {"username": "organizer", "password": PASSWORD}
    )
    _status, listing = call(app, "GET", "/api/v1/exhibitors", token=organizer["token"])
    rng = random.Random(seed)
    tablets = []
    for exhibitor in sorted(listing["items"], key=lambda e: e["booth"]):
        code = exhibitor["booth"]
        if code not in BOOTH_GOODS:
            continue
        category, names, low, high = BOOTH_GOODS[code]
        _s, manager = call(
            app,
            "POST",
            "/api/v1/auth/login",
            {"username": f"manager-{code.lower()}", "password": PASSWORD},
        )
        products = []
        for n in range(PRODUCTS_PER_BOOTH):
            body = {
                "exhibitor_id": exhibitor["id"],
                "sku": f"BENCH-{code}-{n:03d}",
                "name": f"{names[n % len(names)]} no. {n + 1}",
                "category": category,
                "price": rng.randint(low, high) * 1_000,
                "stock": BENCH_STOCK,
            }
            status, product = call(app, "POST", "/api/v1/products", body, token=manager["token"])
            assert status == 201, product
            products.append((product["id"], product["price"]))
        booth = Booth(code, exhibitor["id"], products)
        _s, cashier = call(
            app,
            "POST",
            "/api/v1/auth/login",
            {"username": f"cashier-{code.lower()}", "password": PASSWORD},
        )
        tablets.append((booth, cashier["token"]))
    make_carts([b for b, _t in tablets], seed)
    return tablets


class Sales:
    def __init__(self, app: Any, tablets: list[tuple[Booth, str]]) -> None:
        self.app, self.tablets, self.n = app, tablets, 0

    def environs(self, count: int) -> list[dict]:
        out = []
        for _ in range(count):
            booth, token = self.tablets[self.n % len(self.tablets)]
            body = booth.carts[(self.n // len(self.tablets)) % len(booth.carts)]
            out.append(environ_for(self.app, "POST", "/api/v1/sales", body, token, f"p{self.n}"))
            self.n += 1
        return out

    def send(self, environs: list[dict]) -> None:
        for environ in environs:
            status, answer = run_wsgi(self.app, environ)
            if status != 201:
                raise SystemExit(f"sale answered {status}: {answer[:300]!r}")


def phases(stats: pstats.Stats, sales: int) -> list[tuple[str, float]]:
    raw = stats.stats  # type: ignore[attr-defined]

    def cumulative(targets: list[tuple[str, str]]) -> float:
        total = 0.0
        for (filename, _line, name), (_cc, _nc, _tt, ct, _callers) in raw.items():
            for suffix, wanted in targets:
                if name == wanted and filename.endswith(suffix):
                    total += ct
        return total

    total = cumulative([TOTAL])
    rows = []
    # Exclusive: a later (inner) phase is taken out of an earlier one it runs in.
    inner_of = {
        "write phase: lock, stock, number, sale, lines, payments, ledger, key": (
            "rollups",
            "the answer (body built, JSON encoded)",
        ),
    }
    figures = {label: cumulative(targets) for label, targets in PHASES}
    for outer, inners in inner_of.items():
        figures[outer] -= sum(
            figures[i] for i in inners if i != "the answer (body built, JSON encoded)"
        )
    # sale_body runs inside the write phase; the JSON encoding outside it.
    body_inside = cumulative([("pos/sales/recording.py", "sale_body")])
    figures["write phase: lock, stock, number, sale, lines, payments, ledger, key"] -= body_inside
    named = sum(figures.values())
    rows.append(("WSGI and Flask dispatch (the rest of the request)", total - named))
    rows += [(label, figures[label]) for label, _t in PHASES]
    return [(label, seconds / sales * 1000) for label, seconds in rows] + [
        ("total (profiled)", total / sales * 1000)
    ]


def sampled_phases(collapsed: Path, total_ms: float) -> list[tuple[str, float]]:
    """Phases from py-spy's collapsed stacks (``-f raw``): each sample taken inside a
    measured sale goes to the innermost phase on its stack (the rest of the WSGI call to
    "WSGI and Flask dispatch"); the shares are spread over ``total_ms``, the CPU per sale
    measured without the sampler in the same process."""
    counts = dict.fromkeys(["WSGI and Flask dispatch (the rest of the request)"], 0)
    counts.update({label: 0 for label, _t in PHASES})
    wanted = [(label, suffix, name) for label, targets in PHASES for suffix, name in targets]
    for line in collapsed.read_text().splitlines():
        stack, _sep, count = line.rpartition(" ")
        frames = stack.split(";")
        if not any(f.startswith("send_measured ") for f in frames):
            continue
        phase = "WSGI and Flask dispatch (the rest of the request)"
        for frame in frames:  # root first: the last match is the innermost
            name, _sep, where = frame.partition(" (")
            filename = where.rsplit(":", 1)[0]
            for label, suffix, wanted_name in wanted:
                # py-spy names functions by their qualified name (Class.method).
                if name.rpartition(".")[2] == wanted_name and filename.endswith(suffix):
                    phase = label
        counts[phase] += int(count)
    samples = sum(counts.values()) or 1
    return [(label, total_ms * n / samples) for label, n in counts.items()] + [
        ("total (CPU per sale, measured without the sampler)", total_ms)
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sales", type=int, default=3000, help="sales profiled")
    parser.add_argument("--timed", type=int, default=1000, help="sales per timed batch")
    parser.add_argument("--database", help="a PostgreSQL URL (emptied!); default a temp SQLite")
    parser.add_argument("--top", type=int, default=0, help="also list the N costliest functions")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument(
        "--sampler",
        choices=["py-spy", "cprofile"],
        default="py-spy" if shutil.which("py-spy", path=PY_SPY_PATH) else "cprofile",
        help="py-spy (sampling, pip install py-spy) or cProfile (distorts small calls)",
    )
    parser.add_argument("--stacks", type=Path, help="py-spy: keep the collapsed stacks here")
    parser.add_argument(
        "--phases-of",
        nargs=2,
        metavar=("STACKS", "MS"),
        help="only print the phases of kept stacks, spread over MS per sale",
    )
    parser.add_argument("--under-py-spy", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    os.environ.setdefault("POS_LOG_LEVEL", "WARNING")
    if args.phases_of:
        print_phases(sampled_phases(Path(args.phases_of[0]), float(args.phases_of[1])), "py-spy")
        return 0
    if args.sampler == "py-spy" and args.under_py_spy is None:
        return with_py_spy(args, argv if argv is not None else sys.argv[1:])
    with tempfile.TemporaryDirectory(prefix="pos-profile-") as folder:
        app = build(Path(folder), args.database)
        tablets = set_up(app, args.seed)
        sales = Sales(app, tablets)
        sales.send(sales.environs(300))  # warm-up
        batches = []
        for _ in range(5):
            environs = sales.environs(args.timed)
            started = time.process_time()
            sales.send(environs)
            batches.append((time.process_time() - started) / args.timed * 1000)
        engine = "PostgreSQL" if args.database else "SQLite"
        median = statistics.median(batches)
        print(
            f"{engine}: CPU per sale (this process: Python and SQLite), median of 5 x "
            f"{args.timed}: {median:.3f} ms (batches {', '.join(f'{b:.3f}' for b in batches)})",
            flush=True,
        )
        environs = sales.environs(args.sales)
        if args.under_py_spy is not None:
            args.under_py_spy.write_text("go")  # the sampler's window: the measured sales
            send_measured(sales, environs)
            return 0
        profiler = cProfile.Profile(time.process_time)  # CPU, not waits (fsync)
        profiler.enable()
        send_measured(sales, environs)
        profiler.disable()
        print_phases(phases(pstats.Stats(profiler), args.sales), "cProfile")
        if args.top:
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(args.top)
            print(out.getvalue())
    return 0


PY_SPY_PATH = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])


def send_measured(sales: Sales, environs: list[dict]) -> None:
    sales.send(environs)


def print_phases(rows: list[tuple[str, float]], how: str) -> None:
    total = rows[-1][1]
    print(f"\n{how}: {'phase':<64} {'ms/sale':>8} {'share':>6}")
    for label, ms in rows:
        print(f"{' ' * (len(how) + 2)}{label:<64} {ms:>8.3f} {ms / total:>6.0%}")


def with_py_spy(args: argparse.Namespace, argv: list[str]) -> int:
    """Run this script again under py-spy (its child, so no ptrace rights are needed),
    sampling 250 times a second without pausing it; non-idle samples only (not fsync waits)."""
    with tempfile.TemporaryDirectory(prefix="pos-py-spy-") as folder:
        collapsed, flag = Path(folder) / "stacks.txt", Path(folder) / "go"
        command = [
            shutil.which("py-spy", path=PY_SPY_PATH),
            "record", "-r", "250", "--nonblocking", "-f", "raw", "-o", str(collapsed), "--",
            sys.executable, __file__, *argv, "--under-py-spy", str(flag),
        ]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True)
        lines = [line for line in done.stdout.splitlines() if "CPU per sale" in line]
        if done.returncode != 0 or not lines:
            print(done.stdout, done.stderr)
            return 1
        print(lines[0])
        total = float(re.search(r"([0-9.]+) ms", lines[0]).group(1))
        print_phases(sampled_phases(collapsed, total), "py-spy")
        if args.stacks:
            shutil.copy(collapsed, args.stacks)
    return 0


if __name__ == "__main__":
    sys.exit(main())
