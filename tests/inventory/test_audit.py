"""What the audit log keeps of the catalogue: products created (one by one and by
import), withdrawn from sale and brought back, and their photos uploaded and removed."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from PIL import Image

from pos.auth.models import AuditEntry
from pos.extensions import db
from tests import factories

TABLET = "192.168.8.31"


@pytest.fixture
def booth(db):
    return factories.Booth(factories.make_event(), "B12")


@pytest.fixture
def manager(client, booth):
    return factories.auth_headers(client, booth.manager)


def entries(action: str) -> list[AuditEntry]:
    db.session.rollback()
    return list(
        db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        )
    )


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, "JPEG")
    return out.getvalue()


def test_a_new_product_is_audited_with_its_sku_price_and_stock(client, booth, manager):
    response = client.post(
        "/api/v1/products",
        json={
            "exhibitor_id": booth.exhibitor.id,
            "sku": "SR-925-01",
            "name": "Cincin Perak",
            "category": "jewellery",
            "price": 450_000,
            "stock": 3,
        },
        headers=manager,
        environ_base={"REMOTE_ADDR": TABLET},
    )
    assert response.status_code == 201
    created = [e for e in entries("product_created") if e.target_id == response.get_json()["id"]]
    [entry] = created
    assert (entry.user_id, entry.exhibitor_id, entry.event_id, entry.ip) == (
        booth.manager.id,
        booth.exhibitor.id,
        booth.exhibitor.event_id,
        TABLET,
    )
    assert entry.details == {
        "sku": "SR-925-01",
        "name": "Cincin Perak",
        "category": "jewellery",
        "price": 450_000,
        "stock": 3,
    }


def test_withdrawing_a_product_and_bringing_it_back_are_audited(client, booth, manager):
    url = f"/api/v1/products/{booth.product.id}"
    assert client.patch(url, json={"active": False}, headers=manager).status_code == 200
    assert client.patch(url, json={"name": "Tas Anyaman"}, headers=manager).status_code == 200
    assert client.patch(url, json={"active": True}, headers=manager).status_code == 200
    [withdrawn] = entries("product_withdrawn")
    [restored] = entries("product_restored")
    for entry in (withdrawn, restored):
        assert (entry.target_type, entry.target_id, entry.user_id) == (
            "product",
            booth.product.id,
            booth.manager.id,
        )
        assert entry.details == {"sku": booth.product.sku}


def test_a_photo_uploaded_replaced_and_removed_is_audited(client, booth, manager):
    url = f"/api/v1/products/{booth.product.id}/photo"
    first = client.put(url, data={"file": (io.BytesIO(jpeg()), "a.jpg")}, headers=manager)
    assert first.status_code == 200
    db.session.rollback()
    key = db.session.get(type(booth.product), booth.product.id).photo
    assert (
        client.delete(url, headers=manager, environ_base={"REMOTE_ADDR": TABLET}).status_code == 200
    )
    assert client.delete(url, headers=manager).status_code == 200  # nothing left: no entry
    [added] = entries("product_photo_set")
    assert (added.target_id, added.details) == (
        booth.product.id,
        {"sku": booth.product.sku, "photo": key, "replaced": None},
    )
    [removed] = entries("product_photo_removed")
    assert (removed.details, removed.ip) == ({"sku": booth.product.sku, "photo": key}, TABLET)


def test_a_refused_photo_writes_no_entry(client, booth, manager):
    url = f"/api/v1/products/{booth.product.id}/photo"
    refused = client.put(url, data={"file": (io.BytesIO(b"not a photo"), "a.jpg")}, headers=manager)
    assert refused.status_code == 422
    assert entries("product_photo_set") == []


def test_an_import_names_the_products_it_created(client, booth, manager):
    csv = "sku,name,category,price,stock\nNEW-1,Tas Baru,craft,50000,2\nB12-1,Tas,craft,90000,5\n"
    response = client.post(
        f"/api/v1/products/import?exhibitor_id={booth.exhibitor.id}",
        data={"file": (io.BytesIO(csv.encode()), "catalogue.csv")},
        headers=manager,
    )
    assert response.status_code == 200, response.get_json()
    [entry] = entries("catalogue_imported")
    assert entry.details["created_skus"] == ["NEW-1"]
