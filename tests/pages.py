"""Reading the HTML pages in tests: signing in with the test client, the user's
language, and the parts of a page a user reads (field errors, flash messages, the
product table's rows)."""

from __future__ import annotations

import re
from html import unescape

from pos.auth import service as auth_service
from pos.extensions import db
from tests import factories


def english(*users) -> None:
    """Pages follow the user's language; tests that read English text set it."""
    for user in users:
        auth_service.set_locale(user, "en")
    db.session.commit()


def sign_in(client, user) -> None:
    response = client.post(
        "/login", data={"username": user.username, "password": factories.PASSWORD}
    )
    assert response.status_code == 302, "sign-in failed"


def text(response) -> str:
    return response.get_data(as_text=True)


def field_errors(html: str, name: str) -> list[str]:
    """The error messages shown in the form field holding the input named ``name``."""
    for block in re.findall(r'<div class="field\b[^"]*">(.*?)</div>', html, re.S):
        if re.search(rf'\bname="{re.escape(name)}"', block):
            return [
                unescape(m).strip()
                for m in re.findall(r'<small class="error"[^>]*>(.*?)</small>', block, re.S)
            ]
    raise AssertionError(f"the page has no field named {name!r}")


def input_tag(html: str, name: str) -> str:
    """The ``<input>`` tag named ``name``, to read its type and attributes."""
    tag = re.search(rf'<input\b[^>]*\bname="{re.escape(name)}"[^>]*>', html)
    if tag is None:
        raise AssertionError(f"the page has no input named {name!r}")
    return tag[0]


def field_value(html: str, name: str) -> str:
    """What the input named ``name`` holds when the page opens."""
    value = re.search(r'\bvalue="([^"]*)"', input_tag(html, name))
    return unescape(value[1]) if value else ""


def flashes(html: str, category: str) -> list[str]:
    return [
        unescape(m).strip()
        for m in re.findall(rf'<p class="flash flash-{category}"[^>]*>(.*?)</p>', html, re.S)
    ]


def listed_skus(html: str) -> list[str]:
    """The SKUs of the product table's rows, in order."""
    return [unescape(s) for s in re.findall(r'<tr\b[^>]*\bdata-sku="([^"]*)"', html)]
