"""Curation: when an event requires it, what a booth adds waits for an organizer of that
event, cannot be sold until approved, and a rejection carries a note the booth reads and
answers by editing the product. Proven through the JSON API and the HTML pages."""

from __future__ import annotations

import io
import re
import uuid
from html import unescape
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from PIL import Image

from pos.auth.models import AuditEntry, User
from pos.extensions import db
from pos.inventory.models import Product, StockMovement
from pos.sales.models import Sale
from tests import factories
from tests.pages import english, flashes, sign_in, text

# --- helpers ----------------------------------------------------------------------------


def queued_skus(html: str) -> list[str]:
    """The SKUs of the review page's product cards, in order."""
    return [
        unescape(s)
        for s in re.findall(r'<article class="card review-item"[^>]*data-sku="([^"]*)"', html)
    ]


def review_card(html: str, product_id: int) -> str:
    match = re.search(rf'<article[^>]*id="product-{product_id}".*?</article>', html, re.S)
    assert match, f"product {product_id} is not on the review page"
    return match[0]


def count_badge(html: str) -> int | None:
    match = re.search(r'<span class="count-badge">\s*(\d+)\s*</span>', html)
    return int(match[1]) if match else None


def reloaded(product_id: int) -> Product:
    db.session.rollback()  # end the test's read snapshot: see what requests committed
    return db.session.get(Product, product_id)


def counts() -> dict[str, int]:
    """Sales, stock movements and reviews recorded (sign-ins are audited too: not counted)."""
    db.session.rollback()
    found = {
        model.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (Sale, StockMovement)
    }
    found["reviews"] = db.session.scalar(
        sa.select(sa.func.count(AuditEntry.id)).where(AuditEntry.action == "product_reviewed")
    )
    return found


def api(client, user: User) -> dict[str, str]:
    return factories.auth_headers(client, user)


def sell(client, user: User, product: Product, quantity: int = 1):
    headers = api(client, user) | {"Idempotency-Key": str(uuid.uuid4())}
    body = {
        "exhibitor_id": product.exhibitor_id,
        "items": [{"product_id": product.id, "quantity": quantity}],
        "payments": [{"method": "cash", "amount": 10_000_000}],
    }
    return client.post("/api/v1/sales", json=body, headers=headers)


def review(client, user: User, product_id: int, decision: str, note: str = ""):
    return client.post(
        f"/api/v1/products/{product_id}/review",
        json={"decision": decision, "note": note},
        headers=api(client, user),
    )


def jpeg(size=(64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 40, 40)).save(out, "JPEG", quality=90)
    return out.getvalue()


def scoped_organizer(event, **fields) -> User:
    """An organizer who runs ``event`` only (User.event_id)."""
    user = factories.make_user("organizer", locale="en", **fields)
    user.event_id = event.id
    db.session.commit()
    return user


class CuratedBooth:
    """A booth at ``event`` with its manager and cashier, and no products yet."""

    def __init__(self, event, booth: str) -> None:
        self.exhibitor = factories.make_exhibitor(event, booth=booth)
        self.manager = factories.make_user("manager", self.exhibitor, locale="en")
        self.cashier = factories.make_user("cashier", self.exhibitor, locale="en")


# --- fixtures ---------------------------------------------------------------------------


@pytest.fixture
def event(app):
    return factories.make_event(name="Pameran Kurasi", requires_curation=True)


@pytest.fixture
def organizer(event):
    return scoped_organizer(event)


@pytest.fixture
def booth(event):
    return CuratedBooth(event, "K1")


@pytest.fixture
def pending(booth):
    """A painting the booth added: it waits for the organizer."""
    return factories.make_product(
        booth.exhibitor,
        booth.manager,
        sku="K1-ART",
        name="Sawah Jatiluwih",
        category="painting",
        price=7_500_000,
        stock=1,
        one_of_a_kind=True,
        attributes={"artist": "I Made Budi", "medium": "Oil"},
    )


@pytest.fixture
def other_event(app):
    return factories.make_event(name="Pameran Lain", requires_curation=True)


# --- who adds what: pending or approved -------------------------------------------------


def new_product_body(exhibitor_id: int, sku: str) -> dict:
    return {
        "exhibitor_id": exhibitor_id,
        "sku": sku,
        "name": f"Keben {sku}",
        "category": "craft",
        "price": 125_000,
        "stock": 3,
    }


def test_with_curation_a_product_the_booth_adds_waits_and_one_the_organizer_adds_is_approved(
    client, booth, organizer
):
    by_booth = client.post(
        "/api/v1/products",
        json=new_product_body(booth.exhibitor.id, "K1-NEW"),
        headers=api(client, booth.manager),
    )
    assert by_booth.status_code == 201, by_booth.get_json()
    assert by_booth.get_json()["review_status"] == "pending"
    assert by_booth.get_json()["sellable"] is False

    by_organizer = client.post(
        "/api/v1/products",
        json=new_product_body(booth.exhibitor.id, "K1-ORG"),
        headers=api(client, organizer),
    )
    assert by_organizer.status_code == 201, by_organizer.get_json()
    assert by_organizer.get_json()["review_status"] == "approved"
    assert by_organizer.get_json()["sellable"] is True


def test_without_curation_a_product_the_booth_adds_is_approved_at_once(client, app):
    free = factories.make_event(name="Pameran Bebas", requires_curation=False)
    open_booth = CuratedBooth(free, "F1")
    response = client.post(
        "/api/v1/products",
        json=new_product_body(open_booth.exhibitor.id, "F1-NEW"),
        headers=api(client, open_booth.manager),
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["review_status"] == "approved"
    assert response.get_json()["sellable"] is True
    assert sell(client, open_booth.cashier, reloaded(response.get_json()["id"])).status_code == 201


def test_with_curation_products_the_booth_imports_wait_for_review(client, booth):
    csv_text = "sku,name,category,price,stock\nIMP-1,Keben kecil,craft,90000,4\n"
    response = client.post(
        f"/api/v1/products/import?exhibitor_id={booth.exhibitor.id}",
        data={"file": (io.BytesIO(csv_text.encode()), "katalog.csv")},
        content_type="multipart/form-data",
        headers=api(client, booth.manager),
    )
    assert response.status_code == 200, response.get_json()
    db.session.rollback()
    imported = db.session.scalar(sa.select(Product).where(Product.sku == "IMP-1"))
    assert imported.review_status == "pending"


# --- not sellable until approved --------------------------------------------------------


def test_a_pending_product_cannot_be_sold_and_nothing_is_recorded(client, booth, pending):
    before = counts()
    response = sell(client, booth.cashier, pending)
    assert response.status_code == 409
    assert response.get_json()["error"] == "not_sellable"
    assert counts() == before
    assert reloaded(pending.id).stock == 1


def test_a_rejected_product_cannot_be_sold_and_nothing_is_recorded(
    client, booth, organizer, pending
):
    assert review(client, organizer, pending.id, "reject", "Foto buram").status_code == 200
    before = counts()
    for seller in (booth.cashier, booth.manager):
        response = sell(client, seller, pending)
        assert response.status_code == 409
        assert response.get_json()["error"] == "not_sellable"
    assert counts() == before
    assert reloaded(pending.id).stock == 1


def test_once_approved_the_product_sells(client, booth, organizer, pending):
    assert sell(client, booth.cashier, pending).status_code == 409
    approved = review(client, organizer, pending.id, "approve")
    assert approved.status_code == 200, approved.get_json()
    assert approved.get_json()["review_status"] == "approved"
    assert approved.get_json()["sellable"] is True
    sold = sell(client, booth.cashier, pending)
    assert sold.status_code == 201, sold.get_json()
    assert reloaded(pending.id).stock == 0
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Sale.id))) == 1


# --- the organizer's decision through the API ------------------------------------------


def test_the_organizer_rejects_with_a_note_and_the_booth_reads_it_through_the_api(
    client, booth, organizer, pending
):
    note = "Foto buram; harga belum termasuk bingkai."
    response = review(client, organizer, pending.id, "reject", f"  {note}  ")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["review_status"] == "rejected"
    assert response.get_json()["review_note"] == note
    seen = client.get(f"/api/v1/products/{pending.id}", headers=api(client, booth.manager))
    assert seen.status_code == 200
    assert (seen.get_json()["review_status"], seen.get_json()["review_note"]) == (
        "rejected",
        note,
    )
    assert seen.get_json()["sellable"] is False


@pytest.mark.parametrize("note", ["", "   "])
def test_a_rejection_without_a_note_is_refused_and_changes_nothing(
    client, organizer, pending, note
):
    before = counts()
    response = review(client, organizer, pending.id, "reject", note)
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["field"] == "note"
    product = reloaded(pending.id)
    assert (product.review_status, product.review_note) == ("pending", "")
    assert counts() == before


def test_an_unknown_decision_is_refused(client, organizer, pending):
    response = review(client, organizer, pending.id, "maybe", "hmm")
    assert response.status_code == 422
    assert reloaded(pending.id).review_status == "pending"


def test_the_api_lists_products_by_review_status(client, booth, organizer, pending):
    other = factories.make_product(booth.exhibitor, booth.manager, sku="K1-2")
    assert review(client, organizer, other.id, "reject", "Harga salah").status_code == 200
    headers = api(client, organizer)
    listed = {
        status: [
            p["sku"]
            for p in client.get(
                "/api/v1/products", query_string={"review_status": status}, headers=headers
            ).get_json()["items"]
        ]
        for status in ("pending", "rejected", "approved")
    }
    assert listed == {"pending": ["K1-ART"], "rejected": ["K1-2"], "approved": []}


# --- who may review ----------------------------------------------------------------------


@pytest.mark.parametrize("role", ["manager", "cashier"])
@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_booth_staff_cannot_review_their_own_products(client, booth, pending, role, decision):
    before = counts()
    response = review(client, getattr(booth, role), pending.id, decision, "Bagus")
    assert response.status_code == 403, response.get_json()
    assert response.get_json() == {
        "error": "forbidden",
        "message": "Only the event's organizers may do this.",
    }
    product = reloaded(pending.id)
    assert (product.review_status, product.review_note) == ("pending", "")
    assert counts() == before


def test_an_organizer_of_another_event_cannot_review(client, pending, other_event):
    stranger = scoped_organizer(other_event)
    before = counts()
    for decision, note in (("approve", ""), ("reject", "Tidak cocok")):
        response = review(client, stranger, pending.id, decision, note)
        assert response.status_code == 403, response.get_json()
        assert response.get_json()["message"] == "You do not have access to this exhibitor."
    product = reloaded(pending.id)
    assert (product.review_status, product.review_note) == ("pending", "")
    assert counts() == before


def test_an_organizer_of_another_event_cannot_review_through_the_page(client, pending, other_event):
    stranger = scoped_organizer(other_event)
    sign_in(client, stranger)
    response = client.post(f"/products/{pending.id}/review", data={"decision": "approve"})
    assert response.status_code == 403
    assert "You do not have access to this exhibitor." in text(response)
    assert reloaded(pending.id).review_status == "pending"
    assert "K1-ART" not in text(client.get("/review"))


# --- the booth puts a rejected product right --------------------------------------------


def test_the_booth_editing_a_rejected_product_sends_it_back_for_review(
    client, booth, organizer, pending
):
    assert review(client, organizer, pending.id, "reject", "Foto buram").status_code == 200
    response = client.patch(
        f"/api/v1/products/{pending.id}",
        json={"price": 8_000_000},
        headers=api(client, booth.manager),
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["review_status"] == "pending"
    assert sell(client, booth.cashier, pending).get_json()["error"] == "not_sellable"
    sign_in(client, organizer)
    assert "K1-ART" in queued_skus(text(client.get("/review")))


def test_an_organizer_editing_a_rejected_product_leaves_it_rejected(client, organizer, pending):
    assert review(client, organizer, pending.id, "reject", "Foto buram").status_code == 200
    response = client.patch(
        f"/api/v1/products/{pending.id}", json={"price": 8_000_000}, headers=api(client, organizer)
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["review_status"] == "rejected"


def test_re_importing_an_unchanged_export_leaves_a_rejected_product_rejected(
    client, booth, organizer, pending
):
    assert review(client, organizer, pending.id, "reject", "Foto buram").status_code == 200
    headers = api(client, booth.manager)
    exported = client.get(
        f"/api/v1/products/export.csv?exhibitor_id={booth.exhibitor.id}", headers=headers
    )
    assert exported.status_code == 200
    again = client.post(
        f"/api/v1/products/import?exhibitor_id={booth.exhibitor.id}",
        data={"file": (io.BytesIO(exported.get_data()), "katalog.csv")},
        content_type="multipart/form-data",
        headers=headers,
    )
    assert again.get_json() == {"created": 0, "updated": 0, "errors": []}
    assert reloaded(pending.id).review_status == "rejected"


def test_the_booth_sees_the_note_on_its_product_page(client, booth, organizer, pending):
    note = "Harga belum termasuk bingkai"
    assert review(client, organizer, pending.id, "reject", note).status_code == 200
    sign_in(client, booth.manager)
    html = text(client.get(f"/products/{pending.id}"))
    match = re.search(r"<dt>Curation</dt><dd>(.*?)</dd>", html, re.S)
    assert match, "the product page says nothing about curation"
    assert unescape(match[1]).strip() == f"rejected: {note}"
    listing = text(client.get("/products"))
    assert re.search(r'data-sku="K1-ART".*?badge-bad">rejected<', listing, re.S)


def test_the_product_page_says_a_pending_product_awaits_approval(client, booth, pending):
    sign_in(client, booth.cashier)
    html = text(client.get(f"/products/{pending.id}"))
    assert re.search(r"<dt>Curation</dt><dd>\s*awaiting approval\s*</dd>", html)


# --- the review page --------------------------------------------------------------------


def test_the_review_page_lists_pending_products_of_the_organizers_event_with_photo_and_details(
    client, booth, organizer, pending, other_event
):
    photo = client.put(
        f"/api/v1/products/{pending.id}/photo",
        data={"file": (io.BytesIO(jpeg()), "foto.jpg")},
        content_type="multipart/form-data",
        headers=api(client, booth.manager),
    )
    assert photo.status_code == 200, photo.get_json()
    photo_url = photo.get_json()["photo_url"]
    assert photo_url
    approved = factories.make_product(booth.exhibitor, organizer, sku="K1-OK")
    assert approved.review_status == "approved"
    elsewhere = CuratedBooth(other_event, "L1")
    foreign = factories.make_product(elsewhere.exhibitor, elsewhere.manager, sku="L1-SECRET")
    assert foreign.review_status == "pending"

    sign_in(client, organizer)
    response = client.get("/review")
    assert response.status_code == 200
    html = text(response)
    assert queued_skus(html) == ["K1-ART"]
    card = review_card(html, pending.id)
    assert f'<img class="review-photo" src="{photo_url}"' in card
    shown = client.get(photo_url)
    assert shown.status_code == 200 and shown.mimetype == "image/jpeg"
    shown.close()
    assert "Sawah Jatiluwih" in card
    assert re.search(r"<dt>Artist</dt><dd>I Made Budi</dd>", card)
    assert re.search(r"<dt>Medium</dt><dd>Oil</dd>", card)
    assert 'name="decision" value="approve"' in card
    assert 'name="decision" value="reject"' in card
    assert "L1-SECRET" not in html


def test_approving_on_the_review_page_removes_it_from_the_queue_and_says_so(
    client, booth, organizer, pending
):
    sign_in(client, organizer)
    response = client.post(f"/products/{pending.id}/review", data={"decision": "approve"})
    assert response.status_code == 302
    page = text(client.get(response.location))
    assert flashes(page, "success") == ["Sawah Jatiluwih approved: it can be sold."]
    assert queued_skus(page) == []
    assert "Nothing waits for review." in page
    assert reloaded(pending.id).review_status == "approved"
    assert sell(client, booth.cashier, pending).status_code == 201


def test_rejecting_on_the_review_page_without_a_note_shows_the_error_and_changes_nothing(
    client, organizer, pending
):
    sign_in(client, organizer)
    before = counts()
    response = client.post(
        f"/products/{pending.id}/review", data={"decision": "reject", "note": "  "}
    )
    assert response.status_code == 302
    page = text(client.get(response.location))
    assert flashes(page, "error") == ["Say why, so the booth can put it right."]
    assert flashes(page, "success") == []
    assert queued_skus(page) == ["K1-ART"]
    assert reloaded(pending.id).review_status == "pending"
    assert counts() == before


def test_rejecting_on_the_review_page_with_a_note_moves_it_to_the_rejected_list(
    client, organizer, pending
):
    sign_in(client, organizer)
    response = client.post(
        f"/products/{pending.id}/review", data={"decision": "reject", "note": "Foto buram"}
    )
    assert response.status_code == 302
    page = text(client.get(response.location))
    assert flashes(page, "success") == ["Sawah Jatiluwih rejected; the booth sees your note."]
    assert queued_skus(page) == []
    rejected = text(client.get("/review?status=rejected"))
    assert queued_skus(rejected) == ["K1-ART"]
    assert re.search(r"<dt>Last note</dt><dd>Foto buram</dd>", review_card(rejected, pending.id))
    product = reloaded(pending.id)
    assert (product.review_status, product.review_note) == ("rejected", "Foto buram")


@pytest.mark.parametrize("role", ["manager", "cashier"])
def test_booth_staff_cannot_open_the_review_page_or_use_its_form(client, booth, pending, role):
    sign_in(client, getattr(booth, role))
    assert client.get("/review").status_code == 403
    response = client.post(f"/products/{pending.id}/review", data={"decision": "approve"})
    # The form is the organizer's: the refusal comes back as a message, on a page that
    # is not theirs to open either.
    assert response.status_code == 302 and urlsplit(response.location).path == "/review"
    refused = client.get(response.location)
    assert refused.status_code == 403
    assert flashes(text(refused), "error") == ["Only the event's organizers may do this."]
    assert reloaded(pending.id).review_status == "pending"


def test_the_nav_shows_organizers_how_many_products_wait(
    client, booth, organizer, pending, other_event
):
    second = factories.make_product(booth.exhibitor, booth.manager, sku="K1-2")
    elsewhere = CuratedBooth(other_event, "L1")
    factories.make_product(elsewhere.exhibitor, elsewhere.manager, sku="L1-1")
    sign_in(client, organizer)
    html = text(client.get("/products"))
    assert count_badge(html) == 2  # the other event's product is not theirs to review
    assert re.search(r'href="/review"[^>]*>Review <span class="count-badge">2</span>', html)

    client.post(f"/products/{pending.id}/review", data={"decision": "approve"})
    assert count_badge(text(client.get("/products"))) == 1
    client.post(f"/products/{second.id}/review", data={"decision": "reject", "note": "Salah"})
    html = text(client.get("/products"))
    assert count_badge(html) is None
    assert re.search(r'href="/review"[^>]*>Review</a>', html)


def test_booth_staff_see_no_review_badge(client, booth, pending):
    sign_in(client, booth.manager)
    html = text(client.get("/products"))
    assert count_badge(html) is None
    assert 'href="/review"' not in html


def test_the_badge_counts_only_what_the_queue_lists(client, booth, organizer, pending):
    withdrawn = client.patch(
        f"/api/v1/products/{pending.id}", json={"active": False}, headers=api(client, booth.manager)
    )
    assert withdrawn.status_code == 200, withdrawn.get_json()
    sign_in(client, organizer)
    html = text(client.get("/review"))
    assert (count_badge(html) or 0) == len(queued_skus(html))


# --- the audit log ----------------------------------------------------------------------


def test_every_review_is_in_the_audit_log(client, booth, organizer, pending):
    assert review(client, organizer, pending.id, "reject", "Foto buram").status_code == 200
    sign_in(client, organizer)
    client.post(f"/products/{pending.id}/review", data={"decision": "approve"})
    db.session.rollback()
    entries = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "product_reviewed").order_by(AuditEntry.id)
    ).all()
    assert [
        (e.user_id, e.exhibitor_id, e.target_type, e.target_id, e.details) for e in entries
    ] == [
        (
            organizer.id,
            booth.exhibitor.id,
            "product",
            pending.id,
            {"decision": "reject", "note": "Foto buram"},
        ),
        (
            organizer.id,
            booth.exhibitor.id,
            "product",
            pending.id,
            {"decision": "approve", "note": ""},
        ),
    ]


def test_a_refused_review_writes_no_audit_entry(client, booth, organizer, pending):
    review(client, organizer, pending.id, "reject", "")
    review(client, booth.manager, pending.id, "approve")
    db.session.rollback()
    assert (
        db.session.scalar(
            sa.select(sa.func.count(AuditEntry.id)).where(AuditEntry.action == "product_reviewed")
        )
        == 0
    )


def test_the_review_page_shows_one_booth_when_asked_and_a_page_at_a_time(
    client, event, booth, organizer, pending, monkeypatch
):
    other = CuratedBooth(event, "K2")
    for n in range(3):
        factories.make_product(other.exhibitor, other.manager, sku=f"K2-{n}", name=f"Tas {n}")
    english(organizer)
    sign_in(client, organizer)

    only_k1 = text(client.get(f"/review?exhibitor_id={booth.exhibitor.id}"))
    assert queued_skus(only_k1) == ["K1-ART"]

    monkeypatch.setattr("pos.inventory.views.REVIEW_PAGE", 2)
    first_page = text(client.get("/review"))
    assert len(queued_skus(first_page)) == 2
    assert "Showing 2 of 4" in first_page
    assert count_badge(first_page) == 4

    # A decision made while one booth is shown comes back to that booth's queue.
    answer = client.post(
        f"/products/{pending.id}/review?exhibitor_id={booth.exhibitor.id}",
        data={"decision": "approve", "note": ""},
    )
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith(f"/review?exhibitor_id={booth.exhibitor.id}")


# --- an approved product the booth changes goes back for review -------------------------


@pytest.fixture
def approved(client, organizer, pending):
    """The painting, approved by the organizer: on sale."""
    assert review(client, organizer, pending.id, "approve").status_code == 200
    assert reloaded(pending.id).review_status == "approved"
    return pending


def sent_back(product_id: int) -> list[tuple[int, dict]]:
    """The audit log's entries of the product going back for review: (user, details)."""
    db.session.rollback()
    return [
        (entry.user_id, entry.details)
        for entry in db.session.scalars(
            sa.select(AuditEntry)
            .where(
                AuditEntry.action == "product_sent_for_review", AuditEntry.target_id == product_id
            )
            .order_by(AuditEntry.id)
        )
    ]


def patch(client, user: User, product_id: int, changes: dict):
    response = client.patch(
        f"/api/v1/products/{product_id}", json=changes, headers=api(client, user)
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_an_approved_product_renamed_and_repriced_by_the_booth_goes_back_and_stops_selling(
    client, booth, organizer, approved
):
    answer = patch(client, booth.manager, approved.id, {"name": "Apa saja", "price": 1})
    assert (answer["review_status"], answer["sellable"]) == ("pending", False)
    refused = sell(client, booth.cashier, approved)
    assert refused.status_code == 409 and refused.get_json()["error"] == "not_sellable"
    sign_in(client, organizer)
    assert "K1-ART" in queued_skus(text(client.get("/review")))
    assert sent_back(approved.id) == [(booth.manager.id, {"fields": ["name"], "was": "approved"})]


@pytest.mark.parametrize(
    "changes",
    [
        {"name": "Sawah Tegallalang"},
        {"category": "other", "attributes": {}},
        {"description": "Cat minyak di atas kanvas, 60 × 80 cm"},
        {"attributes": {"artist": "Pelukis lain", "medium": "Oil"}},
    ],
    ids=["name", "category", "description", "attributes"],
)
def test_changing_what_the_organizer_curated_sends_an_approved_product_back(
    client, booth, approved, changes
):
    assert patch(client, booth.manager, approved.id, changes)["review_status"] == "pending"
    assert sell(client, booth.cashier, approved).get_json()["error"] == "not_sellable"


@pytest.mark.parametrize(
    "changes",
    [
        {"price": 1},
        {"stock": 0},
        {"low_stock_threshold": 1},
        {"name": "Sawah Jatiluwih", "attributes": {"artist": "I Made Budi", "medium": "Oil"}},
    ],
    ids=["price", "stock", "threshold", "same-values"],
)
def test_price_stock_and_unchanged_values_leave_an_approved_product_on_sale(
    client, booth, approved, changes
):
    assert patch(client, booth.manager, approved.id, changes)["review_status"] == "approved"
    assert sent_back(approved.id) == []


def test_the_organizer_changing_an_approved_product_leaves_it_approved(client, organizer, approved):
    assert patch(client, organizer, approved.id, {"name": "Sawah"})["review_status"] == "approved"
    assert sent_back(approved.id) == []


def test_without_curation_a_renamed_product_stays_on_sale(client, app):
    free = factories.make_event(name="Pameran Bebas", requires_curation=False)
    open_booth = CuratedBooth(free, "F1")
    product = factories.make_product(open_booth.exhibitor, open_booth.manager, sku="F1-1")
    answer = patch(client, open_booth.manager, product.id, {"name": "Nama baru"})
    assert answer["review_status"] == "approved"


def test_a_new_photo_or_none_sends_an_approved_product_back(client, booth, organizer, approved):
    photo = client.put(
        f"/api/v1/products/{approved.id}/photo",
        data={"file": (io.BytesIO(jpeg()), "foto.jpg")},
        content_type="multipart/form-data",
        headers=api(client, booth.manager),
    )
    assert photo.status_code == 200, photo.get_json()
    assert photo.get_json()["review_status"] == "pending"
    assert review(client, organizer, approved.id, "approve").status_code == 200
    removed = client.delete(
        f"/api/v1/products/{approved.id}/photo", headers=api(client, booth.manager)
    )
    assert removed.status_code == 200, removed.get_json()
    assert removed.get_json()["review_status"] == "pending"
    assert [details["fields"] for _user, details in sent_back(approved.id)] == [
        ["photo"],
        ["photo"],
    ]


def edit_form(product: Product, **fields) -> dict:
    data = {
        "sku": product.sku,
        "name": product.name,
        "category": product.category,
        "price": str(product.price),
        "stock": str(product.stock),
        "description": product.description or "",
        "one_of_a_kind": "y",
    }
    for key, value in product.attributes.items():
        data[f"attr-{product.category}-{key}"] = str(value)
    return data | fields


def test_the_edit_form_sends_a_renamed_approved_product_back_but_not_a_new_price(
    client, booth, approved
):
    sign_in(client, booth.manager)
    product = reloaded(approved.id)
    repriced = client.post(f"/products/{approved.id}/edit", data=edit_form(product, price="1"))
    assert repriced.status_code == 302
    assert reloaded(approved.id).review_status == "approved"
    renamed = client.post(
        f"/products/{approved.id}/edit", data=edit_form(reloaded(approved.id), name="Apa saja")
    )
    assert renamed.status_code == 302
    assert reloaded(approved.id).review_status == "pending"


def test_the_edit_forms_and_the_quick_photo_send_an_approved_product_back_for_a_new_photo(
    client, booth, organizer, approved
):
    sign_in(client, booth.manager)
    form = edit_form(reloaded(approved.id)) | {"photo": (io.BytesIO(jpeg()), "foto.jpg")}
    edited = client.post(
        f"/products/{approved.id}/edit", data=form, content_type="multipart/form-data"
    )
    assert edited.status_code == 302
    assert reloaded(approved.id).review_status == "pending"
    assert review(client, organizer, approved.id, "approve").status_code == 200
    sign_in(client, booth.manager)
    quick = client.post(
        f"/products/{approved.id}/photo",
        data={"photo": (io.BytesIO(jpeg((80, 60))), "lagi.jpg")},
        content_type="multipart/form-data",
    )
    assert quick.status_code == 302
    assert reloaded(approved.id).review_status == "pending"


def import_csv(client, user: User, exhibitor_id: int, csv_text: str):
    response = client.post(
        f"/api/v1/products/import?exhibitor_id={exhibitor_id}",
        data={"file": (io.BytesIO(csv_text.encode()), "katalog.csv")},
        content_type="multipart/form-data",
        headers=api(client, user),
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_an_import_renaming_an_approved_sku_sends_it_back_but_new_prices_and_stock_do_not(
    client, booth, organizer
):
    header = "sku,name,category,price,stock\n"
    import_csv(client, organizer, booth.exhibitor.id, header + "IMP-1,Keben kecil,craft,90000,4\n")
    assert db.session.scalar(sa.select(Product.review_status).where(Product.sku == "IMP-1")) == (
        "approved"
    )
    restocked = import_csv(
        client, booth.manager, booth.exhibitor.id, header + "IMP-1,Keben kecil,craft,1,9\n"
    )
    assert restocked["updated"] == 1
    db.session.rollback()
    product = db.session.scalar(sa.select(Product).where(Product.sku == "IMP-1"))
    assert (product.review_status, product.price, product.stock) == ("approved", 1, 9)
    import_csv(client, booth.manager, booth.exhibitor.id, header + "IMP-1,Apa saja,craft,1,9\n")
    assert reloaded(product.id).review_status == "pending"
    assert sent_back(product.id) == [(booth.manager.id, {"fields": ["name"], "was": "approved"})]
