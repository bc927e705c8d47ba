"""The fair's public pages: /e/<slug> and /e/<slug>/<booth>, no login."""

from __future__ import annotations

from flask import Blueprint, render_template

from pos.catalogue import service

bp = Blueprint("catalogue", __name__)


@bp.get("/e/<slug>")
def event_page(slug: str):
    event = service.public_event(slug)
    return render_template("catalogue/event.html", event=event)


@bp.get("/e/<slug>/<booth>")
def booth_page(slug: str, booth: str):
    event = service.public_event(slug)
    exhibitor = service.public_exhibitor(event, booth)
    return render_template("catalogue/booth.html", event=event, exhibitor=exhibitor)
