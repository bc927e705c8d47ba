"""Events and exhibitors through the JSON API: validation, booth uniqueness, who sees what."""

import pytest
import sqlalchemy as sa

from pos.organizer.models import Exhibitor
from tests import factories


@pytest.fixture
def event(db):
    return factories.make_event(name="Bali Craft Fair")


@pytest.fixture
def organizer(db):
    return factories.make_user("organizer")


@pytest.fixture
def headers(client, organizer):
    return factories.auth_headers(client, organizer)


def test_organizer_adds_an_exhibitor_to_the_current_event(client, event, headers):
    response = client.post(
        "/api/v1/exhibitors",
        json={
            "name": "Celuk Silver",
            "booth": "b12",
            "region": "Gianyar",
            "tax_registered": True,
            "tax_rate_percent": 11,
        },
        headers=headers,
    )
    assert response.status_code == 201
    body = response.get_json()
    assert body["booth"] == "B12" and body["event_id"] == event.id
    assert body["tax_registered"] is True and body["tax_rate_percent"] == 11
    assert {"id", "name", "booth"} <= set(body)


def test_a_booth_code_is_unique_within_an_event_but_not_across_events(client, event, headers, db):
    first = client.post("/api/v1/exhibitors", json={"name": "A", "booth": "B12"}, headers=headers)
    assert first.status_code == 201
    again = client.post("/api/v1/exhibitors", json={"name": "B", "booth": " b12 "}, headers=headers)
    assert again.status_code == 409
    assert again.get_json()["error"] == "booth_taken"
    other_event = factories.make_event(name="Other fair", make_current=False)
    elsewhere = client.post(
        "/api/v1/exhibitors",
        json={"name": "C", "booth": "B12", "event_id": other_event.id},
        headers=headers,
    )
    assert elsewhere.status_code == 201
    assert db.session.scalar(sa.select(sa.func.count(Exhibitor.id))) == 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "", "booth": "B1"}, "name"),
        ({"name": "   ", "booth": "B1"}, "name"),
        ({"name": "X", "booth": ""}, "booth"),
        ({"name": "X", "booth": "B 1"}, "booth"),
        ({"name": "X", "booth": "B1", "tax_rate_percent": 101}, "tax_rate_percent"),
        ({"name": "X", "booth": "B1", "tax_rate_percent": "11"}, "tax_rate_percent"),
        (
            {"name": "X", "booth": "B1", "tax_registered": False, "tax_rate_percent": 11},
            "tax_rate_percent",
        ),
        ({"name": "X", "booth": "B1", "receipt_language": "fr"}, "receipt_language"),
        ({"name": "X", "booth": "B1", "email": "not-an-email"}, "email"),
        ({"name": 5, "booth": "B1"}, "name"),
        ({"name": "X", "booth": "B1", "event_id": 999}, "event_id"),
    ],
)
def test_bad_exhibitor_input_is_a_422_naming_the_field_and_creates_nothing(
    client, event, headers, db, body, field
):
    response = client.post("/api/v1/exhibitors", json=body, headers=headers)
    assert response.status_code == 422, response.get_json()
    payload = response.get_json()
    named = [f["field"] for f in payload.get("fields", [])] + [payload.get("field")]
    assert field in named
    assert db.session.scalar(sa.select(sa.func.count(Exhibitor.id))) == 0


def test_without_any_event_an_exhibitor_cannot_be_created(client, headers):
    response = client.post("/api/v1/exhibitors", json={"name": "A", "booth": "B1"}, headers=headers)
    assert response.status_code == 422
    assert response.get_json()["field"] == "event_id"


def test_managers_and_cashiers_cannot_create_exhibitors(client, event, db):
    booth = factories.Booth(event, "A1")
    for user in (booth.manager, booth.cashier):
        response = client.post(
            "/api/v1/exhibitors",
            json={"name": "Sneaky", "booth": "Z9"},
            headers=factories.auth_headers(client, user),
        )
        assert response.status_code == 403
    assert factories_count(db) == 1


def factories_count(db):
    return db.session.scalar(sa.select(sa.func.count(Exhibitor.id)))


def test_organizers_see_every_exhibitor_others_only_their_own(client, event, headers):
    a = factories.Booth(event, "A1")
    b = factories.Booth(event, "B1")
    everyone = client.get("/api/v1/exhibitors", headers=headers).get_json()["items"]
    assert {e["booth"] for e in everyone} == {"A1", "B1"}
    for user in (a.manager, a.cashier):
        mine = client.get("/api/v1/exhibitors", headers=factories.auth_headers(client, user))
        assert [e["booth"] for e in mine.get_json()["items"]] == ["A1"]
    assert b.exhibitor.id not in {
        e["id"]
        for e in client.get(
            "/api/v1/exhibitors", headers=factories.auth_headers(client, a.manager)
        ).get_json()["items"]
    }


def test_exhibitor_search_matches_name_booth_and_region(client, event, headers):
    factories.make_exhibitor(event, name="Tenun Gelgel", booth="C7", region="Klungkung")
    factories.make_exhibitor(event, name="Bambu Kreasi", booth="D2", region="Bangli")
    found = client.get("/api/v1/exhibitors?q=klungkung", headers=headers).get_json()["items"]
    assert [e["booth"] for e in found] == ["C7"]
    found = client.get("/api/v1/exhibitors?q=d2", headers=headers).get_json()["items"]
    assert [e["name"] for e in found] == ["Bambu Kreasi"]


def test_a_manager_may_change_the_booths_contact_but_not_its_tax_or_code(client, event, db):
    booth = factories.Booth(event, "A1")
    headers = factories.auth_headers(client, booth.manager)
    url = f"/api/v1/exhibitors/{booth.exhibitor.id}"
    ok = client.patch(url, json={"phone": "+62 811", "receipt_language": "en"}, headers=headers)
    assert ok.status_code == 200 and ok.get_json()["receipt_language"] == "en"
    refused = client.patch(url, json={"tax_registered": True, "booth": "Z1"}, headers=headers)
    assert refused.status_code == 403
    db.session.expire_all()
    exhibitor = db.session.get(Exhibitor, booth.exhibitor.id)
    assert exhibitor.booth == "A1" and exhibitor.tax_registered is False


def test_managers_and_cashiers_cannot_read_or_change_another_exhibitor(client, event, db):
    a = factories.Booth(event, "A1")
    b = factories.Booth(event, "B1")
    url = f"/api/v1/exhibitors/{b.exhibitor.id}"
    for user in (a.manager, a.cashier):
        headers = factories.auth_headers(client, user)
        assert client.get(url, headers=headers).status_code == 403
        assert client.patch(url, json={"phone": "0"}, headers=headers).status_code == 403
    db.session.expire_all()
    assert db.session.get(Exhibitor, b.exhibitor.id).phone == ""


def test_organizer_creates_an_event_which_becomes_current(client, headers):
    response = client.post(
        "/api/v1/events",
        json={
            "name": "Pameran Kriya",
            "timezone": "Asia/Makassar",
            "currency": "idr",
            "starts_on": "2026-09-01",
            "ends_on": "2026-09-05",
        },
        headers=headers,
    )
    assert response.status_code == 201
    body = response.get_json()
    assert body["currency"] == "IDR" and body["is_current"] is True
    listed = client.get("/api/v1/events", headers=headers).get_json()["items"]
    assert [e["name"] for e in listed] == ["Pameran Kriya"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "X", "timezone": "Mars/Olympus", "currency": "IDR"}, "timezone"),
        ({"name": "X", "timezone": "Asia/Makassar", "currency": "XYZ"}, "currency"),
        (
            {
                "name": "X",
                "timezone": "Asia/Makassar",
                "currency": "IDR",
                "starts_on": "2026-09-05",
                "ends_on": "2026-09-01",
            },
            "ends_on",
        ),
        ({"name": "X", "timezone": "Asia/Makassar", "starts_on": "5 Sept"}, "starts_on"),
    ],
)
def test_bad_event_input_is_a_422(client, headers, body, field):
    response = client.post("/api/v1/events", json=body, headers=headers)
    assert response.status_code == 422
    payload = response.get_json()
    assert field in [f["field"] for f in payload.get("fields", [])] + [payload.get("field")]
