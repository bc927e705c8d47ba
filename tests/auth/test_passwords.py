"""The password policy (length by role, the common-password list, not the username) and
the bound on password hashing that keeps sign-ins from starving sales."""

from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa

from pos.auth import passwords
from pos.auth import service as auth_service
from pos.auth.models import AuditEntry, User
from pos.errors import Invalid
from pos.extensions import db
from tests import factories
from tests.pages import english, field_errors, text


@pytest.fixture
def exhibitor(app):
    return factories.make_exhibitor(factories.make_event())


def create(role: str, password: str, exhibitor, username: str = "kasir-baru") -> User:
    return auth_service.create_user(
        None,
        username=username,
        role=role,
        password=password,
        exhibitor=exhibitor if role != "organizer" else None,
    )


@pytest.mark.parametrize(
    ("role", "password", "message"),
    [
        ("cashier", "abcd", "A password needs at least 8 characters."),
        ("cashier", "1234", "A password needs at least 8 characters."),
        ("cashier", "password", "This password is one of the most common ones. Choose another."),
        ("cashier", "12345678", "This password is one of the most common ones. Choose another."),
        ("cashier", "Indonesia", "This password is one of the most common ones. Choose another."),
        ("manager", "kain-9247", "A password needs at least 10 characters."),
        ("organizer", "kain-9247", "A password needs at least 10 characters."),
        ("manager", "password123", "This password is one of the most common ones. Choose another."),
        ("manager", "qwertyuiop", "This password is one of the most common ones. Choose another."),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(exhibitor, role, password, message):
    with pytest.raises(Invalid) as refused:
        create(role, password, exhibitor)
    assert refused.value.message == message
    assert refused.value.details == {"field": "password"}


def test_the_username_is_no_password(exhibitor):
    with pytest.raises(Invalid) as refused:
        create("cashier", "Kasir-Baru", exhibitor)
    assert refused.value.message == "A password cannot be the username."


@pytest.mark.parametrize(("role", "password"), [("cashier", "kain-924"), ("manager", "kain-92471")])
def test_long_enough_uncommon_passwords_are_taken(exhibitor, role, password):
    assert create(role, password, exhibitor).role == role


def test_a_password_change_follows_the_policy_too(exhibitor):
    manager = factories.make_user("manager", exhibitor)
    cashier = factories.make_user("cashier", exhibitor)
    with pytest.raises(Invalid):
        auth_service.set_password(manager, cashier, "abcd")
    with pytest.raises(Invalid):
        auth_service.set_password(manager, cashier, "password")


def test_the_account_form_shows_the_reason_at_the_password(client, exhibitor):
    manager = factories.make_user("manager", exhibitor)
    english(manager)
    client.post("/login", data={"username": manager.username, "password": factories.PASSWORD})
    answer = client.post(
        "/users/new",
        data={
            "username": "kasir-lemah",
            "role": "cashier",
            "exhibitor_id": str(exhibitor.id),
            "password": "1234",
            "locale": "en",
        },
    )
    assert answer.status_code == 422
    assert field_errors(text(answer), "password") == ["A password needs at least 8 characters."]
    db.session.rollback()
    assert db.session.scalar(sa.select(User).where(User.username == "kasir-lemah")) is None


def test_the_api_refuses_a_weak_password_with_a_422(client, exhibitor):
    organizer = factories.make_user("organizer")
    answer = client.post(
        "/api/v1/users",
        json={"username": "panitia-2", "password": "password", "role": "organizer"},
        headers=factories.auth_headers(client, organizer),
    )
    assert answer.status_code == 422
    body = answer.get_json()
    assert (body["error"], body["field"]) == ("invalid", "password")


def test_pos_create_user_applies_the_policy(runner, exhibitor):
    weak = runner.invoke(
        args=["create-user", "panitia-2", "--role", "organizer", "--password", "abcd"]
    )
    assert weak.exit_code != 0
    assert "A password needs at least 10 characters." in weak.output
    db.session.rollback()
    assert db.session.scalar(sa.select(User).where(User.username == "panitia-2")) is None


def test_the_common_password_list_ships_with_the_app():
    common = passwords.common_passwords()
    assert len(common) > 10_000
    assert {"password", "123456", "qwerty", "sayang", "indonesia"} <= common


# --- hashing, bounded -------------------------------------------------------------------


def test_a_sign_in_finding_every_hashing_slot_busy_is_asked_to_retry(make_client, app_config):
    client = make_client(app_config | {"LOGIN_HASH_WAIT_SECONDS": 0})
    user = factories.make_user("organizer")
    credentials = {"username": user.username, "password": factories.PASSWORD}
    with passwords.hashing_slot():  # someone else is being checked right now
        busy = client.post("/api/v1/auth/login", json=credentials)
        page = client.post("/login", data=credentials)
    assert busy.status_code == 503
    assert busy.get_json()["error"] == "busy"
    assert busy.headers["Retry-After"] == "1"
    assert page.status_code == 503
    db.session.rollback()
    actions = db.session.scalars(sa.select(AuditEntry.action)).all()
    assert actions == ["user_created"]  # no password was checked
    assert client.post("/api/v1/auth/login", json=credentials).status_code == 200


def test_only_an_address_without_failures_waits_for_a_busy_hashing_slot(make_client, app_config):
    client = make_client(app_config | {"LOGIN_HASH_WAIT_SECONDS": 30})
    user = factories.make_user("organizer")
    right = {"username": user.username, "password": factories.PASSWORD}
    tablet = {"REMOTE_ADDR": "198.51.100.20"}
    prankster = {"REMOTE_ADDR": "203.0.113.66"}
    wrong = right | {"password": "wrong-guess-1"}
    assert client.post("/api/v1/auth/login", json=wrong, environ_base=prankster).status_code == 401

    def hold_the_slot_for(seconds: float) -> threading.Thread:
        held = threading.Event()

        def hold() -> None:
            with app_context, passwords.hashing_slot():
                held.set()
                time.sleep(seconds)

        app_context = client.application.app_context()
        thread = threading.Thread(target=hold)
        thread.start()
        held.wait()
        return thread

    # Someone is being checked for 5 seconds: the address that failed is turned away
    # at once, it never holds a worker waiting.
    holder = hold_the_slot_for(5)
    refused = client.post("/api/v1/auth/login", json=right, environ_base=prankster)
    holder.join()
    assert refused.status_code == 503
    # A clean address waits for the slot and signs in.
    holder = hold_the_slot_for(0.2)
    signed_in = client.post("/api/v1/auth/login", json=right, environ_base=tablet)
    holder.join()
    assert signed_in.status_code == 200
