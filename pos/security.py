"""Security headers on every response, the write intent of each request, the one
character no input may hold, and the transport: which proxies are believed, Secure
cookies and HSTS on HTTPS, and no signed-in page kept in a cache.

Transport, in one place:

- ``POS_PROXY_COUNT`` (default 0) says how many reverse proxies stand in front of the
  app. With 0 nothing of ``X-Forwarded-*`` is believed, whoever sends it; with n, werkzeug's
  ``ProxyFix`` takes the client's address, the scheme and the host from what the n
  proxies added. Everything else reads ``request.remote_addr`` and ``request.is_secure``.
- An answer over HTTPS (``pos serve --tls``, or a trusted proxy's
  ``X-Forwarded-Proto: https``) marks every cookie ``Secure`` and carries
  ``Strict-Transport-Security``; plain HTTP (``make run`` on 127.0.0.1) works as before.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, Response, current_app, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext as _
from itsdangerous import URLSafeTimedSerializer
from werkzeug.middleware.proxy_fix import ProxyFix

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

# On every answer that does not set its own.
SECURITY_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
    ("Permissions-Policy", "geolocation=(), microphone=()"),
)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class SecureCookiesOnHttps:
    """WSGI middleware: on an answer to an HTTPS request every cookie is marked ``Secure``
    (the session's, Flask-Login's remember cookie, any other), so it is never sent back
    over plain HTTP on the venue Wi-Fi. Over plain HTTP cookies stay as they are, or
    ``make run`` on http://127.0.0.1 could not keep anyone signed in."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]):
        if environ.get("wsgi.url_scheme") != "https":
            return self.app(environ, start_response)

        def secure_start_response(status: str, headers: list, exc_info: Any = None):
            headers = [
                (name, _secure_cookie(value) if name.lower() == "set-cookie" else value)
                for name, value in headers
            ]
            return start_response(status, headers, exc_info)

        return self.app(environ, secure_start_response)


class SignedCookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with the signing serializer built once per set of
    keys: Flask builds it anew each time a session is opened and saved, on every
    request (some 30 µs a request on the test machine)."""

    def __init__(self) -> None:
        self._serializers: dict[tuple[Any, ...], URLSafeTimedSerializer | None] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, *(app.config["SECRET_KEY_FALLBACKS"] or ()))
        serializer = self._serializers.get(keys)
        if serializer is None:
            serializer = super().get_signing_serializer(app)
            if len(self._serializers) > 8:  # keys changed again and again (tests)
                self._serializers.clear()
            self._serializers[keys] = serializer
        return serializer


def _secure_cookie(cookie: str) -> str:
    attributes = {part.strip().lower() for part in cookie.split(";")[1:]}
    return cookie if "secure" in attributes else cookie + "; Secure"


def register_transport(app: Flask) -> None:
    """Wrap the WSGI app: the proxies first (outermost), which set the scheme and the
    client's address that the cookie marking and the views then read."""
    app.wsgi_app = SecureCookiesOnHttps(app.wsgi_app)  # type: ignore[method-assign]
    proxies = app.config["PROXY_COUNT"]
    if proxies:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies
        )


def _hsts_applies(host: str) -> bool:
    """Browsers keep HSTS per host name, whatever the port: sent to https://localhost:5443
    it would turn the laptop's own http://localhost:5000 (make run) into an HTTPS
    address that fails, so localhost never gets it. (IP addresses may: browsers ignore
    HSTS from them, RFC 6797 section 8.1.)"""
    name = host.lower() if host.startswith("[") else host.split(":")[0].lower()
    return name != "localhost" and not name.endswith(".localhost")


def _signed_in() -> bool:
    """Whether the request comes from a signed-in browser: its session names a user
    (read from the cookie, without loading the user, so an error page never needs the
    database for it)."""
    return session.get("_user_id") is not None


def register_security(app: Flask) -> None:
    register_transport(app)
    app.session_interface = SignedCookieSessions()

    @app.before_request
    def _declare_write_intent() -> None:
        # A request that may write takes SQLite's write lock when its transaction begins.
        set_write_intent(request.method not in SAFE_METHODS)

    @app.before_request
    def _refuse_nul_characters() -> None:
        # PostgreSQL text cannot hold NUL (SQLite can): refuse it in every input, so both
        # databases answer the same clear 400 instead of a 500 from the driver. (The
        # query's arguments are parsed only when there is a query: most requests, every
        # sale, have none.)
        texts = []
        if request.environ.get("QUERY_STRING"):
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
        # Each one the view did not set itself (one pass over the headers, not one each).
        present = {name.lower() for name, _value in headers.items()}
        headers.extend([pair for pair in SECURITY_HEADERS if pair[0].lower() not in present])
        # Nothing of a signed-in user (pages, CSVs, PDFs, redirects) is kept by the
        # browser or a proxy: the next person at a shared tablet cannot page back into
        # it. What set its own caching keeps it: static files, product photos, the
        # service worker, and the buyer's public receipt.
        if "Cache-Control" not in headers and (
            request.path.startswith("/api/") or request.endpoint == "auth.login" or _signed_in()
        ):
            headers["Cache-Control"] = "no-store"
        max_age = current_app.config["HSTS_MAX_AGE"]
        if request.is_secure and max_age and _hsts_applies(request.host):
            headers.setdefault("Strict-Transport-Security", f"max-age={max_age}")
        return response
