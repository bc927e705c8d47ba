"""Checkout benchmark: recording sales against `pos serve`, beside the floor.

    .venv/bin/python bench/checkout.py --workers 1,2 --app-rows          # wrk, SQLite
    .venv/bin/python bench/checkout.py --workers 2 --app-rows --engine postgresql \
        --pg-url postgresql://postgres@127.0.0.1:5432 --pg-prefix bench_checkout
    .venv/bin/python bench/checkout.py --load python --workers 1,4       # the Python client

With wrk (``--load wrk``, the default where /usr/bin/wrk exists; Debian's ``wrk``): the
app, the floor (``bench/bare_app.py``) and with ``--app-rows`` the floor writing every row
the app writes, each started once per worker count and all left running; then
``--rounds`` rounds, each running ``wrk -t2 -c16`` for ``--duration`` seconds against
every server in turn (the order alternating between rounds) with ``bench/checkout.lua``:
one-line cash sales, each with its own Idempotency-Key and its tablet's bearer token.
wrk is C and epoll, so the two cores go to the servers; ratios are taken within a round,
so other load on the machine falls on both sides alike; the load average is printed for
each run. ``--engine postgresql`` runs the app and the floors (psycopg) on databases
PREFIX_pos, PREFIX_floor, PREFIX_rows of ``--pg-url`` (dropped and created).

With the Python client (``--load python``), for each worker count it starts, one after
the other on the same machine:

- the real app: ``pos init-db`` and ``pos seed-demo`` into a fresh SQLite file in a
  temporary folder (done once), then ``pos serve --workers N`` (gunicorn sync workers);
- the floor: ``bench/bare_app.py`` (a bare WSGI callable, plain ``sqlite3``, no Flask and
  no ORM) under the same gunicorn settings and worker count, on its own copy of the same
  database, writing the same rows (stock updates, the sale, its lines and payments);
- with ``--app-rows``, ``bench/bare_app.py --app-rows``: the floor plus the other rows the
  app writes (idempotency key and answer, receipt counter, stock ledger), still bare,

and drives each with the same sequence of carts (1-4 lines of one booth's products,
sometimes a line discount within a cashier's 10 %, cash/QRIS/card/transfer payments,
often split, cash giving change), each ``POST /api/v1/sales`` with a fresh
``Idempotency-Key`` and a cashier's bearer token (one token per simulated tablet):

- saturation: ``--clients`` (16) closed-loop clients without think time, measured for
  ``--duration`` seconds after ``--warmup``: sales/s and latency percentiles;
- open loop: sales started on a fixed schedule, ``--rate`` (50) per second for
  ``--open-duration`` seconds, whether or not earlier ones have finished; latency counts
  from the scheduled start, so any queueing (in the server or in the client) shows;
- the client's ceiling: the same saturation against a trivial endpoint (``/healthz`` of
  the app, ``/ping`` of the floor), to show whether the load generator limits the figures.

Every answer must be ``201`` (errors are counted and printed, and the run exits with 1),
and afterwards the number of sales in each database must equal the number of ``201``s.
CPU time is read from /proc: the server's processes, this client, and the whole machine
(what neither the server nor the client used is "other": kernel networking, and any other
program; a figure above a quarter of a core means the run was disturbed).
Only the standard library and the project's own dependencies are needed.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import platform
import random
import resource
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

HERE = Path(__file__).resolve().parent
STARTUP_SECONDS = 60
SHUTDOWN_SECONDS = 30
PASSWORD = "demo"
BENCH_STOCK = 1_000_000  # the API's largest stock figure
PRODUCTS_PER_BOOTH = 12
CARTS_PER_BOOTH = 500

# What each demo booth sells in the benchmark: (category, names, lowest and highest price).
BOOTH_GOODS = {
    "A03": ("painting", ["Giclée print", "Sketch", "Canvas print", "Postcard set"], 50, 1_500),
    "B12": ("jewellery", ["Silver ring", "Filigree earrings", "Pendant", "Bracelet"], 150, 4_500),
    "C07": (
        "endek",
        ["Endek scarf", "Endek sarong", "Endek shirt", "Endek fabric 2 m"],
        120,
        2_500,
    ),
    "D02": ("craft", ["Bamboo basket", "Bamboo lamp", "Tray", "Wind chime"], 40, 900),
}


# --- a small HTTP/1.1 client --------------------------------------------------------------


class Connection:
    """One client connection. Keeps the socket when the server keeps it (gunicorn's sync
    workers do not: they close after each answer, so each request connects anew).

    Deliberately small, so that the load generator spends little CPU per request on a
    machine whose two cores it shares with the server.
    """

    def __init__(self, host: str, port: int, timeout: float = 60.0) -> None:
        self.address = (host, port)
        self.timeout = timeout
        self.host_header = f"Host: {host}:{port}\r\n".encode()
        self.sock: socket.socket | None = None

    def close(self) -> None:
        if self.sock is not None:
            with contextlib.suppress(OSError):
                self.sock.close()
            self.sock = None

    def request(
        self, method: str, path: str, headers: bytes = b"", body: bytes = b""
    ) -> tuple[int, bytes]:
        message = b"".join(
            (
                f"{method} {path} HTTP/1.1\r\n".encode(),
                self.host_header,
                headers,
                b"Content-Length: %d\r\n\r\n" % len(body),
                body,
            )
        )
        reused = self.sock is not None
        try:
            return self._exchange(message)
        except (ConnectionError, TimeoutError):
            self.close()
            if not reused:
                raise
        # A kept-alive socket the server had closed meanwhile: once more on a new one.
        return self._exchange(message)

    def _exchange(self, message: bytes) -> tuple[int, bytes]:
        if self.sock is None:
            self.sock = socket.create_connection(self.address, timeout=self.timeout)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock = self.sock
        sock.sendall(message)
        buffer = b""
        while b"\r\n\r\n" not in buffer:
            chunk = sock.recv(65536)
            if not chunk:
                raise ConnectionError("connection closed before the answer")
            buffer += chunk
        head, _sep, body = buffer.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split()[1])
        length, close = None, False
        for line in lines[1:]:
            name, _sep, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"connection" and value.strip().lower() == b"close":
                close = True
        if length is None:  # no length: the body ends when the server closes
            close = True
            while chunk := sock.recv(65536):
                body += chunk
        else:
            while len(body) < length:
                chunk = sock.recv(65536)
                if not chunk:
                    raise ConnectionError("connection closed inside the answer")
                body += chunk
        if close:
            self.close()
        return status, body


def call_json(base: tuple[str, int], method: str, path: str, body: Any = None, token: str = ""):
    """One JSON request for the setup: (status, decoded answer)."""
    headers = b"Content-Type: application/json\r\nConnection: close\r\n"
    if token:
        headers += f"Authorization: Bearer {token}\r\n".encode()
    data = json.dumps(body).encode() if body is not None else b""
    conn = Connection(*base)
    try:
        status, answer = conn.request(method, path, headers, data)
    finally:
        conn.close()
    return status, json.loads(answer or b"null")


# --- servers ------------------------------------------------------------------------------


def pos_command() -> list[str]:
    """The `pos` console script of this interpreter's environment, else the module."""
    script = Path(sys.executable).with_name("pos")
    return [str(script)] if script.exists() else [sys.executable, "-m", "pos.cli"]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def app_env(root: Path, database_url: str = "") -> dict[str, str]:
    return os.environ | {
        "POS_DATABASE_URL": database_url or "sqlite:///" + str(root / "pos.sqlite3"),
        "POS_INSTANCE_PATH": str(root / "instance"),
        "POS_RECEIPTS_DIR": str(root / "receipts"),
    }


@dataclass
class Server:
    name: str
    process: subprocess.Popen
    address: tuple[str, int]
    log: Path


@contextlib.contextmanager
def running(name: str, command: list[str], env: dict[str, str], port: int, log: Path):
    """Start a server in its own session, wait until /healthz answers, stop it on leaving."""
    with log.open("a") as out:
        process = subprocess.Popen(
            command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    address = ("127.0.0.1", port)
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            try:
                if call_json(address, "GET", "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with {process.returncode}; see {log}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} not healthy after {STARTUP_SECONDS} s; see {log}")
            time.sleep(0.1)
        yield Server(name, process, address, log)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=SHUTDOWN_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # the session this function started
            process.wait()


def real_server(
    root: Path, workers: int, database_url: str = ""
) -> contextlib.AbstractContextManager[Server]:
    port = free_port()
    command = [*pos_command(), "serve", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--workers", str(workers), "--server", "gunicorn"]
    env = app_env(root, database_url)
    return running("pos serve", command, env, port, root / "serve-real.log")


def bare_server(
    root: Path, workers: int, *, app_rows: bool = False, database: str = ""
) -> contextlib.AbstractContextManager[Server]:
    port = free_port()
    name = "rows" if app_rows else "floor"
    database = database or str(bare_db(root, name))
    command = [sys.executable, str(HERE / "bare_app.py"), "--database", database]
    command += ["--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    if app_rows:
        command.append("--app-rows")
    return running(
        f"bare_app ({name})", command, dict(os.environ), port, root / f"serve-{name}.log"
    )


def bare_db(root: Path, name: str) -> Path:
    return root / f"{name}.sqlite3"


def count_sales(database: Path) -> int:
    with contextlib.closing(sqlite3.connect(database, timeout=30)) as conn:
        return conn.execute("SELECT COUNT(*) FROM sale").fetchone()[0]


# --- CPU accounting from /proc --------------------------------------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _proc_stat(pid: int) -> list[str]:
    text = Path(f"/proc/{pid}/stat").read_text()
    return text[text.rindex(")") + 2 :].split()


def _children(pid: int) -> list[int]:
    found = []
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(OSError):
                found += [int(c) for c in (task / "children").read_text().split()]
    return found


def server_cpu(pid: int) -> float:
    """CPU seconds of a process tree: itself, its reaped children and its live ones."""
    total = 0
    with contextlib.suppress(OSError, ValueError, IndexError):
        fields = _proc_stat(pid)
        total += sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
    pending = _children(pid)
    while pending:
        child = pending.pop()
        with contextlib.suppress(OSError, ValueError, IndexError):
            total += sum(int(f) for f in _proc_stat(child)[11:13])
        pending += _children(child)
    return total / CLOCK_TICKS


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot."""
    try:
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    except (OSError, ValueError):
        return 0.0, 0.0
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    total = sum(values[:8])
    return (total - idle) / CLOCK_TICKS, total / CLOCK_TICKS


@dataclass
class CpuMeter:
    server_pid: int
    marks: list[tuple[float, float, float, float, float]] = field(default_factory=list)

    def mark(self) -> None:
        busy, total = machine_cpu()
        self.marks.append(
            (time.perf_counter(), server_cpu(self.server_pid), time.process_time(), busy, total)
        )

    def usage(self) -> dict[str, float]:
        """Cores used between the two marks: server, this client, the whole machine."""
        (w0, s0, c0, b0, t0), (w1, s1, c1, b1, t1) = self.marks[0], self.marks[-1]
        wall = max(w1 - w0, 1e-9)
        ncpu = os.cpu_count() or 1
        return {
            "server_cores": (s1 - s0) / wall,
            "client_cores": (c1 - c0) / wall,
            "machine_busy": (b1 - b0) / (t1 - t0) if t1 > t0 else 0.0,
            "other_cores": max(0.0, (b1 - b0) / wall - (s1 - s0 + c1 - c0) / wall),
            "server_cpu_s": s1 - s0,
            "machine_cores": ncpu,
        }


# --- the shop: booths, products, tablets, carts --------------------------------------------


@dataclass
class Booth:
    code: str
    exhibitor_id: int
    products: list[tuple[int, int]]  # (product id, unit price)
    carts: list[bytes] = field(default_factory=list)


@dataclass
class Tablet:
    booth: Booth
    token: str


def set_up_shop(server: Server, seed: int, tablets_wanted: int) -> tuple[list[Booth], list[Tablet]]:
    """Bench products with large stock in every demo booth, and one cashier token per
    simulated tablet (booths taken in turn)."""
    address = server.address
    status, organizer = call_json(
        address, "POST", "/api/v1/auth/login", {"username": "organizer", "password": PASSWORD}
    )
    assert status == 200, organizer
    status, listing = call_json(address, "GET", "/api/v1/exhibitors", token=organizer["token"])
    assert status == 200, listing
    rng = random.Random(seed)
    booths = []
    for exhibitor in sorted(listing["items"], key=lambda e: e["booth"]):
        code = exhibitor["booth"]
        if code not in BOOTH_GOODS:
            continue
        category, names, low, high = BOOTH_GOODS[code]
        status, manager = call_json(
            address,
            "POST",
            "/api/v1/auth/login",
            {"username": f"manager-{code.lower()}", "password": PASSWORD},
        )
        assert status == 200, manager
        products = []
        for n in range(PRODUCTS_PER_BOOTH):
            price = rng.randint(low, high) * 1_000
            body = {
                "exhibitor_id": exhibitor["id"],
                "sku": f"BENCH-{code}-{n:03d}",
                "name": f"{names[n % len(names)]} no. {n + 1}",
                "category": category,
                "price": price,
                "stock": BENCH_STOCK,
            }
            status, product = call_json(
                address, "POST", "/api/v1/products", body, token=manager["token"]
            )
            assert status == 201, product
            assert product["sellable"], product
            products.append((product["id"], product["price"]))
        booths.append(Booth(code, exhibitor["id"], products))
    if not booths:
        raise RuntimeError("the demo booths A03, B12, C07, D02 were not found")

    def login(booth: Booth) -> Tablet:
        status, answer = call_json(
            address,
            "POST",
            "/api/v1/auth/login",
            {"username": f"cashier-{booth.code.lower()}", "password": PASSWORD},
        )
        assert status == 200, answer
        return Tablet(booth, answer["token"])

    # Sign-ins hash at OWASP strength: a few at a time, as the server has workers.
    wanted = [booths[i % len(booths)] for i in range(tablets_wanted)]
    tablets: list[Tablet | None] = [None] * len(wanted)

    def sign_in(indexes: list[int]) -> None:
        for i in indexes:
            tablets[i] = login(wanted[i])

    threads = [
        threading.Thread(target=sign_in, args=(list(range(k, len(wanted), 2)),)) for k in (0, 1)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(t is not None for t in tablets)
    return booths, [t for t in tablets if t is not None]


def half_up_percent(amount: int, percent: int) -> int:
    return (2 * amount * percent + 100) // 200


def make_cart(rng: random.Random, booth: Booth) -> dict[str, Any]:
    """A believable sale at one booth, with payments that cover its total exactly as the
    app prices it (line discounts are a cashier's at most 10 %)."""
    n_lines = rng.choices([1, 2, 3, 4], weights=[40, 30, 18, 12])[0]
    items, total = [], 0
    for product_id, price in rng.sample(booth.products, n_lines):
        quantity = rng.choices([1, 2, 3], weights=[75, 20, 5])[0]
        item: dict[str, Any] = {"product_id": product_id, "quantity": quantity}
        gross = price * quantity
        discount = 0
        roll = rng.random()
        if roll < 0.15:
            percent = rng.choice([5, 10])
            item["discount_percent"] = percent
            discount = half_up_percent(gross, percent)
        elif roll < 0.22:
            discount = min(gross // 10 // 1_000 * 1_000, rng.choice([5_000, 10_000, 25_000]))
            if discount:
                item["discount_amount"] = discount
        items.append(item)
        total += gross - discount

    roll = rng.random()
    if roll < 0.30:  # cash, rounded up to a 50,000 note: change
        payments = [{"method": "cash", "amount": -(-total // 50_000) * 50_000}]
    elif roll < 0.50:
        payments = [{"method": "qris", "amount": total, "reference": f"QR{rng.randrange(10**9)}"}]
    elif roll < 0.55:
        payments = [{"method": "card", "amount": total, "reference": f"{rng.randrange(10**6)}"}]
    else:  # split: part by QRIS/card/transfer, the rest in cash (maybe with change)
        method = rng.choices(["qris", "card", "transfer", "ewallet"], weights=[6, 2, 1, 1])[0]
        other = max(1_000, total * rng.randint(30, 80) // 100 // 1_000 * 1_000)
        other = min(other, total - 1) if total > 1 else total
        rest = total - other
        payments = [{"method": method, "amount": other, "reference": f"R{rng.randrange(10**6)}"}]
        if rest > 0:
            cash = -(-rest // 10_000) * 10_000 if rng.random() < 0.5 else rest
            payments.append({"method": "cash", "amount": cash})
    cart: dict[str, Any] = {"exhibitor_id": booth.exhibitor_id, "items": items}
    cart["payments"] = payments
    if rng.random() < 0.3:
        cart["buyer"] = {
            "name": rng.choice(["Ayu", "Made", "Komang", "Emma", "Kenji", "Sarah"]),
            "phone": f"+62812{rng.randrange(10**7):07d}",
            "origin": rng.choice(["domestic", "foreign"]),
        }
    return cart


def make_carts(booths: list[Booth], seed: int) -> None:
    rng = random.Random(seed + 1)
    for booth in booths:
        booth.carts = [
            json.dumps(make_cart(rng, booth), separators=(",", ":")).encode()
            for _ in range(CARTS_PER_BOOTH)
        ]


# --- load -----------------------------------------------------------------------------------


@dataclass
class Outcome:
    scheduled: float  # when it was due to start (saturation: when it started)
    started: float
    finished: float
    status: int  # 0: no answer (connection error)


@dataclass
class Phase:
    label: str
    expected: int
    outcomes: list[Outcome]
    window: tuple[float, float]
    cpu: dict[str, float]
    errors: list[str]
    # time.time() minus time.perf_counter(): the outcomes' times as wall-clock times
    wall_offset: float = field(default_factory=lambda: time.time() - time.perf_counter())

    def slowest(self, count: int = 10) -> list[tuple[str, float]]:
        """The slowest measured requests: when they finished (UTC, to match against the
        server's logs) and their latency in ms."""
        ranked = sorted(self.measured(), key=lambda o: o.finished - o.scheduled)[-count:]
        return [
            (
                datetime.fromtimestamp(o.finished + self.wall_offset, UTC).isoformat()[11:23],
                round((o.finished - o.scheduled) * 1000, 1),
            )
            for o in reversed(ranked)
        ]

    def measured(self) -> list[Outcome]:
        start, end = self.window
        return [o for o in self.outcomes if start <= o.finished <= end]

    def summary(self) -> dict[str, Any]:
        measured = self.measured()
        latencies = sorted(o.finished - o.scheduled for o in measured)
        lags = sorted(o.started - o.scheduled for o in measured)
        seconds = self.window[1] - self.window[0]
        ok = sum(1 for o in measured if o.status == self.expected)
        return {
            "label": self.label,
            "requests": len(measured),
            "per_second": ok / seconds if seconds > 0 else 0.0,
            "p50_ms": percentile(latencies, 50) * 1000,
            "p95_ms": percentile(latencies, 95) * 1000,
            "p99_ms": percentile(latencies, 99) * 1000,
            "max_ms": (latencies[-1] if latencies else 0.0) * 1000,
            "start_lag_p99_ms": percentile(lags, 99) * 1000,
            "errors": sum(1 for o in self.outcomes if o.status != self.expected),
            "slowest": self.slowest(),
            "server_cpu_ms_per_request": (
                self.cpu["server_cpu_s"] * 1000 / ok if ok and self.cpu else 0.0
            ),
            **{k: v for k, v in self.cpu.items() if k != "server_cpu_s"},
        }


def percentile(ordered: list[float], p: float) -> float:
    """Nearest-rank percentile of sorted values."""
    if not ordered:
        return 0.0
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(rank) - 1]


Request = tuple[str, str, bytes, bytes]  # method, path, headers, body


class Workload:
    """The requests of one phase: tablet ``t``'s ``n``-th sale (or a trivial GET)."""

    def __init__(self, tablets: list[Tablet], run_id: str, phase: str, path: str | None = None):
        self.tablets = tablets
        self.prefix = f"{run_id}-{phase}"
        self.path = path
        self.heads = [
            f"Content-Type: application/json\r\nAuthorization: Bearer {t.token}\r\n".encode()
            for t in tablets
        ]

    def request(self, t: int, n: int) -> Request:
        if self.path is not None:
            return "GET", self.path, b"", b""
        tablet = self.tablets[t % len(self.tablets)]
        carts = tablet.booth.carts
        body = carts[(n * 7 + t) % len(carts)]
        head = self.heads[t % len(self.heads)] + b"Idempotency-Key: %s-%d-%d\r\n" % (
            self.prefix.encode(),
            t,
            n,
        )
        return "POST", "/api/v1/sales", head, body


def _send(conn: Connection, request: Request) -> tuple[int, bytes]:
    try:
        return conn.request(*request)
    except OSError as exc:
        conn.close()
        return 0, repr(exc).encode()


def saturate(
    server: Server,
    workload: Workload,
    *,
    label: str,
    clients: int,
    warmup: float,
    duration: float,
    expected: int,
) -> Phase:
    """``clients`` closed-loop clients, no think time; measured after the warm-up."""
    t0 = time.perf_counter()
    start, end = t0 + warmup, t0 + warmup + duration
    outcomes: list[Outcome] = []
    errors: list[str] = []
    lock = threading.Lock()

    def client(t: int) -> None:
        conn = Connection(*server.address)
        mine = []
        for n in itertools.count():
            began = time.perf_counter()
            if began >= end:
                break
            status, answer = _send(conn, workload.request(t, n))
            mine.append(Outcome(began, began, time.perf_counter(), status))
            if status != expected and len(errors) < 5:
                errors.append(f"{status}: {answer[:300]!r}")
        conn.close()
        with lock:
            outcomes.extend(mine)

    meter = CpuMeter(server.process.pid)
    threads = [threading.Thread(target=client, args=(t,), daemon=True) for t in range(clients)]
    for thread in threads:
        thread.start()
    _sleep_until(start)
    meter.mark()
    _sleep_until(end)
    meter.mark()
    for thread in threads:
        thread.join()
    return Phase(label, expected, outcomes, (start, end), meter.usage(), errors)


def open_loop(
    server: Server,
    workload: Workload,
    *,
    label: str,
    rate: float,
    duration: float,
    senders: int,
    expected: int,
) -> Phase:
    """Sales started on schedule, ``rate`` per second, regardless of completions.

    ``senders`` threads take the next slot in turn; if all are busy the next sale starts
    late, and its latency (from the scheduled time) shows it.
    """
    total = int(rate * duration)
    t0 = time.perf_counter() + 0.2
    slots = itertools.count()
    outcomes: list[Outcome] = []
    errors: list[str] = []
    lock = threading.Lock()

    def sender() -> None:
        conn = Connection(*server.address)
        mine = []
        while (i := next(slots)) < total:
            due = t0 + i / rate
            _sleep_until(due)
            began = time.perf_counter()
            status, answer = _send(conn, workload.request(i, i))
            mine.append(Outcome(due, began, time.perf_counter(), status))
            if status != expected and len(errors) < 5:
                errors.append(f"{status}: {answer[:300]!r}")
        conn.close()
        with lock:
            outcomes.extend(mine)

    meter = CpuMeter(server.process.pid)
    threads = [threading.Thread(target=sender, daemon=True) for _ in range(senders)]
    for thread in threads:
        thread.start()
    _sleep_until(t0)
    meter.mark()
    for thread in threads:
        thread.join()
    meter.mark()
    finished = max((o.finished for o in outcomes), default=t0)
    return Phase(
        label, expected, outcomes, (t0, max(finished, t0 + duration)), meter.usage(), errors
    )


def _sleep_until(moment: float) -> None:
    delay = moment - time.perf_counter()
    if delay > 0:
        time.sleep(delay)


# --- the run --------------------------------------------------------------------------------


KINDS = {  # server kind: (what it is, trivial endpoint for the client ceiling)
    "floor": ("bench/bare_app.py: stock, sale, lines, payments", "/ping"),
    "pos": ("pos serve: the app", "/healthz"),
    "rows": ("bench/bare_app.py --app-rows: the app's rows, bare", "/ping"),
}


def run(args: argparse.Namespace) -> dict[str, Any]:
    run_id = f"bench{os.getpid()}x{int(time.time())}"
    with contextlib.ExitStack() as stack:
        if args.keep:
            root = Path(tempfile.mkdtemp(prefix="pos-bench-"))
        else:
            root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="pos-bench-")))
        say(f"setting up in {root}")
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
        with real_server(root, 2) as server:
            booths, tablets = set_up_shop(server, args.seed, max(args.clients, 4))
        make_carts(booths, args.seed)
        kinds = ["floor", "pos"] + (["rows"] if args.app_rows else [])
        databases = {"pos": root / "pos.sqlite3"}
        for kind in kinds:
            if kind != "pos":  # a copy of the app's database, products and users included
                databases[kind] = bare_db(root, kind)
                with (
                    contextlib.closing(sqlite3.connect(databases["pos"])) as source,
                    contextlib.closing(sqlite3.connect(databases[kind])) as target,
                ):
                    source.backup(target)
        say(
            f"{len(booths)} booths x {PRODUCTS_PER_BOOTH} products (stock {BENCH_STOCK:,}), "
            f"{len(tablets)} tablets (cashier tokens)"
        )

        results: dict[str, Any] = {"runs": []}
        for workers in args.workers:
            for kind in kinds:
                server_cm = (
                    real_server(root, workers)
                    if kind == "pos"
                    else bare_server(root, workers, app_rows=kind == "rows")
                )
                before = count_sales(databases[kind])
                with server_cm as server:
                    phases = measure(server, kind, workers, tablets, run_id, args)
                recorded = count_sales(databases[kind]) - before
                answered = sum(
                    1 for p in phases if p.expected == 201 for o in p.outcomes if o.status == 201
                )
                for phase in phases:
                    for error in phase.errors:
                        say(f"  {kind} {phase.label}: {error}")
                if recorded != answered:
                    say(f"  MISMATCH: {answered} sales answered 201 but {recorded} recorded")
                results["runs"].append(
                    {
                        "workers": workers,
                        "server": kind,
                        "sales_answered_201": answered,
                        "sales_recorded": recorded,
                        "phases": [p.summary() for p in phases],
                    }
                )
        if args.keep:
            say(f"kept {root} (databases and server logs)")
    return results


def measure(
    server: Server,
    kind: str,
    workers: int,
    tablets: list[Tablet],
    run_id: str,
    args: argparse.Namespace,
) -> list[Phase]:
    """Saturation, then the open loop, then the client's ceiling, on one server."""
    phases = []
    say(f"workers={workers} {kind}: saturation, {args.clients} clients")
    phases.append(
        saturate(
            server,
            Workload(tablets, run_id, f"{kind}{workers}s"),
            label="saturation",
            clients=args.clients,
            warmup=args.warmup,
            duration=args.duration,
            expected=201,
        )
    )
    time.sleep(0.5)
    say(f"workers={workers} {kind}: open loop, {args.rate:g}/s")
    phases.append(
        open_loop(
            server,
            Workload(tablets, run_id, f"{kind}{workers}o"),
            label=f"open {args.rate:g}/s",
            rate=args.rate,
            duration=args.open_duration,
            senders=args.senders,
            expected=201,
        )
    )
    if args.ceiling > 0:
        trivial = KINDS[kind][1]
        say(f"workers={workers} {kind}: client ceiling, GET {trivial}")
        phases.append(
            saturate(
                server,
                Workload(tablets, run_id, "x", path=trivial),
                label=f"GET {trivial}",
                clients=args.clients,
                warmup=0.5,
                duration=args.ceiling,
                expected=200,
            )
        )
    return phases


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def report(results: dict[str, Any], args: argparse.Namespace) -> tuple[str, bool]:
    """The table, the ratios and the targets; (text, every request succeeded)."""
    lines = [
        f"machine: {os.cpu_count()} cores, {platform.python_implementation()} "
        f"{platform.python_version()}, {platform.system()} {platform.release()}",
        "servers: "
        + "; ".join(
            f"{k} = {KINDS[k][0]}" for k in dict.fromkeys(r["server"] for r in results["runs"])
        ),
        "",
        f"{'workers':>7} {'server':<6} {'phase':<14} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} "
        f"{'p99 ms':>7} {'max ms':>7} {'errors':>6} {'CPU/req':>7} "
        f"{'server':>6} {'client':>6} {'other':>6}",
    ]
    clean = True
    by_key: dict[tuple[int, str], dict[str, Any]] = {}
    for entry in results["runs"]:
        by_key[(entry["workers"], entry["server"])] = entry
        clean &= entry["sales_answered_201"] == entry["sales_recorded"]
        for phase in entry["phases"]:
            clean &= phase["errors"] == 0
            lines.append(
                f"{entry['workers']:>7} {entry['server']:<6} {phase['label']:<14} "
                f"{phase['per_second']:>7.0f} {phase['p50_ms']:>7.1f} {phase['p95_ms']:>7.1f} "
                f"{phase['p99_ms']:>7.1f} {phase['max_ms']:>7.1f} {phase['errors']:>6} "
                f"{phase['server_cpu_ms_per_request']:>5.2f}ms "
                f"{phase['server_cores']:>5.2f}c {phase['client_cores']:>5.2f}c "
                f"{phase['other_cores']:>5.2f}c"
            )
    lines += [
        "",
        "req/s: answers with the expected status (201, or 200 for GET) per second; latency",
        "from the send (saturation) or from the scheduled start (open loop); CPU/req: server",
        "CPU time per answer; server, client (this process), other (the rest of the machine:",
        "kernel networking, other programs) in cores busy. Every sale answered 201 is in the",
        "database afterwards: " + ("yes" if clean else "NO"),
        "",
        "targets",
    ]
    for workers in args.workers:
        real, floor = by_key.get((workers, "pos")), by_key.get((workers, "floor"))
        if not real or not floor:
            continue
        real_rate = real["phases"][0]["per_second"]
        floor_rate = floor["phases"][0]["per_second"]
        ratio = real_rate / floor_rate if floor_rate else 0.0
        p99 = real["phases"][1]["p99_ms"]
        lines.append(
            f"  workers={workers}: saturation {real_rate:.0f} sales/s = {ratio:.2f} x the floor "
            f"({floor_rate:.0f}/s); target >= 0.25: {'met' if ratio >= 0.25 else 'NOT met'}"
        )
        lines.append(
            f"  workers={workers}: p99 at {args.rate:g} sales/s = {p99:.1f} ms "
            f"(floor {floor['phases'][1]['p99_ms']:.1f} ms); target < 50 ms: "
            f"{'met' if p99 < 50 else 'NOT met'}"
        )
    notes = []
    for entry in results["runs"]:
        for phase in entry["phases"]:
            where = f"workers={entry['workers']} {entry['server']} {phase['label']}"
            if phase["other_cores"] > 0.25:
                notes.append(f"  {where}: {phase['other_cores']:.2f} cores busy with other work")
            if phase["label"].startswith("open") and phase["start_lag_p99_ms"] > 5:
                notes.append(
                    f"  {where}: the client started sales late (p99 "
                    f"{phase['start_lag_p99_ms']:.1f} ms after their time)"
                )
    if notes:
        lines += ["", "disturbances (figures may be pessimistic; run again on a quiet machine)"]
        lines += notes
    return "\n".join(lines), clean


# --- wrk: the servers side by side, in interleaved rounds -------------------------------------

WRK = "/usr/bin/wrk"
LUA = HERE / "checkout.lua"


def one_line_cash_sales(tablets: list[Tablet]) -> list[tuple[str, bytes]]:
    """(token, body) of one-line cash sales: every product of each tablet's booth, one
    piece, paid in cash to the rupiah."""
    sales = []
    for tablet in tablets:
        for product_id, price in tablet.booth.products:
            body = {
                "exhibitor_id": tablet.booth.exhibitor_id,
                "items": [{"product_id": product_id, "quantity": 1}],
                "payments": [{"method": "cash", "amount": price}],
            }
            sales.append((tablet.token, json.dumps(body, separators=(",", ":")).encode()))
    return sales


def write_lua_data(path: Path, sales: list[tuple[str, bytes]]) -> None:
    entries = [f"{{token=[==[{token}]==], body=[==[{body.decode()}]==]}}" for token, body in sales]
    path.write_text("return {\n" + ",\n".join(entries) + "\n}\n")


def connections_per_worker(server: Server) -> list[int]:
    """How many of the clients' connections each of the server's worker processes holds,
    most first (gunicorn's workers share one listening socket: whichever is awake first
    accepts, and a keep-alive connection stays with it)."""
    port = server.address[1]
    counts = []
    for pid in _children(server.process.pid):
        with contextlib.suppress(psutil.Error):
            connections = psutil.Process(pid).net_connections(kind="tcp")
            counts.append(
                sum(
                    1
                    for c in connections
                    if c.status == psutil.CONN_ESTABLISHED and c.laddr and c.laddr.port == port
                )
            )
    return sorted(counts, reverse=True)


def wrk_round(
    server: Server, data: Path, prefix: str, *, clients: int, duration: float
) -> dict[str, Any]:
    """One wrk run against ``server``: its figures, the CPU it took, the machine's load,
    and how its workers shared the connections (sampled a second in)."""
    url = f"http://{server.address[0]}:{server.address[1]}"
    command = [WRK, "-t2", f"-c{clients}", f"-d{duration:g}s", "--timeout", "30s"]
    command += ["-s", str(LUA), url, "--", str(data), prefix]
    meter = CpuMeter(server.process.pid)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    load = os.getloadavg()[0]
    meter.mark()
    split: list[int] = []
    sampler = threading.Timer(
        min(1.0, duration / 2), lambda: split.extend(connections_per_worker(server))
    )
    sampler.start()
    done = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60)
    sampler.cancel()
    sampler.join()
    meter.mark()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    line = next((x for x in done.stdout.splitlines() if x.startswith("WRK_JSON ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed: {done.stdout}\n{done.stderr}")
    figures = json.loads(line.removeprefix("WRK_JSON "))
    usage = meter.usage()
    seconds = figures["duration_us"] / 1e6
    errors = sum(figures[k] for k in figures if k.endswith("errors")) + figures["timeouts"]
    good = figures["requests"] - figures["status_errors"]
    client_cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return {
        "sales_per_second": good / seconds,
        "answered": good,
        "errors": errors,
        "p50_ms": figures["p50_us"] / 1000,
        "p90_ms": figures["p90_us"] / 1000,
        "p99_ms": figures["p99_us"] / 1000,
        "max_ms": figures["max_us"] / 1000,
        "server_cpu_ms_per_sale": usage["server_cpu_s"] * 1000 / max(good, 1),
        "server_cores": usage["server_cores"],
        "client_cores": client_cpu / seconds,
        "other_cores": max(0.0, usage["other_cores"] - client_cpu / seconds),
        "load_average": load,
        "connections_per_worker": split,
    }


def count_sales_at(database: str) -> int:
    if database.startswith("postgresql"):
        import psycopg

        with psycopg.connect(database) as conn:
            return conn.execute("SELECT COUNT(*) FROM sale").fetchone()[0]
    return count_sales(Path(database))


def pg_url(base: str, name: str, driver: str = "postgresql") -> str:
    """``base`` (postgresql://user@host:port) with the database ``name``."""
    head = base.split("://", 1)[1].rstrip("/")
    server = head.rsplit("/", 1)[0] if head.count("/") else head
    return f"{driver}://{server}/{name}"


def pg_admin(base: str, *statements: str) -> None:
    import psycopg

    with psycopg.connect(pg_url(base, "postgres"), autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def run_wrk(args: argparse.Namespace) -> dict[str, Any]:
    """Every server started once per worker count; then rounds, each running wrk against
    every server in turn (the order alternating), so that the machine's other load falls
    on all of them alike. Ratios are taken within a round."""
    run_id = f"w{os.getpid()}x{int(time.time())}"
    kinds = ["floor", *(["rows"] if args.app_rows else []), "pos"]
    postgres = args.engine == "postgresql"
    with contextlib.ExitStack() as stack:
        if args.keep:
            root = Path(tempfile.mkdtemp(prefix="pos-bench-"))
        else:
            root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="pos-bench-")))
        say(f"setting up in {root} ({args.engine})")
        databases: dict[str, str] = {}
        if postgres:
            names = {kind: f"{args.pg_prefix}_{kind}" for kind in kinds}
            pg_admin(args.pg_url, *[f'DROP DATABASE IF EXISTS "{n}"' for n in names.values()])
            pg_admin(args.pg_url, f'CREATE DATABASE "{names["pos"]}"')
            app_url = pg_url(args.pg_url, names["pos"], "postgresql+psycopg")
            databases["pos"] = pg_url(args.pg_url, names["pos"])
        else:
            app_url = ""
            databases["pos"] = str(root / "pos.sqlite3")
        for command in ("init-db", "seed-demo"):
            done = subprocess.run(
                [*pos_command(), command],
                env=app_env(root, app_url),
                capture_output=True,
                text=True,
                timeout=300,
            )
            if done.returncode != 0:
                raise RuntimeError(f"pos {command} failed:\n{done.stdout}\n{done.stderr}")
        with real_server(root, 2, app_url) as server:
            _booths, tablets = set_up_shop(server, args.seed, max(args.clients, 4))
        for kind in kinds:
            if kind == "pos":
                continue
            if postgres:
                pg_admin(args.pg_url, f'CREATE DATABASE "{names[kind]}" TEMPLATE "{names["pos"]}"')
                databases[kind] = pg_url(args.pg_url, names[kind])
            else:
                databases[kind] = str(bare_db(root, kind))
                with (
                    contextlib.closing(sqlite3.connect(databases["pos"])) as source,
                    contextlib.closing(sqlite3.connect(databases[kind])) as target,
                ):
                    source.backup(target)
        data = root / "sales.lua"
        write_lua_data(data, one_line_cash_sales(tablets))
        say(f"{len(tablets)} tablets; servers: {', '.join(kinds)}; {args.rounds} rounds")

        results: dict[str, Any] = {"engine": args.engine, "kinds": kinds, "runs": []}
        for workers in args.workers:
            before = {kind: count_sales_at(databases[kind]) for kind in kinds}
            answered = dict.fromkeys(kinds, 0)
            runs = 0
            with contextlib.ExitStack() as servers:
                started: dict[str, Server] = {}
                for kind in kinds:
                    if kind == "pos":
                        started[kind] = servers.enter_context(real_server(root, workers, app_url))
                    else:
                        started[kind] = servers.enter_context(
                            bare_server(
                                root, workers, app_rows=kind == "rows", database=databases[kind]
                            )
                        )
                for kind in kinds:  # warm-up, not measured
                    answered[kind] += wrk_round(
                        started[kind], data, f"{run_id}-{workers}-{kind}-warm",
                        clients=args.clients, duration=args.warmup,
                    )["answered"]  # fmt: skip
                    runs += 1
                for number in range(args.rounds):
                    order = kinds if number % 2 == 0 else kinds[::-1]
                    round_figures = {}
                    for kind in order:
                        figures = wrk_round(
                            started[kind], data, f"{run_id}-{workers}-{kind}-{number}",
                            clients=args.clients, duration=args.duration,
                        )  # fmt: skip
                        answered[kind] += figures["answered"]
                        round_figures[kind] = figures
                        say(
                            f"workers={workers} round {number + 1} {kind}: "
                            f"{figures['sales_per_second']:.0f}/s p99 {figures['p99_ms']:.1f} ms "
                            f"errors {figures['errors']} load {figures['load_average']:.1f}"
                        )
                    runs += 1
                    results["runs"].append(
                        {"workers": workers, "round": number + 1, "servers": round_figures}
                    )
            for kind in kinds:
                recorded = count_sales_at(databases[kind]) - before[kind]
                # wrk stops with up to one request per connection in flight: the server
                # may have recorded those without wrk counting their answers.
                ok = answered[kind] <= recorded <= answered[kind] + args.clients * runs
                results.setdefault("checks", []).append(
                    {
                        "workers": workers,
                        "server": kind,
                        "answered_2xx": answered[kind],
                        "recorded": recorded,
                        "ok": ok,
                    }
                )
        if postgres and not args.keep:
            pg_admin(args.pg_url, *[f'DROP DATABASE IF EXISTS "{n}"' for n in names.values()])
        if args.keep:
            say(f"kept {root}")
    return results


def report_wrk(results: dict[str, Any], args: argparse.Namespace) -> tuple[str, bool]:
    kinds = results["kinds"]
    lines = [
        f"engine: {results['engine']}; machine: {os.cpu_count()} cores, "
        f"{platform.python_implementation()} {platform.python_version()}; load generator: "
        f"wrk -t2 -c{args.clients} -d{args.duration:g}s, one-line cash sales",
        "servers: " + "; ".join(f"{k} = {KINDS[k][0]}" for k in kinds),
        "",
        f"{'workers':>7} {'round':>5} {'server':<6} {'sales/s':>8} {'p50 ms':>7} {'p99 ms':>7} "
        f"{'max ms':>7} {'errors':>6} {'CPU/sale':>8} {'client':>6} {'other':>6} {'load':>5} "
        "connections per worker",
    ]
    clean = all(check["ok"] for check in results.get("checks", []))
    ratios: dict[tuple[int, str], list[tuple[float, float]]] = {}
    for run in results["runs"]:
        for kind in kinds:
            f = run["servers"][kind]
            clean &= f["errors"] == 0
            lines.append(
                f"{run['workers']:>7} {run['round']:>5} {kind:<6} {f['sales_per_second']:>8.0f} "
                f"{f['p50_ms']:>7.1f} {f['p99_ms']:>7.1f} {f['max_ms']:>7.1f} {f['errors']:>6} "
                f"{f['server_cpu_ms_per_sale']:>6.2f}ms {f['client_cores']:>5.2f}c "
                f"{f['other_cores']:>5.2f}c {f['load_average']:>5.1f} "
                + "/".join(str(n) for n in f.get("connections_per_worker", []))
            )
        pos = run["servers"]["pos"]
        for floor in kinds:
            if floor == "pos":
                continue
            base = run["servers"][floor]
            ratios.setdefault((run["workers"], floor), []).append(
                (
                    pos["sales_per_second"] / max(base["sales_per_second"], 1e-9),
                    pos["p99_ms"] / max(base["p99_ms"], 1e-9),
                )
            )
    lines += ["", "ratios of pos to each floor, per round (median, min-max):"]
    for (workers, floor), values in ratios.items():
        rates, tails = [v[0] for v in values], [v[1] for v in values]
        lines.append(
            f"  workers={workers} vs {floor}: sales/s {statistics.median(rates):.2f}x "
            f"({min(rates):.2f}-{max(rates):.2f}); p99 {statistics.median(tails):.2f}x "
            f"({min(tails):.2f}-{max(tails):.2f})"
        )
    lines += ["", "every sale answered is in its database (and at most the in-flight more):"]
    for check in results.get("checks", []):
        lines.append(
            f"  workers={check['workers']} {check['server']}: answered {check['answered_2xx']}, "
            f"recorded {check['recorded']}: {'ok' if check['ok'] else 'MISMATCH'}"
        )
    return "\n".join(lines), clean


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Checkout benchmark: pos serve against the bare sqlite3 floor.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "--workers",
        default="1,4",
        type=lambda text: [int(w) for w in text.split(",")],
        help="gunicorn worker counts to run, comma-separated",
    )
    parser.add_argument("--clients", type=int, default=16, help="saturation: concurrent clients")
    parser.add_argument("--duration", type=float, default=10.0, help="saturation: seconds measured")
    parser.add_argument("--warmup", type=float, default=2.0, help="saturation: seconds before")
    parser.add_argument("--rate", type=float, default=50.0, help="open loop: sales per second")
    parser.add_argument("--open-duration", type=float, default=20.0, help="open loop: seconds")
    parser.add_argument("--senders", type=int, default=64, help="open loop: sending threads")
    parser.add_argument(
        "--ceiling", type=float, default=3.0, help="seconds against the trivial endpoint (0: skip)"
    )
    parser.add_argument("--seed", type=int, default=2025, help="random seed of the carts")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    parser.add_argument(
        "--app-rows",
        action="store_true",
        help="also run bare_app.py --app-rows (the floor plus the other rows the app writes)",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the temporary folder (databases, logs)"
    )
    parser.add_argument(
        "--load",
        choices=["wrk", "python"],
        default="wrk" if Path(WRK).exists() else "python",
        help="wrk (interleaved rounds of one-line cash sales; Debian's wrk) or the Python "
        "client (saturation, open loop and ceiling, one server after the other)",
    )
    parser.add_argument("--rounds", type=int, default=3, help="wrk: rounds per worker count")
    parser.add_argument(
        "--engine", choices=["sqlite", "postgresql"], default="sqlite", help="wrk: database"
    )
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("POS_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432"),
        help="wrk --engine postgresql: the server (its databases PREFIX_pos, _floor, _rows "
        "are dropped and created)",
    )
    parser.add_argument("--pg-prefix", default="bench_checkout", help="wrk: database names")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.load == "wrk":
        results = run_wrk(args)
        results["command"] = " ".join([".venv/bin/python", "bench/checkout.py", *sys.argv[1:]])
        text, clean = report_wrk(results, args)
        print(text)
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps(results, indent=2) + "\n")
        return 0 if clean else 1
    results = run(args)
    results["command"] = " ".join([".venv/bin/python", "bench/checkout.py", *sys.argv[1:]])
    results["settings"] = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()}
    text, clean = report(results, args)
    print(text)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main())
