"""The daily summary of API.md, figure by figure, on a day with discounts, split
payments, a void, refunds of today's and of an earlier day's sales, for a tax-registered
and an ordinary booth; the event-local day's edges; who may read it."""

import csv
import io
import json
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from pos.db import utcnow
from pos.sales import service as sales_service
from pos.sales.schemas import SaleIn
from pos.sales.service import local_day
from tests import factories

WITA = "Asia/Makassar"


def record(booth, items, payments, *, at=None, discount_amount=0, user=None):
    order = SaleIn.model_validate_json(
        json.dumps(
            {
                "exhibitor_id": booth.exhibitor.id,
                "items": items,
                "payments": payments,
                "discount_amount": discount_amount,
            }
        )
    )
    answer = sales_service.record_sale(
        user or booth.manager, order, idempotency_key=str(uuid.uuid4()), at=at
    )
    from pos.extensions import db

    db.session.commit()
    return answer.body


def summary(client, user, exhibitor_id, day):
    headers = factories.auth_headers(client, user)
    response = client.get(
        f"/api/v1/reports/daily?exhibitor_id={exhibitor_id}&date={day}", headers=headers
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()


@pytest.fixture
def event(db):
    return factories.make_event(timezone=WITA)


@pytest.fixture
def today():
    return local_day(utcnow(), WITA)


def test_every_figure_of_a_busy_day_follows_the_definitions(client, db, event, today):
    booth = factories.Booth(event, "B12", tax_registered=True, tax_rate_percent=11)
    ring = factories.make_product(
        booth.exhibitor, booth.manager, sku="RING", price=450_000, stock=20, category="jewellery"
    )
    cloth = factories.make_product(
        booth.exhibitor, booth.manager, sku="ENDEK", price=1_250_000, stock=10, category="endek"
    )
    yesterday_noon = datetime.combine(
        today - timedelta(days=1), datetime.min.time(), tzinfo=UTC
    ) + timedelta(hours=4)
    earlier = record(
        booth,
        [{"product_id": ring.id, "quantity": 2}],
        [{"method": "card", "amount": 900_000}],
        at=yesterday_noon,
    )

    a = record(  # two lines with a line discount and an order discount; split cash/QRIS with change
        booth,
        [
            {"product_id": ring.id, "quantity": 2, "discount_percent": 10},
            {"product_id": cloth.id, "quantity": 1},
        ],
        [{"method": "cash", "amount": 500_000}, {"method": "qris", "amount": 1_550_000}],
        discount_amount=10_000,
    )
    b = record(
        booth, [{"product_id": cloth.id, "quantity": 1}], [{"method": "qris", "amount": 1_250_000}]
    )
    voided = record(
        booth, [{"product_id": ring.id, "quantity": 1}], [{"method": "cash", "amount": 500_000}]
    )
    sales_service.void_sale(
        booth.manager, sales_service.get_sale(booth.manager, voided["id"]), "mistake"
    )
    db.session.commit()
    refund_today = sales_service.refund_sale(
        booth.manager,
        sales_service.get_sale(booth.manager, a["id"]),
        lines=[(ring.id, 1)],
        reason="too small",
        method="cash",
    )
    refund_earlier = sales_service.refund_sale(
        booth.manager,
        sales_service.get_sale(booth.manager, earlier["id"]),
        lines=[(ring.id, 1)],
        reason="changed mind",
    )
    db.session.commit()

    day = summary(client, booth.manager, booth.exhibitor.id, today.isoformat())
    kept = [a, b]
    assert day["date"] == today.isoformat() and day["timezone"] == WITA and day["currency"] == "IDR"
    assert day["transactions"] == 2
    assert day["items_sold"] == 4  # 2 rings + 1 cloth, 1 cloth
    assert day["gross"] == sum(s["subtotal"] for s in kept) == 900_000 + 1_250_000 + 1_250_000
    assert day["discounts"] == sum(s["discount_total"] for s in kept) == 90_000 + 10_000
    assert day["voids"] == voided["total"] == 450_000
    assert day["refunds"] == refund_today.amount + refund_earlier.amount
    assert refund_earlier.amount == 450_000  # exactly what was paid for that unit
    assert day["net"] == day["gross"] - day["discounts"] - day["refunds"]
    assert day["tax"] == a["tax_total"] + b["tax_total"] - refund_today.tax - refund_earlier.tax
    for breakdown in ("by_payment_method", "by_category"):
        assert sum(day[breakdown].values()) == day["net"], breakdown
    assert sum(row["amount"] for row in day["by_product"]) == day["net"]
    assert sum(row["amount"] for row in day["by_hour"]) == day["net"]
    # Money kept per method: cash net of change less the cash refunds; QRIS; the card
    # refund of yesterday's sale comes off today's card figure.
    assert day["by_payment_method"] == {
        "card": -refund_earlier.amount,
        "cash": 500_000 - a["change"] - refund_today.amount,
        "qris": 1_550_000 + 1_250_000,
    }
    ring_row = next(r for r in day["by_product"] if r["sku"] == "RING")
    assert ring_row["quantity"] == 2 - 1 - 1
    # The figures agree with the day's sales as GET /api/v1/sales lists them.
    listed = client.get(
        f"/api/v1/sales?exhibitor_id={booth.exhibitor.id}&date={today}",
        headers=factories.auth_headers(client, booth.manager),
    ).get_json()["items"]
    assert sum(s["subtotal"] for s in listed if s["status"] != "voided") == day["gross"]
    assert sum(s["total"] for s in listed if s["status"] == "voided") == day["voids"]


def test_an_ordinary_booth_has_no_tax(client, event, today):
    booth = factories.Booth(event, "C07")
    record(
        booth,
        [{"product_id": booth.product.id, "quantity": 1}],
        [{"method": "cash", "amount": 100_000}],
    )
    day = summary(client, booth.manager, booth.exhibitor.id, today.isoformat())
    assert day["tax"] == 0 and day["net"] == 100_000


def test_the_day_is_the_event_local_day(client, event):
    booth = factories.Booth(event, "D02")
    # 23:59 and 00:01 WITA are 15:59 and 16:01 UTC.
    record(
        booth,
        [{"product_id": booth.product.id, "quantity": 1}],
        [{"method": "cash", "amount": 100_000}],
        at=datetime(2025, 9, 6, 15, 59, tzinfo=UTC),
    )
    record(
        booth,
        [{"product_id": booth.product.id, "quantity": 2}],
        [{"method": "cash", "amount": 200_000}],
        at=datetime(2025, 9, 6, 16, 1, tzinfo=UTC),
    )
    sixth = summary(client, booth.manager, booth.exhibitor.id, "2025-09-06")
    seventh = summary(client, booth.manager, booth.exhibitor.id, "2025-09-07")
    assert (sixth["transactions"], sixth["net"], [h["hour"] for h in sixth["by_hour"]]) == (
        1,
        100_000,
        [23],
    )
    assert (seventh["transactions"], seventh["net"], [h["hour"] for h in seventh["by_hour"]]) == (
        1,
        200_000,
        [0],
    )


def test_an_empty_day_is_all_zeros(client, event):
    booth = factories.Booth(event, "E1")
    day = summary(client, booth.manager, booth.exhibitor.id, "2020-01-01")
    assert (day["transactions"], day["gross"], day["net"], day["by_product"], day["by_hour"]) == (
        0,
        0,
        0,
        [],
        [],
    )


def test_managers_read_their_own_booth_cashiers_none_organizers_all(client, event, today):
    a = factories.Booth(event, "A1")
    b = factories.Booth(event, "B1")
    url = f"/api/v1/reports/daily?exhibitor_id={b.exhibitor.id}"
    assert client.get(url, headers=factories.auth_headers(client, a.manager)).status_code == 403
    assert client.get(url, headers=factories.auth_headers(client, b.cashier)).status_code == 403
    assert (
        client.get(
            url, headers=factories.auth_headers(client, factories.make_user("organizer"))
        ).status_code
        == 200
    )
    own = client.get("/api/v1/reports/daily", headers=factories.auth_headers(client, b.manager))
    assert own.status_code == 200 and own.get_json()["exhibitor_id"] == b.exhibitor.id
    bad = client.get(url + "&date=06-09-2025", headers=factories.auth_headers(client, b.manager))
    assert bad.status_code == 422


def test_the_csv_carries_the_same_figures(client, event, today):
    booth = factories.Booth(event, "F1")
    record(
        booth,
        [{"product_id": booth.product.id, "quantity": 2}],
        [{"method": "cash", "amount": 200_000}],
    )
    headers = factories.auth_headers(client, booth.manager)
    response = client.get(
        f"/api/v1/reports/daily.csv?exhibitor_id={booth.exhibitor.id}", headers=headers
    )
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    summary_rows = {r["key"]: r for r in rows if r["section"] == "summary"}
    assert summary_rows["net"]["amount"] == "200000"
    assert summary_rows["transactions"]["quantity"] == "1"
    assert [r["amount"] for r in rows if r["section"] == "payment_method"] == ["200000"]
    assert date.fromisoformat(response.headers["Content-Disposition"].split("daily-F1-")[1][:10])
