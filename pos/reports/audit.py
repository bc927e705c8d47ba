"""The audit log as its readers see it: an event's entries (a booth's, for its manager),
filtered by event-local days, action, user and booth, newest first a page at a time,
and every filtered entry as CSV. Who reads what is decided by
``permissions.audit_scope``; the entries are written by ``pos.auth.service.audit``."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from pos.auth import permissions
from pos.auth.models import ORGANIZER, AuditEntry, User
from pos.auth.service import normalize_username
from pos.errors import Forbidden, Invalid
from pos.extensions import db
from pos.organizer.models import Event, Exhibitor
from pos.organizer.service import current_event, exhibitor_by_booth, get_event, get_exhibitor
from pos.reports import exports

PAGE_SIZE = 50
MAX_PAGE_SIZE = 500

# Every action the app writes, as its readers call it (tests/reports/test_audit_log.py
# checks that none is missing). Unknown actions are shown by their code.
ACTION_LABELS = {
    "login": _l("Signed in"),
    "login_failed": _l("Sign-in failed"),
    "login_locked": _l("Sign-in refused: too many failures"),
    "logout": _l("Signed out"),
    "password_changed": _l("Password changed"),
    "password_reset": _l("Password set by a manager or organizer"),
    "account_unlocked": _l("Sign-in throttle lifted"),
    "pin_set": _l("PIN set"),
    "pin_switch": _l("Cashier switched by PIN"),
    "pin_failed": _l("Wrong PIN"),
    "user_created": _l("Account created"),
    "user_activated": _l("Account activated"),
    "user_deactivated": _l("Account deactivated"),
    "event_created": _l("Event created"),
    "event_updated": _l("Event changed"),
    "event_fees_changed": _l("Commission or booth fee changed"),
    "event_made_current": _l("Event made current"),
    "exhibitor_created": _l("Exhibitor added"),
    "exhibitor_updated": _l("Exhibitor changed"),
    "exhibitor_tax_changed": _l("Exhibitor's tax settings changed"),
    "product_created": _l("Product added"),
    "product_withdrawn": _l("Product withdrawn from sale"),
    "product_restored": _l("Product back on sale"),
    "product_photo_set": _l("Product photo uploaded"),
    "product_photo_removed": _l("Product photo removed"),
    "product_reviewed": _l("Product reviewed"),
    "product_sent_for_review": _l("Approved product changed, back to review"),
    "price_changed": _l("Price changed"),
    "stock_adjusted": _l("Stock adjusted"),
    "catalogue_imported": _l("Catalogue imported"),
    "sale_voided": _l("Sale voided"),
    "sale_refunded": _l("Sale refunded"),
    "shift_opened": _l("Shift opened"),
    "shift_closed": _l("Shift closed"),
    "device_registered": _l("Tablet registered"),
    "waiting_sales_imported": _l("Waiting sales taken in"),
    "offline_sale_discarded": _l("Offline sale discarded"),
    "printer_added": _l("Printer added"),
    "printer_changed": _l("Printer changed"),
    "printer_removed": _l("Printer removed"),
    "statement_issued": _l("Sales statement issued"),
    "statement_revoked": _l("Sales statement revoked"),
    "event_catalogue_changed": _l("Public catalogue switched on or off, or moved"),
    "exhibitor_profile_changed": _l("Public profile changed"),
    "exhibitor_cover_set": _l("Cover photo uploaded"),
    "exhibitor_cover_removed": _l("Cover photo removed"),
    "product_public_changed": _l("Product shown or hidden in the public catalogue"),
    "exhibitor_unpublished": _l("Exhibitor taken out of the public catalogue"),
    "exhibitor_published": _l("Exhibitor put back in the public catalogue"),
    "floor_plan_set": _l("Floor plan uploaded"),
    "booth_placed": _l("Booth placed on the floor plan"),
    "booth_place_removed": _l("Booth taken off the floor plan"),
}
TARGET_LABELS = {
    "user": _l("Account"),
    "event": _l("Event"),
    "exhibitor": _l("Exhibitor"),
    "product": _l("Product"),
    "sale": _l("Sale"),
    "shift": _l("Shift"),
    "device": _l("Tablet"),
    "printer": _l("Printer"),
    "salesstatement": _l("Sales statement"),
}


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


def target_label(entry: AuditEntry) -> str:
    if not entry.target_type:
        return ""
    kind = str(TARGET_LABELS.get(entry.target_type, entry.target_type))
    return f"{kind} #{entry.target_id}" if entry.target_id is not None else kind


@dataclass
class AuditFilter:
    """What a reader asks for; every part optional. Days are the event's calendar days."""

    event_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    action: str = ""
    username: str = ""
    user_id: int | None = None
    booth: str = ""
    exhibitor_id: int | None = None


@dataclass
class AuditRow:
    entry: AuditEntry
    booth: str  # "" for an entry of no booth


@dataclass
class AuditPage:
    event: Event
    exhibitor: Exhibitor | None  # the booth filtered on
    rows: list[AuditRow] = field(default_factory=list)
    total: int = 0
    next_before: int | None = None  # the id to ask for the older entries with


def _day_start(day: date, timezone: str) -> datetime:
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(timezone))


def _event_of(actor: User, event_id: int | None) -> Event:
    """The event whose log is read: the one named (its organizer), else the one an
    organizer runs or the current one, or the manager's own. Raises Forbidden, NotFound
    or Invalid."""
    if actor is not None and actor.role == ORGANIZER:
        event_id = event_id or actor.event_id  # an organizer of one event: that one
        event = get_event(actor, event_id) if event_id else current_event()
        if event is None:
            raise Invalid(_("Create an event first."), field="event_id")
        return event
    exhibitor = getattr(actor, "exhibitor", None)
    if exhibitor is None:
        raise Forbidden(_("You may not read this audit log."))
    if event_id is not None and event_id != exhibitor.event_id:
        raise Forbidden(_("You may not read this audit log."))
    return exhibitor.event


def readable_event(actor: User, event_id: int | None = None) -> Event:
    """The event whose log ``actor`` reads (see :func:`_event_of`), once they may read
    some of it. Raises Forbidden (a cashier; another event), NotFound or Invalid."""
    event = _event_of(actor, event_id)
    permissions.audit_scope(actor, event)
    return event


def _where(actor: User, wanted: AuditFilter) -> tuple[Event, Exhibitor | None, list[Any]]:
    """The event, the booth asked for, and the WHERE clauses of ``wanted`` within what
    ``actor`` may read. Raises Forbidden, NotFound or Invalid (naming the field)."""
    event = _event_of(actor, wanted.event_id)
    conditions: list[Any] = [permissions.audit_scope(actor, event)]
    exhibitor = None
    if wanted.exhibitor_id is not None:
        exhibitor = get_exhibitor(actor, wanted.exhibitor_id, permissions.Action.REPORT)
        if exhibitor.event_id != event.id:
            raise Invalid(_("That booth is not at this event."), field="exhibitor_id")
    elif wanted.booth:
        exhibitor = exhibitor_by_booth(event, wanted.booth)
        if exhibitor is None:
            raise Invalid(
                _("No booth %(booth)s at this event.", booth=wanted.booth.strip().upper()),
                field="booth",
            )
        permissions.require(actor, permissions.Action.REPORT, exhibitor)
    if exhibitor is not None:
        conditions.append(AuditEntry.exhibitor_id == exhibitor.id)
    if wanted.date_from and wanted.date_to and wanted.date_to < wanted.date_from:
        raise Invalid(_("The last day comes before the first."), field="date_to")
    if wanted.date_from:
        conditions.append(AuditEntry.at >= _day_start(wanted.date_from, event.timezone))
    if wanted.date_to:
        next_day = wanted.date_to + timedelta(days=1)
        conditions.append(AuditEntry.at < _day_start(next_day, event.timezone))
    if wanted.action:
        conditions.append(AuditEntry.action == wanted.action.strip())
    if wanted.username:
        conditions.append(AuditEntry.username == normalize_username(wanted.username))
    if wanted.user_id is not None:
        conditions.append(AuditEntry.user_id == wanted.user_id)
    return event, exhibitor, conditions


def _rows(query: sa.Select) -> list[AuditRow]:
    return [AuditRow(entry, booth or "") for entry, booth in db.session.execute(query)]


def _select(conditions: list[Any]) -> sa.Select:
    return (
        sa.select(AuditEntry, Exhibitor.booth)
        .outerjoin(Exhibitor, Exhibitor.id == AuditEntry.exhibitor_id)
        .where(*conditions)
    )


def audit_log(
    actor: User, wanted: AuditFilter, *, before: int | None = None, limit: int = PAGE_SIZE
) -> AuditPage:
    """One page of the entries ``wanted`` asks for, newest first: those older than the
    entry ``before`` (an id from the previous page's ``next_before``), at most ``limit``.

    Raises Forbidden (a cashier; another event or booth), NotFound (no such event or
    exhibitor) or Invalid (an unknown booth, days the wrong way round, an unknown
    ``before``)."""
    event, exhibitor, conditions = _where(actor, wanted)
    total = db.session.scalar(sa.select(sa.func.count(AuditEntry.id)).where(*conditions))
    page_conditions = list(conditions)
    if before is not None:
        after = db.session.execute(
            sa.select(AuditEntry.at, AuditEntry.id).where(AuditEntry.id == before, *conditions)
        ).first()
        if after is None:
            raise Invalid(_("No such entry to continue from."), field="before")
        page_conditions.append(
            sa.or_(
                AuditEntry.at < after.at,
                sa.and_(AuditEntry.at == after.at, AuditEntry.id < after.id),
            )
        )
    query = (
        _select(page_conditions)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(limit + 1)
    )
    rows = _rows(query)
    next_before = rows[limit - 1].entry.id if len(rows) > limit else None
    return AuditPage(event, exhibitor, rows[:limit], total or 0, next_before)


def audit_csv(actor: User, wanted: AuditFilter, lang: str | None = None) -> tuple[Event, str]:
    """Every entry ``wanted`` asks for, oldest first, as CSV: machine columns and ISO
    times with the event's offset; or, with ``lang``, for people in that language, the
    event's local time. Raises as :func:`audit_log`."""
    event, _exhibitor, conditions = _where(actor, wanted)
    rows = _rows(_select(conditions).order_by(AuditEntry.at, AuditEntry.id))
    zone = ZoneInfo(event.timezone)
    lines = []
    with force_locale(lang or "en"):
        for row in rows:
            entry, local = row.entry, row.entry.at.astimezone(zone)
            lines.append(
                [
                    local.strftime("%Y-%m-%d %H:%M:%S") if lang else local.isoformat(),
                    action_label(entry.action) if lang else entry.action,
                    entry.username,
                    row.booth,
                    target_label(entry) if lang else _machine_target(entry),
                    entry.ip,
                    json.dumps(entry.details or {}, ensure_ascii=False),
                ]
            )
    return event, exports.audit_log_csv(lines, lang)


def _machine_target(entry: AuditEntry) -> str:
    if not entry.target_type:
        return ""
    return f"{entry.target_type}:{entry.target_id}" if entry.target_id is not None else ""


def details_lines(details: dict[str, Any] | None) -> list[str]:
    """An entry's details as lines to read: ``booth: B12 → B14`` for each change,
    ``reason: salah`` for the rest."""
    lines = []
    for key, value in (details or {}).items():
        if key == "changes" and isinstance(value, dict):
            for name, change in value.items():
                if isinstance(change, dict) and {"old", "new"} <= set(change):
                    lines.append(f"{name}: {_shown(change['old'])} → {_shown(change['new'])}")
                else:
                    lines.append(f"{name}: {_shown(change)}")
        else:
            lines.append(f"{key}: {_shown(value)}")
    return lines


def _shown(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, list):
        return ", ".join(_shown(v) for v in value) or "—"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)
