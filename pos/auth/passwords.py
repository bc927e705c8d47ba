"""Passwords and PINs: the password policy, and hashing bounded per machine.

Checking a password at OWASP strength (scrypt, N=2^17) costs about half a second of a
core. gunicorn's sync workers each serve one request at a time, so a handful of
sign-ins in a loop would otherwise hold every worker and the register's sales would
wait behind them. Every hash and every check therefore takes one of a few *hashing
slots* shared by all the server's processes on this machine (lock files in the
instance folder). A request that finds none free is answered "busy, try again in a
second" (:class:`Busy`), without hashing: at once when its address has failed a
password or PIN lately (an attacker's loop never holds a second worker waiting), else
after waiting up to ``LOGIN_HASH_WAIT_SECONDS`` for a slot (tablets signing in at
opening time queue briefly instead of being turned away).
"""

from __future__ import annotations

import contextlib
import gzip
import threading
import time
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from flask import current_app, has_request_context
from flask_babel import gettext as _
from werkzeug.security import check_password_hash, generate_password_hash

from pos import errors
from pos.auth import throttle
from pos.auth.models import CASHIER
from pos.errors import Invalid

try:
    import fcntl
except ImportError:  # Windows: waitress serves from threads of one process
    fcntl = None  # type: ignore[assignment]

# Organizers and managers sign in on laptops and phones with a keyboard; cashiers type
# their password once on a booth tablet and switch by PIN after that.
MIN_LENGTH = {CASHIER: 8}
MIN_LENGTH_OTHERS = 10
MAX_LENGTH = 200
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common-passwords.txt.gz")
POLL_SECONDS = 0.01
# Commands (pos create-user, pos seed-demo) hold no worker anyone waits for.
COMMAND_WAIT_SECONDS = 60.0


class Busy(errors.Busy):
    """Every hashing slot is taken: the client should try again in a moment."""

    retry_after = 1


# --- the policy -------------------------------------------------------------------------


@cache
def common_passwords() -> frozenset[str]:
    """The common passwords shipped in pos/auth/common-passwords.txt.gz (lower case)."""
    with gzip.open(COMMON_PASSWORDS_FILE, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip() for line in lines if line.strip())


def min_length(role: str) -> int:
    return MIN_LENGTH.get(role, MIN_LENGTH_OTHERS)


def check_policy(password: str, *, role: str, username: str) -> None:
    """Raises Invalid (on the ``password`` field) for a password too short for the role,
    too long, one of the common passwords, or the username itself."""
    needed = min_length(role)
    if len(password) < needed:
        raise Invalid(_("A password needs at least %(n)d characters.", n=needed), field="password")
    if len(password) > MAX_LENGTH:
        raise Invalid(_("A password has at most %(n)d characters.", n=MAX_LENGTH), field="password")
    if password.strip().lower() == username.strip().lower():
        raise Invalid(_("A password cannot be the username."), field="password")
    if password.lower() in common_passwords():
        raise Invalid(
            _("This password is one of the most common ones. Choose another."),
            field="password",
        )


# --- bounded hashing --------------------------------------------------------------------

_thread_slots: dict[int, threading.BoundedSemaphore] = {}
_thread_slots_lock = threading.Lock()


def _busy() -> Busy:
    return Busy(_("Many people are signing in at this moment. Try again in a second."))


@contextlib.contextmanager
def hashing_slot() -> Iterator[None]:
    """Hold one of the machine's ``LOGIN_HASH_SLOTS`` hashing slots for the block.

    Raises Busy when none frees up in time: at once for an address that failed lately,
    within ``LOGIN_HASH_WAIT_SECONDS`` for other requests, a minute for a command.
    """
    config = current_app.config
    slots = max(1, int(config["LOGIN_HASH_SLOTS"]))
    if not has_request_context():
        wait = COMMAND_WAIT_SECONDS
    elif throttle.failed_lately():
        wait = 0.0
    else:
        wait = max(0.0, config["LOGIN_HASH_WAIT_SECONDS"])
    if fcntl is None:
        with _thread_slot(slots, wait):
            yield
        return
    folder = Path(current_app.instance_path)
    deadline = time.monotonic() + wait
    while True:
        held = _take_file_slot(folder, slots)
        if held is not None:
            break
        if time.monotonic() >= deadline:
            raise _busy()
        time.sleep(POLL_SECONDS)
    try:
        yield
    finally:
        fcntl.flock(held, fcntl.LOCK_UN)
        held.close()


def _take_file_slot(folder: Path, slots: int):
    """An open, exclusively locked slot file, or None when all are held. A lock held by
    a process that dies is released by the kernel."""
    for number in range(slots):
        handle = (folder / f"hashing-slot-{number}.lock").open("a+b")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            continue
        return handle
    return None


@contextlib.contextmanager
def _thread_slot(slots: int, wait: float) -> Iterator[None]:
    with _thread_slots_lock:
        semaphore = _thread_slots.setdefault(slots, threading.BoundedSemaphore(slots))
    acquired = semaphore.acquire(timeout=wait) if wait else semaphore.acquire(blocking=False)
    if not acquired:
        raise _busy()
    try:
        yield
    finally:
        semaphore.release()


def hash_secret(secret: str) -> str:
    """The stored form of a password or PIN (``PASSWORD_METHOD``). Raises Busy."""
    with hashing_slot():
        return generate_password_hash(secret, method=current_app.config["PASSWORD_METHOD"])


def verify_secret(stored_hash: str, secret: str) -> bool:
    """Whether ``secret`` matches ``stored_hash``. Raises Busy."""
    with hashing_slot():
        return check_password_hash(stored_hash, secret)
