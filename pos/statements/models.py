"""A sales statement as issued: its frozen figures (a JSON snapshot and its SHA-256),
the token of its public verification page, and whether the organizer revoked it."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pos.db import CreatedAtMixin, Model, UTCDateTime


def canonical_json(snapshot: dict[str, Any]) -> str:
    """The one way a snapshot is written: sorted keys, no spaces, plain ASCII, so its
    hash depends on nothing but the figures."""
    return json.dumps(snapshot, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def snapshot_hash(text: str) -> str:
    return hashlib.sha256(text.encode("ascii")).hexdigest()


class SalesStatement(CreatedAtMixin, Model):
    """One statement of one booth's sales at one event. Nothing in it changes after
    issue but its revocation: ``snapshot`` holds every figure, name and date printed,
    ``snapshot_sha256`` their hash (checked whenever the statement is shown)."""

    __tablename__ = "sales_statement"
    __table_args__ = (
        sa.CheckConstraint("language IN ('id', 'en')", name="language"),
        sa.CheckConstraint("length(token) >= 32", name="token_long_enough"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id"), index=True)
    exhibitor_id: Mapped[int] = mapped_column(sa.ForeignKey("exhibitor.id"), index=True)
    # The public page's key (secrets.token_urlsafe): unique, looked up by its index.
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    language: Mapped[str] = mapped_column(sa.String(2))
    issued_on: Mapped[date]  # event-local
    issued_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    snapshot: Mapped[str] = mapped_column(sa.Text)
    snapshot_sha256: Mapped[str] = mapped_column(sa.String(64))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    revoke_reason: Mapped[str] = mapped_column(sa.Text, default="")

    exhibitor = relationship("Exhibitor", lazy="joined")
    issued_by = relationship("User", foreign_keys=[issued_by_id])
    revoked_by = relationship("User", foreign_keys=[revoked_by_id])

    @property
    def number(self) -> str:
        return statement_number(self.event_id, self.id)

    @property
    def figures(self) -> dict[str, Any]:
        return json.loads(self.snapshot)

    @property
    def intact(self) -> bool:
        """Whether the snapshot is still the one issued (its hash matches)."""
        return snapshot_hash(self.snapshot) == self.snapshot_sha256

    @property
    def fingerprint(self) -> str:
        """The hash's first 16 hex digits in groups of four, printed on the document and
        shown on the verification page, for a reader to compare."""
        head = self.snapshot_sha256[:16].upper()
        return "-".join(head[i : i + 4] for i in range(0, 16, 4))

    def __repr__(self) -> str:
        return f"<SalesStatement {self.number}>"


def statement_number(event_id: int, statement_id: int) -> str:
    return f"SP-{event_id}-{statement_id:05d}"
