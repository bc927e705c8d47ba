"""The HTML sign-in pages: /login and its `next` redirect, /logout, the language switch,
the account pages, cashier PINs and the PIN switch of a shared booth tablet."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import sqlalchemy as sa
from babel.support import Translations
from werkzeug.security import check_password_hash

from pos.auth import service as auth_service
from pos.auth.models import AuditEntry, User
from pos.extensions import db
from tests import factories
from tests.pages import english, field_errors, flashes, text

PIN = "2468"


@pytest.fixture
def event(app):
    return factories.make_event()


@pytest.fixture
def a(event):
    booth = factories.Booth(event, "A1")
    english(booth.manager, booth.cashier)
    return booth


@pytest.fixture
def b(event):
    booth = factories.Booth(event, "B1")
    english(booth.manager, booth.cashier)
    return booth


@pytest.fixture
def organizer(app):
    return factories.make_user("organizer", locale="en")


# --- helpers ----------------------------------------------------------------------------


def sign_in(client, user: User, password: str = factories.PASSWORD, **extra):
    return client.post("/login", data={"username": user.username, "password": password} | extra)


def html_lang(html: str) -> str:
    match = re.search(r'<html lang="([^"]*)"', html)
    assert match, "the page has no <html lang>"
    return match.group(1)


def signed_in_name(html: str) -> str | None:
    """The name in the top bar of a page, or None when nobody is signed in."""
    match = re.search(r'<span class="who-name[^"]*">(.*?)</span>', html, re.S)
    return unescape(match.group(1)).split("·")[0].strip() if match else None


def listed_usernames(html: str) -> list[str]:
    """The first column (username) of every row of the accounts table."""
    body = re.search(r"<tbody>(.*?)</tbody>", html, re.S)
    assert body, "the page has no table"
    return [unescape(u).strip() for u in re.findall(r"<tr[^>]*>\s*<td>([^<]*)</td>", body[1])]


def reloaded(model, ident):
    """The row as the database has it now (ending the test's own read snapshot)."""
    db.session.rollback()
    return db.session.get(model, ident)


def is_signed_out(client) -> bool:
    response = client.get("/products")
    return response.status_code == 302 and urlsplit(response.location).path == "/login"


def lands_on_this_site(location: str) -> bool:
    """Where a browser goes with this Location header: it strips tabs and newlines and
    reads a backslash as a slash before resolving it against the page's address."""
    normalized = re.sub(r"[\t\n\r]", "", location).strip().replace("\\", "/")
    resolved = urlsplit(urljoin("http://localhost/login", normalized))
    return resolved.scheme in ("http", "") and resolved.netloc == "localhost"


def catalogue_text(app, locale: str, message: str) -> str:
    """``message`` as the compiled catalogue of ``locale`` has it (itself if untranslated)."""
    translations = Translations.load(str(Path(app.root_path) / "translations"), [locale])
    return translations.gettext(message)


def submit_button(html: str) -> str:
    match = re.search(r'<button type="submit" class="btn btn-primary[^"]*">(.*?)</button>', html)
    assert match, "the page has no primary submit button"
    return unescape(match.group(1)).strip()


def audit_actions(user_id: int) -> list[str]:
    db.session.rollback()
    return list(
        db.session.scalars(
            sa.select(AuditEntry.action)
            .where(AuditEntry.user_id == user_id)
            .order_by(AuditEntry.id)
        )
    )


# --- /login -----------------------------------------------------------------------------


def test_login_page_shows_the_username_and_password_form(client):
    response = client.get("/login")
    assert response.status_code == 200
    html = text(response)
    assert 'name="username"' in html
    assert 'name="password"' in html and 'type="password"' in html
    assert submit_button(html) == "Sign in"
    assert signed_in_name(html) is None


@pytest.mark.parametrize("who", ["known user, wrong password", "unknown username"])
def test_wrong_credentials_get_401_with_an_error_at_the_password_and_sign_nobody_in(client, a, who):
    username = a.manager.username if who.startswith("known") else "nobody-here"
    response = client.post("/login", data={"username": username, "password": "wrong-pw"})
    assert response.status_code == 401
    html = text(response)
    assert field_errors(html, "password") == ["Wrong username or password."]
    assert f'value="{username}"' in html  # the username stays filled in
    assert signed_in_name(html) is None
    assert is_signed_out(client)


def test_failed_sign_in_is_written_to_the_audit_log(client, a):
    client.post("/login", data={"username": a.manager.username, "password": "wrong-pw"})
    signing_in = [action for action in audit_actions(a.manager.id) if action.startswith("login")]
    assert signing_in == ["login_failed"]


@pytest.mark.parametrize(
    ("role", "landing"),
    [("organizer", "/dashboard"), ("manager", "/day"), ("cashier", "/register")],
)
def test_right_password_redirects_each_role_to_its_landing_page(
    client, a, organizer, role, landing
):
    user = {"organizer": organizer, "manager": a.manager, "cashier": a.cashier}[role]
    response = sign_in(client, user)
    assert response.status_code == 302
    assert urlsplit(response.location).path == landing
    page = client.get(landing)
    assert page.status_code == 200
    assert signed_in_name(text(page)) == user.name
    assert audit_actions(user.id)[-1] == "login"


def test_page_behind_sign_in_sends_you_back_to_it_after_signing_in(client, a):
    gate = client.get("/products?q=ring")
    assert gate.status_code == 302
    assert urlsplit(gate.location).path == "/login"
    login_page = client.get(gate.location)
    assert 'value="/products?q=ring"' in text(login_page)  # kept in the hidden `next`
    response = sign_in(client, a.manager, next="/products?q=ring")
    assert response.status_code == 302
    assert response.location == "/products?q=ring"


@pytest.mark.parametrize(
    "target",
    ["//evil.example", "//evil.example/products", "https://evil.example", "http://evil.example/x"],
)
def test_next_parameter_pointing_to_another_site_is_ignored(client, organizer, target):
    response = sign_in(client, organizer, next=target)
    assert response.status_code == 302
    assert response.location == "/dashboard"


@pytest.mark.parametrize("target", ["/\\evil.example", "/\t/evil.example", "/\\/evil.example"])
def test_next_parameter_disguised_with_a_backslash_or_tab_still_stays_on_this_site(
    client, organizer, target
):
    response = sign_in(client, organizer, next=target)
    assert response.status_code == 302
    assert lands_on_this_site(response.location), response.location


# --- /logout ----------------------------------------------------------------------------


def test_logout_signs_out_and_returns_to_the_login_page(client, a):
    sign_in(client, a.manager)
    assert not is_signed_out(client)
    response = client.post("/logout")
    assert response.status_code == 302
    assert urlsplit(response.location).path == "/login"
    assert is_signed_out(client)
    assert flashes(text(client.get("/login")), "success") == ["You have signed out."]


# --- language ---------------------------------------------------------------------------


def test_language_switch_shows_the_login_page_in_indonesian_then_english(app, client):
    indonesian_button = catalogue_text(app, "id", "Sign in")

    response = client.post("/language", data={"locale": "id"})
    assert response.status_code == 302
    html = text(client.get("/login"))
    assert html_lang(html) == "id"
    assert submit_button(html) == indonesian_button

    client.post("/language", data={"locale": "en"})
    html = text(client.get("/login"))
    assert html_lang(html) == "en"
    assert submit_button(html) == "Sign in"


def test_language_switch_returns_to_the_page_it_was_made_on_and_never_off_site(client):
    back = client.post("/language", data={"locale": "id", "next": "/login?next=%2Fproducts"})
    assert back.location == "/login?next=%2Fproducts"
    away = client.post("/language", data={"locale": "id", "next": "//evil.example/"})
    assert lands_on_this_site(away.location), away.location


def test_unknown_language_leaves_the_interface_as_it_was(client):
    client.post("/language", data={"locale": "fr"})
    assert html_lang(text(client.get("/login"))) == "en"


def test_signed_in_users_language_choice_is_kept_on_their_account(client, a):
    sign_in(client, a.manager)
    assert html_lang(text(client.get("/products"))) == "en"
    client.post("/language", data={"locale": "id"})
    assert html_lang(text(client.get("/products"))) == "id"
    assert reloaded(User, a.manager.id).locale == "id"

    client.post("/logout")
    client.post("/language", data={"locale": "en"})  # the login page in English...
    sign_in(client, a.manager)  # ...but the account's choice wins after sign-in
    assert html_lang(text(client.get("/products"))) == "id"


# --- account pages ----------------------------------------------------------------------


def test_organizer_account_page_lists_every_account(client, a, b, organizer):
    sign_in(client, organizer)
    response = client.get("/users")
    assert response.status_code == 200
    listed = listed_usernames(text(response))
    for user in (organizer, a.manager, a.cashier, b.manager, b.cashier):
        assert user.username in listed


def test_manager_account_page_lists_only_their_own_booths_accounts(client, a, b, organizer):
    sign_in(client, a.manager)
    response = client.get("/users")
    assert response.status_code == 200
    listed = listed_usernames(text(response))
    assert sorted(listed) == sorted([a.manager.username, a.cashier.username])
    for outsider in (b.manager, b.cashier, organizer):
        assert outsider.username not in text(response)


def test_cashier_gets_403_on_account_pages_and_creates_nobody(client, a, b):
    sign_in(client, a.cashier)
    before = db.session.scalar(sa.select(sa.func.count(User.id)))
    assert client.get("/users").status_code == 403
    assert client.get("/users/new").status_code == 403
    created = client.post(
        "/users/new",
        data={
            "username": "sneaky",
            "role": "cashier",
            "exhibitor_id": str(a.exhibitor.id),
            "password": "kain-ikat-2024",
            "locale": "en",
        },
    )
    assert created.status_code == 403
    assert client.get(f"/users/{b.cashier.id}/pin").status_code == 403
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == before


def test_manager_is_offered_only_the_cashier_role_and_their_own_booth(client, a, b):
    sign_in(client, a.manager)
    html = text(client.get("/users/new"))
    role_select = re.search(r'<select[^>]*name="role".*?</select>', html, re.S)[0]
    booth_select = re.search(r'<select[^>]*name="exhibitor_id".*?</select>', html, re.S)[0]
    assert re.findall(r'<option[^>]*value="([^"]*)"', role_select) == ["cashier"]
    assert re.findall(r'<option[^>]*value="([^"]*)"', booth_select) == [str(a.exhibitor.id)]
    assert b.exhibitor.booth not in booth_select


def test_manager_creates_a_cashier_for_their_own_booth_who_can_then_sign_in(client, a):
    sign_in(client, a.manager)
    response = client.post(
        "/users/new",
        data={
            "username": "kasir-ayu",
            "display_name": "Ayu",
            "role": "cashier",
            "exhibitor_id": str(a.exhibitor.id),
            "password": "kain-ikat-2024",
            "locale": "en",
        },
    )
    assert response.status_code == 302
    assert urlsplit(response.location).path == "/users"
    db.session.rollback()
    user = db.session.scalar(sa.select(User).where(User.username == "kasir-ayu"))
    assert (user.role, user.exhibitor_id) == ("cashier", a.exhibitor.id)
    assert "kasir-ayu" in listed_usernames(text(client.get("/users")))

    client.post("/logout")
    signed = client.post("/login", data={"username": "kasir-ayu", "password": "kain-ikat-2024"})
    assert urlsplit(signed.location).path == "/register"


@pytest.mark.parametrize("role", ["manager", "organizer"])
def test_manager_cannot_create_a_manager_or_organizer(client, a, role):
    sign_in(client, a.manager)
    response = client.post(
        "/users/new",
        data={
            "username": "promoted",
            "role": role,
            "exhibitor_id": str(a.exhibitor.id),
            "password": "kain-ikat-2024",
            "locale": "en",
        },
    )
    assert response.status_code == 200  # the form again
    assert field_errors(text(response), "role") == ["Not a valid choice."]
    assert flashes(text(response), "error") == []
    db.session.rollback()
    assert db.session.scalar(sa.select(User).where(User.username == "promoted")) is None


def test_manager_cannot_create_a_cashier_for_another_booth(client, a, b):
    sign_in(client, a.manager)
    response = client.post(
        "/users/new",
        data={
            "username": "planted",
            "role": "cashier",
            "exhibitor_id": str(b.exhibitor.id),
            "password": "kain-ikat-2024",
            "locale": "en",
        },
    )
    assert response.status_code == 200  # the form again
    assert flashes(text(response), "error") == ["You do not have access to this exhibitor."]
    db.session.rollback()
    assert db.session.scalar(sa.select(User).where(User.username == "planted")) is None
    assert (
        db.session.scalar(
            sa.select(sa.func.count(User.id)).where(User.exhibitor_id == b.exhibitor.id)
        )
        == 2
    )


def test_organizer_creates_a_manager_for_any_booth(client, b, organizer):
    sign_in(client, organizer)
    response = client.post(
        "/users/new",
        data={
            "username": "manager-two",
            "role": "manager",
            "exhibitor_id": str(b.exhibitor.id),
            "password": "kain-ikat-2024",
            "locale": "id",
        },
    )
    assert response.status_code == 302
    db.session.rollback()
    user = db.session.scalar(sa.select(User).where(User.username == "manager-two"))
    assert (user.role, user.exhibitor_id, user.locale) == ("manager", b.exhibitor.id, "id")


# --- PINs -------------------------------------------------------------------------------


def test_manager_sets_a_cashiers_pin(client, a):
    sign_in(client, a.manager)
    assert client.get(f"/users/{a.cashier.id}/pin").status_code == 200
    response = client.post(f"/users/{a.cashier.id}/pin", data={"pin": "4321"})
    assert response.status_code == 302
    assert urlsplit(response.location).path == "/users"
    cashier = reloaded(User, a.cashier.id)
    assert cashier.pin_hash is not None
    assert check_password_hash(cashier.pin_hash, "4321")


@pytest.mark.parametrize("pin", ["12a4", "123", "1234567", "12 34"])
def test_malformed_pin_is_refused_with_an_error_at_the_pin_field(client, a, pin):
    sign_in(client, a.manager)
    response = client.post(f"/users/{a.cashier.id}/pin", data={"pin": pin})
    assert response.status_code == 200  # the form again
    assert field_errors(text(response), "pin") == ["A PIN is 4 to 6 digits."]
    assert reloaded(User, a.cashier.id).pin_hash is None


def test_manager_cannot_set_the_pin_of_another_booths_cashier(client, a, b):
    sign_in(client, a.manager)
    assert client.get(f"/users/{b.cashier.id}/pin").status_code == 403
    response = client.post(f"/users/{b.cashier.id}/pin", data={"pin": "4321"})
    assert response.status_code == 403
    assert reloaded(User, b.cashier.id).pin_hash is None


# --- the PIN switch on a shared tablet --------------------------------------------------


@pytest.fixture
def pins(a, b):
    """Both booths' cashiers have the same PIN, set by their own managers."""
    auth_service.set_pin(a.manager, a.cashier, PIN)
    auth_service.set_pin(b.manager, b.cashier, PIN)
    db.session.commit()


def test_switch_page_offers_only_colleagues_of_the_same_booth(client, a, b, pins):
    sign_in(client, a.manager)
    response = client.get("/switch")
    assert response.status_code == 200
    html = text(response)
    assert f"/switch?user={a.cashier.id}" in html
    assert f"/switch?user={b.cashier.id}" not in html
    assert b.cashier.username not in html


def test_colleague_takes_over_the_tablet_with_the_right_pin(client, a, pins):
    sign_in(client, a.manager)
    html = text(client.get(f"/switch?user={a.cashier.id}"))
    assert 'name="pin"' in html and f'value="{a.cashier.id}"' in html
    response = client.post("/switch", data={"user_id": str(a.cashier.id), "pin": PIN})
    assert response.status_code == 302
    assert urlsplit(response.location).path == "/register"
    page = client.get("/products")
    assert signed_in_name(text(page)) == a.cashier.name
    assert client.get("/users").status_code == 403  # the session is the cashier's now
    assert audit_actions(a.cashier.id)[-1] == "pin_switch"


def test_wrong_pin_is_refused_with_401_and_the_tablet_stays_with_the_current_user(client, a, pins):
    sign_in(client, a.manager)
    response = client.post("/switch", data={"user_id": str(a.cashier.id), "pin": "1111"})
    assert response.status_code == 401
    assert field_errors(text(response), "pin") == ["Wrong PIN."]
    page = client.get("/users")
    assert page.status_code == 200  # still the manager
    assert signed_in_name(text(page)) == a.manager.name
    assert audit_actions(a.cashier.id)[-1] == "pin_failed"


def test_cashier_of_another_booth_can_never_be_switched_to(client, a, b, pins):
    sign_in(client, a.manager)
    offered = text(client.get(f"/switch?user={b.cashier.id}"))
    assert 'name="pin"' not in offered  # no PIN form for an outsider
    assert b.cashier.username not in offered

    response = client.post("/switch", data={"user_id": str(b.cashier.id), "pin": PIN})
    assert response.status_code == 403
    page = client.get("/users")
    assert page.status_code == 200
    assert signed_in_name(text(page)) == a.manager.name
    assert "pin_switch" not in audit_actions(b.cashier.id)


def test_cashier_cannot_switch_to_another_booths_cashier_either(client, a, b, pins):
    sign_in(client, a.cashier)
    response = client.post("/switch", data={"user_id": str(b.cashier.id), "pin": PIN})
    assert response.status_code == 403
    assert signed_in_name(text(client.get("/products"))) == a.cashier.name


# --- a PIN never opens a manager's account ----------------------------------------------

TAKEN_OVER = "diambil-alih-99"


def test_a_cashier_cannot_take_over_the_managers_account_with_a_pin(app, client, a):
    # A manager may not give themself a PIN: PINs are for cashiers.
    sign_in(client, a.manager)
    assert client.get(f"/users/{a.manager.id}/pin").status_code == 403
    assert client.post(f"/users/{a.manager.id}/pin", data={"pin": "1357"}).status_code == 403
    assert reloaded(User, a.manager.id).pin_hash is None

    # A database from before may still hold a manager's PIN: the switch refuses it.
    manager = reloaded(User, a.manager.id)
    manager.pin_hash = auth_service.hash_secret("1357")
    db.session.commit()
    tablet = app.test_client()
    sign_in(tablet, a.cashier)
    assert f"/switch?user={a.manager.id}" not in text(tablet.get("/switch"))
    switched = tablet.post("/switch", data={"user_id": str(a.manager.id), "pin": "1357"})
    assert switched.status_code == 403
    assert signed_in_name(text(tablet.get("/products"))) == a.cashier.name

    # Nor can the cashier change the manager's password, and the manager's stays.
    changed = tablet.post(f"/users/{a.manager.id}/password", data={"password": TAKEN_OVER})
    assert changed.status_code == 403
    thief = app.test_client()
    assert sign_in(thief, a.manager, TAKEN_OVER).status_code == 401
    assert sign_in(thief, a.manager).status_code == 302


def test_the_switch_offers_only_cashiers(client, a, pins):
    manager = reloaded(User, a.manager.id)
    manager.pin_hash = auth_service.hash_secret(PIN)
    db.session.commit()
    sign_in(client, a.cashier)
    html = text(client.get("/switch"))
    assert f"/switch?user={a.cashier.id}" in html
    assert f"/switch?user={a.manager.id}" not in html


def test_users_page_offers_a_pin_only_for_cashiers(client, a):
    sign_in(client, a.manager)
    html = text(client.get("/users"))
    assert f"/users/{a.cashier.id}/pin" in html
    assert f"/users/{a.manager.id}/pin" not in html


# --- passwords --------------------------------------------------------------------------

NEW_PASSWORD = "kain-tenun-baru-77"


def test_changing_your_own_password_needs_the_current_one(client, a):
    sign_in(client, a.manager)
    page = text(client.get(f"/users/{a.manager.id}/password"))
    assert 'name="current_password"' in page
    missing = client.post(f"/users/{a.manager.id}/password", data={"password": NEW_PASSWORD})
    assert missing.status_code == 422
    assert field_errors(text(missing), "current_password") == ["Enter your current password."]
    wrong = client.post(
        f"/users/{a.manager.id}/password",
        data={"current_password": "not-my-password", "password": NEW_PASSWORD},
    )
    assert wrong.status_code == 422
    assert field_errors(text(wrong), "current_password") == ["That is not your current password."]
    assert check_password_hash(reloaded(User, a.manager.id).password_hash, factories.PASSWORD)
    done = client.post(
        f"/users/{a.manager.id}/password",
        data={"current_password": factories.PASSWORD, "password": NEW_PASSWORD},
    )
    assert done.status_code == 302
    assert check_password_hash(reloaded(User, a.manager.id).password_hash, NEW_PASSWORD)
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "password_changed")
    ).one()
    assert (entry.user_id, entry.target_id) == (a.manager.id, a.manager.id)


def test_a_manager_resets_a_cashiers_password_without_it_and_it_is_audited(client, a):
    sign_in(client, a.manager)
    page = text(client.get(f"/users/{a.cashier.id}/password"))
    assert 'name="current_password"' not in page
    done = client.post(f"/users/{a.cashier.id}/password", data={"password": NEW_PASSWORD})
    assert done.status_code == 302
    assert check_password_hash(reloaded(User, a.cashier.id).password_hash, NEW_PASSWORD)
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "password_reset")
    ).one()
    assert (entry.user_id, entry.target_id) == (a.manager.id, a.cashier.id)


def test_a_cashier_cannot_reset_a_colleagues_password(client, a):
    colleague = factories.make_user("cashier", a.exhibitor)
    sign_in(client, a.cashier)
    refused = client.post(f"/users/{colleague.id}/password", data={"password": NEW_PASSWORD})
    assert refused.status_code == 403
    assert check_password_hash(reloaded(User, colleague.id).password_hash, factories.PASSWORD)


def test_an_event_organizer_gets_403_on_the_global_organizers_password(client, event, organizer):
    office = factories.make_user("organizer", locale="en")
    office.event_id = event.id
    db.session.commit()
    sign_in(client, office)
    assert client.get(f"/users/{organizer.id}/password").status_code == 403
    refused = client.post(f"/users/{organizer.id}/password", data={"password": TAKEN_OVER})
    assert refused.status_code == 403
    assert organizer.username not in listed_usernames(text(client.get("/users")))
    assert check_password_hash(reloaded(User, organizer.id).password_hash, factories.PASSWORD)
