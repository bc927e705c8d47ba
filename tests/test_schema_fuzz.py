"""The API against its own OpenAPI document (schemathesis): requests generated from the
document, sent through the WSGI app as an organizer, never get a server error, never a
status the document does not list, and every answer has the documented shape.

A short deterministic run (derandomized, a bounded number of examples per operation),
so that it runs in CI with the rest of the suite, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from pos import create_app
from pos.api import openapi_document
from tests import factories
from tests.conftest import base_config

# Examples per operation: about two minutes for the whole document on SQLite. A deeper
# run: POS_FUZZ_EXAMPLES=200 pytest tests/test_schema_fuzz.py
EXAMPLES = int(os.environ.get("POS_FUZZ_EXAMPLES", "20"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def _operations() -> list[str]:
    """Every operation of the document, as "METHOD /path" (read from the URL map, which
    needs no database)."""
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(base_config(Path(folder), "sqlite://"))
        paths = openapi_document(app)["paths"]
    return [f"{method.upper()} {path}" for path, items in paths.items() for method in items]


OPERATIONS = _operations()
# Refusals of a request's shape: a request the document says is valid never gets one.
SHAPE_ERRORS = {
    "validation_error",
    "malformed_json",
    "unsupported_media_type",
    "file_missing",
    "nul_character",
    "idempotency_key_missing",
    "idempotency_key_invalid",
}


@pytest.fixture
def world(app, client):
    """An event with a booth and its products, and an organizer."""
    event = factories.make_event()
    booth = factories.Booth(event, "A1")
    organizer = factories.make_user("organizer")
    return {"organizer": organizer, "booth": booth, "event": event}


@pytest.mark.parametrize("label", OPERATIONS)
def test_the_api_keeps_its_document(app, client, world, label):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operation = schema.find_operation_by_label(label)
    headers = factories.auth_headers(client, world["organizer"])

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        if label == "POST /api/v1/auth/logout":  # it ends the token it is sent with
            sent = factories.auth_headers(client, world["organizer"])
        else:
            sent = headers
        # Uncompressed: the WSGI transport would hand the checks zstd or gzip bytes of a
        # long answer (Flask-Compress has its own tests).
        sent = sent | {"Accept-Encoding": "identity"}
        response = case.call_and_validate(headers=sent, checks=CHECKS)
        if 400 <= response.status_code < 500:
            error = response.json()["error"]
            assert error not in SHAPE_ERRORS, (case.as_curl_command(), response.text)

    run()


def test_the_run_covers_every_operation_of_the_document():
    assert len(OPERATIONS) >= 50
    assert {
        "POST /api/v1/sales",
        "POST /api/v1/products/import",
        "GET /api/v1/reports/event.xlsx",
    } <= set(OPERATIONS)
