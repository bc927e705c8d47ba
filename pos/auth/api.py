"""JSON sign-in and accounts: /api/v1/auth/..., /api/v1/users."""

from __future__ import annotations

from flask import Blueprint, request
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf

from pos.api import bearer_token, endpoint
from pos.auth import service
from pos.auth.schemas import LoginIn, LoginOut, PinIn, UserIn, UserList, UserOut
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
    errors=(401, 429),
)
def login(body: LoginIn):
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
    target = service.get_user(user, user_id) if user_id != user.id else user
    service.set_pin(user, target, body.pin)
    db.session.commit()
    return UserOut.from_model(target).model_dump()


@endpoint(bp, "/auth/csrf", "GET", summary="A fresh CSRF token for the signed-in page")
def csrf_token(user):
    # A register page served from the tablet's cache after hours offline holds an
    # expired token; its sender asks for a new one here.
    return {"csrf_token": generate_csrf()}
