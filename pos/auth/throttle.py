"""Throttling of failed sign-ins and PINs, without a lock a stranger could keep.

Only failures count (answers 401): a success never does, so forty tablets behind one
venue router all sign in at opening time. Three counters, checked before any password
is hashed:

- per account *and* address (strict, growing waits): the same person guessing from one
  place. A stranger elsewhere never keeps the real user out.
- per address across accounts: one machine trying many usernames.
- per account from every address (mild and short, from the audit log): many machines
  guessing one account pause it for everyone, for at most a minute (PINs longer: the
  cashier can always sign in with the password instead).

The first two are Flask-Limiter limits on the sign-in views (``deduct_when``: only a
401 is counted), kept in Redis when ``REDIS_URL`` is set so every server process counts
together, else in each process's memory. The third counts the audit log's failures, so
it is shared by every process on any database. Unlocking an account (an organizer, or
the booth's manager for a cashier) clears its own counters.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import Response, current_app, request
from limits import parse_many

from pos.auth.models import AuditEntry, normalize_username
from pos.db import utcnow
from pos.extensions import db, limiter

# Per (account, address) and per address: Flask-Limiter's moving windows. Each line
# that is full adds its own wait, so repeated failures wait longer and longer.
PASSWORD_PER_ACCOUNT_AND_ADDRESS = "5 per minute; 10 per 15 minutes; 20 per hour"
PASSWORD_PER_ADDRESS = "20 per 5 minutes; 60 per hour"
PIN_PER_ACCOUNT_AND_ADDRESS = "3 per minute; 10 per hour"
PIN_PER_ADDRESS = "10 per 5 minutes; 30 per hour"
# Per account from every address: (failures, within), counted in the audit log.
PASSWORD_PER_ACCOUNT = ((10, timedelta(minutes=1)),)
PIN_PER_ACCOUNT = ((5, timedelta(minutes=15)), (20, timedelta(days=1)))

LOGIN_FAILED, PIN_FAILED, UNLOCKED = "login_failed", "pin_failed", "account_unlocked"
# The longest window of the per-address counters: what an unlock looks back over.
LONGEST_WINDOW = timedelta(hours=1)

PASSWORD_PAIR_SCOPE, PASSWORD_ADDRESS_SCOPE = "password-pair", "password-address"
PIN_PAIR_SCOPE, PIN_ADDRESS_SCOPE = "pin-pair", "pin-address"


def failed(response: Response) -> bool:
    """What counts against the limits: a refused secret. Never a success, a malformed
    form, or an answer that checked nothing (429, 503)."""
    return response.status_code == 401


def _key(*parts: str) -> str:
    return "/".join([current_app.config["THROTTLE_KEY_PREFIX"], *parts])


def address() -> str:
    """The connection's address. A client-supplied X-Forwarded-For is never read."""
    return request.remote_addr or "unknown"


def _typed_username() -> str:
    if request.is_json:
        body = request.get_json(silent=True)
        name = body.get("username") if isinstance(body, dict) else None
    else:
        name = request.form.get("username")
    return normalize_username(name)[:80] if isinstance(name, str) else ""


def _password_pair_key() -> str:
    return _key("password", _typed_username() or "-", address())


def _password_address_key() -> str:
    return _key("password", address())


def _pin_pair_key() -> str:
    return _key("pin", request.form.get("user_id", "").strip()[:12] or "-", address())


def _pin_address_key() -> str:
    return _key("pin", address())


def _limited(
    view: Callable[..., Any], limits: Iterable[tuple[str, str, Callable[[], str]]]
) -> Callable[..., Any]:
    for limit, scope, key_func in limits:
        view = limiter.shared_limit(
            limit, scope=scope, key_func=key_func, deduct_when=failed, methods=["POST"]
        )(view)
    return view


def limit_password_attempts(view: Callable[..., Any]) -> Callable[..., Any]:
    """For a view that answers 401 to a wrong username or password (web and API share
    the counters)."""
    return _limited(
        view,
        [
            (PASSWORD_PER_ADDRESS, PASSWORD_ADDRESS_SCOPE, _password_address_key),
            (PASSWORD_PER_ACCOUNT_AND_ADDRESS, PASSWORD_PAIR_SCOPE, _password_pair_key),
        ],
    )


def limit_pin_attempts(view: Callable[..., Any]) -> Callable[..., Any]:
    """For the PIN switch, which answers 401 to a wrong PIN."""
    return _limited(
        view,
        [
            (PIN_PER_ADDRESS, PIN_ADDRESS_SCOPE, _pin_address_key),
            (PIN_PER_ACCOUNT_AND_ADDRESS, PIN_PAIR_SCOPE, _pin_pair_key),
        ],
    )


def failed_lately() -> bool:
    """Whether this request's address has a failed password or PIN in its per-address
    counters (as Flask-Limiter checked them for this request). Such an address gets no
    wait for a hashing slot (pos/auth/passwords.py): a sign-in from a clean address, a
    tablet at opening time, may wait for one."""
    return any(
        limit.request_args[-1] in (PASSWORD_ADDRESS_SCOPE, PIN_ADDRESS_SCOPE)
        and limit.remaining < limit.limit.amount
        for limit in limiter.current_limits
    )


def retry_after() -> int:
    """Seconds until the request Flask-Limiter just refused may be tried again: until
    every full counter has room."""
    resets = [limit.window.reset_time for limit in limiter.current_limits if limit.breached]
    if not resets:
        return 60
    return max(1, math.ceil(max(resets) - time.time()))


# --- per account, from the audit log -----------------------------------------------------


def account_wait(
    action: str,
    tiers: tuple[tuple[int, timedelta], ...],
    *,
    username: str | None = None,
    user_id: int | None = None,
    account_id: int | None = None,
) -> int | None:
    """Seconds to wait before the account may be tried again, or None.

    Counts the ``action`` entries (failures) of the account (by ``username`` as typed,
    or by ``user_id``) since the last unlock of ``account_id`` (default ``user_id``; None
    for a username nobody has); each tier (n, window) that holds n of them within its
    window waits until the oldest of those n leaves it.
    """
    now = utcnow()
    query = sa.select(AuditEntry.at).where(
        AuditEntry.action == action, AuditEntry.at > now - max(w for _, w in tiers)
    )
    if username is not None:
        query = query.where(AuditEntry.username == username)
    if user_id is not None:
        query = query.where(AuditEntry.user_id == user_id)
    unlocked_id = account_id if account_id is not None else user_id
    if unlocked_id is not None:
        last_unlock = (
            sa.select(sa.func.max(AuditEntry.at))
            .where(
                AuditEntry.action == UNLOCKED,
                AuditEntry.target_type == "user",
                AuditEntry.target_id == unlocked_id,
            )
            .scalar_subquery()
        )
        query = query.where(sa.or_(last_unlock.is_(None), AuditEntry.at > last_unlock))
    most = max(n for n, _ in tiers)
    times = list(db.session.scalars(query.order_by(AuditEntry.at.desc()).limit(most)))
    wait = timedelta(0)
    for count, window in tiers:
        if len(times) >= count:
            wait = max(wait, times[count - 1] + window - now)
    return math.ceil(wait.total_seconds()) if wait > timedelta(0) else None


def clear_account(*, username: str, user_id: int) -> None:
    """Forget the per (account, address) counters of an account, for every address it
    failed from lately (the audit log says which). The per-account count restarts from
    the unlock's audit entry, which the caller writes."""
    since = utcnow() - LONGEST_WINDOW
    addresses = db.session.execute(
        sa.select(AuditEntry.action, AuditEntry.ip)
        .where(
            AuditEntry.at > since,
            sa.or_(
                sa.and_(AuditEntry.action == LOGIN_FAILED, AuditEntry.username == username),
                sa.and_(AuditEntry.action == PIN_FAILED, AuditEntry.user_id == user_id),
            ),
        )
        .distinct()
    ).all()
    for action, ip in addresses:
        if action == LOGIN_FAILED:
            limits, scope, key = (
                PASSWORD_PER_ACCOUNT_AND_ADDRESS,
                PASSWORD_PAIR_SCOPE,
                _key("password", username, ip or "unknown"),
            )
        else:
            limits, scope, key = (
                PIN_PER_ACCOUNT_AND_ADDRESS,
                PIN_PAIR_SCOPE,
                _key("pin", str(user_id), ip or "unknown"),
            )
        for item in parse_many(limits):
            limiter.limiter.clear(item, key, scope)
