"""The catalogue's HTML pages: the product list (search, category, the organizer's booth
picker), the product forms with their category attributes, the product page with its
stock ledger, stock adjustments, and above all that no booth reaches another's goods."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from pos.auth import service as auth_service
from pos.extensions import db
from pos.inventory.models import Product, StockMovement
from tests import factories
from tests.pages import (
    english,
    field_errors,
    field_value,
    flashes,
    input_tag,
    listed_skus,
    sign_in,
    text,
)


@pytest.fixture
def event(app):
    return factories.make_event()


@pytest.fixture
def a(event):
    booth = factories.Booth(event, "A1", name="Celuk Silver Sudana")
    english(booth.manager, booth.cashier)
    return booth


# What only booth B has: none of it may ever show on a page of booth A's staff.
B_SECRETS = ("Tenun Rahasia Gelgel", "B-SECRET-925", "Cincin Rahasia", "Emas Putih", "B1-ART")


@pytest.fixture
def b(event):
    booth = factories.Booth(event, "B1", name="Tenun Rahasia Gelgel")
    english(booth.manager, booth.cashier)
    booth.secret = factories.make_product(
        booth.exhibitor,
        booth.manager,
        sku="B-SECRET-925",
        name="Cincin Rahasia",
        category="jewellery",
        price=777_777,
        stock=7,
        attributes={"material": "Emas Putih"},
    )
    return booth


@pytest.fixture
def organizer(app):
    return factories.make_user("organizer", locale="en")


# --- helpers ----------------------------------------------------------------------------


def ledger_rows(html: str) -> list[tuple[str, str, str, str, str]]:
    """(what, change, stock after, reason, by) of each stock ledger row, newest first."""
    ledger = html.split("Stock ledger", 1)
    assert len(ledger) == 2, "the page has no stock ledger"
    rows = re.findall(
        r"<tr>\s*<td>[^<]*</td>\s*<td>([^<]*)</td>\s*<td class=\"num\">([^<]*)</td>"
        r"\s*<td class=\"num\">([^<]*)</td>\s*<td>([^<]*)</td>\s*<td>([^<]*)</td>",
        ledger[1],
    )
    return [tuple(unescape(cell).strip() for cell in row) for row in rows]


def products_of(exhibitor_id: int) -> list[Product]:
    db.session.rollback()  # end the test's read snapshot: see what requests committed
    return list(
        db.session.scalars(
            sa.select(Product).where(Product.exhibitor_id == exhibitor_id).order_by(Product.id)
        )
    )


def product_by_sku(exhibitor_id: int, sku: str) -> Product | None:
    db.session.rollback()
    return db.session.scalar(
        sa.select(Product).where(Product.exhibitor_id == exhibitor_id, Product.sku == sku)
    )


def reloaded(product_id: int) -> Product:
    db.session.rollback()
    return db.session.get(Product, product_id)


def movement_count(product_id: int) -> int:
    db.session.rollback()
    return db.session.scalar(
        sa.select(sa.func.count(StockMovement.id)).where(StockMovement.product_id == product_id)
    )


def booth_state(exhibitor_id: int):
    """Everything of a booth's catalogue and ledger that a page could change."""
    products = [
        (p.id, p.sku, p.name, p.category, p.price, p.stock, p.attributes, p.active)
        for p in products_of(exhibitor_id)
    ]
    movements = db.session.scalars(
        sa.select(sa.func.count(StockMovement.id)).where(StockMovement.exhibitor_id == exhibitor_id)
    ).one()
    return products, movements


def product_form(**fields) -> dict[str, str]:
    return {
        "sku": "SR-925-01",
        "name": "Cincin Perak Bunga",
        "category": "jewellery",
        "price": "450000",
        "stock": "12",
        "low_stock_threshold": "",
        "description": "Hand-made in Celuk",
    } | fields


def edit_form(product: Product, **fields) -> dict[str, str]:
    """The edit form as it comes back with only ``fields`` changed."""
    data = {
        "sku": product.sku,
        "name": product.name,
        "category": product.category,
        "price": str(product.price),
        "stock": str(product.stock),
        "low_stock_threshold": "",
        "description": product.description or "",
    }
    if product.one_of_a_kind:
        data["one_of_a_kind"] = "y"
    for key, value in product.attributes.items():
        data[f"attr-{product.category}-{key}"] = str(value)
    return data | fields


# --- the product list -------------------------------------------------------------------


def test_manager_product_list_shows_their_booths_products_only(client, a, b):
    sign_in(client, a.manager)
    response = client.get("/products")
    assert response.status_code == 200
    html = text(response)
    assert sorted(listed_skus(html)) == ["A1-1", "A1-ART"]
    assert 'href="/products/new' in html
    for secret in B_SECRETS:
        assert secret not in html


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("a1-art", ["A1-ART"]),  # SKU, any case
        ("rahasia", []),  # another booth's product name
        ("i made", ["A1-ART"]),  # the painting's artist
        ("oil", ["A1-ART"]),  # its medium
        ("no such thing", []),
    ],
)
def test_product_search_matches_sku_name_and_attributes_within_the_booth(client, a, b, q, expected):
    sign_in(client, a.manager)
    response = client.get("/products", query_string={"q": q})
    assert response.status_code == 200
    assert listed_skus(text(response)) == expected


def test_product_search_matches_the_product_name(client, a):
    sign_in(client, a.manager)
    name = a.product.name
    assert listed_skus(text(client.get("/products", query_string={"q": name}))) == ["A1-1"]


@pytest.mark.parametrize(
    ("category", "expected"),
    [("painting", ["A1-ART"]), ("craft", ["A1-1"]), ("endek", []), ("weapons", None)],
)
def test_category_filter_shows_only_that_category(client, a, category, expected):
    sign_in(client, a.manager)
    response = client.get("/products", query_string={"category": category})
    assert response.status_code == 200
    skus = listed_skus(text(response))
    if expected is None:  # an unknown category is no filter at all
        assert sorted(skus) == ["A1-1", "A1-ART"]
    else:
        assert skus == expected


def test_organizer_sees_every_booth_and_picks_one_with_the_booth_picker(client, organizer, a, b):
    sign_in(client, organizer)
    everything = text(client.get("/products"))
    assert sorted(listed_skus(everything)) == ["A1-1", "A1-ART", "B-SECRET-925", "B1-1", "B1-ART"]
    picker = re.search(r'<select name="exhibitor_id".*?</select>', everything, re.S)
    assert picker, "no booth picker"
    assert re.findall(r'<option value="(\d+)"', picker[0]) == [
        str(a.exhibitor.id),
        str(b.exhibitor.id),
    ]

    response = client.get("/products", query_string={"exhibitor_id": b.exhibitor.id})
    assert response.status_code == 200
    html = text(response)
    assert sorted(listed_skus(html)) == ["B-SECRET-925", "B1-1", "B1-ART"]
    assert re.search(rf'<option value="{b.exhibitor.id}" selected', html)
    assert f'href="/products/new?exhibitor_id={b.exhibitor.id}"' in html


def test_cashier_sees_their_booths_products_but_no_manage_controls(client, a):
    sign_in(client, a.cashier)
    listing = client.get("/products")
    assert listing.status_code == 200
    assert sorted(listed_skus(text(listing))) == ["A1-1", "A1-ART"]
    assert "/products/new" not in text(listing)
    detail = client.get(f"/products/{a.product.id}")
    assert detail.status_code == 200
    html = text(detail)
    assert ledger_rows(html)[-1][:3] == ("Opening stock", "+5", "5")
    assert f"/products/{a.product.id}/edit" not in html
    assert f"/products/{a.product.id}/adjust" not in html


# --- new product ------------------------------------------------------------------------


def test_manager_adds_a_product_with_category_attributes_and_opening_stock(client, a):
    sign_in(client, a.manager)
    assert client.get("/products/new").status_code == 200
    response = client.post(
        "/products/new",
        data=product_form(
            **{
                "attr-jewellery-material": "Silver 925",
                "attr-jewellery-weight_g": "6,5",
                # a hidden fieldset of another category still sends its inputs
                "attr-painting-artist": "Typed before switching category",
            }
        ),
    )
    assert response.status_code == 302
    location = urlsplit(response.location)
    assert location.path == "/products"
    assert parse_qs(location.query) == {"exhibitor_id": [str(a.exhibitor.id)]}

    product = product_by_sku(a.exhibitor.id, "SR-925-01")
    assert (product.name, product.category, product.price, product.stock) == (
        "Cincin Perak Bunga",
        "jewellery",
        450_000,
        12,
    )
    assert product.attributes == {"material": "Silver 925", "weight_g": 6.5}
    listing = text(client.get(response.location))
    assert "SR-925-01" in listed_skus(listing)
    assert flashes(listing, "success") == ["Product SR-925-01 added."]
    assert ledger_rows(text(client.get(f"/products/{product.id}"))) == [
        ("Opening stock", "+12", "12", "", a.manager.name)
    ]


def test_painting_attributes_are_read_from_their_attr_inputs(client, a):
    sign_in(client, a.manager)
    response = client.post(
        "/products/new",
        data=product_form(
            sku="PTG-077",
            name="Sawah di Jatiluwih",
            category="painting",
            price="8500000",
            stock="1",
            one_of_a_kind="y",
            **{
                "attr-painting-artist": "Ni Made Sari",
                "attr-painting-medium": "Acrylic on canvas",
                "attr-painting-width_cm": "100",
                "attr-painting-height_cm": "70",
                "attr-painting-year": "2024",
            },
        ),
    )
    assert response.status_code == 302
    product = product_by_sku(a.exhibitor.id, "PTG-077")
    assert product.one_of_a_kind is True
    assert product.attributes == {
        "artist": "Ni Made Sari",
        "medium": "Acrylic on canvas",
        "width_cm": 100,
        "height_cm": 70,
        "year": 2024,
    }
    page = text(client.get(f"/products/{product.id}"))
    assert "Ni Made Sari" in page and "2024" in page


def test_organizer_adds_a_product_to_the_booth_they_picked(client, organizer, a, b):
    sign_in(client, organizer)
    assert client.get(f"/products/new?exhibitor_id={b.exhibitor.id}").status_code == 200
    response = client.post(
        f"/products/new?exhibitor_id={b.exhibitor.id}", data=product_form(sku="ORG-1")
    )
    assert response.status_code == 302
    assert product_by_sku(b.exhibitor.id, "ORG-1") is not None
    assert product_by_sku(a.exhibitor.id, "ORG-1") is None


def test_duplicate_sku_shows_an_error_at_sku_and_creates_nothing(client, a):
    sign_in(client, a.manager)
    before = booth_state(a.exhibitor.id)
    response = client.post("/products/new", data=product_form(sku="A1-1", name="Second"))
    assert response.status_code == 409  # the form again: the SKU is taken
    assert field_errors(text(response), "sku") == ["SKU A1-1 is already used at this booth."]
    assert booth_state(a.exhibitor.id) == before


def test_the_same_sku_may_be_used_by_another_booth(client, a, b):
    sign_in(client, a.manager)
    response = client.post("/products/new", data=product_form(sku="B1-1"))
    assert response.status_code == 302
    assert product_by_sku(a.exhibitor.id, "B1-1") is not None


@pytest.mark.parametrize(
    ("price", "error"),
    [
        ("-1", "The amount cannot be negative."),
        ("-450000", "The amount cannot be negative."),
        ("abc", "Write the amount like 660,000 or 660000."),
        ("", "Enter a price."),
    ],
)
def test_negative_or_missing_price_shows_an_error_at_price_and_creates_nothing(
    client, a, price, error
):
    sign_in(client, a.manager)
    before = booth_state(a.exhibitor.id)
    response = client.post("/products/new", data=product_form(price=price))
    assert response.status_code == 200  # the form again, with what is wrong
    assert field_errors(text(response), "price") == [error]
    assert booth_state(a.exhibitor.id) == before


AMOUNTS_AS_WRITTEN = ["4.500.000", "4500000", "Rp4.500.000", "Rp 4.500.000", "IDR 4,500,000"]


@pytest.mark.parametrize("typed", AMOUNTS_AS_WRITTEN)
def test_a_new_products_price_is_read_as_the_app_prints_money(client, a, typed):
    sign_in(client, a.manager)
    price = input_tag(text(client.get("/products/new")), "price")
    assert 'type="text"' in price and 'inputmode="numeric"' in price
    response = client.post("/products/new", data=product_form(price=typed))
    assert response.status_code == 302
    assert product_by_sku(a.exhibitor.id, "SR-925-01").price == 4_500_000


@pytest.mark.parametrize("typed", AMOUNTS_AS_WRITTEN)
def test_an_edited_price_is_read_as_the_app_prints_money(client, a, typed):
    sign_in(client, a.manager)
    product = reloaded(a.product.id)
    response = client.post(f"/products/{product.id}/edit", data=edit_form(product, price=typed))
    assert response.status_code == 302
    assert reloaded(product.id).price == 4_500_000


def test_the_edit_form_shows_the_price_as_the_app_prints_it_without_the_currency(client, a):
    product = factories.make_product(a.exhibitor, a.manager, price=4_500_000)
    sign_in(client, a.manager)
    assert field_value(text(client.get(f"/products/{product.id}/edit")), "price") == "4,500,000"
    auth_service.set_locale(a.manager, "id")
    db.session.commit()
    assert field_value(text(client.get(f"/products/{product.id}/edit")), "price") == "4.500.000"


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("4.500.00O", "Write the amount like 660,000 or 660000."),
        ("4.50", "Write the amount like 660,000 or 660000."),
        ("-4.500.000", "The amount cannot be negative."),
    ],
)
def test_a_price_that_is_no_amount_is_refused_and_stays_in_the_field(client, a, typed, message):
    sign_in(client, a.manager)
    before = booth_state(a.exhibitor.id)
    response = client.post("/products/new", data=product_form(price=typed))
    assert response.status_code == 200
    page = text(response)
    assert field_errors(page, "price") == [message]
    assert field_value(page, "price") == typed
    assert field_value(page, "sku") == "SR-925-01"
    assert booth_state(a.exhibitor.id) == before


@pytest.mark.parametrize("year", ["20x4", "3000", "999", "2024.5"])
def test_bad_painting_year_is_refused_with_an_error_and_creates_nothing(client, a, year):
    sign_in(client, a.manager)
    before = booth_state(a.exhibitor.id)
    response = client.post(
        "/products/new",
        data=product_form(
            sku="PTG-078",
            category="painting",
            stock="1",
            **{"attr-painting-artist": "I Ketut Budiana", "attr-painting-year": year},
        ),
    )
    assert response.status_code == 422  # the form again, with what is wrong
    html = text(response)
    assert flashes(html, "error") == ["Year must be a year such as 2024."]
    assert 'value="I Ketut Budiana"' in html  # what was typed is kept
    assert booth_state(a.exhibitor.id) == before


def test_one_of_a_kind_product_cannot_start_with_more_than_one(client, a):
    sign_in(client, a.manager)
    before = booth_state(a.exhibitor.id)
    response = client.post(
        "/products/new",
        data=product_form(sku="PTG-079", category="painting", stock="3", one_of_a_kind="y"),
    )
    assert response.status_code == 422  # the form again, with what is wrong
    assert field_errors(text(response), "stock") == ["A one-of-a-kind item has a stock of 0 or 1."]
    assert booth_state(a.exhibitor.id) == before


# --- product page, edit, stock ----------------------------------------------------------


def test_product_page_shows_the_product_and_its_stock_ledger(client, a):
    sign_in(client, a.manager)
    response = client.get(f"/products/{a.painting.id}")
    assert response.status_code == 200
    html = text(response)
    assert "A1-ART" in html and "I Made" in html
    assert ledger_rows(html) == [("Opening stock", "+1", "1", "", a.manager.name)]
    assert f'action="/products/{a.painting.id}/adjust"' in html


def test_editing_the_stock_figure_records_an_adjustment_in_the_ledger(client, a):
    sign_in(client, a.manager)
    product = reloaded(a.product.id)
    form = client.get(f"/products/{product.id}/edit")
    assert form.status_code == 200
    assert 'value="A1-1"' in text(form)

    response = client.post(
        f"/products/{product.id}/edit",
        data=edit_form(product, stock="9", price="125000", name="Keben Bambu"),
    )
    assert response.status_code == 302
    assert urlsplit(response.location).path == f"/products/{product.id}"
    changed = reloaded(product.id)
    assert (changed.stock, changed.price, changed.name) == (9, 125_000, "Keben Bambu")
    rows = ledger_rows(text(client.get(response.location)))
    assert rows[0] == (
        "Adjustment",
        "+4",
        "9",
        "Stock corrected in the product form",
        a.manager.name,
    )
    assert rows[1][:3] == ("Opening stock", "+5", "5")


def test_editing_without_changing_the_stock_records_no_movement(client, a):
    sign_in(client, a.manager)
    product = reloaded(a.product.id)
    response = client.post(f"/products/{product.id}/edit", data=edit_form(product, price="1"))
    assert response.status_code == 302
    assert reloaded(product.id).price == 1
    assert movement_count(product.id) == 1


def test_edit_to_another_products_sku_shows_an_error_and_changes_nothing(client, a):
    sign_in(client, a.manager)
    product = reloaded(a.product.id)
    before = booth_state(a.exhibitor.id)
    response = client.post(
        f"/products/{product.id}/edit", data=edit_form(product, sku="A1-ART", stock="2")
    )
    assert response.status_code == 409  # the form again: the SKU is taken
    assert field_errors(text(response), "sku") == ["SKU A1-ART is already used at this booth."]
    assert booth_state(a.exhibitor.id) == before


def test_stock_adjustment_form_records_a_ledger_row(client, a):
    sign_in(client, a.manager)
    response = client.post(
        f"/products/{a.product.id}/adjust", data={"delta": "3", "reason": "Delivery from workshop"}
    )
    assert response.status_code == 302
    assert urlsplit(response.location).path == f"/products/{a.product.id}"
    assert reloaded(a.product.id).stock == 8
    page = text(client.get(response.location))
    assert flashes(page, "success") == ["Stock of A1-1 is now 8."]
    assert ledger_rows(page)[0] == (
        "Adjustment",
        "+3",
        "8",
        "Delivery from workshop",
        a.manager.name,
    )


def test_taking_out_more_than_in_stock_is_refused_with_a_message_and_stock_unchanged(client, a):
    sign_in(client, a.manager)
    name = a.product.name
    response = client.post(
        f"/products/{a.product.id}/adjust", data={"delta": "-6", "reason": "Damaged"}
    )
    page = text(client.get(response.location)) if response.status_code == 302 else text(response)
    assert flashes(page, "error") == [f"Only 5 of {name} in stock."]
    assert reloaded(a.product.id).stock == 5
    assert movement_count(a.product.id) == 1
    assert ledger_rows(page) == [("Opening stock", "+5", "5", "", a.manager.name)]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"delta": "2", "reason": ""}, "This field is required."),
        ({"delta": "2", "reason": "   "}, None),
        ({"delta": "0", "reason": "Recount"}, "The change is a whole number other than 0."),
        ({"delta": "two", "reason": "Recount"}, None),
    ],
)
def test_stock_adjustment_without_a_reason_or_a_number_is_refused(client, a, data, message):
    sign_in(client, a.manager)
    response = client.post(f"/products/{a.product.id}/adjust", data=data)
    page = text(client.get(response.location)) if response.status_code == 302 else text(response)
    errors = flashes(page, "error")
    assert errors, "no error shown"
    if message:
        assert errors == [message]
    assert reloaded(a.product.id).stock == 5
    assert movement_count(a.product.id) == 1


def test_one_of_a_kind_item_cannot_be_counted_above_one(client, a):
    sign_in(client, a.manager)
    response = client.post(f"/products/{a.painting.id}/adjust", data={"delta": "1", "reason": "x"})
    page = text(client.get(response.location)) if response.status_code == 302 else text(response)
    assert flashes(page, "error") == ["A one-of-a-kind item cannot have more than one in stock."]
    assert reloaded(a.painting.id).stock == 1


# --- a cashier sells, but does not manage -----------------------------------------------


def test_cashier_gets_403_on_edit_adjust_and_new_and_changes_nothing(client, a):
    sign_in(client, a.cashier)
    product = reloaded(a.product.id)
    before = booth_state(a.exhibitor.id)
    attempts = [
        ("GET", f"/products/{product.id}/edit", None),
        ("POST", f"/products/{product.id}/edit", edit_form(product, stock="50", price="1")),
        ("POST", f"/products/{product.id}/adjust", {"delta": "50", "reason": "Mine now"}),
        ("GET", "/products/new", None),
        ("POST", "/products/new", product_form(sku="CASHIER-1")),
    ]
    for method, url, data in attempts:
        response = client.open(url, method=method, data=data)
        assert response.status_code == 403, f"{method} {url}: {response.status_code}"
    assert booth_state(a.exhibitor.id) == before


# --- isolation: booth A's staff and booth B's goods -------------------------------------


B_PAGES = (
    "list with exhibitor_id=B",
    "list with exhibitor_id=B searched",
    "detail of B's product",
    "detail of B's painting",
    "edit form of B's product",
    "edit post to B's product",
    "adjust post to B's product",
    "adjust post to B's painting",
    "new form with exhibitor_id=B",
    "new post with exhibitor_id=B",
)


def page_of_booth_b(b, which: str) -> tuple[str, str, dict | None]:
    """An inventory page aimed at booth B, with a body that would change B's goods."""
    secret, painting, booth = b.secret.id, b.painting.id, b.exhibitor.id
    hijack = {
        "sku": "B-SECRET-925",
        "name": "Hijacked",
        "category": "jewellery",
        "price": "1",
        "stock": "99",
        "attr-jewellery-material": "Brass",
    }
    return {
        "list with exhibitor_id=B": ("GET", f"/products?exhibitor_id={booth}", None),
        "list with exhibitor_id=B searched": (
            "GET",
            f"/products?exhibitor_id={booth}&q=rahasia",
            None,
        ),
        "detail of B's product": ("GET", f"/products/{secret}", None),
        "detail of B's painting": ("GET", f"/products/{painting}", None),
        "edit form of B's product": ("GET", f"/products/{secret}/edit", None),
        "edit post to B's product": ("POST", f"/products/{secret}/edit", hijack),
        "adjust post to B's product": (
            "POST",
            f"/products/{secret}/adjust",
            {"delta": "-7", "reason": "Taken"},
        ),
        "adjust post to B's painting": (
            "POST",
            f"/products/{painting}/adjust",
            {"delta": "-1", "reason": "Taken"},
        ),
        "new form with exhibitor_id=B": ("GET", f"/products/new?exhibitor_id={booth}", None),
        "new post with exhibitor_id=B": (
            "POST",
            f"/products/new?exhibitor_id={booth}",
            product_form(sku="PLANTED-1"),
        ),
    }[which]


@pytest.mark.parametrize("role", ["manager", "cashier"])
@pytest.mark.parametrize("which", B_PAGES)
def test_booth_a_staff_never_see_or_change_booth_b_goods_through_any_page(
    client, a, b, role, which
):
    method, url, data = page_of_booth_b(b, which)
    before = booth_state(b.exhibitor.id)
    sign_in(client, getattr(a, role))
    response = client.open(url, method=method, data=data)
    html = text(response)
    for secret in B_SECRETS:
        assert secret not in html, f"{method} {url} shows {secret!r}"
    assert booth_state(b.exhibitor.id) == before
    assert product_by_sku(b.exhibitor.id, "PLANTED-1") is None


@pytest.mark.parametrize("role", ["manager", "cashier"])
@pytest.mark.parametrize("which", B_PAGES)
def test_booth_a_staff_get_403_or_404_on_every_page_aimed_at_booth_b(client, a, b, role, which):
    method, url, data = page_of_booth_b(b, which)
    sign_in(client, getattr(a, role))
    response = client.open(url, method=method, data=data)
    assert response.status_code == 403, f"{method} {url}: {response.status_code}"


def test_a_product_id_that_does_not_exist_is_404(client, a):
    sign_in(client, a.manager)
    assert client.get("/products/999999").status_code == 404
    assert (
        client.post("/products/999999/adjust", data={"delta": "1", "reason": "x"}).status_code
        == 404
    )
