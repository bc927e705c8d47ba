"""What the public catalogue shows, and the controls of it."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from pos.errors import NotFound
from pos.extensions import db
from pos.organizer.models import Event, Exhibitor


def public_event(slug: str) -> Event:
    """The event whose catalogue is public at ``slug``; raises NotFound otherwise."""
    event = db.session.scalar(sa.select(Event).where(Event.slug == slug))
    if event is None or not event.catalogue_public:
        raise NotFound(_("No such catalogue."))
    return event


def public_exhibitor(event: Event, booth: str) -> Exhibitor:
    exhibitor = db.session.scalar(
        sa.select(Exhibitor).where(
            Exhibitor.event_id == event.id,
            Exhibitor.booth == booth.strip().upper(),
            Exhibitor.active.is_(True),
            Exhibitor.catalogue_published.is_(True),
        )
    )
    if exhibitor is None:
        raise NotFound(_("No such booth in this catalogue."))
    return exhibitor
