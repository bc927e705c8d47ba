"""Security headers, CSRF on every HTML form, CSRF for the browser's own API calls, and
the NUL character refused in every input (PostgreSQL cannot store it)."""

import re

import pytest

from tests import factories


def test_every_response_carries_a_strict_content_security_policy(client):
    for path in ("/login", "/api/v1/openapi.json", "/healthz", "/no-such-page"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"


def test_api_answers_are_not_cached(client):
    assert client.get("/api/v1/openapi.json").headers["Cache-Control"] == "no-store"


def test_pages_have_no_inline_script_or_style_for_the_policy_to_block(client, db):
    user = factories.make_user("organizer")
    client.post("/login", data={"username": user.username, "password": factories.PASSWORD})
    for path in ("/login", "/exhibitors", "/products", "/events", "/users"):
        html = client.get(path).get_data(as_text=True)
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag, (path, tag)
        assert re.search(r"<script\b[^>]*>\s*[^<\s]", html) is None, path
        assert " style=" not in html and "<style" not in html, path
        assert re.search(r"\son[a-z]+=", html) is None, path  # onclick= and friends


@pytest.fixture
def csrf_client(make_client, app_config):
    """A browser's view of the app with CSRF protection on, as in production."""
    return make_client(app_config | {"WTF_CSRF_ENABLED": True})


def _csrf_token(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def test_html_forms_refuse_a_post_without_the_csrf_token(csrf_client):
    client = csrf_client
    user = factories.make_user("organizer")
    refused = client.post(
        "/login", data={"username": user.username, "password": factories.PASSWORD}
    )
    assert refused.status_code == 400
    assert "form expired" in refused.get_data(as_text=True)
    token = _csrf_token(client.get("/login").get_data(as_text=True))
    accepted = client.post(
        "/login",
        data={"username": user.username, "password": factories.PASSWORD, "csrf_token": token},
    )
    assert accepted.status_code == 302


def test_the_signed_in_browser_calls_the_api_only_with_its_csrf_token(csrf_client):
    client = csrf_client
    factories.make_event()
    user = factories.make_user("organizer")
    token = _csrf_token(client.get("/login").get_data(as_text=True))
    client.post(
        "/login",
        data={"username": user.username, "password": factories.PASSWORD, "csrf_token": token},
    )
    assert client.get("/api/v1/exhibitors").status_code == 200  # reads need no token
    body = {"name": "Tenun", "booth": "C7"}
    refused = client.post("/api/v1/exhibitors", json=body)
    assert refused.status_code == 403 and refused.get_json()["error"] == "csrf_failed"
    page = client.get("/exhibitors").get_data(as_text=True)
    meta = re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)
    accepted = client.post("/api/v1/exhibitors", json=body, headers={"X-CSRFToken": meta})
    assert accepted.status_code == 201


def test_bearer_token_calls_need_no_csrf_token(csrf_client):
    client = csrf_client
    factories.make_event()
    headers = factories.auth_headers(client, factories.make_user("organizer"))
    response = client.post("/api/v1/exhibitors", json={"name": "A", "booth": "A1"}, headers=headers)
    assert response.status_code == 201


def test_a_nul_character_in_any_input_is_a_clear_400_on_every_database(client, db):
    booth = factories.Booth(factories.make_event(), "N1")
    api = factories.auth_headers(client, booth.manager)
    refused = [
        client.get("/api/v1/exhibitors?q=\x00", headers=api),
        client.get("/api/v1/products?q=a%00b", headers=api),
        client.post(
            "/api/v1/products",
            data=b'{"exhibitor_id": 1, "sku": "N-1", "name": "Tas\\u0000", "category": "craft",'
            b' "price": 1000, "stock": 1}',
            content_type="application/json",
            headers=api,
        ),
        client.post("/login", data={"username": "a\x00", "password": "x"}),
    ]
    for response in refused:
        assert response.status_code == 400, response.get_data(as_text=True)
    assert refused[0].get_json()["error"] == "nul_character"

    # An escaped backslash followed by "u0000" is plain text, not a NUL.
    kept = client.post(
        "/api/v1/products",
        json={
            "exhibitor_id": booth.exhibitor.id,
            "sku": "N-2",
            "name": "Tas \\u0000",
            "category": "craft",
            "price": 1000,
            "stock": 1,
        },
        headers=api,
    )
    assert kept.status_code == 201, kept.get_json()


def test_a_multipart_part_without_a_name_is_read_as_any_other_upload(client, db):
    """A form part with no name (werkzeug gives it the name None) once made the NUL
    check fail with a 500; the file beside it is read as usual."""
    booth = factories.Booth(factories.make_event(), "N2")
    body = (
        b"--X\r\nContent-Disposition: form-data\r\n\r\nstray\r\n"
        b'--X\r\nContent-Disposition: form-data; name="file"; filename="k.csv"\r\n\r\n'
        b"sku,name,category,price,stock\r\nK-1,Keben,craft,125000,2\r\n--X--\r\n"
    )
    response = client.post(
        f"/api/v1/products/import?exhibitor_id={booth.exhibitor.id}",
        data=body,
        content_type="multipart/form-data; boundary=X",
        headers=factories.auth_headers(client, booth.manager),
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json() == {"created": 1, "updated": 0, "errors": []}
