"""The demo event: a Bali small-industry (IKM) exhibition with real crafts from real
places, its booths, catalogues and accounts (password ``demo``). Used by ``pos
seed-demo`` and ``make run``; goes through the same services as the app."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from werkzeug.security import check_password_hash

from pos.auth import service as auth_service
from pos.auth.models import User
from pos.catalogue import service as catalogue_service
from pos.catalogue.extras.demo import seed_floor_plan
from pos.extensions import db
from pos.inventory import service as inventory_service
from pos.organizer import service as organizer_service
from pos.organizer.models import Event, Exhibitor

DEMO_EVENT_NAME = "Pameran IKM Bali Bangkit"
DEMO_SLUG = "ikm-bali-bangkit"  # its public catalogue: /e/ikm-bali-bangkit
DEMO_TIMEZONE = "Asia/Makassar"
DEMO_PASSWORD = "demo"
DEMO_PIN = "1234"

EXHIBITORS = [
    {
        "booth": "A03",
        "profile": {
            "story": (
                "Sanggar keluarga di Ubud sejak 1987: lukisan sawah, penari dan pura "
                "dengan gaya Ubud dan Batuan, dilukis tangan oleh I Wayan Karya dan murid-muridnya."
            ),
            "whatsapp": "0812 3800 1103",
            "instagram": "@sanggarwayankarya",
        },
        "name": "Sanggar Lukis Wayan Karya",
        "owner_name": "I Wayan Karya",
        "region": "Gianyar",
        "sentra": "Ubud",
        "phone": "+62 812-3800-1103",
        "receipt_language": "en",
        "products": [
            (
                "PTG-001",
                "Sawah di Tegallalang",
                "painting",
                8_500_000,
                1,
                {
                    "artist": "I Wayan Karya",
                    "medium": "Acrylic on canvas",
                    "width_cm": 100,
                    "height_cm": 70,
                    "year": 2024,
                },
                True,
            ),
            (
                "PTG-002",
                "Penari Legong",
                "painting",
                12_000_000,
                1,
                {
                    "artist": "I Wayan Karya",
                    "medium": "Oil on canvas",
                    "width_cm": 80,
                    "height_cm": 120,
                    "year": 2023,
                },
                True,
            ),
            (
                "PTG-003",
                "Pura Ulun Danu at Dawn",
                "painting",
                6_750_000,
                1,
                {
                    "artist": "Ni Made Sari",
                    "medium": "Watercolour",
                    "width_cm": 50,
                    "height_cm": 40,
                    "year": 2025,
                },
                True,
            ),
            (
                "PTG-004",
                "Barong dan Rangda",
                "painting",
                15_500_000,
                1,
                {
                    "artist": "I Wayan Karya",
                    "medium": "Batuan style, ink and acrylic",
                    "width_cm": 90,
                    "height_cm": 60,
                    "year": 2022,
                },
                True,
            ),
            (
                "PTG-005",
                "Kehidupan Desa (Village Life)",
                "painting",
                9_800_000,
                1,
                {
                    "artist": "I Ketut Budiana",
                    "medium": "Acrylic on canvas",
                    "width_cm": 120,
                    "height_cm": 80,
                    "year": 2024,
                },
                True,
            ),
            (
                "PTG-006",
                "Lotus Pond, Ubud",
                "painting",
                4_250_000,
                1,
                {
                    "artist": "Ni Made Sari",
                    "medium": "Watercolour",
                    "width_cm": 40,
                    "height_cm": 30,
                    "year": 2025,
                },
                True,
            ),
            (
                "PRN-010",
                "Print: Sawah di Tegallalang (A3)",
                "painting",
                450_000,
                20,
                {
                    "artist": "I Wayan Karya",
                    "medium": "Giclée print",
                    "width_cm": 42,
                    "height_cm": 29.7,
                    "year": 2025,
                },
                False,
            ),
            (
                "PRN-011",
                "Print: Penari Legong (A4)",
                "painting",
                275_000,
                25,
                {
                    "artist": "I Wayan Karya",
                    "medium": "Giclée print",
                    "width_cm": 29.7,
                    "height_cm": 21,
                    "year": 2025,
                },
                False,
            ),
            ("PST-020", "Postcard set, 8 Ubud scenes", "other", 85_000, 60, {}, False),
            (
                "MIN-030",
                "Miniature: Rice Terrace",
                "painting",
                650_000,
                8,
                {
                    "artist": "Ni Made Sari",
                    "medium": "Acrylic on wood",
                    "width_cm": 15,
                    "height_cm": 15,
                    "year": 2025,
                },
                False,
            ),
            (
                "MIN-031",
                "Miniature: Kecak Dancers",
                "painting",
                650_000,
                6,
                {
                    "artist": "I Wayan Karya",
                    "medium": "Acrylic on wood",
                    "width_cm": 15,
                    "height_cm": 15,
                    "year": 2025,
                },
                False,
            ),
        ],
    },
    {
        "booth": "B12",
        "profile": {
            "story": (
                "Perajin perak Celuk generasi ketiga. Cincin, kalung dan gelang perak 925 "
                "dengan teknik granulasi dan filigree, dibuat di bengkel kami di Celuk."
            ),
            "whatsapp": "0813 3700 2212",
            "instagram": "@celuksilver.sudana",
        },
        "name": "Celuk Silver Ketut Sudana",
        "owner_name": "I Ketut Sudana",
        "region": "Gianyar",
        "sentra": "Sentra IKM Perak Celuk",
        "phone": "+62 813-3700-2212",
        "tax_registered": True,
        "tax_rate_percent": 11,
        "npwp": "01.234.567.8-907.000",
        "address": "Jl. Jagaraga No. 12, Celuk, Sukawati, Gianyar",
        "receipt_language": "id",
        "products": [
            (
                "SR-925-01",
                "Cincin Perak Motif Jawan",
                "jewellery",
                450_000,
                15,
                {"material": "Silver 925", "weight_g": 6.5},
                False,
            ),
            (
                "SR-925-02",
                "Cincin Perak Batu Onyx",
                "jewellery",
                675_000,
                10,
                {"material": "Silver 925", "weight_g": 8.2, "stone": "Onyx"},
                False,
            ),
            (
                "SR-925-03",
                "Cincin Perak Granulasi",
                "jewellery",
                525_000,
                12,
                {"material": "Silver 925", "weight_g": 7},
                False,
            ),
            (
                "SN-925-10",
                "Kalung Perak Rantai Bali",
                "jewellery",
                1_250_000,
                8,
                {"material": "Silver 925", "weight_g": 18.5},
                False,
            ),
            (
                "SN-925-11",
                "Liontin Barong Perak",
                "jewellery",
                850_000,
                9,
                {"material": "Silver 925", "weight_g": 11.3},
                False,
            ),
            (
                "SE-925-20",
                "Anting Perak Bunga Jepun",
                "jewellery",
                385_000,
                20,
                {"material": "Silver 925", "weight_g": 4.1},
                False,
            ),
            (
                "SE-925-21",
                "Anting Perak Mutiara",
                "jewellery",
                595_000,
                10,
                {"material": "Silver 925", "weight_g": 5.2, "stone": "Freshwater pearl"},
                False,
            ),
            (
                "SB-925-30",
                "Gelang Perak Ukir Naga",
                "jewellery",
                1_450_000,
                6,
                {"material": "Silver 925", "weight_g": 32},
                False,
            ),
            (
                "SB-925-31",
                "Gelang Perak Anyaman",
                "jewellery",
                975_000,
                7,
                {"material": "Silver 925", "weight_g": 21.5},
                False,
            ),
            (
                "GD-750-40",
                "Cincin Emas Filigree",
                "jewellery",
                6_850_000,
                2,
                {"material": "Gold 750", "weight_g": 4.8},
                False,
            ),
            (
                "SK-925-50",
                "Tusuk Konde Perak",
                "jewellery",
                725_000,
                5,
                {"material": "Silver 925", "weight_g": 14},
                False,
            ),
        ],
    },
    {
        "booth": "C07",
        "profile": {
            "story": (
                "Tenun endek ikat dari Gelgel, Klungkung, ditenun dengan alat tenun bukan "
                "mesin. Motif cepuk, patra dan wajik dalam warna alam dan warna cerah."
            ),
            "whatsapp": "0819 1555 3307",
        },
        "name": "Tenun Endek Gelgel Sari",
        "owner_name": "Ni Nyoman Sukerti",
        "region": "Klungkung",
        "sentra": "Sentra Tenun Gelgel",
        "phone": "+62 819-1600-3307",
        "receipt_language": "id",
        "products": [
            (
                "EN-GEL-01",
                "Kain Endek Motif Cepuk",
                "endek",
                1_850_000,
                5,
                {
                    "motif": "Cepuk",
                    "colours": "Merah, emas",
                    "length_m": 2.25,
                    "width_cm": 110,
                    "weaving": "hand",
                },
                False,
            ),
            (
                "EN-GEL-02",
                "Kain Endek Motif Patra",
                "endek",
                1_350_000,
                6,
                {
                    "motif": "Patra",
                    "colours": "Biru, putih",
                    "length_m": 2.25,
                    "width_cm": 110,
                    "weaving": "hand",
                },
                False,
            ),
            (
                "EN-GEL-03",
                "Kain Endek Songket Gelgel",
                "endek",
                3_500_000,
                2,
                {
                    "motif": "Songket",
                    "colours": "Ungu, emas",
                    "length_m": 2.5,
                    "width_cm": 110,
                    "weaving": "hand",
                },
                False,
            ),
            (
                "EN-GEL-04",
                "Kain Endek Motif Wajik",
                "endek",
                950_000,
                10,
                {
                    "motif": "Wajik",
                    "colours": "Hijau, hitam",
                    "length_m": 2,
                    "width_cm": 110,
                    "weaving": "machine",
                },
                False,
            ),
            (
                "EN-GEL-05",
                "Kain Endek Motif Bunga",
                "endek",
                1_150_000,
                8,
                {
                    "motif": "Bunga",
                    "colours": "Kuning, merah",
                    "length_m": 2.25,
                    "width_cm": 110,
                    "weaving": "hand",
                },
                False,
            ),
            (
                "SL-GEL-10",
                "Selendang Endek",
                "endek",
                425_000,
                15,
                {
                    "motif": "Patra",
                    "colours": "Merah muda",
                    "length_m": 1.8,
                    "width_cm": 50,
                    "weaving": "hand",
                },
                False,
            ),
            (
                "SL-GEL-11",
                "Selendang Endek Motif Cepuk",
                "endek",
                475_000,
                12,
                {
                    "motif": "Cepuk",
                    "colours": "Merah, hitam",
                    "length_m": 1.8,
                    "width_cm": 50,
                    "weaving": "hand",
                },
                False,
            ),
            (
                "KM-GEL-20",
                "Kemeja Endek Pria",
                "endek",
                650_000,
                14,
                {"motif": "Wajik", "colours": "Biru tua", "weaving": "machine"},
                False,
            ),
            (
                "DR-GEL-21",
                "Dress Endek Wanita",
                "endek",
                785_000,
                9,
                {"motif": "Bunga", "colours": "Hijau tosca", "weaving": "machine"},
                False,
            ),
            (
                "TS-GEL-30",
                "Tas Endek",
                "craft",
                285_000,
                20,
                {"material": "Endek cloth, leather handle", "dimensions": "30 × 25 cm"},
                False,
            ),
            ("MS-GEL-31", "Masker Kain Endek (3 pcs)", "other", 60_000, 40, {}, False),
        ],
    },
    {
        "booth": "D02",
        "profile": {
            "story": "Kerajinan bambu dari Desa Kayubihi, Bangli: keranjang, lampu dan souvenir.",
            "instagram": "bambukayubihi",
        },
        "name": "Bambu Kayubihi Kreasi",
        "owner_name": "I Nengah Suparta",
        "region": "Bangli",
        "sentra": "Sentra Kerajinan Bambu Kayubihi",
        "phone": "+62 821-4500-4402",
        "receipt_language": "en",
        "products": [
            (
                "BB-KB-01",
                "Sokasi Bambu (offering basket)",
                "craft",
                185_000,
                25,
                {"material": "Bamboo", "dimensions": "Ø 30 cm"},
                False,
            ),
            (
                "BB-KB-02",
                "Keben Bambu Anyam",
                "craft",
                245_000,
                18,
                {"material": "Bamboo, natural dye", "dimensions": "25 × 25 × 20 cm"},
                False,
            ),
            (
                "BB-KB-03",
                "Tas Anyaman Bambu",
                "craft",
                325_000,
                15,
                {"material": "Bamboo", "dimensions": "35 × 28 cm"},
                False,
            ),
            (
                "BB-KB-04",
                "Lampu Gantung Bambu",
                "craft",
                550_000,
                8,
                {"material": "Bamboo", "dimensions": "Ø 45 cm"},
                False,
            ),
            (
                "BB-KB-05",
                "Tempat Tisu Bambu",
                "craft",
                95_000,
                30,
                {"material": "Bamboo", "dimensions": "25 × 13 × 10 cm"},
                False,
            ),
            (
                "BB-KB-06",
                "Nampan Bambu Set (3)",
                "craft",
                275_000,
                12,
                {"material": "Bamboo", "dimensions": "40, 32, 25 cm"},
                False,
            ),
            ("BB-KB-07", "Kipas Bambu", "craft", 45_000, 60, {"material": "Bamboo, cloth"}, False),
            (
                "BB-KB-08",
                "Sedotan Bambu (10 pcs)",
                "craft",
                35_000,
                80,
                {"material": "Bamboo"},
                False,
            ),
            (
                "BB-KB-09",
                "Rak Dinding Bambu",
                "craft",
                425_000,
                6,
                {"material": "Bamboo", "dimensions": "60 × 20 × 15 cm"},
                False,
            ),
            (
                "BB-KB-10",
                "Angklung Mini Souvenir",
                "craft",
                120_000,
                20,
                {"material": "Bamboo"},
                False,
            ),
            ("BB-KB-11", "Topi Caping Bambu", "craft", 75_000, 25, {"material": "Bamboo"}, False),
        ],
    },
]


def demo_exists() -> bool:
    return (
        db.session.scalar(sa.select(Event.id).where(Event.name == DEMO_EVENT_NAME)) is not None
        or db.session.scalar(sa.select(User.id).where(User.username == "organizer")) is not None
    )


def demo_accounts() -> list[str]:
    """The demo's accounts that still sign in with the demo password: none unless the
    demo event is in the database. The organizer first, then each booth's manager and
    cashier. Each distinct password hash is checked once (the demo's accounts share one)."""
    event_id = db.session.scalar(sa.select(Event.id).where(Event.name == DEMO_EVENT_NAME))
    if event_id is None:
        return []
    role_order = sa.case({"organizer": 0, "manager": 1}, value=User.role, else_=2)
    users = db.session.execute(
        sa.select(User.username, User.password_hash)
        .outerjoin(Exhibitor, User.exhibitor_id == Exhibitor.id)
        .where(
            User.active.is_(True),
            sa.or_(
                Exhibitor.event_id == event_id,
                sa.and_(User.username == "organizer", User.exhibitor_id.is_(None)),
            ),
        )
        .order_by(Exhibitor.booth.nulls_first(), role_order, User.username)
    ).all()
    demo_password: dict[str, bool] = {}
    for _username, password_hash in users:
        if password_hash not in demo_password:
            demo_password[password_hash] = check_password_hash(password_hash, DEMO_PASSWORD)
    return [username for username, password_hash in users if demo_password[password_hash]]


def seed_demo() -> bool:
    """Create the demo once; returns False (and changes nothing) if it exists already."""
    if demo_exists():
        return False
    today = datetime.now(ZoneInfo(DEMO_TIMEZONE)).date()
    event = organizer_service.create_event(
        None,
        name=DEMO_EVENT_NAME,
        timezone=DEMO_TIMEZONE,
        currency="IDR",
        starts_on=today,
        ends_on=today + timedelta(days=4),
        venue="Taman Budaya Bali (Art Centre), Denpasar",
        receipt_footer=(
            "Terima kasih telah mendukung IKM Bali! · "
            "Thank you for supporting Bali's small industries!"
        ),
        cashier_discount_limit_percent=10,
        # Printed on the exhibitors' sales statements after the fair (pos/statements).
        organizer_name="Ni Luh Putu Ayu Suryani, S.E.",
        organizer_office=(
            "Dinas Perindustrian dan Perdagangan Provinsi Bali\n"
            "Jl. Raya Puputan No. 41, Renon, Denpasar"
        ),
        slug=DEMO_SLUG,
        catalogue_public=True,
        opening_hours="Setiap hari 10.00–21.00 WITA · Daily 10 am – 9 pm",
    )
    # One hash for every demo account: the demo's password is public anyway, and
    # hashing it a dozen times at OWASP strength would take seconds.
    password_hash = auth_service.hash_secret(DEMO_PASSWORD)
    pin_hash = auth_service.hash_secret(DEMO_PIN)
    organizer = auth_service.create_user(
        None,
        username="organizer",
        role="organizer",
        password="",
        password_hash=password_hash,
        display_name="Panitia Pameran",
    )
    booths = []
    for spec in EXHIBITORS:
        fields = {k: v for k, v in spec.items() if k not in ("products", "profile")}
        exhibitor = organizer_service.create_exhibitor(None, event_id=event.id, **fields)
        booths.append(exhibitor)
        booth = exhibitor.booth.lower()
        manager = auth_service.create_user(
            None,
            username=f"manager-{booth}",
            role="manager",
            password="",
            password_hash=password_hash,
            exhibitor=exhibitor,
            display_name=spec["owner_name"],
        )
        cashier = auth_service.create_user(
            None,
            username=f"cashier-{booth}",
            role="cashier",
            password="",
            password_hash=password_hash,
            exhibitor=exhibitor,
            display_name=f"Kasir {exhibitor.booth}",
        )
        cashier.pin_hash = pin_hash
        if "profile" in spec:
            catalogue_service.update_profile(manager, exhibitor, spec["profile"])
        for sku, name, category, price, stock, attributes, unique in spec["products"]:
            inventory_service.create_product(
                manager,
                exhibitor_id=exhibitor.id,
                sku=sku,
                name=name,
                category=category,
                price=price,
                stock=stock,
                attributes=attributes,
                one_of_a_kind=unique,
                # Warn when two are left of anything the booth restocks.
                low_stock_threshold=None if unique else 2,
            )
    seed_floor_plan(organizer, event, booths)  # the hall's plan, each booth placed
    # Sales are recorded as the API records them, each in its own transaction.
    db.session.commit()
    seed_sample_sales(event)
    return True


def _sample_times(timezone: str, count: int, rng: random.Random) -> list[datetime]:
    """``count`` moments of today's selling hours so far (event-local), oldest first."""
    now = datetime.now(ZoneInfo(timezone))
    opening = now.replace(hour=9, minute=0, second=0, microsecond=0)
    start = max(opening, now - timedelta(hours=10))
    if now - start < timedelta(hours=1):  # early in the day: spread over the night so far
        start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    span = max((now - start).total_seconds() - 120, 60)
    return sorted(start + timedelta(seconds=rng.uniform(0, span)) for _ in range(count))


def seed_sample_sales(event: Event) -> None:
    """A day of believable sales through the sale service: one-line and mixed carts,
    discounts, cash with change, QRIS, cards and split payments, foreign and domestic
    buyers, a void and a refund at each booth."""
    from pos.sales import service as sales_service
    from pos.sales.schemas import SaleIn

    rng = random.Random(20250906)
    buyers = [
        ("Ayu", "domestic"),
        ("Made", "domestic"),
        ("Sarah", "foreign"),
        ("Kenji", "foreign"),
        ("Putu", "domestic"),
        ("Emma", "foreign"),
        (None, None),
        (None, None),
    ]
    for exhibitor in sorted(event.exhibitors, key=lambda e: e.booth):
        booth = exhibitor.booth.lower()
        cashier = db.session.scalar(sa.select(User).where(User.username == f"cashier-{booth}"))
        manager = db.session.scalar(sa.select(User).where(User.username == f"manager-{booth}"))
        products = inventory_service.list_products(manager, exhibitor_id=exhibitor.id)
        recorded = []
        for n, at in enumerate(_sample_times(event.timezone, 14, rng), start=1):
            in_stock = [p for p in products if p.stock > 0]
            # Paintings sell one at a time; the booth's smaller items in ones and twos.
            cart = rng.sample(in_stock, k=min(len(in_stock), rng.choice([1, 1, 1, 2, 2, 3])))
            items = [
                {"product_id": p.id, "quantity": 1 if p.stock < 3 else rng.choice([1, 1, 2])}
                for p in cart
            ]
            if n % 5 == 0:
                items[0]["discount_percent"] = 10
            total = _expected_total(cart, items)
            payments = _sample_payments(total, rng)
            name, origin = rng.choice(buyers)
            order = SaleIn.model_validate_json(  # exactly as the API parses a tablet's sale
                json.dumps(
                    {
                        "exhibitor_id": exhibitor.id,
                        "items": items,
                        "payments": payments,
                        "buyer": {"name": name, "origin": origin} if name else None,
                    }
                )
            )
            sale = sales_service.record_sale(
                cashier, order, idempotency_key=f"demo-{booth}-{n}", at=at.astimezone(UTC)
            ).body
            db.session.commit()
            recorded.append(sale)
            for product in products:
                db.session.refresh(product)
        voided = sales_service.get_sale(manager, recorded[2]["id"])
        sales_service.void_sale(manager, voided, "Salah input oleh kasir")
        refunded = sales_service.get_sale(manager, recorded[6]["id"])
        line = refunded.lines[0]
        sales_service.refund_sale(
            manager, refunded, lines=[(line.product_id, 1)], reason="Pembeli berubah pikiran"
        )
        db.session.commit()


def _expected_total(products, items) -> int:
    from pos.sales import pricing

    cart = pricing.price_cart(
        [
            pricing.LineInput(
                p.price, item["quantity"], discount_percent=item.get("discount_percent")
            )
            for p, item in zip(products, items, strict=True)
        ]
    )
    return cart.total


def _sample_payments(total: int, rng: random.Random) -> list[dict]:
    """Cash rounded up to the next Rp50.000 (change), QRIS or card exact, or a split."""
    kind = rng.choice(["cash", "cash", "qris", "qris", "card", "split"])
    if kind == "cash":
        return [{"method": "cash", "amount": -(-total // 50_000) * 50_000}]
    if kind == "split" and total > 200_000:
        cash = 100_000
        return [
            {"method": "cash", "amount": cash},
            {
                "method": "qris",
                "amount": total - cash,
                "reference": f"QR{rng.randint(10**7, 10**8)}",
            },
        ]
    method = "card" if kind == "card" else "qris"
    return [
        {
            "method": method,
            "amount": total,
            "reference": f"{method.upper()}{rng.randint(10**5, 10**6)}",
        }
    ]
