"""The PosError family raised by services, and how errors reach the user.

Services raise PosError subclasses with a stable ``code`` (part of the API contract)
and a human message. The API answers them as JSON ``{"error", "message", ...}``; the
HTML pages answer with a friendly page. Every error path rolls the session back.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, render_template, request
from flask_babel import gettext as _
from sqlalchemy.exc import DBAPIError, IntegrityError
from werkzeug.exceptions import HTTPException, SecurityError

from pos.database_errors import Fault, fault_of, note_fault


class PosError(Exception):
    """A refusal the user can act on: never a server fault."""

    status = 400
    code = "bad_request"
    # Seconds after which trying again may succeed: sent as Retry-After (throttles, 503s).
    retry_after: int | None = None

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        retry_after: int | None = None,
        **details: Any,
    ) -> None:
        message = str(message)
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if retry_after is not None:
            self.retry_after = retry_after
        self.details = details

    def headers(self) -> dict[str, str]:
        """What the answer carries besides the body: Retry-After, where there is one."""
        return {"Retry-After": str(self.retry_after)} if self.retry_after else {}

    def to_json(self) -> dict[str, Any]:
        return {"error": self.code, "message": self.message, **self.details}


class BadRequest(PosError):
    status = 400
    code = "bad_request"


class PayloadTooLarge(PosError):
    status = 413
    code = "payload_too_large"


class UnsupportedMediaType(PosError):
    status = 415
    code = "unsupported_media_type"


class Invalid(PosError):
    status = 422
    code = "invalid"


class Unauthorized(PosError):
    status = 401
    code = "unauthorized"


class Forbidden(PosError):
    status = 403
    code = "forbidden"


class NotFound(PosError):
    status = 404
    code = "not_found"


class Conflict(PosError):
    status = 409
    code = "conflict"


class Busy(PosError):
    """The server is at its limit for this kind of work: try again shortly."""

    status = 503
    code = "busy"
    retry_after = 2


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def _rollback() -> None:
    """End the failed transaction. A rollback that fails too (the connection is gone,
    the disk is full) is logged in one line: the session starts afresh either way."""
    from pos.extensions import db

    try:
        db.session.rollback()
    except DBAPIError as exc:
        db.session.close()
        from flask import current_app

        current_app.logger.warning("rollback failed: %s", str(exc.orig).strip()[:200])


# Retry-After (seconds) and the stable code of each database fault answered 503. A full
# disk waits for someone to free space; a busy database clears in a moment.
_RETRY_AFTER = {
    Fault.STORAGE_FULL: 60,
    Fault.BUSY: 2,
    Fault.CONFLICT: 2,
    Fault.UNAVAILABLE: 5,
}


def _fault_message(fault: Fault) -> str:
    if fault is Fault.STORAGE_FULL:
        return _(
            "The server's disk is full, so nothing was saved. Ask the organizer to free "
            "space; then try again."
        )
    if fault is Fault.UNAVAILABLE:
        return _("The database cannot be reached just now. Nothing was saved; try again.")
    return _("The server is busy. Nothing was saved; try again in a moment.")


def unavailable(fault: Fault, exc: BaseException):
    """The 503 answer to a database fault: JSON ``{"error", "message"}`` under /api/, a
    page elsewhere, with Retry-After; logged once a minute, without a traceback."""
    _rollback()
    note_fault(fault, exc)
    code = "database_busy" if fault is Fault.CONFLICT else fault.value
    message = _fault_message(fault)
    headers = {"Retry-After": str(_RETRY_AFTER[fault])}
    if wants_json():
        return {"error": code, "message": message}, 503, headers
    return render_template("error.html", status=503, message=message), 503, headers


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(PosError)
    def _pos_error(exc: PosError):
        _rollback()
        if wants_json():
            return exc.to_json(), exc.status, exc.headers()
        page = render_template("error.html", status=exc.status, message=exc.message)
        return page, exc.status, exc.headers()

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        _rollback()
        if isinstance(exc, SecurityError):
            return _untrusted_host()
        status = exc.code or 500
        message = _http_message(status, exc)
        if wants_json():
            body = {"error": _http_code(status), "message": message}
            kept = {k: v for k, v in exc.get_headers() if k in ("Allow", "Retry-After")}
            return body, status, kept
        return render_template("error.html", status=status, message=message), status

    @app.errorhandler(IntegrityError)
    def _integrity_error(exc: IntegrityError):
        # The services check every rule first; this is two requests racing past the
        # check to the same unique key. The database kept the invariant: say so.
        _rollback()
        app.logger.warning("constraint refused a write: %s", exc.orig)
        message = _("Someone else changed this at the same moment. Please try again.")
        if wants_json():
            return {"error": "conflict", "message": message}, 409
        return render_template("error.html", status=409, message=message), 409

    @app.errorhandler(DBAPIError)
    @app.errorhandler(OSError)
    def _database_or_disk_error(exc: DBAPIError | OSError):
        fault = fault_of(exc)
        if fault is None:
            return _unexpected(exc)
        return unavailable(fault, exc)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        _rollback()
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        message = _("Something went wrong on our side. Nothing was saved; please try again.")
        if wants_json():
            return {"error": "server_error", "message": message}, 500
        return render_template("error.html", status=500, message=message), 500


def _untrusted_host():
    """A Host outside TRUSTED_HOSTS (POS_TRUSTED_HOSTS): Flask could not route the request
    (no URL can be built for it), so the answer is plain, without the page template."""
    message = _("This server does not answer to that host name.")
    if wants_json():
        return {"error": "untrusted_host", "message": message}, 400
    return Response(message + "\n", status=400, mimetype="text/plain")


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "too_many_requests",
}


def _http_code(status: int) -> str:
    return _HTTP_CODES.get(status, "server_error" if status >= 500 else "http_error")


def _http_message(status: int, exc: HTTPException) -> str:
    messages = {
        400: _("The request could not be understood."),
        401: _("Please sign in first."),
        403: _("You are not allowed to do this."),
        404: _("There is nothing here."),
        405: _("This address does not accept that method."),
        413: _("What was sent is too large."),
        415: _("The content type is not supported here."),
        429: _("Too many attempts. Please wait a moment and try again."),
    }
    if status == 400 and exc.description and "CSRF" in exc.description:
        return _("The form expired. Please reload the page and try again.")
    return messages.get(status, _("Something went wrong on our side."))
