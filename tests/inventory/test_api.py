"""The catalogue through the JSON API: products, stock adjustments, the stock ledger,
bad input, and exhibitor isolation on every endpoint."""

import pytest
import sqlalchemy as sa

from pos.inventory.models import Product, StockMovement
from tests import factories


@pytest.fixture
def event(db):
    return factories.make_event()


@pytest.fixture
def a(event):
    return factories.Booth(event, "A1")


@pytest.fixture
def b(event):
    return factories.Booth(event, "B1")


def product_body(exhibitor_id, **fields):
    return {
        "exhibitor_id": exhibitor_id,
        "sku": "SR-925-01",
        "name": "Cincin Perak",
        "category": "jewellery",
        "price": 450_000,
        "stock": 12,
        "attributes": {"material": "Silver 925", "weight_g": 6.5},
    } | fields


def count(db, model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_manager_adds_a_product_with_its_opening_stock(client, a, db):
    headers = factories.auth_headers(client, a.manager)
    response = client.post("/api/v1/products", json=product_body(a.exhibitor.id), headers=headers)
    assert response.status_code == 201
    product = response.get_json()
    assert product["price"] == 450_000 and product["stock"] == 12
    assert product["attributes"] == {"material": "Silver 925", "weight_g": 6.5}
    ledger = client.get(f"/api/v1/products/{product['id']}/movements", headers=headers)
    items = ledger.get_json()["items"]
    assert [(m["kind"], m["delta"], m["stock_after"]) for m in items] == [("opening", 12, 12)]
    assert items[0]["user"] == a.manager.username
    assert items[0]["at"].endswith("+08:00")


def test_products_are_listed_searched_and_filtered(client, a):
    headers = factories.auth_headers(client, a.manager)
    client.post("/api/v1/products", json=product_body(a.exhibitor.id), headers=headers)
    url = f"/api/v1/products?exhibitor_id={a.exhibitor.id}"
    everything = client.get(url, headers=headers).get_json()["items"]
    assert len(everything) == 3
    assert [
        p["sku"] for p in client.get(url + "&q=perak", headers=headers).get_json()["items"]
    ] == ["SR-925-01"]
    by_artist = client.get(url + "&q=i%20made", headers=headers).get_json()["items"]
    assert [p["category"] for p in by_artist] == ["painting"]
    paintings = client.get(url + "&category=painting", headers=headers).get_json()["items"]
    assert [p["sku"] for p in paintings] == ["A1-ART"]
    bad = client.get(url + "&category=cars", headers=headers)
    assert bad.status_code == 422


def test_a_cashier_sees_the_booths_products_but_cannot_change_them(client, a, db):
    headers = factories.auth_headers(client, a.cashier)
    listed = client.get(f"/api/v1/products?exhibitor_id={a.exhibitor.id}", headers=headers)
    assert listed.status_code == 200 and len(listed.get_json()["items"]) == 2
    assert client.get("/api/v1/products", headers=headers).status_code == 200
    created = client.post("/api/v1/products", json=product_body(a.exhibitor.id), headers=headers)
    assert created.status_code == 403
    patched = client.patch(f"/api/v1/products/{a.product.id}", json={"price": 1}, headers=headers)
    assert patched.status_code == 403
    adjusted = client.post(
        f"/api/v1/products/{a.product.id}/stock-adjustments",
        json={"delta": 5, "reason": "found"},
        headers=headers,
    )
    assert adjusted.status_code == 403
    db.session.expire_all()
    assert db.session.get(Product, a.product.id).price == 100_000
    assert db.session.get(Product, a.product.id).stock == 5


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"price": -1}, "price"),
        ({"price": 1.5}, "price"),
        ({"price": "100000"}, "price"),
        ({"price": 10**13}, "price"),
        ({"price": None}, "price"),
        ({"price": True}, "price"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"sku": ""}, "sku"),
        ({"sku": "HAS SPACE"}, "sku"),
        ({"category": "cars"}, "category"),
        ({"category": "Painting"}, "category"),
        ({"stock": -3}, "stock"),
        ({"stock": 2.5}, "stock"),
        ({"exhibitor_id": "1"}, "exhibitor_id"),
        ({"attributes": {"karat": 24}}, "attributes.karat"),
        ({"attributes": {"weight_g": -2}}, "attributes.weight_g"),
        ({"attributes": {"weight_g": "heavy"}}, "attributes.weight_g"),
        ({"attributes": {"material": {"nested": 1}}}, "attributes.material"),
        ({"attributes": "silver"}, "attributes"),
        ({"category": "painting", "attributes": {"year": 3024}}, "attributes.year"),
        ({"category": "painting", "one_of_a_kind": True, "stock": 2}, "stock"),
    ],
)
def test_bad_product_input_is_a_4xx_naming_the_field_and_changes_nothing(
    client, a, db, change, field
):
    before = count(db, Product), count(db, StockMovement)
    headers = factories.auth_headers(client, a.manager)
    response = client.post(
        "/api/v1/products", json=product_body(a.exhibitor.id) | change, headers=headers
    )
    assert response.status_code == 422, response.get_json()
    payload = response.get_json()
    named = [f["field"] for f in payload.get("fields", [])] + [payload.get("field")]
    assert any(n == field or (n or "").startswith(field) for n in named), payload
    assert (count(db, Product), count(db, StockMovement)) == before


def test_a_duplicate_sku_within_a_booth_is_a_409_but_fine_at_another_booth(client, a, b, db):
    headers = factories.auth_headers(client, a.manager)
    first = client.post("/api/v1/products", json=product_body(a.exhibitor.id), headers=headers)
    assert first.status_code == 201
    again = client.post("/api/v1/products", json=product_body(a.exhibitor.id), headers=headers)
    assert again.status_code == 409 and again.get_json()["error"] == "duplicate_sku"
    other = client.post(
        "/api/v1/products",
        json=product_body(b.exhibitor.id),
        headers=factories.auth_headers(client, b.manager),
    )
    assert other.status_code == 201


def test_patch_changes_fields_records_stock_corrections_and_audits_prices(client, a, db):
    headers = factories.auth_headers(client, a.manager)
    url = f"/api/v1/products/{a.product.id}"
    response = client.patch(
        url, json={"price": 125_000, "stock": 8, "name": "Keben"}, headers=headers
    )
    assert response.status_code == 200
    body = response.get_json()
    assert (body["price"], body["stock"], body["name"]) == (125_000, 8, "Keben")
    ledger = client.get(url + "/movements", headers=headers).get_json()["items"]
    assert [(m["kind"], m["delta"], m["stock_after"]) for m in ledger] == [
        ("opening", 5, 5),
        ("adjustment", 3, 8),
    ]
    audit = db.session.execute(sa.text("SELECT action FROM audit_entry")).scalars().all()
    assert "price_changed" in audit


def test_patch_renaming_the_sku_onto_another_product_is_a_409(client, a, db):
    headers = factories.auth_headers(client, a.manager)
    response = client.patch(
        f"/api/v1/products/{a.product.id}", json={"sku": a.painting.sku}, headers=headers
    )
    assert response.status_code == 409
    db.session.expire_all()
    assert db.session.get(Product, a.product.id).sku == "A1-1"


def test_patch_with_bad_values_is_a_422(client, a):
    headers = factories.auth_headers(client, a.manager)
    url = f"/api/v1/products/{a.product.id}"
    assert client.patch(url, json={"price": -5}, headers=headers).status_code == 422
    assert client.patch(url, json={"name": None}, headers=headers).status_code == 422
    assert client.patch(url, json={"category": "boats"}, headers=headers).status_code == 422


def test_stock_adjustments_are_ledgered_and_never_take_stock_below_zero(client, a, db):
    headers = factories.auth_headers(client, a.manager)
    url = f"/api/v1/products/{a.product.id}/stock-adjustments"
    received = client.post(
        url, json={"delta": 10, "reason": "Delivery from Celuk"}, headers=headers
    )
    assert received.status_code == 201
    assert received.get_json()["stock_after"] == 15
    too_many = client.post(url, json={"delta": -16, "reason": "Broken"}, headers=headers)
    assert too_many.status_code == 409
    assert too_many.get_json()["error"] == "insufficient_stock"
    assert too_many.get_json()["available"] == 15
    taken = client.post(url, json={"delta": -15, "reason": "Returned to workshop"}, headers=headers)
    assert taken.status_code == 201 and taken.get_json()["stock_after"] == 0
    ledger = client.get(f"/api/v1/products/{a.product.id}/movements", headers=headers)
    items = ledger.get_json()["items"]
    assert [m["delta"] for m in items] == [5, 10, -15]
    assert items[-1]["stock_after"] == 0 == db.session.get(Product, a.product.id).stock
    assert [m["reason"] for m in items[1:]] == ["Delivery from Celuk", "Returned to workshop"]


@pytest.mark.parametrize(
    "body",
    [
        {"delta": 0, "reason": "nothing"},
        {"delta": 1, "reason": ""},
        {"delta": 1, "reason": "   "},
        {"delta": 1},
        {"delta": 1.5, "reason": "half"},
        {"delta": "2", "reason": "text"},
        {"delta": 10**9, "reason": "huge"},
    ],
)
def test_bad_stock_adjustments_are_refused(client, a, db, body):
    headers = factories.auth_headers(client, a.manager)
    response = client.post(
        f"/api/v1/products/{a.product.id}/stock-adjustments", json=body, headers=headers
    )
    assert response.status_code == 422
    assert db.session.get(Product, a.product.id).stock == 5


def test_a_one_of_a_kind_painting_never_holds_more_than_one(client, a):
    headers = factories.auth_headers(client, a.manager)
    response = client.post(
        f"/api/v1/products/{a.painting.id}/stock-adjustments",
        json={"delta": 1, "reason": "second copy?"},
        headers=headers,
    )
    assert response.status_code == 409
    assert response.get_json()["error"] == "one_of_a_kind"


def test_unknown_product_is_a_404(client, a):
    headers = factories.auth_headers(client, a.manager)
    assert client.get("/api/v1/products/99999", headers=headers).status_code == 404
    assert client.patch("/api/v1/products/99999", json={}, headers=headers).status_code == 404


# --- isolation: booth A's people against booth B's things, on every endpoint -------------


def isolation_calls(b):
    pid, eid = b.product.id, b.exhibitor.id
    return [
        ("get", f"/api/v1/products?exhibitor_id={eid}", None),
        ("get", f"/api/v1/products/{pid}", None),
        ("patch", f"/api/v1/products/{pid}", {"price": 1, "name": "Mine now"}),
        ("post", f"/api/v1/products/{pid}/stock-adjustments", {"delta": -5, "reason": "x"}),
        ("get", f"/api/v1/products/{pid}/movements", None),
        ("post", "/api/v1/products", product_body(eid, sku="INTRUDER")),
        ("get", f"/api/v1/exhibitors/{eid}", None),
        ("patch", f"/api/v1/exhibitors/{eid}", {"phone": "+62 000"}),
    ]


@pytest.mark.parametrize("role", ["manager", "cashier"])
def test_booth_a_can_never_read_or_change_booth_bs_things_through_the_api(client, a, b, db, role):
    user = getattr(a, role)
    headers = factories.auth_headers(client, user)
    before = (count(db, Product), count(db, StockMovement))
    for method, url, body in isolation_calls(b):
        response = getattr(client, method)(url, json=body, headers=headers)
        assert response.status_code == 403, (method, url, response.status_code)
        assert response.get_json()["message"] == "You do not have access to this exhibitor."
        assert b.product.name.encode() not in response.data
    db.session.expire_all()
    product = db.session.get(Product, b.product.id)
    assert (product.price, product.stock, product.name) == (100_000, 5, b.product.name)
    assert (count(db, Product), count(db, StockMovement)) == before
    mine = client.get("/api/v1/products", headers=headers).get_json()["items"]
    assert {p["exhibitor_id"] for p in mine} == {a.exhibitor.id}


def test_organizer_reaches_every_booth(client, a, b):
    headers = factories.auth_headers(client, factories.make_user("organizer"))
    for booth in (a, b):
        response = client.patch(
            f"/api/v1/products/{booth.product.id}", json={"price": 99_000}, headers=headers
        )
        assert response.status_code == 200
    listed = client.get("/api/v1/products", headers=headers).get_json()["items"]
    assert {p["exhibitor_id"] for p in listed} == {a.exhibitor.id, b.exhibitor.id}


def test_an_organizer_tied_to_another_event_cannot_reach_this_ones_booths(client, a, db):
    other = factories.make_event(name="Another fair")
    outsider = factories.make_user("organizer")
    outsider.event_id = other.id
    db.session.commit()
    headers = factories.auth_headers(client, outsider)
    assert client.get(f"/api/v1/products/{a.product.id}", headers=headers).status_code == 403
    assert client.get("/api/v1/exhibitors", headers=headers).get_json()["items"] == []


def test_curation_holds_a_booths_new_product_until_an_organizer_approves(client, db):
    event = factories.make_event(requires_curation=True)
    booth = factories.Booth(event, "C1")
    headers = factories.auth_headers(client, booth.manager)
    response = client.post(
        "/api/v1/products", json=product_body(booth.exhibitor.id), headers=headers
    )
    assert response.get_json()["review_status"] == "pending"
    assert response.get_json()["sellable"] is False
