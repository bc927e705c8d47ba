"""Security headers on every response, the write intent of each request, and the one
character no input may hold."""

from __future__ import annotations

import re

from flask import Flask, Response, current_app, request
from flask_babel import gettext as _

from pos.db import set_write_intent
from pos.errors import BadRequest

# A JSON string's \u0000 escape (not an escaped backslash followed by "u0000").
JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})

# No inline script or style anywhere: every script and stylesheet is a file in static/.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def register_security(app: Flask) -> None:
    @app.before_request
    def _declare_write_intent() -> None:
        # A request that may write takes SQLite's write lock when its transaction begins.
        set_write_intent(request.method not in SAFE_METHODS)

    @app.before_request
    def _refuse_nul_characters() -> None:
        # PostgreSQL text cannot hold NUL (SQLite can): refuse it in every input, so both
        # databases answer the same clear 400 instead of a 500 from the driver.
        texts = [text or "" for pair in request.args.items(multi=True) for text in pair]
        if request.mimetype in FORM_TYPES:
            # A part without a name is named None.
            texts += [text or "" for pair in request.form.items(multi=True) for text in pair]
        nul = any("\x00" in text for text in texts)
        if not nul and request.is_json:
            raw = request.get_data()
            nul = len(raw) <= current_app.config["MAX_JSON_BYTES"] and bool(JSON_NUL.search(raw))
        if nul:
            raise BadRequest(_("Text cannot contain the NUL character."), code="nul_character")

    @app.after_request
    def _security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "geolocation=(), microphone=()")
        if request.path.startswith("/api/") or request.endpoint in {"auth.login"}:
            headers.setdefault("Cache-Control", "no-store")
        return response
