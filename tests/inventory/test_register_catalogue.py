"""The register's catalogue, GET /api/v1/register/catalogue: the booth's sellable
products with only what the register draws, and an ETag that makes its 20-second
refresh an empty 304 until a product is added, changed, taken out of sale or sold."""

import io
import uuid

import pytest
from PIL import Image

from tests import factories

REGISTER_FIELDS = {
    "id",
    "sku",
    "name",
    "category",
    "price",
    "stock",
    "one_of_a_kind",
    "low_stock_threshold",
    "thumbnail_url",
    "photo_url",
    "attributes",
    "description",
}


@pytest.fixture
def event(db):
    return factories.make_event()


@pytest.fixture
def a(event):
    return factories.Booth(event, "A1")


@pytest.fixture
def b(event):
    return factories.Booth(event, "B1")


def url(booth) -> str:
    return f"/api/v1/register/catalogue?exhibitor_id={booth.exhibitor.id}"


def sell_one(client, booth, product_id):
    headers = factories.auth_headers(client, booth.cashier) | {"Idempotency-Key": str(uuid.uuid4())}
    body = {
        "exhibitor_id": booth.exhibitor.id,
        "items": [{"product_id": product_id, "quantity": 1}],
        "payments": [{"method": "cash", "amount": 100_000}],
    }
    response = client.post("/api/v1/sales", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (400, 300), (150, 80, 40)).save(out, "JPEG")
    return out.getvalue()


def test_the_catalogue_holds_the_sellable_products_with_only_what_the_register_draws(
    client, a, event
):
    manager = factories.auth_headers(client, a.manager)
    organizer = factories.auth_headers(client, factories.make_user("organizer"))
    # A product the organizer turned down is not for sale.
    rejected = factories.make_product(a.exhibitor, a.manager, sku="A1-NO")
    review = client.post(
        f"/api/v1/products/{rejected.id}/review",
        json={"decision": "reject", "note": "Foto buram"},
        headers=organizer,
    )
    assert review.get_json()["review_status"] == "rejected"
    retired = factories.make_product(a.exhibitor, a.manager, sku="A1-OLD")
    client.patch(f"/api/v1/products/{retired.id}", json={"active": False}, headers=manager)
    client.patch(
        f"/api/v1/products/{a.product.id}",
        json={"description": "Anyaman bambu", "low_stock_threshold": 2},
        headers=manager,
    )
    photo = client.put(
        f"/api/v1/products/{a.painting.id}/photo",
        data={"file": (io.BytesIO(jpeg()), "lukisan.jpg")},
        headers=organizer,
        content_type="multipart/form-data",
    )
    assert photo.status_code == 200

    response = client.get(url(a), headers=factories.auth_headers(client, a.cashier))

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    items = response.get_json()["items"]
    assert [p["sku"] for p in items] == ["A1-1", "A1-ART"]
    assert all(set(p) == REGISTER_FIELDS for p in items)
    craft, painting = items
    assert craft == {
        "id": a.product.id,
        "sku": "A1-1",
        "name": craft["name"],
        "category": "craft",
        "price": 100_000,
        "stock": 5,
        "one_of_a_kind": False,
        "low_stock_threshold": 2,
        "thumbnail_url": None,
        "photo_url": None,
        "attributes": {},
        "description": "Anyaman bambu",
    }
    assert (painting["price"], painting["stock"], painting["one_of_a_kind"]) == (
        5_000_000,
        1,
        True,
    )
    assert painting["attributes"] == {"artist": "I Made", "medium": "Oil"}
    # The same photo addresses as the product itself has.
    product = client.get(f"/api/v1/products/{a.painting.id}", headers=manager).get_json()
    assert painting["thumbnail_url"] == product["thumbnail_url"]
    assert painting["photo_url"] == product["photo_url"]
    assert painting["thumbnail_url"].endswith("-thumb.jpg")


def test_an_unchanged_catalogue_answers_304_and_a_sale_changes_its_etag(client, a):
    cashier = factories.auth_headers(client, a.cashier)
    first = client.get(url(a), headers=cashier)
    etag = first.headers["ETag"]
    assert etag.startswith('W/"')

    unchanged = client.get(url(a), headers=cashier | {"If-None-Match": etag})
    assert unchanged.status_code == 304
    assert unchanged.data == b""
    assert unchanged.headers["ETag"] == etag

    sell_one(client, a, a.product.id)

    after_sale = client.get(url(a), headers=cashier | {"If-None-Match": etag})
    assert after_sale.status_code == 200
    assert after_sale.headers["ETag"] != etag
    stock = {p["sku"]: p["stock"] for p in after_sale.get_json()["items"]}
    assert stock == {"A1-1": 4, "A1-ART": 1}
    again = client.get(url(a), headers=cashier | {"If-None-Match": after_sale.headers["ETag"]})
    assert again.status_code == 304


@pytest.mark.parametrize(
    "change",
    ["price", "stock adjustment", "taken out of sale", "photo", "new product"],
)
def test_every_change_the_register_shows_gives_a_new_etag(client, a, change):
    cashier = factories.auth_headers(client, a.cashier)
    manager = factories.auth_headers(client, a.manager)
    etag = client.get(url(a), headers=cashier).headers["ETag"]
    product = f"/api/v1/products/{a.product.id}"
    if change == "price":
        client.patch(product, json={"price": 120_000}, headers=manager)
    elif change == "stock adjustment":
        client.post(
            f"{product}/stock-adjustments", json={"delta": 4, "reason": "Restock"}, headers=manager
        )
    elif change == "taken out of sale":
        client.patch(product, json={"active": False}, headers=manager)
    elif change == "photo":
        client.put(
            f"{product}/photo",
            data={"file": (io.BytesIO(jpeg()), "foto.jpg")},
            headers=manager,
            content_type="multipart/form-data",
        )
    else:
        organizer = factories.make_user("organizer")
        factories.make_product(a.exhibitor, organizer, sku="A1-2")

    response = client.get(url(a), headers=cashier | {"If-None-Match": etag})

    assert response.status_code == 200
    assert response.headers["ETag"] != etag


def test_another_booth_or_no_booth_is_refused_as_for_the_product_list(client, a, b):
    b_cashier = factories.auth_headers(client, b.cashier)
    assert client.get(url(a), headers=b_cashier).status_code == 403
    assert client.get("/api/v1/register/catalogue").status_code == 401
    organizer = factories.auth_headers(client, factories.make_user("organizer"))
    no_booth = client.get("/api/v1/register/catalogue", headers=organizer)
    assert (no_booth.status_code, no_booth.get_json()["error"]) == (422, "invalid")
    assert client.get(url(a), headers=organizer).status_code == 200
    unknown = client.get("/api/v1/register/catalogue?exhibitor_id=999999", headers=organizer)
    assert unknown.status_code == 404
    # The cashier's own booth without naming it.
    own = client.get("/api/v1/register/catalogue", headers=b_cashier).get_json()["items"]
    assert [p["sku"] for p in own] == ["B1-1", "B1-ART"]
