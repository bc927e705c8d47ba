"""Pages around the public catalogue: the organizer's floor plan (upload it, tap each
booth's place), the QR posters (PDF), and the page views of a booth's products."""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, abort, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from pos.auth.permissions import Action
from pos.catalogue.extras import floorplan, posters, service, views_count
from pos.catalogue.extras.forms import PlaceForm, PlanForm
from pos.catalogue.service import public_event
from pos.errors import Invalid, PosError
from pos.extensions import db
from pos.organizer.service import get_event, get_exhibitor, list_exhibitors
from pos.reports.rendering import render
from pos.web import booth_in_view, saved, show_error

bp = Blueprint("catalogue_extras", __name__)


def pdf(content: bytes, filename: str) -> Response:
    response = Response(content, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- the floor plan (organizers) ----------------------------------------------------------


def _plan_page(event, plan_form=None, place_form=None, status=200):
    plan = floorplan.plan_of(event.id)
    booths = list_exhibitors(current_user, event_id=event.id)
    placed = floorplan.places(event.id)
    place_form = place_form or PlaceForm()
    # The booths without a place first: the next one to tap is already chosen.
    ordered = sorted(booths, key=lambda e: (e.id in placed, e.booth))
    place_form.exhibitor_id.choices = [(e.id, e.label) for e in ordered]
    drawing = None
    if plan is not None:
        src = url_for("catalogue_extras.plan_image", event_id=event.id, name=f"{plan.image}.jpg")
        drawing = floorplan.drawing(plan, src, booths)
    return (
        render_template(
            "catalogue/plan_organizer.html",
            event=event,
            plan=plan,
            drawing=drawing,
            booths=sorted(booths, key=lambda e: e.booth),
            placed=placed,
            plan_form=plan_form or PlanForm(),
            place_form=place_form,
        ),
        status,
    )


@bp.get("/events/<int:event_id>/floor-plan")
@login_required
def floor_plan(event_id: int):
    return _plan_page(get_event(current_user, event_id))


@bp.post("/events/<int:event_id>/floor-plan")
@login_required
def upload_plan(event_id: int):
    event = get_event(current_user, event_id)
    form = PlanForm()
    if not form.validate_on_submit():
        return _plan_page(event, plan_form=form, status=422)
    try:
        floorplan.set_plan(current_user, event, form.photo.data.read())
        db.session.commit()
    except PosError as exc:
        db.session.rollback()
        show_error(form, exc)
        return _plan_page(event, plan_form=form, status=exc.status)
    saved(_("Floor plan saved. Now tap the plan to place each booth."))
    return redirect(url_for("catalogue_extras.floor_plan", event_id=event.id))


@bp.post("/events/<int:event_id>/floor-plan/places")
@login_required
def place_booth(event_id: int):
    event = get_event(current_user, event_id)
    form = PlaceForm()
    if floorplan.plan_of(event.id) is None:  # the place form shows only beside a plan
        show_error(None, Invalid(_("Upload the floor plan first."), code="no_floor_plan"))
        return _plan_page(event, place_form=form, status=422)
    booths = list_exhibitors(current_user, event_id=event.id)
    form.exhibitor_id.choices = [(e.id, e.label) for e in booths]
    if not form.validate_on_submit():
        return _plan_page(event, place_form=form, status=422)
    exhibitor = get_exhibitor(current_user, form.exhibitor_id.data)
    try:
        floorplan.place_booth(
            current_user, exhibitor, float(form.x.data) / 100, float(form.y.data) / 100
        )
        db.session.commit()
    except PosError as exc:
        db.session.rollback()
        show_error(form, exc)
        return _plan_page(event, place_form=form, status=exc.status)
    saved(_("Booth %(booth)s placed on the plan.", booth=exhibitor.booth))
    return redirect(url_for("catalogue_extras.floor_plan", event_id=event.id))


@bp.post("/events/<int:event_id>/floor-plan/places/<int:exhibitor_id>/remove")
@login_required
def remove_place(event_id: int, exhibitor_id: int):
    event = get_event(current_user, event_id)
    exhibitor = get_exhibitor(current_user, exhibitor_id)
    if exhibitor.event_id != event.id:
        abort(404)
    floorplan.remove_place(current_user, exhibitor)  # a button: the CSRF token is checked app-wide
    db.session.commit()
    saved(_("Booth %(booth)s taken off the plan.", booth=exhibitor.booth))
    return redirect(url_for("catalogue_extras.floor_plan", event_id=event.id))


def send_plan(name: str) -> Response:
    """The plan's picture; named by the hash of its upload, so kept a year."""
    match = floorplan.PLAN_NAME.match(name)
    if match is None:
        abort(404)
    path = floorplan.plan_path(match["key"])
    if not path.is_file():
        abort(404)
    return send_file(path, mimetype="image/jpeg", conditional=True, etag=True, max_age=31536000)


@bp.get("/events/<int:event_id>/floor-plan/<name>")
@login_required
def plan_image(event_id: int, name: str):
    event = get_event(current_user, event_id)
    plan = floorplan.plan_of(event.id)
    if plan is None or name != f"{plan.image}.jpg":
        abort(404)
    response = send_plan(name)
    response.headers["Cache-Control"] = "private, max-age=31536000, immutable"
    return response


# --- the public pages' plan ---------------------------------------------------------------


@bp.get("/e/<slug>/plan/<name>")
def public_plan_image(slug: str, name: str):
    """The plan's picture on the public pages (no login), while the catalogue is public."""
    event, _phase = public_event(slug)
    plan = floorplan.plan_of(event.id)
    if plan is None or name != f"{plan.image}.jpg":
        abort(404)
    response = send_plan(name)
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


@bp.app_template_global()
def public_floor_plan(
    event, booth: str | None = None, suffix: str = ""
) -> floorplan.PlanDrawing | None:
    """The fair's plan for the public pages: every listed booth a link to its page (with
    ``suffix``, the page's ``?lang=``), and the booth coded ``booth`` marked; None while
    the event has no plan."""
    plan = floorplan.plan_of(event.id)
    if plan is None:
        return None
    src = url_for("catalogue_extras.public_plan_image", slug=event.slug, name=f"{plan.image}.jpg")
    # Built once: url_for per booth would cost more than the rest of a marker.
    head, _booth, tail = url_for("catalogue.booth_page", slug=event.slug, booth="BOOTH").rpartition(
        "BOOTH"
    )
    booths = floorplan.public_booths(event.id)
    here = next((e.id for e in booths if e.booth == booth), None)
    return floorplan.drawing(
        plan,
        src,
        booths,
        href=lambda e: f"{head}{quote(e.booth, safe='')}{tail}{suffix}",
        here=here,
    )


# --- posters ------------------------------------------------------------------------------


@bp.get("/exhibitors/<int:exhibitor_id>/poster.pdf")
@login_required
def booth_poster(exhibitor_id: int):
    """A booth's QR poster: its organizers and its manager."""
    exhibitor = get_exhibitor(current_user, exhibitor_id, Action.MANAGE)
    poster = service.booth_poster(current_user, exhibitor)
    filename = f"poster-{exhibitor.event_id}-{exhibitor.id}.pdf"
    return pdf(posters.render_booth_posters([poster], _("Booth poster")), filename)


@bp.get("/events/<int:event_id>/posters.pdf")
@login_required
def booth_posters(event_id: int):
    """Every active booth's poster, a page each: rendered in the niced helper process
    (a national fair's 1,500 pages take seconds), after the read transaction ended."""
    event = get_event(current_user, event_id)
    items = service.booth_posters(current_user, event)
    content = render(posters.render_booth_posters, items, _("Booth posters"))
    return pdf(content, f"posters-{event_id}.pdf")


@bp.get("/events/<int:event_id>/entrance-poster.pdf")
@login_required
def entrance_poster(event_id: int):
    event = get_event(current_user, event_id)
    poster = service.entrance_poster(current_user, event)
    content = posters.render_entrance_poster(poster, _("Entrance poster"))
    return pdf(content, f"entrance-{event_id}.pdf")


# --- page views ---------------------------------------------------------------------------


@bp.get("/page-views")
@login_required
def page_views():
    """Which of a booth's products draw interest in the public catalogue: its manager's
    own booth, or the one an organizer picked (``?exhibitor_id=``)."""
    exhibitor = booth_in_view(Action.REPORT)
    if exhibitor is None:
        return redirect(url_for("reports.dashboard"))
    views_count.write_waiting()
    exhibitor = get_exhibitor(current_user, exhibitor.id, Action.REPORT)
    return render_template(
        "catalogue/plan_page_views.html",
        exhibitor=exhibitor,
        figures=views_count.product_views(current_user, exhibitor),
    )
