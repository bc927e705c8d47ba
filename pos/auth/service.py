"""Accounts: sign-in, API tokens, users and PINs, and the audit log.

Functions flush and never commit; the caller (a view or a command) commits once.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_request_context, request
from flask_babel import gettext as _
from werkzeug.security import check_password_hash, generate_password_hash

from pos.auth import permissions
from pos.auth.models import CASHIER, ORGANIZER, ROLES, ApiToken, AuditEntry, User
from pos.db import utcnow
from pos.errors import Conflict, Forbidden, Invalid, NotFound, PosError
from pos.extensions import db
from pos.organizer.models import Exhibitor

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,79}$")
PIN_PATTERN = re.compile(r"^[0-9]{4,6}$")
MIN_PASSWORD_LENGTH = 4

# Account lockout, counted from the audit log so it holds across server processes.
LOGIN_FAILURES_ALLOWED = 10
PIN_FAILURES_ALLOWED = 5
LOCKOUT_WINDOW = timedelta(minutes=15)


class TooManyAttempts(PosError):
    status = 429
    code = "too_many_attempts"


# --- audit ------------------------------------------------------------------------------


def token_digest(token: str) -> str:
    """What is stored of an API token: its SHA-256, never the token itself."""
    return hashlib.sha256(token.encode()).hexdigest()


def audit(
    action: str,
    user: User | None,
    *,
    exhibitor_id: int | None = None,
    event_id: int | None = None,
    target: Any = None,
    username: str = "",
    ip: str | None = None,
    **details: Any,
) -> AuditEntry:
    """Add an entry to the audit log (flushed with the caller's transaction).

    The booth defaults to the user's, the event to the booth's (else to the event an
    organizer runs), so each event's organizers find their entries; the client's
    address to the request's (``request.remote_addr``: the proxies' word only where
    POS_PROXY_COUNT trusts them, pos/security.py). Dates and decimals in ``details`` are
    written as text.
    """
    if exhibitor_id is None and user is not None:
        exhibitor_id = user.exhibitor_id
    if event_id is None:
        event_id = _event_of(exhibitor_id, user)
    if ip is None:
        ip = (request.remote_addr or "") if has_request_context() else ""
    entry = AuditEntry(
        action=action,
        user_id=user.id if user is not None else None,
        exhibitor_id=exhibitor_id,
        event_id=event_id,
        target_type=type(target).__name__.lower() if target is not None else "",
        target_id=getattr(target, "id", None),
        username=username or (user.username if user else ""),
        ip=ip[:64],
        details=_plain(details),
    )
    db.session.add(entry)
    return entry


def _event_of(exhibitor_id: int | None, user: User | None) -> int | None:
    if exhibitor_id is not None:
        with db.session.no_autoflush:  # never flush the caller's half-made changes
            exhibitor = db.session.get(Exhibitor, exhibitor_id)
        return exhibitor.event_id if exhibitor is not None else None
    return user.event_id if user is not None else None


def _plain(value: Any) -> Any:
    """``value`` as JSON can hold it: dates in ISO 8601, decimals as their digits."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")  # 10.00 → "10", 2.50 → "2.5"
    return value


def _recent_failures(action: str, *, username: str = "", user_id: int | None = None) -> int:
    query = sa.select(sa.func.count(AuditEntry.id)).where(
        AuditEntry.action == action, AuditEntry.at > utcnow() - LOCKOUT_WINDOW
    )
    if username:
        query = query.where(AuditEntry.username == username)
    if user_id is not None:
        query = query.where(AuditEntry.user_id == user_id)
    return db.session.scalar(query) or 0


# --- secrets ----------------------------------------------------------------------------


def hash_secret(secret: str) -> str:
    return generate_password_hash(secret, method=current_app.config["PASSWORD_METHOD"])


# Compared against when the username is unknown, so a miss takes as long as a hit.
_DUMMY_HASH: dict[str, str] = {}


def _dummy_hash() -> str:
    method = current_app.config["PASSWORD_METHOD"]
    if method not in _DUMMY_HASH:
        _DUMMY_HASH[method] = generate_password_hash(secrets.token_hex(8), method=method)
    return _DUMMY_HASH[method]


# --- sign-in ----------------------------------------------------------------------------


def normalize_username(username: str) -> str:
    return username.strip().lower()


def authenticate(username: str, password: str, *, ip: str = "", via: str = "web") -> User | None:
    """The active user with these credentials, or None. Records the attempt in the audit log.

    Raises TooManyAttempts after repeated failures for the username, without checking.
    """
    username = normalize_username(username)
    if _recent_failures("login_failed", username=username) >= LOGIN_FAILURES_ALLOWED:
        audit("login_locked", None, username=username, ip=ip, via=via)
        raise TooManyAttempts(
            _("Too many failed sign-ins for this account. Wait 15 minutes or ask a manager.")
        )
    user = db.session.scalar(sa.select(User).where(User.username == username))
    if user is None:
        check_password_hash(_dummy_hash(), password)
        ok = False
    else:
        ok = check_password_hash(user.password_hash, password) and user.active
    if not ok:
        audit("login_failed", user, username=username, ip=ip, via=via)
        return None
    user.last_login_at = utcnow()
    audit("login", user, ip=ip, via=via)
    return user


def issue_token(user: User) -> str:
    """A new bearer token for ``user``; only its digest is stored."""
    token = secrets.token_urlsafe(32)
    ttl = timedelta(hours=current_app.config["TOKEN_TTL_HOURS"])
    db.session.add(
        ApiToken(user_id=user.id, token_hash=token_digest(token), expires_at=utcnow() + ttl)
    )
    db.session.flush()
    return token


_TOKEN_USER = (
    sa.select(User)
    .join(ApiToken, ApiToken.user_id == User.id)
    .where(
        ApiToken.token_hash == sa.bindparam("digest"),
        ApiToken.revoked_at.is_(None),
        ApiToken.expires_at > sa.bindparam("now"),
        User.active.is_(True),
    )
)


def user_for_token(token: str) -> User | None:
    """The active user a valid (unexpired, unrevoked) token belongs to."""
    return db.session.scalars(_TOKEN_USER, {"digest": token_digest(token), "now": utcnow()}).first()


def revoke_token(token: str) -> None:
    """Revoke the token; later requests with it get 401."""
    api_token = db.session.scalar(
        sa.select(ApiToken).where(ApiToken.token_hash == token_digest(token))
    )
    if api_token is not None and api_token.revoked_at is None:
        api_token.revoked_at = utcnow()
        audit("logout", api_token.user, via="api")


# --- users ------------------------------------------------------------------------------


def get_user(actor: User, user_id: int) -> User:
    """Raises NotFound, or Forbidden when ``actor`` may not manage that user."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_("No such user."))
    if not permissions.may_manage_user(actor, user.role, user.exhibitor):
        raise Forbidden(_("You may not manage this account."))
    return user


def list_users(actor: User) -> list[User]:
    """The accounts ``actor`` manages: all (organizer), or their booth's cashiers (manager)."""
    query = sa.select(User).outerjoin(Exhibitor, User.exhibitor_id == Exhibitor.id)
    if actor.role == ORGANIZER:
        if actor.event_id is not None:
            query = query.where(sa.or_(Exhibitor.event_id == actor.event_id, User.id == actor.id))
    elif actor.role == "manager":
        query = query.where(User.exhibitor_id == actor.exhibitor_id)
    else:
        raise Forbidden(_("You may not manage accounts."))
    return list(db.session.scalars(query.order_by(Exhibitor.booth, User.role, User.username)))


def create_user(
    actor: User | None,
    *,
    username: str,
    role: str,
    password: str,
    exhibitor: Exhibitor | None = None,
    display_name: str = "",
    locale: str = "id",
    password_hash: str | None = None,
) -> User:
    """Create an account. ``actor`` None is the system (the CLI, the demo).

    Raises Invalid for a bad username, role, password or booth; Conflict when the
    username is taken; Forbidden when ``actor`` may not create it.
    """
    username = normalize_username(username)
    if not USERNAME_PATTERN.match(username):
        raise Invalid(
            _("A username has 2–80 characters: lower-case letters, digits, '.', '_' or '-'."),
            field="username",
        )
    if role not in ROLES:
        raise Invalid(_("Unknown role: %(role)s.", role=role), field="role")
    if role == ORGANIZER and exhibitor is not None:
        raise Invalid(_("An organizer is not tied to one booth."), field="exhibitor")
    if role != ORGANIZER and exhibitor is None:
        raise Invalid(_("A manager or cashier belongs to a booth."), field="exhibitor")
    if password_hash is None:
        _check_password(password)
        password_hash = hash_secret(password)
    if actor is not None and not permissions.may_manage_user(actor, role, exhibitor):
        raise Forbidden(_("You may not create this account."))
    if db.session.scalar(sa.select(User.id).where(User.username == username)) is not None:
        raise Conflict(_("The username %(name)s is taken.", name=username), code="username_taken")
    user = User(
        username=username,
        role=role,
        exhibitor_id=exhibitor.id if exhibitor else None,
        event_id=actor.event_id if (actor is not None and role == ORGANIZER) else None,
        display_name=display_name.strip(),
        password_hash=password_hash,
        locale=locale,
    )
    db.session.add(user)
    db.session.flush()
    audit("user_created", actor, exhibitor_id=user.exhibitor_id, target=user, role=role)
    return user


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(
            _("A password needs at least %(n)d characters.", n=MIN_PASSWORD_LENGTH),
            field="password",
        )


def set_password(actor: User, user: User, password: str) -> None:
    """Raises Forbidden unless ``actor`` is the user or manages them; Invalid if too short."""
    if actor.id != user.id and not permissions.may_manage_user(actor, user.role, user.exhibitor):
        raise Forbidden(_("You may not change this password."))
    _check_password(password)
    user.password_hash = hash_secret(password)
    audit("password_changed", actor, exhibitor_id=user.exhibitor_id, target=user)


def set_active(actor: User, user: User, active: bool) -> None:
    if actor.id == user.id:
        raise Invalid(_("You cannot deactivate your own account."))
    if not permissions.may_manage_user(actor, user.role, user.exhibitor):
        raise Forbidden(_("You may not change this account."))
    user.active = active
    audit("user_activated" if active else "user_deactivated", actor, target=user)


def set_locale(user: User, locale: str) -> None:
    if locale not in current_app.config["LANGUAGES"]:
        raise Invalid(_("Unknown language."))
    user.locale = locale


def set_pin(actor: User, cashier: User, pin: str) -> None:
    """Give a cashier the 4–6 digit PIN used to switch to them on a shared tablet.

    Raises Invalid for a malformed PIN; Forbidden unless ``actor`` manages the cashier.
    """
    if not PIN_PATTERN.match(pin or ""):
        raise Invalid(_("A PIN is 4 to 6 digits."), field="pin")
    if cashier.role != CASHIER and actor.id != cashier.id:
        raise Invalid(_("PINs are for cashiers and for yourself."), field="pin")
    if actor.id != cashier.id and not permissions.may_manage_user(
        actor, cashier.role, cashier.exhibitor
    ):
        raise Forbidden(_("You may not set this PIN."))
    cashier.pin_hash = hash_secret(pin)
    audit("pin_set", actor, exhibitor_id=cashier.exhibitor_id, target=cashier)


def switch_cashier(current: User, cashier_id: int, pin: str, *, ip: str = "") -> User | None:
    """The booth colleague taking over the tablet from ``current``, or None for a wrong
    PIN (audited, so the caller commits either way).

    Raises Forbidden for someone of another booth or without a PIN, TooManyAttempts
    after repeated wrong PINs.
    """
    target = db.session.get(User, cashier_id)
    if (
        target is None
        or not target.active
        or target.exhibitor_id is None
        or target.exhibitor_id != current.exhibitor_id
        or target.pin_hash is None
    ):
        raise Forbidden(_("That person cannot sign in on this tablet with a PIN."))
    if _recent_failures("pin_failed", user_id=target.id) >= PIN_FAILURES_ALLOWED:
        raise TooManyAttempts(_("Too many wrong PINs. Wait 15 minutes or sign in with a password."))
    if not check_password_hash(target.pin_hash, pin or ""):
        audit("pin_failed", target, ip=ip, by=current.id)
        return None
    audit("pin_switch", target, ip=ip, previous_user_id=current.id)
    return target


def pin_colleagues(current: User) -> list[User]:
    """The people who may take over ``current``'s booth tablet by PIN."""
    if current.exhibitor_id is None:
        return []
    return list(
        db.session.scalars(
            sa.select(User)
            .where(
                User.exhibitor_id == current.exhibitor_id,
                User.active.is_(True),
                User.pin_hash.is_not(None),
            )
            .order_by(User.display_name, User.username)
        )
    )
