"""The QR posters' use cases: who may print them, and what they say.

A booth's poster: the event's organizers and the booth's manager (MANAGE); the entrance
poster and every booth's posters in one document: the event's organizers. The QR codes
lead to the public pages through ``pos.links.public_base`` (``POS_PUBLIC_URL``, else a
trusted host), never through an unchecked Host header: a poster is printed and hung for
days.
"""

from __future__ import annotations

from urllib.parse import quote

import sqlalchemy as sa
from babel.dates import format_interval
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from pos.auth.permissions import Action, require, require_organizer
from pos.catalogue.extras.posters import BoothPoster, EntrancePoster
from pos.extensions import db
from pos.formats import format_day
from pos.links import public_base
from pos.organizer.models import Event, Exhibitor

POSTER_LOCALES = ("id", "en")  # every poster speaks both, Indonesian first


def event_url(event: Event) -> str:
    """The absolute link of the fair's public catalogue (``/e/<slug>``)."""
    return f"{public_base()}/e/{quote(event.slug, safe='')}"


def booth_url(exhibitor: Exhibitor) -> str:
    """The absolute link of a booth's public page (``/e/<slug>/<booth>``)."""
    return f"{event_url(exhibitor.event)}/{quote(exhibitor.booth, safe='')}"


def _both(message) -> tuple[str, str]:
    """A lazy text in Indonesian and in English."""
    texts = []
    for locale in POSTER_LOCALES:
        with force_locale(locale):
            texts.append(str(message))
    return texts[0], texts[1]


def _booth_poster(exhibitor: Exhibitor) -> BoothPoster:
    scan_id, scan_en = _both(_l("Scan to see our products"))
    place = " · ".join(part for part in (exhibitor.region, exhibitor.sentra) if part)
    return BoothPoster(
        event_name=exhibitor.event.name,
        name=exhibitor.name,
        booth=exhibitor.booth,
        url=booth_url(exhibitor),
        scan_id=scan_id,
        scan_en=scan_en,
        region=place,
    )


def booth_poster(actor, exhibitor: Exhibitor) -> BoothPoster:
    """What ``exhibitor``'s poster says. Raises Forbidden unless ``actor`` manages the
    booth or organizes its event."""
    require(actor, Action.MANAGE, exhibitor)
    return _booth_poster(exhibitor)


def booth_posters(actor, event: Event) -> list[BoothPoster]:
    """Every active booth's poster of ``event``, in booth order (organizers only)."""
    require_organizer(actor, event)
    exhibitors = db.session.scalars(
        sa.select(Exhibitor)
        .where(Exhibitor.event_id == event.id, Exhibitor.active.is_(True))
        .order_by(Exhibitor.booth)
    )
    return [_booth_poster(exhibitor) for exhibitor in exhibitors]


def _dates(event: Event, locale: str) -> str:
    if event.starts_on and event.ends_on and event.ends_on != event.starts_on:
        return format_interval(event.starts_on, event.ends_on, "yMMMd", locale=locale)
    day = event.starts_on or event.ends_on
    return format_day(day, locale) if day else ""


def entrance_poster(actor, event: Event) -> EntrancePoster:
    """What the fair's entrance poster says (organizers only)."""
    require_organizer(actor, event)
    scan_id, scan_en = _both(_l("Scan to see the fair's exhibitors and products"))
    dates = [_dates(event, locale) for locale in POSTER_LOCALES]
    return EntrancePoster(
        name=event.name,
        dates=" · ".join(dict.fromkeys(d for d in dates if d)),
        venue=event.venue,
        url=event_url(event),
        scan_id=scan_id,
        scan_en=scan_en,
    )
