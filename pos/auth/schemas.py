"""JSON shapes of sign-in and accounts."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, StringConstraints

from pos.api import InputSchema
from pos.schemas import Id, ShortText

# Passwords and PINs arrive stripped of surrounding spaces (InputSchema), so one of
# nothing but spaces is refused: the document says so with the pattern.
Secret = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"\S")]


class LoginIn(InputSchema):
    username: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
    password: Secret


class UserOut(BaseModel):
    id: int
    username: str
    role: Literal["organizer", "manager", "cashier"]
    exhibitor_id: int | None
    display_name: str = ""
    locale: str = "id"
    active: bool = True
    has_pin: bool = False

    @classmethod
    def from_model(cls, user) -> UserOut:
        return cls(
            id=user.id,
            username=user.username,
            role=user.role,
            exhibitor_id=user.exhibitor_id,
            display_name=user.display_name,
            locale=user.locale,
            active=user.active,
            has_pin=user.has_pin,
        )


class LoginOut(BaseModel):
    token: str
    user: UserOut


class UserIn(InputSchema):
    username: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=80)]
    password: Secret
    role: Literal["organizer", "manager", "cashier"]
    exhibitor_id: Id | None = None
    display_name: ShortText = ""
    locale: Literal["id", "en"] = "id"


class PasswordIn(InputSchema):
    password: Secret
    # Needed to change one's own password; not to set someone else's.
    current_password: Secret | None = None


class PinIn(InputSchema):
    pin: Annotated[str, StringConstraints(pattern=r"^[0-9]{4,6}$")]


class UserList(BaseModel):
    items: list[UserOut]
