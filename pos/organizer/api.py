"""JSON events and exhibitors: /api/v1/events, /api/v1/exhibitors."""

from __future__ import annotations

from flask import Blueprint

from pos.api import endpoint
from pos.extensions import db
from pos.organizer import service
from pos.organizer.schemas import (
    EventIn,
    EventList,
    EventOut,
    ExhibitorIn,
    ExhibitorList,
    ExhibitorOut,
    ExhibitorPatch,
    ExhibitorQuery,
)

bp = Blueprint("organizer_api", __name__)


@endpoint(bp, "/events", "GET", summary="Events the organizer runs", response=EventList)
def list_events(user):
    return EventList(items=[EventOut.from_model(e) for e in service.list_events(user)]).model_dump(
        mode="json"
    )


@endpoint(
    bp, "/events", "POST", summary="Create an event", body=EventIn, response=EventOut, status=201
)
def create_event(user, body: EventIn):
    data = body.model_dump()
    event = service.create_event(user, make_current=data.pop("make_current"), **data)
    db.session.commit()
    return EventOut.from_model(event).model_dump(mode="json"), 201


@endpoint(
    bp,
    "/exhibitors",
    "GET",
    summary="Exhibitors: organizers see all, others their own",
    query=ExhibitorQuery,
    response=ExhibitorList,
)
def list_exhibitors(user, query: ExhibitorQuery):
    items = service.list_exhibitors(user, q=query.q, event_id=query.event_id)
    return ExhibitorList(items=[ExhibitorOut.from_model(e) for e in items]).model_dump()


@endpoint(
    bp,
    "/exhibitors",
    "POST",
    summary="Add an exhibitor to an event (the current one by default)",
    body=ExhibitorIn,
    response=ExhibitorOut,
    status=201,
    errors=(409,),
)
def create_exhibitor(user, body: ExhibitorIn):
    exhibitor = service.create_exhibitor(user, **body.model_dump(exclude_none=True))
    db.session.commit()
    return ExhibitorOut.from_model(exhibitor).model_dump(), 201


@endpoint(
    bp,
    "/exhibitors/<int:exhibitor_id>",
    "GET",
    summary="One exhibitor",
    response=ExhibitorOut,
    errors=(404,),
)
def get_exhibitor(user, exhibitor_id: int):
    return ExhibitorOut.from_model(service.get_exhibitor(user, exhibitor_id)).model_dump()


@endpoint(
    bp,
    "/exhibitors/<int:exhibitor_id>",
    "PATCH",
    summary="Change an exhibitor",
    body=ExhibitorPatch,
    response=ExhibitorOut,
    errors=(404, 409),
)
def update_exhibitor(user, exhibitor_id: int, body: ExhibitorPatch):
    exhibitor = service.get_exhibitor(user, exhibitor_id)
    service.update_exhibitor(user, exhibitor, body.model_dump(exclude_unset=True))
    db.session.commit()
    return ExhibitorOut.from_model(exhibitor).model_dump()
