"""The floor plan: the organizer uploads a picture of the hall and taps each booth's place
on it; a bad upload is a form error, never a 500; only the event's organizers place
booths; the places are kept as shares of the plan and drawn as markers."""

from __future__ import annotations

import io
import os
import re
import stat
from html import unescape
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image

from pos.catalogue import service as catalogue_service
from pos.catalogue.extras.models import BoothPlace, FloorPlan
from pos.extensions import db
from tests import factories
from tests.pages import english, field_errors, flashes, sign_in, text


def picture(size=(1600, 1000), kind="PNG") -> bytes:
    """A plan-like picture: white with a grey grid of booths."""
    image = Image.new("RGB", size, (255, 255, 255))
    for x in range(0, size[0], 200):
        image.paste((120, 120, 120), (x, 0, x + 4, size[1]))
    out = io.BytesIO()
    image.save(out, kind)
    return out.getvalue()


@pytest.fixture(autouse=True)
def fresh_public_pages(app):
    """Public pages rendered afresh: the catalogue keeps a rendered page a few seconds
    per process by event id, which would carry one over from another test's database."""
    app.config["CATALOGUE_CACHE_SECONDS"] = 0
    catalogue_service.forget_pages()
    yield
    catalogue_service.forget_pages()


@pytest.fixture
def fair(db):
    event = factories.make_event(
        name="Pameran IKM Bali Bangkit", slug="ikm-bali-bangkit", catalogue_public=True
    )
    other = factories.make_event(name="Another fair")
    organizer = factories.make_user("organizer")
    organizer.event_id = event.id
    b12 = factories.Booth(event, "B12", name="Tenun Endek Sari")
    a3 = factories.Booth(event, "A3", name="Perak Celuk")
    elsewhere = factories.make_user("organizer")
    elsewhere.event_id = other.id
    english(organizer, b12.manager, b12.cashier, elsewhere)
    return {
        "event": event,
        "organizer": organizer,
        "b12": b12,
        "a3": a3,
        "elsewhere": elsewhere,
    }


def upload(client, event_id, content, name="plan.png"):
    return client.post(
        f"/events/{event_id}/floor-plan",
        data={"photo": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def place(client, event_id, exhibitor_id, x, y):
    return client.post(
        f"/events/{event_id}/floor-plan/places",
        data={"exhibitor_id": str(exhibitor_id), "x": str(x), "y": str(y)},
    )


def test_an_organizer_uploads_the_plan_and_places_a_booth_as_shares_of_the_plan(client, fair):
    event = fair["event"]
    sign_in(client, fair["organizer"])
    answer = upload(client, event.id, picture((1600, 1000)))
    assert answer.status_code == 302
    plan = db.session.get(FloorPlan, event.id)
    assert (plan.width, plan.height) == (1600, 1000)
    page = client.get(f"/events/{event.id}/floor-plan")
    assert flashes(text(page), "success") == [
        "Floor plan saved. Now tap the plan to place each booth."
    ]

    answer = place(client, event.id, fair["b12"].exhibitor.id, "25", "40.5")
    assert answer.status_code == 302
    page = client.get(f"/events/{event.id}/floor-plan")
    assert flashes(text(page), "success") == ["Booth B12 placed on the plan."]
    spot = db.session.get(BoothPlace, fair["b12"].exhibitor.id)
    assert (spot.x, spot.y) == (0.25, 0.405)
    # Drawn where it was tapped, in the plan's pixels: 25 % of 1600, 40.5 % of 1000.
    html = text(page)
    assert 'viewBox="0 0 1600 1000"' in html
    assert '<circle cx="400.0" cy="405.0"' in html
    assert "1 of 2 booths placed" in html

    # Tapped again elsewhere: moved, not doubled.
    place(client, event.id, fair["b12"].exhibitor.id, "50", "50")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BoothPlace)) == 1
    db.session.expire_all()
    assert db.session.get(BoothPlace, fair["b12"].exhibitor.id).x == 0.5


def test_the_plan_is_kept_as_a_new_jpeg_readable_by_the_server_alone(client, app, fair):
    sign_in(client, fair["organizer"])
    upload(client, fair["event"].id, picture((2400, 1200), "PNG"))
    plan = db.session.get(FloorPlan, fair["event"].id)
    assert (plan.width, plan.height) == (2048, 1024)  # at most 2048 on its longest side
    path = Path(app.config["PHOTOS_DIR"]) / plan.image[:2] / f"{plan.image}-plan.jpg"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    with Image.open(path) as kept:
        assert kept.format == "JPEG"
    answer = client.get(f"/events/{fair['event'].id}/floor-plan/{plan.image}.jpg")
    assert answer.status_code == 200
    assert answer.mimetype == "image/jpeg"
    assert answer.data == path.read_bytes()
    answer.close()


NOT_A_PICTURE = "This file is not a photo. Upload a JPEG, PNG or WebP picture."
DAMAGED = "The photo file is damaged or incomplete. Take or choose it again."


@pytest.mark.parametrize(
    ("content", "status", "message"),
    [
        (b"%PDF-1.4 not a picture", 422, NOT_A_PICTURE),
        (b"", 422, NOT_A_PICTURE),
        (picture()[:400], 422, DAMAGED),
    ],
)
def test_a_file_that_is_not_a_picture_is_a_form_error(client, fair, content, status, message):
    sign_in(client, fair["organizer"])
    answer = upload(client, fair["event"].id, content, "plan.pdf")
    assert answer.status_code == status
    assert field_errors(text(answer), "photo") == [message]
    assert db.session.get(FloorPlan, fair["event"].id) is None


def test_a_form_without_a_file_asks_for_the_picture(client, fair):
    sign_in(client, fair["organizer"])
    answer = client.post(f"/events/{fair['event'].id}/floor-plan", data={})
    assert answer.status_code == 422
    assert field_errors(text(answer), "photo") == ["Choose the picture of the floor plan."]


def test_a_picture_over_the_size_limit_is_a_form_error(client, app, fair):
    app.config["PHOTO_MAX_BYTES"] = 50_000
    sign_in(client, fair["organizer"])
    big = os.urandom(60_000)
    answer = upload(client, fair["event"].id, big, "plan.jpg")
    assert answer.status_code == 413
    assert field_errors(text(answer), "photo") == ["The photo is larger than 0 MB."]
    assert db.session.get(FloorPlan, fair["event"].id) is None


def test_a_booth_cannot_be_placed_before_the_plan_or_off_it(client, fair):
    event = fair["event"]
    sign_in(client, fair["organizer"])
    answer = place(client, event.id, fair["b12"].exhibitor.id, "10", "10")
    assert answer.status_code == 422
    assert flashes(text(answer), "error") == ["Upload the floor plan first."]
    upload(client, event.id, picture())
    answer = place(client, event.id, fair["b12"].exhibitor.id, "120", "10")
    assert answer.status_code == 422
    assert field_errors(text(answer), "x") == ["Number must be between 0 and 100."]
    answer = place(client, event.id, fair["b12"].exhibitor.id, "", "10")
    assert field_errors(text(answer), "x") == ["Tap the plan where the booth is."]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BoothPlace)) == 0


def test_only_the_events_organizers_place_booths(client, fair):
    event = fair["event"]
    sign_in(client, fair["organizer"])
    upload(client, event.id, picture())
    client.post("/logout")
    for user in (fair["b12"].manager, fair["b12"].cashier, fair["elsewhere"]):
        sign_in(client, user)
        assert client.get(f"/events/{event.id}/floor-plan").status_code == 403
        assert place(client, event.id, fair["b12"].exhibitor.id, "10", "10").status_code == 403
        assert upload(client, event.id, picture()).status_code == 403
        client.post("/logout")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BoothPlace)) == 0


def test_an_organizer_cannot_place_another_events_booth(client, fair, db):
    other_event = factories.make_event(name="Third fair")
    stranger = factories.make_exhibitor(other_event, booth="Z9")
    sign_in(client, fair["organizer"])
    upload(client, fair["event"].id, picture())
    answer = place(client, fair["event"].id, stranger.id, "10", "10")
    assert answer.status_code == 422  # not one of the event's booths to choose
    assert field_errors(text(answer), "exhibitor_id") == ["Not a valid choice."]
    assert db.session.get(BoothPlace, stranger.id) is None


def test_a_booth_taken_off_the_plan_has_no_place(client, fair):
    event = fair["event"]
    sign_in(client, fair["organizer"])
    upload(client, event.id, picture())
    place(client, event.id, fair["a3"].exhibitor.id, "10", "20")
    answer = client.post(f"/events/{event.id}/floor-plan/places/{fair['a3'].exhibitor.id}/remove")
    assert answer.status_code == 302
    assert db.session.get(BoothPlace, fair["a3"].exhibitor.id) is None


# --- the public pages ---------------------------------------------------------------------


def placed_fair(client, fair):
    event = fair["event"]
    sign_in(client, fair["organizer"])
    upload(client, event.id, picture((1600, 1000)))
    place(client, event.id, fair["b12"].exhibitor.id, "25", "50")
    place(client, event.id, fair["a3"].exhibitor.id, "75", "20")
    client.post("/logout")
    return db.session.get(FloorPlan, event.id)


def markers(html: str) -> list[tuple[str, str, str]]:
    """Each marker link of the plan: its address, its accessible name, its centre."""
    return [
        (href, unescape(label), cx)
        for href, label, cx in re.findall(
            r'<a href="([^"]+)" class="marker[^"]*" aria-label="([^"]+)"[^>]*>'
            r'\s*<circle cx="([^"]+)"',
            html,
        )
    ]


def test_the_fairs_page_shows_the_plan_with_every_booth_a_link_to_its_page(client, fair):
    plan = placed_fair(client, fair)
    page = client.get("/e/ikm-bali-bangkit")
    assert page.status_code == 200
    html = text(page)
    assert markers(html) == [
        ("/e/ikm-bali-bangkit/A3", "Booth A3: Perak Celuk", "1200.0"),
        ("/e/ikm-bali-bangkit/B12", "Booth B12: Tenun Endek Sari", "400.0"),
    ]
    # The same booths as a list, for those who do not use the picture.
    assert re.findall(r'<li><a href="([^"]+)"><strong>', html) == [
        "/e/ikm-bali-bangkit/A3",
        "/e/ikm-bali-bangkit/B12",
    ]
    image = client.get(f"/e/ikm-bali-bangkit/plan/{plan.image}.jpg")  # no sign-in
    assert image.status_code == 200
    assert image.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    image.close()


def test_a_booths_page_marks_its_place_on_the_plan(client, fair):
    placed_fair(client, fair)
    html = text(client.get("/e/ikm-bali-bangkit/B12"))
    assert "Booth B12 is the red mark on the floor plan." in html
    here = re.findall(r'class="marker here" aria-label="([^"]+)" aria-current="location"', html)
    assert here == ["Booth B12: Tenun Endek Sari"]


def test_an_unpublished_booth_is_not_on_the_public_plan_and_a_closed_catalogue_shows_none(
    client, fair
):
    plan = placed_fair(client, fair)
    fair["a3"].exhibitor.catalogue_published = False
    db.session.commit()
    labels = [label for _href, label, _cx in markers(text(client.get("/e/ikm-bali-bangkit")))]
    assert labels == ["Booth B12: Tenun Endek Sari"]
    fair["event"].catalogue_public = False
    db.session.commit()
    assert client.get(f"/e/ikm-bali-bangkit/plan/{plan.image}.jpg").status_code == 404


def test_without_a_plan_the_public_pages_show_none(client, fair):
    html = text(client.get("/e/ikm-bali-bangkit/B12"))
    assert 'class="plan' not in html


def test_the_plan_and_every_placing_and_removal_are_in_the_audit_log(client, fair):
    from pos.auth.models import AuditEntry

    event, b12 = fair["event"], fair["b12"].exhibitor
    sign_in(client, fair["organizer"])
    upload(client, event.id, picture((1600, 1000)))
    place(client, event.id, b12.id, "25", "40")
    place(client, event.id, b12.id, "50", "50")
    client.post(f"/events/{event.id}/floor-plan/places/{b12.id}/remove")
    client.post(f"/events/{event.id}/floor-plan/places/{b12.id}/remove")  # had none

    db.session.rollback()
    logged = db.session.scalars(
        sa.select(AuditEntry)
        .where(AuditEntry.action.in_(["floor_plan_set", "booth_placed", "booth_place_removed"]))
        .order_by(AuditEntry.id)
    ).all()
    assert [(e.action, e.user_id, e.event_id) for e in logged] == [
        ("floor_plan_set", fair["organizer"].id, event.id),
        ("booth_placed", fair["organizer"].id, event.id),
        ("booth_placed", fair["organizer"].id, event.id),
        ("booth_place_removed", fair["organizer"].id, event.id),
    ]
    assert (logged[0].details["width"], logged[0].details["height"]) == (1600, 1000)
    assert [
        (e.exhibitor_id, e.details.get("x"), e.details.get("moved_from")) for e in logged[1:]
    ] == [
        (b12.id, 0.25, None),
        (b12.id, 0.5, {"x": 0.25, "y": 0.4}),
        (b12.id, None, None),
    ]

    # The organizer reads them in words on the audit page.
    page = text(client.get(f"/audit?event_id={event.id}"))
    assert "Booth placed on the floor plan" in page
    assert "Floor plan uploaded" in page
