"""What the audit log keeps of the organizer's work: events created and changed (timezone,
dates, commission and booth fee), exhibitors created and changed (booth codes and tax
settings with the old and the new value), each with who, when, from where and for
which event."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from pos.auth.models import AuditEntry
from pos.extensions import db
from pos.organizer import service
from tests import factories
from tests.pages import sign_in

TABLET = "192.168.8.31"


@pytest.fixture
def organizer(app):
    return factories.make_user("organizer", locale="en")


@pytest.fixture
def client(client):
    """A browser on a booth tablet (one address throughout: a session moving to another
    address is signed out)."""
    client.environ_base["REMOTE_ADDR"] = TABLET
    return client


def entries(action: str) -> list[AuditEntry]:
    db.session.rollback()  # see what the requests committed
    return list(
        db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        )
    )


def event_form(**fields) -> dict[str, str]:
    return {
        "name": "Gelar Karya IKM Bali",
        "venue": "Taman Budaya, Denpasar",
        "starts_on": "2026-12-01",
        "ends_on": "2026-12-05",
        "timezone": "Asia/Makassar",
        "currency": "IDR",
        "receipt_footer": "Terima kasih",
        "cashier_discount_limit_percent": "10",
        "booth_fee": "0",
        "commission_percent": "0",
    } | fields


def exhibitor_form(**fields) -> dict[str, str]:
    return {
        "name": "Bambu Kayubihi Kreasi",
        "booth": "D02",
        "owner_name": "I Nyoman Sukra",
        "phone": "+62 812-3800-4402",
        "email": "bambu@example.com",
        "address": "Desa Kayubihi, Bangli",
        "region": "Bangli",
        "sentra": "",
        "tax_rate_percent": "0",
        "npwp": "",
        "receipt_language": "id",
        "active": "y",
    } | fields


# --- events -----------------------------------------------------------------------------


def test_a_new_event_is_audited_with_its_timezone_dates_and_charges(client, organizer):
    sign_in(client, organizer)
    response = client.post(
        "/events/new",
        data=event_form(commission_percent="2.5", booth_fee="1.500.000"),
    )
    assert response.status_code == 302
    [entry] = entries("event_created")
    assert (entry.user_id, entry.ip, entry.target_type) == (organizer.id, TABLET, "event")
    assert entry.event_id == entry.target_id
    assert {k: entry.details[k] for k in ("name", "timezone", "starts_on", "ends_on")} == {
        "name": "Gelar Karya IKM Bali",
        "timezone": "Asia/Makassar",
        "starts_on": "2026-12-01",
        "ends_on": "2026-12-05",
    }
    assert (entry.details["commission_percent"], entry.details["booth_fee"]) == ("2.5", 1_500_000)


def test_changing_an_events_timezone_and_dates_records_old_and_new(client, organizer):
    event = factories.make_event(
        name="Gelar Karya IKM Bali", starts_on=date(2026, 12, 1), ends_on=date(2026, 12, 5)
    )
    sign_in(client, organizer)
    response = client.post(
        f"/events/{event.id}/edit",
        data=event_form(timezone="Asia/Jakarta", ends_on="2026-12-07"),
    )
    assert response.status_code == 302
    [entry] = entries("event_updated")
    assert (entry.user_id, entry.event_id, entry.ip) == (organizer.id, event.id, TABLET)
    assert entry.details["changes"] == {
        "venue": {"old": "", "new": "Taman Budaya, Denpasar"},
        "receipt_footer": {"old": "", "new": "Terima kasih"},
        "timezone": {"old": "Asia/Makassar", "new": "Asia/Jakarta"},
        "ends_on": {"old": "2026-12-05", "new": "2026-12-07"},
    }
    assert entries("event_fees_changed") == []  # commission and fee stayed 0


def test_an_event_saved_unchanged_writes_no_entry(client, organizer):
    event = factories.make_event(
        name="Gelar Karya IKM Bali",
        venue="Taman Budaya, Denpasar",
        starts_on=date(2026, 12, 1),
        ends_on=date(2026, 12, 5),
        receipt_footer="Terima kasih",
    )
    sign_in(client, organizer)
    assert client.post(f"/events/{event.id}/edit", data=event_form()).status_code == 302
    assert entries("event_updated") == [] and entries("event_fees_changed") == []


def test_commission_and_booth_fee_changes_have_their_own_entry(client, organizer):
    event = factories.make_event(name="Gelar Karya IKM Bali")
    sign_in(client, organizer)
    client.post(
        f"/events/{event.id}/edit",
        data=event_form(
            venue="",
            receipt_footer="",
            starts_on="",
            ends_on="",
            commission_percent="7.5",
            booth_fee="2.000.000",
        ),  # fmt: skip
    )
    [entry] = entries("event_fees_changed")
    assert entry.event_id == event.id
    assert entry.details["changes"] == {
        "commission_percent": {"old": "0", "new": "7.5"},
        "booth_fee": {"old": 0, "new": 2_000_000},
    }
    assert entries("event_updated") == []


def test_making_an_event_current_is_audited(client, organizer):
    first = factories.make_event(name="Pameran Satu")
    factories.make_event(name="Pameran Dua")
    sign_in(client, organizer)
    assert client.post(f"/events/{first.id}/current").status_code == 302
    [entry] = entries("event_made_current")
    assert (entry.event_id, entry.user_id) == (first.id, organizer.id)


def test_an_event_made_by_the_command_line_is_audited_as_the_system(runner, app):
    result = runner.invoke(
        args=["create-event", "Pameran CLI", "--timezone", "Asia/Makassar", "--currency", "IDR"]
    )
    assert result.exit_code == 0, result.output
    [entry] = entries("event_created")
    assert (entry.user_id, entry.username, entry.ip) == (None, "", "")
    assert entry.details["name"] == "Pameran CLI"


# --- exhibitors -------------------------------------------------------------------------


def test_a_new_exhibitor_is_audited_with_its_booth_and_tax_status(client, organizer):
    event = factories.make_event()
    headers = factories.auth_headers(client, organizer)
    response = client.post(
        "/api/v1/exhibitors",
        json={"name": "Celuk Silver", "booth": "b12", "tax_registered": True},
        headers=headers,
    )
    assert response.status_code == 201
    [entry] = entries("exhibitor_created")
    exhibitor_id = response.get_json()["id"]
    assert (entry.exhibitor_id, entry.event_id, entry.ip) == (exhibitor_id, event.id, TABLET)
    assert {
        k: entry.details[k] for k in ("name", "booth", "tax_registered", "tax_rate_percent")
    } == {
        "name": "Celuk Silver",
        "booth": "B12",
        "tax_registered": True,
        "tax_rate_percent": 11,
    }


def test_a_new_booth_code_is_audited_old_and_new(client, organizer):
    event = factories.make_event()
    exhibitor = factories.make_exhibitor(event, booth="B12", name="Celuk Silver")
    sign_in(client, organizer)
    response = client.post(
        f"/exhibitors/{exhibitor.id}/edit",
        data=exhibitor_form(
            name="Celuk Silver",
            booth="B14",
            owner_name="",
            phone="",
            email="",
            address="",
            region="",
        ),  # fmt: skip
    )
    assert response.status_code == 302
    [entry] = entries("exhibitor_updated")
    assert (entry.exhibitor_id, entry.event_id, entry.user_id, entry.ip) == (
        exhibitor.id,
        event.id,
        organizer.id,
        TABLET,
    )
    assert entry.details["changes"] == {"booth": {"old": "B12", "new": "B14"}}
    assert entries("exhibitor_tax_changed") == []


def test_tax_settings_have_their_own_entry_with_old_and_new(client, organizer):
    event = factories.make_event()
    exhibitor = factories.make_exhibitor(event, booth="B12", name="Celuk Silver")
    headers = factories.auth_headers(client, organizer)
    client.patch(
        f"/api/v1/exhibitors/{exhibitor.id}",
        json={"tax_registered": True, "region": "Gianyar"},
        headers=headers,
    )
    client.patch(
        f"/api/v1/exhibitors/{exhibitor.id}", json={"tax_rate_percent": 12}, headers=headers
    )
    client.patch(
        f"/api/v1/exhibitors/{exhibitor.id}", json={"tax_registered": False}, headers=headers
    )
    taxes = [e.details["changes"] for e in entries("exhibitor_tax_changed")]
    assert taxes == [
        {"tax_registered": {"old": False, "new": True}, "tax_rate_percent": {"old": 0, "new": 11}},
        {"tax_rate_percent": {"old": 11, "new": 12}},
        {"tax_registered": {"old": True, "new": False}, "tax_rate_percent": {"old": 12, "new": 0}},
    ]
    [other] = entries("exhibitor_updated")
    assert other.details["changes"] == {"region": {"old": "", "new": "Gianyar"}}


def test_a_managers_change_of_the_booths_contact_is_audited_as_theirs(client):
    booth = factories.Booth(factories.make_event(), "B12")
    response = client.patch(
        f"/api/v1/exhibitors/{booth.exhibitor.id}",
        json={"phone": "+62 811-000"},
        headers=factories.auth_headers(client, booth.manager),
    )
    assert response.status_code == 200
    [entry] = entries("exhibitor_updated")
    assert (entry.user_id, entry.exhibitor_id) == (booth.manager.id, booth.exhibitor.id)
    assert entry.details["changes"] == {"phone": {"old": "", "new": "+62 811-000"}}


def test_a_refused_change_writes_no_entry(client, organizer):
    event = factories.make_event()
    factories.make_exhibitor(event, booth="B12")
    other = factories.make_exhibitor(event, booth="C07")
    response = client.patch(
        f"/api/v1/exhibitors/{other.id}",
        json={"booth": "B12"},
        headers=factories.auth_headers(client, organizer),
    )
    assert response.status_code == 409
    assert entries("exhibitor_updated") == []


def test_decimal_settings_are_kept_as_their_digits(app, organizer):
    event = factories.make_event()
    service.update_event(organizer, event, {"commission_percent": Decimal("10.00")})
    db.session.commit()
    [entry] = entries("event_fees_changed")
    assert entry.details["changes"]["commission_percent"] == {"old": "0", "new": "10"}
