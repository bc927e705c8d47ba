"""The /api/v1 frame: JSON errors for every kind of bad request, and the OpenAPI document."""

import json
import re

import pytest

from tests import factories


@pytest.fixture
def organizer_headers(client):
    return factories.auth_headers(client, factories.make_user("organizer"))


def test_openapi_document_describes_every_api_route_with_its_schemas(client, app):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    api_rules = {
        (rule.rule.replace("<int:", "<"), method)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/") and rule.endpoint != "api.openapi_json"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    documented = {
        (path.replace("{", "<").replace("}", ">"), method.upper())
        for path, operations in doc["paths"].items()
        for method in operations
    }
    assert api_rules == documented
    create = doc["paths"]["/api/v1/products"]["post"]
    ref = create["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    schema = doc["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert {"exhibitor_id", "sku", "name", "category", "price"} <= set(schema["required"])
    assert schema["properties"]["price"]["type"] == "integer"
    assert "401" in create["responses"] and "422" in create["responses"]
    # Ids in a path are integers; a public catalogue's slug is text.
    product = doc["paths"]["/api/v1/products/{product_id}"]["get"]["parameters"][0]
    assert product["schema"]["type"] == "integer"
    search = doc["paths"]["/api/v1/public/events/{slug}/products"]["get"]["parameters"][0]
    assert (search["name"], search["schema"]["type"]) == ("slug", "string")


def test_openapi_request_schemas_are_the_ones_that_validate(client, organizer_headers):
    """A field the document marks as required is refused when missing."""
    doc = client.get("/api/v1/openapi.json").get_json()
    required = doc["components"]["schemas"]["ExhibitorIn"]["required"]
    assert set(required) == {"name", "booth"}
    response = client.post(
        "/api/v1/exhibitors", json={"name": "No booth"}, headers=organizer_headers
    )
    assert response.status_code == 422
    assert response.get_json()["fields"][0]["field"] == "booth"


def test_malformed_json_is_a_400_json_error(client, organizer_headers):
    response = client.post(
        "/api/v1/exhibitors",
        data='{"name": "x", "booth": ',
        content_type="application/json",
        headers=organizer_headers,
    )
    assert response.status_code == 400
    assert response.get_json()["error"] == "malformed_json"


def test_deeply_nested_json_is_refused_without_a_server_error(client, organizer_headers):
    body = "[" * 5000 + "]" * 5000
    response = client.post(
        "/api/v1/exhibitors", data=body, content_type="application/json", headers=organizer_headers
    )
    assert response.status_code == 400
    assert response.get_json()["error"] == "malformed_json"


def test_a_body_that_is_not_json_is_a_415(client, organizer_headers):
    response = client.post(
        "/api/v1/exhibitors", data={"name": "x", "booth": "B1"}, headers=organizer_headers
    )
    assert response.status_code == 415
    assert response.get_json()["error"] == "unsupported_media_type"


def test_an_oversized_body_is_a_413(client, organizer_headers):
    body = json.dumps({"name": "x" * 300_000, "booth": "B1"})
    response = client.post(
        "/api/v1/exhibitors", data=body, content_type="application/json", headers=organizer_headers
    )
    assert response.status_code == 413
    assert response.get_json()["error"] == "payload_too_large"


@pytest.mark.parametrize("body", ["null", "[]", '"text"', "42", "{}"])
def test_json_that_is_not_the_expected_object_is_a_422(client, organizer_headers, body):
    response = client.post(
        "/api/v1/exhibitors", data=body, content_type="application/json", headers=organizer_headers
    )
    assert response.status_code == 422
    payload = response.get_json()
    assert payload["error"] == "validation_error" and payload["message"]


def test_unknown_api_route_and_wrong_method_answer_in_json(client):
    missing = client.get("/api/v1/no-such-thing")
    assert missing.status_code == 404 and missing.get_json()["error"] == "not_found"
    wrong = client.delete("/api/v1/auth/login")
    assert wrong.status_code == 405 and wrong.get_json()["error"] == "method_not_allowed"


def test_every_error_answer_has_a_code_and_a_message(client):
    response = client.get("/api/v1/exhibitors")
    assert response.status_code == 401
    assert set(response.get_json()) >= {"error", "message"}


# --- integers beyond what the database holds ---------------------------------------------

# Ids are INTEGER columns, PostgreSQL's int4 ending at 2**31 - 1; SQLite's driver cannot
# take 2**63; Python will not read a number of more than 4300 digits.
BEYOND = [str(2**31), str(2**63), str(2**64), "9" * 5000]


def _int_path_rules(app, api: bool):
    for rule in app.url_map.iter_rules():
        if "<int:" in rule.rule and rule.rule.startswith("/api/") == api:
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield rule, method


@pytest.mark.parametrize("big", BEYOND)
def test_every_api_route_answers_404_for_an_id_beyond_the_database(
    app, client, organizer_headers, big
):
    answers = {}
    for rule, method in _int_path_rules(app, api=True):
        path = re.sub(r"<int:\w+>", big, rule.rule)
        body = {"json": {}} if method in ("POST", "PATCH", "PUT") else {}
        response = client.open(path, method=method, headers=organizer_headers, **body)
        answers[f"{method} {rule.rule}"] = (response.status_code, response.get_json()["error"])
    assert len(answers) >= 15
    assert answers == dict.fromkeys(answers, (404, "not_found"))


@pytest.mark.parametrize("big", BEYOND)
def test_every_page_answers_404_for_an_id_beyond_the_database(app, client, big):
    from tests.pages import sign_in

    sign_in(client, factories.make_user("organizer"))
    answers = {}
    for rule, method in _int_path_rules(app, api=False):
        path = re.sub(r"<int:\w+>", big, rule.rule)
        answers[f"{method} {rule.rule}"] = client.open(path, method=method).status_code
    assert len(answers) >= 15
    assert answers == dict.fromkeys(answers, 404)


def test_an_id_beyond_the_database_in_a_query_is_a_422_naming_it(client, organizer_headers):
    doc = client.get("/api/v1/openapi.json").get_json()
    answers = {}
    for path, operations in doc["paths"].items():
        if "{" in path:
            continue
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if parameter["in"] != "query" or parameter["name"] not in (
                    "exhibitor_id",
                    "event_id",
                ):
                    continue
                for big in BEYOND:
                    response = client.open(
                        path,
                        method=method.upper(),
                        query_string={parameter["name"]: big},
                        headers=organizer_headers,
                        data=b"",
                    )
                    body = response.get_json()
                    field = body.get("fields", [{}])[0].get("field")
                    answers[(method, path, parameter["name"], big)] = (response.status_code, field)
    assert len(answers) >= 3 * 15
    assert answers == {key: (422, key[2]) for key in answers}


def _integers(node, where=""):
    """Every integer schema of the document, with where it is."""
    if isinstance(node, dict):
        if node.get("type") == "integer" or "integer" in (node.get("type") or []):
            yield where, node
        for key, value in node.items():
            yield from _integers(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _integers(value, f"{where}/{index}")


def test_every_integer_a_client_sends_is_bounded_in_the_document(client):
    """Ids, money, counts: the document gives the range the app takes, so no number
    beyond what the database holds is a valid request."""
    from pos.db import MAX_ID

    doc = client.get("/api/v1/openapi.json").get_json()
    inputs = {
        name
        for name, schema in doc["components"]["schemas"].items()
        if name.endswith(("In", "Patch")) or name in ("SaleItemIn", "WaitingSalesIn")
    }
    found = [
        (where, schema)
        for name in inputs
        for where, schema in _integers(doc["components"]["schemas"][name], name)
    ]
    found += [
        (f"{method} {path} {p['name']}", p["schema"])
        for path, operations in doc["paths"].items()
        for method, operation in operations.items()
        for p in operation.get("parameters", [])
        for _where, schema in _integers(p["schema"])
    ]
    assert len(found) > 40
    unbounded = [w for w, s in found if "minimum" not in s or "maximum" not in s]
    assert unbounded == []
    assert all(s["maximum"] <= MAX_ID for w, s in found if w.endswith("_id"))


def test_an_integer_written_with_a_zero_fraction_is_that_integer(client):
    """JSON has one number type and the document's "integer" is any number without a
    fraction (the schema fuzz run sent 4969.0): 5.0 counts 5; 5.5 and "5" stay refused."""
    booth = factories.Booth(factories.make_event(), "W1")
    headers = factories.auth_headers(client, booth.manager)
    url = f"/api/v1/products/{booth.product.id}/stock-adjustments"
    taken = client.post(url, json={"delta": 5.0, "reason": "Recount"}, headers=headers)
    assert taken.status_code == 201, taken.get_json()
    assert (taken.get_json()["delta"], taken.get_json()["stock_after"]) == (5, 10)
    for delta in (5.5, "5"):
        refused = client.post(url, json={"delta": delta, "reason": "Recount"}, headers=headers)
        assert (refused.status_code, refused.get_json()["fields"][0]["field"]) == (422, "delta")
