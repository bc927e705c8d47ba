"""Who may call what, for every route of the URL map.

The test walks ``app.url_map`` rather than a hand-made list, so a route added tomorrow
is checked too:

- without credentials every ``/api/v1`` call answers 401 JSON ``{"error", "message"}``
  and every page sends the browser to sign in (302 to ``/login?next=<the page>``),
  except the public routes listed below, each with the reason it is public: a new
  public route has to be added to that list on purpose;
- a user of another booth (its cashier, its manager) and an organizer of another event
  get 403 for every call and page about the booth's objects (none answers 404 today:
  the ids are not secret, the objects are), nothing of the booth changes, and what
  they may list in their own scope shows nothing of it.

Path parameters are filled with the ids of a seeded booth's real objects (a product, a
sale, its refund, its shift, its cashier), so the answer is the access answer and not a
404 for an id that does not exist. CSRF is off here as in the other tests; with it on,
an unauthenticated form post is refused earlier still (400).
"""

from __future__ import annotations

import io
import re
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from pos.organizer import service as organizer_service
from pos.tls import service as tls_service
from tests import factories, pages

# --- what is public, and why ----------------------------------------------------------

# (rule, method) of /api/v1 calls that answer without a token.
PUBLIC_API = {
    ("/api/v1/auth/login", "POST"): "sign-in itself: exchanges a password for a token",
    ("/api/v1/openapi.json", "GET"): "the API's own documentation (API.md: anyone)",
}
# The public catalogue's namespace (API.md, "Public catalogue"): no account by design,
# and it shows nothing but approved products. Everything under it is public on purpose.
PUBLIC_API_PREFIX = "/api/v1/public/"

# (rule, method) of pages that answer without a session.
PUBLIC_PAGES = {
    ("/", "GET"): "the front door: sends a visitor to /login, a user to their landing page",
    ("/login", "GET"): "the sign-in page",
    ("/login", "POST"): "the sign-in form's target",
    ("/logout", "POST"): "signing out is harmless without a session",
    ("/language", "POST"): "the language switch of the sign-in page",
    ("/healthz", "GET"): "API.md: anyone; the venue's monitor checks the app and database",
    ("/r/<token>", "GET"): "API.md: the buyer's receipt, no login, by an unguessable token",
    ("/r/<token>/receipt.pdf", "GET"): "the buyer's receipt as PDF, same token",
    ("/r/<token>/qr.svg", "GET"): "the buyer's link as a QR code, same token",
    ("/ca.crt", "GET"): "API.md: the venue CA that a tablet installs before it can sign in",
    ("/setup", "GET"): "the tablet set-up page that offers /ca.crt",
    ("/sw.js", "GET"): "the register's service worker: must load before a session exists",
    ("/manifest.webmanifest", "GET"): "the register's web-app manifest",
    ("/offline", "GET"): "the service worker's page for a tablet without the network",
    ("/static/<path:filename>", "GET"): "scripts, styles and images of every page",
}
# The public catalogue pages (API.md: /e/<slug>, /e/<slug>/<booth>).
PUBLIC_PAGE_PREFIX = "/e/"


def is_public(rule: str, method: str) -> bool:
    if rule.startswith("/api/v1/"):
        return (rule, method) in PUBLIC_API or rule.startswith(PUBLIC_API_PREFIX)
    return (rule, method) in PUBLIC_PAGES or rule.startswith(PUBLIC_PAGE_PREFIX)


# --- a booth with one of everything ---------------------------------------------------

# Every name of booth A holds this word: an outsider's answer that shows it leaks.
SECRET = "Rahasia"


@dataclass
class World:
    booth: factories.Booth
    event_id: int
    token: str  # the buyer's link of booth A's sale
    ids: dict[str, int] = field(default_factory=dict)


@pytest.fixture
def world(app, client, db) -> World:
    event = factories.make_event(name="Pameran Bersama")
    booth = factories.Booth(event, "A1", name=f"Sanggar {SECRET}")
    factories.make_user("cashier", booth.exhibitor, display_name=f"Kasir {SECRET}")
    booth.product = factories.make_product(
        booth.exhibitor, booth.manager, sku="A1-RHS", name=f"Kain {SECRET}", stock=5
    )
    headers = factories.auth_headers(client, booth.cashier)
    sale = client.post(
        "/api/v1/sales",
        json={
            "exhibitor_id": booth.exhibitor.id,
            "items": [{"product_id": booth.product.id, "quantity": 2}],
            "payments": [{"method": "cash", "amount": 1_000_000}],
        },
        headers=headers | {"Idempotency-Key": str(uuid.uuid4())},
    ).get_json()
    manager = factories.auth_headers(client, booth.manager)
    refund = client.post(
        f"/api/v1/sales/{sale['id']}/refunds",
        json={"lines": [{"product_id": booth.product.id, "quantity": 1}], "reason": "too big"},
        headers=manager,
    ).get_json()
    (shift,) = client.get(
        f"/api/v1/shifts?exhibitor_id={booth.exhibitor.id}", headers=manager
    ).get_json()["items"]
    factories.device_code(client, booth.cashier, booth.exhibitor.id)
    # The venue's certificate authority exists, as after `pos serve --tls`.
    tls_service.ensure_server_certificate(tls_service.folder(app), tls_service.wanted_names())
    return World(
        booth=booth,
        event_id=event.id,
        token=sale["public_receipt_url"].rsplit("/", 1)[1],
        ids={
            "product_id": booth.product.id,
            "sale_id": sale["id"],
            "refund_id": refund["id"],
            "shift_id": shift["id"],
            "exhibitor_id": booth.exhibitor.id,
            "event_id": event.id,
            "user_id": booth.cashier.id,
        },
    )


def _fill(rule: str, world: World) -> str:
    """The rule's path with booth A's objects in its parameters."""

    def value(match: re.Match) -> str:
        converter, name = match.group(1), match.group(2)
        if name in world.ids:
            return str(world.ids[name])
        if name == "token":
            return world.token
        if name == "slug":
            return world.booth.exhibitor.event.slug
        if name == "booth":
            return world.booth.exhibitor.booth
        if converter == "path:" and name == "filename":
            return "css/app.css"
        if name == "name":
            return "0123456789abcdef-thumb.jpg"  # a photo's name; the gate answers first
        raise AssertionError(f"no value for <{name}> in {rule}: add one to _fill")

    return re.sub(r"<(\w+:)?(\w+)>", value, rule)


def _routes(app):
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.rule, method


# --- without credentials --------------------------------------------------------------


def test_every_api_call_without_a_token_is_a_401_json_error(app, client, world):
    checked = []
    for rule, method in _routes(app):
        if not rule.startswith("/api/v1/") or is_public(rule, method):
            continue
        path = _fill(rule, world)
        response = client.open(path, method=method, json={})
        assert response.status_code == 401, (method, path, response.status_code)
        body = response.get_json()
        assert body["error"] == "unauthorized" and body["message"], (method, path, body)
        checked.append((method, rule))
    assert len(checked) >= 50  # the walk really walked


def test_every_page_without_a_session_leads_to_sign_in_and_back(app, client, world):
    checked = []
    for rule, method in _routes(app):
        if rule.startswith("/api/v1/") or is_public(rule, method):
            continue
        path = _fill(rule, world)
        response = client.open(path, method=method)
        assert response.status_code == 302, (method, path, response.status_code)
        location = urlsplit(response.location)
        assert location.path == "/login", (method, path, response.location)
        assert parse_qs(location.query)["next"] == [path], (method, path, response.location)
        checked.append((method, rule))
    assert len(checked) >= 30


# What each public route answers a stranger (the CA exists; the receipt token is real).
PUBLIC_ANSWERS = {
    ("/api/v1/auth/login", "POST"): 422,  # an empty body: a validation error, not a 401
    ("/api/v1/openapi.json", "GET"): 200,
    ("/", "GET"): (302, "/login"),
    ("/login", "GET"): 200,
    ("/login", "POST"): 200,  # the empty form again, with its errors
    ("/logout", "POST"): (302, "/login"),
    ("/language", "POST"): (302, "/"),  # back where the switch was, else the front door
    ("/healthz", "GET"): 200,
    ("/r/<token>", "GET"): 200,
    ("/r/<token>/receipt.pdf", "GET"): 200,
    ("/r/<token>/qr.svg", "GET"): 200,
    ("/ca.crt", "GET"): 200,
    ("/setup", "GET"): 200,
    ("/sw.js", "GET"): 200,
    ("/manifest.webmanifest", "GET"): 200,
    ("/offline", "GET"): 200,
    ("/static/<path:filename>", "GET"): 200,
}


def test_the_public_routes_answer_strangers_and_every_one_is_listed_with_its_reason(
    app, client, world
):
    routes = set(_routes(app))
    assert set(PUBLIC_API) | set(PUBLIC_PAGES) <= routes, "a listed public route is gone"
    assert set(PUBLIC_ANSWERS) == set(PUBLIC_API) | set(PUBLIC_PAGES)
    for (rule, method), answer in PUBLIC_ANSWERS.items():
        status, location = answer if isinstance(answer, tuple) else (answer, None)
        path = _fill(rule, world)
        json_body = {} if rule.startswith("/api/") else None
        response = client.open(path, method=method, json=json_body)
        assert (response.status_code, response.location) == (status, location), (method, path)


# --- users of another booth, organizers of another event -------------------------------

_PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
    b"\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


def _calls_about_the_booth(w: World) -> dict[tuple[str, str], dict[str, Any]]:
    """Each API call about a booth, as a well-formed request naming booth A's objects,
    so that nothing but the caller's rights can refuse it."""
    a = w.booth
    ex = {"exhibitor_id": a.exhibitor.id}
    event = {"event_id": w.event_id}
    product = {"sku": "NEW-1", "name": "Tas", "category": "craft", "price": 1000, "stock": 1}
    csv = b"sku,name,category,price,stock\nA1-RHS,Renamed,craft,1,1\n"
    return {
        ("/api/v1/exhibitors", "POST"): {"json": event | {"name": "Squatter", "booth": "Z9"}},
        ("/api/v1/exhibitors/<int:exhibitor_id>", "GET"): {},
        ("/api/v1/exhibitors/<int:exhibitor_id>", "PATCH"): {"json": {"name": "Taken over"}},
        ("/api/v1/users", "POST"): {
            "json": ex | {"username": "intruder", "password": "long-enough-pw", "role": "cashier"}
        },
        ("/api/v1/users/<int:user_id>/pin", "PUT"): {"json": {"pin": "1234"}},
        ("/api/v1/users/<int:user_id>/password", "PUT"): {"json": {"password": "taken-over-2026"}},
        ("/api/v1/users/<int:user_id>/unlock", "POST"): {},
        ("/api/v1/products", "GET"): {"query_string": ex},
        ("/api/v1/products", "POST"): {"json": ex | product},
        ("/api/v1/products/<int:product_id>", "GET"): {},
        ("/api/v1/products/<int:product_id>", "PATCH"): {"json": {"price": 1}},
        ("/api/v1/products/<int:product_id>/movements", "GET"): {},
        ("/api/v1/products/<int:product_id>/photo", "PUT"): {
            "data": {"file": (io.BytesIO(_PNG), "p.png")},
            "content_type": "multipart/form-data",
        },
        ("/api/v1/products/<int:product_id>/photo", "DELETE"): {},
        ("/api/v1/products/<int:product_id>/review", "POST"): {
            "json": {"decision": "reject", "note": "no"}
        },
        ("/api/v1/products/<int:product_id>/stock-adjustments", "POST"): {
            "json": {"delta": -1, "reason": "taken"}
        },
        ("/api/v1/products/export.csv", "GET"): {"query_string": ex},
        ("/api/v1/products/import", "POST"): {
            "query_string": ex,
            "data": {"file": (io.BytesIO(csv), "c.csv")},
            "content_type": "multipart/form-data",
        },
        ("/api/v1/products/labels.pdf", "GET"): {"query_string": ex},
        ("/api/v1/register/catalogue", "GET"): {"query_string": ex},
        ("/api/v1/sales", "GET"): {"query_string": ex},
        ("/api/v1/sales", "POST"): {
            "json": ex
            | {
                "items": [{"product_id": a.product.id, "quantity": 1}],
                "payments": [{"method": "cash", "amount": 1_000_000}],
            },
            "headers": {"Idempotency-Key": str(uuid.uuid4())},
        },
        ("/api/v1/sales/<int:sale_id>", "GET"): {},
        ("/api/v1/sales/<int:sale_id>/receipt.json", "GET"): {},
        ("/api/v1/sales/<int:sale_id>/receipt.pdf", "GET"): {},
        ("/api/v1/sales/<int:sale_id>/refunds", "POST"): {
            "json": {"lines": [{"product_id": a.product.id, "quantity": 1}], "reason": "x"}
        },
        ("/api/v1/sales/<int:sale_id>/void", "POST"): {"json": {"reason": "x"}},
        ("/api/v1/sales/import", "POST"): {"json": ex | {"sales": []}},
        ("/api/v1/sales/discards", "POST"): {"json": ex | {"number": "A1-T1-0001", "reason": "x"}},
        ("/api/v1/refunds/<int:refund_id>/receipt.pdf", "GET"): {},
        ("/api/v1/shifts", "GET"): {"query_string": ex},
        ("/api/v1/shifts", "POST"): {"json": ex | {"register": "second"}},
        ("/api/v1/shifts/<int:shift_id>/close", "POST"): {"json": {"counted_cash": 0}},
        ("/api/v1/devices", "POST"): {"json": ex},
        ("/api/v1/reports/daily", "GET"): {"query_string": ex},
        ("/api/v1/reports/daily.csv", "GET"): {"query_string": ex},
        ("/api/v1/reports/daily.pdf", "GET"): {"query_string": ex},
        ("/api/v1/reports/day-close", "GET"): {"query_string": ex},
        ("/api/v1/reports/day-close.pdf", "GET"): {"query_string": ex},
        ("/api/v1/reports/settlement", "GET"): {"query_string": ex},
        ("/api/v1/reports/settlement.pdf", "GET"): {"query_string": ex},
        ("/api/v1/reports/event", "GET"): {"query_string": event},
        ("/api/v1/reports/event.csv", "GET"): {"query_string": event},
        ("/api/v1/reports/event.pdf", "GET"): {"query_string": event},
        ("/api/v1/reports/event.xlsx", "GET"): {"query_string": event},
        ("/api/v1/audit", "GET"): {"query_string": ex},
        ("/api/v1/audit.csv", "GET"): {"query_string": ex},
    }


# API calls that name no booth's object: each answers about the caller's own scope.
NOT_ABOUT_A_BOOTH = {
    ("/api/v1/auth/login", "POST"): "public",
    ("/api/v1/openapi.json", "GET"): "public",
    ("/api/v1/auth/logout", "POST"): "ends the caller's own token",
    ("/api/v1/auth/me", "GET"): "the caller",
    ("/api/v1/auth/csrf", "GET"): "a CSRF token for the caller's own session",
    ("/api/v1/products/template.csv", "GET"): "an empty spreadsheet, the same for everyone",
    ("/api/v1/products/template.xlsx", "GET"): "an empty spreadsheet, the same for everyone",
    ("/api/v1/events", "POST"): "a new event (organizers); names no existing object",
    # Lists in the caller's scope: test_lists_... reads them for booth A's names.
    ("/api/v1/events", "GET"): "list",
    ("/api/v1/exhibitors", "GET"): "list",
    ("/api/v1/users", "GET"): "list",
}
OUTSIDERS = ["cashier of another booth", "manager of another booth", "organizer of another event"]


@pytest.fixture
def outsider(request, world, db):
    """Someone with no business at booth A. Booth A's event is the current one, so an
    organizer of another event gets no help from the default."""
    other_event = factories.make_event(name="Pameran Lain")
    organizer_service.set_current_event(None, world.booth.exhibitor.event)
    b = factories.Booth(world.booth.exhibitor.event, "B2", name="Sanggar Lain")
    foreign_organizer = factories.make_user("organizer")
    foreign_organizer.event_id = other_event.id
    db.session.commit()
    return {
        "cashier of another booth": b.cashier,
        "manager of another booth": b.manager,
        "organizer of another event": foreign_organizer,
    }[request.param]


def _booth_state(client, world: World) -> dict:
    """Everything of booth A that a refused call could have changed, as its manager reads it."""
    headers = factories.auth_headers(client, world.booth.manager)
    ex = world.booth.exhibitor.id

    def read(path: str) -> Any:
        response = client.get(path, headers=headers)
        assert response.status_code == 200, path
        return response.get_json()

    product = world.booth.product.id
    return {
        "exhibitor": read(f"/api/v1/exhibitors/{ex}"),
        "products": read(f"/api/v1/products?exhibitor_id={ex}&include_inactive=1"),
        "movements": read(f"/api/v1/products/{product}/movements"),
        "sales": read(f"/api/v1/sales?exhibitor_id={ex}"),
        "shifts": read(f"/api/v1/shifts?exhibitor_id={ex}"),
        "users": sorted((u["username"], u["active"]) for u in read("/api/v1/users")["items"]),
        "daily": read(f"/api/v1/reports/daily?exhibitor_id={ex}"),
    }


@pytest.mark.parametrize("outsider", OUTSIDERS, indirect=True)
def test_every_api_call_about_a_booth_is_refused_to_outsiders_and_changes_nothing(
    app, client, world, outsider
):
    calls = _calls_about_the_booth(world)
    unclassified = {
        (rule, method)
        for rule, method in _routes(app)
        if rule.startswith("/api/v1/")
        and (rule, method) not in calls
        and (rule, method) not in NOT_ABOUT_A_BOOTH
        and not rule.startswith(PUBLIC_API_PREFIX)
    }
    assert not unclassified, f"say whether these calls are about a booth: {unclassified}"
    before = _booth_state(client, world)
    headers = factories.auth_headers(client, outsider)
    for (rule, method), request in calls.items():
        path = _fill(rule, world)
        kwargs = dict(request, headers=headers | request.get("headers", {}))
        response = client.open(path, method=method, **kwargs)
        assert response.status_code == 403, (method, path, response.get_data(as_text=True))
        body = response.get_json()
        assert body["error"] == "forbidden" and body["message"], (method, path, body)
        assert SECRET not in response.get_data(as_text=True), (method, path)
    assert _booth_state(client, world) == before


# What each outsider gets from the calls that answer in the caller's own scope when no
# booth or event is named: their own things (200), a refusal of the role (403), or a
# request to name the booth (422, an organizer belongs to none). Never booth A's.
_OWN_SCOPE = {
    # path: (cashier of another booth, manager of another booth, organizer of another event)
    "/api/v1/events": (403, 403, 200),
    "/api/v1/exhibitors": (200, 200, 200),
    "/api/v1/users": (403, 200, 200),
    "/api/v1/products": (200, 200, 200),
    "/api/v1/sales": (200, 200, 200),
    "/api/v1/shifts": (200, 200, 422),
    "/api/v1/register/catalogue": (200, 200, 422),
    "/api/v1/products/export.csv": (403, 200, 422),
    "/api/v1/products/labels.pdf": (403, 200, 422),
    "/api/v1/reports/daily": (403, 200, 422),
    "/api/v1/reports/daily.csv": (403, 200, 422),
    "/api/v1/reports/daily.pdf": (403, 200, 422),
    "/api/v1/reports/day-close": (403, 200, 422),
    "/api/v1/reports/day-close.pdf": (403, 200, 422),
    "/api/v1/reports/settlement": (403, 200, 422),
    "/api/v1/reports/settlement.pdf": (403, 200, 422),
    # Booth A's event is the current one; an organizer of another event gets their own.
    "/api/v1/reports/event": (403, 403, 200),
    "/api/v1/reports/event.csv": (403, 403, 200),
    "/api/v1/reports/event.pdf": (403, 403, 200),
    "/api/v1/reports/event.xlsx": (403, 403, 200),
}


@pytest.mark.parametrize("outsider", OUTSIDERS, indirect=True)
def test_what_outsiders_read_in_their_own_scope_shows_nothing_of_the_booth(
    app, client, world, outsider, request
):
    column = OUTSIDERS.index(request.node.callspec.params["outsider"])
    headers = factories.auth_headers(client, outsider)
    for path, statuses in _OWN_SCOPE.items():
        response = client.get(path, headers=headers)
        assert response.status_code == statuses[column], (path, response.data[:300])
        if response.mimetype in ("application/json", "text/csv"):
            assert SECRET not in response.get_data(as_text=True), path


# Pages about booth A (its id in the path, or ?exhibitor_id=): refused to outsiders.
# The other pages answer in the caller's own scope, with these statuses.
_OWN_PAGES = {
    # (rule, method): (cashier of another booth, manager of another booth, organizer of
    # another event); POSTs carry no form, so a form page shows itself again.
    ("/switch", "GET"): (200, 200, 200),
    ("/switch", "POST"): (200, 200, 200),
    ("/users", "GET"): (403, 200, 200),
    ("/users/new", "GET"): (403, 200, 200),
    ("/users/new", "POST"): (403, 200, 200),
    ("/events", "GET"): (403, 403, 200),
    ("/events/new", "GET"): (403, 403, 200),
    ("/events/new", "POST"): (403, 403, 200),
    ("/exhibitors", "GET"): (403, 403, 200),
    ("/exhibitors/new", "GET"): (403, 403, 200),
    ("/exhibitors/new", "POST"): (403, 403, 200),
    ("/dashboard", "GET"): (403, 403, 200),
    ("/audit", "GET"): (403, 200, 200),  # a manager's own booth, an organizer's own event
    ("/photos/<name>", "GET"): (404, 404, 404),  # no such photo: names are content hashes
}


@pytest.mark.parametrize("outsider", OUTSIDERS, indirect=True)
def test_every_page_about_a_booth_is_refused_to_outsiders(app, client, world, outsider, request):
    column = OUTSIDERS.index(request.node.callspec.params["outsider"])
    pages.sign_in(client, outsider)
    before = _booth_state(client, world)
    refused = 0
    for rule, method in _routes(app):
        if rule.startswith("/api/v1/") or is_public(rule, method):
            continue
        path = _fill(rule, world)
        response = client.open(
            path, method=method, query_string={"exhibitor_id": world.booth.exhibitor.id}
        )
        expected = _OWN_PAGES.get((rule, method), (403, 403, 403))[column]
        assert response.status_code == expected, (method, path, response.status_code)
        assert SECRET not in response.get_data(as_text=True), (method, path)
        refused += expected == 403
    assert refused >= 30
    assert _booth_state(client, world) == before


def test_an_organizer_of_another_event_works_in_their_own_event_not_the_current_one(
    client, world, db
):
    """Booth A's event is the current one; an organizer tied to another event sees and
    adds to their own, and never reads the current event's name or figures."""
    theirs = factories.make_event(name="Pameran Lain")
    organizer_service.set_current_event(None, world.booth.exhibitor.event)
    organizer = factories.make_user("organizer")
    organizer.event_id = theirs.id
    db.session.commit()
    pages.sign_in(client, organizer)
    for path in ("/dashboard", "/exhibitors", "/exhibitors/new", "/events"):
        html = pages.text(client.get(path))
        assert "Pameran Lain" in html and "Pameran Bersama" not in html, path
    headers = factories.auth_headers(client, organizer)
    report = client.get("/api/v1/reports/event", headers=headers)
    assert report.status_code == 200 and report.get_json()["event_id"] == theirs.id
    rows = client.get("/api/v1/reports/event.csv", headers=headers)
    assert rows.status_code == 200
    assert rows.get_data(as_text=True).splitlines()[1:] == []  # their event has no sales
    added = client.post(
        "/api/v1/exhibitors", json={"name": "Tenun", "booth": "C3"}, headers=headers
    )
    assert added.status_code == 201 and added.get_json()["event_id"] == theirs.id
