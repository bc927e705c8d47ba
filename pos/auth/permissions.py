"""The one place that decides what a user may do, and for which exhibitor.

Every service that touches an exhibitor's data calls :func:`require` (or filters with
:func:`exhibitor_scope`); no view is trusted to remember.

- organizer: everything at the events they run (all events when not tied to one);
- manager: everything of their own exhibitor: catalogue, stock, sales, voids, refunds,
  reports, their cashiers (see :func:`may_manage_account` for accounts);
- cashier: see their exhibitor's catalogue, sell, reprint.

Sales statements (pos/statements): the booth's manager and the event's organizers issue
and download them (the STATEMENT right); only the organizers revoke one
(:func:`require_organizer`); anyone holding a statement's link reads its public page.

The audit log (:func:`audit_scope`): an organizer reads the entries of the events they
run; a manager those of their own booth (the REPORT right); a cashier none.
"""

from __future__ import annotations

from enum import Enum

import sqlalchemy as sa
from flask_babel import gettext as _

from pos.auth.models import CASHIER, MANAGER, ORGANIZER, AuditEntry, User
from pos.errors import Forbidden
from pos.organizer.models import Event, Exhibitor


class Action(Enum):
    VIEW = "view"  # catalogue, sales list, a sale, a receipt
    SELL = "sell"  # record a sale, open and close a shift
    MANAGE = "manage"  # products, stock, prices, cashiers and their PINs
    REFUND = "refund"  # void a sale, refund it
    REPORT = "report"  # daily summary, day close
    STATEMENT = "statement"  # issue and download the booth's sales statement (a bank's proof)


ROLE_ACTIONS = {
    ORGANIZER: frozenset(Action),
    MANAGER: frozenset(Action),
    CASHIER: frozenset({Action.VIEW, Action.SELL}),
}


def runs_event(user: User, event_id: int) -> bool:
    return user.role == ORGANIZER and user.event_id in (None, event_id)


def may(user: User | None, action: Action, exhibitor: Exhibitor) -> bool:
    if user is None or not user.active:
        return False
    if action not in ROLE_ACTIONS.get(user.role, frozenset()):
        return False
    if user.role == ORGANIZER:
        return runs_event(user, exhibitor.event_id)
    return user.exhibitor_id == exhibitor.id


def require(user: User | None, action: Action, exhibitor: Exhibitor) -> None:
    """Raises Forbidden unless ``user`` may take ``action`` at ``exhibitor``."""
    if not may(user, action, exhibitor):
        if user is not None and user.role != ORGANIZER and user.exhibitor_id == exhibitor.id:
            raise Forbidden(_("Your role does not allow this. Ask the booth manager."))
        raise Forbidden(_("You do not have access to this exhibitor."))


def require_organizer(user: User | None, event: Event | None = None) -> None:
    """Raises Forbidden unless ``user`` is an organizer (of ``event``, when given)."""
    if user is None or not user.active or user.role != ORGANIZER:
        raise Forbidden(_("Only the event's organizers may do this."))
    if event is not None and not runs_event(user, event.id):
        raise Forbidden(_("You do not organize this event."))


def may_manage_account(
    actor: User | None, *, role: str, exhibitor: Exhibitor | None, event_id: int | None
) -> bool:
    """Whether ``actor`` may create or change an account of ``role`` at ``exhibitor``
    (managers, cashiers) or of ``event_id`` (organizers; None: every event).

    - a global organizer (no event): every account;
    - an event's organizer: the accounts of its event's booths and the organizers of the
      same event, never a global organizer nor another event's;
    - a manager: the cashiers of their own booth;
    - a cashier: none.
    """
    if actor is None or not actor.active:
        return False
    if actor.role == ORGANIZER:
        if actor.event_id is None:
            return True
        if exhibitor is not None:
            return exhibitor.event_id == actor.event_id
        return role == ORGANIZER and event_id == actor.event_id
    return (
        actor.role == MANAGER
        and role == CASHIER
        and exhibitor is not None
        and exhibitor.id == actor.exhibitor_id
    )


def may_manage_user(actor: User | None, user: User) -> bool:
    """Whether ``actor`` may change ``user``'s account (password, PIN, active, unlock)."""
    return may_manage_account(
        actor, role=user.role, exhibitor=user.exhibitor, event_id=user.event_id
    )


def exhibitor_scope(user: User) -> sa.ColumnElement[bool]:
    """A WHERE clause on Exhibitor limiting a query to what ``user`` may see."""
    if user.role == ORGANIZER:
        return sa.true() if user.event_id is None else Exhibitor.event_id == user.event_id
    return Exhibitor.id == user.exhibitor_id


def audit_scope(user: User | None, event: Event) -> sa.ColumnElement[bool]:
    """A WHERE clause on AuditEntry: the entries of ``event`` that ``user`` may read.

    An organizer of the event reads all of its entries, and one who runs every event
    also those of no event (such organizers signing in, failed sign-ins under unknown
    names); a manager reads those of their own booth at the event. Raises Forbidden for
    anyone else (cashiers, another event's organizer or manager).
    """
    if user is not None and user.role == ORGANIZER:
        require_organizer(user, event)
        if user.event_id is None:
            return sa.or_(AuditEntry.event_id == event.id, AuditEntry.event_id.is_(None))
        return AuditEntry.event_id == event.id
    exhibitor = user.exhibitor if user is not None else None
    if exhibitor is None or exhibitor.event_id != event.id:
        raise Forbidden(_("You may not read this audit log."))
    require(user, Action.REPORT, exhibitor)
    return AuditEntry.exhibitor_id == exhibitor.id
