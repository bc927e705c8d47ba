"""Configuration: defaults < instance/config.py < POS_* environment < test_config."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask

from pos.links import trusted_hosts_setting
from pos.storage import PRIVATE_FILE, PRIVATE_FOLDER, keep_private, make_private_folder

SECRET_KEY_FILE = "secret_key"

# Settings that the environment may override, by their POS_* name.
ENV_SETTINGS = {
    "POS_DATABASE_URL": "SQLALCHEMY_DATABASE_URI",
    "POS_SECRET_KEY": "SECRET_KEY",
    "POS_RECEIPTS_DIR": "RECEIPTS_DIR",
    "POS_PHOTOS_DIR": "PHOTOS_DIR",
    "POS_CATALOGUE_VIEWS_FLUSH_SECONDS": "CATALOGUE_VIEWS_FLUSH_SECONDS",
    "POS_DEFAULT_LOCALE": "BABEL_DEFAULT_LOCALE",
    "POS_PASSWORD_METHOD": "PASSWORD_METHOD",
    "POS_TOKEN_TTL_HOURS": "TOKEN_TTL_HOURS",
    "POS_PUBLIC_URL": "PUBLIC_URL",
    "POS_TRUSTED_HOSTS": "TRUSTED_HOSTS",
    "POS_SMTP_HOST": "SMTP_HOST",
    "POS_SMTP_PORT": "SMTP_PORT",
    "POS_SMTP_USER": "SMTP_USER",
    "POS_SMTP_PASSWORD": "SMTP_PASSWORD",
    "POS_SMTP_FROM": "SMTP_FROM",
    "POS_SMTP_TLS": "SMTP_TLS",
    "POS_TLS_CERT": "TLS_CERT",
    "POS_TLS_KEY": "TLS_KEY",
    "POS_PROXY_COUNT": "PROXY_COUNT",
    "POS_HSTS_MAX_AGE": "HSTS_MAX_AGE",
    "POS_REDIS_URL": "REDIS_URL",
    "POS_LOGIN_HASH_SLOTS": "LOGIN_HASH_SLOTS",
    "POS_LOGIN_HASH_WAIT_SECONDS": "LOGIN_HASH_WAIT_SECONDS",
    "POS_SESSION_IDLE_MINUTES": "SESSION_IDLE_MINUTES",
    "POS_ORGANIZER_SESSION_IDLE_MINUTES": "ORGANIZER_SESSION_IDLE_MINUTES",
    "POS_SESSION_BIND_ADDRESS": "SESSION_BIND_ADDRESS",
}
# Read when no POS_* name sets it: the name most hosting platforms give a Redis server.
FALLBACK_ENV_SETTINGS = {"REDIS_URL": "REDIS_URL"}


def instance_path(test_config: dict[str, Any] | None = None) -> str | None:
    """The instance folder: a test's own, POS_INSTANCE_PATH, or Flask's default
    (``instance/`` beside the package)."""
    chosen = (test_config or {}).get("INSTANCE_PATH") or os.environ.get("POS_INSTANCE_PATH")
    return str(Path(chosen).resolve()) if chosen else None


def defaults(instance_path: str) -> dict[str, Any]:
    return {
        "SQLALCHEMY_DATABASE_URI": "sqlite:///" + os.path.join(instance_path, "pos.sqlite3"),
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        "SQLALCHEMY_RECORD_QUERIES": False,
        "SECRET_KEY": None,
        "RECEIPTS_DIR": "receipts",
        # Product photos (thumbnail and display size of each); default: instance/photos.
        "PHOTOS_DIR": None,
        "PHOTO_MAX_BYTES": 24 * 1024 * 1024,
        # How long an upload waits while this process decodes another photo (then 503).
        "PHOTO_WAIT_SECONDS": 30,
        # How often each server process writes the public catalogue's page views it
        # counted (pos/catalogue/extras/views_count.py); 0: only when a page reads them.
        "CATALOGUE_VIEWS_FLUSH_SECONDS": 10,
        # Where buyers' phones reach the app (receipt QR codes, links); default: the host
        # the tablet used if it is trusted, else this machine's LAN address (pos/links.py).
        "PUBLIC_URL": None,
        # The public catalogue's pages (pos/catalogue): each process keeps a rendered
        # page this long, and phones and proxies this long again (Cache-Control max-age).
        "CATALOGUE_CACHE_SECONDS": 5,
        "CATALOGUE_MAX_AGE_SECONDS": 10,
        # Host names the app answers to (Flask refuses others with 400), and may then put
        # in links; default: any host, but links only from this machine's own names.
        "TRUSTED_HOSTS": None,
        "BABEL_DEFAULT_LOCALE": "id",
        "BABEL_DEFAULT_TIMEZONE": "UTC",
        "LANGUAGES": ("id", "en"),
        # OWASP's password storage table: scrypt with N=2^17, r=8, p=1.
        "PASSWORD_METHOD": "scrypt:131072:8:1",
        "TOKEN_TTL_HOURS": 24 * 14,
        # At most this many password or PIN hashes at once on this machine, across all
        # server processes. A sign-in that finds none free is answered "busy, try again"
        # (503) instead of holding a worker the register needs: at once from an address
        # that failed lately, else after waiting up to this long. With gunicorn's gthread
        # workers a waiting sign-in holds one thread, not its process; 10 s let 40
        # tablets signing in within a minute all through (docs/PERFORMANCE.md,
        # "Sign-in under load").
        "LOGIN_HASH_SLOTS": 1,
        "LOGIN_HASH_WAIT_SECONDS": 10.0,
        # Sessions of pages end after this long without a request: a booth tablet stays
        # signed in through a selling day, an organizer's laptop not for long.
        "SESSION_IDLE_MINUTES": 12 * 60,
        "ORGANIZER_SESSION_IDLE_MINUTES": 2 * 60,
        # A session's last request and a token's last use are written at most this often.
        "SESSION_TOUCH_SECONDS": 300,
        # A session cookie works only from the address it was signed in from (the
        # connection's address: never a client-supplied X-Forwarded-For header).
        "SESSION_BIND_ADDRESS": True,
        # Throttling of failed sign-ins (Flask-Limiter): in Redis when REDIS_URL is set,
        # so every server process counts together; else in each process's memory.
        "REDIS_URL": None,
        "RATELIMIT_STRATEGY": "moving-window",
        # Begins every counter's key (a Redis server may serve other programs too).
        "THROTTLE_KEY_PREFIX": "pos",
        "RATELIMIT_HEADERS_ENABLED": False,
        "RATELIMIT_FAIL_ON_FIRST_BREACH": False,
        # Redis gone: count in memory meanwhile rather than refuse every sign-in.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
        # A product photo straight from a phone camera is the largest thing anyone uploads.
        "MAX_CONTENT_LENGTH": 25 * 1024 * 1024,
        "MAX_JSON_BYTES": 256 * 1024,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
        # `pos serve --tls` with a real domain's certificate and key (PEM) instead of the
        # app's own certificate authority; relative paths are inside the instance folder.
        "TLS_CERT": None,
        "TLS_KEY": None,
        # LAN receipt printers (pos/printing): each server process's sender polls the
        # queue this often for jobs queued by the other processes, dials a printer with
        # these timeouts, retries one that cannot take a job after 2, 4, 8 … at most
        # PRINT_RETRY_MAX_SECONDS, and gives a job up after PRINT_GIVE_UP_HOURS.
        "PRINT_SENDER": True,
        "PRINT_POLL_SECONDS": 1.0,
        "PRINT_CONNECT_TIMEOUT": 3.0,
        "PRINT_SEND_TIMEOUT": 15.0,
        "PRINT_STATUS_TIMEOUT": 1.0,
        "PRINT_RETRY_BASE_SECONDS": 2.0,
        "PRINT_RETRY_MAX_SECONDS": 30.0,
        "PRINT_GIVE_UP_HOURS": 12,
        # A printer's address may be this machine itself (tests' fake printers only).
        "PRINTER_ALLOW_LOOPBACK": False,
        # How many reverse proxies stand in front of the app (each appending to
        # X-Forwarded-For and setting X-Forwarded-Proto/-Host). 0: none, and nothing of
        # X-Forwarded-* is believed, whoever sends it (pos/security.py).
        "PROXY_COUNT": 0,
        # Strict-Transport-Security on HTTPS answers (0: not sent).
        "HSTS_MAX_AGE": 365 * 24 * 3600,
        # Flask-Compress: text answers (pages, JSON, scripts, styles, SVG, CSV) with the
        # best of zstd, Brotli and gzip the browser accepts; never images or PDFs, which
        # are compressed already. Below one network packet it gains nothing.
        "COMPRESS_MIMETYPES": [
            "text/html",
            "text/css",
            "text/javascript",
            "application/javascript",
            "application/json",
            "application/manifest+json",
            "image/svg+xml",
            "text/csv",
            "text/plain",
        ],
        "COMPRESS_MIN_SIZE": 1024,
    }


def load(app: Flask, test_config: dict[str, Any] | None = None) -> None:
    """Fill app.config in order of precedence and make sure the instance folder exists,
    readable by this user only (it holds the database, the secret key, the CA's key)."""
    instance = make_private_folder(Path(app.instance_path))
    keep_private(instance, PRIVATE_FOLDER)
    app.config.from_mapping(defaults(app.instance_path))
    app.config.from_pyfile("config.py", silent=True)
    for env_name, key in FALLBACK_ENV_SETTINGS.items():
        value = os.environ.get(env_name)
        if value:
            app.config[key] = value
    for env_name, key in ENV_SETTINGS.items():
        value = os.environ.get(env_name)
        if value:
            app.config[key] = value
    if test_config:
        app.config.from_mapping(test_config)

    app.json.sort_keys = False  # answers keep the order of their schema
    for key in (
        "TOKEN_TTL_HOURS",
        "LOGIN_HASH_SLOTS",
        "SESSION_IDLE_MINUTES",
        "ORGANIZER_SESSION_IDLE_MINUTES",
        "SESSION_TOUCH_SECONDS",
    ):
        app.config[key] = int(app.config[key])
    app.config["LOGIN_HASH_WAIT_SECONDS"] = float(app.config["LOGIN_HASH_WAIT_SECONDS"])
    bind = app.config["SESSION_BIND_ADDRESS"]
    if isinstance(bind, str):
        app.config["SESSION_BIND_ADDRESS"] = bind.strip().lower() not in ("0", "no", "false", "off")
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"] or "memory://")
    app.config["TRUSTED_HOSTS"] = trusted_hosts_setting(app.config["TRUSTED_HOSTS"])
    for key in ("PROXY_COUNT", "HSTS_MAX_AGE"):
        app.config[key] = _whole_number(key, app.config[key])
    receipts = Path(app.config["RECEIPTS_DIR"])
    if not receipts.is_absolute():
        receipts = Path(app.root_path).parent / receipts
    app.config["RECEIPTS_DIR"] = str(receipts)
    # A relative folder is taken inside the instance folder.
    photos = Path(app.instance_path) / (app.config["PHOTOS_DIR"] or "photos")
    app.config["PHOTOS_DIR"] = str(photos.resolve())
    for folder in (receipts, photos):  # made 0700 when first written to
        keep_private(folder, PRIVATE_FOLDER)
    for key in ("TLS_CERT", "TLS_KEY"):
        if app.config[key]:
            app.config[key] = str((Path(app.instance_path) / app.config[key]).resolve())
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret_key(Path(app.instance_path))


def _whole_number(key: str, value: Any) -> int:
    """A setting that is a count: 0 or more, given as a number or its digits."""
    text = str(value).strip()
    if isinstance(value, bool) or not text.isascii() or not text.isdigit():
        raise ValueError(f"POS_{key} must be a whole number, 0 or more (got {value!r})")
    return int(text)


def _instance_secret_key(instance: Path) -> str:
    """Read the key kept in the instance folder, creating it once (never committed)."""
    path = instance / SECRET_KEY_FILE
    try:
        key = path.read_text().strip()
    except FileNotFoundError:
        pass
    else:
        keep_private(path, PRIVATE_FILE)
        return key
    key = secrets.token_hex(32)
    # Write aside, then link into place: link fails if another worker won the race,
    # and nobody ever reads a half-written key. Created 0600: never readable by others.
    tmp = instance / f".{SECRET_KEY_FILE}.{os.getpid()}"
    tmp.unlink(missing_ok=True)  # left by a start cut short
    descriptor = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(key)
    try:
        os.link(tmp, path)
    except FileExistsError:
        key = path.read_text().strip()
    finally:
        tmp.unlink()
    return key
