"""Recording a sale through the JSON API, as API.md's "Recording a sale" fixes it:
exact totals, all or nothing, idempotency, refusals that change nothing, voids,
refunds and shifts."""

import uuid

import pytest
import sqlalchemy as sa

from pos.inventory.models import Product, StockMovement
from pos.sales.models import DocumentCounter, IdempotencyKey, Payment, Refund, Sale, SaleLine
from tests import factories


@pytest.fixture
def event(db):
    return factories.make_event()


@pytest.fixture
def booth(event):
    return factories.Booth(event, "B12")


@pytest.fixture
def other(event):
    return factories.Booth(event, "C07")


def sell(client, user, body, key=None):
    headers = factories.auth_headers(client, user) | {"Idempotency-Key": key or str(uuid.uuid4())}
    return client.post("/api/v1/sales", json=body, headers=headers)


def cart(booth, *items, payments=None, **extra):
    items = items or ({"product_id": booth.product.id, "quantity": 1},)
    return {
        "exhibitor_id": booth.exhibitor.id,
        "items": list(items),
        "payments": payments or [{"method": "cash", "amount": 10_000_000}],
    } | extra


def counts(db):
    return {
        model.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (Sale, SaleLine, Payment, StockMovement, IdempotencyKey)
    } | {
        "stock": db.session.scalar(sa.select(sa.func.sum(Product.stock))),
        "counter": db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(DocumentCounter.last_seq), 0))
        ),
    }


def test_a_split_cash_and_qris_sale_with_discounts_has_exact_totals(client, booth, db):
    body = cart(
        booth,
        {"product_id": booth.product.id, "quantity": 2, "discount_percent": 10},
        {"product_id": booth.painting.id, "quantity": 1, "discount_amount": 250_000},
        discount_amount=5_000,
        payments=[
            {"method": "cash", "amount": 1_000_000},
            {"method": "qris", "amount": 4_000_000, "reference": "QR-778"},
        ],
        buyer={"name": "Ayu", "phone": "+62812555", "origin": "domestic"},
    )
    response = sell(client, booth.cashier, body)
    assert response.status_code == 201, response.get_json()
    sale = response.get_json()
    assert sale["receipt_number"] == "B12-000001"
    assert sale["status"] == "completed"
    assert sale["created_at"].endswith("+08:00")
    assert [
        (ln["unit_price"], ln["quantity"], ln["discount"], ln["total"]) for ln in sale["lines"]
    ] == [
        (100_000, 2, 20_000, 180_000),
        (5_000_000, 1, 250_000, 4_750_000),
    ]
    assert sale["subtotal"] == 5_200_000
    assert sale["discount_total"] == 275_000  # 20,000 + 250,000 + 5,000
    assert sale["total"] == 4_925_000
    assert sale["tax_total"] == 0
    assert (sale["paid"], sale["change"]) == (5_000_000, 75_000)
    assert sale["payments"][0] == {
        "method": "cash",
        "amount": 1_000_000,
        "change": 75_000,
        "reference": "",
    }
    assert sale["payments"][1]["reference"] == "QR-778"
    assert sale["buyer"]["name"] == "Ayu"
    assert sale["receipt_url"] == f"/api/v1/sales/{sale['id']}/receipt.pdf"
    assert (
        sale["public_receipt_url"].startswith("/r/") and len(sale["public_receipt_url"]) >= 3 + 22
    )
    assert sum(ln["net"] for ln in sale["lines"]) == sale["total"]


def test_a_tax_registered_booth_charges_ppn_inside_the_price(client, event):
    pkp = factories.Booth(event, "P1", tax_registered=True, tax_rate_percent=11)
    response = sell(
        client,
        pkp.cashier,
        cart(
            pkp,
            {"product_id": pkp.product.id, "quantity": 4},
            payments=[{"method": "card", "amount": 400_000}],
        ),
    )
    sale = response.get_json()
    # 400,000 × 100 / 111 = 360,360.36 → base 360,360, PPN 39,640
    assert (sale["total"], sale["tax_total"]) == (400_000, 39_640)


def test_stock_goes_down_with_a_ledger_row_for_each_product(client, booth, db):
    response = sell(
        client, booth.cashier, cart(booth, {"product_id": booth.product.id, "quantity": 3})
    )
    sale_id = response.get_json()["id"]
    assert db.session.get(Product, booth.product.id).stock == 2
    movement = db.session.scalars(
        sa.select(StockMovement).where(StockMovement.sale_id == sale_id)
    ).one()
    assert (movement.kind, movement.delta, movement.stock_after) == ("sale", -3, 2)


def test_the_answer_is_the_same_sale_as_get_returns(client, booth):
    sale = sell(client, booth.cashier, cart(booth)).get_json()
    headers = factories.auth_headers(client, booth.cashier)
    assert client.get(f"/api/v1/sales/{sale['id']}", headers=headers).get_json() == sale
    listed = client.get(f"/api/v1/sales?exhibitor_id={booth.exhibitor.id}", headers=headers)
    assert listed.get_json()["items"] == [sale]


def test_sales_list_by_event_local_day(client, booth):
    sale = sell(client, booth.cashier, cart(booth)).get_json()
    headers = factories.auth_headers(client, booth.manager)
    url = f"/api/v1/sales?exhibitor_id={booth.exhibitor.id}&date="
    assert client.get(url + sale["business_date"], headers=headers).get_json()["items"] == [sale]
    assert client.get(url + "2020-01-01", headers=headers).get_json()["items"] == []
    assert client.get(url + "yesterday", headers=headers).status_code == 422


def test_receipt_numbers_count_up_per_exhibitor(client, booth, other):
    numbers = [
        sell(client, booth.cashier, cart(booth)).get_json()["receipt_number"] for _ in range(3)
    ]
    assert numbers == ["B12-000001", "B12-000002", "B12-000003"]
    assert sell(client, other.cashier, cart(other)).get_json()["receipt_number"] == "C07-000001"


# --- idempotency ------------------------------------------------------------------------


def test_the_same_key_and_body_answers_the_same_and_records_one_sale(client, booth, db):
    body = cart(booth)
    first = sell(client, booth.cashier, body, key="tablet-7-attempt-1")
    again = sell(client, booth.cashier, body, key="tablet-7-attempt-1")
    assert (again.status_code, again.get_json()) == (first.status_code, first.get_json())
    assert db.session.scalar(sa.select(sa.func.count(Sale.id))) == 1


def test_the_same_key_with_another_body_is_refused(client, booth, db):
    sell(client, booth.cashier, cart(booth), key="k-1")
    response = sell(
        client,
        booth.cashier,
        cart(booth, {"product_id": booth.product.id, "quantity": 2}),
        key="k-1",
    )
    assert response.status_code == 422
    assert response.get_json()["error"] == "idempotency_key_reused"
    assert db.session.scalar(sa.select(sa.func.count(Sale.id))) == 1


def test_a_missing_idempotency_key_is_a_400(client, booth, db):
    headers = factories.auth_headers(client, booth.cashier)
    response = client.post("/api/v1/sales", json=cart(booth), headers=headers)
    assert response.status_code == 400
    assert response.get_json()["error"] == "idempotency_key_missing"
    blank = client.post(
        "/api/v1/sales", json=cart(booth), headers=headers | {"Idempotency-Key": "  "}
    )
    assert blank.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(Sale.id))) == 0


def test_keys_are_scoped_to_the_exhibitor(client, booth, other):
    first = sell(client, booth.cashier, cart(booth), key="shared-key")
    second = sell(client, other.cashier, cart(other), key="shared-key")
    assert first.status_code == second.status_code == 201
    assert first.get_json()["id"] != second.get_json()["id"]


# --- refusals that change nothing --------------------------------------------------------


def bad_orders(booth, other):
    pid = booth.product.id
    return [
        ("zero quantity", {"items": [{"product_id": pid, "quantity": 0}]}, 422),
        ("negative quantity", {"items": [{"product_id": pid, "quantity": -1}]}, 422),
        ("fractional quantity", {"items": [{"product_id": pid, "quantity": 1.5}]}, 422),
        ("huge quantity", {"items": [{"product_id": pid, "quantity": 10**12}]}, 422),
        ("text quantity", {"items": [{"product_id": pid, "quantity": "2"}]}, 422),
        ("no items", {"items": []}, 422),
        ("unknown product", {"items": [{"product_id": 999_999, "quantity": 1}]}, 422),
        (
            "another booth's product",
            {"items": [{"product_id": other.product.id, "quantity": 1}]},
            422,
        ),
        ("more than in stock", {"items": [{"product_id": pid, "quantity": 6}]}, 409),
        (
            "discount over 100 %",
            {"items": [{"product_id": pid, "quantity": 1, "discount_percent": 101}]},
            422,
        ),
        (
            "discount over the line",
            {"items": [{"product_id": pid, "quantity": 1, "discount_amount": 100_001}]},
            422,
        ),
        (
            "negative discount",
            {"items": [{"product_id": pid, "quantity": 1, "discount_amount": -5}]},
            422,
        ),
        (
            "both discounts",
            {
                "items": [
                    {"product_id": pid, "quantity": 1, "discount_amount": 5, "discount_percent": 5}
                ]
            },
            422,
        ),
        ("order discount over the total", {"discount_amount": 100_001}, 422),
        ("unknown method", {"payments": [{"method": "bitcoin", "amount": 100_000}]}, 422),
        ("zero payment", {"payments": [{"method": "cash", "amount": 0}]}, 422),
        ("negative payment", {"payments": [{"method": "cash", "amount": -100_000}]}, 422),
        ("fractional payment", {"payments": [{"method": "cash", "amount": 100_000.5}]}, 422),
        ("text payment", {"payments": [{"method": "cash", "amount": "100000"}]}, 422),
        ("short payment", {"payments": [{"method": "cash", "amount": 99_999}]}, 422),
        ("card overpaid", {"payments": [{"method": "card", "amount": 150_000}]}, 422),
        ("no payments", {"payments": []}, 422),
        ("bad buyer email", {"buyer": {"email": "not-an-email"}}, 422),
        ("items not a list", {"items": {"product_id": pid}}, 422),
    ]


def test_every_bad_order_is_refused_and_nothing_is_recorded_nor_a_number_used(
    client, booth, other, db
):
    before = counts(db)
    for label, change, status in bad_orders(booth, other):
        response = sell(client, booth.cashier, cart(booth) | change)
        assert response.status_code == status, (label, response.get_json())
        payload = response.get_json()
        assert payload["error"] and payload["message"], label
        assert counts(db) == before, label
    assert sell(client, booth.cashier, cart(booth)).get_json()["receipt_number"] == "B12-000001"


def test_an_insufficient_stock_refusal_names_the_product_and_what_is_left(client, booth):
    response = sell(
        client, booth.cashier, cart(booth, {"product_id": booth.product.id, "quantity": 9})
    )
    assert response.status_code == 409
    assert response.get_json() | {"message": ""} == {
        "error": "insufficient_stock",
        "message": "",
        "product_id": booth.product.id,
        "available": 5,
    }


def test_short_payment_is_insufficient_payment(client, booth):
    response = sell(
        client, booth.cashier, cart(booth, payments=[{"method": "qris", "amount": 50_000}])
    )
    assert response.status_code == 422
    assert response.get_json()["error"] == "insufficient_payment"


def test_malformed_deep_or_non_json_bodies_are_refused(client, booth, db):
    headers = factories.auth_headers(client, booth.cashier) | {"Idempotency-Key": "x"}
    for data, content_type, status in [
        ('{"exhibitor_id": 1, "items": [', "application/json", 400),
        ("[" * 3000 + "]" * 3000, "application/json", 400),
        ("exhibitor_id=1", "application/x-www-form-urlencoded", 415),
        ("<sale/>", "text/xml", 415),
    ]:
        response = client.post(
            "/api/v1/sales", data=data, content_type=content_type, headers=headers
        )
        assert response.status_code == status
    assert db.session.scalar(sa.select(sa.func.count(Sale.id))) == 0


def test_a_one_of_a_kind_painting_is_never_sold_twice(client, booth):
    body = cart(booth, {"product_id": booth.painting.id, "quantity": 1})
    assert sell(client, booth.cashier, body).status_code == 201
    again = sell(client, booth.cashier, body)
    assert again.status_code == 409 and again.get_json()["available"] == 0


def test_a_product_awaiting_curation_cannot_be_sold(client, db):
    event = factories.make_event(requires_curation=True)
    booth = factories.Booth(event, "Q1")
    pending = factories.make_product(booth.exhibitor, booth.manager, sku="NEW-1")
    assert pending.review_status == "pending"
    response = sell(client, booth.cashier, cart(booth, {"product_id": pending.id, "quantity": 1}))
    assert response.status_code == 409 and response.get_json()["error"] == "not_sellable"


def test_a_cashiers_discount_is_capped_by_the_event_but_a_managers_is_not(client, booth, db):
    over = cart(booth, {"product_id": booth.product.id, "quantity": 1, "discount_percent": 15})
    refused = sell(client, booth.cashier, over)
    assert refused.status_code == 403 and refused.get_json()["error"] == "discount_limit_exceeded"
    assert sell(client, booth.manager, over).status_code == 201
    within = cart(booth, {"product_id": booth.product.id, "quantity": 1, "discount_percent": 10})
    assert sell(client, booth.cashier, within).status_code == 201


def test_a_cashier_cannot_stack_line_and_sale_discounts_past_the_cap(client, booth, db):
    # 10 % off the line and 10 % off the sale are 19 % of the sale: over a 10 % cap.
    stacked = cart(
        booth,
        {"product_id": booth.product.id, "quantity": 1, "discount_percent": 10},
        discount_percent=10,
    )
    before = counts(db)
    refused = sell(client, booth.cashier, stacked)
    assert refused.status_code == 403
    answer = refused.get_json()
    assert answer["error"] == "discount_limit_exceeded"
    assert (answer["limit_percent"], answer["discount_total"], answer["max_discount"]) == (
        10,
        19_000,
        10_000,
    )
    assert answer["message"] == (
        "A cashier may give at most 10 % discount on a sale, item and sale discounts "
        "together (this sale: 19 %). Ask the manager."
    )
    assert counts(db) == before
    same_as_amounts = cart(
        booth,
        {"product_id": booth.product.id, "quantity": 1, "discount_amount": 10_000},
        discount_amount=9_000,
    )
    assert sell(client, booth.cashier, same_as_amounts).status_code == 403
    assert counts(db) == before
    managed = sell(client, booth.manager, stacked)
    assert managed.status_code == 201 and managed.get_json()["discount_total"] == 19_000
    at_cap = cart(
        booth,
        {"product_id": booth.product.id, "quantity": 1, "discount_percent": 5},
        discount_amount=5_000,
    )
    sold = sell(client, booth.cashier, at_cap)
    assert sold.status_code == 201 and sold.get_json()["total"] == 90_000


def test_nobody_sells_for_another_booth(client, booth, other, db):
    for user in (other.cashier, other.manager):
        response = sell(client, user, cart(booth))
        assert response.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(Sale.id))) == 0


def test_sales_of_another_booth_cannot_be_read(client, booth, other):
    sale = sell(client, booth.cashier, cart(booth)).get_json()
    for user in (other.cashier, other.manager):
        headers = factories.auth_headers(client, user)
        assert client.get(f"/api/v1/sales/{sale['id']}", headers=headers).status_code == 403
        listed = client.get(f"/api/v1/sales?exhibitor_id={booth.exhibitor.id}", headers=headers)
        assert listed.status_code == 403
        own = client.get("/api/v1/sales", headers=headers).get_json()["items"]
        assert own == []


# --- voids ------------------------------------------------------------------------------


def test_a_manager_voids_a_sale_and_the_stock_comes_back(client, booth, db):
    sale = sell(
        client, booth.cashier, cart(booth, {"product_id": booth.product.id, "quantity": 2})
    ).get_json()
    headers = factories.auth_headers(client, booth.manager)
    response = client.post(
        f"/api/v1/sales/{sale['id']}/void", json={"reason": "Wrong item rung up"}, headers=headers
    )
    assert response.status_code == 200
    voided = response.get_json()
    assert voided["status"] == "voided" and voided["void_reason"] == "Wrong item rung up"
    assert voided["receipt_number"] == sale["receipt_number"]
    assert db.session.get(Product, booth.product.id).stock == 5
    kinds = db.session.scalars(
        sa.select(StockMovement.kind)
        .where(StockMovement.product_id == booth.product.id)
        .order_by(StockMovement.id)
    ).all()
    assert kinds == ["opening", "sale", "void"]
    again = client.post(
        f"/api/v1/sales/{sale['id']}/void", json={"reason": "twice"}, headers=headers
    )
    assert again.status_code == 409


def test_a_cashier_cannot_void_and_a_reason_is_required(client, booth, other):
    sale = sell(client, booth.cashier, cart(booth)).get_json()
    url = f"/api/v1/sales/{sale['id']}/void"
    cashier = factories.auth_headers(client, booth.cashier)
    assert client.post(url, json={"reason": "mistake"}, headers=cashier).status_code == 403
    manager = factories.auth_headers(client, booth.manager)
    assert client.post(url, json={"reason": ""}, headers=manager).status_code == 422
    assert client.post(url, json={}, headers=manager).status_code == 422
    foreign = factories.auth_headers(client, other.manager)
    assert client.post(url, json={"reason": "mine"}, headers=foreign).status_code == 403


# --- refunds ----------------------------------------------------------------------------


def test_a_partial_refund_gives_back_exactly_what_was_paid_for_those_units(client, booth, db):
    body = cart(
        booth,
        {"product_id": booth.product.id, "quantity": 3, "discount_percent": 10},
        discount_amount=1_000,
        payments=[{"method": "cash", "amount": 300_000}],
    )
    sale = sell(client, booth.manager, body).get_json()
    assert sale["total"] == 269_000  # 300,000 − 30,000 − 1,000
    headers = factories.auth_headers(client, booth.manager)
    url = f"/api/v1/sales/{sale['id']}/refunds"
    first = client.post(
        url,
        json={"lines": [{"product_id": booth.product.id, "quantity": 1}], "reason": "Too small"},
        headers=headers,
    )
    assert first.status_code == 201
    refund = first.get_json()
    assert refund["amount"] == 89_667  # 269,000 / 3 = 89,666.67
    assert refund["method"] == "cash" and refund["refund_number"] == "B12-R00001"
    rest = client.post(
        url,
        json={"lines": [{"product_id": booth.product.id, "quantity": 2}], "reason": "Changed mind"},
        headers=headers,
    )
    assert rest.get_json()["amount"] == 269_000 - 89_667
    assert db.session.get(Product, booth.product.id).stock == 5
    stored = client.get(f"/api/v1/sales/{sale['id']}", headers=headers).get_json()
    assert stored["status"] == "refunded" and stored["refunded_total"] == 269_000


def test_refunds_never_exceed_what_was_sold(client, booth, db):
    sale = sell(
        client, booth.cashier, cart(booth, {"product_id": booth.product.id, "quantity": 2})
    ).get_json()
    headers = factories.auth_headers(client, booth.manager)
    url = f"/api/v1/sales/{sale['id']}/refunds"
    too_many = client.post(
        url,
        json={"lines": [{"product_id": booth.product.id, "quantity": 3}], "reason": "x"},
        headers=headers,
    )
    assert too_many.status_code == 409 and too_many.get_json()["refundable"] == 2
    client.post(
        url,
        json={"lines": [{"product_id": booth.product.id, "quantity": 2}], "reason": "x"},
        headers=headers,
    )
    again = client.post(
        url,
        json={"lines": [{"product_id": booth.product.id, "quantity": 1}], "reason": "x"},
        headers=headers,
    )
    assert again.status_code == 409
    not_on_sale = client.post(
        url,
        json={"lines": [{"product_id": booth.painting.id, "quantity": 1}], "reason": "x"},
        headers=headers,
    )
    assert not_on_sale.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count(Refund.id))) == 1


def test_damaged_goods_are_refunded_without_coming_back_into_stock(client, booth, db):
    sale = sell(
        client, booth.cashier, cart(booth, {"product_id": booth.product.id, "quantity": 2})
    ).get_json()
    headers = factories.auth_headers(client, booth.manager)
    response = client.post(
        f"/api/v1/sales/{sale['id']}/refunds",
        json={
            "lines": [{"product_id": booth.product.id, "quantity": 1}],
            "reason": "Cracked",
            "restock": False,
        },
        headers=headers,
    )
    assert response.status_code == 201 and response.get_json()["lines"][0]["restocked"] is False
    assert db.session.get(Product, booth.product.id).stock == 3


def test_a_voided_sale_cannot_be_refunded_and_a_refunded_one_cannot_be_voided(client, booth):
    headers = factories.auth_headers(client, booth.manager)
    first = sell(client, booth.cashier, cart(booth)).get_json()
    client.post(f"/api/v1/sales/{first['id']}/void", json={"reason": "oops"}, headers=headers)
    refund = client.post(
        f"/api/v1/sales/{first['id']}/refunds",
        json={"lines": [{"product_id": booth.product.id, "quantity": 1}], "reason": "x"},
        headers=headers,
    )
    assert refund.status_code == 409
    second = sell(
        client, booth.cashier, cart(booth, {"product_id": booth.product.id, "quantity": 2})
    ).get_json()
    client.post(
        f"/api/v1/sales/{second['id']}/refunds",
        json={"lines": [{"product_id": booth.product.id, "quantity": 1}], "reason": "x"},
        headers=headers,
    )
    void = client.post(f"/api/v1/sales/{second['id']}/void", json={"reason": "x"}, headers=headers)
    assert void.status_code == 409


def test_cashiers_cannot_refund(client, booth):
    sale = sell(client, booth.cashier, cart(booth)).get_json()
    response = client.post(
        f"/api/v1/sales/{sale['id']}/refunds",
        json={"lines": [{"product_id": booth.product.id, "quantity": 1}], "reason": "x"},
        headers=factories.auth_headers(client, booth.cashier),
    )
    assert response.status_code == 403


# --- shifts -----------------------------------------------------------------------------


def test_closing_a_shift_shows_expected_cash_against_counted(client, booth, db):
    headers = factories.auth_headers(client, booth.cashier)
    opened = client.post(
        "/api/v1/shifts",
        json={"exhibitor_id": booth.exhibitor.id, "opening_float": 200_000},
        headers=headers,
    )
    assert opened.status_code == 201
    shift_id = opened.get_json()["id"]
    assert (
        client.post(
            "/api/v1/shifts", json={"exhibitor_id": booth.exhibitor.id}, headers=headers
        ).status_code
        == 409
    )
    sell(
        client, booth.cashier, cart(booth, payments=[{"method": "cash", "amount": 150_000}])
    )  # 50,000 change
    sell(client, booth.cashier, cart(booth, payments=[{"method": "qris", "amount": 100_000}]))
    split = sell(
        client,
        booth.cashier,
        cart(
            booth,
            {"product_id": booth.product.id, "quantity": 2},
            payments=[{"method": "cash", "amount": 50_000}, {"method": "card", "amount": 150_000}],
        ),
    ).get_json()
    voided = sell(
        client, booth.cashier, cart(booth, payments=[{"method": "cash", "amount": 100_000}])
    ).get_json()
    manager = factories.auth_headers(client, booth.manager)
    client.post(f"/api/v1/sales/{voided['id']}/void", json={"reason": "mistake"}, headers=manager)
    client.post(
        f"/api/v1/sales/{split['id']}/refunds",
        json={
            "lines": [{"product_id": booth.product.id, "quantity": 1}],
            "reason": "x",
            "method": "cash",
        },
        headers=manager,
    )
    current = client.get(
        f"/api/v1/shifts?exhibitor_id={booth.exhibitor.id}", headers=headers
    ).get_json()["items"][0]
    # float 200,000 + cash kept 100,000 + 50,000 − cash refund 100,000
    assert current["expected_cash"] == 250_000
    assert current["by_method"] == {"cash": 50_000, "qris": 100_000, "card": 150_000}
    assert current["transactions"] == 3
    closed = client.post(
        f"/api/v1/shifts/{shift_id}/close", json={"counted_cash": 248_000}, headers=headers
    )
    body = closed.get_json()
    assert (body["expected_cash"], body["counted_cash"], body["difference"]) == (
        250_000,
        248_000,
        -2_000,
    )
    assert (
        client.post(
            f"/api/v1/shifts/{shift_id}/close", json={"counted_cash": 1}, headers=headers
        ).status_code
        == 409
    )
    after = client.get(f"/api/v1/shifts?exhibitor_id={booth.exhibitor.id}", headers=headers)
    assert after.get_json()["items"] == []


def test_another_booths_shift_is_out_of_reach(client, booth, other):
    opened = client.post(
        "/api/v1/shifts",
        json={"exhibitor_id": booth.exhibitor.id},
        headers=factories.auth_headers(client, booth.cashier),
    ).get_json()
    foreign = factories.auth_headers(client, other.manager)
    assert (
        client.post(
            f"/api/v1/shifts/{opened['id']}/close", json={"counted_cash": 0}, headers=foreign
        ).status_code
        == 403
    )
    assert (
        client.post(
            "/api/v1/shifts", json={"exhibitor_id": booth.exhibitor.id}, headers=foreign
        ).status_code
        == 403
    )
