"""Failed sign-ins and PINs are throttled per (account, address), per address, and only
briefly per account from everywhere; successes never count; an organizer unlocks.

The numbers (docs/SECURITY.md): a password may fail 5 times a minute for one account
from one address, 20 times in 5 minutes from one address across accounts, and 10 times
a minute for one account from everywhere; a PIN 3 times a minute per (cashier, tablet),
5 times in 15 minutes per cashier from every tablet.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from pos.auth import service as auth_service
from pos.auth.models import AuditEntry, User
from pos.extensions import db
from tests import factories
from tests.pages import english, field_errors, flashes, text

STRANGER = "203.0.113.66"
OWN_TABLET = "198.51.100.20"
VENUE_ROUTER = "198.51.100.1"
PIN = "2468"


@pytest.fixture
def event(app):
    return factories.make_event()


@pytest.fixture
def booth(event):
    booth = factories.Booth(event, "A1")
    english(booth.manager, booth.cashier)
    return booth


@pytest.fixture
def organizer(app):
    return factories.make_user("organizer", username="panitia", locale="en")


def web_login(client, username: str, password: str, ip: str = "127.0.0.1"):
    return client.post(
        "/login",
        data={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": ip},
    )


def api_login(client, username: str, password: str, ip: str = "127.0.0.1"):
    return client.post(
        "/api/v1/auth/login",
        json={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": ip},
    )


def retry_after(response) -> int:
    return int(response.headers["Retry-After"])


def age_audit_log(seconds: int) -> None:
    """Move every audit entry back in time, as if ``seconds`` had passed."""
    db.session.rollback()
    for entry in db.session.scalars(sa.select(AuditEntry)):
        entry.at -= timedelta(seconds=seconds)
    db.session.commit()


# --- passwords --------------------------------------------------------------------------


def test_a_stranger_guessing_cannot_lock_the_organizer_out(app, client, organizer):
    answers = [web_login(client, "panitia", f"guess-{n}", STRANGER) for n in range(30)]
    assert [a.status_code for a in answers] == [401] * 5 + [429] * 25
    owner = app.test_client()
    assert web_login(owner, "panitia", factories.PASSWORD).status_code == 302


def test_the_sixth_wrong_password_from_one_address_waits_with_retry_after(client, organizer):
    for _ in range(5):
        assert web_login(client, "panitia", "wrong-pw", STRANGER).status_code == 401
    refused = web_login(client, "panitia", factories.PASSWORD, STRANGER)
    assert refused.status_code == 429
    assert 1 <= retry_after(refused) <= 60
    errors = field_errors(text(refused), "password")
    assert len(errors) == 1 and errors[0].startswith("Too many failed sign-ins from here.")
    assert "panitia" in text(refused)  # the username stays filled in


def test_spraying_many_usernames_from_one_address_is_slowed_down(client, organizer):
    answers = [web_login(client, f"user-{n}", "Tebakan-123", STRANGER) for n in range(30)]
    assert [a.status_code for a in answers] == [401] * 20 + [429] * 10
    assert 1 <= retry_after(answers[-1]) <= 300
    # Another address is not slowed down by it.
    assert web_login(client, "panitia", factories.PASSWORD, OWN_TABLET).status_code == 302


def test_forty_tablets_behind_one_router_sign_in_at_opening_time(app, client, event):
    exhibitors = [factories.make_exhibitor(event) for _ in range(4)]
    cashiers = [factories.make_user("cashier", exhibitors[n % 4]) for n in range(40)]
    for cashier in cashiers:
        tablet = app.test_client()
        assert (
            web_login(tablet, cashier.username, factories.PASSWORD, VENUE_ROUTER).status_code == 302
        )
    tablet = app.test_client()
    for cashier in cashiers[:5]:  # typos are still just typos
        assert web_login(tablet, cashier.username, "typo-pw", VENUE_ROUTER).status_code == 401


def test_an_account_attacked_from_many_addresses_pauses_only_briefly(client, organizer):
    for n in range(10):
        assert web_login(client, "panitia", "guess-pw", f"203.0.113.{n + 1}").status_code == 401
    paused = web_login(client, "panitia", factories.PASSWORD)
    assert paused.status_code == 429
    assert 1 <= retry_after(paused) <= 60
    age_audit_log(61)
    assert web_login(client, "panitia", factories.PASSWORD).status_code == 302


def test_api_and_web_share_the_counters_and_the_api_answers_429_json(client, organizer):
    for _ in range(3):
        assert web_login(client, "panitia", "wrong-pw", STRANGER).status_code == 401
    for _ in range(2):
        wrong = api_login(client, "panitia", "wrong-pw", STRANGER)
        assert wrong.status_code == 401
        assert wrong.get_json()["error"] == "invalid_credentials"
    refused = api_login(client, "panitia", factories.PASSWORD, STRANGER)
    assert refused.status_code == 429
    body = refused.get_json()
    assert set(body) == {"error", "message"} and body["error"] == "too_many_attempts"
    assert body["message"].startswith("Too many failed sign-ins from here.")
    assert 1 <= retry_after(refused) <= 60
    assert api_login(client, "panitia", factories.PASSWORD).status_code == 200


def test_the_account_pause_is_a_429_json_too(client, organizer):
    for n in range(10):
        api_login(client, "panitia", "guess-pw", f"203.0.113.{n + 1}")
    paused = api_login(client, "panitia", factories.PASSWORD)
    assert paused.status_code == 429
    assert paused.get_json()["error"] == "too_many_attempts"
    assert 1 <= retry_after(paused) <= 60


# --- unlocking --------------------------------------------------------------------------


def test_an_organizer_unlocks_an_account_from_the_users_page(app, client, booth, organizer):
    for _ in range(5):
        web_login(client, booth.manager.username, "wrong-pw", STRANGER)
    for n in range(10):
        web_login(client, booth.manager.username, "wrong-pw", f"203.0.113.{n + 1}")
    assert (
        web_login(client, booth.manager.username, factories.PASSWORD, STRANGER).status_code == 429
    )

    office = app.test_client()
    assert web_login(office, "panitia", factories.PASSWORD).status_code == 302
    page = text(office.get("/users"))
    assert f'action="/users/{booth.manager.id}/unlock"' in page
    done = office.post(f"/users/{booth.manager.id}/unlock")
    assert done.status_code == 302
    assert flashes(text(office.get("/users")), "success") == [
        f"{booth.manager.name} may try to sign in again."
    ]
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "account_unlocked")
    ).one()
    assert (entry.user_id, entry.target_id) == (organizer.id, booth.manager.id)
    assert (
        web_login(client, booth.manager.username, factories.PASSWORD, STRANGER).status_code == 302
    )


def test_unlocking_through_the_api(client, booth, organizer):
    for n in range(10):
        api_login(client, booth.cashier.username, "wrong-pw", f"203.0.113.{n + 1}")
    assert api_login(client, booth.cashier.username, factories.PASSWORD).status_code == 429
    headers = factories.auth_headers(client, organizer)
    answer = client.post(f"/api/v1/users/{booth.cashier.id}/unlock", headers=headers)
    assert answer.status_code == 200
    assert answer.get_json()["username"] == booth.cashier.username
    assert api_login(client, booth.cashier.username, factories.PASSWORD).status_code == 200


def test_only_someone_who_manages_the_account_may_unlock_it(client, booth, event):
    other = factories.Booth(event, "B1")
    headers = factories.auth_headers(client, other.manager)
    answer = client.post(f"/api/v1/users/{booth.cashier.id}/unlock", headers=headers)
    assert answer.status_code == 403
    assert not db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "account_unlocked")
    ).all()


# --- the PIN switch ---------------------------------------------------------------------


@pytest.fixture
def pins(booth):
    auth_service.set_pin(booth.manager, booth.cashier, PIN)
    db.session.commit()


def switch(client, cashier: User, pin: str, ip: str):
    return client.post(
        "/switch",
        data={"user_id": str(cashier.id), "pin": pin},
        environ_base={"REMOTE_ADDR": ip},
    )


def test_wrong_pins_slow_down_one_tablet_not_the_cashier_on_another(app, client, booth, pins):
    prankster = app.test_client()
    web_login(prankster, booth.manager.username, factories.PASSWORD, STRANGER)
    answers = [switch(prankster, booth.cashier, "0000", STRANGER) for _ in range(4)]
    assert [a.status_code for a in answers] == [401, 401, 401, 429]
    assert 1 <= retry_after(answers[-1]) <= 60
    errors = field_errors(text(answers[-1]), "pin")
    assert len(errors) == 1 and errors[0].startswith("Too many wrong PINs from this tablet.")

    tablet = app.test_client()
    web_login(tablet, booth.manager.username, factories.PASSWORD, OWN_TABLET)
    assert switch(tablet, booth.cashier, PIN, OWN_TABLET).status_code == 302


def test_wrong_pins_from_every_tablet_pause_the_pin_not_the_password(app, client, booth, pins):
    for n in range(5):
        tablet = app.test_client()
        ip = f"198.51.100.{n + 30}"
        web_login(tablet, booth.manager.username, factories.PASSWORD, ip)
        assert switch(tablet, booth.cashier, "0000", ip).status_code == 401
    tablet = app.test_client()
    web_login(tablet, booth.manager.username, factories.PASSWORD, OWN_TABLET)
    paused = switch(tablet, booth.cashier, PIN, OWN_TABLET)
    assert paused.status_code == 429
    assert 1 <= retry_after(paused) <= 15 * 60
    # The cashier still signs in with the password.
    own = app.test_client()
    assert web_login(own, booth.cashier.username, factories.PASSWORD, OWN_TABLET).status_code == 302
    # And a manager lifts the pause.
    office = app.test_client()
    web_login(office, booth.manager.username, factories.PASSWORD)
    assert office.post(f"/users/{booth.cashier.id}/unlock").status_code == 302
    assert switch(tablet, booth.cashier, PIN, OWN_TABLET).status_code == 302


# --- shared storage ---------------------------------------------------------------------


@pytest.fixture
def redis_url():
    redis = pytest.importorskip("redis")
    url = "redis://127.0.0.1:6379/0"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis server at 127.0.0.1:6379")
    return url


def test_with_redis_a_second_worker_sees_the_same_counters(make_client, app_config, redis_url):
    import redis

    prefix = f"pos-test-{uuid.uuid4().hex}"
    config = app_config | {"REDIS_URL": redis_url, "THROTTLE_KEY_PREFIX": prefix}
    first = make_client(config)
    factories.make_user("organizer", username="panitia")
    for _ in range(5):
        assert web_login(first, "panitia", "wrong-pw", STRANGER).status_code == 401
    try:
        second = make_client(config)  # another worker process builds its own app
        assert web_login(second, "panitia", factories.PASSWORD, STRANGER).status_code == 429
        assert web_login(second, "panitia", factories.PASSWORD).status_code == 302
    finally:
        server = redis.Redis.from_url(redis_url)
        keys = list(server.scan_iter(f"*{prefix}*"))
        if keys:
            server.delete(*keys)
    assert keys  # the counters were in Redis


def test_without_redis_each_app_counts_in_its_own_memory(make_client, app_config):
    first = make_client(app_config)
    factories.make_user("organizer", username="panitia")
    for _ in range(5):
        web_login(first, "panitia", "wrong-pw", STRANGER)
    assert web_login(first, "panitia", factories.PASSWORD, STRANGER).status_code == 429
    second = make_client(app_config)
    assert web_login(second, "panitia", factories.PASSWORD, STRANGER).status_code == 302
