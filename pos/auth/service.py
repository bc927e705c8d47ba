"""Accounts: sign-in, sessions and API tokens, users and PINs, and the audit log.

Functions flush and never commit; the caller (a view or a command) commits once.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import current_app, g, has_request_context, request
from flask_babel import gettext as _
from flask_babel import ngettext

from pos.auth import passwords, permissions, throttle
from pos.auth.models import (
    CASHIER,
    ORGANIZER,
    ROLES,
    ApiToken,
    AuditEntry,
    RoleChecks,
    User,
    UserSession,
    normalize_username,
)
from pos.auth.passwords import hash_secret
from pos.db import Prepared, utcnow, write_phase
from pos.errors import Conflict, Forbidden, Invalid, NotFound, PosError
from pos.extensions import db
from pos.organizer.models import Exhibitor

__all__ = ["hash_secret", "normalize_username"]

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,79}$")
PIN_PATTERN = re.compile(r"^[0-9]{4,6}$")


class TooManyAttempts(PosError):
    """Throttled: ``retry_after`` seconds until the next attempt may be checked."""

    status = 429
    code = "too_many_attempts"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class WrongCurrentPassword(Invalid):
    """The current password typed to change one's own password is wrong. The failure is
    in the audit log (it counts against the account like a failed sign-in), so the
    caller commits before answering."""


# --- audit ------------------------------------------------------------------------------


def token_digest(token: str) -> str:
    """What is stored of an API token or session key: its SHA-256, never the secret."""
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


# --- secrets ----------------------------------------------------------------------------

# Compared against when the username is unknown, so a miss takes as long as a hit.
_DUMMY_HASH: dict[str, str] = {}


def _dummy_hash() -> str:
    method = current_app.config["PASSWORD_METHOD"]
    if method not in _DUMMY_HASH:
        _DUMMY_HASH[method] = hash_secret(secrets.token_hex(8))
    return _DUMMY_HASH[method]


def describe_wait(seconds: int) -> str:
    """A wait as people say it: "40 seconds", "3 minutes", "2 hours"."""
    if seconds < 90:
        return ngettext("%(num)d second", "%(num)d seconds", max(1, seconds))
    minutes = -(-seconds // 60)
    if minutes < 120:
        return ngettext("%(num)d minute", "%(num)d minutes", minutes)
    hours = -(-minutes // 60)
    return ngettext("%(num)d hour", "%(num)d hours", hours)


# --- sign-in ----------------------------------------------------------------------------


def authenticate(username: str, password: str, *, ip: str = "", via: str = "web") -> User | None:
    """The active user with these credentials, or None. Records a failure in the audit log
    (so the caller commits either way).

    Raises TooManyAttempts, before checking anything, while the account is paused after
    failures from many places (see pos/auth/throttle.py); Busy when every hashing slot
    stays taken.

    The password is checked between a read phase and a write phase
    (:func:`pos.db.write_phase`), in no transaction: half a second of hashing never holds
    SQLite's write lock, which every sale needs. Objects loaded before are expired.
    """
    username = normalize_username(username)
    user = db.session.scalar(sa.select(User).where(User.username == username))
    wait = throttle.account_wait(
        throttle.LOGIN_FAILED,
        throttle.PASSWORD_PER_ACCOUNT,
        username=username,
        account_id=user.id if user is not None else None,
    )
    if wait:
        raise TooManyAttempts(
            _(
                "Too many failed sign-ins for this account. Try again in %(wait)s, or ask "
                "an organizer to unlock it.",
                wait=describe_wait(wait),
            ),
            retry_after=wait,
        )
    user_id = user.id if user is not None else None
    stored, active = (user.password_hash, user.active) if user is not None else (None, False)
    with write_phase(db.session):
        if stored is None:
            passwords.verify_secret(_dummy_hash(), password)
            ok = False
        else:
            ok = passwords.verify_secret(stored, password) and active
        user = db.session.get(User, user_id) if user_id is not None else None
        if not ok:
            audit(throttle.LOGIN_FAILED, user, username=username, ip=ip, via=via)
            db.session.flush()
            return None
        user.last_login_at = utcnow()
        audit("login", user, ip=ip, via=via)
        db.session.flush()
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
    sa.select(User, ApiToken.id, ApiToken.last_used_at)
    .join(ApiToken, ApiToken.user_id == User.id)
    .where(
        ApiToken.token_hash == sa.bindparam("digest"),
        ApiToken.revoked_at.is_(None),
        ApiToken.expires_at > sa.bindparam("now"),
        User.active.is_(True),
    )
)


def user_for_token(token: str) -> User | None:
    """The active user a valid (unexpired, unrevoked) token belongs to. Its last use is
    noted, to be written after the request (:func:`record_use`) at most every
    ``SESSION_TOUCH_SECONDS``."""
    now = utcnow()
    found = db.session.execute(_TOKEN_USER, {"digest": token_digest(token), "now": now}).first()
    if found is None:
        return None
    user, token_id, last_used_at = found
    if _stale(last_used_at, now):
        _note_use(ApiToken, token_id)
    return user


@dataclass(frozen=True, slots=True)
class Principal(RoleChecks):
    """A user behind a bearer token as plain values, read with the token in one Core
    statement: what the sale's hot path needs of its actor (pos/auth/permissions.py reads
    the same attributes of a User). Nothing is cached: every request reads the token again,
    so a revocation, a deactivation or a password change applies to the next request."""

    id: int
    username: str
    role: str
    exhibitor_id: int | None
    event_id: int | None
    active: bool
    display_name: str
    locale: str

    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def name(self) -> str:
        return self.display_name or self.username

    def get_id(self) -> str:
        return str(self.id)


_TOKEN_PRINCIPAL = (
    sa.select(
        User.id,
        User.username,
        User.role,
        User.exhibitor_id,
        User.event_id,
        User.active,
        User.display_name,
        User.locale,
        ApiToken.id.label("token_id"),
        ApiToken.last_used_at,
    )
    .join(ApiToken, ApiToken.user_id == User.id)
    .where(
        ApiToken.token_hash == sa.bindparam("digest"),
        ApiToken.revoked_at.is_(None),
        ApiToken.expires_at > sa.bindparam("now"),
        User.active.is_(True),
    )
)


_RAW_TOKEN_PRINCIPAL = Prepared(_TOKEN_PRINCIPAL)


def principal_for_token(token: str) -> Principal | None:
    """As :func:`user_for_token`, the user as a :class:`Principal` (no ORM object: a
    tenth of the cost, for the sale's hot path)."""
    now = utcnow()
    row = _RAW_TOKEN_PRINCIPAL.first(
        db.session.connection(), {"digest": token_digest(token), "now": now}
    )
    if row is None:
        return None
    token_id, last_used_at = row[8], row[9]
    if _stale(last_used_at, now):
        _note_use(ApiToken, token_id)
    return Principal(*row[:8])


def revoke_token(token: str) -> None:
    """Revoke the token; later requests with it get 401."""
    api_token = db.session.scalar(
        sa.select(ApiToken).where(ApiToken.token_hash == token_digest(token))
    )
    if api_token is not None and api_token.revoked_at is None:
        api_token.revoked_at = utcnow()
        audit("logout", api_token.user, via="api")


# --- sessions of pages ------------------------------------------------------------------


def _agent_digest(agent: str) -> str:
    return hashlib.sha256(agent.encode("utf-8", "replace")).hexdigest()


def _stale(last: Any, now: Any) -> bool:
    return last is None or now - last >= timedelta(
        seconds=current_app.config["SESSION_TOUCH_SECONDS"]
    )


def _note_use(model: type, row_id: int) -> None:
    g.setdefault("pos_used", set()).add((model, row_id))


def idle_timeout(user: User) -> timedelta:
    key = "ORGANIZER_SESSION_IDLE_MINUTES" if user.is_organizer else "SESSION_IDLE_MINUTES"
    return timedelta(minutes=current_app.config[key])


def start_session(user: User, *, ip: str, agent: str) -> str:
    """A new server-side session for ``user`` signing in from this address and browser;
    returns the key the session cookie keeps (only its digest is stored)."""
    key = secrets.token_urlsafe(32)
    db.session.add(
        UserSession(
            user_id=user.id,
            key_hash=token_digest(key),
            last_seen_at=utcnow(),
            ip=ip[:64],
            agent_hash=_agent_digest(agent),
        )
    )
    db.session.flush()
    return key


def session_user(user_id: int, key: str | None, *, ip: str, agent: str) -> User | None:
    """The active user of a live session: not revoked, not idle longer than the role
    allows, and used from the address (``SESSION_BIND_ADDRESS``) and browser it was
    signed in from. Its last request is noted like a token's use."""
    if not key:
        return None
    found = db.session.execute(
        sa.select(User, UserSession)
        .join(UserSession, UserSession.user_id == User.id)
        .where(
            UserSession.key_hash == token_digest(key),
            UserSession.user_id == user_id,
            UserSession.revoked_at.is_(None),
            User.active.is_(True),
        )
    ).first()
    if found is None:
        return None
    user, live = found
    now = utcnow()
    if now - live.last_seen_at > idle_timeout(user):
        return None
    if live.agent_hash != _agent_digest(agent):
        return None
    if current_app.config["SESSION_BIND_ADDRESS"] and live.ip != ip[:64]:
        return None
    if _stale(live.last_seen_at, now):
        _note_use(UserSession, live.id)
    return user


def revoke_session(key: str | None) -> None:
    """End one session on the server (a copy of its cookie stops working)."""
    if key:
        db.session.execute(
            sa.update(UserSession)
            .where(UserSession.key_hash == token_digest(key), UserSession.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )


def end_session(user: User, key: str | None, *, ip: str = "") -> None:
    """Sign out of a browser: its session ends on the server; audited."""
    revoke_session(key)
    audit("logout", user, ip=ip, via="web")


def revoke_everything(user: User) -> None:
    """End every session and token of ``user`` (a password change, a deactivation)."""
    now = utcnow()
    for model in (UserSession, ApiToken):
        db.session.execute(
            sa.update(model)
            .where(model.user_id == user.id, model.revoked_at.is_(None))
            .values(revoked_at=now)
        )


def record_use() -> None:
    """Write the last use noted during this request (sessions and tokens), if any."""
    used = g.pop("pos_used", None)
    if not used:
        return
    now = utcnow()
    for model, row_id in used:
        column = "last_seen_at" if model is UserSession else "last_used_at"
        db.session.execute(sa.update(model).where(model.id == row_id).values({column: now}))


# --- users ------------------------------------------------------------------------------


def get_user(actor: User, user_id: int) -> User:
    """Raises NotFound, or Forbidden when ``actor`` may not manage that user."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_("No such user."))
    if not permissions.may_manage_user(actor, user):
        raise Forbidden(_("You may not manage this account."))
    return user


def list_users(actor: User) -> list[User]:
    """The accounts ``actor`` manages (and their own): every account (a global organizer),
    those of one event's booths and organizers (an event's organizer), or the booth's
    (a manager)."""
    query = sa.select(User).outerjoin(Exhibitor, User.exhibitor_id == Exhibitor.id)
    if actor.role == ORGANIZER:
        if actor.event_id is not None:
            query = query.where(
                sa.or_(
                    Exhibitor.event_id == actor.event_id,
                    sa.and_(User.role == ORGANIZER, User.event_id == actor.event_id),
                    User.id == actor.id,
                )
            )
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
    """Create an account. ``actor`` None is the system (the CLI, the demo). A ready
    ``password_hash`` skips the password policy (the demo's public ``demo``).

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
    event_id = actor.event_id if (actor is not None and role == ORGANIZER) else None
    if actor is not None and not permissions.may_manage_account(
        actor, role=role, exhibitor=exhibitor, event_id=event_id
    ):
        raise Forbidden(_("You may not create this account."))
    if password_hash is None:
        passwords.check_policy(password, role=role, username=username)
    if db.session.scalar(sa.select(User.id).where(User.username == username)) is not None:
        raise Conflict(_("The username %(name)s is taken.", name=username), code="username_taken")
    user = User(
        username=username,
        role=role,
        exhibitor_id=exhibitor.id if exhibitor else None,
        event_id=event_id,
        display_name=display_name.strip(),
        password_hash=password_hash or hash_secret(password),
        locale=locale,
    )
    db.session.add(user)
    db.session.flush()
    audit("user_created", actor, exhibitor_id=user.exhibitor_id, target=user, role=role)
    return user


def check_current_password(user: User, password: str | None, *, ip: str = "") -> None:
    """Before someone changes their own password: raises Invalid without it, or
    WrongCurrentPassword (audited as a failed sign-in: the caller commits) when wrong;
    TooManyAttempts while the account is paused."""
    if not password:
        raise Invalid(_("Enter your current password."), field="current_password")
    wait = throttle.account_wait(
        throttle.LOGIN_FAILED,
        throttle.PASSWORD_PER_ACCOUNT,
        username=user.username,
        account_id=user.id,
    )
    if wait:
        raise TooManyAttempts(
            _("Too many wrong passwords. Try again in %(wait)s.", wait=describe_wait(wait)),
            retry_after=wait,
        )
    stored, user_id = user.password_hash, user.id
    with write_phase(db.session):  # no transaction while hashing
        if not passwords.verify_secret(stored, password):
            audit(
                throttle.LOGIN_FAILED, db.session.get(User, user_id), ip=ip, via="password_change"
            )
            db.session.flush()
            raise WrongCurrentPassword(
                _("That is not your current password."), field="current_password"
            )


def set_password(
    actor: User,
    user: User,
    password: str,
    *,
    current_password: str | None = None,
    ip: str = "",
) -> None:
    """Change a password. Your own needs your current one; someone else's needs the right
    to manage their account. Either way every session and token of ``user`` ends (the
    caller signs a browser changing its own password in again).

    Raises Forbidden, Invalid (the policy, a missing current password),
    WrongCurrentPassword or TooManyAttempts (see :func:`check_current_password`).
    """
    own = actor.id == user.id
    if not own and not permissions.may_manage_user(actor, user):
        raise Forbidden(_("You may not change this password."))
    passwords.check_policy(password, role=user.role, username=user.username)
    if own:
        check_current_password(user, current_password, ip=ip)
    user_id, actor_id = user.id, actor.id
    with write_phase(db.session):  # no transaction while hashing
        new_hash = hash_secret(password)
        user, actor = db.session.get(User, user_id), db.session.get(User, actor_id)
    user.password_hash = new_hash
    revoke_everything(user)
    audit(
        "password_changed" if own else "password_reset",
        actor,
        exhibitor_id=user.exhibitor_id,
        target=user,
        ip=ip,
    )


def set_active(actor: User, user: User, active: bool) -> None:
    """Deactivating ends every session and token of the account; activating it again
    brings none of them back. Raises Invalid for oneself, Forbidden without the right."""
    if actor.id == user.id:
        raise Invalid(_("You cannot deactivate your own account."))
    if not permissions.may_manage_user(actor, user):
        raise Forbidden(_("You may not change this account."))
    user.active = active
    if not active:
        revoke_everything(user)
    audit("user_activated" if active else "user_deactivated", actor, target=user)


def unlock_account(actor: User, user: User, *, ip: str = "") -> None:
    """Let an account be tried again at once: clears its throttles (password and PIN),
    audited. Raises Forbidden unless ``actor`` manages the account."""
    if not permissions.may_manage_user(actor, user):
        raise Forbidden(_("You may not change this account."))
    throttle.clear_account(username=user.username, user_id=user.id)
    audit("account_unlocked", actor, exhibitor_id=user.exhibitor_id, target=user, ip=ip)


def recent_failures(users: list[User]) -> dict[int, int]:
    """Failed sign-ins and PINs of each of ``users`` within the throttle's longest window
    and since its last unlock, for the accounts page; accounts without any are left out."""
    since = utcnow() - throttle.LONGEST_WINDOW
    unlocked = dict(
        db.session.execute(
            sa.select(AuditEntry.target_id, sa.func.max(AuditEntry.at))
            .where(
                AuditEntry.action == throttle.UNLOCKED,
                AuditEntry.target_type == "user",
                AuditEntry.at > since,
            )
            .group_by(AuditEntry.target_id)
        ).all()
    )
    failures = db.session.execute(
        sa.select(AuditEntry.action, AuditEntry.username, AuditEntry.user_id, AuditEntry.at).where(
            AuditEntry.action.in_((throttle.LOGIN_FAILED, throttle.PIN_FAILED)),
            AuditEntry.at > since,
        )
    ).all()
    by_name = {user.username: user.id for user in users}
    wanted = set(by_name.values())
    counts: dict[int, int] = {}
    for action, username, user_id, at in failures:
        who = by_name.get(username) if action == throttle.LOGIN_FAILED else user_id
        if who in wanted and (who not in unlocked or at > unlocked[who]):
            counts[who] = counts.get(who, 0) + 1
    return counts


def set_locale(user: User, locale: str) -> None:
    if locale not in current_app.config["LANGUAGES"]:
        raise Invalid(_("Unknown language."))
    user.locale = locale


def pin_target(actor: User, user_id: int) -> User:
    """The cashier whose PIN ``actor`` may set: one of their booth's (a manager) or of
    their events' booths (an organizer). PINs are for cashiers only: a PIN never gives
    anyone a manager's or organizer's rights. Raises NotFound or Forbidden."""
    user = get_user(actor, user_id)
    if user.role != CASHIER:
        raise Forbidden(_("Only cashiers have a PIN; managers and organizers use a password."))
    return user


def set_pin(actor: User, cashier: User, pin: str) -> None:
    """Give a cashier the 4–6 digit PIN used to switch to them on a shared tablet.

    Raises Invalid for a malformed PIN; Forbidden unless ``cashier`` is a cashier whose
    account ``actor`` manages.
    """
    if cashier.role != CASHIER:
        raise Forbidden(_("Only cashiers have a PIN; managers and organizers use a password."))
    if not permissions.may_manage_user(actor, cashier):
        raise Forbidden(_("You may not set this PIN."))
    if not PIN_PATTERN.match(pin or ""):
        raise Invalid(_("A PIN is 4 to 6 digits."), field="pin")
    cashier.pin_hash = hash_secret(pin)
    audit("pin_set", actor, exhibitor_id=cashier.exhibitor_id, target=cashier)


def switch_cashier(current: User, cashier_id: int, pin: str, *, ip: str = "") -> User | None:
    """The booth's cashier taking over the tablet from ``current``, or None for a wrong
    PIN (audited, so the caller commits either way).

    Raises Forbidden for anyone but an active cashier of the same booth with a PIN,
    TooManyAttempts while the cashier's PIN is paused after wrong PINs from several
    tablets; Busy when every hashing slot stays taken.
    """
    target = db.session.get(User, cashier_id)
    if (
        target is None
        or not target.active
        or target.role != CASHIER
        or target.exhibitor_id is None
        or target.exhibitor_id != current.exhibitor_id
        or target.pin_hash is None
    ):
        raise Forbidden(_("That person cannot sign in on this tablet with a PIN."))
    wait = throttle.account_wait(throttle.PIN_FAILED, throttle.PIN_PER_ACCOUNT, user_id=target.id)
    if wait:
        raise TooManyAttempts(
            _(
                "Too many wrong PINs for %(name)s. Sign in with the password, wait "
                "%(wait)s, or ask the manager to unlock the account.",
                name=target.name,
                wait=describe_wait(wait),
            ),
            retry_after=wait,
        )
    stored, target_id, current_id = target.pin_hash, target.id, current.id
    with write_phase(db.session):  # no transaction while hashing
        ok = passwords.verify_secret(stored, pin or "")
        target = db.session.get(User, target_id)
        audit(
            "pin_switch" if ok else throttle.PIN_FAILED,
            target,
            ip=ip,
            **({"previous_user_id": current_id} if ok else {"by": current_id}),
        )
        db.session.flush()
    return target if ok else None


def pin_colleagues(current: User) -> list[User]:
    """The cashiers who may take over ``current``'s booth tablet by PIN."""
    if current.exhibitor_id is None:
        return []
    return list(
        db.session.scalars(
            sa.select(User)
            .where(
                User.exhibitor_id == current.exhibitor_id,
                User.role == CASHIER,
                User.active.is_(True),
                User.pin_hash.is_not(None),
            )
            .order_by(User.display_name, User.username)
        )
    )
