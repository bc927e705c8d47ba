"""Reading the audit log: the organizer's page (filters by event-local days, action, user
and booth; paging; the CSV of what is filtered), the JSON at /api/v1/audit, who may read
which entries, and a label in both languages for every action the app writes."""

from __future__ import annotations

import ast
import csv
import io
import re
from datetime import UTC, datetime
from html import unescape
from pathlib import Path

import pytest

from pos.auth import service as auth_service
from pos.extensions import db
from pos.reports.audit import ACTION_LABELS
from tests import factories
from tests.pages import english, sign_in, text

WITA = "Asia/Makassar"


@pytest.fixture
def event(db):
    return factories.make_event(name="Pameran IKM Bali", timezone=WITA)


@pytest.fixture
def a(event):
    return factories.Booth(event, "A03")


@pytest.fixture
def b(event):
    return factories.Booth(event, "B12")


@pytest.fixture
def organizer(event):
    user = factories.make_user("organizer", username="kantor")
    english(user)
    return user


def entry_at(action: str, user, moment: datetime, **kwargs):
    """An entry written by the app's own audit(), at a chosen moment."""
    entry = auth_service.audit(action, user, **kwargs)
    entry.at = moment
    db.session.commit()
    return entry


def listed(html: str) -> list[tuple[str, str]]:
    """The page's rows: (action, booth) each, top to bottom."""
    return [
        (action, unescape(booth))
        for action, booth in re.findall(
            r'<tr data-entry="\d+" data-action="([a-z_]+)" data-booth="([^"]*)"', html
        )
    ]


def clear_log():
    from pos.auth.models import AuditEntry

    db.session.execute(AuditEntry.__table__.delete())
    db.session.commit()


# --- the page ---------------------------------------------------------------------------


def test_the_organizer_reads_the_events_log_newest_first_in_the_events_time(
    client, event, a, b, organizer
):
    clear_log()
    entry_at("stock_adjusted", a.manager, datetime(2026, 11, 20, 2, 5, tzinfo=UTC), delta=2)
    entry_at("sale_voided", b.manager, datetime(2026, 11, 20, 3, 0, tzinfo=UTC), reason="salah")
    sign_in(client, organizer)
    page = client.get("/audit")
    assert page.status_code == 200
    html = text(page)
    assert listed(html)[:2] == [("login", ""), ("sale_voided", "B12")]
    assert listed(html)[2] == ("stock_adjusted", "A03")
    assert "Sale voided" in html and "Stock adjusted" in html
    assert "Nov 20, 2026, 11:00:00" in html  # 03:00 UTC is 11:00 in Bali (WITA)
    assert b.manager.username in html and "reason: salah" in html
    assert 'href="/audit"' in html  # in the organizer's menu
    assert page.headers["Cache-Control"] == "no-store"


def test_the_days_are_the_events_days(client, event, a, organizer):
    clear_log()
    # 23:30 on 20 November in Bali, and half past midnight on the 2nd.
    entry_at("stock_adjusted", a.manager, datetime(2026, 11, 20, 15, 30, tzinfo=UTC))
    entry_at("sale_voided", a.manager, datetime(2026, 11, 20, 16, 30, tzinfo=UTC))
    sign_in(client, organizer)
    day_two = text(client.get("/audit?date_from=2026-11-21&date_to=2026-11-21"))
    assert listed(day_two) == [("sale_voided", "A03")]
    day_one = text(client.get("/audit?date_from=2026-11-20&date_to=2026-11-20"))
    assert listed(day_one) == [("stock_adjusted", "A03")]
    both = text(client.get("/audit?date_from=2026-11-20&date_to=2026-11-21"))
    assert listed(both) == [("sale_voided", "A03"), ("stock_adjusted", "A03")]


def test_the_page_filters_by_action_user_and_booth(client, event, a, b, organizer):
    clear_log()
    moment = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
    entry_at("stock_adjusted", a.manager, moment)
    entry_at("stock_adjusted", b.manager, moment)
    entry_at("sale_voided", b.manager, moment)
    entry_at("sale_voided", organizer, moment, exhibitor_id=a.exhibitor.id)
    sign_in(client, organizer)
    by_action = text(client.get("/audit?action=sale_voided"))
    assert sorted(listed(by_action)) == [("sale_voided", "A03"), ("sale_voided", "B12")]
    by_user = text(client.get(f"/audit?username={b.manager.username.upper()}"))
    assert sorted(listed(by_user)) == [("sale_voided", "B12"), ("stock_adjusted", "B12")]
    by_booth = text(client.get("/audit?booth=a03&action=sale_voided"))
    assert listed(by_booth) == [("sale_voided", "A03")]
    assert "1 entry" in by_booth


def test_a_filter_that_cannot_be_read_is_shown_at_its_field(client, event, a, organizer):
    sign_in(client, organizer)
    unknown_booth = client.get("/audit?booth=Z99")
    assert unknown_booth.status_code == 400
    assert "No booth Z99 at this event." in text(unknown_booth)
    backwards = client.get("/audit?date_from=2026-12-05&date_to=2026-12-01")
    assert backwards.status_code == 400
    assert "The last day comes before the first." in text(backwards)
    bad_date = client.get("/audit?date_from=5-12-2026")
    assert bad_date.status_code == 400
    assert "Not a valid date value." in text(bad_date)
    assert client.get("/audit?before=abc").status_code == 404


def test_the_page_shows_fifty_entries_at_a_time_with_a_link_to_the_older_ones(
    client, event, a, organizer
):
    clear_log()
    for minute in range(60):
        entry_at(
            "stock_adjusted", a.manager, datetime(2026, 11, 20, 2, minute, tzinfo=UTC), n=minute
        )
    sign_in(client, organizer)
    first = text(client.get("/audit?action=stock_adjusted"))
    assert len(listed(first)) == 50 and "60 entries" in first
    assert "n: 59" in first and "n: 10" in first and "n: 9" not in first
    older = re.search(r'<a[^>]*href="([^"]*before=\d+[^"]*)"[^>]*>\s*Older entries', first)
    second = text(client.get(unescape(older[1])))
    assert len(listed(second)) == 10 and "n: 9" in second and "n: 0" in second
    assert "Older entries" not in second and "Newest entries" in second


def test_the_csv_holds_every_filtered_entry_oldest_first_in_the_readers_language(
    client, event, a, b, organizer
):
    clear_log()
    entry_at("stock_adjusted", a.manager, datetime(2026, 11, 20, 2, 0, tzinfo=UTC), delta=2)
    entry_at("sale_voided", b.manager, datetime(2026, 11, 20, 3, 0, tzinfo=UTC), reason="salah")
    entry_at("sale_voided", a.manager, datetime(2026, 11, 20, 4, 0, tzinfo=UTC), reason="dobel")
    sign_in(client, organizer)
    page = text(client.get("/audit?action=sale_voided"))
    link = unescape(re.search(r'href="(/api/v1/audit\.csv\?[^"]+)"', page)[1])
    assert "action=sale_voided" in link and "lang=en" in link
    response = client.get(link)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Cache-Control"] == "no-store"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["When", "Action", "User", "Booth", "Concerning", "IP address", "Details"]
    assert [(r[0], r[1], r[3]) for r in rows[1:]] == [
        ("2026-11-20 11:00:00", "Sale voided", "B12"),
        ("2026-11-20 12:00:00", "Sale voided", "A03"),
    ]
    assert rows[2][6] == '{"reason": "dobel"}'

    machine = client.get("/api/v1/audit.csv?action=sale_voided")
    rows = list(csv.reader(io.StringIO(machine.get_data(as_text=True))))
    assert rows[0] == ["at", "action", "user", "booth", "target", "ip", "details"]
    assert rows[1][:2] == ["2026-11-20T11:00:00+08:00", "sale_voided"]


def test_the_page_and_its_labels_in_indonesian(client, event, a, organizer):
    clear_log()
    entry_at("sale_voided", a.manager, datetime(2026, 11, 20, 3, 0, tzinfo=UTC))
    auth_service.set_locale(organizer, "id")
    db.session.commit()
    sign_in(client, organizer)
    html = text(client.get("/audit"))
    assert "<h1>Log audit</h1>" in html
    assert "Penjualan dibatalkan" in html
    assert ">Log audit</a>" in html  # the menu


# --- who reads what ---------------------------------------------------------------------


def test_an_organizer_of_one_event_reads_only_that_events_entries(client, event, a):
    other_event = factories.make_event(name="Pameran Lain")
    other = factories.Booth(other_event, "X01")
    bound = factories.make_user("organizer", username="kantor-bali", locale="en")
    bound.event_id = event.id
    db.session.commit()
    clear_log()
    moment = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
    entry_at("stock_adjusted", a.manager, moment)
    entry_at("stock_adjusted", other.manager, moment)
    entry_at("login_failed", None, moment, username="nobody")  # no event
    headers = factories.auth_headers(client, bound)
    answer = client.get("/api/v1/audit?action=stock_adjusted", headers=headers)
    assert answer.status_code == 200
    assert [item["booth"] for item in answer.get_json()["items"]] == ["A03"]
    refused = client.get(f"/api/v1/audit?event_id={other_event.id}", headers=headers)
    assert refused.status_code == 403
    assert (
        client.get("/api/v1/audit?action=login_failed", headers=headers).get_json()["items"] == []
    )

    everyone = factories.make_user("organizer", username="pusat")
    headers = factories.auth_headers(client, everyone)
    failed = client.get("/api/v1/audit?action=login_failed", headers=headers).get_json()
    assert [item["username"] for item in failed["items"]] == ["nobody"]
    elsewhere = client.get(
        f"/api/v1/audit?event_id={other_event.id}&action=stock_adjusted", headers=headers
    ).get_json()
    assert [item["booth"] for item in elsewhere["items"]] == ["X01"]


def test_a_manager_reads_only_their_own_booths_entries(client, event, a, b):
    clear_log()
    moment = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
    entry_at("stock_adjusted", a.manager, moment)
    entry_at("stock_adjusted", b.manager, moment)
    entry_at("exhibitor_updated", None, moment, exhibitor_id=a.exhibitor.id)
    english(a.manager)
    sign_in(client, a.manager)
    html = text(client.get("/audit"))
    assert sorted(listed(html)) == [
        ("exhibitor_updated", "A03"),
        ("login", "A03"),
        ("stock_adjusted", "A03"),
    ]
    assert 'name="booth"' not in html  # nothing to choose
    assert 'href="/audit"' in text(client.get("/reports/daily"))
    headers = factories.auth_headers(client, a.manager)
    assert (
        client.get(f"/api/v1/audit?exhibitor_id={b.exhibitor.id}", headers=headers).status_code
        == 403
    )
    assert client.get("/api/v1/audit?booth=B12", headers=headers).status_code == 403


def test_a_cashier_reads_no_audit_log(client, event, a):
    sign_in(client, a.cashier)
    assert client.get("/audit").status_code == 403
    headers = factories.auth_headers(client, a.cashier)
    answer = client.get("/api/v1/audit", headers=headers)
    assert answer.status_code == 403 and answer.get_json()["error"] == "forbidden"
    assert client.get("/api/v1/audit.csv", headers=headers).status_code == 403


# --- the JSON ---------------------------------------------------------------------------


def test_the_json_lists_entries_with_the_events_offset_and_pages_on(client, event, a, organizer):
    clear_log()
    for minute in range(3):
        entry_at(
            "stock_adjusted",
            a.manager,
            datetime(2026, 11, 20, 2, minute, tzinfo=UTC),
            target=a.product,
            delta=minute,
        )
    headers = factories.auth_headers(client, organizer)
    first = client.get("/api/v1/audit?action=stock_adjusted&limit=2", headers=headers)
    assert first.status_code == 200
    body = first.get_json()
    assert (body["event_id"], body["timezone"], body["total"]) == (event.id, WITA, 3)
    newest = body["items"][0]
    assert {
        k: newest[k] for k in ("at", "action", "username", "booth", "target_type", "details")
    } == {
        "at": "2026-11-20T10:02:00+08:00",
        "action": "stock_adjusted",
        "username": a.manager.username,
        "booth": "A03",
        "target_type": "product",
        "details": {"delta": 2},
    }
    assert newest["target_id"] == a.product.id and newest["exhibitor_id"] == a.exhibitor.id
    rest = client.get(
        f"/api/v1/audit?action=stock_adjusted&limit=2&before={body['next_before']}",
        headers=headers,
    ).get_json()
    assert [i["details"]["delta"] for i in rest["items"]] == [0] and rest["next_before"] is None


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("date_from=yesterday", "date_from"),
        ("date_from=2026-12-05&date_to=2026-12-01", "date_to"),
        ("limit=0", "limit"),
        ("limit=100000", "limit"),
        ("booth=Z99", "booth"),
        ("before=999999", "before"),
        ("user_id=abc", "user_id"),
    ],
)
def test_the_json_refuses_a_query_it_cannot_read_with_a_422(client, organizer, a, query, field):
    answer = client.get(f"/api/v1/audit?{query}", headers=factories.auth_headers(client, organizer))
    assert answer.status_code == 422
    body = answer.get_json()
    assert body["error"] in ("validation_error", "invalid")
    assert field in (body.get("field"), *(f["field"] for f in body.get("fields", [])))


def test_the_json_needs_a_token_or_a_session(client, event):
    assert client.get("/api/v1/audit").status_code == 401


# --- every action has a label -----------------------------------------------------------


def audited_actions() -> set[str]:
    """The action names the app's code writes: the first argument of each audit(...)
    call, and the action names of each _audit_changes(...) call."""
    found: set[str] = set()
    for path in (Path(__file__).parents[2] / "pos").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", None))
            argument = {"audit": 0, "_audit_changes": 3}.get(name)
            if argument is None or len(node.args) <= argument:
                continue
            found |= {
                sub.value
                for sub in ast.walk(node.args[argument])
                if isinstance(sub, ast.Constant)
                and isinstance(sub.value, str)
                and re.fullmatch(r"[a-z]+(_[a-z]+)+|login|logout", sub.value)
            }
    return found


def test_every_action_the_app_writes_has_a_label_in_both_languages(app):
    from flask_babel import force_locale

    actions = audited_actions()
    assert {"login", "event_updated", "exhibitor_tax_changed", "product_withdrawn"} <= actions
    assert sorted(actions - set(ACTION_LABELS)) == []
    with app.test_request_context():
        for action in actions:
            with force_locale("en"):
                english_label = str(ACTION_LABELS[action])
            with force_locale("id"):
                assert str(ACTION_LABELS[action]) != english_label, action
