"""Sign-in load: how much clients looping wrong passwords slow everyone else down.

    .venv/bin/python bench/login_load.py                  # this checkout, about 3 minutes
    .venv/bin/python bench/login_load.py --before /path/to/other/.venv/bin/pos
    .venv/bin/python bench/login_load.py --clients 4 --duration 20 --wait 0.5 --wait 0

Each server is ``pos serve --workers 2`` (gunicorn sync workers, as ``make run``) on its
own copy of a fresh SQLite database with the demo (``pos init-db``, ``pos seed-demo``),
with passwords hashed at the default OWASP strength (scrypt N=2^17: about half a second
of a core per check). For every scenario a fresh server starts, then:

1. idle: a probe asks for a booth's catalogue (``GET /api/v1/products?exhibitor_id=``,
   a cashier's bearer token, what the register asks) every 0.1 s for ``--duration``
   seconds. Its latency is that server's baseline, measured in the same run.
2. under attack, the probe goes on for another ``--duration`` seconds while
   ``--clients`` clients loop ``POST /api/v1/auth/login`` with a wrong password, each as
   soon as its previous answer came:

   - one address: all from 127.0.0.1, all for ``organizer`` (the issue's four loops);
   - many addresses: each client from its own loopback address (127.0.0.11, ...) and a
     new username on every try (password spraying: the per-account counters never
     fill, only the per-address one and the bound on hashing are left).

   - opening time (no attacker): ``--rush`` (40) tablets each sign in once with the
     right password, at random moments spread over ``--rush-seconds`` (60); their
     answers show how many a busy hashing slot turned away (503).

Reported for each server and scenario: the probe's median and 95th percentile, as
milliseconds and as a ratio to the same server's idle figures, and the answers of the
attackers (or of the signing-in tablets) by status. ``--before`` names the ``pos``
command of a checkout without the throttle (e.g. main's before the accounts branch),
measured the same way in the same run. ``--wait`` (repeatable) runs this checkout once
per LOGIN_HASH_WAIT_SECONDS value.

Only loopback addresses are used; every loop stops after ``--duration`` seconds.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.checkout import app_env, free_port, pos_command, running  # noqa: E402

PROBE_INTERVAL = 0.1
PROBE_USER = "cashier-b12"
DEMO_PASSWORD = "demo"


def call(
    address: tuple[str, int],
    method: str,
    path: str,
    body: Any = None,
    token: str = "",
    source: str | None = None,
    timeout: float = 60.0,
) -> tuple[int, bytes]:
    """One request on a new connection (gunicorn's sync workers close after each)."""
    conn = http.client.HTTPConnection(
        *address, timeout=timeout, source_address=(source, 0) if source else None
    )
    headers = {"Content-Type": "application/json", "Connection": "close"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        conn.request(method, path, json.dumps(body) if body is not None else None, headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


@dataclass
class Probe:
    """The other request: a booth's catalogue, every PROBE_INTERVAL seconds."""

    address: tuple[str, int]
    token: str
    path: str
    latencies: list[float] = field(default_factory=list)
    errors: int = 0

    def run(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            started = time.perf_counter()
            status, _body = call(self.address, "GET", self.path, token=self.token)
            self.latencies.append(time.perf_counter() - started)
            if status != 200:
                self.errors += 1
            time.sleep(max(0.0, PROBE_INTERVAL - (time.perf_counter() - started)))


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def summary(latencies: list[float]) -> dict[str, float]:
    return {
        "n": len(latencies),
        "median_ms": statistics.median(latencies) * 1000,
        "p95_ms": percentile(latencies, 95) * 1000,
        "max_ms": max(latencies) * 1000,
    }


def attacker(
    address: tuple[str, int],
    number: int,
    spraying: bool,
    deadline: float,
    answers: Counter,
    lock: threading.Lock,
) -> None:
    source = f"127.0.0.{11 + number}" if spraying else None
    tries = 0
    while time.monotonic() < deadline:
        username = f"spray-{number}-{tries}" if spraying else "organizer"
        body = {"username": username, "password": f"wrong-guess-{tries}"}
        try:
            status, _ = call(address, "POST", "/api/v1/auth/login", body, source=source)
        except OSError:
            status = 0
        with lock:
            answers[status] += 1
        tries += 1


def tablet(
    address: tuple[str, int],
    start_at: float,
    answers: Counter,
    lock: threading.Lock,
) -> None:
    time.sleep(max(0.0, start_at - time.monotonic()))
    body = {"username": PROBE_USER, "password": DEMO_PASSWORD}
    try:
        status, _ = call(address, "POST", "/api/v1/auth/login", body)
    except OSError:
        status = 0
    with lock:
        answers[status] += 1


def scenario(
    label: str,
    pos: list[str],
    template: Path,
    work: Path,
    clients: int,
    seconds: float,
    attack: str,
    env_extra: dict[str, str],
    loaded_seconds: float,
) -> dict[str, Any]:
    root = work / label.replace(" ", "-").replace("/", "-")
    root.mkdir(parents=True)
    shutil.copyfile(template, root / "pos.sqlite3")
    (root / "instance").mkdir()
    env = app_env(root) | env_extra
    port = free_port()
    command = [*pos, "serve", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--workers", "2", "--server", "gunicorn"]
    with running(label, command, env, port, root / "serve.log") as server:
        status, answer = call(
            server.address,
            "POST",
            "/api/v1/auth/login",
            {"username": PROBE_USER, "password": DEMO_PASSWORD},
        )
        if status != 200:
            raise RuntimeError(f"{label}: the probe's sign-in answered {status}: {answer!r}")
        login = json.loads(answer)
        path = f"/api/v1/products?exhibitor_id={login['user']['exhibitor_id']}"
        idle = Probe(server.address, login["token"], path)
        idle.run(seconds)
        busy = Probe(server.address, login["token"], path)
        answers: Counter = Counter()
        lock = threading.Lock()
        now = time.monotonic()
        deadline = now + loaded_seconds
        if attack == "opening time":
            moments = random.Random(7).sample(range(int(loaded_seconds * 1000)), clients)
            threads = [
                threading.Thread(
                    target=tablet,
                    args=(server.address, now + moment / 1000, answers, lock),
                    daemon=True,
                )
                for moment in moments
            ]
        else:
            spraying = attack == "many addresses"
            threads = [
                threading.Thread(
                    target=attacker,
                    args=(server.address, n, spraying, deadline, answers, lock),
                    daemon=True,
                )
                for n in range(clients)
            ]
        for thread in threads:
            thread.start()
        busy.run(loaded_seconds)
        for thread in threads:
            thread.join(timeout=120)
    idle_figures, busy_figures = summary(idle.latencies), summary(busy.latencies)
    return {
        "label": label,
        "idle": idle_figures,
        "loaded": busy_figures,
        "ratio_median": busy_figures["median_ms"] / idle_figures["median_ms"],
        "ratio_p95": busy_figures["p95_ms"] / idle_figures["p95_ms"],
        "probe_errors": idle.errors + busy.errors,
        "answers": dict(sorted(answers.items())),
    }


def seeded_template(pos: list[str], work: Path) -> Path:
    root = work / "template"
    root.mkdir()
    env = app_env(root)
    for step in ("init-db", "seed-demo"):
        done = subprocess.run([*pos, step], env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"pos {step} failed:\n{done.stdout}\n{done.stderr}")
    return root / "pos.sqlite3"


def report(results: list[dict[str, Any]], args: argparse.Namespace) -> str:
    lines = [
        f"# login_load: {args.clients} clients looping wrong passwords for {args.duration:g} s; "
        f"{args.rush} tablets signing in over {args.rush_seconds:g} s; "
        "pos serve --workers 2 (gunicorn sync)",
        f"# {platform.node()} · {os.cpu_count()} CPUs · Python {platform.python_version()}",
        "",
        "| server | load | idle p50 / p95 ms | loaded p50 / p95 ms "
        "| ratio p50 / p95 | answers to the sign-ins |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        server, attack = r["label"].split(": ")
        answers = ", ".join(f"{status}: {count}" for status, count in r["answers"].items())
        lines.append(
            f"| {server} | {attack} "
            f"| {r['idle']['median_ms']:.0f} / {r['idle']['p95_ms']:.0f} "
            f"| {r['loaded']['median_ms']:.0f} / {r['loaded']['p95_ms']:.0f} "
            f"| {r['ratio_median']:.1f}× / {r['ratio_p95']:.1f}× | {answers} |"
        )
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=4, help="attackers")
    parser.add_argument("--rush", type=int, default=40, help="tablets at opening time")
    parser.add_argument(
        "--rush-seconds", type=float, default=60.0, help="over how long they sign in"
    )
    parser.add_argument("--duration", type=float, default=15.0, help="seconds per phase")
    parser.add_argument("--before", help="the pos command of a checkout without the fix")
    parser.add_argument(
        "--wait",
        type=float,
        action="append",
        help="LOGIN_HASH_WAIT_SECONDS for this checkout (repeatable; default: the app's)",
    )
    parser.add_argument("--json", help="also write the figures to this file")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    servers: list[tuple[str, list[str], dict[str, str]]] = []
    if args.before:
        servers.append(("before", [args.before], {}))
    for wait in args.wait or [None]:
        name = "after" if wait is None else f"after (wait {wait:g} s)"
        extra = {} if wait is None else {"POS_LOGIN_HASH_WAIT_SECONDS": str(wait)}
        servers.append((name, pos_command(), extra))
    results = []
    with tempfile.TemporaryDirectory(prefix="pos-login-load-") as tmp:
        work = Path(tmp)
        templates: dict[str, Path] = {}
        for name, pos, extra in servers:
            key = " ".join(pos)
            if key not in templates:
                (work / str(len(templates))).mkdir()
                templates[key] = seeded_template(pos, work / str(len(templates)))
            for attack in ("one address", "many addresses", "opening time"):
                label = f"{name}: {attack}"
                print(f"... {label}", file=sys.stderr, flush=True)
                rush = attack == "opening time"
                results.append(
                    scenario(
                        label,
                        pos,
                        templates[key],
                        work,
                        args.rush if rush else args.clients,
                        args.duration,
                        attack,
                        extra,
                        loaded_seconds=args.rush_seconds if rush else args.duration,
                    )
                )
    print(report(results, args))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
