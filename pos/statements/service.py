"""Sales statements: issued after the fair to a booth (its manager or the organizers
ask), in the organizer's name; frozen at issue; read by anyone with the link; revoked by
the organizers.

The figures are the settlement's (pos/reports/service.booth_event_figures: one query
over the booth's daily rollups), copied into the statement's snapshot at issue with
every name and date it prints. A later sale, refund, correction of the event's settings
or re-render changes nothing a bank verifies; the snapshot's SHA-256 is checked each
time the statement is shown.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from pos.auth import permissions
from pos.auth.models import User
from pos.auth.service import audit
from pos.db import utcnow
from pos.errors import Conflict, Invalid, NotFound
from pos.extensions import db
from pos.formats import format_day
from pos.organizer.models import RECEIPT_LANGUAGES, Exhibitor
from pos.organizer.service import get_exhibitor
from pos.reports.service import booth_event_figures
from pos.sales.numbers import local_day
from pos.statements.models import (
    SalesStatement,
    canonical_json,
    snapshot_hash,
    statement_number,
)

TOKEN_BYTES = 24  # 32 URL-safe characters: 192 random bits
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{32,64}$")
SNAPSHOT_VERSION = 1


def _today(exhibitor: Exhibitor):
    return local_day(utcnow(), exhibitor.event.timezone)


def check_fair_is_over(exhibitor: Exhibitor) -> None:
    """Raises Conflict (``fair_not_over``) unless the event's last day has passed, on the
    event's calendar: a statement covers the whole fair."""
    event = exhibitor.event
    if event.ends_on is None:
        raise Conflict(
            _("The event has no last day yet: the organizer sets it in the event's settings."),
            code="fair_not_over",
        )
    if _today(exhibitor) <= event.ends_on:
        raise Conflict(
            _(
                "A sales statement covers the whole fair: it can be issued from the day "
                "after the last day (%(day)s).",
                day=format_day(event.ends_on, _locale()),
            ),
            code="fair_not_over",
            ends_on=event.ends_on.isoformat(),
        )


def _locale() -> str:
    from flask_babel import get_locale

    return str(get_locale() or "id")


def _snapshot_of(exhibitor: Exhibitor, language: str) -> dict[str, Any]:
    """Everything the statement prints but its number and date of issue."""
    event = exhibitor.event
    return {
        "version": SNAPSHOT_VERSION,
        "language": language,
        "issuer": {"name": event.organizer_name, "office": event.organizer_office},
        "event": {
            "id": event.id,
            "name": event.name,
            "venue": event.venue,
            "starts_on": event.starts_on.isoformat() if event.starts_on else None,
            "ends_on": event.ends_on.isoformat() if event.ends_on else None,
            "timezone": event.timezone,
        },
        "exhibitor": {
            "id": exhibitor.id,
            "name": exhibitor.name,
            "booth": exhibitor.booth,
            "owner_name": exhibitor.owner_name,
            "region": exhibitor.region,
            "sentra": exhibitor.sentra,
            "npwp": exhibitor.npwp,
        },
        "currency": event.currency,
        "figures": booth_event_figures(exhibitor),
    }


def issue_statement(
    actor: User, exhibitor_id: int, language: str | None = None
) -> tuple[SalesStatement, bool]:
    """The booth's sales statement, issued now in the organizer's name, in ``language``
    (default: the booth's receipt language); ``(statement, True)`` when a new one was
    issued, ``(the latest, False)`` when the booth's latest valid statement already says
    the same in the same language (asking twice does not multiply statements).

    Raises NotFound, Forbidden (anyone but the booth's manager and the event's
    organizers), Invalid (language), Conflict ``fair_not_over`` before the day after the
    fair's last day, Conflict ``organizer_unknown`` while the event's settings lack the
    organizer's name or office. Writes the statement and an audit entry
    (``statement_issued``); flushes.
    """
    exhibitor = get_exhibitor(actor, exhibitor_id, permissions.Action.STATEMENT)
    language = language or exhibitor.receipt_language
    if language not in RECEIPT_LANGUAGES:
        raise Invalid(_("A statement is written in Indonesian or English."), field="language")
    check_fair_is_over(exhibitor)
    event = exhibitor.event
    if not event.organizer_name.strip() or not event.organizer_office.strip():
        raise Conflict(
            _(
                "The organizer's name and office, which the statement is issued under, "
                "are not in the event's settings yet. Ask the organizer to fill them in."
            ),
            code="organizer_unknown",
        )
    body = _snapshot_of(exhibitor, language)
    latest = db.session.scalar(
        sa.select(SalesStatement)
        .where(
            SalesStatement.exhibitor_id == exhibitor.id,
            SalesStatement.revoked_at.is_(None),
            SalesStatement.language == language,
        )
        .order_by(SalesStatement.id.desc())
        .limit(1)
    )
    if latest is not None and latest.intact:
        earlier = latest.figures
        earlier.pop("number", None)
        earlier.pop("issued_on", None)
        if earlier == body:
            return latest, False
    issued_on = _today(exhibitor)
    statement = SalesStatement(
        event_id=event.id,
        exhibitor_id=exhibitor.id,
        token=secrets.token_urlsafe(TOKEN_BYTES),
        language=language,
        issued_on=issued_on,
        issued_by_id=actor.id,
        snapshot="{}",
        snapshot_sha256="",
        revoke_reason="",
    )
    db.session.add(statement)
    db.session.flush()  # its id is its number
    text = canonical_json(
        body | {"number": statement_number(event.id, statement.id), "issued_on": str(issued_on)}
    )
    statement.snapshot, statement.snapshot_sha256 = text, snapshot_hash(text)
    db.session.flush()
    audit(
        "statement_issued",
        actor,
        exhibitor_id=exhibitor.id,
        event_id=event.id,
        target=statement,
        number=statement.number,
        net=body["figures"]["net"],
        language=language,
    )
    return statement, True


def list_statements(actor: User, exhibitor_id: int) -> list[SalesStatement]:
    """The booth's statements, newest first. Raises NotFound, Forbidden."""
    exhibitor = get_exhibitor(actor, exhibitor_id, permissions.Action.STATEMENT)
    return list(
        db.session.scalars(
            sa.select(SalesStatement)
            .where(SalesStatement.exhibitor_id == exhibitor.id)
            .order_by(SalesStatement.id.desc())
        )
    )


def event_statements(actor: User, event_id: int) -> list[SalesStatement]:
    """Every statement of the event, newest first (its organizers)."""
    from pos.organizer.service import get_event

    get_event(actor, event_id)
    return list(
        db.session.scalars(
            sa.select(SalesStatement)
            .where(SalesStatement.event_id == event_id)
            .order_by(SalesStatement.id.desc())
        )
    )


def get_statement(actor: User, statement_id: int) -> SalesStatement:
    """Raises NotFound for an unknown id, Forbidden for anyone but the booth's manager
    and the event's organizers."""
    statement = db.session.get(SalesStatement, statement_id)
    if statement is None:
        raise NotFound(_("No such statement."))
    permissions.require(actor, permissions.Action.STATEMENT, statement.exhibitor)
    return statement


def revoke_statement(actor: User, statement_id: int, reason: str) -> SalesStatement:
    """Revoke a statement: its public page says so and shows no figures any more.

    Raises NotFound, Forbidden (only the event's organizers revoke), Invalid (no reason),
    Conflict ``already_revoked``. Writes an audit entry (``statement_revoked``); flushes.
    """
    statement = db.session.get(SalesStatement, statement_id)
    if statement is None:
        raise NotFound(_("No such statement."))
    permissions.require(actor, permissions.Action.STATEMENT, statement.exhibitor)
    permissions.require_organizer(actor, statement.exhibitor.event)
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(_("Say why the statement is revoked."), field="reason")
    if statement.revoked_at is not None:
        raise Conflict(_("This statement was revoked already."), code="already_revoked")
    statement.revoked_at = utcnow()
    statement.revoked_by_id = actor.id
    statement.revoke_reason = reason
    db.session.flush()
    audit(
        "statement_revoked",
        actor,
        exhibitor_id=statement.exhibitor_id,
        event_id=statement.event_id,
        target=statement,
        number=statement.number,
        reason=reason,
    )
    return statement


# --- the public verification page ------------------------------------------------------

VALID, REVOKED, UNKNOWN = "valid", "revoked", "unknown"


@dataclass(frozen=True)
class Verification:
    """What /v/<token> may say: ``valid`` with the frozen figures, ``revoked`` (when and
    the statement's number, no figures), or ``unknown`` (no such token, or a statement
    whose snapshot no longer matches its hash: nothing shown)."""

    status: str
    statement: SalesStatement | None = None
    snapshot: dict[str, Any] | None = None


def verify(token: str) -> Verification:
    """The statement behind a public link, as a bank may see it. Never raises."""
    if not TOKEN_PATTERN.match(token or ""):
        return Verification(UNKNOWN)
    statement = db.session.scalar(sa.select(SalesStatement).where(SalesStatement.token == token))
    if statement is None or not statement.intact:
        return Verification(UNKNOWN)
    if statement.revoked_at is not None:
        return Verification(REVOKED, statement)
    return Verification(VALID, statement, statement.figures)


def public_url(statement: SalesStatement, base: str) -> str:
    return f"{base.rstrip('/')}/v/{statement.token}"


# --- the document ------------------------------------------------------------------------


def statement_words(language: str) -> dict[str, str]:
    """The statement's texts in ``language``, for the PDF (and the same meanings on the
    verification page)."""
    from flask_babel import force_locale

    from pos.inventory.attributes import CATEGORY_LABELS
    from pos.sales.models import METHOD_LABELS

    with force_locale(language):
        words = {
            "title": _("Sales statement"),
            "number": _("No."),
            "issued_on": _("Date of issue"),
            "intro": _(
                "The organizer of %(event)s states that the exhibitor below recorded the "
                "following sales at the fair in the fair's point-of-sale system, refunds "
                "deducted on the day they were made."
            ),
            "period": _("Fair"),
            "venue": _("Venue"),
            "exhibitor": _("Exhibitor"),
            "business": _("Business name"),
            "owner": _("Owner"),
            "booth": _("Booth"),
            "region": _("Origin region"),
            "sentra": _("Sentra IKM"),
            "npwp": _("NPWP"),
            "net": _("Net sales"),
            "gross": _("Gross"),
            "discounts": _("Discounts"),
            "refunds": _("Refunds"),
            "transactions": _("Transactions"),
            "by_day": _("Sales by day"),
            "date": _("Date"),
            "total": _("Whole fair"),
            "by_category": _("By category"),
            "by_payment_method": _("By payment method"),
            "category": _("Category"),
            "method": _("Payment method"),
            "amount": _("Amount"),
            "no_sales": _("No sales were recorded."),
            "verify_title": _("Verify this statement"),
            "verify_text": _(
                "Scan the QR code or open the address below. While the statement is valid, "
                "the organizer's page shows the same figures; a revoked statement shows none."
            ),
            "fingerprint": _("Fingerprint"),
            "issued_by": _("Issued by the organizer"),
            "electronic": _(
                "Issued electronically through the fair's point-of-sale system; valid "
                "without a signature when the verification page confirms it."
            ),
        }
        words |= {f"category:{k}": str(v) for k, v in CATEGORY_LABELS.items()}
        words |= {f"method:{k}": str(v) for k, v in METHOD_LABELS.items()}
    return words


def statement_pdf(statement: SalesStatement, base: str) -> bytes:
    """The statement as issued (its snapshot; the language it was issued in), A4, with
    the QR code of its verification page; rendered off the request
    (pos/reports/rendering.py). Raises RendererBusy when the renderer is taken."""
    from pos.reports import rendering
    from pos.statements.pdf import render_statement

    language = statement.language
    snapshot = statement.figures
    url = public_url(statement, base)
    words = statement_words(language)
    fingerprint = statement.fingerprint
    return rendering.render(render_statement, snapshot, words, language, url, fingerprint)
