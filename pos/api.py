"""The /api/v1 tree: bearer authentication, JSON bodies validated by pydantic schemas,
JSON errors, and the OpenAPI document generated from those same schemas.

Each JSON view is declared with :func:`endpoint`, which parses and validates the
request into the schema objects the view receives, and records the schemas on the
view so :func:`openapi_document` can describe every route from the URL map.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

import pydantic
from flask import Blueprint, Flask, current_app, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import validate_csrf
from pydantic import BaseModel, ConfigDict
from werkzeug.routing.converters import NumberConverter
from wtforms.validators import ValidationError

from pos.auth import service as auth_service
from pos.db import MAX_ID, set_write_intent
from pos.errors import (
    BadRequest,
    Forbidden,
    Invalid,
    PayloadTooLarge,
    PosError,
    Unauthorized,
    UnsupportedMediaType,
)


class ErrorOut(BaseModel):
    """Every 4xx answer of the API."""

    model_config = ConfigDict(extra="allow")
    error: str
    message: str


class InputSchema(BaseModel):
    """Base of request bodies: strict types (no "100" for 100, no 1.5 for a quantity)."""

    model_config = ConfigDict(strict=True, extra="ignore", str_strip_whitespace=True)


class QuerySchema(BaseModel):
    """Base of query strings, whose values always arrive as text."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


@dataclass
class EndpointSpec:
    summary: str
    tag: str
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    status: int = 200
    auth: bool = True
    content_type: str = "application/json"
    errors: tuple[int, ...] = ()
    # Answers carry an ETag; the same version sent back as If-None-Match gives 304.
    conditional: bool = False
    # The view reads first without SQLite's write lock and takes it itself
    # (db.write_phase) once it knows what to write.
    deferred_write: bool = False
    # Request headers the view reads: name -> {"required", "schema", "description"}.
    headers: dict[str, dict[str, Any]] = field(default_factory=dict)
    # The multipart/form-data field that carries an uploaded file, for views that take one.
    upload: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def endpoint(
    blueprint: Blueprint, rule: str, method: str, *, summary: str, **spec: Any
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare a JSON view: route, authentication, body and query parsing, docs."""
    meta = EndpointSpec(summary=summary, tag=blueprint.name, **spec)

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(**kwargs: Any) -> Any:
            if meta.deferred_write:
                set_write_intent(False)
            if meta.auth:
                kwargs["user"] = authenticated_user()
            if meta.body is not None:
                kwargs["body"] = parse_body(meta.body)
            if meta.query is not None:
                kwargs["query"] = parse_query(meta.query)
            return view(**kwargs)

        wrapper.api_spec = meta  # type: ignore[attr-defined]
        blueprint.add_url_rule(rule, view_func=wrapper, methods=[method])
        return wrapper

    return decorator


# --- authentication -------------------------------------------------------------------


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def authenticated_user():
    """The user behind this request: a bearer token, or the signed-in browser session
    (the register page) with its CSRF token on anything that writes.

    Raises Unauthorized without valid credentials.
    """
    if request.headers.get("Authorization"):
        token = bearer_token()
        user = auth_service.user_for_token(token) if token else None
        if user is None:
            raise Unauthorized(_("The access token is missing, expired or revoked."))
    elif current_user.is_authenticated:
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            try:
                validate_csrf(request.headers.get("X-CSRFToken"))
            except ValidationError as exc:
                raise Forbidden(
                    _("The page's security token is missing or expired. Reload the page."),
                    code="csrf_failed",
                ) from exc
        user = current_user._get_current_object()
    else:
        raise Unauthorized(_("Sign in first: send 'Authorization: Bearer <token>'."))
    return user


def exhibitor_in_question(user, exhibitor_id: int | None) -> int:
    """The exhibitor a call is about: the one named, else the user's own booth.

    Raises Invalid for an organizer who named none.
    """
    chosen = exhibitor_id or user.exhibitor_id
    if chosen is None:
        raise Invalid(_("Name the exhibitor."), field="exhibitor_id")
    return chosen


# --- request parsing ------------------------------------------------------------------


def parse_body(schema: type[BaseModel]) -> Any:
    """Validate the JSON body against ``schema``.

    Raises PosError: 415 when it is not JSON, 413 when too large, 400 when malformed,
    422 when it does not fit the schema.
    """
    if not request.is_json:
        raise UnsupportedMediaType(_("Send the body as JSON (Content-Type: application/json)."))
    limit = current_app.config["MAX_JSON_BYTES"]
    if (request.content_length or 0) > limit or len(raw := request.get_data()) > limit:
        raise PayloadTooLarge(_("The request body is too large."))
    try:
        return schema.model_validate_json(raw or b"null")
    except pydantic.ValidationError as exc:
        raise validation_error(exc) from None


def parse_query(schema: type[BaseModel]) -> Any:
    data = {key: request.args.get(key) for key in request.args}
    try:
        return schema.model_validate(data)
    except pydantic.ValidationError as exc:
        raise validation_error(exc, where="query") from None


def validation_error(exc: pydantic.ValidationError, where: str = "body") -> PosError:
    errors = exc.errors(include_url=False, include_context=False, include_input=False)
    if any(e["type"] in ("json_invalid", "json_type") for e in errors):
        return BadRequest(_("The body is not valid JSON."), code="malformed_json")
    fields = [
        {"field": ".".join(str(part) for part in e["loc"]) or where, "message": e["msg"]}
        for e in errors
    ]
    first = fields[0]
    message = _("Invalid %(field)s: %(message)s", field=first["field"], message=first["message"])
    return Invalid(message, code="validation_error", fields=fields)


# --- OpenAPI --------------------------------------------------------------------------

_CONVERTER = re.compile(r"<(?:[a-z_]+:)?([a-zA-Z_][a-zA-Z0-9_]*)>")

_STATUS_TEXT = {
    400: "Malformed request (a NUL character, a missing file or header)",
    401: "Missing or invalid token",
    403: "Outside the user's rights",
    404: "Not found",
    409: "Conflict with the current state",
    413: "Body too large",
    415: "Body is not JSON",
    410: "No longer available",
    422: "Invalid input",
    429: "Too many attempts",
}
# What the app refuses in any text before it reads it (pos/security.py).
NO_NUL = "^[^\\u0000]*$"
# A text path parameter: one segment of the path (no slash), no NUL.
TEXT_PARAMETER_SCHEMA = {"type": "string", "minLength": 1, "pattern": "^[^/\\u0000]+$"}


def openapi_document(app: Flask) -> dict[str, Any]:
    """OpenAPI 3.1 from the URL map and the schemas each endpoint validates with."""
    routes: list[tuple[str, str, EndpointSpec]] = []
    models: set[type[BaseModel]] = {ErrorOut}
    # Path parameters that are text (a public catalogue's slug), not ids.
    text_parameters: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        view = app.view_functions.get(rule.endpoint)
        spec: EndpointSpec | None = getattr(view, "api_spec", None)
        if spec is None:
            continue
        path = _CONVERTER.sub(r"{\1}", rule.rule)
        text_parameters[path] = {
            name
            for name, converter in rule._converters.items()
            if not isinstance(converter, NumberConverter)
        }
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            routes.append((path, method.lower(), spec))
        models.update(m for m in (spec.body, spec.response) if m is not None)

    ordered = sorted(models, key=lambda m: m.__name__)
    _, top = pydantic.json_schema.models_json_schema(
        [(m, "validation") for m in ordered], ref_template="#/components/schemas/{model}"
    )
    schemas = top.get("$defs", {})

    paths: dict[str, dict[str, Any]] = {}
    for path, method, spec in sorted(routes, key=lambda r: (r[0], r[1])):
        operation: dict[str, Any] = {"summary": spec.summary, "tags": [spec.tag]}
        path_names = _CONVERTER.findall(path.replace("{", "<").replace("}", ">"))
        parameters = [
            {
                "name": name,
                "in": "path",
                "required": True,
                "schema": dict(TEXT_PARAMETER_SCHEMA)
                if name in text_parameters.get(path, ())
                else dict(ID_SCHEMA),
            }
            for name in path_names
        ]
        if spec.query is not None:
            query_schema = spec.query.model_json_schema()
            required = set(query_schema.get("required", []))
            for name, prop in query_schema.get("properties", {}).items():
                parameters.append(
                    {
                        "name": name,
                        "in": "query",
                        "required": name in required,
                        "schema": _query_value(prop),
                    }
                )
        for name, header in spec.headers.items():
            parameters.append({"name": name, "in": "header", **header})
        if spec.conditional:
            parameters.append(
                {
                    "name": "If-None-Match",
                    "in": "header",
                    "required": False,
                    "schema": {"type": "string"},
                    "description": "The ETag of an earlier answer",
                }
            )
        if parameters:
            operation["parameters"] = parameters
        if spec.body is not None:
            operation["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": _ref(spec.body)}},
            }
        elif spec.upload is not None:
            operation["requestBody"] = {
                "required": True,
                "content": {
                    "multipart/form-data": {
                        "schema": {
                            "type": "object",
                            "required": [spec.upload],
                            "properties": {spec.upload: {"type": "string", "format": "binary"}},
                        }
                    }
                },
            }
        responses: dict[str, Any] = {}
        if spec.response is not None:
            responses[str(spec.status)] = {
                "description": "OK",
                "content": {spec.content_type: {"schema": _ref(spec.response)}},
            }
        elif spec.status == 204:
            responses["204"] = {"description": "No content"}
        else:
            responses[str(spec.status)] = {
                "description": "OK",
                "content": {spec.content_type: {}},
            }
        if spec.conditional:
            responses[str(spec.status)]["headers"] = {
                "ETag": {"schema": {"type": "string"}, "description": "This answer's version"}
            }
            responses["304"] = {"description": "Not modified: the If-None-Match version is current"}
        error_statuses = set(spec.errors)
        if spec.auth:
            error_statuses |= {401, 403}
        if path_names:
            error_statuses.add(404)
        if spec.body is not None:
            error_statuses |= {400, 413, 415, 422}
        if spec.upload is not None:
            error_statuses |= {400, 413, 422}
        if spec.query is not None:
            error_statuses |= {400, 422}
        if spec.headers:
            error_statuses.add(400)
        for status in sorted(error_statuses):
            responses[str(status)] = {
                "description": _STATUS_TEXT.get(status, "Error"),
                "content": {"application/json": {"schema": _ref(ErrorOut)}},
            }
        operation["responses"] = responses
        if spec.auth:
            operation["security"] = [{"bearer": []}]
        operation["operationId"] = f"{method}_{path}".replace("/", "_").strip("_")
        paths.setdefault(path, {})[method] = operation

    document = {
        "openapi": "3.1.0",
        "info": {"title": "Pameran POS API", "version": "1"},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
    _refuse_nul(document)
    schemas["AnyJson"] = ANY_JSON
    return document


ID_SCHEMA = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
# Any JSON value without a NUL character, in what the app ignores as in what it reads.
ANY_JSON = {
    "description": "Any JSON value without a NUL character",
    "anyOf": [
        {"type": ["null", "boolean", "number"]},
        {"type": "string", "pattern": NO_NUL},
        {"type": "array", "items": {"$ref": "#/components/schemas/AnyJson"}},
        {
            "type": "object",
            "propertyNames": {"pattern": NO_NUL},
            "additionalProperties": {"$ref": "#/components/schemas/AnyJson"},
        },
    ],
}


def _query_value(prop: dict[str, Any]) -> dict[str, Any]:
    """A query parameter's schema: present with a value, or absent (never JSON null)."""
    options = [o for o in prop.get("anyOf", []) if o.get("type") != "null"]
    if not options:
        return prop
    rest = {k: v for k, v in prop.items() if k not in ("anyOf", "default")}
    if len(options) == 1:
        return rest | options[0]
    return rest | {"anyOf": options}


def _refuse_nul(node: Any) -> None:
    """Every free text of the document, names of properties too, says what the app
    refuses: no NUL character."""
    if isinstance(node, dict):
        if node.get("type") == "string" and not (
            {"pattern", "format", "enum", "const"} & node.keys()
        ):
            node["pattern"] = NO_NUL
        if node.get("type") == "object" or "properties" in node:
            node.setdefault("propertyNames", {"pattern": NO_NUL})
            if node.get("additionalProperties", True) is True:
                # Fields the schema does not name are ignored, but read for NUL too.
                node["additionalProperties"] = {"$ref": "#/components/schemas/AnyJson"}
        for value in node.values():
            _refuse_nul(value)
    elif isinstance(node, list):
        for value in node:
            _refuse_nul(value)


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def openapi_json():
    return openapi_document(current_app)


def register_api(app: Flask, domain_blueprints: list[Blueprint]) -> None:
    """Nest the domains' JSON blueprints under /api/v1; the API uses tokens, not forms.

    The domains import this module's mechanism (``endpoint``), never the reverse:
    ``create_app`` hands their blueprints in.
    """
    from pos.extensions import csrf

    # A parent per app: Flask freezes a blueprint's children once it is registered.
    parent = Blueprint("api", __name__, url_prefix="/api/v1")
    parent.add_url_rule("/openapi.json", view_func=openapi_json, methods=["GET"])
    for domain_bp in domain_blueprints:
        parent.register_blueprint(domain_bp)
        csrf.exempt(domain_bp)
    csrf.exempt(parent)
    app.register_blueprint(parent)

    @app.get("/healthz")
    def healthz():
        """200 when the app and the database answer and the disk has room; else 503 with
        the reason (a database fault is answered by pos/errors.py)."""
        from sqlalchemy import text

        from pos.database_errors import storage_health
        from pos.extensions import db

        db.session.execute(text("SELECT 1"))
        full = storage_health(db.session.connection())
        if full is not None:
            message = _("The server's disk is full: sales cannot be saved until space is freed.")
            body = {"status": "storage_full", "error": "storage_full", "message": message}
            return body | full, 503, {"Retry-After": "60"}
        return {"status": "ok"}
