"""No input makes the API fail with a server error: arbitrary JSON bodies and query
strings against every endpoint that takes them give a 2xx or a 4xx JSON error."""

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import factories

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=12,
)

FIELD_NAMES = [
    "exhibitor_id",
    "sku",
    "name",
    "category",
    "price",
    "stock",
    "attributes",
    "delta",
    "reason",
    "booth",
    "event_id",
    "tax_rate_percent",
    "tax_registered",
    "timezone",
    "currency",
    "starts_on",
    "username",
    "password",
    "role",
    "pin",
    "one_of_a_kind",
]
# Bodies shaped like the real ones, with values of any type.
bodies = st.dictionaries(st.sampled_from(FIELD_NAMES), json_values, max_size=8) | json_values

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def world(client, db):
    event = factories.make_event()
    booth = factories.Booth(event, "A1")
    organizer = factories.make_user("organizer")
    return {
        "organizer": factories.auth_headers(client, organizer),
        "manager": factories.auth_headers(client, booth.manager),
        "product": booth.product.id,
        "exhibitor": booth.exhibitor.id,
    }


def body_routes(app, product_id: int, exhibitor_id: int):
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = re.sub(
            r"<int:(\w+)>",
            lambda m: str(product_id if "product" in m[1] else exhibitor_id),
            rule.rule,
        )
        for method in rule.methods & {"POST", "PATCH", "PUT"}:
            yield method, path


@FUZZ
@given(body=bodies)
def test_no_json_body_makes_any_endpoint_fail(app, client, world, body):
    for method, path in body_routes(app, world["product"], world["exhibitor"]):
        if path.endswith("/logout"):
            continue  # it would end the session this test signs in with
        response = client.open(path, method=method, json=body, headers=world["organizer"])
        assert response.status_code < 500, (method, path, body, response.data[:300])
        if response.status_code >= 400:
            payload = response.get_json()
            assert payload["error"] and payload["message"]


@FUZZ
@given(
    params=st.dictionaries(
        st.sampled_from(["exhibitor_id", "q", "category", "include_inactive", "event_id"]),
        st.text(max_size=20),
        max_size=4,
    )
)
def test_no_query_string_makes_a_list_fail(client, world, params):
    for path in ("/api/v1/products", "/api/v1/exhibitors"):
        response = client.get(path, query_string=params, headers=world["manager"])
        assert response.status_code < 500, (path, params, response.data[:300])
