"""Static files under versioned URLs that browsers keep for a year.

- Every ``url_for('static', filename=...)`` gets ``?v=<hash of the file's content>``; a
  request whose ``v`` is the file's current hash is answered with
  ``Cache-Control: public, max-age=31536000, immutable`` (the browser never asks again;
  a new release has new URLs). Without it, or with an old one, the file is answered
  ``no-cache`` (asked again each time, 304 while unchanged).
- Files that ES modules import by relative path (``js/register/*.js`` from register.js,
  the receipt's stylesheet from print.js) cannot carry the query string: the import
  resolves to the bare path, and a module is loaded once per URL. Their URLs stay bare
  everywhere (the page's modulepreload links, the service worker's list), so they are
  revalidated; on the register the service worker serves them from its cache, whose
  name changes with any file (sales/tablet.py).
- Vendored libraries are pinned under a versioned folder (``vendor/idb-8.0.4/``): their
  names are versions already, so they are kept a year as they are.

Answers are compressed by Flask-Compress (pos/extensions.py, settings in pos/config.py).
"""

from __future__ import annotations

import hashlib
import os
import re
from typing import Any

from flask import Flask, Response, request
from werkzeug.security import safe_join

VERSION_ARG = "v"
A_YEAR = 31_536_000
IMMUTABLE = f"public, max-age={A_YEAR}, immutable"
# Imported or fetched by ES modules through relative paths (``import``, ``new URL(...,
# import.meta.url)``): their URLs stay bare (see above).
IMPORTED_BY_MODULES = ("js/register/", "css/receipt-print.css")
PINNED_VENDOR = re.compile(r"^vendor/[^/]+-\d[^/]*/")


def static_version(app: Flask, filename: str) -> str | None:
    """The first 12 hex digits of the SHA-256 of a static file, None for no such file.
    Kept per file and worked out again when the file's size or time changes."""
    path = safe_join(app.static_folder or "", filename)
    if path is None:
        return None
    try:
        stat = os.stat(path)
    except OSError:
        return None
    versions: dict[str, tuple[tuple[int, int], str]] = app.extensions.setdefault(
        "pos_static_versions", {}
    )
    key = (stat.st_mtime_ns, stat.st_size)
    known = versions.get(filename)
    if known is not None and known[0] == key:
        return known[1]
    with open(path, "rb") as file:
        version = hashlib.sha256(file.read()).hexdigest()[:12]
    versions[filename] = (key, version)
    return version


def register_assets(app: Flask) -> None:
    @app.url_defaults
    def _versioned_static_urls(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint != "static" or VERSION_ARG in values:
            return
        filename = values.get("filename", "")
        if filename.startswith(IMPORTED_BY_MODULES) or PINNED_VENDOR.match(filename):
            return
        version = static_version(app, filename)
        if version is not None:
            values[VERSION_ARG] = version

    @app.after_request
    def _static_cache_lifetime(response: Response) -> Response:
        if request.endpoint != "static" or response.status_code not in (200, 304):
            return response
        filename = (request.view_args or {}).get("filename", "")
        asked = request.args.get(VERSION_ARG)
        current = asked is not None and asked == static_version(app, filename)
        if current or PINNED_VENDOR.match(filename):
            response.headers["Cache-Control"] = IMMUTABLE
        else:
            response.headers["Cache-Control"] = "no-cache"
        if response.status_code == 200 and response.mimetype in app.config["COMPRESS_MIMETYPES"]:
            # A script or style sheet is read whole (they are a few dozen kilobytes), so
            # Flask-Compress compresses it as any answer (gzip too, with its length) and
            # the file is closed with the answer, not left to a stream's garbage.
            response.direct_passthrough = False
            body = response.get_data()
            response.close()
            response.set_data(body)
        return response
