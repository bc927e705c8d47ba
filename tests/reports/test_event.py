"""The organizer's event report: a day's or the whole event's totals, and every
breakdown adding up to the same net; organizers only."""

import pytest

from pos.db import utcnow
from pos.sales import service as sales_service
from pos.sales.service import local_day
from tests import factories
from tests.reports.test_daily import WITA, record


@pytest.fixture
def event(db):
    return factories.make_event(timezone=WITA)


def test_the_event_report_adds_up_across_booths_and_breakdowns(client, db, event):
    today = local_day(utcnow(), WITA)
    silver = factories.Booth(event, "B12", region="Gianyar")
    endek = factories.Booth(event, "C07", region="Klungkung")
    idle = factories.Booth(event, "D02", region="Bangli")
    a = record(
        silver,
        [{"product_id": silver.product.id, "quantity": 2}],
        [{"method": "cash", "amount": 250_000}],
    )
    b = record(
        endek,
        [{"product_id": endek.painting.id, "quantity": 1}],
        [{"method": "qris", "amount": 5_000_000}],
    )
    sales_service.refund_sale(
        silver.manager,
        sales_service.get_sale(silver.manager, a["id"]),
        lines=[(silver.product.id, 1)],
        reason="x",
    )
    db.session.commit()
    organizer = factories.auth_headers(client, factories.make_user("organizer"))
    report = client.get(f"/api/v1/reports/event?date={today}", headers=organizer).get_json()
    assert report["transactions"] == 2
    assert report["gross"] == a["subtotal"] + b["subtotal"] == 5_200_000
    assert report["refunds"] == 100_000
    assert report["net"] == 5_100_000
    assert sum(r["net"] for r in report["by_exhibitor"]) == report["net"]
    for breakdown in ("by_category", "by_payment_method", "by_region"):
        assert sum(report[breakdown].values()) == report["net"], breakdown
    assert report["by_region"] == {"Bangli": 0, "Gianyar": 100_000, "Klungkung": 5_000_000}
    assert [r["booth"] for r in report["by_exhibitor"]] == ["C07", "B12", "D02"]  # leaderboard
    assert report["exhibitors_without_sales"] == [idle.exhibitor.booth]
    assert report["by_day"] == [{"date": today.isoformat(), "transactions": 2, "net": 5_100_000}]
    whole = client.get("/api/v1/reports/event", headers=organizer).get_json()
    assert whole["date"] is None and whole["net"] == report["net"]
    other_day = client.get("/api/v1/reports/event?date=2020-01-01", headers=organizer).get_json()
    assert other_day["net"] == 0 and len(other_day["exhibitors_without_sales"]) == 3


def test_only_organizers_read_the_event_report(client, event):
    booth = factories.Booth(event, "A1")
    for user in (booth.manager, booth.cashier):
        response = client.get("/api/v1/reports/event", headers=factories.auth_headers(client, user))
        assert response.status_code == 403


def test_the_event_exports_one_row_per_booth_per_day_that_adds_up(client, db, event):
    import csv
    import io
    from datetime import UTC, datetime

    from openpyxl import load_workbook

    silver = factories.Booth(event, "B12", region="Gianyar")
    endek = factories.Booth(event, "C07", region="Klungkung")
    record(
        silver,
        [{"product_id": silver.product.id, "quantity": 2}],
        [{"method": "cash", "amount": 200_000}],
        at=datetime(2025, 9, 6, 3, 0, tzinfo=UTC),
    )
    record(
        silver,
        [{"product_id": silver.product.id, "quantity": 1}],
        [{"method": "qris", "amount": 100_000}],
        at=datetime(2025, 9, 7, 3, 0, tzinfo=UTC),
    )
    record(
        endek,
        [{"product_id": endek.painting.id, "quantity": 1}],
        [{"method": "card", "amount": 5_000_000}],
        at=datetime(2025, 9, 7, 4, 0, tzinfo=UTC),
    )
    headers = factories.auth_headers(client, factories.make_user("organizer"))
    response = client.get(f"/api/v1/reports/event.csv?event_id={event.id}", headers=headers)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [(r["date"], r["booth"], r["net"]) for r in rows] == [
        ("2025-09-06", "B12", "200000"),
        ("2025-09-07", "B12", "100000"),
        ("2025-09-07", "C07", "5000000"),
    ]
    assert rows[2]["paid_card"] == "5000000" and rows[2]["category_painting"] == "5000000"
    assert rows[0]["region"] == "Gianyar" and rows[0]["items_sold"] == "2"
    xlsx = client.get(f"/api/v1/reports/event.xlsx?event_id={event.id}", headers=headers)
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    values = list(sheet.values)
    assert values[0][:3] == ("date", "booth", "exhibitor")
    assert [v[10] for v in values[1:]] == [200_000, 100_000, 5_000_000]  # net, as numbers
    whole = client.get(f"/api/v1/reports/event?event_id={event.id}", headers=headers).get_json()
    assert sum(int(r["net"]) for r in rows) == whole["net"]
    manager = factories.auth_headers(client, silver.manager)
    assert client.get("/api/v1/reports/event.csv", headers=manager).status_code == 403


def test_the_settlement_statement_says_what_the_booth_owes_the_organizer(client, db):
    import io
    from decimal import Decimal

    from pypdf import PdfReader

    event = factories.make_event(
        timezone=WITA, commission_percent=Decimal("2.5"), booth_fee=500_000
    )
    booth = factories.Booth(event, "B12")
    sale = record(
        booth,
        [{"product_id": booth.product.id, "quantity": 3}],
        [{"method": "cash", "amount": 300_000}],
    )
    sales_service.refund_sale(
        booth.manager,
        sales_service.get_sale(booth.manager, sale["id"]),
        lines=[(booth.product.id, 1)],
        reason="x",
    )
    db.session.commit()
    headers = factories.auth_headers(client, booth.manager)
    statement = client.get("/api/v1/reports/settlement", headers=headers).get_json()
    assert (statement["net"], statement["refunds"]) == (200_000, 100_000)
    assert statement["commission"] == 5_000  # 2.5 % of 200,000
    assert statement["owed_to_organizer"] == 505_000
    assert statement["by_payment_method"] == {"cash": 200_000}
    pdf = client.get("/api/v1/reports/settlement.pdf", headers=headers | {"Accept-Language": "id"})
    text = PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()
    assert "Rp505.000" in text and "B12" in text
    other = factories.Booth(event, "C07")
    url = f"/api/v1/reports/settlement?exhibitor_id={booth.exhibitor.id}"
    assert client.get(url, headers=factories.auth_headers(client, other.manager)).status_code == 403


def test_an_event_keeps_its_commission_through_the_api(client, db):
    headers = factories.auth_headers(client, factories.make_user("organizer"))
    created = client.post(
        "/api/v1/events",
        json={
            "name": "Pameran Komisi",
            "timezone": WITA,
            "currency": "IDR",
            "commission_percent": 2.5,
            "booth_fee": 750_000,
        },
        headers=headers,
    )
    assert created.status_code == 201
    assert created.get_json()["commission_percent"] == "2.50"
    too_much = client.post(
        "/api/v1/events",
        json={"name": "X", "timezone": WITA, "commission_percent": 101},
        headers=headers,
    )
    assert too_much.status_code == 422


def test_the_event_report_prints_with_its_figures(client, db, event):
    import io

    from pypdf import PdfReader

    booth = factories.Booth(event, "B12", region="Gianyar")
    record(
        booth,
        [{"product_id": booth.product.id, "quantity": 2}],
        [{"method": "qris", "amount": 200_000}],
    )
    headers = factories.auth_headers(client, factories.make_user("organizer")) | {
        "Accept-Language": "id"
    }
    response = client.get(f"/api/v1/reports/event.pdf?event_id={event.id}", headers=headers)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert "Rp200.000" in text and "Gianyar" in text and "B12" in text and event.name in text
    today = client.get(f"/api/v1/reports/event.pdf?event_id={event.id}&date=today", headers=headers)
    assert today.status_code == 200
