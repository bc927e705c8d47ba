"""JSON sign-in: tokens, logout revocation, and the 401s of API.md."""

import pytest
import sqlalchemy as sa

from pos.auth.models import ApiToken, AuditEntry
from tests import factories


def test_login_returns_a_token_and_the_user(client):
    exhibitor = factories.make_exhibitor(factories.make_event())
    manager = factories.make_user("manager", exhibitor, username="ayu")
    response = client.post(
        "/api/v1/auth/login", json={"username": "ayu", "password": factories.PASSWORD}
    )
    assert response.status_code == 200
    body = response.get_json()
    assert len(body["token"]) >= 40
    assert body["user"] == {
        "id": manager.id,
        "username": "ayu",
        "role": "manager",
        "exhibitor_id": exhibitor.id,
    } | {
        k: body["user"][k]
        for k in body["user"]
        if k not in ("id", "username", "role", "exhibitor_id")
    }


def test_username_is_matched_without_regard_to_case_or_spaces(client):
    factories.make_user("organizer", username="panitia")
    response = client.post(
        "/api/v1/auth/login", json={"username": "  Panitia ", "password": factories.PASSWORD}
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    "credentials",
    [
        {"username": "panitia", "password": "wrong"},
        {"username": "nobody", "password": factories.PASSWORD},
    ],
)
def test_wrong_credentials_are_a_401_and_audited(client, db, credentials):
    factories.make_user("organizer", username="panitia")
    response = client.post("/api/v1/auth/login", json=credentials)
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_credentials"
    failures = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "login_failed")
    ).all()
    assert [f.username for f in failures] == [credentials["username"]]


def test_a_deactivated_user_cannot_sign_in(client, db):
    user = factories.make_user("organizer")
    user.active = False
    db.session.commit()
    response = client.post(
        "/api/v1/auth/login", json={"username": user.username, "password": factories.PASSWORD}
    )
    assert response.status_code == 401


def test_logout_revokes_the_token(client):
    user = factories.make_user("organizer")
    token = factories.token_for(client, user)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/exhibitors", headers=headers).status_code == 200
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    after = client.get("/api/v1/exhibitors", headers=headers)
    assert after.status_code == 401
    assert after.get_json()["error"] == "unauthorized"


def test_logout_of_one_token_leaves_the_users_other_tablets_signed_in(client):
    user = factories.make_user("organizer")
    first = {"Authorization": f"Bearer {factories.token_for(client, user)}"}
    second = {"Authorization": f"Bearer {factories.token_for(client, user)}"}
    client.post("/api/v1/auth/logout", headers=first)
    assert client.get("/api/v1/exhibitors", headers=second).status_code == 200


@pytest.mark.parametrize(
    "header",
    [None, "Bearer", "Bearer not-a-real-token", "Basic dXNlcjpwYXNz", "bearer  "],
)
def test_missing_or_bad_tokens_are_a_401(client, header):
    headers = {"Authorization": header} if header is not None else {}
    response = client.get("/api/v1/exhibitors", headers=headers)
    assert response.status_code == 401
    assert response.get_json()["error"] == "unauthorized"


def test_an_expired_token_is_a_401(client, db):
    user = factories.make_user("organizer")
    headers = factories.auth_headers(client, user)
    db.session.execute(sa.update(ApiToken).values(expires_at=sa.func.current_timestamp()))
    db.session.commit()
    assert client.get("/api/v1/exhibitors", headers=headers).status_code == 401


def test_only_a_digest_of_the_token_is_stored(client, db):
    token = factories.token_for(client, factories.make_user("organizer"))
    stored = db.session.scalars(sa.select(ApiToken.token_hash)).all()
    assert token not in stored and len(stored) == 1 and len(stored[0]) == 64


def test_me_answers_with_the_signed_in_user(client):
    user = factories.make_user("organizer", username="orgadmin")
    response = client.get("/api/v1/auth/me", headers=factories.auth_headers(client, user))
    assert response.get_json()["username"] == "orgadmin"


def test_repeated_wrong_passwords_from_one_address_wait_for_a_while(client):
    user = factories.make_user("organizer")
    for _ in range(10):
        client.post("/api/v1/auth/login", json={"username": user.username, "password": "guess"})
    locked = client.post(
        "/api/v1/auth/login", json={"username": user.username, "password": factories.PASSWORD}
    )
    assert locked.status_code == 429
    assert locked.get_json()["error"] == "too_many_attempts"


NEW_PASSWORD = "kain-tenun-baru-77"


def test_changing_your_own_password_through_the_api_needs_the_current_one(client):
    user = factories.make_user("organizer")
    headers = factories.auth_headers(client, user)
    url = f"/api/v1/users/{user.id}/password"
    missing = client.put(url, json={"password": NEW_PASSWORD}, headers=headers)
    assert missing.status_code == 422
    assert missing.get_json()["field"] == "current_password"
    wrong = client.put(
        url, json={"password": NEW_PASSWORD, "current_password": "not-mine"}, headers=headers
    )
    assert wrong.status_code == 422
    done = client.put(
        url,
        json={"password": NEW_PASSWORD, "current_password": factories.PASSWORD},
        headers=headers,
    )
    assert done.status_code == 200
    assert done.get_json()["username"] == user.username
    # Every token of the user ends with the old password, this one too.
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 401
    assert factories.token_for(client, user, NEW_PASSWORD)


def test_a_manager_resets_a_cashiers_password_through_the_api(client):
    exhibitor = factories.make_exhibitor(factories.make_event())
    manager = factories.make_user("manager", exhibitor)
    cashier = factories.make_user("cashier", exhibitor)
    cashier_headers = factories.auth_headers(client, cashier)
    done = client.put(
        f"/api/v1/users/{cashier.id}/password",
        json={"password": NEW_PASSWORD},
        headers=factories.auth_headers(client, manager),
    )
    assert done.status_code == 200
    assert client.get("/api/v1/auth/me", headers=cashier_headers).status_code == 401
    refused = client.put(
        f"/api/v1/users/{manager.id}/password",
        json={"password": NEW_PASSWORD},
        headers=factories.auth_headers(client, cashier, NEW_PASSWORD),
    )
    assert refused.status_code == 403
