"""The booth's selling pages: the register, the manager's day with its totals, one sale
with its void form, the refund page, and closing the cash drawer from the day page;
and above all that no booth reaches another's sales through them."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from pos.db import utcnow
from pos.extensions import db
from pos.formats import format_money
from pos.inventory.models import Product, StockMovement
from pos.sales.models import Refund, Sale, SaleLine, Shift
from pos.sales.service import local_day
from tests import factories
from tests.pages import english, field_errors, field_value, flashes, input_tag, sign_in, text

TIMEZONE = "Asia/Makassar"


@pytest.fixture
def event(app):
    return factories.make_event(timezone=TIMEZONE)


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


# --- helpers ----------------------------------------------------------------------------


def idr(amount: int) -> str:
    """Money as an English page shows it: ``IDR 1,250,000``."""
    return format_money(amount, "IDR", "en")


def strip_tags(fragment: str) -> str:
    # Collapse markup whitespace only: money keeps its no-break space.
    return re.sub(r"[ \t\r\n]+", " ", unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()


def facts(html: str) -> list[tuple[str, str]]:
    """(term, value) of every <dt>/<dd> pair on the page, tags stripped."""
    return [
        (strip_tags(dt), strip_tags(dd))
        for dt, dd in re.findall(r"<dt>(.*?)</dt>\s*<dd>(.*?)</dd>", html, re.S)
    ]


def stat(html: str, label: str) -> str:
    """The figure of one stat card of the day page."""
    match = re.search(
        rf'<div class="stat card[^"]*"><span>{re.escape(label)}</span><strong[^>]*>(.*?)</strong>',
        html,
    )
    assert match, f"the page has no {label!r} figure"
    return strip_tags(match.group(1))


def listed_receipts(html: str) -> list[str]:
    """The receipt numbers of the day table's rows, in page order."""
    return [unescape(r) for r in re.findall(r'<tr\b[^>]*\bdata-receipt="([^"]*)"', html)]


def sale_lines_shown(html: str) -> list[tuple[str, str, str, str, str]]:
    """(name, sku, quantity, unit price, line total) of each line of the sale page."""
    rows = re.findall(
        r'<tr><td>([^<]*)<br><small class="mono">([^<]*)</small>.*?</td>\s*'
        r'<td class="num">([^<]*)</td><td class="num">([^<]*)</td>\s*'
        r'<td class="num">([^<]*)',
        html,
        re.S,
    )
    return [tuple(unescape(cell).strip() for cell in row) for row in rows]


def data_attribute(html: str, name: str) -> str:
    match = re.search(rf'\b{re.escape(name)}="([^"]*)"', html)
    assert match, f"the page has no {name}"
    return unescape(match.group(1))


def location_path(response) -> str:
    return urlsplit(response.location).path


def api_headers(client, user) -> dict[str, str]:
    return factories.auth_headers(client, user)


def sell(client, headers, exhibitor, items, payments) -> dict:
    """Record a sale through the JSON API, as the register does."""
    response = client.post(
        "/api/v1/sales",
        json={"exhibitor_id": exhibitor.id, "items": items, "payments": payments},
        headers=headers | {"Idempotency-Key": str(uuid.uuid4())},
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def sell_one(client, headers, booth, quantity: int = 1) -> dict:
    """``quantity`` of the booth's 100,000 product, paid in cash with no change."""
    return sell(
        client,
        headers,
        booth.exhibitor,
        [{"product_id": booth.product.id, "quantity": quantity}],
        [{"method": "cash", "amount": 100_000 * quantity}],
    )


def reloaded(model, ident):
    """The row as the database has it now (ending the test's own read snapshot)."""
    db.session.rollback()
    return db.session.get(model, ident)


def stock(product_id: int) -> int:
    return reloaded(Product, product_id).stock


def refund_count(sale_id: int | None = None) -> int:
    db.session.rollback()
    query = sa.select(sa.func.count(Refund.id))
    if sale_id is not None:
        query = query.where(Refund.sale_id == sale_id)
    return db.session.scalar(query)


def movement_count(product_id: int) -> int:
    db.session.rollback()
    return db.session.scalar(
        sa.select(sa.func.count(StockMovement.id)).where(StockMovement.product_id == product_id)
    )


def sale_state(sale_id: int):
    """Everything of a sale, its lines, refunds and its products' stock that a page
    could change."""
    sale = reloaded(Sale, sale_id)
    lines = [(line.id, line.quantity, line.refunded_quantity) for line in sale.lines]
    products = sorted({line.product_id for line in sale.lines})
    return (
        sale.status,
        sale.refunded_total,
        sale.voided_at,
        sale.void_reason,
        lines,
        [(p, db.session.get(Product, p).stock) for p in products],
        [(p, movement_count(p)) for p in products],
        refund_count(sale_id),
    )


def line_ids(sale_id: int) -> list[int]:
    db.session.rollback()
    return list(
        db.session.scalars(
            sa.select(SaleLine.id).where(SaleLine.sale_id == sale_id).order_by(SaleLine.line_no)
        )
    )


def today() -> str:
    return local_day(utcnow(), TIMEZONE).isoformat()


# --- the register -----------------------------------------------------------------------


@pytest.mark.parametrize("role", ["cashier", "manager"])
def test_booth_staff_get_the_register_of_their_own_booth(client, a, b, role):
    sign_in(client, getattr(a, role))
    response = client.get("/register")
    assert response.status_code == 200
    html = text(response)
    assert data_attribute(html, "data-exhibitor-id") == str(a.exhibitor.id)
    assert data_attribute(html, "data-booth") == "A1"


def test_an_organizer_gets_the_register_of_the_booth_asked_for(client, a, b, organizer):
    sign_in(client, organizer)
    response = client.get(f"/register?exhibitor_id={b.exhibitor.id}")
    assert response.status_code == 200
    html = text(response)
    assert data_attribute(html, "data-exhibitor-id") == str(b.exhibitor.id)
    assert data_attribute(html, "data-booth") == "B1"


@pytest.mark.parametrize("role", ["cashier", "manager"])
def test_booth_staff_asking_for_another_booths_register_get_403(client, a, b, role):
    sign_in(client, getattr(a, role))
    response = client.get(f"/register?exhibitor_id={b.exhibitor.id}")
    assert response.status_code == 403
    assert f'data-exhibitor-id="{b.exhibitor.id}"' not in text(response)


@pytest.mark.parametrize("path", ["/register", "/day"])
@pytest.mark.parametrize("chosen", ["abc", "-1", "1.0", "²", "999999"])
def test_a_malformed_or_unknown_exhibitor_id_gives_404_not_500(client, a, organizer, path, chosen):
    sign_in(client, organizer)
    response = client.get(path, query_string={"exhibitor_id": chosen})
    assert response.status_code == 404


@pytest.mark.parametrize("path", ["/register", "/day"])
def test_a_signed_out_visitor_is_sent_to_sign_in(client, a, path):
    response = client.get(path)
    assert response.status_code == 302
    assert location_path(response) == "/login"
    assert parse_qs(urlsplit(response.location).query).get("next") == [path]


def test_a_signed_out_visitor_cannot_open_a_sale_page(client, a):
    sale = sell_one(client, api_headers(client, a.cashier), a)
    response = client.get(f"/sales/{sale['id']}")
    assert response.status_code == 302
    assert location_path(response) == "/login"


# --- the manager's day ------------------------------------------------------------------


def test_the_day_lists_todays_sales_and_totals_leave_voided_sales_out(client, a):
    cashier = api_headers(client, a.cashier)
    first = sell_one(client, cashier, a)
    painting = sell(
        client,
        cashier,
        a.exhibitor,
        [{"product_id": a.painting.id, "quantity": 1}],
        [{"method": "qris", "amount": 5_000_000, "reference": "QR-9"}],
    )
    third = sell_one(client, cashier, a, quantity=2)
    voided = client.post(
        f"/api/v1/sales/{painting['id']}/void",
        json={"reason": "rung up by mistake"},
        headers=api_headers(client, a.manager),
    )
    assert voided.status_code == 200, voided.get_json()

    sign_in(client, a.manager)
    response = client.get("/day")
    assert response.status_code == 200
    html = text(response)
    assert sorted(listed_receipts(html)) == ["A1-000001", "A1-000002", "A1-000003"]
    for sale in (first, painting, third):
        assert f'href="/sales/{sale["id"]}"' in html
    # 100,000 + 200,000; the voided 5,000,000 painting is not a transaction of the day
    assert stat(html, "Transactions") == "2"
    assert stat(html, "Sales") == idr(300_000)
    assert stat(html, "Voided") == idr(5_000_000)


def test_the_day_of_a_given_date_shows_only_that_days_sales(client, a):
    sell_one(client, api_headers(client, a.cashier), a)
    sign_in(client, a.manager)
    assert listed_receipts(text(client.get(f"/day?date={today()}"))) == ["A1-000001"]

    yesterday = (local_day(utcnow(), TIMEZONE) - timedelta(days=1)).isoformat()
    response = client.get(f"/day?date={yesterday}")
    assert response.status_code == 200
    html = text(response)
    assert listed_receipts(html) == []
    assert "A1-000001" not in html
    assert stat(html, "Transactions") == "0"
    assert stat(html, "Sales") == idr(0)


@pytest.mark.parametrize("bad", ["2025-13-01", "yesterday", "2025-02-30", "9" * 30])
def test_a_malformed_date_on_the_day_gives_404_not_500(client, a, bad):
    sign_in(client, a.manager)
    response = client.get("/day", query_string={"date": bad})
    assert response.status_code == 404


def test_a_cashier_gets_403_on_the_day(client, a):
    sell_one(client, api_headers(client, a.cashier), a)
    sign_in(client, a.cashier)
    response = client.get("/day")
    assert response.status_code == 403
    assert "A1-000001" not in text(response)


def test_a_manager_cannot_read_another_booths_day(client, a, b):
    sell_one(client, api_headers(client, b.cashier), b)
    sell_one(client, api_headers(client, a.cashier), a)
    sign_in(client, a.manager)

    response = client.get(f"/day?exhibitor_id={b.exhibitor.id}")
    assert response.status_code == 403
    assert "B1-000001" not in text(response)

    own = text(client.get("/day"))
    assert listed_receipts(own) == ["A1-000001"]
    assert "B1-000001" not in own


# --- one sale ---------------------------------------------------------------------------


def test_the_sale_page_shows_lines_totals_and_payments(client, a):
    sale = sell(
        client,
        api_headers(client, a.cashier),
        a.exhibitor,
        [
            {"product_id": a.product.id, "quantity": 2, "discount_percent": 10},
            {"product_id": a.painting.id, "quantity": 1},
        ],
        [
            {"method": "cash", "amount": 1_000_000},
            {"method": "qris", "amount": 4_200_000, "reference": "QR-77"},
        ],
    )
    sign_in(client, a.manager)
    response = client.get(f"/sales/{sale['id']}")
    assert response.status_code == 200
    html = text(response)
    assert "Sale A1-000001" in html
    lines = sale_lines_shown(html)
    assert [(name, sku, qty, price) for name, sku, qty, price, _total in lines] == [
        (a.product.name, "A1-1", "2", idr(100_000)),
        (a.painting.name, "A1-ART", "1", idr(5_000_000)),
    ]
    assert [total for *_rest, total in lines] == [idr(180_000), idr(5_000_000)]
    shown = facts(html)
    assert ("Subtotal", idr(5_200_000)) in shown
    assert ("Discounts", "−" + idr(20_000)) in shown
    assert ("Total", idr(5_180_000)) in shown
    assert ("Cash", idr(1_000_000)) in shown
    assert ("QRIS · QR-77", idr(4_200_000)) in shown
    assert ("Change", idr(20_000)) in shown
    assert f'action="/sales/{sale["id"]}/void"' in html
    assert f'href="/sales/{sale["id"]}/refund"' in html


def test_voiding_from_the_sale_page_restores_stock_and_shows_the_sale_as_void(client, a):
    sale = sell_one(client, api_headers(client, a.cashier), a, quantity=2)
    assert stock(a.product.id) == 3
    sign_in(client, a.manager)

    response = client.post(f"/sales/{sale['id']}/void", data={"reason": "buyer changed mind"})
    assert response.status_code == 302
    assert location_path(response) == f"/sales/{sale['id']}"

    stored = reloaded(Sale, sale["id"])
    assert stored.status == "voided"
    assert stored.void_reason == "buyer changed mind"
    assert stock(a.product.id) == 5

    html = text(client.get(f"/sales/{sale['id']}"))
    assert "Sale A1-000001 is void; its items are back in stock." in flashes(html, "success")
    assert "Void: buyer changed mind" in flashes(html, "error")
    assert f'action="/sales/{sale["id"]}/void"' not in html
    assert f'href="/sales/{sale["id"]}/refund"' not in html


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_void_without_a_reason_is_refused_and_changes_nothing(client, a, reason):
    sale = sell_one(client, api_headers(client, a.cashier), a)
    before = sale_state(sale["id"])
    sign_in(client, a.manager)

    response = client.post(f"/sales/{sale['id']}/void", data={"reason": reason})
    assert response.status_code == 302 and location_path(response) == f"/sales/{sale['id']}"
    html = text(client.get(f"/sales/{sale['id']}"))
    assert flashes(html, "error") == ["Give a reason."]
    assert sale_state(sale["id"]) == before
    assert reloaded(Sale, sale["id"]).status == "completed"
    assert stock(a.product.id) == 4


def test_a_cashier_may_open_a_sale_but_not_void_it(client, a):
    sale = sell_one(client, api_headers(client, a.cashier), a)
    before = sale_state(sale["id"])
    sign_in(client, a.cashier)

    page = client.get(f"/sales/{sale['id']}")
    assert page.status_code == 200
    assert f'action="/sales/{sale["id"]}/void"' not in text(page)

    response = client.post(f"/sales/{sale['id']}/void", data={"reason": "I want to"})
    assert response.status_code == 403
    assert sale_state(sale["id"]) == before
    assert stock(a.product.id) == 4


def test_a_cashier_cannot_open_the_refund_page(client, a):
    sale = sell_one(client, api_headers(client, a.cashier), a)
    before = sale_state(sale["id"])
    sign_in(client, a.cashier)
    assert client.get(f"/sales/{sale['id']}/refund").status_code == 403
    line_id = line_ids(sale["id"])[0]
    response = client.post(
        f"/sales/{sale['id']}/refund",
        data={f"qty-{line_id}": "1", "reason": "broken", "method": "cash", "restock": "y"},
    )
    assert response.status_code == 403
    assert sale_state(sale["id"]) == before


def test_a_manager_cannot_open_void_or_refund_another_booths_sale(client, a, b):
    sale = sell_one(client, api_headers(client, b.cashier), b, quantity=2)
    before = sale_state(sale["id"])
    line_id = line_ids(sale["id"])[0]
    sign_in(client, a.manager)

    answers = [
        client.get(f"/sales/{sale['id']}"),
        client.post(f"/sales/{sale['id']}/void", data={"reason": "not mine"}),
        client.get(f"/sales/{sale['id']}/refund"),
        client.post(
            f"/sales/{sale['id']}/refund",
            data={f"qty-{line_id}": "1", "reason": "not mine", "method": "cash", "restock": "y"},
        ),
    ]
    assert [r.status_code for r in answers] == [403, 403, 403, 403]
    for response in answers:
        assert "B1-000001" not in text(response)
    assert sale_state(sale["id"]) == before
    assert reloaded(Sale, sale["id"]).status == "completed"
    assert stock(b.product.id) == 3


# --- refunds ----------------------------------------------------------------------------


def discounted_sale(client, booth) -> dict:
    """3 × 100,000 less an order discount of 31,000: 269,000 paid, 89,666.67 a unit."""
    response = client.post(
        "/api/v1/sales",
        json={
            "exhibitor_id": booth.exhibitor.id,
            "items": [{"product_id": booth.product.id, "quantity": 3}],
            "discount_amount": 31_000,
            "payments": [{"method": "cash", "amount": 300_000}],
        },
        headers=api_headers(client, booth.manager) | {"Idempotency-Key": str(uuid.uuid4())},
    )
    assert response.status_code == 201, response.get_json()
    sale = response.get_json()
    assert (sale["total"], sale["change"]) == (269_000, 31_000)
    return sale


def test_the_refund_page_has_a_quantity_input_per_line(client, a):
    sale = sell(
        client,
        api_headers(client, a.cashier),
        a.exhibitor,
        [
            {"product_id": a.product.id, "quantity": 2},
            {"product_id": a.painting.id, "quantity": 1},
        ],
        [{"method": "cash", "amount": 5_200_000}],
    )
    sign_in(client, a.manager)
    response = client.get(f"/sales/{sale['id']}/refund")
    assert response.status_code == 200
    html = text(response)
    ids = line_ids(sale["id"])
    assert len(ids) == 2
    assert sorted(re.findall(r'<input[^>]*\bname="(qty-\d+)"', html)) == sorted(
        f"qty-{i}" for i in ids
    )
    assert 'name="reason"' in html and 'name="method"' in html and 'name="restock"' in html


def test_refunding_one_unit_gives_back_its_share_of_what_was_paid_and_restocks(client, a):
    sale = discounted_sale(client, a)
    assert stock(a.product.id) == 2
    line_id = line_ids(sale["id"])[0]
    sign_in(client, a.manager)

    response = client.post(
        f"/sales/{sale['id']}/refund",
        data={f"qty-{line_id}": "1", "reason": "wrong size", "method": "cash", "restock": "y"},
    )
    assert response.status_code == 302
    assert location_path(response) == f"/sales/{sale['id']}"

    db.session.rollback()
    refunds = list(db.session.scalars(sa.select(Refund).where(Refund.sale_id == sale["id"])))
    assert len(refunds) == 1
    refund = refunds[0]
    assert refund.amount == 89_667  # 269,000 / 3 = 89,666.67, rounded half up
    assert (refund.method, refund.reason, refund.restock) == ("cash", "wrong size", True)
    assert refund.refund_number == "A1-R00001"
    assert [(rl.sale_line_id, rl.quantity, rl.amount) for rl in refund.lines] == [
        (line_id, 1, 89_667)
    ]
    stored = reloaded(Sale, sale["id"])
    assert (stored.status, stored.refunded_total) == ("partly_refunded", 89_667)
    assert stock(a.product.id) == 3

    html = text(client.get(f"/sales/{sale['id']}"))
    assert "Refund A1-R00001 recorded." in flashes(html, "success")
    assert ("Refunded", "−" + idr(89_667)) in facts(html)


def test_refunding_without_restock_keeps_stock_unchanged(client, a):
    sale = discounted_sale(client, a)
    line_id = line_ids(sale["id"])[0]
    movements = movement_count(a.product.id)
    sign_in(client, a.manager)

    response = client.post(
        f"/sales/{sale['id']}/refund",
        data={f"qty-{line_id}": "2", "reason": "arrived broken", "method": "cash"},
    )
    assert response.status_code == 302
    db.session.rollback()
    refund = db.session.scalars(sa.select(Refund).where(Refund.sale_id == sale["id"])).one()
    # 2/3 of 269,000 = 179,333.33; the units' shares add up to what was paid
    assert refund.amount == 179_333
    assert refund.restock is False
    assert stock(a.product.id) == 2
    assert movement_count(a.product.id) == movements


def test_refunding_more_than_was_sold_is_refused_with_a_message(client, a):
    sale = discounted_sale(client, a)
    line_id = line_ids(sale["id"])[0]
    before = sale_state(sale["id"])
    sign_in(client, a.manager)

    response = client.post(
        f"/sales/{sale['id']}/refund",
        data={f"qty-{line_id}": "4", "reason": "all of it", "method": "cash", "restock": "y"},
    )
    assert response.status_code == 200  # the refund page again, with the refusal on top
    html = text(response)
    assert flashes(html, "error") == ["Only 3 of these can still be refunded."]
    assert field_value(html, f"qty-{line_id}") == "4"
    assert sale_state(sale["id"]) == before
    assert refund_count() == 0
    assert stock(a.product.id) == 2


def test_refunding_more_than_is_left_after_an_earlier_refund_is_refused(client, a):
    sale = discounted_sale(client, a)
    line_id = line_ids(sale["id"])[0]
    sign_in(client, a.manager)
    first = client.post(
        f"/sales/{sale['id']}/refund",
        data={f"qty-{line_id}": "2", "reason": "first", "method": "cash", "restock": "y"},
    )
    assert first.status_code == 302
    before = sale_state(sale["id"])

    response = client.post(
        f"/sales/{sale['id']}/refund",
        data={f"qty-{line_id}": "2", "reason": "again", "method": "cash", "restock": "y"},
    )
    assert response.status_code == 200
    assert flashes(text(response), "error") == ["Only 1 of these can still be refunded."]
    assert sale_state(sale["id"]) == before
    assert refund_count(sale["id"]) == 1


def test_a_refund_of_nothing_is_refused_with_a_message(client, a):
    sale = discounted_sale(client, a)
    line_id = line_ids(sale["id"])[0]
    before = sale_state(sale["id"])
    sign_in(client, a.manager)

    response = client.post(
        f"/sales/{sale['id']}/refund",
        data={f"qty-{line_id}": "0", "reason": "nothing", "method": "cash", "restock": "y"},
    )
    assert response.status_code == 200
    assert flashes(text(response), "error") == ["Choose at least one item to refund."]
    assert sale_state(sale["id"]) == before


@pytest.mark.parametrize("quantity", ["abc", "-1", "1.5", "1e3", "²"])
def test_a_quantity_that_is_not_a_whole_number_is_refused_without_a_500(client, a, quantity):
    sale = discounted_sale(client, a)
    line_id = line_ids(sale["id"])[0]
    before = sale_state(sale["id"])
    sign_in(client, a.manager)

    response = client.post(
        f"/sales/{sale['id']}/refund",
        data={f"qty-{line_id}": quantity, "reason": "odd", "method": "cash", "restock": "y"},
    )
    assert response.status_code == 200
    html = text(response)
    assert flashes(html, "error") == ["Quantities are whole numbers."]
    assert field_errors(html, "reason") == []  # the reason given is fine
    assert sale_state(sale["id"]) == before


def test_a_refund_without_a_reason_is_refused_and_changes_nothing(client, a):
    sale = discounted_sale(client, a)
    line_id = line_ids(sale["id"])[0]
    before = sale_state(sale["id"])
    sign_in(client, a.manager)

    response = client.post(
        f"/sales/{sale['id']}/refund",
        data={f"qty-{line_id}": "1", "reason": "", "method": "cash", "restock": "y"},
    )
    assert response.status_code == 200
    assert field_errors(text(response), "reason") == ["This field is required."]
    assert sale_state(sale["id"]) == before


# --- closing the cash drawer ------------------------------------------------------------


def test_closing_the_register_from_the_day_page_keeps_expected_beside_counted(client, a):
    cashier = api_headers(client, a.cashier)
    opened = client.post(
        "/api/v1/shifts",
        json={"exhibitor_id": a.exhibitor.id, "opening_float": 200_000},
        headers=cashier,
    )
    assert opened.status_code == 201, opened.get_json()
    shift_id = opened.get_json()["id"]
    # 100,000 paid with 150,000 in cash: 50,000 change, 100,000 kept in the drawer
    sell(
        client,
        cashier,
        a.exhibitor,
        [{"product_id": a.product.id, "quantity": 1}],
        [{"method": "cash", "amount": 150_000}],
    )
    # paid by QRIS: nothing of it is in the drawer
    sell(
        client,
        cashier,
        a.exhibitor,
        [{"product_id": a.painting.id, "quantity": 1}],
        [{"method": "qris", "amount": 5_000_000}],
    )

    sign_in(client, a.manager)
    day = text(client.get("/day"))
    assert f'action="/shifts/{shift_id}/close"' in day
    assert ("Expected in the drawer", idr(300_000)) in facts(day)

    response = client.post(f"/shifts/{shift_id}/close", data={"counted_cash": "295000"})
    assert response.status_code == 302
    assert location_path(response) == "/day"

    shift = reloaded(Shift, shift_id)
    assert shift.closed_at is not None
    assert shift.closed_by_id == a.manager.id
    assert (shift.expected_cash, shift.counted_cash) == (300_000, 295_000)

    html = text(client.get(response.location))
    assert f"Register closed. Expected {idr(300_000)}, counted {idr(295_000)}." in flashes(
        html, "success"
    )
    assert f'action="/shifts/{shift_id}/close"' not in html


def test_closing_a_closed_register_again_shows_an_error_and_changes_nothing(client, a):
    cashier = api_headers(client, a.cashier)
    opened = client.post(
        "/api/v1/shifts",
        json={"exhibitor_id": a.exhibitor.id, "opening_float": 50_000},
        headers=cashier,
    )
    shift_id = opened.get_json()["id"]
    sell_one(client, cashier, a)
    sign_in(client, a.manager)
    closing = client.post(f"/shifts/{shift_id}/close", data={"counted_cash": "150000"})
    assert closing.status_code == 302
    assert flashes(text(client.get(closing.location)), "success")  # read, so it is gone
    first = reloaded(Shift, shift_id)
    closed = (first.closed_at, first.closed_by_id, first.expected_cash, first.counted_cash)
    assert closed[2:] == (150_000, 150_000)

    again = client.post(f"/shifts/{shift_id}/close", data={"counted_cash": "1"})
    assert again.status_code == 302
    html = text(client.get(again.location))
    assert "This shift is already closed." in flashes(html, "error")
    assert not any(m.startswith("Register closed.") for m in flashes(html, "success"))
    shift = reloaded(Shift, shift_id)
    assert (shift.closed_at, shift.closed_by_id, shift.expected_cash, shift.counted_cash) == closed


def test_closing_the_register_without_a_count_is_refused(client, a):
    shift_id = open_register(client, a)
    sign_in(client, a.manager)
    response = client.post(f"/shifts/{shift_id}/close", data={"counted_cash": " "})
    assert response.status_code == 200
    assert field_errors(text(response), "counted_cash") == ["Enter the amount counted."]
    shift = reloaded(Shift, shift_id)
    assert (shift.closed_at, shift.counted_cash) == (None, None)


def open_register(client, booth, opening_float: int = 50_000) -> int:
    """The booth's register opened by its cashier (through the API, as the register
    page does); its shift's id."""
    opened = client.post(
        "/api/v1/shifts",
        json={"exhibitor_id": booth.exhibitor.id, "opening_float": opening_float},
        headers=api_headers(client, booth.cashier),
    )
    assert opened.status_code == 201, opened.get_json()
    return opened.get_json()["id"]


@pytest.mark.parametrize(
    "typed", ["660.000", "660000", "Rp660.000", "Rp 660.000", "IDR 660,000", "660,000"]
)
def test_the_cash_counted_is_read_as_the_app_prints_money(client, a, typed):
    shift_id = open_register(client, a)
    sign_in(client, a.manager)
    day = text(client.get("/day"))
    assert 'type="text"' in input_tag(day, "counted_cash")  # type=number mangles 660.000
    assert 'inputmode="numeric"' in input_tag(day, "counted_cash")

    response = client.post(f"/shifts/{shift_id}/close", data={"counted_cash": typed})
    assert response.status_code == 302
    assert reloaded(Shift, shift_id).counted_cash == 660_000
    assert flashes(text(client.get(response.location)), "success") == [
        f"Register closed. Expected {idr(50_000)}, counted {idr(660_000)}."
    ]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("660.00O", "Write the amount like 660,000 or 660000."),  # a letter O for a zero
        ("6.60.000", "Write the amount like 660,000 or 660000."),
        ("-660.000", "The amount cannot be negative."),
    ],
)
def test_a_count_that_is_no_amount_is_refused_and_stays_in_the_field(client, a, typed, message):
    shift_id = open_register(client, a)
    sign_in(client, a.manager)
    response = client.post(
        f"/shifts/{shift_id}/close", data={"counted_cash": typed, "note": "evening count"}
    )
    assert response.status_code == 200
    page = text(response)
    assert field_errors(page, "counted_cash") == [message]
    assert field_value(page, "counted_cash") == typed
    assert field_value(page, "note") == "evening count"
    shift = reloaded(Shift, shift_id)
    assert (shift.closed_at, shift.counted_cash) == (None, None)


def test_a_cashiers_refused_count_is_flashed_without_showing_the_day(client, a):
    shift_id = open_register(client, a)
    sign_in(client, a.cashier)
    response = client.post(f"/shifts/{shift_id}/close", data={"counted_cash": "abc"})
    assert response.status_code == 302  # the day is a manager's page
    assert flashes(text(client.get("/products")), "error") == [
        "Write the amount like 660,000 or 660000."
    ]
    assert reloaded(Shift, shift_id).closed_at is None


def test_a_manager_cannot_close_another_booths_register(client, a, b):
    opened = client.post(
        "/api/v1/shifts",
        json={"exhibitor_id": b.exhibitor.id, "opening_float": 50_000},
        headers=api_headers(client, b.cashier),
    )
    shift_id = opened.get_json()["id"]
    sign_in(client, a.manager)
    response = client.post(f"/shifts/{shift_id}/close", data={"counted_cash": "0"})
    assert response.status_code == 403
    shift = reloaded(Shift, shift_id)
    assert (shift.closed_at, shift.counted_cash) == (None, None)
