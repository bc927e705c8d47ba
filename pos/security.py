"""Security headers on every response, and the write intent of each request."""

from __future__ import annotations

from flask import Flask, Response, request

from pos.db import set_write_intent

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
