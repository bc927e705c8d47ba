"""Category attributes of a product: what describes a painting, a silver ring, an endek
cloth or a bamboo craft, and the rules each value must follow. Pure: no app needed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from pos.errors import Invalid


@dataclass(frozen=True)
class Attribute:
    key: str
    label: Any  # a lazy translation
    kind: str  # "text", "number" (decimal, > 0), "year", "choice", "bool"
    choices: tuple[str, ...] = ()
    max_length: int = 120


ATTRIBUTES: dict[str, tuple[Attribute, ...]] = {
    "painting": (
        Attribute("artist", _l("Artist"), "text"),
        Attribute("medium", _l("Medium"), "text"),
        Attribute("width_cm", _l("Width (cm)"), "number"),
        Attribute("height_cm", _l("Height (cm)"), "number"),
        Attribute("year", _l("Year"), "year"),
    ),
    "jewellery": (
        Attribute("material", _l("Material"), "text"),
        Attribute("weight_g", _l("Weight (g)"), "number"),
        Attribute("stone", _l("Stone"), "text"),
    ),
    "endek": (
        Attribute("motif", _l("Motif"), "text"),
        Attribute("colours", _l("Colours"), "text"),
        Attribute("length_m", _l("Length (m)"), "number"),
        Attribute("width_cm", _l("Width (cm)"), "number"),
        Attribute("weaving", _l("Weaving"), "choice", choices=("hand", "machine")),
    ),
    "craft": (
        Attribute("material", _l("Material"), "text"),
        Attribute("dimensions", _l("Dimensions"), "text"),
    ),
    "other": (),
}

CATEGORY_LABELS = {
    "painting": _l("Painting"),
    "jewellery": _l("Jewellery"),
    "endek": _l("Endek cloth"),
    "craft": _l("Craft"),
    "other": _l("Other"),
}

# How a choice is shown (the stored value stays the slug).
CHOICE_LABELS = {"hand": _l("Hand-woven"), "machine": _l("Machine-woven")}

MAX_NUMBER = Decimal(100_000)


def clean_attributes(category: str, raw: dict[str, Any] | None) -> dict[str, Any]:
    """The attributes of ``raw`` that apply to ``category``, checked and normalised.

    Empty values are dropped. Raises Invalid naming the first bad attribute.
    """
    spec = {a.key: a for a in ATTRIBUTES.get(category, ())}
    cleaned: dict[str, Any] = {}
    for key, value in (raw or {}).items():
        attribute = spec.get(key)
        if attribute is None:
            raise Invalid(
                _("%(category)s has no attribute '%(key)s'.", category=category, key=key),
                field=f"attributes.{key}",
            )
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        cleaned[key] = _clean_value(attribute, value)
    return cleaned


def _clean_value(attribute: Attribute, value: Any) -> Any:
    field = f"attributes.{attribute.key}"
    if attribute.kind == "text":
        if not isinstance(value, str):
            raise Invalid(_("%(label)s must be text.", label=attribute.label), field=field)
        value = value.strip()
        if len(value) > attribute.max_length:
            raise Invalid(_("%(label)s is too long.", label=attribute.label), field=field)
        return value
    if attribute.kind == "choice":
        if value not in attribute.choices:
            raise Invalid(
                _(
                    "%(label)s must be one of: %(choices)s.",
                    label=attribute.label,
                    choices=", ".join(attribute.choices),
                ),
                field=field,
            )
        return value
    if attribute.kind == "year":
        year = _whole_number(value)
        if year is None or not 1000 <= year <= date.today().year + 1:
            raise Invalid(
                _("%(label)s must be a year such as 2024.", label=attribute.label), field=field
            )
        return year
    # number: a positive measure such as 2.5 (metres) or 12.4 (grams)
    number = _decimal(value)
    if number is None or not 0 < number <= MAX_NUMBER:
        raise Invalid(_("%(label)s must be a positive number.", label=attribute.label), field=field)
    number = number.normalize()
    return int(number) if number == number.to_integral_value() else float(number)


def _whole_number(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return int(value.strip())
    return None


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float | Decimal):
        value = str(value)
    if not isinstance(value, str):
        return None
    try:
        number = Decimal(value.strip().replace(",", "."))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def describe(category: str, attributes: dict[str, Any]) -> list[tuple[Any, Any]]:
    """(label, value) pairs in the category's order, for product pages and tags; a
    choice shows its label."""
    return [
        (
            a.label,
            CHOICE_LABELS.get(attributes[a.key], attributes[a.key])
            if a.choices
            else attributes[a.key],
        )
        for a in ATTRIBUTES.get(category, ())
        if a.key in attributes
    ]


def attribute_labels() -> dict[str, Any]:
    """The labels of every category's attributes and of the choices, in the user's
    language, for the register's item details (which the browser draws)."""
    return {
        "labels": {
            category: [[a.key, str(a.label)] for a in specs]
            for category, specs in ATTRIBUTES.items()
        },
        "choices": {value: str(label) for value, label in CHOICE_LABELS.items()},
    }
