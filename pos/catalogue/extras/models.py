"""The floor plan of an event with its booths' places, and the daily page-view counters
of the public catalogue."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from pos.db import Model, UTCDateTime, utcnow


class FloorPlan(Model):
    """The hall's plan of an event: a picture kept as a JPEG (named by the hash of the
    upload, as product photos are) and its size in pixels."""

    __tablename__ = "floor_plan"
    __table_args__ = (sa.CheckConstraint("width > 0 AND height > 0", name="size"),)

    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id"), primary_key=True)
    image: Mapped[str] = mapped_column(sa.String(32))
    width: Mapped[int]
    height: Mapped[int]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BoothPlace(Model):
    """Where a booth is on its event's plan: the share of the plan's width (x) and
    height (y) from its top left corner, 0 to 1, so it holds at any size the plan is
    drawn at."""

    __tablename__ = "booth_place"
    __table_args__ = (
        sa.CheckConstraint("x >= 0 AND x <= 1", name="x"),
        sa.CheckConstraint("y >= 0 AND y <= 1", name="y"),
    )

    exhibitor_id: Mapped[int] = mapped_column(sa.ForeignKey("exhibitor.id"), primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id"), index=True)
    x: Mapped[float] = mapped_column(sa.Float)
    y: Mapped[float] = mapped_column(sa.Float)


class BoothViewCount(Model):
    """How often a booth's public page was opened on one event-local day."""

    __tablename__ = "booth_view_count"
    __table_args__ = (sa.CheckConstraint("views >= 0", name="views"),)

    exhibitor_id: Mapped[int] = mapped_column(sa.ForeignKey("exhibitor.id"), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id"), index=True)
    views: Mapped[int] = mapped_column(sa.BigInteger, default=0)


class ProductViewCount(Model):
    """How often a product was looked at in the public catalogue on one event-local day."""

    __tablename__ = "product_view_count"
    __table_args__ = (sa.CheckConstraint("views >= 0", name="views"),)

    product_id: Mapped[int] = mapped_column(sa.ForeignKey("product.id"), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    exhibitor_id: Mapped[int] = mapped_column(sa.ForeignKey("exhibitor.id"), index=True)
    views: Mapped[int] = mapped_column(sa.BigInteger, default=0)
