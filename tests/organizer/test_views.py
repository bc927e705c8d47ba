"""The organizer's HTML pages: the exhibitor list and its search, the exhibitor forms,
the events list, the event form and the current event; and that nobody else gets in."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from pos.auth import service as auth_service
from pos.extensions import db
from pos.organizer.models import Event, Exhibitor
from tests import factories
from tests.pages import english, field_errors, field_value, flashes, input_tag, sign_in, text


@pytest.fixture
def event(app):
    return factories.make_event(name="Pameran IKM Uji")


@pytest.fixture
def a(event):
    booth = factories.Booth(event, "A1", name="Celuk Silver Sudana", region="Gianyar")
    english(booth.manager, booth.cashier)
    return booth


@pytest.fixture
def b(event):
    booth = factories.Booth(event, "B1", name="Tenun Endek Gelgel", region="Klungkung")
    english(booth.manager, booth.cashier)
    return booth


@pytest.fixture
def organizer(app):
    return factories.make_user("organizer", locale="en")


# --- helpers ----------------------------------------------------------------------------


def listed_booths(html: str) -> list[str]:
    """The booth codes in the exhibitor table, in order."""
    return re.findall(r"<tr[^>]*>\s*<td><strong>([^<]*)</strong></td>", html)


def count(model) -> int:
    db.session.rollback()  # end the test's read snapshot: see what requests committed
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def reloaded(model, ident):
    db.session.rollback()
    return db.session.get(model, ident)


def exhibitor_form(**fields) -> dict[str, str]:
    return {
        "name": "Bambu Kayubihi Kreasi",
        "booth": "D02",
        "owner_name": "I Nyoman Sukra",
        "phone": "+62 812-3800-4402",
        "email": "bambu@example.com",
        "address": "Desa Kayubihi, Bangli",
        "region": "Bangli",
        "sentra": "Sentra Bambu Kayubihi",
        "tax_rate_percent": "0",
        "npwp": "",
        "receipt_language": "id",
    } | fields


def event_form(**fields) -> dict[str, str]:
    return {
        "name": "Gelar Karya IKM Nasional",
        "venue": "JIExpo Kemayoran",
        "starts_on": "2026-09-01",
        "ends_on": "2026-09-05",
        "timezone": "Asia/Jakarta",
        "currency": "IDR",
        "receipt_footer": "Terima kasih",
        "cashier_discount_limit_percent": "10",
        "booth_fee": "0",
    } | fields


# --- the exhibitor list -----------------------------------------------------------------


def test_exhibitor_list_shows_the_current_events_booths(client, organizer, a, b):
    sign_in(client, organizer)
    response = client.get("/exhibitors")
    assert response.status_code == 200
    html = text(response)
    assert listed_booths(html) == ["A1", "B1"]
    assert "Celuk Silver Sudana" in html and "Tenun Endek Gelgel" in html
    assert "Pameran IKM Uji" in html


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("silver", ["A1"]),  # business name, any case
        ("GELGEL", ["B1"]),
        ("b1", ["B1"]),  # booth code
        ("klungkung", ["B1"]),  # origin region
        ("Gianyar", ["A1"]),
        ("nowhere", []),
    ],
)
def test_exhibitor_search_matches_name_booth_and_region(client, organizer, a, b, q, expected):
    sign_in(client, organizer)
    response = client.get("/exhibitors", query_string={"q": q})
    assert response.status_code == 200
    html = text(response)
    assert listed_booths(html) == expected
    assert f'value="{q}"' in html  # the search box keeps what was typed


def test_exhibitor_list_leaves_out_exhibitors_of_other_events(client, organizer, a):
    later = factories.make_event(name="Pameran Berikutnya")
    factories.make_exhibitor(later, booth="Z9", name="Other Fair Booth")
    sign_in(client, organizer)
    html = text(client.get("/exhibitors"))
    assert listed_booths(html) == ["Z9"]
    assert "Celuk Silver Sudana" not in html


# --- the exhibitor forms ----------------------------------------------------------------


def test_new_exhibitor_form_adds_the_exhibitor_to_the_current_event_and_lists_it(
    client, organizer, event, a
):
    sign_in(client, organizer)
    form = client.get("/exhibitors/new")
    assert form.status_code == 200
    assert 'name="booth"' in text(form)

    response = client.post("/exhibitors/new", data=exhibitor_form(booth="d02"))
    assert response.status_code == 302
    assert urlsplit(response.location).path == "/exhibitors"
    listing = text(client.get(response.location))
    assert listed_booths(listing) == ["A1", "D02"]
    assert flashes(listing, "success") == ["Exhibitor D02 added."]
    db.session.rollback()
    created = db.session.scalar(sa.select(Exhibitor).where(Exhibitor.booth == "D02"))
    assert created.event_id == event.id
    assert (created.name, created.region, created.receipt_language) == (
        "Bambu Kayubihi Kreasi",
        "Bangli",
        "id",
    )
    assert created.tax_registered is False


def test_new_exhibitor_with_a_taken_booth_code_shows_an_error_at_booth_and_creates_nothing(
    client, organizer, a
):
    sign_in(client, organizer)
    before = count(Exhibitor)
    response = client.post("/exhibitors/new", data=exhibitor_form(booth="a1"))
    assert response.status_code == 200  # the form again, with what is wrong
    assert field_errors(text(response), "booth") == ["Booth A1 is already taken at this event."]
    assert count(Exhibitor) == before


@pytest.mark.parametrize("name", ["", "   "])
def test_new_exhibitor_without_a_name_shows_an_error_at_name_and_creates_nothing(
    client, organizer, a, name
):
    sign_in(client, organizer)
    before = count(Exhibitor)
    response = client.post("/exhibitors/new", data=exhibitor_form(name=name))
    assert response.status_code == 200  # the form again, with what is wrong
    assert field_errors(text(response), "name") == ["This field is required."]
    assert count(Exhibitor) == before


def test_new_exhibitor_with_a_malformed_booth_code_shows_an_error_at_booth(client, organizer, a):
    sign_in(client, organizer)
    before = count(Exhibitor)
    response = client.post("/exhibitors/new", data=exhibitor_form(booth="B 12!"))
    assert response.status_code == 200  # the form again, with what is wrong
    assert field_errors(text(response), "booth") == [
        "A booth code has up to 20 letters, digits or '-', such as B12."
    ]
    assert count(Exhibitor) == before


def test_edit_exhibitor_form_shows_and_saves_its_details(client, organizer, a):
    sign_in(client, organizer)
    form = client.get(f"/exhibitors/{a.exhibitor.id}/edit")
    assert form.status_code == 200
    assert 'value="Celuk Silver Sudana"' in text(form)

    response = client.post(
        f"/exhibitors/{a.exhibitor.id}/edit",
        data=exhibitor_form(
            name="Celuk Silver Ketut Sudana",
            booth="A1",
            region="Gianyar",
            tax_registered="y",
            tax_rate_percent="11",
            active="y",
        ),
    )
    assert response.status_code == 302
    assert urlsplit(response.location).path == "/exhibitors"
    changed = reloaded(Exhibitor, a.exhibitor.id)
    assert changed.name == "Celuk Silver Ketut Sudana"
    assert (changed.tax_registered, changed.tax_rate_percent) == (True, 11)
    assert "Celuk Silver Ketut Sudana" in text(client.get("/exhibitors"))


def test_edit_exhibitor_to_another_booths_code_shows_an_error_and_changes_nothing(
    client, organizer, a, b
):
    sign_in(client, organizer)
    response = client.post(
        f"/exhibitors/{a.exhibitor.id}/edit",
        data=exhibitor_form(name="Renamed", booth="B1", active="y"),
    )
    assert response.status_code == 200  # the form again, with what is wrong
    assert field_errors(text(response), "booth") == ["Booth B1 is already taken at this event."]
    unchanged = reloaded(Exhibitor, a.exhibitor.id)
    assert (unchanged.booth, unchanged.name) == ("A1", "Celuk Silver Sudana")


# --- events -----------------------------------------------------------------------------


def test_events_list_shows_every_event_and_marks_the_current_one(client, organizer, event):
    later = factories.make_event(name="Pameran Berikutnya")
    sign_in(client, organizer)
    response = client.get("/events")
    assert response.status_code == 200
    html = text(response)
    rows = re.findall(r"<tr>\s*<td><strong>(.*?)</strong>(.*?)</td>", html, re.S)
    marked = {unescape(name): "badge" in rest for name, rest in rows}
    assert marked == {event.name: False, later.name: True}


def test_new_event_form_creates_the_event_and_makes_it_current(client, organizer, event):
    sign_in(client, organizer)
    assert client.get("/events/new").status_code == 200
    response = client.post("/events/new", data=event_form())
    assert response.status_code == 302
    assert urlsplit(response.location).path == "/events"
    db.session.rollback()
    created = db.session.scalar(sa.select(Event).where(Event.name == "Gelar Karya IKM Nasional"))
    assert (created.timezone, created.currency, created.is_current) == ("Asia/Jakarta", "IDR", True)
    assert reloaded(Event, event.id).is_current is False
    assert "Gelar Karya IKM Nasional" in text(client.get("/events"))


BOOTH_FEES_AS_WRITTEN = ["1.500.000", "1500000", "Rp1.500.000", "Rp 1.500.000", "IDR 1,500,000"]


def event_named(name: str) -> Event:
    db.session.rollback()
    return db.session.scalar(sa.select(Event).where(Event.name == name))


@pytest.mark.parametrize("typed", BOOTH_FEES_AS_WRITTEN)
def test_a_new_events_booth_fee_is_read_as_the_app_prints_money(client, organizer, event, typed):
    sign_in(client, organizer)
    fee = input_tag(text(client.get("/events/new")), "booth_fee")
    assert 'type="text"' in fee and 'inputmode="numeric"' in fee
    response = client.post("/events/new", data=event_form(booth_fee=typed))
    assert response.status_code == 302
    assert event_named("Gelar Karya IKM Nasional").booth_fee == 1_500_000


@pytest.mark.parametrize("typed", BOOTH_FEES_AS_WRITTEN)
def test_an_edited_booth_fee_is_read_as_the_app_prints_money(client, organizer, event, typed):
    sign_in(client, organizer)
    response = client.post(
        f"/events/{event.id}/edit", data=event_form(name="Pameran IKM Uji", booth_fee=typed)
    )
    assert response.status_code == 302
    assert reloaded(Event, event.id).booth_fee == 1_500_000


def test_the_event_form_shows_the_booth_fee_as_the_app_prints_it(client, organizer, event):
    stored = reloaded(Event, event.id)
    stored.booth_fee = 1_500_000
    db.session.commit()
    sign_in(client, organizer)
    assert field_value(text(client.get(f"/events/{event.id}/edit")), "booth_fee") == "1,500,000"
    auth_service.set_locale(organizer, "id")
    db.session.commit()
    assert field_value(text(client.get(f"/events/{event.id}/edit")), "booth_fee") == "1.500.000"


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("1,5 juta", "Write the amount like 660,000 or 660000."),
        ("-500.000", "The amount cannot be negative."),
    ],
)
def test_a_booth_fee_that_is_no_amount_is_refused_and_stays_in_the_field(
    client, organizer, event, typed, message
):
    sign_in(client, organizer)
    before = count(Event)
    response = client.post("/events/new", data=event_form(booth_fee=typed))
    assert response.status_code == 200
    page = text(response)
    assert field_errors(page, "booth_fee") == [message]
    assert field_value(page, "booth_fee") == typed
    assert field_value(page, "name") == "Gelar Karya IKM Nasional"
    assert count(Event) == before


@pytest.mark.parametrize("timezone", ["Mars/Olympus", "WITA", "Asia/Atlantis"])
def test_new_event_with_an_unknown_timezone_shows_an_error_at_timezone(
    client, organizer, event, timezone
):
    sign_in(client, organizer)
    before = count(Event)
    response = client.post("/events/new", data=event_form(timezone=timezone))
    assert response.status_code == 200  # the form again, with what is wrong
    assert field_errors(text(response), "timezone") == [f"Unknown timezone: {timezone}."]
    assert count(Event) == before
    assert reloaded(Event, event.id).is_current is True


def test_new_event_with_an_unknown_currency_shows_an_error_at_currency(client, organizer, event):
    sign_in(client, organizer)
    before = count(Event)
    response = client.post("/events/new", data=event_form(currency="XYZ"))
    assert response.status_code == 200  # the form again, with what is wrong
    assert field_errors(text(response), "currency") == ["Unknown currency: XYZ."]
    assert count(Event) == before


def test_make_current_switches_the_event_new_exhibitors_join(client, organizer, event, a):
    later = factories.make_event(name="Pameran Berikutnya")
    sign_in(client, organizer)
    assert listed_booths(text(client.get("/exhibitors"))) == []

    response = client.post(f"/events/{event.id}/current")
    assert response.status_code == 302
    assert urlsplit(response.location).path == "/events"
    assert reloaded(Event, event.id).is_current is True
    assert reloaded(Event, later.id).is_current is False
    assert listed_booths(text(client.get("/exhibitors"))) == ["A1"]


# --- nobody but the organizer -----------------------------------------------------------


def organizer_pages(event, a, b):
    """Every organizer page, with a body that would change something if it got through."""
    return [
        ("GET", "/exhibitors", None),
        ("GET", "/exhibitors?q=B1", None),
        ("GET", "/exhibitors/new", None),
        ("POST", "/exhibitors/new", exhibitor_form(booth="X99")),
        ("GET", f"/exhibitors/{a.exhibitor.id}/edit", None),
        ("POST", f"/exhibitors/{a.exhibitor.id}/edit", exhibitor_form(name="Hijacked", booth="A1")),
        ("GET", f"/exhibitors/{b.exhibitor.id}/edit", None),
        ("POST", f"/exhibitors/{b.exhibitor.id}/edit", exhibitor_form(name="Hijacked", booth="B1")),
        ("GET", "/events", None),
        ("GET", "/events/new", None),
        ("POST", "/events/new", event_form(name="Hijacked event")),
        ("GET", f"/events/{event.id}/edit", None),
        ("POST", f"/events/{event.id}/edit", event_form(name="Hijacked event")),
        ("POST", f"/events/{event.id}/current", None),
    ]


def snapshot(event, a, b):
    db.session.rollback()
    return (
        count(Exhibitor),
        count(Event),
        [(e.name, e.is_current) for e in db.session.scalars(sa.select(Event).order_by(Event.id))],
        [
            (x.name, x.booth, x.region)
            for x in db.session.scalars(sa.select(Exhibitor).order_by(Exhibitor.id))
        ],
    )


@pytest.mark.parametrize("role", ["manager", "cashier"])
def test_managers_and_cashiers_get_403_on_every_organizer_page_and_change_nothing(
    client, event, a, b, role
):
    later = factories.make_event(name="Pameran Berikutnya")  # so "make current" would change it
    sign_in(client, getattr(a, role))
    before = snapshot(event, a, b)
    for method, url, data in organizer_pages(event, a, b):
        response = client.open(url, method=method, data=data)
        assert response.status_code == 403, f"{method} {url}: {response.status_code}"
        assert "Hijacked" not in text(response)
    assert snapshot(event, a, b) == before
    assert reloaded(Event, later.id).is_current is True


def test_signed_out_visitor_is_sent_to_sign_in_from_organizer_pages(client, event, a):
    for url in ("/exhibitors", "/exhibitors/new", f"/exhibitors/{a.exhibitor.id}/edit", "/events"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert urlsplit(response.location).path == "/login"


def test_an_event_whose_cashiers_may_give_no_discount_is_saved_with_0(client, organizer, event):
    sign_in(client, organizer)
    response = client.post("/events/new", data=event_form(cashier_discount_limit_percent="0"))
    assert response.status_code == 302
    assert event_named("Gelar Karya IKM Nasional").cashier_discount_limit_percent == 0
