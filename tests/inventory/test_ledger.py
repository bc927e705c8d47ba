"""The stock ledger over a whole booth day, through the JSON API and `pos check`.

A booth opens with a one-of-a-kind painting, a bamboo basket and silver rings, then
sells, voids a sale, refunds with and without restocking, counts stock in and out by
hand and imports a catalogue CSV. Afterwards every product's stock must equal the sum
of its stock movements, its last movement must end at that stock, and the movements
endpoint must tell the story in order, with who did it and when.

`pos check` must agree with a clean ledger, and must name the product when someone
writes around the ledger with raw SQL (a product's stock, or a movement's figures).
"""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from pos.inventory.models import Product, StockMovement
from pos.inventory.service import stock_ledger_differences
from tests import factories

MAKASSAR = timedelta(hours=8)  # the event's timezone (Asia/Makassar), UTC+8


@dataclass
class BoothDay:
    """What the booth day left behind: its people and its products' ids by SKU."""

    exhibitor_id: int
    manager_headers: dict[str, str]
    manager: str
    cashier: str
    products: dict[str, int]  # sku -> product id
    import_answer: dict  # what POST /products/import answered


def post_product(client, headers, exhibitor_id, **fields):
    response = client.post(
        "/api/v1/products", json={"exhibitor_id": exhibitor_id} | fields, headers=headers
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def sell(client, headers, exhibitor_id, *items):
    body = {
        "exhibitor_id": exhibitor_id,
        "items": [{"product_id": pid, "quantity": qty} for pid, qty in items],
        "payments": [{"method": "cash", "amount": 10_000_000}],
    }
    response = client.post(
        "/api/v1/sales", json=body, headers=headers | {"Idempotency-Key": str(uuid.uuid4())}
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def refund(client, headers, sale_id, product_id, quantity, reason, *, restock):
    response = client.post(
        f"/api/v1/sales/{sale_id}/refunds",
        json={
            "lines": [{"product_id": product_id, "quantity": quantity}],
            "reason": reason,
            "restock": restock,
        },
        headers=headers,
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def adjust(client, headers, product_id, delta, reason):
    response = client.post(
        f"/api/v1/products/{product_id}/stock-adjustments",
        json={"delta": delta, "reason": reason},
        headers=headers,
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def import_csv(client, headers, exhibitor_id, text):
    return client.post(
        f"/api/v1/products/import?exhibitor_id={exhibitor_id}",
        data={"file": (io.BytesIO(text.encode()), "katalog.csv")},
        content_type="multipart/form-data",
        headers=headers,
    )


def api_stock(client, headers, product_id):
    response = client.get(f"/api/v1/products/{product_id}", headers=headers)
    assert response.status_code == 200
    return response.get_json()["stock"]


def api_ledger(client, headers, product_id):
    response = client.get(f"/api/v1/products/{product_id}/movements", headers=headers)
    assert response.status_code == 200
    return response.get_json()["items"]


@pytest.fixture
def booth_day(client, db) -> BoothDay:
    """One booth's day, every step through the JSON API (only the booth and its two
    accounts come from the factories)."""
    exhibitor = factories.make_exhibitor(factories.make_event(), booth="L1")
    manager = factories.make_user("manager", exhibitor)
    cashier = factories.make_user("cashier", exhibitor)
    as_manager = factories.auth_headers(client, manager)
    as_cashier = factories.auth_headers(client, cashier)
    eid = exhibitor.id

    # Opening stock.
    basket = post_product(
        client, as_manager, eid, sku="KB-1", name="Keben", category="craft", price=150_000, stock=5
    )
    painting = post_product(
        client,
        as_manager,
        eid,
        sku="ART-1",
        name="Sawah Jatiluwih",
        category="painting",
        price=5_000_000,
        stock=1,
        one_of_a_kind=True,
        attributes={"artist": "I Made Budi", "medium": "Oil"},
    )
    ring = post_product(
        client,
        as_manager,
        eid,
        sku="SR-1",
        name="Cincin Perak",
        category="jewellery",
        price=450_000,
        stock=12,
        attributes={"material": "Silver 925"},
    )

    # A sale, voided by the manager: both products' stock comes back.
    first = sell(client, as_cashier, eid, (basket, 2), (ring, 3))
    voided = client.post(
        f"/api/v1/sales/{first}/void", json={"reason": "Wrong items rung up"}, headers=as_manager
    )
    assert voided.status_code == 200, voided.get_json()

    # A sale with the painting; one basket comes back into stock, the painting (damaged
    # in transport) is refunded without coming back.
    second = sell(client, as_cashier, eid, (basket, 3), (painting, 1))
    assert refund(client, as_manager, second, basket, 1, "Too small", restock=True)["lines"][0][
        "restocked"
    ]
    movements_before = len(api_ledger(client, as_manager, painting))
    damaged = refund(client, as_manager, second, painting, 1, "Frame cracked", restock=False)
    assert damaged["lines"][0]["restocked"] is False
    assert api_stock(client, as_manager, painting) == 0
    assert len(api_ledger(client, as_manager, painting)) == movements_before

    # Counting by hand: a delivery, the restored painting back on the wall.
    assert adjust(client, as_manager, basket, 4, "Delivery from Celuk")["stock_after"] == 7
    assert adjust(client, as_manager, painting, 1, "Restored by the artist")["stock_after"] == 1

    # The painting sells again, with two rings; a display ring is written off.
    sell(client, as_cashier, eid, (painting, 1), (ring, 2))
    assert adjust(client, as_manager, ring, -1, "Display sample scratched")["stock_after"] == 9

    # A catalogue import: new stock counts for two SKUs, the painting unchanged, one new SKU.
    imported = import_csv(
        client,
        as_manager,
        eid,
        "sku,name,category,price,stock,one_of_a_kind,artist,medium,material\n"
        "KB-1,Keben,craft,150000,10,no,,,\n"
        "ART-1,Sawah Jatiluwih,painting,5000000,0,yes,I Made Budi,Oil,\n"
        "SR-1,Cincin Perak,jewellery,450000,8,no,,,Silver 925\n"
        "TAS-1,Tas Ata,craft,275000,6,no,,,Ata grass\n",
    )
    assert imported.status_code == 200, imported.get_json()
    assert imported.get_json()["created"] == 1 and imported.get_json()["errors"] == []
    new_bag = db.session.scalar(
        sa.select(Product.id).where(Product.exhibitor_id == eid, Product.sku == "TAS-1")
    )
    assert new_bag is not None

    return BoothDay(
        exhibitor_id=eid,
        manager_headers=as_manager,
        manager=manager.username,
        cashier=cashier.username,
        products={"KB-1": basket, "ART-1": painting, "SR-1": ring, "TAS-1": new_bag},
        import_answer=imported.get_json(),
    )


def test_every_stock_change_of_a_booth_day_is_ledgered_and_the_ledger_adds_up_to_the_stock(
    client, db, booth_day
):
    headers = booth_day.manager_headers
    manager, cashier = booth_day.manager, booth_day.cashier
    expected = {
        # (kind, delta, stock_after, user) in the order they happened
        "KB-1": [
            ("opening", 5, 5, manager),
            ("sale", -2, 3, cashier),
            ("void", 2, 5, manager),
            ("sale", -3, 2, cashier),
            ("refund", 1, 3, manager),
            ("adjustment", 4, 7, manager),
            ("import", 3, 10, manager),
        ],
        # the refund without restock left no movement between the sale and the adjustment
        "ART-1": [
            ("opening", 1, 1, manager),
            ("sale", -1, 0, cashier),
            ("adjustment", 1, 1, manager),
            ("sale", -1, 0, cashier),
        ],
        "SR-1": [
            ("opening", 12, 12, manager),
            ("sale", -3, 9, cashier),
            ("void", 3, 12, manager),
            ("sale", -2, 10, cashier),
            ("adjustment", -1, 9, manager),
            ("import", -1, 8, manager),
        ],
        "TAS-1": [("opening", 6, 6, manager)],
    }

    listed = client.get(
        f"/api/v1/products?exhibitor_id={booth_day.exhibitor_id}", headers=headers
    ).get_json()["items"]
    assert {p["sku"]: p["id"] for p in listed} == booth_day.products
    for sku, product_id in booth_day.products.items():
        stock = api_stock(client, headers, product_id)
        ledger = api_ledger(client, headers, product_id)
        assert [(m["kind"], m["delta"], m["stock_after"], m["user"]) for m in ledger] == expected[
            sku
        ], sku
        assert stock == sum(m["delta"] for m in ledger), sku
        assert stock == ledger[-1]["stock_after"], sku
        # every step's stock_after is the running sum of the deltas so far
        running = 0
        for m in ledger:
            running += m["delta"]
            assert m["stock_after"] == running, (sku, m)
        # who and when: a user on every movement, local times in order
        times = [datetime.fromisoformat(m["at"]) for m in ledger]
        assert all(m["user"] for m in ledger), sku
        assert all(t.utcoffset() == MAKASSAR for t in times), sku
        assert times == sorted(times), sku
        # the database agrees with what the API shows
        assert db.session.get(Product, product_id).stock == stock
        assert (
            db.session.scalar(
                sa.select(sa.func.sum(StockMovement.delta)).where(
                    StockMovement.product_id == product_id
                )
            )
            == stock
        )

    assert [m["kind"] for m in api_ledger(client, headers, booth_day.products["KB-1"])] == [
        "opening",
        "sale",
        "void",
        "sale",
        "refund",
        "adjustment",
        "import",
    ]
    assert stock_ledger_differences() == []


def test_pos_check_passes_after_the_booth_day_and_names_a_product_whose_stock_was_changed_around_the_ledger(  # noqa: E501
    runner, db, booth_day
):
    clean = runner.invoke(args=["check"])
    assert clean.exit_code == 0, clean.output
    assert "every product's stock equals the sum of its movements" in clean.output

    db.session.execute(
        sa.text("UPDATE product SET stock = stock + 1 WHERE id = :id"),
        {"id": booth_day.products["KB-1"]},
    )
    db.session.commit()

    tampered = runner.invoke(args=["check"])
    assert tampered.exit_code != 0
    assert "KB-1" in tampered.output and "1 product(s) disagree" in tampered.output
    assert "stock 11, ledger sums to 10, last movement ends at 10" in tampered.output
    assert not any(sku in tampered.output for sku in ("ART-1", "SR-1", "TAS-1"))
    assert [(d["sku"], d["stock"], d["ledger"]) for d in stock_ledger_differences()] == [
        ("KB-1", 11, 10)
    ]


@pytest.mark.parametrize(
    ("which", "tamper", "message"),
    [
        # a movement in the middle of the ledger: only the sum of deltas can tell
        ("void", "delta = delta - 1", "stock 8, ledger sums to 7, last movement ends at 8"),
        # the last movement: the sum still agrees, but it no longer ends at the stock
        (
            "import",
            "stock_after = stock_after + 2",
            "stock 8, ledger sums to 8, last movement ends at 10",
        ),
    ],
    ids=["a-middle-movements-delta", "the-last-movements-stock-after"],
)
def test_pos_check_names_a_product_whose_stock_movement_was_altered_in_the_database(
    runner, db, booth_day, which, tamper, message
):
    ring = booth_day.products["SR-1"]
    assert runner.invoke(args=["check"]).exit_code == 0
    movement_id = db.session.scalar(
        sa.select(StockMovement.id).where(
            StockMovement.product_id == ring, StockMovement.kind == which
        )
    )
    db.session.execute(
        sa.text(f"UPDATE stock_movement SET {tamper} WHERE id = :id"), {"id": movement_id}
    )
    db.session.commit()

    result = runner.invoke(args=["check"])
    assert result.exit_code != 0
    assert "SR-1" in result.output and "1 product(s) disagree" in result.output
    assert message in result.output
    assert [d["sku"] for d in stock_ledger_differences()] == ["SR-1"]


def test_an_import_that_only_changes_stock_counts_those_products_as_updated(booth_day):
    # KB-1 (5 -> 10) and SR-1 (9 -> 8) changed stock only, and both got an import movement.
    assert booth_day.import_answer == {"created": 1, "updated": 2, "errors": []}
