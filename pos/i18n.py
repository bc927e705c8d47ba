"""Languages (Bahasa Indonesia and English): the reader's locale, and the formats of
pos/formats.py handed to the templates as filters with that locale."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from pos.formats import (
    format_count,
    format_day,
    format_deduction,
    format_difference,
    format_moment,
    format_money,
)

LANGUAGE_NAMES = {"id": "Bahasa Indonesia", "en": "English"}


def select_locale() -> str:
    """The signed-in user's choice, else this browser's choice, else Accept-Language."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # the CLI
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if getattr(current_user, "is_authenticated", False) and current_user.locale in languages:
        return current_user.locale
    chosen = session.get("locale")
    if chosen in languages:
        return chosen
    return (
        request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]
    )


def locale_code() -> str:
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


def money(amount: int | None, currency: str = "IDR", locale: str | None = None) -> str:
    if amount is None:
        return ""
    return format_money(amount, currency, locale or locale_code())


def deduction(amount: int | None, currency: str = "IDR", locale: str | None = None) -> str:
    """An amount taken off: ``−Rp10.000`` (pos/formats.py)."""
    if amount is None:
        return ""
    return format_deduction(amount, currency, locale or locale_code())


def difference(amount: int | None, currency: str = "IDR", locale: str | None = None) -> str:
    if amount is None:
        return ""
    return format_difference(amount, currency, locale or locale_code())


def count(value: int | None, locale: str | None = None) -> str:
    return "" if value is None else format_count(value, locale or locale_code())


def local_datetime(
    value: datetime | None, timezone: str, fmt: str = "medium", locale: str | None = None
) -> str:
    """A stored UTC time shown in the event's timezone, formatted for the locale."""
    if value is None:
        return ""
    return format_moment(value, timezone, locale or locale_code(), fmt)


def local_date(value: date | None, fmt: str = "medium", locale: str | None = None) -> str:
    if value is None:
        return ""
    return format_day(value, locale or locale_code(), fmt)


def register_i18n(app: Flask) -> None:
    from pos.extensions import babel, login_manager

    babel.init_app(app, locale_selector=select_locale)
    login_manager.login_message = _l("Please sign in to continue.")
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["deduction"] = deduction
    app.jinja_env.filters["difference"] = difference
    app.jinja_env.filters["count"] = count
    app.jinja_env.filters["local_datetime"] = local_datetime
    app.jinja_env.filters["local_date"] = local_date
    app.jinja_env.globals["locale_code"] = locale_code
    app.jinja_env.globals["LANGUAGE_NAMES"] = LANGUAGE_NAMES
