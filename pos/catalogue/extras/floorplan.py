"""The hall's floor plan: the organizer uploads a picture of it and taps each booth's
place on it; the public pages draw it with a marker per booth.

The upload goes through the product photos' checks (pos/inventory/photos.py): only the
JPEG, PNG and WebP decoders, the size in bytes and in pixels limited before anything is
decoded, a damaged file refused, EXIF dropped; what is kept is a new JPEG drawn from the
pixels, written 0600 in the photos folder, named by the hash of the upload. A place is
kept as shares of the plan's width and height (0..1), so it holds at any size the plan
is drawn at, and when the plan is replaced by a picture of another size.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from PIL import Image

from pos.auth.permissions import require_organizer
from pos.auth.service import audit
from pos.catalogue.extras.models import BoothPlace, FloorPlan
from pos.db import utcnow
from pos.errors import Busy, Invalid
from pos.extensions import db
from pos.inventory import photos
from pos.organizer.models import Event, Exhibitor
from pos.storage import write_atomically

# The plan is drawn up to this many pixels on its longest side: booth numbers printed on
# it stay legible when a phone zooms in, and the file stays a few hundred kilobytes.
PLAN_SIZE = 2048
PLAN_NAME = re.compile(r"^(?P<key>[0-9a-f]{32})\.jpg$")


def plan_path(key: str) -> Path:
    return photos.photo_dir() / key[:2] / f"{key}-plan.jpg"


def plan_of(event_id: int) -> FloorPlan | None:
    return db.session.get(FloorPlan, event_id)


def _plan_jpeg(content: bytes) -> tuple[bytes, int, int]:
    """The plan as a JPEG and its size; raises Invalid or PayloadTooLarge (the photos'
    refusals: not a picture, too large, too many pixels, damaged)."""
    image = photos._flatten(photos._open(content))
    image.thumbnail((PLAN_SIZE, PLAN_SIZE), Image.Resampling.LANCZOS)
    # A plan is lines and small print: kept at a higher quality than a product photo.
    return photos._jpeg(image, 90), image.width, image.height


def set_plan(actor, event: Event, content: bytes) -> FloorPlan:
    """Check and keep ``content`` as ``event``'s floor plan (replacing any earlier one;
    the booths keep their places). Only the event's organizers.

    Raises Forbidden, Invalid or PayloadTooLarge (see photos), or Busy while another
    picture is being processed; writes the file, then flushes the row."""
    require_organizer(actor, event)
    if not photos.PROCESSING.acquire(timeout=float(current_app.config["PHOTO_WAIT_SECONDS"])):
        raise Busy(
            _("The server is busy with other photos. Try again in a moment."),
            code="photo_busy",
            field="photo",
        )
    try:
        data, width, height = _plan_jpeg(content)
    finally:
        photos.PROCESSING.release()
    key = hashlib.sha256(content).hexdigest()[:32]
    target = plan_path(key)
    if not target.exists():
        write_atomically(target, data)
    plan = plan_of(event.id)
    if plan is None:
        plan = FloorPlan(event_id=event.id)
        db.session.add(plan)
    replaced = plan.image
    plan.image, plan.width, plan.height, plan.updated_at = key, width, height, utcnow()
    audit(
        "floor_plan_set",
        actor,
        event_id=event.id,
        target=event,
        image=key,
        replaced=replaced,
        width=width,
        height=height,
    )
    db.session.flush()
    return plan


def place_booth(actor, exhibitor: Exhibitor, x: float, y: float) -> BoothPlace:
    """Put ``exhibitor``'s booth at (x, y) on its event's plan, shares of its width and
    height from the top left (0..1), moving it if it had a place; audited. Only the
    event's organizers. Raises Forbidden, or Invalid without a plan or off the plan."""
    require_organizer(actor, exhibitor.event)
    if plan_of(exhibitor.event_id) is None:
        raise Invalid(_("Upload the floor plan first."), code="no_floor_plan")
    for name, value in (("x", x), ("y", y)):
        if not (0.0 <= value <= 1.0):
            raise Invalid(
                _("The place must be on the plan: tap the plan, or give 0 to 100 %."),
                code="off_the_plan",
                field=name,
            )
    place = db.session.get(BoothPlace, exhibitor.id)
    before = None if place is None else {"x": place.x, "y": place.y}
    if place is None:
        place = BoothPlace(exhibitor_id=exhibitor.id, event_id=exhibitor.event_id)
        db.session.add(place)
    place.x, place.y = float(x), float(y)
    audit(
        "booth_placed",
        actor,
        exhibitor_id=exhibitor.id,
        target=exhibitor,
        x=place.x,
        y=place.y,
        moved_from=before,
    )
    db.session.flush()
    return place


def remove_place(actor, exhibitor: Exhibitor) -> None:
    """Take ``exhibitor``'s booth off the plan (nothing when it had no place); audited."""
    require_organizer(actor, exhibitor.event)
    removed = db.session.execute(
        sa.delete(BoothPlace).where(BoothPlace.exhibitor_id == exhibitor.id)
    ).rowcount
    if removed:
        audit("booth_place_removed", actor, exhibitor_id=exhibitor.id, target=exhibitor)
    db.session.flush()


def places(event_id: int) -> dict[int, BoothPlace]:
    """The places on ``event_id``'s plan, by exhibitor id."""
    rows = db.session.scalars(sa.select(BoothPlace).where(BoothPlace.event_id == event_id))
    return {place.exhibitor_id: place for place in rows}


# --- drawing it ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Marker:
    """A booth on the drawn plan, in the plan's pixels."""

    exhibitor_id: int
    booth: str
    name: str
    cx: float
    cy: float
    href: str = ""
    here: bool = False


@dataclass(frozen=True)
class PlanDrawing:
    """What templates/catalogue/plan_svg.html draws: the picture's URL, its size, and
    markers whose size is a share of the plan's width (legible from 880 CSS pixels)."""

    src: str
    width: int
    height: int
    markers: list[Marker]

    @property
    def radius(self) -> float:
        return round(self.width * 0.026, 1)

    @property
    def font_size(self) -> float:
        return round(self.width * 0.016, 1)


def drawing(
    plan: FloorPlan,
    src: str,
    exhibitors: list[Exhibitor],
    *,
    href=None,
    here: int | None = None,
) -> PlanDrawing:
    """The plan with a marker for each of ``exhibitors`` that has a place, in booth
    order; ``href(exhibitor)`` the link of each marker, ``here`` the one highlighted."""
    placed = places(plan.event_id)
    markers = [
        Marker(
            exhibitor_id=e.id,
            booth=e.booth,
            name=e.name,
            cx=round(placed[e.id].x * plan.width, 1),
            cy=round(placed[e.id].y * plan.height, 1),
            href=href(e) if href else "",
            here=e.id == here,
        )
        for e in sorted(exhibitors, key=lambda e: e.booth)
        if e.id in placed
    ]
    return PlanDrawing(src=src, width=plan.width, height=plan.height, markers=markers)


def public_booths(event_id: int) -> list[Exhibitor]:
    """The booths the public catalogue lists (pos/catalogue/service.py: listed)."""
    from pos.catalogue.service import listed

    return list(
        db.session.scalars(sa.select(Exhibitor).where(Exhibitor.event_id == event_id, listed()))
    )
