"""Report pages and the printed daily summary."""

import io

import pytest
from pypdf import PdfReader

from tests import factories
from tests.reports.test_daily import WITA, record


@pytest.fixture
def event(db):
    return factories.make_event(timezone=WITA, name="Pameran Uji Laporan")


def sign_in(client, user):
    client.post("/login", data={"username": user.username, "password": factories.PASSWORD})


def test_the_printed_daily_summary_is_one_a4_page_with_the_figures(client, event):
    booth = factories.Booth(event, "B12")
    record(
        booth,
        [{"product_id": booth.product.id, "quantity": 3}],
        [{"method": "cash", "amount": 300_000}],
    )
    headers = factories.auth_headers(client, booth.manager) | {"Accept-Language": "id"}
    response = client.get("/api/v1/reports/daily.pdf", headers=headers)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == 1 and round(float(reader.pages[0].mediabox.width)) == 595
    text = reader.pages[0].extract_text()
    assert "B12" in text and "Rp300.000" in text and booth.product.sku in text
    assert "Pameran Uji Laporan" in text


def test_the_managers_report_page_shows_the_day_and_the_cashier_gets_none(client, event):
    booth = factories.Booth(event, "B12")
    record(
        booth,
        [{"product_id": booth.product.id, "quantity": 2}],
        [{"method": "qris", "amount": 200_000}],
    )
    booth.manager.locale = "en"
    from pos.extensions import db

    db.session.commit()
    sign_in(client, booth.manager)
    page = client.get("/reports/daily")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "IDR\u00a0200,000" in html and "<svg" in html and booth.product.sku in html
    other = factories.Booth(event, "C07")
    assert client.get(f"/reports/daily?exhibitor_id={other.exhibitor.id}").status_code == 403
    assert client.get("/reports/daily?exhibitor_id=²").status_code == 404
    assert client.get("/reports/daily?date=tomorrow").status_code == 404
    client.post("/logout")
    sign_in(client, booth.cashier)
    assert client.get("/reports/daily").status_code == 403


def test_the_organizer_lands_on_the_dashboard_others_may_not_open_it(client, event):
    organizer = factories.make_user("organizer")
    response = client.post(
        "/login", data={"username": organizer.username, "password": factories.PASSWORD}
    )
    assert response.location.endswith("/dashboard")
    page = client.get("/dashboard")
    assert page.status_code == 200 and 'id="dashboard"' in page.get_data(as_text=True)
    client.post("/logout")
    booth = factories.Booth(event, "A1")
    sign_in(client, booth.manager)
    assert client.get("/dashboard").status_code == 403


def test_the_dashboard_asks_for_the_events_today(client, event):
    booth = factories.Booth(event, "A1")
    record(
        booth,
        [{"product_id": booth.product.id, "quantity": 1}],
        [{"method": "cash", "amount": 100_000}],
    )
    headers = factories.auth_headers(client, factories.make_user("organizer"))
    today = client.get(
        f"/api/v1/reports/event?event_id={event.id}&date=today", headers=headers
    ).get_json()
    assert today["net"] == 100_000 and today["date"] is not None


@pytest.mark.browser
def test_the_dashboard_figures_move_when_a_booth_sells(browser, tmp_path):
    """The organizer watches the dashboard; a sale at a booth shows up without a reload."""
    from tests.browser import TABLET, PageProblems, sign_in
    from tests.servers import bearer, call, served

    with served(tmp_path) as (base, _log):
        context = browser.new_context(**TABLET, locale="id-ID")
        try:
            page = context.new_page()
            page.set_default_timeout(20_000)
            problems = PageProblems(page)
            sign_in(page, base, "organizer")
            page.wait_for_selector("#leaderboard li")
            before = page.locator("#today-transactions").inner_text()
            cashier = bearer(base, "cashier-d02")
            _, products = call(base, "GET", "/api/v1/products?q=BB-KB-07", headers=cashier)
            fan = products["items"][0]
            status, _sale = call(
                base,
                "POST",
                "/api/v1/sales",
                {
                    "exhibitor_id": fan["exhibitor_id"],
                    "items": [{"product_id": fan["id"], "quantity": 1}],
                    "payments": [{"method": "cash", "amount": fan["price"]}],
                },
                cashier | {"Idempotency-Key": "dashboard-live-1"},
            )
            assert status == 201
            after = str(int(before.replace(".", "")) + 1)
            shown = "document.getElementById('today-transactions').textContent.replace('.', '')"
            page.wait_for_function(f"expected => {shown} === expected", arg=after)
            page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
            assert problems.seen == []
        finally:
            context.close()


def test_the_day_close_shows_shifts_cash_and_every_void_and_refund_with_its_reason(
    client, db, event
):
    from pos.sales import service as sales_service

    booth = factories.Booth(event, "B12")
    cashier = factories.auth_headers(client, booth.cashier)
    client.post(
        "/api/v1/shifts",
        json={"exhibitor_id": booth.exhibitor.id, "opening_float": 200_000},
        headers=cashier,
    )
    kept = record(
        booth,
        [{"product_id": booth.product.id, "quantity": 2}],
        [{"method": "cash", "amount": 250_000}],
        user=booth.cashier,
    )
    voided = record(
        booth,
        [{"product_id": booth.product.id, "quantity": 1}],
        [{"method": "qris", "amount": 100_000}],
        user=booth.cashier,
    )
    sales_service.void_sale(
        booth.manager, sales_service.get_sale(booth.manager, voided["id"]), "Salah input"
    )
    sales_service.refund_sale(
        booth.manager,
        sales_service.get_sale(booth.manager, kept["id"]),
        lines=[(booth.product.id, 1)],
        reason="Retak",
        method="cash",
    )
    db.session.commit()
    headers = factories.auth_headers(client, booth.manager)
    close = client.get("/api/v1/reports/day-close", headers=headers).get_json()
    [shift] = close["shifts"]
    assert shift["expected_cash"] == 200_000 + 200_000 - 100_000  # float + cash kept − cash refund
    assert [(v["receipt_number"], v["reason"]) for v in close["voids"]] == [
        (voided["receipt_number"], "Salah input")
    ]
    assert [(r["amount"], r["reason"]) for r in close["refunds"]] == [(100_000, "Retak")]
    pdf = client.get("/api/v1/reports/day-close.pdf", headers=headers | {"Accept-Language": "id"})
    text = PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()
    assert "Salah input" in text and "Retak" in text and "Rp300.000" in text
    assert (
        client.get(
            "/api/v1/reports/day-close", headers=factories.auth_headers(client, booth.cashier)
        ).status_code
        == 403
    )
