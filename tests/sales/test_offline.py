"""Selling offline, the server's side of the contract (API.md "Selling offline"): device
codes, offline numbers, the day of recorded_at, never refused for stock, the charged
price kept and flagged, the tablet's buyer token, late arrivals, a lost live answer
recorded once."""

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from pos.inventory.models import Product
from pos.inventory.service import stock_ledger_differences
from pos.sales.models import Sale, Shift
from pos.sales.rollups import differences as rollup_differences
from tests import factories
from tests.factories import device_code as device

WITA = ZoneInfo("Asia/Makassar")


@pytest.fixture
def event(db):
    return factories.make_event()


@pytest.fixture
def booth(event):
    return factories.Booth(event, "B12")


def token() -> str:
    return uuid.uuid4().hex + uuid.uuid4().hex[:8]  # 160 random-looking bits, URL-safe


def offline_sale(booth, code, seq, *, product=None, price=None, quantity=1, at=None, **extra):
    product = product or booth.product
    unit_price = product.price if price is None else price
    body = {
        "exhibitor_id": booth.exhibitor.id,
        "items": [{"product_id": product.id, "quantity": quantity, "unit_price": unit_price}],
        "payments": [{"method": "cash", "amount": unit_price * quantity}],
        "offline": {
            "device": code,
            "number": f"{booth.exhibitor.booth}-{code}-{seq:04d}",
            "recorded_at": (at or factories.earlier_today(5)).isoformat(),
            "public_token": token(),
        },
    }
    body["offline"].update(extra)
    return body


def send(client, user, body, key=None):
    headers = factories.auth_headers(client, user) | {"Idempotency-Key": key or str(uuid.uuid4())}
    return client.post("/api/v1/sales", json=body, headers=headers)


def test_each_tablet_gets_its_own_device_code_never_given_twice(client, booth, event):
    assert device(client, booth.cashier, booth.exhibitor.id) == "T1"
    assert device(client, booth.manager, booth.exhibitor.id) == "T2"
    other = factories.Booth(event, "C07")
    assert device(client, other.cashier, other.exhibitor.id) == "T1"
    refused = client.post(
        "/api/v1/devices",
        json={"exhibitor_id": other.exhibitor.id},
        headers=factories.auth_headers(client, booth.cashier),
    )
    assert refused.status_code == 403


def test_an_offline_sale_keeps_its_number_time_and_buyer_link(client, booth, db):
    code = device(client, booth.cashier, booth.exhibitor.id)
    made = datetime(2026, 11, 30, 13, 5, tzinfo=UTC)  # 21:05 in Bali
    body = offline_sale(booth, code, 7, at=made)
    answer = send(client, booth.cashier, body)
    assert answer.status_code == 201, answer.get_json()
    sale = answer.get_json()
    assert sale["offline_number"] == "B12-T1-0007"
    assert sale["device"] == "T1"
    assert sale["receipt_number"] == "B12-000001"
    assert sale["recorded_at"] == "2026-11-30T21:05:00+08:00"
    assert sale["created_at"] == "2026-11-30T21:05:00+08:00"
    assert sale["business_date"] == "2026-11-30"
    assert sale["synced_at"] is not None
    assert sale["public_receipt_url"] == f"/r/{body['offline']['public_token']}"
    assert client.get(sale["public_receipt_url"]).status_code == 200


def test_sending_an_offline_sale_again_records_it_once(client, booth, db):
    code = device(client, booth.cashier, booth.exhibitor.id)
    body = offline_sale(booth, code, 1, quantity=2)
    key = str(uuid.uuid4())
    first = send(client, booth.cashier, body, key)
    again = [send(client, booth.cashier, body, key) for _ in range(3)]
    assert first.status_code == 201
    assert [a.get_json() for a in again] == [first.get_json()] * 3
    assert db.session.scalar(sa.select(sa.func.count(Sale.id))) == 1
    assert db.session.get(Product, booth.product.id).stock == 3


def test_two_tablets_selling_the_last_painting_offline_both_arrive_with_the_conflict(
    client, booth, db
):
    first_tablet = device(client, booth.cashier, booth.exhibitor.id)
    second_tablet = device(client, booth.manager, booth.exhibitor.id)
    one = send(client, booth.cashier, offline_sale(booth, first_tablet, 1, product=booth.painting))
    two = send(client, booth.manager, offline_sale(booth, second_tablet, 1, product=booth.painting))
    assert one.status_code == 201 and two.status_code == 201
    assert one.get_json()["stock_conflicts"] == []
    assert two.get_json()["stock_conflicts"] == [{"product_id": booth.painting.id, "short_by": 1}]
    assert db.session.get(Product, booth.painting.id).stock == -1
    assert stock_ledger_differences() == []
    assert rollup_differences() == []
    client.post("/login", data={"username": booth.manager.username, "password": factories.PASSWORD})
    day = client.get("/day").get_data(as_text=True)
    assert "Terjual melebihi stok" in day  # "Sold with too little stock"
    assert "B12-T2-0001" in day


def test_the_price_the_tablet_charged_is_kept_and_flagged(client, booth, db):
    code = device(client, booth.cashier, booth.exhibitor.id)
    answer = send(client, booth.cashier, offline_sale(booth, code, 1, price=90_000))
    sale = answer.get_json()
    assert answer.status_code == 201
    assert sale["total"] == 90_000
    assert sale["lines"][0]["unit_price"] == 90_000
    assert sale["lines"][0]["catalogue_price"] == 100_000
    assert sale["price_flagged"] is True


def test_online_a_price_changed_since_the_tablet_loaded_it_is_refused(client, booth, db):
    body = {
        "exhibitor_id": booth.exhibitor.id,
        "items": [{"product_id": booth.product.id, "quantity": 1, "unit_price": 90_000}],
        "payments": [{"method": "cash", "amount": 100_000}],
    }
    answer = send(client, booth.cashier, body)
    assert answer.status_code == 409
    assert answer.get_json()["error"] == "price_changed"
    assert answer.get_json()["price"] == 100_000
    assert db.session.scalar(sa.select(sa.func.count(Sale.id))) == 0


def test_an_offline_sale_from_the_future_is_refused_within_ten_minutes_tolerance(client, booth, db):
    code = device(client, booth.cashier, booth.exhibitor.id)
    ahead = datetime.now(UTC) + timedelta(minutes=11)
    refused = send(client, booth.cashier, offline_sale(booth, code, 1, at=ahead))
    assert refused.status_code == 422
    assert refused.get_json()["error"] == "recorded_at_in_future"
    slightly = datetime.now(UTC) + timedelta(minutes=9)
    assert send(client, booth.cashier, offline_sale(booth, code, 1, at=slightly)).status_code == 201


def test_offline_sales_of_unknown_devices_or_other_booths_numbers_are_refused(client, booth, db):
    code = device(client, booth.cashier, booth.exhibitor.id)
    unknown = send(client, booth.cashier, offline_sale(booth, "T9", 1))
    assert unknown.status_code == 422 and unknown.get_json()["error"] == "unknown_device"
    wrong = offline_sale(booth, code, 1)
    wrong["offline"]["number"] = "C07-T1-0001"
    answer = send(client, booth.cashier, wrong)
    assert answer.status_code == 422 and answer.get_json()["error"] == "invalid_offline_number"
    no_price = offline_sale(booth, code, 1)
    del no_price["items"][0]["unit_price"]
    answer = send(client, booth.cashier, no_price)
    assert answer.status_code == 422 and answer.get_json()["error"] == "validation_error"
    assert db.session.scalar(sa.select(sa.func.count(Sale.id))) == 0


def test_a_reused_offline_number_with_another_sale_is_refused(client, booth, db):
    code = device(client, booth.cashier, booth.exhibitor.id)
    assert send(client, booth.cashier, offline_sale(booth, code, 3)).status_code == 201
    again = send(client, booth.cashier, offline_sale(booth, code, 3))
    assert again.status_code == 409
    assert again.get_json()["error"] == "offline_number_taken"
    assert db.session.scalar(sa.select(sa.func.count(Sale.id))) == 1


def test_a_sale_made_at_2150_and_sent_next_morning_counts_on_its_own_day(client, booth, db):
    code = device(client, booth.cashier, booth.exhibitor.id)
    yesterday = datetime.now(WITA).date() - timedelta(days=1)
    made = datetime.combine(yesterday, datetime.min.time(), tzinfo=WITA) + timedelta(
        hours=21, minutes=50
    )
    answer = send(client, booth.cashier, offline_sale(booth, code, 1, at=made))
    sale = answer.get_json()
    assert sale["business_date"] == yesterday.isoformat()
    assert sale["late"] is True
    headers = factories.auth_headers(client, booth.manager)
    then = client.get(
        f"/api/v1/reports/daily?exhibitor_id={booth.exhibitor.id}&date={yesterday}",
        headers=headers,
    ).get_json()
    today = client.get(
        f"/api/v1/reports/daily?exhibitor_id={booth.exhibitor.id}", headers=headers
    ).get_json()
    assert (then["transactions"], then["net"]) == (1, 100_000)
    assert (today["transactions"], today["net"]) == (0, 0)
    listed = client.get(
        f"/api/v1/sales?exhibitor_id={booth.exhibitor.id}&date={yesterday}", headers=headers
    ).get_json()["items"]
    assert [s["offline_number"] for s in listed] == ["B12-T1-0001"]


def test_a_sale_whose_shift_was_closed_meanwhile_is_kept_in_it_and_marked_late(client, booth, db):
    headers = factories.auth_headers(client, booth.cashier)
    shift = client.post(
        "/api/v1/shifts",
        json={"exhibitor_id": booth.exhibitor.id, "opening_float": 200_000},
        headers=headers,
    ).get_json()
    code = device(client, booth.cashier, booth.exhibitor.id)
    closed = client.post(
        f"/api/v1/shifts/{shift['id']}/close", json={"counted_cash": 200_000}, headers=headers
    )
    assert closed.status_code == 200
    answer = send(client, booth.cashier, offline_sale(booth, code, 1, shift_id=shift["id"]))
    assert answer.status_code == 201
    assert answer.get_json()["late"] is True
    sale = db.session.scalar(sa.select(Sale))
    assert sale.shift_id == shift["id"]


def test_a_live_sale_whose_answer_was_lost_comes_back_from_the_outbox_recorded_once(
    client, booth, db
):
    code = device(client, booth.cashier, booth.exhibitor.id)
    buyer_token = token()
    live = {
        "exhibitor_id": booth.exhibitor.id,
        "items": [{"product_id": booth.product.id, "quantity": 1, "unit_price": 100_000}],
        "payments": [{"method": "cash", "amount": 100_000}],
        "public_token": buyer_token,
    }
    first = send(client, booth.cashier, live)  # reached the server; the tablet never heard
    assert first.status_code == 201
    outbox = offline_sale(booth, code, 1)
    outbox["offline"]["public_token"] = buyer_token
    again = send(client, booth.cashier, outbox)
    assert again.status_code == 201
    assert again.get_json()["receipt_number"] == first.get_json()["receipt_number"]
    assert again.get_json()["offline_number"] == "B12-T1-0001"
    assert db.session.scalar(sa.select(sa.func.count(Sale.id))) == 1
    assert db.session.get(Product, booth.product.id).stock == 4


def test_a_sale_is_never_refused_for_want_of_an_open_shift(client, booth, db):
    body = {
        "exhibitor_id": booth.exhibitor.id,
        "items": [{"product_id": booth.product.id, "quantity": 1}],
        "payments": [{"method": "cash", "amount": 150_000}],
    }
    assert send(client, booth.cashier, body).status_code == 201
    assert send(client, booth.cashier, body).status_code == 201
    shifts = db.session.scalars(sa.select(Shift)).all()
    assert [(s.opening_float, s.closed_at) for s in shifts] == [(0, None)]
    listed = client.get(
        f"/api/v1/shifts?exhibitor_id={booth.exhibitor.id}",
        headers=factories.auth_headers(client, booth.manager),
    ).get_json()["items"]
    assert [(s["transactions"], s["expected_cash"]) for s in listed] == [(2, 200_000)]


def test_a_tablets_exported_waiting_sales_are_taken_in_once(client, booth, db):
    code = device(client, booth.cashier, booth.exhibitor.id)
    bodies = [offline_sale(booth, code, n) for n in (1, 2)]
    keys = [str(uuid.uuid4()) for _ in bodies]
    # The first one had reached the server before the tablet was taken away.
    assert send(client, booth.cashier, bodies[0], keys[0]).status_code == 201
    exported = {
        "exhibitor_id": booth.exhibitor.id,
        "sales": [
            {"key": key, "number": body["offline"]["number"], "body": body}
            for key, body in zip(keys, bodies, strict=True)
        ]
        + [{"key": "k3", "number": "B12-T1-0003", "body": {"exhibitor_id": booth.exhibitor.id}}],
    }
    headers = factories.auth_headers(client, booth.manager)
    answer = client.post("/api/v1/sales/import", json=exported, headers=headers)
    assert answer.status_code == 200
    items = answer.get_json()["items"]
    assert [(i["number"], i["recorded"], i["already_there"]) for i in items] == [
        ("B12-T1-0001", True, True),
        ("B12-T1-0002", True, False),
        ("B12-T1-0003", False, False),
    ]
    assert items[2]["message"]
    assert db.session.scalar(sa.select(sa.func.count(Sale.id))) == 2
    cashier = client.post(
        "/api/v1/sales/import", json=exported, headers=factories.auth_headers(client, booth.cashier)
    )
    assert cashier.status_code == 403


def test_a_file_of_another_booth_is_refused_whole(client, booth, event, db):
    other = factories.Booth(event, "C07")
    answer = client.post(
        "/api/v1/sales/import",
        json={"exhibitor_id": other.exhibitor.id, "sales": []},
        headers=factories.auth_headers(client, booth.manager),
    )
    assert answer.status_code == 403
    mismatch = client.post(
        f"/api/v1/sales/import?x={other.exhibitor.id}",
        json={"exhibitor_id": booth.exhibitor.id + 1000, "sales": []},
        headers=factories.auth_headers(client, booth.manager),
    )
    assert mismatch.status_code == 404


def test_discarding_a_refused_offline_sale_is_recorded_with_its_reason(client, booth, db):
    from pos.auth.models import AuditEntry

    body = {
        "exhibitor_id": booth.exhibitor.id,
        "number": "B12-T1-0009",
        "reason": "Entered twice by mistake",
        "sale": {"items": []},
    }
    refused = client.post(
        "/api/v1/sales/discards", json=body, headers=factories.auth_headers(client, booth.cashier)
    )
    assert refused.status_code == 403
    done = client.post(
        "/api/v1/sales/discards", json=body, headers=factories.auth_headers(client, booth.manager)
    )
    assert done.status_code == 204
    entry = db.session.scalar(
        sa.select(AuditEntry).where(AuditEntry.action == "offline_sale_discarded")
    )
    assert entry.details["number"] == "B12-T1-0009"
    assert entry.details["reason"] == "Entered twice by mistake"


def test_the_manager_takes_in_a_tablets_file_on_the_day_page(client, booth, db):
    import io
    import json

    code = device(client, booth.cashier, booth.exhibitor.id)
    body = offline_sale(booth, code, 1)
    exported = {
        "exhibitor_id": booth.exhibitor.id,
        "sales": [{"key": "file-1", "number": "B12-T1-0001", "body": body}],
    }
    client.post("/login", data={"username": booth.manager.username, "password": factories.PASSWORD})
    client.post("/language", data={"locale": "en"})

    def upload(content: bytes) -> str:
        sent = client.post("/sales/import", data={"file": (io.BytesIO(content), "waiting.json")})
        assert sent.status_code == 302
        return client.get(sent.headers["Location"]).get_data(as_text=True)

    assert "1 sales taken in, 0 were already here." in upload(json.dumps(exported).encode())
    assert "0 sales taken in, 1 were already here." in upload(json.dumps(exported).encode())
    assert "The file is not readable." in upload(b"not json")
    assert db.session.scalar(sa.select(sa.func.count(Sale.id))) == 1


def test_an_offline_sale_with_stacked_cashier_discounts_past_the_cap_is_refused(client, booth, db):
    """The tablet holds a cashier to the cap; a sale that went past it anyway (an old
    register script, a crafted request) is refused when it arrives, and waits on the
    tablet for the manager, as any refused offline sale does."""
    code = device(client, booth.cashier, booth.exhibitor.id)
    body = offline_sale(booth, code, 1)
    body["items"][0]["discount_percent"] = 10
    body["discount_percent"] = 10
    body["payments"][0]["amount"] = 81_000
    refused = send(client, booth.cashier, body)
    assert refused.status_code == 403
    assert refused.get_json()["error"] == "discount_limit_exceeded"
    assert db.session.scalar(sa.select(sa.func.count(Sale.id))) == 0
