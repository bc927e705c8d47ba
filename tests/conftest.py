"""Fixtures as in Flask's tutorial: `app`, `client`, `runner`, `db`.

The database is real: a SQLite file per test (copied from a template migrated once per
run), or, when POS_TEST_DATABASE_URL names one, the PostgreSQL server (migrated once,
emptied between tests).
"""

from __future__ import annotations

import contextvars
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from pos import create_app
from pos.extensions import db as _db
from tests import browser as browser_support

POSTGRES_URL = os.environ.get("POS_TEST_DATABASE_URL", "")

sqlite_only = pytest.mark.skipif(bool(POSTGRES_URL), reason="SQLite-specific behaviour")
postgres_only = pytest.mark.skipif(not POSTGRES_URL, reason="PostgreSQL run only")

# Cheap hashing in tests; the OWASP default is tested on its own.
TEST_PASSWORD_METHOD = "scrypt:1024:8:1"


def base_config(instance: Path, database_url: str) -> dict:
    return {
        "TESTING": True,
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "RECEIPTS_DIR": str(instance / "receipts"),
        "PASSWORD_METHOD": TEST_PASSWORD_METHOD,
        "WTF_CSRF_ENABLED": False,
        "BABEL_DEFAULT_LOCALE": "en",
        # Page views are written when a page reads them, never by a thread in a test.
        "CATALOGUE_VIEWS_FLUSH_SECONDS": 0,
    }


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory) -> str:
    """A database migrated to head once per run: a SQLite file to copy, or PostgreSQL."""
    if POSTGRES_URL:
        engine = sa.create_engine(POSTGRES_URL)
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
        engine.dispose()
        url = POSTGRES_URL
        instance = tmp_path_factory.mktemp("template")
    else:
        instance = tmp_path_factory.mktemp("template")
        url = "sqlite:///" + str(instance / "template.sqlite3")
    app = create_app(base_config(instance, url))
    with app.app_context():
        from pos.db import upgrade_schema

        upgrade_schema()
        _db.engine.dispose()
    return url


def _empty_postgres(app) -> None:
    with app.app_context():
        tables = ", ".join(
            f'"{t.name}"' for t in _db.metadata.sorted_tables if t.name != "alembic_version"
        )
        _db.session.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        _db.session.commit()


@pytest.fixture
def database_url(migrated_template, tmp_path) -> str:
    if POSTGRES_URL:
        return POSTGRES_URL
    template = Path(sa.make_url(migrated_template).database)
    target = tmp_path / "pos.sqlite3"
    shutil.copyfile(template, target)
    return "sqlite:///" + str(target)


class RequestClient(FlaskClient):
    """A test client whose requests run as they do under a real server.

    The test holds an app context for factories and assertions, and Flask would reuse
    it for each request, sharing ``g`` (the signed-in user, the locale) and the database
    session between requests. Each request therefore runs in an empty
    ``contextvars.Context``, where Flask pushes a fresh app context. Around it the
    test's own transaction ends, so the request sees what the test wrote and the
    test's next assertion reads what the request wrote (not an old SQLite snapshot).
    """

    def open(self, *args, **kwargs):
        _db.session.commit()
        try:
            return contextvars.Context().run(super().open, *args, **kwargs)
        finally:
            _db.session.commit()


@pytest.fixture
def make_client(app) -> Iterator:
    """Clients of further apps built from other configuration (e.g. CSRF switched on)."""
    others = []

    def build(app_config: dict) -> FlaskClient:
        other = create_app(app_config)
        other.test_client_class = RequestClient
        others.append(other)
        return other.test_client()

    yield build
    _settle_background_work()
    for other in others:
        with other.app_context():
            _db.engine.dispose()


@pytest.fixture
def app_config(database_url, tmp_path) -> dict:
    instance = tmp_path / "instance"
    instance.mkdir(exist_ok=True)
    return base_config(instance, database_url)


def _settle_background_work() -> None:
    """Let the sales' auto-print work (pos/printing/auto.py: a thread that queues the
    receipt after each sale of a booth with an auto-print printer) end before the test's
    engine is disposed: a read after it would open a connection in a new pool that
    nothing closes."""
    from pos.printing import auto

    auto.settle()


@pytest.fixture
def app(app_config) -> Iterator:
    application = create_app(app_config)
    if POSTGRES_URL:
        _empty_postgres(application)
    with application.app_context():
        yield application
        _settle_background_work()
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app):
    app.test_client_class = RequestClient
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium under Playwright, for a module of browser tests."""
    if not browser_support.CHROMIUM.exists():
        browser_support.unavailable(
            f"{browser_support.CHROMIUM} is not installed (apt-get install chromium)"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        browser_support.unavailable(
            "Playwright for Python is not installed (pip install -e '.[test]')"
        )
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(browser_support.CHROMIUM), args=browser_support.CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()
