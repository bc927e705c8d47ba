"""A small fair with every kind of figure, and its expected numbers worked out by hand.

Three booths: B12 (silver, Gianyar) and C07 (endek and paintings, Klungkung) sell; D02
(bamboo, Bangli) sells nothing. Yesterday one sale; today four kept sales, one void and
three refunds (one of them of yesterday's sale). Sales carry the buyer's origin
(domestic, foreign, or not asked), line and order discounts and split payments.

    yesterday
    S0  B12 foreign   1 ring 450.000                             qris 450.000
    today
    S1  B12 domestic  2 rings 450.000 −10 % (= 810.000), 1 bowl 120.000,
                      order discount 30.000 → ring line 783.870, bowl 116.130;
                      total 900.000                  cash 1.000.000, change 100.000
    S2  B12 foreign   1 ring 450.000                             qris 450.000
    S3  B12 —         1 bowl 120.000                             cash 120.000
    S4  C07 foreign   1 endek 1.250.000, 1 painting 5.000.000, order discount 250.000
                      → endek 1.200.000, painting 4.800.000; total 6.000.000
                                                   card 1.000.000 + transfer 5.000.000
    S5  C07 domestic  1 endek 1.250.000, cash — voided
    R1  S1's bowl     116.130 back in cash
    R2  S0's ring     450.000 back by qris (yesterday's sale, refunded today)
    R3  S4's endek    1.200.000 back by transfer

B12's register is opened today with a float of 100.000: it expects 100.000 + 900.000 +
120.000 − 116.130 = 1.003.870 in cash.

The order discount is spread in proportion to the line totals (810.000 : 120.000), the
unit left over going to the larger line: 30.000 → 26.130 + 3.870.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from pos.extensions import db
from pos.sales import service as sales_service
from pos.sales.schemas import SaleIn
from pos.sales.service import local_day
from tests import factories

WITA = "Asia/Makassar"

# --- what every report must say -------------------------------------------------------

B12_TODAY = {
    "transactions": 3,
    "items_sold": 5,
    "gross": 1_590_000,
    "discounts": 120_000,
    "refunds": 566_130,
    "voids": 0,
    "net": 903_870,
    "by_payment_method": {"cash": 903_870},  # qris 450.000 − 450.000 is left out
    "by_category": {"craft": 120_000, "jewellery": 783_870},
}
C07_TODAY = {
    "transactions": 1,
    "items_sold": 2,
    "gross": 6_250_000,
    "discounts": 250_000,
    "refunds": 1_200_000,
    "voids": 1_250_000,
    "net": 4_800_000,
    "by_payment_method": {"card": 1_000_000, "transfer": 3_800_000},
    "by_category": {"painting": 4_800_000},
}
EVENT_TODAY = {
    "transactions": 4,
    "items_sold": 7,
    "gross": 7_840_000,
    "discounts": 370_000,
    "refunds": 1_766_130,
    "voids": 1_250_000,
    "net": 5_703_870,
    "by_payment_method": {"card": 1_000_000, "cash": 903_870, "transfer": 3_800_000},
    "by_category": {"craft": 120_000, "jewellery": 783_870, "painting": 4_800_000},
    "by_region": {"Bangli": 0, "Gianyar": 903_870, "Klungkung": 4_800_000},
    "by_origin": {
        "domestic": {"transactions": 1, "amount": 783_870},
        "foreign": {"transactions": 2, "amount": 4_800_000},
        "unknown": {"transactions": 1, "amount": 120_000},
    },
    "by_exhibitor": [("C07", 4_800_000), ("B12", 903_870), ("D02", 0)],
}
EVENT_WHOLE = {
    "transactions": 5,
    "items_sold": 8,
    "gross": 8_290_000,
    "discounts": 370_000,
    "refunds": 1_766_130,
    "voids": 1_250_000,
    "net": 6_153_870,
    "by_payment_method": {
        "card": 1_000_000,
        "cash": 903_870,
        "qris": 450_000,
        "transfer": 3_800_000,
    },
    "by_category": {"craft": 120_000, "jewellery": 1_233_870, "painting": 4_800_000},
    "by_region": {"Bangli": 0, "Gianyar": 1_353_870, "Klungkung": 4_800_000},
    "by_origin": {
        "domestic": {"transactions": 1, "amount": 783_870},
        "foreign": {"transactions": 3, "amount": 5_250_000},
        "unknown": {"transactions": 1, "amount": 120_000},
    },
    "by_exhibitor": [("C07", 4_800_000), ("B12", 1_353_870), ("D02", 0)],
}


@dataclass
class Fair:
    event: object
    b12: factories.Booth
    c07: factories.Booth
    d02: factories.Booth
    organizer: object
    today: date
    yesterday: date
    sales: dict[str, dict]  # "S0".."S5": the API's answers
    refunds: dict[str, object]  # "R1".."R3"


def _sell(booth, items, payments, *, origin=None, discount_amount=0, at=None) -> dict:
    body = {
        "exhibitor_id": booth.exhibitor.id,
        "items": items,
        "payments": payments,
        "discount_amount": discount_amount,
    }
    if origin:
        body["buyer"] = {"name": "Pembeli", "origin": origin}
    order = SaleIn.model_validate_json(json.dumps(body))
    answer = sales_service.record_sale(
        booth.manager, order, idempotency_key=str(uuid.uuid4()), at=at
    )
    db.session.commit()
    return answer.body


def _refund(booth, sale: dict, product_id: int, method: str):
    refund = sales_service.refund_sale(
        booth.manager,
        sales_service.get_sale(booth.manager, sale["id"]),
        lines=[(product_id, 1)],
        reason="Tidak jadi",
        method=method,
    )
    db.session.commit()
    return refund


def build() -> Fair:
    """The fair above, recorded through the services (the rollups as the app keeps them)."""
    event = factories.make_event(timezone=WITA, name="Pameran Uji Angka")
    b12 = factories.Booth(event, "B12", region="Gianyar", name="Perak Celuk")
    c07 = factories.Booth(event, "C07", region="Klungkung", name="Endek Sidemen")
    d02 = factories.Booth(event, "D02", region="Bangli", name="Bambu Kayubihi")
    ring, bowl, endek, painting = (
        factories.make_product(
            booth.exhibitor, booth.manager, sku=sku, name=name, price=price, stock=stock,
            category=category, one_of_a_kind=stock == 1,
        )
        for booth, sku, name, price, stock, category in (
            (b12, "RING", "Cincin perak", 450_000, 20, "jewellery"),
            (b12, "BOWL", "Mangkuk perak", 120_000, 20, "craft"),
            (c07, "ENDEK", "Kain endek", 1_250_000, 10, "endek"),
            (c07, "ART-1", "Sawah di pagi hari", 5_000_000, 1, "painting"),
        )
    )  # fmt: skip
    # B12's register opens with a float of 100.000 (C07's opens by itself, float 0).
    sales_service.open_shift(b12.manager, b12.exhibitor.id, opening_float=100_000)
    db.session.commit()
    today = local_day(datetime.now(UTC), WITA)
    yesterday = today - timedelta(days=1)
    noon_yesterday = datetime.combine(yesterday, time(4, 0), tzinfo=UTC)  # 12:00 WITA

    s0 = _sell(
        b12,
        [{"product_id": ring.id, "quantity": 1}],
        [{"method": "qris", "amount": 450_000}],
        origin="foreign",
        at=noon_yesterday,
    )
    s1 = _sell(
        b12,
        [
            {"product_id": ring.id, "quantity": 2, "discount_percent": 10},
            {"product_id": bowl.id, "quantity": 1},
        ],
        [{"method": "cash", "amount": 1_000_000}],
        origin="domestic",
        discount_amount=30_000,
    )
    s2 = _sell(
        b12,
        [{"product_id": ring.id, "quantity": 1}],
        [{"method": "qris", "amount": 450_000}],
        origin="foreign",
    )
    s3 = _sell(
        b12, [{"product_id": bowl.id, "quantity": 1}], [{"method": "cash", "amount": 120_000}]
    )
    s4 = _sell(
        c07,
        [{"product_id": endek.id, "quantity": 1}, {"product_id": painting.id, "quantity": 1}],
        [{"method": "card", "amount": 1_000_000}, {"method": "transfer", "amount": 5_000_000}],
        origin="foreign",
        discount_amount=250_000,
    )
    s5 = _sell(
        c07,
        [{"product_id": endek.id, "quantity": 1}],
        [{"method": "cash", "amount": 1_250_000}],
        origin="domestic",
    )
    sales_service.void_sale(c07.manager, sales_service.get_sale(c07.manager, s5["id"]), "Salah")
    db.session.commit()
    assert (s1["total"], s1["change"], s4["total"]) == (900_000, 100_000, 6_000_000)
    r1 = _refund(b12, s1, bowl.id, "cash")
    r2 = _refund(b12, s0, ring.id, "qris")
    r3 = _refund(c07, s4, endek.id, "transfer")
    assert (r1.amount, r2.amount, r3.amount) == (116_130, 450_000, 1_200_000)
    return Fair(
        event=event,
        b12=b12,
        c07=c07,
        d02=d02,
        organizer=factories.make_user("organizer"),
        today=today,
        yesterday=yesterday,
        sales={"S0": s0, "S1": s1, "S2": s2, "S3": s3, "S4": s4, "S5": s5},
        refunds={"R1": r1, "R2": r2, "R3": r3},
    )
