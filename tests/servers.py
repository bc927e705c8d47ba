"""`pos serve` as a real subprocess on a free port, for the browser and server tests."""

from __future__ import annotations

import contextlib
import ipaddress
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

STARTUP_SECONDS = 30
SHUTDOWN_SECONDS = 30


def pos_command() -> list[str]:
    """The `pos` console script of this interpreter's environment, else the module."""
    script = Path(sys.executable).with_name("pos")
    return [str(script)] if script.exists() else [sys.executable, "-m", "pos.cli"]


def lan_addresses_by_ip_command() -> list[str]:
    """This machine's LAN IPv4 addresses as iproute2 sees them: a second opinion for the
    app's own discovery (interfaces up with a link, neither loopback nor link-local)."""
    ip = shutil.which("ip") or "/usr/sbin/ip"
    assert Path(ip).exists(), "the tests need iproute2's `ip` command (apt-get install iproute2)"
    interfaces = json.loads(
        subprocess.run(
            [ip, "-j", "-4", "addr", "show", "up"], capture_output=True, text=True, check=True
        ).stdout
    )
    found = {
        ipaddress.IPv4Address(info["local"])
        for interface in interfaces
        if {"UP", "LOWER_UP"} <= set(interface.get("flags", []))
        for info in interface.get("addr_info", [])
        if info.get("family") == "inet"
    }
    return [str(a) for a in sorted(found) if not (a.is_loopback or a.is_link_local)]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def unverified_tls() -> ssl.SSLContext:
    """A tablet's first visit, before it trusts the server: no certificate check."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def healthy(url: str) -> bool:
    context = unverified_tls() if url.startswith("https:") else None
    try:
        with urllib.request.urlopen(url, timeout=2, context=context) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def server_env(root: Path, database_url: str | None = None) -> dict[str, str]:
    return os.environ | {
        "POS_DATABASE_URL": database_url or "sqlite:///" + str(root / "pos.sqlite3"),
        "POS_INSTANCE_PATH": str(root / "instance"),
        "POS_RECEIPTS_DIR": str(root / "receipts"),
    }


@contextlib.contextmanager
def served(
    root: Path,
    *,
    server: str = "gunicorn",
    workers: int = 2,
    seed: bool = True,
    database_url: str | None = None,
    host: str = "127.0.0.1",
    tls: bool = False,
    env: dict[str, str] | None = None,
) -> Iterator[tuple[str, Path]]:
    """`pos init-db` (and `seed-demo`), then `pos serve` listening on host (``--tls``:
    HTTPS); yields (base URL on 127.0.0.1, log file).

    On leaving, sends SIGTERM and fails the test unless the server exits with 0.
    """
    env = server_env(root, database_url) | (env or {})
    pos = pos_command()
    for command in ("init-db", "seed-demo") if seed else ("init-db",):
        done = subprocess.run([*pos, command], env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, f"pos {command} failed:\n{done.stdout}\n{done.stderr}"

    port = free_port()
    base = f"{'https' if tls else 'http'}://127.0.0.1:{port}"
    log_path = root / f"serve-{server}.log"
    arguments = ["serve", "--host", host, "--port", str(port)]
    arguments += ["--workers", str(workers), "--server", server]
    arguments += ["--tls"] if tls else []
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [*pos, *arguments],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while not healthy(base + "/healthz"):
            if process.poll() is not None:
                pytest.fail(f"pos serve exited with {process.returncode}:\n{log_path.read_text()}")
            if time.monotonic() > deadline:
                pytest.fail(
                    f"pos serve not healthy after {STARTUP_SECONDS} s:\n{log_path.read_text()}"
                )
            time.sleep(0.1)
        yield base, log_path
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=SHUTDOWN_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # the group this helper started
            process.wait()
            pytest.fail(f"pos serve still ran {SHUTDOWN_SECONDS} s after SIGTERM")
    assert process.returncode == 0, f"pos serve exited with {process.returncode} on SIGTERM"


def call(base: str, method: str, path: str, body=None, headers=None) -> tuple[int, dict]:
    """One JSON request to a served app; (status, JSON answer), errors included."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def bearer(base: str, username: str, password: str = "demo") -> dict[str, str]:
    status, answer = call(
        base, "POST", "/api/v1/auth/login", {"username": username, "password": password}
    )
    assert status == 200, answer
    return {"Authorization": f"Bearer {answer['token']}"}


class KillableServer:
    """`pos serve` (gunicorn) on one port and one existing database, that a test can
    kill as a laptop losing power does (SIGKILL of the whole process group), kill one
    worker of (the master stays and starts another), and start again."""

    def __init__(self, root: Path, database_url: str, *, workers: int = 2) -> None:
        self.root = root
        self.env = server_env(root, database_url)
        self.workers = workers
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = root / "serve.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        arguments = ["serve", "--host", "127.0.0.1", "--port", str(self.port)]
        arguments += ["--workers", str(self.workers), "--server", "gunicorn"]
        with self.log_path.open("a") as log:
            self.process = subprocess.Popen(
                [*pos_command(), *arguments],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + STARTUP_SECONDS
        while not healthy(self.base + "/healthz"):
            if self.process.poll() is not None:
                pytest.fail(f"pos serve exited with {self.process.returncode}:\n{self.log()}")
            if time.monotonic() > deadline:
                pytest.fail(f"pos serve not healthy after {STARTUP_SECONDS} s:\n{self.log()}")
            time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL to the master and its workers at once: nothing gets to clean up."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)  # the group this helper started
        self.process.wait()

    def kill_worker(self) -> int:
        """SIGKILL to one worker; the master stays and forks another. Its pid."""
        import psutil

        assert self.process is not None
        workers = psutil.Process(self.process.pid).children()
        assert workers, "the server has no workers"
        workers[0].send_signal(signal.SIGKILL)
        return workers[0].pid

    def stop(self) -> int | None:
        """SIGTERM, as at the end of the day; the exit status (None if it was not up)."""
        if self.process is None or self.process.poll() is not None:
            return None
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=SHUTDOWN_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            pytest.fail(f"pos serve still ran {SHUTDOWN_SECONDS} s after SIGTERM")

    def check(self) -> subprocess.CompletedProcess:
        """`pos check` on the server's database."""
        return subprocess.run(
            [*pos_command(), "check"], env=self.env, capture_output=True, text=True, timeout=120
        )

    def log(self) -> str:
        return self.log_path.read_text() if self.log_path.exists() else ""
