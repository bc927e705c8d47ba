"""Report pages: a booth's daily summary, the organizer's live dashboard, and the audit
log."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from pos.auth.permissions import Action, require_organizer
from pos.catalogue.extras import views_count
from pos.errors import Invalid
from pos.inventory.attributes import CATEGORY_LABELS
from pos.organizer.service import current_event, list_events
from pos.reports import audit, service
from pos.reports.forms import AuditFilterForm
from pos.sales.models import METHOD_LABELS
from pos.web import booth_in_view, show_error, whole_number

bp = Blueprint("reports", __name__)


@bp.get("/reports/daily")
@login_required
def daily():
    exhibitor = booth_in_view(Action.REPORT)
    if exhibitor is None:
        return redirect(url_for("reports.dashboard"))
    try:
        day = date.fromisoformat(request.args["date"]) if request.args.get("date") else None
    except ValueError:
        abort(404)
    summary = service.daily_summary(current_user, exhibitor.id, day)
    return render_template(
        "reports/daily.html",
        summary=summary,
        exhibitor=exhibitor,
        day=date.fromisoformat(summary["date"]),
        categories=CATEGORY_LABELS,
        methods=METHOD_LABELS,
    )


@bp.get("/dashboard")
@login_required
def dashboard():
    require_organizer(current_user)
    views_count.write_waiting()  # this process's page views, before they are read
    event = current_event(current_user)
    if event is None:
        return redirect(url_for("organizer.new_event"))
    return render_template(
        "reports/dashboard.html",
        event=event,
        categories=CATEGORY_LABELS,
        methods=METHOD_LABELS,
        page_views=views_count.dashboard_rows(current_user, event),
    )


@bp.get("/audit")
@login_required
def audit_log():
    """The audit log: an organizer's event (or a manager's booth), filtered, 50 entries
    at a time, newest first."""
    asked = {name: request.args.get(name, "") for name in ("event_id", "before")}
    numbers = {name: whole_number(text) for name, text in asked.items()}
    if any(text and numbers[name] is None for name, text in asked.items()):
        abort(404)
    if current_user.is_organizer and numbers["event_id"] is None and current_event() is None:
        return redirect(url_for("organizer.new_event"))
    # Refuses a cashier (403) before anything else is read.
    event = audit.readable_event(current_user, numbers["event_id"])
    form = AuditFilterForm(formdata=request.args)
    form.action.choices = [("", _("All actions"))] + sorted(
        ((code, str(label)) for code, label in audit.ACTION_LABELS.items()),
        key=lambda choice: choice[1].lower(),
    )
    wanted = audit.AuditFilter(event_id=event.id)
    page, status = audit.AuditPage(event, None), 200
    if form.validate():
        wanted = audit.AuditFilter(
            event_id=event.id,
            date_from=form.date_from.data,
            date_to=form.date_to.data,
            action=form.action.data or "",
            username=form.username.data or "",
            booth=(form.booth.data or "") if current_user.is_organizer else "",
        )
        try:
            page = audit.audit_log(current_user, wanted, before=numbers["before"])
        except Invalid as exc:
            show_error(form, exc)
            wanted, status = audit.AuditFilter(event_id=event.id), 400
    else:
        status = 400
    # The filters taken, as query arguments, for the CSV and the paging links.
    filters = {
        "event_id": event.id if numbers["event_id"] else None,
        "date_from": wanted.date_from.isoformat() if wanted.date_from else None,
        "date_to": wanted.date_to.isoformat() if wanted.date_to else None,
        "action": wanted.action or None,
        "username": wanted.username or None,
        "booth": wanted.booth or None,
    }
    return render_template(
        "reports/audit.html",
        form=form,
        page=page,
        event=event,
        filters=filters,
        paged=numbers["before"] is not None,
        events=list_events(current_user) if current_user.is_organizer else [],
        action_label=audit.action_label,
        target_label=audit.target_label,
        details_lines=audit.details_lines,
    ), status
