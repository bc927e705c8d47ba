"""Events and the exhibitors (booths) that take part in them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pos.db import CreatedAtMixin, Model, UTCDateTime

RECEIPT_LANGUAGES = ("id", "en")


class Event(CreatedAtMixin, Model):
    """An exhibition or fair: its dates, timezone, currency and selling rules."""

    __tablename__ = "event"
    __table_args__ = (
        sa.CheckConstraint(
            "cashier_discount_limit_percent BETWEEN 0 AND 100", name="cashier_discount_limit"
        ),
        sa.CheckConstraint("commission_percent BETWEEN 0 AND 100", name="commission_percent"),
        sa.CheckConstraint("booth_fee >= 0", name="booth_fee"),
        sa.CheckConstraint(
            "ends_on IS NULL OR starts_on IS NULL OR ends_on >= starts_on", name="dates"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    venue: Mapped[str] = mapped_column(sa.String(200), default="")
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]
    timezone: Mapped[str] = mapped_column(sa.String(64))
    currency: Mapped[str] = mapped_column(sa.String(3))
    receipt_footer: Mapped[str] = mapped_column(sa.Text, default="")
    requires_curation: Mapped[bool] = mapped_column(default=False)
    # How far a cashier may discount a line or an order without a manager.
    cashier_discount_limit_percent: Mapped[int] = mapped_column(default=10)
    # What the organizer charges exhibitors, for the settlement statement.
    commission_percent: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2), default=Decimal(0))
    booth_fee: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    is_current: Mapped[bool] = mapped_column(default=False, index=True)
    # The public catalogue (pos/catalogue): its address /e/<slug>, whether the organizer
    # has it on, how many days after the last day it stays public, and the hall's hours.
    slug: Mapped[str] = mapped_column(sa.String(80), index=True, unique=True)
    catalogue_public: Mapped[bool] = mapped_column(default=False)
    catalogue_days_after: Mapped[int] = mapped_column(default=90)
    opening_hours: Mapped[str] = mapped_column(sa.Text, default="")

    exhibitors: Mapped[list[Exhibitor]] = relationship(back_populates="event")

    def __repr__(self) -> str:
        return f"<Event {self.id} {self.name!r}>"


class Exhibitor(CreatedAtMixin, Model):
    """A business selling from one booth at one event."""

    __tablename__ = "exhibitor"
    __table_args__ = (
        sa.UniqueConstraint("event_id", "booth"),
        sa.CheckConstraint("tax_rate_percent >= 0 AND tax_rate_percent <= 100", name="tax_rate"),
        sa.CheckConstraint("receipt_language IN ('id', 'en')", name="receipt_language"),
        sa.CheckConstraint("length(booth) > 0", name="booth_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    booth: Mapped[str] = mapped_column(sa.String(20))
    owner_name: Mapped[str] = mapped_column(sa.String(200), default="")
    phone: Mapped[str] = mapped_column(sa.String(40), default="")
    email: Mapped[str] = mapped_column(sa.String(200), default="")
    address: Mapped[str] = mapped_column(sa.Text, default="")
    # Kabupaten/kota of origin (e.g. Gianyar) and the sentra IKM, for the ministry's report.
    region: Mapped[str] = mapped_column(sa.String(100), default="")
    sentra: Mapped[str] = mapped_column(sa.String(200), default="")
    # PKP: registered for VAT (PPN), with the rate it charges; most small exhibitors are not.
    tax_registered: Mapped[bool] = mapped_column(default=False)
    tax_rate_percent: Mapped[int] = mapped_column(default=0)
    npwp: Mapped[str] = mapped_column(sa.String(32), default="")
    receipt_language: Mapped[str] = mapped_column(sa.String(2), default="id")
    active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The public profile in the fair's catalogue (pos/catalogue), kept by the booth's
    # manager: its story, the WhatsApp number and Instagram name it chooses to show (the
    # phone above is never public), a cover photo (a photo key as Product.photo). The
    # organizer can take a booth out of the catalogue at once (catalogue_published).
    story: Mapped[str] = mapped_column(sa.Text, default="")
    whatsapp: Mapped[str] = mapped_column(sa.String(40), default="")
    show_whatsapp: Mapped[bool] = mapped_column(default=True)
    instagram: Mapped[str] = mapped_column(sa.String(60), default="")
    show_instagram: Mapped[bool] = mapped_column(default=True)
    cover_photo: Mapped[str | None] = mapped_column(sa.String(255))
    catalogue_published: Mapped[bool] = mapped_column(default=True)

    # Joined: nearly every use of an exhibitor needs its event (timezone, currency, rules).
    event: Mapped[Event] = relationship(back_populates="exhibitors", lazy="joined")

    def __repr__(self) -> str:
        return f"<Exhibitor {self.booth} {self.name!r}>"

    @property
    def label(self) -> str:
        return f"{self.booth} · {self.name}"

    def summary(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "booth": self.booth}
