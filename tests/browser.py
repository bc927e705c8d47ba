"""Driving Debian's Chromium with Playwright for the browser tests: launching it (or
skipping), a watcher for script errors and failed loads, and signing in."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
TABLET = {"viewport": {"width": 1280, "height": 800}, "has_touch": True}
PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True}
DEMO_BOOTHS = ["A03", "B12", "C07", "D02"]


def unavailable(reason: str) -> None:
    """Skip, unless this run must drive a browser (POS_REQUIRE_BROWSER=1): then fail."""
    if os.environ.get("POS_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (POS_REQUIRE_BROWSER=1)")
    pytest.skip(reason)


class PageProblems:
    """Script errors and failed loads a user would hit (a CSP block, a 404 asset)."""

    def __init__(self, page) -> None:
        self.seen: list[str] = []
        page.on("pageerror", lambda error: self.seen.append(f"script error: {error}"))
        page.on(
            "console",
            lambda message: (
                self.seen.append(f"console: {message.text}") if message.type == "error" else None
            ),
        )
        page.on(
            "response",
            lambda response: (
                self.seen.append(f"{response.status} {response.url}")
                if response.status >= 400
                else None
            ),
        )


def sign_in(page, base: str, username: str, password: str = "demo") -> None:
    page.goto(base + "/login")
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', password)
    page.tap('main form button[type="submit"]')


def sign_out(page) -> None:
    page.tap('form[action="/logout"] button[type="submit"]')
    page.wait_for_url(re.compile(r"/login$"))
