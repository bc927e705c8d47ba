"""The public product search (API.md, "Public catalogue"): by name, attribute values and
category, each word as the start of a word, on SQLite's FTS5 and PostgreSQL's full-text
search alike (this file runs on both), and only what the catalogue shows."""

from __future__ import annotations

import pytest

from pos.extensions import db
from pos.inventory import service as inventory_service
from pos.inventory.models import Product
from tests.catalogue.conftest import HIDDEN_PRODUCTS


def search(client, fair, **args) -> list[str]:
    response = client.get(f"/api/v1/public/events/{fair.slug}/products", query_string=args)
    assert response.status_code == 200, response.get_json()
    return [item["name"] for item in response.get_json()["items"]]


@pytest.mark.parametrize(
    ("q", "found"),
    [
        ("cincin perak", ["Cincin Perak Granulasi"]),  # the name
        ("CINCIN   Perak!", ["Cincin Perak Granulasi"]),  # any case, any punctuation
        ("cinc", ["Cincin Perak Granulasi"]),  # the start of a word
        ("endek kuning", ["Kain Tenun Bunga"]),  # category word + a colour (attribute)
        ("kain kuning", ["Kain Tenun Bunga"]),  # the category in other words
        ("motif bunga", []),  # attribute names are not searched, only values
        ("bunga", ["Kain Tenun Bunga"]),
        ("budiana", ["Penari Legong"]),  # the artist
        ("925", ["Cincin Perak Granulasi"]),  # silver purity
        ("silver 925", ["Cincin Perak Granulasi"]),
        ("perhiasan", ["Cincin Perak Granulasi"]),  # the category, in Indonesian
        ("jewellery", ["Cincin Perak Granulasi"]),
        ("oil canvas", ["Penari Legong"]),
        ("perak emas", []),  # every word must match
        ("", []),  # nothing asked
        ("!!!", []),
    ],
)
def test_search_finds_by_name_attribute_and_category(client, fair, q, found):
    assert search(client, fair, q=q) == found


def test_the_answer_has_exactly_the_contracts_fields_and_no_stock_figure(client, fair):
    answer = client.get(f"/api/v1/public/events/{fair.slug}/products?q=cincin").get_json()
    assert answer == {
        "items": [
            {
                "product_id": fair.ids["ring"],
                "name": "Cincin Perak Granulasi",
                "category": "jewellery",
                "price": 525_000,
                "booth": "A1",
                "exhibitor": "Sanggar Tampil",
                "availability": "available",
                "after_fair": False,
                "url": "/e/gelar-karya-uji/A1",
                "contact_url": "https://wa.me/6281238001103?text=Cincin%20Perak%20Granulasi",
            }
        ]
    }


def test_a_category_alone_lists_its_shown_products_and_narrows_a_search(client, fair):
    assert search(client, fair, category="jewellery") == ["Cincin Perak Granulasi"]
    assert search(client, fair, q="bunga", category="painting") == []
    assert search(client, fair, category="craft") == sorted(
        ["Anting Habis", "Bros Tinggal Dua", fair.booth.product.name]
    )


def test_availability_is_a_word(client, fair):
    items = client.get(f"/api/v1/public/events/{fair.slug}/products?category=craft").get_json()
    words = {item["name"]: item["availability"] for item in items["items"]}
    assert words == {
        "Anting Habis": "sold",
        "Bros Tinggal Dua": "few_left",
        fair.booth.product.name: "available",
    }


def test_nothing_hidden_is_ever_found(client, fair):
    for name in HIDDEN_PRODUCTS.values():
        for word in name.split():
            assert all(hit not in HIDDEN_PRODUCTS.values() for hit in search(client, fair, q=word))
    # The other event finds its own.
    other = client.get("/api/v1/public/events/acara-lain/products?q=endek").get_json()
    assert [i["name"] for i in other["items"]] == [HIDDEN_PRODUCTS["other_event"]]


def test_the_index_follows_every_change_of_a_product(client, fair):
    """The engines keep the index (SQLite triggers; PostgreSQL's expression index), so a
    product changed by any path is found by what it is now."""
    ring = db.session.get(Product, fair.ids["ring"])
    inventory_service.update_product(
        fair.booth.manager,
        ring,
        {"name": "Gelang Perak Naga", "attributes": {"material": "Silver 950", "weight_g": 7}},
    )
    db.session.commit()
    assert search(client, fair, q="cincin") == []
    assert search(client, fair, q="gelang naga") == ["Gelang Perak Naga"]
    assert search(client, fair, q="950") == ["Gelang Perak Naga"]
    assert search(client, fair, q="925") == []


def test_a_bad_category_is_a_clear_422(client, fair):
    response = client.get(f"/api/v1/public/events/{fair.slug}/products?category=cars")
    assert response.status_code == 422
    assert response.get_json()["error"] == "validation_error"


def test_the_fair_page_searches_the_same_way(client, fair):
    html = client.get(f"/e/{fair.slug}?q=endek+kuning&lang=en").get_data(as_text=True)
    assert "1 piece found" in html and "Kain Tenun Bunga" in html
    endek = fair.ids["endek"]  # the hit names the piece (?p=: its page view) and shows it (#p)
    assert f'href="/e/gelar-karya-uji/A1?p={endek}&amp;lang=en#p{endek}"' in html
    html = client.get(f"/e/{fair.slug}?q=zzzz&lang=id").get_data(as_text=True)
    assert "Tidak ada yang ditemukan." in html


def test_the_demo_finds_endek_kuning_and_cincin_perak(app, client, db):
    from pos.demo import seed_demo

    seed_demo()
    base = "/api/v1/public/events/ikm-bali-bangkit/products"
    endek = client.get(base, query_string={"q": "endek kuning"}).get_json()["items"]
    assert [(i["name"], i["booth"]) for i in endek] == [("Kain Endek Motif Bunga", "C07")]
    rings = client.get(base, query_string={"q": "cincin perak"}).get_json()["items"]
    assert sorted(i["name"] for i in rings) == [
        "Cincin Perak Batu Onyx",
        "Cincin Perak Granulasi",
        "Cincin Perak Motif Jawan",
    ]
