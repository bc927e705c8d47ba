"""Sessions and tokens end on the server: sign-out, a password change and deactivation
revoke them (a copied cookie or token stops working), idle pages time out, and the
session is never tied to a header the client makes up."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from pos.auth.models import ApiToken, AuditEntry, UserSession
from pos.extensions import db
from tests import factories
from tests.pages import english

NEW_PASSWORD = "kain-tenun-baru-77"


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
    return factories.make_user("organizer", locale="en")


def sign_in(client, user, password: str = factories.PASSWORD) -> None:
    answer = client.post("/login", data={"username": user.username, "password": password})
    assert answer.status_code == 302, answer.get_data(as_text=True)


def copy_of(app, client, **environ):
    """Another browser holding a copy of ``client``'s session cookie."""
    thief = app.test_client()
    if environ:
        thief.environ_base.update(environ)
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def signed_in(client) -> bool:
    answer = client.get("/products")
    if answer.status_code == 302:
        assert urlsplit(answer.location).path == "/login"
        return False
    assert answer.status_code == 200
    return True


def token_works(client, token: str) -> bool:
    answer = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code in (200, 401)
    return answer.status_code == 200


def audit_entries(action: str) -> list[AuditEntry]:
    db.session.rollback()
    return list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)))


def test_sign_out_revokes_the_session_on_the_server_and_is_audited(app, client, booth):
    sign_in(client, booth.manager)
    thief = copy_of(app, client)
    assert signed_in(thief)
    assert client.post("/logout").status_code == 302
    assert not signed_in(client)
    assert not signed_in(thief)
    [entry] = audit_entries("logout")
    assert entry.user_id == booth.manager.id and entry.details == {"via": "web"}


def test_signing_out_on_one_tablet_leaves_the_other_tablet_signed_in(app, client, booth):
    first, second = app.test_client(), app.test_client()
    sign_in(first, booth.cashier)
    sign_in(second, booth.cashier)
    first.post("/logout")
    assert signed_in(second)


def test_a_password_change_revokes_every_session_and_token_of_the_user(app, client, booth):
    sign_in(client, booth.cashier)
    thief = copy_of(app, client)
    token = factories.token_for(client, booth.cashier)
    office = app.test_client()
    sign_in(office, booth.manager)
    changed = office.post(f"/users/{booth.cashier.id}/password", data={"password": NEW_PASSWORD})
    assert changed.status_code == 302
    assert not signed_in(client)
    assert not signed_in(thief)
    assert not token_works(client, token)
    assert signed_in(office)  # the manager's own session is untouched


def test_changing_your_own_password_keeps_you_signed_in_but_not_a_copy(app, client, booth):
    sign_in(client, booth.manager)
    thief = copy_of(app, client)
    token = factories.token_for(client, booth.manager)
    changed = client.post(
        f"/users/{booth.manager.id}/password",
        data={"current_password": factories.PASSWORD, "password": NEW_PASSWORD},
    )
    assert changed.status_code == 302
    assert signed_in(client)
    assert not signed_in(thief)
    assert not token_works(client, token)


def test_deactivation_revokes_and_reactivation_does_not_restore(app, client, booth, organizer):
    sign_in(client, booth.cashier)
    token = factories.token_for(client, booth.cashier)
    office = app.test_client()
    sign_in(office, organizer)
    assert office.post(f"/users/{booth.cashier.id}/active", data={"active": "0"}).status_code == 302
    assert office.post(f"/users/{booth.cashier.id}/active", data={"active": "1"}).status_code == 302
    assert not signed_in(client)
    assert not token_works(client, token)
    sign_in(client, booth.cashier)  # a new sign-in works again
    assert signed_in(client)


def test_api_logout_revokes_that_token_only(client, booth):
    first = factories.token_for(client, booth.manager)
    second = factories.token_for(client, booth.manager)
    answer = client.post("/api/v1/auth/logout", headers={"Authorization": f"Bearer {first}"})
    assert answer.status_code == 204
    assert not token_works(client, first)
    assert token_works(client, second)


def set_idle(user_id: int, idle: timedelta) -> None:
    """As if the user's pages had made no request for ``idle``."""
    db.session.rollback()
    for row in db.session.scalars(sa.select(UserSession).where(UserSession.user_id == user_id)):
        row.last_seen_at -= idle
    db.session.commit()


@pytest.mark.parametrize(
    ("role", "idle_hours", "still_signed_in"),
    [
        ("organizer", 1.5, True),
        ("organizer", 2.5, False),
        ("manager", 11, True),
        ("manager", 13, False),
        ("cashier", 11, True),
        ("cashier", 13, False),
    ],
)
def test_pages_time_out_after_the_roles_idle_time(
    client, booth, organizer, role, idle_hours, still_signed_in
):
    user = {"organizer": organizer, "manager": booth.manager, "cashier": booth.cashier}[role]
    sign_in(client, user)
    set_idle(user.id, timedelta(hours=idle_hours))
    assert signed_in(client) is still_signed_in


def test_an_active_page_is_seen_again_at_most_every_few_minutes(client, booth):
    sign_in(client, booth.manager)
    row = db.session.scalars(sa.select(UserSession)).one()
    first_seen = row.last_seen_at
    assert signed_in(client)
    db.session.rollback()
    assert db.session.get(UserSession, row.id).last_seen_at == first_seen  # no write
    set_idle(booth.manager.id, timedelta(minutes=6))
    assert signed_in(client)
    db.session.rollback()
    assert db.session.get(UserSession, row.id).last_seen_at > first_seen - timedelta(minutes=1)


def test_a_tokens_last_use_is_kept_without_a_write_per_request(client, booth):
    token = factories.token_for(client, booth.manager)
    headers = {"Authorization": f"Bearer {token}"}
    client.get("/api/v1/auth/me", headers=headers)
    db.session.rollback()
    first = db.session.scalars(sa.select(ApiToken.last_used_at)).one()
    assert first is not None
    client.get("/api/v1/auth/me", headers=headers)
    db.session.rollback()
    assert db.session.scalars(sa.select(ApiToken.last_used_at)).one() == first
    db.session.scalars(sa.select(ApiToken)).one().last_used_at -= timedelta(minutes=6)
    db.session.commit()
    client.get("/api/v1/auth/me", headers=headers)
    db.session.rollback()
    assert db.session.scalars(sa.select(ApiToken.last_used_at)).one() > first - timedelta(minutes=1)


def test_a_copied_cookie_does_not_pass_by_claiming_the_owners_address(app, client, booth):
    sign_in(client, booth.manager)  # from 127.0.0.1
    thief = copy_of(app, client, REMOTE_ADDR="203.0.113.9")
    answer = thief.get("/products", headers={"X-Forwarded-For": "127.0.0.1"})
    assert answer.status_code == 302
    assert urlsplit(answer.location).path == "/login"
    assert signed_in(client)  # the owner is not signed out by it
