"""Users and their roles, API tokens, and the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pos.db import CreatedAtMixin, Model, UTCDateTime, utcnow
from pos.organizer.models import Event, Exhibitor

ORGANIZER, MANAGER, CASHIER = "organizer", "manager", "cashier"
ROLES = (ORGANIZER, MANAGER, CASHIER)


def normalize_username(username: str) -> str:
    """Usernames are compared without regard to case or surrounding spaces."""
    return username.strip().lower()


class RoleChecks:
    """The role questions the permission layer asks of whoever acts: a User, or the
    plain Principal the sale's hot path reads (pos/auth/service.py)."""

    __slots__ = ()
    role: str

    @property
    def is_organizer(self) -> bool:
        return self.role == ORGANIZER

    @property
    def is_manager(self) -> bool:
        return self.role == MANAGER

    @property
    def is_cashier(self) -> bool:
        return self.role == CASHIER


class User(RoleChecks, CreatedAtMixin, Model):
    """Someone who signs in. Managers and cashiers belong to exactly one exhibitor.

    An organizer with an ``event_id`` runs that event; without one, every event.
    """

    __tablename__ = "user_account"
    __table_args__ = (
        sa.CheckConstraint("role IN ('organizer', 'manager', 'cashier')", name="role"),
        sa.CheckConstraint(
            "(role = 'organizer' AND exhibitor_id IS NULL)"
            " OR (role <> 'organizer' AND exhibitor_id IS NOT NULL)",
            name="role_scope",
        ),
        sa.CheckConstraint("locale IN ('id', 'en')", name="locale"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(80), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(120), default="")
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[str] = mapped_column(sa.String(16))
    exhibitor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("exhibitor.id"), index=True)
    event_id: Mapped[int | None] = mapped_column(sa.ForeignKey("event.id"))
    # A 4–6 digit PIN for switching cashiers on a shared booth tablet; hashed like a
    # password. Only cashiers have one: a PIN never opens a manager's or organizer's rights.
    pin_hash: Mapped[str | None] = mapped_column(sa.String(255))
    locale: Mapped[str] = mapped_column(sa.String(5), default="id")
    active: Mapped[bool] = mapped_column(default=True)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    exhibitor: Mapped[Exhibitor | None] = relationship()
    event: Mapped[Event | None] = relationship()

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"

    # Flask-Login's user protocol.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)

    @property
    def name(self) -> str:
        return self.display_name or self.username

    @property
    def has_pin(self) -> bool:
        return self.pin_hash is not None

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "username": self.username,
            "role": self.role,
            "exhibitor_id": self.exhibitor_id,
        }


class ApiToken(CreatedAtMixin, Model):
    """A bearer token of the JSON API. Only its SHA-256 is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class UserSession(CreatedAtMixin, Model):
    """A signed-in browser. The session cookie holds a random key whose SHA-256 is
    stored here, so signing out, a password change or deactivation ends the session on
    the server: a copy of the cookie stops working too."""

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    key_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # Written at most every few minutes (SESSION_TOUCH_SECONDS): the idle timeout's clock.
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Where and with what browser it was signed in; later requests must match.
    ip: Mapped[str] = mapped_column(sa.String(64), default="")
    agent_hash: Mapped[str] = mapped_column(sa.String(64), default="")

    user: Mapped[User] = relationship()


class AuditEntry(Model):
    """Who did what, when and from which address: sign-ins (and failures), voids,
    refunds, price overrides, stock adjustments, changes to users, events, exhibitors,
    products and their photos. ``event_id`` is the event it belongs to (the booth's, or
    the one its organizer runs); None for what belongs to no event (an organizer of
    every event signing in, a failed sign-in under an unknown name).

    Failed sign-ins and PINs counted per account (the throttle) read it by action,
    username or user, and time.
    """

    __tablename__ = "audit_entry"
    __table_args__ = (
        sa.Index("ix_audit_entry_exhibitor_at", "exhibitor_id", "at"),
        sa.Index("ix_audit_entry_event_at", "event_id", "at"),
        sa.Index("ix_audit_entry_action_username_at", "action", "username", "at"),
        sa.Index("ix_audit_entry_action_user_id_at", "action", "user_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    action: Mapped[str] = mapped_column(sa.String(40), index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    event_id: Mapped[int | None] = mapped_column(sa.ForeignKey("event.id"))
    exhibitor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("exhibitor.id"))
    target_type: Mapped[str] = mapped_column(sa.String(40), default="")
    target_id: Mapped[int | None]
    # The username as typed, for failed sign-ins that match no user.
    username: Mapped[str] = mapped_column(sa.String(80), default="")
    ip: Mapped[str] = mapped_column(sa.String(64), default="")
    details: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)

    user: Mapped[User | None] = relationship()
