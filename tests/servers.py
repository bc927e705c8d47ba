"""`pos serve` as a real subprocess on a free port, for the browser and server tests."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
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


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def server_env(root: Path) -> dict[str, str]:
    return os.environ | {
        "POS_DATABASE_URL": "sqlite:///" + str(root / "pos.sqlite3"),
        "POS_INSTANCE_PATH": str(root / "instance"),
        "POS_RECEIPTS_DIR": str(root / "receipts"),
    }


@contextlib.contextmanager
def served(
    root: Path, *, server: str = "gunicorn", workers: int = 2, seed: bool = True
) -> Iterator[tuple[str, Path]]:
    """`pos init-db` (and `seed-demo`), then `pos serve`; yields (base URL, log file).

    On leaving, sends SIGTERM and fails the test unless the server exits with 0.
    """
    env = server_env(root)
    pos = pos_command()
    for command in ("init-db", "seed-demo") if seed else ("init-db",):
        done = subprocess.run([*pos, command], env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, f"pos {command} failed:\n{done.stdout}\n{done.stderr}"

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = root / f"serve-{server}.log"
    arguments = ["serve", "--host", "127.0.0.1", "--port", str(port)]
    arguments += ["--workers", str(workers), "--server", server]
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
