"""HTTPS on the venue Wi-Fi: Secure cookies and HSTS on HTTPS answers only, a reverse
proxy trusted only when configured (POS_PROXY_COUNT), the client's address in the audit
log, and no signed-in page kept in a browser's or proxy's cache."""

from __future__ import annotations

import re
import ssl
import urllib.request

import pytest
import sqlalchemy as sa

from pos.auth.models import AuditEntry
from pos.extensions import db
from tests import factories
from tests.servers import served, unverified_tls

HSTS = "max-age=31536000"
TABLET = "192.168.8.31"


@pytest.fixture
def organizer(db):
    factories.make_event()
    return factories.make_user("organizer")


def sign_in(client, user, **kwargs):
    response = client.post(
        "/login", data={"username": user.username, "password": factories.PASSWORD}, **kwargs
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def session_cookie(response) -> str:
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert len(cookies) == 1, response.headers.getlist("Set-Cookie")
    return cookies[0]


def is_secure(cookie: str) -> bool:
    return any(part.strip().lower() == "secure" for part in cookie.split(";")[1:])


def last_audit_ip(action: str) -> str:
    db.session.rollback()
    return db.session.scalars(
        sa.select(AuditEntry.ip).where(AuditEntry.action == action).order_by(AuditEntry.id.desc())
    ).first()


# --- HTTPS served by the app itself (pos serve --tls) ----------------------------------


def test_an_https_answer_sets_secure_cookies_and_hsts(client, organizer):
    response = sign_in(client, organizer, base_url="https://192.168.8.20:5000")
    assert is_secure(session_cookie(response))
    assert response.headers["Strict-Transport-Security"] == HSTS
    # A page too, not only the sign-in.
    page = client.get("/dashboard", base_url="https://192.168.8.20:5000")
    assert page.status_code == 200
    assert page.headers["Strict-Transport-Security"] == HSTS


def test_plain_http_on_the_laptop_keeps_working_without_secure_cookies_or_hsts(client, organizer):
    response = sign_in(client, organizer, base_url="http://127.0.0.1:5000")
    assert not is_secure(session_cookie(response))
    assert "Strict-Transport-Security" not in response.headers
    page = client.get("/dashboard", base_url="http://127.0.0.1:5000")
    assert page.status_code == 200  # the cookie came back over plain HTTP
    assert "Strict-Transport-Security" not in page.headers


def test_hsts_is_not_sent_to_localhost_whose_plain_http_make_run_serves(client, organizer):
    # HSTS holds for a host name on every port: sent to https://localhost:5443 it would
    # turn the browser's http://localhost:5000 (make run) into an HTTPS address that fails.
    response = client.get("/login", base_url="https://localhost:5443")
    assert response.status_code == 200
    assert "Strict-Transport-Security" not in response.headers
    assert is_secure(session_cookie(sign_in(client, organizer, base_url="https://localhost:5443")))


@pytest.mark.slow
def test_pos_serve_tls_answers_with_hsts_and_a_secure_session_cookie(tmp_path):
    with served(tmp_path, tls=True, workers=1, seed=False) as (base, _log):
        with urllib.request.urlopen(base + "/login", timeout=10, context=unverified_tls()) as r:
            assert r.status == 200
            assert r.headers["Strict-Transport-Security"] == HSTS
            cookies = r.headers.get_all("Set-Cookie")
        assert [is_secure(c) for c in cookies if c.startswith("session=")] == [True]
        # The same server does not answer plain HTTP at all: nothing to downgrade to.
        with pytest.raises((ssl.SSLError, ConnectionError, urllib.error.URLError)):
            urllib.request.urlopen(base.replace("https:", "http:") + "/login", timeout=10)


@pytest.mark.slow
def test_pos_serve_over_http_believes_no_forwarded_proto_even_from_the_laptop_itself(tmp_path):
    # gunicorn by itself would take X-Forwarded-Proto from 127.0.0.1 (its default
    # forwarded_allow_ips); only POS_PROXY_COUNT may make the app believe it.
    with served(tmp_path, workers=1, seed=False) as (base, _log):
        forged = urllib.request.Request(base + "/login", headers={"X-Forwarded-Proto": "https"})
        with urllib.request.urlopen(forged, timeout=10) as r:
            assert r.status == 200
            assert "Strict-Transport-Security" not in r.headers
            cookies = r.headers.get_all("Set-Cookie")
        assert [is_secure(c) for c in cookies if c.startswith("session=")] == [False]


# --- behind a reverse proxy -------------------------------------------------------------


@pytest.fixture
def proxied(make_client, app_config):
    """The app behind one reverse proxy that terminates TLS (POS_PROXY_COUNT=1)."""
    return make_client(app_config | {"PROXY_COUNT": 1})


def test_behind_a_configured_proxy_forwarded_https_gets_secure_cookies_and_hsts(proxied, organizer):
    response = sign_in(
        proxied,
        organizer,
        base_url="http://127.0.0.1:5000",
        headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": TABLET},
        environ_base={"REMOTE_ADDR": "127.0.0.1"},
    )
    assert is_secure(session_cookie(response))
    assert response.headers["Strict-Transport-Security"] == HSTS
    assert last_audit_ip("login") == TABLET  # the proxy's word for who connected


def test_behind_a_proxy_only_the_address_the_proxy_saw_is_believed(proxied, organizer):
    # The tablet sends its own X-Forwarded-For; the proxy appends the address it saw.
    sign_in(
        proxied,
        organizer,
        headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": f"6.6.6.6, {TABLET}"},
        environ_base={"REMOTE_ADDR": "127.0.0.1"},
    )
    assert last_audit_ip("login") == TABLET


def test_behind_a_proxy_plain_http_gets_no_secure_cookie_and_no_hsts(proxied, organizer):
    response = sign_in(
        proxied,
        organizer,
        headers={"X-Forwarded-Proto": "http", "X-Forwarded-For": TABLET},
        environ_base={"REMOTE_ADDR": "127.0.0.1"},
    )
    assert not is_secure(session_cookie(response))
    assert "Strict-Transport-Security" not in response.headers


def test_with_no_proxy_configured_forged_forwarded_headers_change_nothing(client, organizer):
    response = sign_in(
        client,
        organizer,
        headers={
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": "6.6.6.6",
            "X-Forwarded-Host": "evil.example",
        },
        environ_base={"REMOTE_ADDR": TABLET},
    )
    assert not is_secure(session_cookie(response))
    assert "Strict-Transport-Security" not in response.headers
    assert response.location == "/dashboard"  # not sent off to the forged host
    assert last_audit_ip("login") == TABLET
    db.session.rollback()
    assert "6.6.6.6" not in db.session.scalars(sa.select(AuditEntry.ip)).all()


def test_two_proxies_configured_take_the_address_the_outer_one_saw(
    make_client, app_config, organizer
):
    client = make_client(app_config | {"PROXY_COUNT": 2})
    sign_in(
        client,
        organizer,
        headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": f"6.6.6.6, {TABLET}, 10.0.0.2"},
        environ_base={"REMOTE_ADDR": "10.0.0.3"},
    )
    assert last_audit_ip("login") == TABLET


def test_every_audit_entry_records_the_client_address(client, db):
    booth = factories.Booth(factories.make_event(), "B12")
    headers = factories.auth_headers(client, booth.manager)
    answer = client.post(
        f"/api/v1/products/{booth.product.id}/stock-adjustments",
        json={"delta": 2, "reason": "found in the box"},
        headers=headers,
        environ_base={"REMOTE_ADDR": TABLET},
    )
    assert answer.status_code == 201
    assert last_audit_ip("stock_adjusted") == TABLET


# --- nothing of a signed-in user kept in a cache -----------------------------------------


def test_every_answer_to_a_signed_in_user_is_no_store(client, db):
    event = factories.make_event()
    booth = factories.Booth(event, "B12")
    organizer = factories.make_user("organizer")
    sign_in(client, organizer)
    paths = [
        "/dashboard",
        "/exhibitors",
        f"/products?exhibitor_id={booth.exhibitor.id}",
        f"/reports/daily?exhibitor_id={booth.exhibitor.id}",
        f"/api/v1/reports/daily.csv?exhibitor_id={booth.exhibitor.id}&lang=id",
        f"/api/v1/reports/daily.pdf?exhibitor_id={booth.exhibitor.id}",
        "/no-such-page",
    ]
    for path in paths:
        response = client.get(path)
        assert response.headers.get("Cache-Control") == "no-store", (path, response.status)
    # A redirect of a signed-in user too.
    assert client.get("/").headers["Cache-Control"] == "no-store"


def test_static_files_and_the_public_receipt_keep_their_caching_when_signed_in(client, db):
    booth = factories.Booth(factories.make_event(), "B12")
    sign_in(client, booth.cashier)
    page = client.get("/products").get_data(as_text=True)
    stylesheet = re.search(r'href="(/static/css/app\.css\?v=[0-9a-f]+)"', page)[1]
    assert client.get(stylesheet).headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert client.get("/sw.js").headers["Cache-Control"] == "no-cache"
    sale = client.post(
        "/api/v1/sales",
        json={
            "exhibitor_id": booth.exhibitor.id,
            "items": [{"product_id": booth.product.id, "quantity": 1}],
            "payments": [{"method": "cash", "amount": 100_000}],
        },
        headers={"Idempotency-Key": "transport-1", **factories.auth_headers(client, booth.cashier)},
    )
    assert sale.status_code == 201, sale.get_json()
    receipt = client.get(sale.get_json()["public_receipt_url"])
    assert receipt.status_code == 200
    assert receipt.headers["Cache-Control"] == "private, max-age=300"


def test_a_visitor_who_is_not_signed_in_is_not_told_no_store_on_public_pages(client, db):
    assert "Cache-Control" not in client.get("/setup").headers
