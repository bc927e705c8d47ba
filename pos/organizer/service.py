"""Events and exhibitors: creating, changing and finding them, within the actor's rights."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import sqlalchemy as sa
from babel.numbers import list_currencies
from flask_babel import gettext as _

from pos.auth import permissions
from pos.auth.service import audit
from pos.db import utcnow
from pos.errors import Conflict, Forbidden, Invalid, NotFound
from pos.extensions import db
from pos.organizer.models import RECEIPT_LANGUAGES, Event, Exhibitor

BOOTH_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,19}$")
# An event's public address /e/<slug>: lower-case letters and digits in dash-joined words.
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_SLUG = 80
MAX_CATALOGUE_DAYS_AFTER = 3650
DEFAULT_PPN_PERCENT = 11

# Fields of an exhibitor its own manager may change; the rest is the organizer's.
MANAGER_EXHIBITOR_FIELDS = frozenset(
    {"owner_name", "phone", "email", "address", "receipt_language"}
)
EXHIBITOR_FIELDS = MANAGER_EXHIBITOR_FIELDS | {
    "name",
    "booth",
    "region",
    "sentra",
    "tax_registered",
    "tax_rate_percent",
    "npwp",
    "active",
}
# Settings whose changes the audit log keeps apart from the rest: what the organizer
# charges, and what a booth charges as tax.
EVENT_FEE_FIELDS = ("commission_percent", "booth_fee")
EXHIBITOR_TAX_FIELDS = ("tax_registered", "tax_rate_percent", "npwp")
# The public catalogue's switches, audited apart: whether it is public, where, how long.
EVENT_CATALOGUE_FIELDS = ("slug", "catalogue_public", "catalogue_days_after")
# In the order the audit log lists them.
EVENT_AUDITED = (
    "name",
    "venue",
    "starts_on",
    "ends_on",
    "timezone",
    "currency",
    "receipt_footer",
    "requires_curation",
    "cashier_discount_limit_percent",
    *EVENT_FEE_FIELDS,
    "organizer_name",
    "organizer_office",
    "opening_hours",
    *EVENT_CATALOGUE_FIELDS,
)
# An event's settings: every one of them is audited (the form lists them in that order).
EVENT_FIELDS = frozenset(EVENT_AUDITED)
EXHIBITOR_AUDITED = (
    "name",
    "booth",
    "owner_name",
    "phone",
    "email",
    "address",
    "region",
    "sentra",
    "receipt_language",
    "active",
    *EXHIBITOR_TAX_FIELDS,
)


def _values(thing: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return {field: getattr(thing, field) for field in fields}


def _audit_changes(
    actor: Any,
    before: dict[str, Any],
    after: dict[str, Any],
    entries: list[tuple[str, tuple[str, ...]]],
    **where: Any,
) -> None:
    """One audit entry per group of fields that changed, each with the old and new
    values: ``entries`` is [(action, fields), ...], the last group taking the rest."""
    changed = {k: {"old": before[k], "new": after[k]} for k in after if before[k] != after[k]}
    taken: set[str] = set()
    for action, fields in entries:
        group = {k: v for k, v in changed.items() if (k in fields if fields else k not in taken)}
        taken |= set(group)
        if group:
            audit(action, actor, changes=group, **where)


# --- events -----------------------------------------------------------------------------


def validate_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise Invalid(_("Unknown timezone: %(tz)s.", tz=name), field="timezone") from None
    if name not in available_timezones():
        raise Invalid(_("Unknown timezone: %(tz)s.", tz=name), field="timezone")
    return name


def validate_currency(code: str) -> str:
    code = (code or "").strip().upper()
    if code not in list_currencies():
        raise Invalid(_("Unknown currency: %(code)s.", code=code), field="currency")
    return code


def slugify(name: str) -> str:
    """A slug made from a name: "Pameran IKM Bali 2026" -> "pameran-ikm-bali-2026"."""
    text = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "event"


def _free_slug(base: str) -> str:
    """``base``, or ``base-2``, ``base-3``... whichever no event has yet."""
    slug, n = base, 1
    while db.session.scalar(sa.select(Event.id).where(Event.slug == slug)) is not None:
        n += 1
        slug = f"{base}-{n}"
    return slug


def _check_slug(event: Event) -> None:
    event.slug = (event.slug or "").strip().lower()
    if not (SLUG_PATTERN.match(event.slug) and len(event.slug) <= MAX_SLUG):
        raise Invalid(
            _(
                "An address has lower-case letters, digits and dashes between words, "
                "such as pameran-ikm-2026."
            ),
            field="slug",
        )
    with db.session.no_autoflush:
        clash = db.session.scalar(
            sa.select(Event.id).where(Event.slug == event.slug, Event.id != (event.id or 0))
        )
    if clash is not None:
        raise Conflict(
            _("Another event has the address %(slug)s.", slug=event.slug),
            code="slug_taken",
            field="slug",
        )


def _check_event(event: Event) -> None:
    if not (event.name or "").strip():
        raise Invalid(_("The event needs a name."), field="name")
    event.name = event.name.strip()
    event.organizer_name = (event.organizer_name or "").strip()
    event.organizer_office = (event.organizer_office or "").strip()
    _check_slug(event)
    days = event.catalogue_days_after
    if isinstance(days, bool) or not isinstance(days, int):
        raise Invalid(_("Enter a number."), field="catalogue_days_after")
    if not 0 <= days <= MAX_CATALOGUE_DAYS_AFTER:
        raise Invalid(
            _("Between 0 and %(n)d days.", n=MAX_CATALOGUE_DAYS_AFTER),
            field="catalogue_days_after",
        )
    event.opening_hours = (event.opening_hours or "").strip()
    validate_timezone(event.timezone)
    event.currency = validate_currency(event.currency)
    if event.starts_on and event.ends_on and event.ends_on < event.starts_on:
        raise Invalid(_("The event cannot end before it starts."), field="ends_on")
    if not 0 <= (event.cashier_discount_limit_percent or 0) <= 100:
        raise Invalid(
            _("A discount limit is between 0 and 100 %."), field="cashier_discount_limit_percent"
        )
    if not 0 <= (event.commission_percent or 0) <= 100:
        raise Invalid(_("A commission is between 0 and 100 %."), field="commission_percent")
    if (event.booth_fee or 0) < 0:
        raise Invalid(_("A booth fee cannot be negative."), field="booth_fee")


def create_event(
    actor: Any,
    *,
    name: str,
    timezone: str,
    currency: str,
    starts_on: date | None = None,
    ends_on: date | None = None,
    make_current: bool = True,
    **settings: Any,
) -> Event:
    """Create an event (the current one unless ``make_current`` is false).

    ``actor`` None is the system (CLI). Raises Invalid for a bad name, timezone,
    currency, dates or settings; Forbidden for a non-organizer.
    """
    if actor is not None:
        permissions.require_organizer(actor)
    unknown = set(settings) - EVENT_FIELDS
    if unknown:
        raise Invalid(_("Unknown event setting: %(name)s.", name=", ".join(sorted(unknown))))
    event = Event(
        name=name,
        timezone=timezone,
        currency=currency,
        starts_on=starts_on,
        ends_on=ends_on,
        venue=settings.pop("venue", "") or "",
        receipt_footer=settings.pop("receipt_footer", "") or "",
        requires_curation=bool(settings.pop("requires_curation", False)),
        cashier_discount_limit_percent=settings.pop("cashier_discount_limit_percent", 10),
        commission_percent=settings.pop("commission_percent", 0),
        booth_fee=settings.pop("booth_fee", 0),
        organizer_name=(settings.pop("organizer_name", "") or "").strip(),
        organizer_office=(settings.pop("organizer_office", "") or "").strip(),
        slug=settings.pop("slug", None) or _free_slug(slugify(name)),
        catalogue_public=bool(settings.pop("catalogue_public", False)),
        catalogue_days_after=settings.pop("catalogue_days_after", 90),
        opening_hours=settings.pop("opening_hours", "") or "",
    )
    _check_event(event)
    db.session.add(event)
    db.session.flush()
    audit("event_created", actor, event_id=event.id, target=event, **_values(event, EVENT_AUDITED))
    if make_current:
        set_current_event(actor, event, audited=False)
    return event


def update_event(actor: Any, event: Event, changes: dict[str, Any]) -> Event:
    """Raises Forbidden unless ``actor`` organizes the event; Invalid for bad values.

    Audited: the changed settings, old and new ("event_updated"), the commission and
    booth fee in an entry of their own ("event_fees_changed"), the public catalogue's
    switches in another ("event_catalogue_changed").
    """
    permissions.require_organizer(actor, event)
    unknown = set(changes) - EVENT_FIELDS
    if unknown:
        raise Invalid(_("Unknown event setting: %(name)s.", name=", ".join(sorted(unknown))))
    before = _values(event, EVENT_AUDITED)
    for key, value in changes.items():
        setattr(event, key, value)
    _check_event(event)
    db.session.flush()
    _audit_changes(
        actor,
        before,
        _values(event, EVENT_AUDITED),
        [
            ("event_fees_changed", EVENT_FEE_FIELDS),
            ("event_catalogue_changed", EVENT_CATALOGUE_FIELDS),
            ("event_updated", ()),
        ],
        event_id=event.id,
        target=event,
    )
    return event


def set_current_event(actor: Any, event: Event, *, audited: bool = True) -> None:
    """Make ``event`` the one new exhibitors join by default."""
    if actor is not None:
        permissions.require_organizer(actor, event)
    if audited:
        audit("event_made_current", actor, event_id=event.id, target=event)
    db.session.execute(
        sa.update(Event)
        .where(Event.id != event.id, Event.is_current.is_(True))
        .values(is_current=False)
    )
    event.is_current = True
    db.session.flush()


def current_event(actor: Any = None) -> Event | None:
    """The current event: for an organizer tied to one event, that event (never one they
    do not run); else the one last made current, else the newest."""
    if actor is not None and actor.role == "organizer" and actor.event_id is not None:
        return db.session.get(Event, actor.event_id)
    return db.session.scalar(
        sa.select(Event).order_by(Event.is_current.desc(), Event.id.desc()).limit(1)
    )


def list_events(actor: Any) -> list[Event]:
    permissions.require_organizer(actor)
    query = sa.select(Event).order_by(Event.starts_on.desc(), Event.id.desc())
    if actor.event_id is not None:
        query = query.where(Event.id == actor.event_id)
    return list(db.session.scalars(query))


def get_event(actor: Any, event_id: int) -> Event:
    """Raises NotFound, or Forbidden for someone who does not organize it."""
    event = db.session.get(Event, event_id)
    if event is None:
        raise NotFound(_("No such event."))
    permissions.require_organizer(actor, event)
    return event


# --- exhibitors -------------------------------------------------------------------------


def normalize_booth(booth: str) -> str:
    return (booth or "").strip().upper()


def _check_exhibitor(exhibitor: Exhibitor) -> None:
    exhibitor.name = (exhibitor.name or "").strip()
    if not exhibitor.name:
        raise Invalid(_("The exhibitor needs a business name."), field="name")
    exhibitor.booth = normalize_booth(exhibitor.booth)
    if not BOOTH_PATTERN.match(exhibitor.booth):
        raise Invalid(
            _("A booth code has up to 20 letters, digits or '-', such as B12."), field="booth"
        )
    if exhibitor.receipt_language not in RECEIPT_LANGUAGES:
        raise Invalid(
            _("Receipts print in Indonesian (id) or English (en)."), field="receipt_language"
        )
    rate = exhibitor.tax_rate_percent or 0
    if not 0 <= rate <= 100:
        raise Invalid(_("A tax rate is between 0 and 100 %."), field="tax_rate_percent")
    if exhibitor.tax_registered and rate == 0:
        exhibitor.tax_rate_percent = DEFAULT_PPN_PERCENT
    if not exhibitor.tax_registered and rate:
        raise Invalid(
            _("Only a tax-registered (PKP) exhibitor charges PPN."), field="tax_rate_percent"
        )
    with db.session.no_autoflush:
        clash = db.session.scalar(
            sa.select(Exhibitor.id).where(
                Exhibitor.event_id == exhibitor.event_id,
                Exhibitor.booth == exhibitor.booth,
                Exhibitor.id != (exhibitor.id or 0),
            )
        )
    if clash is not None:
        raise Conflict(
            _("Booth %(booth)s is already taken at this event.", booth=exhibitor.booth),
            code="booth_taken",
            field="booth",
        )


def create_exhibitor(actor: Any, *, event_id: int | None = None, **fields: Any) -> Exhibitor:
    """Add an exhibitor to an event (the current one when ``event_id`` is not given).

    Raises Forbidden for a non-organizer, Invalid for bad fields or when there is no
    event, Conflict when the booth code is taken at that event.
    """
    if event_id is None:
        event = current_event(actor)
        if event is None:
            raise Invalid(_("Create an event first."), field="event_id")
    else:
        event = db.session.get(Event, event_id)
        if event is None:
            raise Invalid(_("No such event."), field="event_id")
    if actor is not None:
        permissions.require_organizer(actor, event)
    unknown = set(fields) - EXHIBITOR_FIELDS
    if unknown:
        raise Invalid(_("Unknown exhibitor field: %(name)s.", name=", ".join(sorted(unknown))))
    if fields.get("tax_rate_percent") and "tax_registered" not in fields:
        fields["tax_registered"] = True
    exhibitor = Exhibitor(event_id=event.id, **{k: v for k, v in fields.items() if v is not None})
    exhibitor.receipt_language = exhibitor.receipt_language or "id"
    exhibitor.tax_registered = bool(exhibitor.tax_registered)
    _check_exhibitor(exhibitor)
    db.session.add(exhibitor)
    db.session.flush()
    audit(
        "exhibitor_created",
        actor,
        exhibitor_id=exhibitor.id,
        target=exhibitor,
        **_values(exhibitor, EXHIBITOR_AUDITED),
    )
    return exhibitor


def update_exhibitor(actor: Any, exhibitor: Exhibitor, changes: dict[str, Any]) -> Exhibitor:
    """Organizers change anything; a manager only the booth's contact and receipt language.

    Audited: the changed fields, old and new ("exhibitor_updated": a new booth code
    among them), the tax settings in an entry of their own ("exhibitor_tax_changed").
    Raises Forbidden, Invalid or Conflict (booth taken).
    """
    allowed = EXHIBITOR_FIELDS
    if not (actor.role == "organizer" and permissions.runs_event(actor, exhibitor.event_id)):
        permissions.require(actor, permissions.Action.MANAGE, exhibitor)
        allowed = MANAGER_EXHIBITOR_FIELDS
    unknown = set(changes) - EXHIBITOR_FIELDS
    if unknown:
        raise Invalid(_("Unknown exhibitor field: %(name)s.", name=", ".join(sorted(unknown))))
    refused = set(changes) - allowed
    if refused:
        raise Forbidden(
            _("Only the organizer may change: %(fields)s.", fields=", ".join(sorted(refused)))
        )
    before = _values(exhibitor, EXHIBITOR_AUDITED)
    for key, value in changes.items():
        setattr(exhibitor, key, value)
    if changes.get("tax_registered") is False and "tax_rate_percent" not in changes:
        exhibitor.tax_rate_percent = 0
    _check_exhibitor(exhibitor)
    exhibitor.updated_at = utcnow()
    db.session.flush()
    _audit_changes(
        actor,
        before,
        _values(exhibitor, EXHIBITOR_AUDITED),
        [("exhibitor_tax_changed", EXHIBITOR_TAX_FIELDS), ("exhibitor_updated", ())],
        exhibitor_id=exhibitor.id,
        target=exhibitor,
    )
    return exhibitor


def get_exhibitor(actor: Any, exhibitor_id: int, action: Any = None) -> Exhibitor:
    """The exhibitor, if ``actor`` may take ``action`` there (default: view).

    Raises NotFound for an unknown id, Forbidden for someone else's booth.
    """
    exhibitor = db.session.get(Exhibitor, exhibitor_id)
    if exhibitor is None:
        raise NotFound(_("No such exhibitor."))
    permissions.require(actor, action or permissions.Action.VIEW, exhibitor)
    return exhibitor


def list_exhibitors(
    actor: Any, *, q: str = "", event_id: int | None = None, include_inactive: bool = True
) -> list[Exhibitor]:
    """The exhibitors ``actor`` may see, optionally searched by name, booth or region."""
    query = sa.select(Exhibitor).where(permissions.exhibitor_scope(actor))
    if event_id is not None:
        query = query.where(Exhibitor.event_id == event_id)
    if not include_inactive:
        query = query.where(Exhibitor.active.is_(True))
    if q:
        like = f"%{q.strip().lower()}%"
        query = query.where(
            sa.or_(
                sa.func.lower(Exhibitor.name).like(like),
                sa.func.lower(Exhibitor.booth).like(like),
                sa.func.lower(Exhibitor.region).like(like),
                sa.func.lower(Exhibitor.owner_name).like(like),
            )
        )
    return list(db.session.scalars(query.order_by(Exhibitor.event_id, Exhibitor.booth)))


def exhibitor_by_booth(event: Event, booth: str) -> Exhibitor | None:
    return db.session.scalar(
        sa.select(Exhibitor).where(
            Exhibitor.event_id == event.id, Exhibitor.booth == normalize_booth(booth)
        )
    )
