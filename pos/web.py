"""What every domain's HTML views share: service errors onto form fields, the
landing page of each role, the client address, and the login gate."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from pos.auth.permissions import Action
from pos.errors import PosError
from pos.extensions import db
from pos.organizer.service import get_exhibitor


def whole_number(text: str | None) -> int | None:
    """A non-negative whole number typed in ASCII digits, else None ("²" and "1.5" too)."""
    text = (text or "").strip()
    if not text or not text.isascii() or not text.isdigit() or len(text) > 12:
        return None
    return int(text)


def booth_in_view(action: Action = Action.VIEW) -> Any:
    """The booth a page is about: the one asked for with ``?exhibitor_id=`` (404 for a
    malformed id), else the user's own; None for an organizer who has not picked one.
    Raises Forbidden or NotFound unless the user may take ``action`` there."""
    chosen = request.args.get("exhibitor_id", "")
    if chosen:
        exhibitor_id = whole_number(chosen)
        if exhibitor_id is None:
            abort(404)
    elif current_user.exhibitor_id is not None:
        exhibitor_id = current_user.exhibitor_id
    else:
        return None
    return get_exhibitor(current_user, exhibitor_id, action)


def client_ip() -> str:
    return request.remote_addr or ""


def show_error(form: FlaskForm | None, exc: PosError) -> None:
    """Put a service's refusal next to the field it names, else at the top of the page."""
    field_name = str(exc.details.get("field", "")).split(".")[0]
    field = getattr(form, field_name, None) if form is not None and field_name else None
    if field is not None and hasattr(field, "errors"):
        if isinstance(field.errors, tuple):
            field.errors = list(field.errors)
        field.errors.append(exc.message)
    else:
        flash(exc.message, "error")


def form_data(form: FlaskForm, *names: str) -> dict[str, Any]:
    """The named fields' values, blanks as None, text stripped."""
    data: dict[str, Any] = {}
    for name in names:
        value = getattr(form, name).data
        if isinstance(value, str):
            value = value.strip()
        data[name] = value
    return data


def landing_url(user: Any) -> str:
    """Where each role starts after sign-in: a cashier at the register, a manager on the
    booth's day, an organizer on the event dashboard."""
    if user.role == "organizer":
        return url_for("reports.dashboard")
    if user.role == "manager":
        return url_for("sales.day")
    return url_for("sales.register")


def saved(message: str | None = None) -> None:
    flash(message or _("Saved."), "success")


def carry_out(form: FlaskForm, work: Callable[[], Any], message: Callable[[], str]) -> bool:
    """For a small form whose page redirects either way (a stock count, a photo, a
    review): check the form, do the work and commit, and flash what happened: the
    message, the service's refusal, or the form's first error per field. True when
    done."""
    if not form.validate_on_submit():
        for errors in form.errors.values():
            show_error(None, PosError(errors[0]))
        return False
    try:
        work()
        db.session.commit()
    except PosError as exc:
        db.session.rollback()
        show_error(None, exc)
        return False
    saved(message())
    return True
