"""Report pages: a booth's daily summary, and the organizer's live dashboard."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from pos.auth.permissions import Action, require_organizer
from pos.inventory.attributes import CATEGORY_LABELS
from pos.organizer.service import current_event
from pos.reports import service
from pos.sales.models import METHOD_LABELS
from pos.web import booth_in_view

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
    event = current_event(current_user)
    if event is None:
        return redirect(url_for("organizer.new_event"))
    return render_template(
        "reports/dashboard.html",
        event=event,
        categories=CATEGORY_LABELS,
        methods=METHOD_LABELS,
    )
