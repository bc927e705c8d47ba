"""Plain factory functions for test data, going through the services like the app does."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pos.auth import service as auth_service
from pos.auth.models import User
from pos.extensions import db
from pos.inventory import service as inventory_service
from pos.inventory.models import Product
from pos.organizer import service as organizer_service
from pos.organizer.models import Event, Exhibitor

# Long enough for every role and not a common password (pos/auth/passwords.py).
PASSWORD = "tenun-ikat-7391"
_counter = itertools.count(1)


def make_event(**fields: Any) -> Event:
    values = {"name": "Pameran Uji", "timezone": "Asia/Makassar", "currency": "IDR"} | fields
    event = organizer_service.create_event(None, **values)
    db.session.commit()
    return event


def make_exhibitor(event: Event | None = None, **fields: Any) -> Exhibitor:
    n = next(_counter)
    values = {"name": f"Booth business {n}", "booth": f"T{n}"} | fields
    exhibitor = organizer_service.create_exhibitor(
        None, event_id=(event.id if event else None), **values
    )
    db.session.commit()
    return exhibitor


def make_user(role: str = "organizer", exhibitor: Exhibitor | None = None, **fields: Any) -> User:
    n = next(_counter)
    values = {"username": f"{role}-{n}", "password": PASSWORD} | fields
    user = auth_service.create_user(None, role=role, exhibitor=exhibitor, **values)
    db.session.commit()
    return user


def make_product(exhibitor: Exhibitor, actor: User | None = None, **fields: Any) -> Product:
    n = next(_counter)
    actor = actor or make_user("organizer")
    values = {
        "sku": f"SKU-{n}",
        "name": f"Product {n}",
        "category": "craft",
        "price": 100_000,
        "stock": 5,
    } | fields
    product = inventory_service.create_product(actor, exhibitor_id=exhibitor.id, **values)
    db.session.commit()
    return product


def token_for(client, user: User, password: str = PASSWORD) -> str:
    response = client.post(
        "/api/v1/auth/login", json={"username": user.username, "password": password}
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()["token"]


def auth_headers(client, user: User, password: str = PASSWORD) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(client, user, password)}"}


def device_code(client, user: User, exhibitor_id: int) -> str:
    """A new device code of the booth (T1, T2, …), as a tablet gets it."""
    answer = client.post(
        "/api/v1/devices", json={"exhibitor_id": exhibitor_id}, headers=auth_headers(client, user)
    )
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()["device"]


class Booth:
    """An exhibitor with its manager, cashier and a couple of products."""

    def __init__(self, event: Event, booth: str, **fields: Any) -> None:
        self.exhibitor = make_exhibitor(event, booth=booth, **fields)
        self.manager = make_user("manager", self.exhibitor)
        self.cashier = make_user("cashier", self.exhibitor)
        self.product = make_product(self.exhibitor, self.manager, sku=f"{booth}-1")
        self.painting = make_product(
            self.exhibitor,
            self.manager,
            sku=f"{booth}-ART",
            category="painting",
            price=5_000_000,
            stock=1,
            one_of_a_kind=True,
            attributes={"artist": "I Made", "medium": "Oil"},
        )


def earlier_today(minutes: int, timezone: str = "Asia/Makassar") -> datetime:
    """A moment ``minutes`` ago, but never before the event's local midnight: a sale
    made "a while ago" must stay on today's page whatever the wall clock says (at
    00:10 in Makassar, 30 minutes ago is yesterday)."""
    now = datetime.now(UTC)
    midnight = now.astimezone(ZoneInfo(timezone)).replace(hour=0, minute=0, second=0, microsecond=0)
    return max(
        now - timedelta(minutes=minutes), min(now, midnight.astimezone(UTC) + (now - midnight) / 2)
    )


def sell(client, booth: Booth, quantity: int = 1, **extra: Any) -> dict:
    """A cash sale of ``quantity`` of the booth's product by its cashier, through the API
    (each call its own Idempotency-Key); the answer's JSON. ``extra`` goes into the body."""
    body = {
        "exhibitor_id": booth.exhibitor.id,
        "items": [{"product_id": booth.product.id, "quantity": quantity}],
        "payments": [{"method": "cash", "amount": 100_000 * quantity}],
    } | extra
    headers = auth_headers(client, booth.cashier) | {"Idempotency-Key": str(uuid.uuid4())}
    answer = client.post("/api/v1/sales", json=body, headers=headers)
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()
