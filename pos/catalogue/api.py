"""The public product search: /api/v1/public/events/<slug>/products, no token."""

from __future__ import annotations

from flask import Blueprint, current_app, request

from pos.api import endpoint
from pos.catalogue import service, views
from pos.catalogue.schemas import ProductSearchQuery, PublicProductList, PublicProductOut

bp = Blueprint("public", __name__, url_prefix="/public")


@endpoint(
    bp,
    "/events/<slug>/products",
    "GET",
    summary="Search the products of an event's public catalogue (no login). Answers "
    "carry an ETag; 304 while the If-None-Match version is current",
    query=ProductSearchQuery,
    response=PublicProductList,
    auth=False,
    conditional=True,
    errors=(404, 410),
)
def search_products(query: ProductSearchQuery, slug: str):
    event, phase = service.public_event(slug)
    hits = service.search_products(event, query.q, query.category)
    after = phase == service.AFTER_FAIR
    items = [
        PublicProductOut(
            product_id=h.product_id,
            name=h.name,
            category=h.category,
            price=h.price,
            booth=h.booth,
            exhibitor=h.exhibitor,
            availability=h.availability,
            after_fair=after,
            url=views.booth_path(event.slug, h.booth),
            contact_url=h.contact.whatsapp_link(h.name),
        )
        for h in hits
    ]
    response = current_app.json.response(PublicProductList(items=items).model_dump(mode="json"))
    return views.public_answer(response, request)
