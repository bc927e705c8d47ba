"""A fair with a public catalogue and one of every thing that must not show in it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from pos.catalogue import service as catalogue_service
from pos.inventory import service as inventory_service
from pos.inventory.models import PENDING, Product
from tests import factories

# Words that only things a buyer must never see hold.
PRIVATE = {
    "phone": "+62 811-0000-7777",
    "owner": "Pemilik Tersembunyi",
    "email": "rahasia@example.com",
    "npwp": "09.876.543.2-100.000",
    "address": "Jalan Rahasia No. 9",
    "buyer": "Pembeli Rahasia",
    "cashier": "Kasir Rahasia",
    "sku": "SKU-RAHASIA",
}
STOCK_FIGURE = 7919  # a stock no page may show, in any writing of it
HIDDEN_PRODUCTS = {
    "pending": "Topeng Belum Disetujui",
    "withdrawn": "Patung Ditarik",
    "not_public": "Keris Tidak Publik",
    "inactive_booth": "Gelang Booth Nonaktif",
    "unpublished_booth": "Kalung Booth Disembunyikan",
    "other_event": "Kain Endek Acara Lain",
}


@dataclass
class Fair:
    event: object
    booth: factories.Booth
    ids: dict[str, int] = field(default_factory=dict)

    @property
    def slug(self) -> str:
        return self.event.slug


def local_today() -> date:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo("Asia/Makassar")).date()


@pytest.fixture
def fair(app, client, db) -> Fair:
    """Booth A1 (Gianyar, Celuk) of a public catalogue with shown products (an endek
    cloth in yellow, a silver ring, a painting by I Ketut Budiana, one sold, one with two
    left), and every kind of thing that must stay out of it."""
    app.config["CATALOGUE_CACHE_SECONDS"] = 0
    today = local_today()
    event = factories.make_event(
        name="Gelar Karya Uji",
        venue="Taman Budaya, Denpasar",
        starts_on=today - timedelta(days=1),
        ends_on=today + timedelta(days=2),
        catalogue_public=True,
        opening_hours="10.00–21.00 WITA",
        slug="gelar-karya-uji",
    )
    booth = factories.Booth(
        event,
        "A1",
        name="Sanggar Tampil",
        region="Gianyar",
        sentra="Sentra Perak Celuk",
        phone=PRIVATE["phone"],
        owner_name=PRIVATE["owner"],
        email=PRIVATE["email"],
        npwp=PRIVATE["npwp"],
        tax_registered=True,
        address=PRIVATE["address"],
    )
    factories.make_user("cashier", booth.exhibitor, display_name=PRIVATE["cashier"])
    catalogue_service.update_profile(
        booth.manager,
        booth.exhibitor,
        {
            "story": "Tiga generasi perajin perak di Celuk.",
            "whatsapp": "0812 3800 1103",
            "instagram": "@sanggar.tampil",
            "show_instagram": False,
        },
    )
    manager = booth.manager
    make = factories.make_product
    ids = {
        "endek": make(
            booth.exhibitor,
            manager,
            sku="END-1",
            name="Kain Tenun Bunga",
            category="endek",
            price=1_150_000,
            stock=STOCK_FIGURE,
            attributes={"motif": "Bunga", "colours": "Kuning, merah"},
        ).id,
        "ring": make(
            booth.exhibitor,
            manager,
            sku=PRIVATE["sku"],
            name="Cincin Perak Granulasi",
            category="jewellery",
            price=525_000,
            stock=12,
            attributes={"material": "Silver 925", "weight_g": 7},
        ).id,
        "painting": make(
            booth.exhibitor,
            manager,
            sku="PTG-9",
            name="Penari Legong",
            category="painting",
            price=12_000_000,
            stock=1,
            one_of_a_kind=True,
            attributes={"artist": "I Ketut Budiana", "medium": "Oil on canvas"},
        ).id,
        "sold": make(booth.exhibitor, manager, sku="SOLD-1", name="Anting Habis", stock=0).id,
        "few": make(booth.exhibitor, manager, sku="FEW-1", name="Bros Tinggal Dua", stock=2).id,
    }
    hidden = {
        "pending": make(booth.exhibitor, manager, sku="PEND-1", name=HIDDEN_PRODUCTS["pending"]),
        "withdrawn": make(booth.exhibitor, manager, sku="WD-1", name=HIDDEN_PRODUCTS["withdrawn"]),
        "not_public": make(
            booth.exhibitor, manager, sku="NP-1", name=HIDDEN_PRODUCTS["not_public"]
        ),
    }
    hidden["pending"].review_status = PENDING
    inventory_service.update_product(manager, hidden["withdrawn"], {"active": False})
    catalogue_service.set_public_products(
        manager,
        booth.exhibitor,
        {p.id for p in db.session.scalars(sa.select(Product)) if p.id != hidden["not_public"].id},
    )
    inactive = factories.make_exhibitor(
        event, booth="B2", name="Sanggar Nonaktif", region="Bangli", active=False
    )
    make(inactive, sku="IN-1", name=HIDDEN_PRODUCTS["inactive_booth"])
    unpublished = factories.make_exhibitor(event, booth="C3", name="Sanggar Disembunyikan")
    make(unpublished, sku="UN-1", name=HIDDEN_PRODUCTS["unpublished_booth"])
    organizer = factories.make_user("organizer")
    catalogue_service.set_published(organizer, unpublished, False)
    other = factories.make_event(name="Acara Lain", catalogue_public=True, slug="acara-lain")
    stranger = factories.make_exhibitor(other, booth="Z9", name="Sanggar Acara Lain")
    make(stranger, sku="OT-1", name=HIDDEN_PRODUCTS["other_event"], category="endek")
    db.session.commit()
    # A sale with a named buyer: nothing of it may show.
    headers = factories.auth_headers(client, booth.cashier)
    answer = client.post(
        "/api/v1/sales",
        json={
            "exhibitor_id": booth.exhibitor.id,
            "items": [{"product_id": ids["ring"], "quantity": 1}],
            "payments": [{"method": "cash", "amount": 525_000}],
            "buyer": {"name": PRIVATE["buyer"]},
        },
        headers=headers | {"Idempotency-Key": str(uuid.uuid4())},
    )
    assert answer.status_code == 201, answer.get_json()
    ids |= {f"hidden_{k}": v.id for k, v in hidden.items()}
    ids |= {"inactive": inactive.id, "unpublished": unpublished.id, "stranger": stranger.id}
    ids["sale_token"] = 0
    fair = Fair(event=event, booth=booth, ids=ids)
    fair.receipt_url = answer.get_json()["public_receipt_url"]
    fair.organizer = organizer
    return fair
