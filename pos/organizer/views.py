"""The organizer's pages: events and exhibitors."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from pos.auth.permissions import require_organizer
from pos.errors import PosError
from pos.extensions import db
from pos.organizer import service
from pos.organizer.forms import EventForm, ExhibitorForm
from pos.web import form_data, saved, show_error

bp = Blueprint("organizer", __name__)

EVENT_FIELDS = service.EVENT_AUDITED  # an event's settings, in the form's order
EXHIBITOR_FIELDS = (
    "name",
    "booth",
    "owner_name",
    "phone",
    "email",
    "address",
    "region",
    "sentra",
    "tax_registered",
    "tax_rate_percent",
    "npwp",
    "receipt_language",
)


@bp.get("/events")
@login_required
def events():
    return render_template(
        "organizer/events.html",
        events=service.list_events(current_user),
        current=service.current_event(current_user),
    )


@bp.route("/events/new", methods=["GET", "POST"])
@login_required
def new_event():
    require_organizer(current_user)
    form = EventForm()
    if form.validate_on_submit():
        data = form_data(form, *EVENT_FIELDS)
        data["booth_fee"] = data["booth_fee"] or 0
        data["commission_percent"] = data["commission_percent"] or 0
        if data["catalogue_days_after"] is None:
            data["catalogue_days_after"] = 90
        data["slug"] = data["slug"] or None
        try:
            service.create_event(current_user, **data)
            db.session.commit()
        except PosError as exc:
            db.session.rollback()
            show_error(form, exc)
        else:
            saved(_("Event created. It is now the current event."))
            return redirect(url_for("organizer.events"))
    return render_template("organizer/event_form.html", form=form, event=None)


@bp.route("/events/<int:event_id>/edit", methods=["GET", "POST"])
@login_required
def edit_event(event_id: int):
    event = service.get_event(current_user, event_id)
    form = EventForm(obj=event)
    if form.validate_on_submit():
        data = form_data(form, *EVENT_FIELDS)
        data["booth_fee"] = data["booth_fee"] or 0
        data["commission_percent"] = data["commission_percent"] or 0
        if data["catalogue_days_after"] is None:
            data["catalogue_days_after"] = 90
        try:
            service.update_event(current_user, event, data)
            db.session.commit()
        except PosError as exc:
            db.session.rollback()
            show_error(form, exc)
        else:
            saved()
            return redirect(url_for("organizer.events"))
    return render_template("organizer/event_form.html", form=form, event=event)


@bp.post("/events/<int:event_id>/current")
@login_required
def make_current(event_id: int):
    event = service.get_event(current_user, event_id)
    service.set_current_event(current_user, event)
    db.session.commit()
    saved(_("%(name)s is now the current event.", name=event.name))
    return redirect(url_for("organizer.events"))


@bp.get("/exhibitors")
@login_required
def exhibitors():
    require_organizer(current_user)
    q = request.args.get("q", "").strip()
    event = service.current_event(current_user)
    items = service.list_exhibitors(current_user, q=q, event_id=event.id if event else None)
    return render_template("organizer/exhibitors.html", exhibitors=items, q=q, event=event)


@bp.route("/exhibitors/new", methods=["GET", "POST"])
@login_required
def new_exhibitor():
    require_organizer(current_user)
    event = service.current_event(current_user)
    form = ExhibitorForm()
    if form.validate_on_submit():
        data = form_data(form, *EXHIBITOR_FIELDS)
        data["tax_rate_percent"] = data["tax_rate_percent"] or 0
        try:
            exhibitor = service.create_exhibitor(current_user, **data)
            db.session.commit()
        except PosError as exc:
            db.session.rollback()
            show_error(form, exc)
        else:
            saved(_("Exhibitor %(booth)s added.", booth=exhibitor.booth))
            return redirect(url_for("organizer.exhibitors"))
    return render_template("organizer/exhibitor_form.html", form=form, exhibitor=None, event=event)


@bp.route("/exhibitors/<int:exhibitor_id>/edit", methods=["GET", "POST"])
@login_required
def edit_exhibitor(exhibitor_id: int):
    exhibitor = service.get_exhibitor(current_user, exhibitor_id)
    require_organizer(current_user, exhibitor.event)
    form = ExhibitorForm(obj=exhibitor)
    if form.validate_on_submit():
        data = form_data(form, *EXHIBITOR_FIELDS, "active")
        data["tax_rate_percent"] = data["tax_rate_percent"] or 0
        try:
            service.update_exhibitor(current_user, exhibitor, data)
            db.session.commit()
        except PosError as exc:
            db.session.rollback()
            show_error(form, exc)
        else:
            saved()
            return redirect(url_for("organizer.exhibitors"))
    return render_template(
        "organizer/exhibitor_form.html", form=form, exhibitor=exhibitor, event=exhibitor.event
    )
