"""The fair's public catalogue: what buyers without an account may see, the search
across every booth's products, and the controls of the booths and the organizer.

What is public: approved, active products marked public, of active exhibitors the
organizer has not taken out of the catalogue, at an event whose catalogue is on, from
its first day until ``catalogue_days_after`` days after its last. Stock is shown only
as a word (available, few left, sold); after the last day not even that: buyers are
sent to ask the maker. Nothing else of the booth (costs, sales, buyers, accounts, its
phone number, stock figures) ever leaves this module; the reading functions return
plain values, never the models, so a template cannot reach further than it is given.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext as _

from pos.auth import permissions
from pos.auth.models import User
from pos.auth.service import audit
from pos.errors import Invalid, NotFound, PosError
from pos.extensions import db
from pos.inventory import photos
from pos.inventory.attributes import CATEGORY_LABELS, describe
from pos.inventory.models import APPROVED, CATEGORIES, Product
from pos.organizer.models import Event, Exhibitor
from pos.organizer.service import normalize_booth

AVAILABLE, FEW_LEFT, SOLD = "available", "few_left", "sold"
# "Few left" when at most this many are in stock, unless the booth set its own
# low-stock threshold; a one-of-a-kind piece in stock is simply available.
FEW_LEFT_AT = 3
# A search answers at most this many products, best matches first.
SEARCH_LIMIT = 100
MAX_QUERY_WORDS = 8
MAX_STORY = 4000
WHATSAPP_DIGITS = re.compile(r"^\d{8,15}$")
INSTAGRAM_NAME = re.compile(r"^[A-Za-z0-9._]{1,30}$")
WORD = re.compile(r"[^\W_]+")

# The catalogue's phases (see :func:`phase`).
OPEN, AFTER_FAIR = "open", "after_fair"


class CatalogueClosed(PosError):
    """The catalogue was public, and its time after the fair is over."""

    status = 410
    code = "catalogue_closed"


# --- which event, which booth, which phase ------------------------------------------------


def local_today(event: Event) -> date:
    return datetime.now(ZoneInfo(event.timezone)).date()


def phase(event: Event, today: date | None = None) -> str:
    """OPEN until the event's last day (or without one), AFTER_FAIR for the
    ``catalogue_days_after`` days after it; raises CatalogueClosed past that."""
    today = today or local_today(event)
    if event.ends_on is None or today <= event.ends_on:
        return OPEN
    if today <= event.ends_on + timedelta(days=event.catalogue_days_after):
        return AFTER_FAIR
    raise CatalogueClosed(
        _("The catalogue of %(name)s has closed. Thank you for visiting.", name=event.name)
    )


def public_event(slug: str, today: date | None = None) -> tuple[Event, str]:
    """The event whose catalogue is public at ``slug``, and its phase. Raises NotFound
    (no such event, or its catalogue is off) or CatalogueClosed (410)."""
    event = db.session.scalar(sa.select(Event).where(Event.slug == slug))
    if event is None or not event.catalogue_public:
        raise NotFound(_("There is no public catalogue at this address."))
    return event, phase(event, today)


def listed() -> sa.ColumnElement[bool]:
    """Exhibitors a buyer may see (of the event in question)."""
    return sa.and_(Exhibitor.active.is_(True), Exhibitor.catalogue_published.is_(True))


def shown(product: type[Product] = Product) -> sa.ColumnElement[bool]:
    """Products a buyer may see (of a listed exhibitor)."""
    return sa.and_(
        product.active.is_(True), product.review_status == APPROVED, product.public.is_(True)
    )


def public_exhibitor(event: Event, booth: str) -> Exhibitor:
    """The listed exhibitor at ``booth`` of the event; raises NotFound otherwise."""
    exhibitor = db.session.scalar(
        sa.select(Exhibitor).where(
            Exhibitor.event_id == event.id,
            Exhibitor.booth == normalize_booth(booth),
            listed(),
        )
    )
    if exhibitor is None:
        raise NotFound(_("This booth is not in the catalogue."))
    return exhibitor


def page_url_of(exhibitor: Exhibitor, today: date | None = None) -> str | None:
    """The path of the exhibitor's public page when a buyer can open it now (the
    receipt's "contact the maker"), else None."""
    event = exhibitor.event
    if not (event.catalogue_public and exhibitor.active and exhibitor.catalogue_published):
        return None
    try:
        phase(event, today)
    except CatalogueClosed:
        return None
    return f"/e/{quote(event.slug)}/{quote(exhibitor.booth)}"


# --- what a buyer sees --------------------------------------------------------------------


def availability(stock: int, one_of_a_kind: bool, low_stock_threshold: int | None) -> str:
    """A word for the stock, never its figure."""
    if stock <= 0:
        return SOLD
    if one_of_a_kind:
        return AVAILABLE
    few = low_stock_threshold if low_stock_threshold is not None else FEW_LEFT_AT
    return FEW_LEFT if stock <= few else AVAILABLE


def whatsapp_url(number: str, text: str = "") -> str:
    url = f"https://wa.me/{number}"
    return f"{url}?text={quote(text)}" if text else url


def instagram_url(name: str) -> str:
    return f"https://www.instagram.com/{name}/"


@dataclass
class Contact:
    whatsapp: str | None = None  # digits, e.g. 6281238001103
    instagram: str | None = None  # the account's name, without @

    def whatsapp_link(self, text: str = "") -> str | None:
        return whatsapp_url(self.whatsapp, text) if self.whatsapp else None

    @property
    def instagram_link(self) -> str | None:
        return instagram_url(self.instagram) if self.instagram else None


def contact_of(exhibitor: Any) -> Contact:
    """Only the links the exhibitor chose to show (of an Exhibitor, or a row with its
    four contact columns)."""
    return Contact(
        whatsapp=exhibitor.whatsapp if exhibitor.show_whatsapp and exhibitor.whatsapp else None,
        instagram=(
            exhibitor.instagram if exhibitor.show_instagram and exhibitor.instagram else None
        ),
    )


@dataclass
class PublicProduct:
    id: int
    name: str
    category: str
    price: int
    availability: str
    photo: str | None
    details: list[tuple[Any, Any]] = field(default_factory=list)
    description: str = ""


@dataclass
class PublicBooth:
    booth: str
    name: str
    region: str
    sentra: str
    story: str
    cover_photo: str | None
    contact: Contact
    categories: list[str]
    products: list[PublicProduct]


def _public_product(row: Any) -> PublicProduct:
    return PublicProduct(
        id=row.id,
        name=row.name,
        category=row.category,
        price=row.price,
        availability=availability(row.stock, row.one_of_a_kind, row.low_stock_threshold),
        photo=row.photo,
        details=describe(row.category, row.attributes or {}),
        description=row.description or "",
    )


PRODUCT_COLUMNS = (
    Product.id,
    Product.name,
    Product.category,
    Product.price,
    Product.stock,
    Product.one_of_a_kind,
    Product.low_stock_threshold,
    Product.photo,
    Product.attributes,
    Product.description,
)


def booth_page(exhibitor: Exhibitor) -> PublicBooth:
    """A listed exhibitor's public page: its profile and its shown products."""
    rows = db.session.execute(
        sa.select(*PRODUCT_COLUMNS)
        .where(Product.exhibitor_id == exhibitor.id, shown())
        .order_by(Product.category, Product.name, Product.id)
    ).all()
    products = [_public_product(row) for row in rows]
    return PublicBooth(
        booth=exhibitor.booth,
        name=exhibitor.name,
        region=exhibitor.region,
        sentra=exhibitor.sentra,
        story=exhibitor.story,
        cover_photo=exhibitor.cover_photo,
        contact=contact_of(exhibitor),
        categories=sorted({p.category for p in products}, key=CATEGORIES.index),
        products=products,
    )


@dataclass
class BoothEntry:
    booth: str
    name: str
    region: str
    sentra: str
    products: int


@dataclass
class FairPage:
    booths: list[BoothEntry]
    # category -> region -> booths, categories in their fixed order, regions by name.
    by_category: dict[str, dict[str, list[BoothEntry]]]
    regions: dict[str, list[BoothEntry]]
    photo: str | None  # for the link's preview (og:image)


def fair_page(event: Event) -> FairPage:
    """The listed exhibitors of the event, by category and by region."""
    exhibitors = db.session.execute(
        sa.select(Exhibitor.id, Exhibitor.booth, Exhibitor.name, Exhibitor.region)
        .add_columns(Exhibitor.sentra, Exhibitor.cover_photo)
        .where(Exhibitor.event_id == event.id, listed())
        .order_by(Exhibitor.booth)
    ).all()
    counts = db.session.execute(
        sa.select(Product.exhibitor_id, Product.category, sa.func.count(Product.id))
        .join(Exhibitor, Exhibitor.id == Product.exhibitor_id)
        .where(Exhibitor.event_id == event.id, listed(), shown())
        .group_by(Product.exhibitor_id, Product.category)
    ).all()
    categories_of: dict[int, dict[str, int]] = {}
    for exhibitor_id, category, n in counts:
        categories_of.setdefault(exhibitor_id, {})[category] = n
    booths: list[BoothEntry] = []
    by_category: dict[str, dict[str, list[BoothEntry]]] = {c: {} for c in CATEGORIES}
    regions: dict[str, list[BoothEntry]] = {}
    for row in exhibitors:
        mine = categories_of.get(row.id, {})
        entry = BoothEntry(row.booth, row.name, row.region, row.sentra, sum(mine.values()))
        booths.append(entry)
        regions.setdefault(row.region or "", []).append(entry)
        for category in mine:
            by_category[category].setdefault(row.region or "", []).append(entry)
    by_category = {
        c: dict(sorted(by_region.items())) for c, by_region in by_category.items() if by_region
    }
    photo = next((row.cover_photo for row in exhibitors if row.cover_photo), None)
    if photo is None:
        photo = db.session.scalar(
            sa.select(Product.photo)
            .join(Exhibitor, Exhibitor.id == Product.exhibitor_id)
            .where(
                Exhibitor.event_id == event.id,
                listed(),
                shown(),
                Product.photo.is_not(None),
            )
            .order_by(Product.id)
            .limit(1)
        )
    return FairPage(booths, by_category, dict(sorted(regions.items())), photo)


def category_label(category: str) -> str:
    return str(CATEGORY_LABELS.get(category, category))


# --- search -------------------------------------------------------------------------------


def query_words(q: str) -> list[str]:
    """The words of a search, lower-case, letters and digits only (so nothing of the
    text reaches the engines' query syntax), at most MAX_QUERY_WORDS."""
    return WORD.findall((q or "").lower())[:MAX_QUERY_WORDS]


def check_category(category: str | None) -> str | None:
    if not category:
        return None
    if category not in CATEGORIES:
        raise Invalid(_("Unknown category: %(c)s.", c=category), field="category")
    return category


PRODUCT_FTS = sa.table("product_fts", sa.column("rowid"))


def with_match(query: sa.Select, words: list[str]) -> sa.Select:
    """``query`` (on Product) narrowed to the products matching every word as a prefix,
    — SQLite: driven from the FTS5 table (joined, so that it is read once: as
    ``IN (subquery)`` it was read again for every booth); PostgreSQL: the GIN-indexed
    document (migration c7a1e5d3f208)."""
    if db.engine.dialect.name == "postgresql":
        document = sa.func.product_search_document(
            Product.name, Product.category, Product.description, Product.attributes
        )
        tsquery = sa.func.to_tsquery(
            sa.literal_column("'simple'::regconfig"), " & ".join(f"{w}:*" for w in words)
        )
        # No ts_rank: it computes the document again for every match (six times the
        # bare query's time for a word found thousands of times); name order, as SQLite.
        return query.where(document.op("@@")(tsquery))
    expression = " AND ".join(f'"{w}"*' for w in words)
    return query.join(PRODUCT_FTS, PRODUCT_FTS.c.rowid == Product.id).where(
        sa.text("product_fts MATCH :fts_query").bindparams(fts_query=expression)
    )


@dataclass
class SearchHit:
    product_id: int
    name: str
    category: str
    price: int
    booth: str
    exhibitor: str
    availability: str
    photo: str | None
    contact: Contact  # the links the booth chose to show


def search_products(
    event: Event, q: str = "", category: str | None = None, *, limit: int = SEARCH_LIMIT
) -> list[SearchHit]:
    """Shown products of the event's listed exhibitors matching every word of ``q`` (as
    the start of a word of the name, the category in either language, the description
    or an attribute value) and ``category``. Nothing asked, nothing answered. Raises
    Invalid for an unknown category."""
    category = check_category(category)
    words = query_words(q)
    if not words and not category:
        return []
    query = (
        sa.select(
            Product.id,
            Product.name,
            Product.category,
            Product.price,
            Product.stock,
            Product.one_of_a_kind,
            Product.low_stock_threshold,
            Product.photo,
            Exhibitor.booth,
            Exhibitor.name.label("exhibitor"),
            # The booth's contact links in the same row: asked apart, for a hundred
            # hits' booths, they cost a third of the search again.
            Exhibitor.whatsapp,
            Exhibitor.show_whatsapp,
            Exhibitor.instagram,
            Exhibitor.show_instagram,
        )
        .join(Exhibitor, Exhibitor.id == Product.exhibitor_id)
        .where(Exhibitor.event_id == event.id, listed(), shown())
    )
    if words:
        query = with_match(query, words)
    if category:
        query = query.where(Product.category == category)
    rows = db.session.execute(query.order_by(Product.name, Product.id).limit(limit)).all()
    return [
        SearchHit(
            product_id=row.id,
            name=row.name,
            category=row.category,
            price=row.price,
            booth=row.booth,
            exhibitor=row.exhibitor,
            availability=availability(row.stock, row.one_of_a_kind, row.low_stock_threshold),
            photo=row.photo,
            contact=contact_of(row),
        )
        for row in rows
    ]


# --- photos -----------------------------------------------------------------------------


def public_photo(event: Event, name: str) -> Any:
    """The file of a photo shown in the event's catalogue (a shown product's, or a
    listed exhibitor's cover); raises NotFound for any other photo."""
    match = photos.NAME.match(name)
    if match is None:
        raise NotFound(_("No such photo."))
    key = match["key"]
    of_product = (
        sa.select(Product.id)
        .join(Exhibitor, Exhibitor.id == Product.exhibitor_id)
        .where(Product.photo == key, Exhibitor.event_id == event.id, listed(), shown())
    )
    of_cover = sa.select(Exhibitor.id).where(
        Exhibitor.cover_photo == key, Exhibitor.event_id == event.id, listed()
    )
    if not db.session.scalar(sa.select(sa.or_(sa.exists(of_product), sa.exists(of_cover)))):
        raise NotFound(_("No such photo."))
    path = photos.path_of(key, match["size"])
    if not path.is_file():
        raise NotFound(_("No such photo."))
    return path


# --- the booth's controls -----------------------------------------------------------------

PROFILE_FIELDS = ("story", "whatsapp", "show_whatsapp", "instagram", "show_instagram")


def clean_whatsapp(number: str) -> str:
    """A WhatsApp number as wa.me wants it: the country code and number, digits only
    (0812... is taken as Indonesian, 62812...). Raises Invalid."""
    text = (number or "").strip()
    if not text:
        return ""
    if re.search(r"[^\d\s+().-]", text):
        raise Invalid(
            _("A WhatsApp number has digits only, such as 0812 3800 1103."), field="whatsapp"
        )
    digits = re.sub(r"\D", "", text)
    if digits.startswith("0"):
        digits = "62" + digits[1:]
    if not WHATSAPP_DIGITS.match(digits):
        raise Invalid(
            _("A WhatsApp number has digits only, such as 0812 3800 1103."), field="whatsapp"
        )
    return digits


def clean_instagram(name: str) -> str:
    """An Instagram account's name, from "@name", "name" or its address. Raises Invalid."""
    text = (name or "").strip()
    text = re.sub(r"^(https?://)?(www\.)?instagram\.com/", "", text).strip("/").lstrip("@")
    if not text:
        return ""
    if not INSTAGRAM_NAME.match(text):
        raise Invalid(
            _("An Instagram name has letters, digits, dots and underscores, such as @celuk."),
            field="instagram",
        )
    return text


def _require_manage(actor: User, exhibitor: Exhibitor) -> None:
    permissions.require(actor, permissions.Action.MANAGE, exhibitor)


def update_profile(actor: User, exhibitor: Exhibitor, changes: dict[str, Any]) -> Exhibitor:
    """The booth's public profile: its story, WhatsApp number, Instagram name and which of
    them to show. The booth's manager or the event's organizer; audited
    ("exhibitor_profile_changed", old and new). Raises Forbidden or Invalid."""
    _require_manage(actor, exhibitor)
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise Invalid(_("Unknown field: %(f)s.", f=", ".join(sorted(unknown))))
    cleaned = dict(changes)
    if "story" in cleaned:
        cleaned["story"] = (cleaned["story"] or "").strip()
        if len(cleaned["story"]) > MAX_STORY:
            raise Invalid(_("A story has at most %(n)d characters.", n=MAX_STORY), field="story")
    if "whatsapp" in cleaned:
        cleaned["whatsapp"] = clean_whatsapp(cleaned["whatsapp"])
    if "instagram" in cleaned:
        cleaned["instagram"] = clean_instagram(cleaned["instagram"])
    for flag in ("show_whatsapp", "show_instagram"):
        if flag in cleaned:
            cleaned[flag] = bool(cleaned[flag])
    changed = {
        key: {"old": getattr(exhibitor, key), "new": value}
        for key, value in cleaned.items()
        if getattr(exhibitor, key) != value
    }
    for key, value in cleaned.items():
        setattr(exhibitor, key, value)
    db.session.flush()
    if changed:
        audit(
            "exhibitor_profile_changed",
            actor,
            exhibitor_id=exhibitor.id,
            target=exhibitor,
            changes=changed,
        )
        forget_pages()
    return exhibitor


def set_cover_photo(actor: User, exhibitor: Exhibitor, content: bytes | None) -> Exhibitor:
    """Give the booth's page a cover photo (checked and stored as product photos are,
    pos/inventory/photos.py), or take it away (None); audited. Raises Forbidden,
    Invalid, PayloadTooLarge or Busy, having changed nothing."""
    _require_manage(actor, exhibitor)
    key = photos.store(content) if content is not None else None
    if key != exhibitor.cover_photo:
        audit(
            "exhibitor_cover_set" if key else "exhibitor_cover_removed",
            actor,
            exhibitor_id=exhibitor.id,
            target=exhibitor,
            photo=key,
            replaced=exhibitor.cover_photo,
        )
        exhibitor.cover_photo = key
        db.session.flush()
        forget_pages()
    return exhibitor


def booth_products(actor: User, exhibitor: Exhibitor) -> list[Product]:
    """The booth's active products, for choosing which are public."""
    _require_manage(actor, exhibitor)
    return list(
        db.session.scalars(
            sa.select(Product)
            .where(Product.exhibitor_id == exhibitor.id, Product.active.is_(True))
            .order_by(Product.category, Product.name, Product.id)
        )
    )


def set_public_products(actor: User, exhibitor: Exhibitor, public_ids: set[int]) -> int:
    """Show exactly ``public_ids`` of the booth's active products in the catalogue (the
    others are kept off it); returns how many changed. Audited per product
    ("product_public_changed"). Raises Forbidden."""
    changed = 0
    for product in booth_products(actor, exhibitor):
        public = product.id in public_ids
        if product.public != public:
            product.public = public
            changed += 1
            audit(
                "product_public_changed",
                actor,
                exhibitor_id=exhibitor.id,
                target=product,
                sku=product.sku,
                public=public,
            )
    db.session.flush()
    if changed:
        forget_pages()
    return changed


# --- the organizer's controls -------------------------------------------------------------


def set_published(actor: User, exhibitor: Exhibitor, published: bool) -> Exhibitor:
    """Take a booth out of the event's catalogue at once, or put it back: the event's
    organizers only; audited ("exhibitor_unpublished", "exhibitor_published"). Raises
    Forbidden."""
    permissions.require_organizer(actor, exhibitor.event)
    if exhibitor.catalogue_published != published:
        exhibitor.catalogue_published = published
        db.session.flush()
        audit(
            "exhibitor_published" if published else "exhibitor_unpublished",
            actor,
            exhibitor_id=exhibitor.id,
            target=exhibitor,
            booth=exhibitor.booth,
        )
        forget_pages()
    return exhibitor


# --- the kept pages -------------------------------------------------------------------------

# Rendered public pages kept by this process: key -> (until, page). A changed booth or
# event shows within CATALOGUE_CACHE_SECONDS in every process (at once in this one: the
# controls above forget them).
_pages: dict[tuple[Any, ...], tuple[float, Any]] = {}
MAX_KEPT_PAGES = 4000
# One render at a time per process: when a kept page runs out, the other threads wait
# for it rather than all render the same page at once.
rendering = threading.Lock()


def kept_page(key: tuple[Any, ...], now: float) -> Any:
    kept = _pages.get(key)
    if kept is None or kept[0] < now:
        return None
    return kept[1]


def keep_page(key: tuple[Any, ...], until: float, page: Any) -> None:
    if len(_pages) >= MAX_KEPT_PAGES:
        _pages.clear()
    _pages[key] = (until, page)


def forget_pages() -> None:
    _pages.clear()
