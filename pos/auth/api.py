"""JSON sign-in and accounts: /api/v1/auth/..., /api/v1/users."""

from __future__ import annotations

from flask import Blueprint, request
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf

from pos.api import bearer_token, endpoint
from pos.auth import service, throttle
from pos.auth.schemas import LoginIn, LoginOut, PasswordIn, PinIn, UserIn, UserList, UserOut
from pos.errors import Unauthorized
from pos.extensions import db
from pos.organizer.service import get_exhibitor

bp = Blueprint("auth_api", __name__)


@endpoint(
    bp,
    "/auth/login",
    "POST",
    summary="Exchange a username and password for a bearer token",
    body=LoginIn,
    response=LoginOut,
    auth=False,
    errors=(401, 429, 503),
    deferred_write=True,
)
@throttle.limit_password_attempts
def login(body: LoginIn):
    """Wrong credentials: 401. Too many failures (from this address for this account or
    any, or for this account from everywhere): 429 ``too_many_attempts`` with
    Retry-After, without checking the password. Every hashing slot busy: 503 ``busy``."""
    user = service.authenticate(
        body.username, body.password, ip=request.remote_addr or "", via="api"
    )
    if user is None:
        db.session.commit()  # keep the failed attempt in the audit log
        raise Unauthorized(_("Wrong username or password."), code="invalid_credentials")
    token = service.issue_token(user)
    db.session.commit()
    return LoginOut(token=token, user=UserOut.from_model(user)).model_dump()


@endpoint(bp, "/auth/logout", "POST", summary="Revoke the token of this request", status=204)
def logout(user):
    token = bearer_token()
    if token:
        service.revoke_token(token)
        db.session.commit()
    return "", 204


@endpoint(bp, "/auth/me", "GET", summary="The signed-in user", response=UserOut)
def me(user):
    return UserOut.from_model(user).model_dump()


@endpoint(bp, "/users", "GET", summary="Accounts the user manages", response=UserList)
def list_users(user):
    return UserList(items=[UserOut.from_model(u) for u in service.list_users(user)]).model_dump()


@endpoint(
    bp,
    "/users",
    "POST",
    summary="Create an account",
    body=UserIn,
    response=UserOut,
    status=201,
    errors=(404, 409),
)
def create_user(user, body: UserIn):
    exhibitor = get_exhibitor(user, body.exhibitor_id) if body.exhibitor_id else None
    created = service.create_user(
        user,
        username=body.username,
        role=body.role,
        password=body.password,
        exhibitor=exhibitor,
        display_name=body.display_name,
        locale=body.locale,
    )
    db.session.commit()
    return UserOut.from_model(created).model_dump(), 201


@endpoint(
    bp,
    "/users/<int:user_id>/pin",
    "PUT",
    summary="Set a cashier's PIN",
    body=PinIn,
    response=UserOut,
    errors=(404,),
)
def set_pin(user, user_id: int, body: PinIn):
    target = service.pin_target(user, user_id)
    service.set_pin(user, target, body.pin)
    db.session.commit()
    return UserOut.from_model(target).model_dump()


@endpoint(
    bp,
    "/users/<int:user_id>/password",
    "PUT",
    summary="Change a password: your own with the current one, or one you manage",
    body=PasswordIn,
    response=UserOut,
    errors=(404, 422, 429, 503),
    deferred_write=True,
)
def set_password(user, user_id: int, body: PasswordIn):
    """Every session and token of the account ends, the caller's own too."""
    target = user if user_id == user.id else service.get_user(user, user_id)
    try:
        service.set_password(
            user,
            target,
            body.password,
            current_password=body.current_password,
            ip=request.remote_addr or "",
        )
    except service.WrongCurrentPassword:
        db.session.commit()  # counts like a failed sign-in
        raise
    db.session.commit()
    return UserOut.from_model(target).model_dump()


@endpoint(
    bp,
    "/users/<int:user_id>/unlock",
    "POST",
    summary="Let an account that failed too often be tried again at once",
    response=UserOut,
    errors=(404,),
)
def unlock(user, user_id: int):
    target = service.get_user(user, user_id)
    service.unlock_account(user, target, ip=request.remote_addr or "")
    db.session.commit()
    return UserOut.from_model(target).model_dump()


@endpoint(bp, "/auth/csrf", "GET", summary="A fresh CSRF token for the signed-in page")
def csrf_token(user):
    # A register page served from the tablet's cache after hours offline holds an
    # expired token; its sender asks for a new one here.
    return {"csrf_token": generate_csrf()}
