"""Category attributes, rule by rule: what each category takes, how values are
normalised, and what is refused (naming the attribute). Pure: no database."""

from __future__ import annotations

from datetime import date

import pytest

from pos.errors import Invalid
from pos.inventory.attributes import ATTRIBUTES, attribute_labels, clean_attributes, describe


@pytest.fixture(autouse=True)
def _request(app):
    with app.test_request_context():
        yield


def test_each_category_takes_the_attributes_of_its_trade():
    keys = {category: [a.key for a in specs] for category, specs in ATTRIBUTES.items()}
    assert keys == {
        "painting": ["artist", "medium", "width_cm", "height_cm", "year"],
        "jewellery": ["material", "weight_g", "stone"],
        "endek": ["motif", "colours", "length_m", "width_cm", "weaving"],
        "craft": ["material", "dimensions"],
        "other": [],
    }


@pytest.mark.parametrize(
    ("category", "raw", "cleaned"),
    [
        (
            "painting",
            {
                "artist": " I Made Budi ",
                "medium": "Oil on canvas",
                "width_cm": "80",
                "height_cm": "60.5",
                "year": "2024",
            },
            {
                "artist": "I Made Budi",
                "medium": "Oil on canvas",
                "width_cm": 80,
                "height_cm": 60.5,
                "year": 2024,
            },
        ),
        (
            "jewellery",
            {"material": "Silver 925", "weight_g": "6,5", "stone": "Garnet"},
            {"material": "Silver 925", "weight_g": 6.5, "stone": "Garnet"},
        ),
        (
            "jewellery",
            {"material": "Gold 18K", "weight_g": 3},
            {"material": "Gold 18K", "weight_g": 3},
        ),
        (
            "endek",
            {
                "motif": "Cepuk",
                "colours": "merah, emas",
                "length_m": 2.25,
                "width_cm": "110",
                "weaving": "hand",
            },
            {
                "motif": "Cepuk",
                "colours": "merah, emas",
                "length_m": 2.25,
                "width_cm": 110,
                "weaving": "hand",
            },
        ),
        ("endek", {"weaving": "machine"}, {"weaving": "machine"}),
        (
            "craft",
            {"material": "Bamboo", "dimensions": "30 × 20 × 10 cm"},
            {"material": "Bamboo", "dimensions": "30 × 20 × 10 cm"},
        ),
        ("painting", {"artist": "", "medium": None, "year": "  "}, {}),
        ("painting", {"width_cm": "80.0"}, {"width_cm": 80}),
        ("other", {}, {}),
    ],
)
def test_good_attributes_are_kept_trimmed_and_normalised(category, raw, cleaned):
    assert clean_attributes(category, raw) == cleaned


NEXT_YEAR = date.today().year + 1


@pytest.mark.parametrize(
    ("category", "raw", "field"),
    [
        ("painting", {"year": "999"}, "year"),
        ("painting", {"year": str(NEXT_YEAR + 1)}, "year"),
        ("painting", {"year": "2024.5"}, "year"),
        ("painting", {"year": True}, "year"),
        ("painting", {"width_cm": "0"}, "width_cm"),
        ("painting", {"height_cm": "-40"}, "height_cm"),
        ("painting", {"width_cm": "wide"}, "width_cm"),
        ("painting", {"width_cm": "100001"}, "width_cm"),
        ("painting", {"width_cm": "NaN"}, "width_cm"),
        ("painting", {"artist": 42}, "artist"),
        ("painting", {"artist": "x" * 201}, "artist"),
        ("painting", {"weight_g": 5}, "weight_g"),  # a painting is not weighed
        ("jewellery", {"weight_g": "heavy"}, "weight_g"),
        ("jewellery", {"weight_g": -1}, "weight_g"),
        ("jewellery", {"karat": 24}, "karat"),
        ("endek", {"weaving": "loom"}, "weaving"),
        ("endek", {"weaving": "Hand"}, "weaving"),
        ("endek", {"length_m": "2,5,0"}, "length_m"),
        ("craft", {"motif": "Cepuk"}, "motif"),
        ("other", {"material": "Wood"}, "material"),
    ],
)
def test_bad_attributes_are_refused_naming_the_attribute(category, raw, field):
    with pytest.raises(Invalid) as refused:
        clean_attributes(category, raw)
    assert refused.value.details["field"] == f"attributes.{field}"
    assert refused.value.message


def test_the_current_and_next_year_are_accepted_for_a_painting():
    assert clean_attributes("painting", {"year": NEXT_YEAR}) == {"year": NEXT_YEAR}


def test_details_follow_the_categorys_order_and_show_a_choice_by_its_label():
    shown = describe("endek", {"weaving": "hand", "motif": "Cepuk", "length_m": 2.25})
    assert [(str(label), str(value)) for label, value in shown] == [
        ("Motif", "Cepuk"),
        ("Length (m)", "2.25"),
        ("Weaving", "Hand-woven"),
    ]


def test_the_register_gets_every_categorys_labels_and_the_choice_labels():
    labels = attribute_labels()
    assert labels["labels"]["jewellery"] == [
        ["material", "Material"],
        ["weight_g", "Weight (g)"],
        ["stone", "Stone"],
    ]
    assert labels["choices"] == {"hand": "Hand-woven", "machine": "Machine-woven"}
