"""Reprints from the pages: the recent-sales page a cashier reprints from, the print
buttons of the sale page, the refund note offered after a refund, and that no booth
reaches another's sales through them."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest

from pos.sales.service import recent_sales
from tests import factories
from tests.factories import sell
from tests.pages import english, sign_in, text


@pytest.fixture
def event(app):
    return factories.make_event(timezone="Asia/Makassar")


@pytest.fixture
def a(event):
    booth = factories.Booth(event, "A1")
    english(booth.manager, booth.cashier)
    return booth


@pytest.fixture
def b(event):
    booth = factories.Booth(event, "B1")
    english(booth.manager, booth.cashier)
    return booth


@pytest.fixture
def organizer(app):
    return factories.make_user("organizer", locale="en")


def sell_offline(client, booth, *, seq, made_at) -> dict:
    code = factories.device_code(client, booth.cashier, booth.exhibitor.id)
    return sell(
        client,
        booth,
        items=[{"product_id": booth.product.id, "quantity": 1, "unit_price": 100_000}],
        offline={
            "device": code,
            "number": f"{booth.exhibitor.booth}-{code}-{seq:04d}",
            "recorded_at": made_at.isoformat(),
            "public_token": uuid.uuid4().hex + uuid.uuid4().hex[:8],
        },
    )


def rows(html: str) -> list[tuple[str, str]]:
    """(receipt number, the sale id its Reprint button prints) of each listed sale."""
    found = re.findall(
        r'<tr\b[^>]*data-receipt="([^"]*)".*?data-print-sale="(\d+)" data-copy="1"', html, re.S
    )
    return [(unescape(number), sale_id) for number, sale_id in found]


def nav_links(html: str) -> list[str]:
    nav = re.search(r'<nav class="mainnav".*?</nav>', html, re.S).group(0)
    return [unescape(label).strip() for label in re.findall(r"<a [^>]*>([^<]*)", nav)]


# --- the recent-sales page --------------------------------------------------------------


@pytest.mark.parametrize("role", ["cashier", "manager"])
def test_booth_staff_see_todays_latest_sales_first_each_with_a_reprint(client, a, role):
    first, second, third = (sell(client, a) for _ in range(3))
    sign_in(client, getattr(a, role))
    response = client.get("/register/recent")
    assert response.status_code == 200
    assert rows(text(response)) == [
        ("A1-000003", str(third["id"])),
        ("A1-000002", str(second["id"])),
        ("A1-000001", str(first["id"])),
    ]
    assert "Reprint (COPY)" in text(response)


def test_a_sale_made_offline_shows_both_numbers_in_the_order_it_was_made(client, a):
    live = sell(client, a)
    offline = sell_offline(client, a, seq=7, made_at=factories.earlier_today(30))
    sign_in(client, a.cashier)
    html = text(client.get("/register/recent"))
    # The offline sale reached the server last but was made first: it is listed after.
    assert rows(html) == [
        (live["receipt_number"], str(live["id"])),
        (offline["receipt_number"], str(offline["id"])),
    ]
    assert "A1-T1-0007" in html


def test_sales_of_earlier_days_are_not_listed(client, a):
    sell_offline(client, a, seq=1, made_at=datetime.now(UTC) - timedelta(days=2))
    today = sell(client, a)
    sign_in(client, a.cashier)
    html = text(client.get("/register/recent"))
    assert rows(html) == [(today["receipt_number"], str(today["id"]))]


def test_without_sales_today_the_page_says_so(client, a):
    sign_in(client, a.cashier)
    html = text(client.get("/register/recent"))
    assert rows(html) == [] and "No sales today yet." in html


def test_the_list_keeps_to_the_latest_sales(app, a, client):
    sales = [sell(client, a) for _ in range(3)]
    listed = recent_sales(a.cashier, a.exhibitor.id, limit=2)
    assert [s.id for s in listed] == [sales[2]["id"], sales[1]["id"]]


@pytest.mark.parametrize("role", ["cashier", "manager"])
def test_another_booths_staff_get_403_on_a_booths_recent_sales(client, a, b, role):
    sell(client, b)
    sign_in(client, getattr(a, role))
    response = client.get(f"/register/recent?exhibitor_id={b.exhibitor.id}")
    assert response.status_code == 403
    assert "B1-000001" not in text(response)


def test_an_organizer_picks_the_booth_and_sees_its_recent_sales(client, a, b, organizer):
    sale = sell(client, b)
    sign_in(client, organizer)
    response = client.get("/register/recent")
    assert response.status_code == 302 and urlsplit(response.location).path == "/exhibitors"
    html = text(client.get(f"/register/recent?exhibitor_id={b.exhibitor.id}"))
    assert rows(html) == [("B1-000001", str(sale["id"]))]


@pytest.mark.parametrize("chosen", ["abc", "-1", "999999"])
def test_a_malformed_or_unknown_booth_gives_404_not_500(client, a, organizer, chosen):
    sign_in(client, organizer)
    response = client.get("/register/recent", query_string={"exhibitor_id": chosen})
    assert response.status_code == 404


def test_a_signed_out_visitor_is_sent_to_sign_in(client, a):
    response = client.get("/register/recent")
    assert response.status_code == 302 and urlsplit(response.location).path == "/login"
    assert parse_qs(urlsplit(response.location).query).get("next") == ["/register/recent"]


@pytest.mark.parametrize("role", ["cashier", "manager"])
def test_the_main_menu_leads_booth_staff_to_the_recent_sales(client, a, role):
    sign_in(client, getattr(a, role))
    links = nav_links(text(client.get("/register/recent")))
    assert "Recent sales" in links and "Register" in links


def test_an_organizers_menu_has_no_booths_recent_sales(client, organizer):
    sign_in(client, organizer)
    assert "Recent sales" not in nav_links(text(client.get("/exhibitors")))


def test_a_cashier_may_fetch_the_copy_the_reprint_button_prints(client, a):
    sale = sell(client, a)
    headers = factories.auth_headers(client, a.cashier)
    copy = client.get(f"/api/v1/sales/{sale['id']}/receipt.pdf?format=80mm&copy=1", headers=headers)
    assert copy.status_code == 200 and copy.mimetype == "application/pdf"
    content = client.get(f"/api/v1/sales/{sale['id']}/receipt.json?copy=1", headers=headers)
    assert content.status_code == 200 and content.get_json()["marks"][0].startswith("SALINAN")


# --- the sale page ----------------------------------------------------------------------


@pytest.mark.parametrize("role", ["cashier", "manager"])
def test_the_sale_page_prints_the_receipt_and_a_copy_in_place(client, a, role):
    sale = sell(client, a)
    sign_in(client, getattr(a, role))
    html = text(client.get(f"/sales/{sale['id']}"))
    assert re.search(rf'<button[^>]*id="print-receipt" data-print-sale="{sale["id"]}">', html)
    assert re.search(
        rf'<button[^>]*id="reprint-receipt" data-print-sale="{sale["id"]}" data-copy="1">', html
    )
    assert re.search(r'src="/static/js/print-buttons\.js\?v=[0-9a-f]+"', html)
    assert 'target="_blank"' not in html


def test_after_a_refund_the_sale_page_offers_its_refund_note_first(client, a):
    sale = sell(client, a, quantity=2, payments=[{"method": "cash", "amount": 200_000}])
    sign_in(client, a.manager)
    page = text(client.get(f"/sales/{sale['id']}/refund"))
    line_id = re.search(r'name="qty-(\d+)"', page).group(1)
    response = client.post(
        f"/sales/{sale['id']}/refund",
        data={f"qty-{line_id}": "1", "reason": "Retak", "method": "cash", "restock": "y"},
    )
    assert response.status_code == 302
    location = urlsplit(response.location)
    assert location.path == f"/sales/{sale['id']}"
    refund_id = parse_qs(location.query)["refund"][0]
    html = text(client.get(f"{location.path}?{location.query}"))
    note = f"/api/v1/refunds/{refund_id}/receipt.pdf"
    button = rf'<button[^>]*class="btn btn-small btn-primary" data-print-pdf="{note}">'
    assert re.search(button, html)
    assert "Print refund note" in html
    headers = factories.auth_headers(client, a.manager)
    assert client.get(note, headers=headers).mimetype == "application/pdf"


def test_another_booths_cashier_cannot_open_the_sale_page_or_its_refund_note(client, a, b):
    sale = sell(client, a)
    manager = factories.auth_headers(client, a.manager)
    refund = client.post(
        f"/api/v1/sales/{sale['id']}/refunds",
        json={"lines": [{"product_id": a.product.id, "quantity": 1}], "reason": "Retak"},
        headers=manager,
    ).get_json()
    sign_in(client, b.cashier)
    assert client.get(f"/sales/{sale['id']}").status_code == 403
    assert client.get(f"/api/v1/refunds/{refund['id']}/receipt.pdf").status_code == 403
    assert client.get(f"/api/v1/sales/{sale['id']}/receipt.pdf?copy=1").status_code == 403
