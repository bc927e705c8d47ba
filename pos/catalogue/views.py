"""The fair's public pages: /e/<slug> and /e/<slug>/<booth>, no login."""

from __future__ import annotations

from flask import Blueprint, render_template

from pos.catalogue import service
from pos.catalogue.extras import views_count

bp = Blueprint("catalogue", __name__)


@bp.get("/e/<slug>")
def event_page(slug: str):
    event = service.public_event(slug)
    return render_template("catalogue/event.html", event=event)


@bp.get("/e/<slug>/<booth>")
def booth_page(slug: str, booth: str):
    event = service.public_event(slug)
    exhibitor = service.public_exhibitor(event, booth)
    views_count.note_view(event, exhibitor.id)  # catalogue-extras: a page view, counted
    return render_template("catalogue/booth.html", event=event, exhibitor=exhibitor)
