"""What makes the register an app on the tablet: its service worker (with the list and
version of the files it keeps), the web app manifest and the page shown offline for
anything else. See pos/static/js/sw.js."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from flask import Blueprint, Response, current_app, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

bp = Blueprint("tablet", __name__)

# The register's files under static/, kept on the tablet by the service worker.
SHELL_STATIC = (
    "css/app.css",
    "js/register.js",
    "js/register/storage.js",
    "js/register/sync.js",
    "js/register/camera.js",
    "js/register/print.js",
    "js/register/printing.js",
    "js/register/escpos.js",
    "js/register/printers.js",
    "vendor/receipt-printer-encoder-4.0.1/receipt-printer-encoder.esm.js",
    "css/receipt-print.css",
    "vendor/zxing-library-0.23.0/zxing.min.js",
    "js/register/catalogue.js",
    "js/register/grid.js",
    "vendor/idb-8.0.4/idb.js",
    "vendor/qrcode-generator-2.0.4/qrcode.js",
    "img/icon.svg",
    "img/icon-192.png",
    "img/icon-512.png",
)


def shell_urls() -> list[str]:
    return [url_for("static", filename=name) for name in SHELL_STATIC] + [
        url_for("tablet.offline"),
        url_for("tablet.manifest"),
    ]


def _shell_version() -> str:
    # A hash of the files and of the service worker itself: a new release of any of
    # them is a new cache on every tablet at its next visit.
    cached = current_app.extensions.get("pos_shell_version")
    if cached and not current_app.debug:
        return cached
    static = Path(current_app.static_folder or "")
    digest = hashlib.sha256()
    for name in (*SHELL_STATIC, "js/sw.js"):
        digest.update((static / name).read_bytes())
    digest.update(json.dumps(sorted(current_app.config["LANGUAGES"])).encode())
    version = digest.hexdigest()[:16]
    current_app.extensions["pos_shell_version"] = version
    return version


@bp.get("/sw.js")
def service_worker() -> Response:
    source = (Path(current_app.static_folder or "") / "js" / "sw.js").read_text()
    body = source.replace("__VERSION__", _shell_version()).replace(
        "__SHELL__", json.dumps(shell_urls())
    )
    response = Response(body, mimetype="text/javascript")
    # Always asked for again, so that a new release reaches the tablets.
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.get("/manifest.webmanifest")
def manifest() -> Response:
    def icon(name: str) -> str:
        return url_for("static", filename=f"img/{name}")

    body = {
        "name": "Pameran POS",
        "short_name": _("Register"),
        "start_url": url_for("sales.register"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#f6f4ef",
        "theme_color": "#0f5c5a",
        "icons": [
            {"src": icon("icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": icon("icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {"src": icon("icon.svg"), "sizes": "any", "type": "image/svg+xml"},
        ],
    }
    return Response(json.dumps(body), mimetype="application/manifest+json")


@bp.get("/offline")
def offline() -> str:
    # Kept once on the tablet for whoever uses it next: in both languages.
    texts = []
    for code in current_app.config["LANGUAGES"]:
        with force_locale(code):
            texts.append(
                {
                    "lang": code,
                    "title": _("No connection to the server"),
                    "body": _(
                        "This page needs the server. The register keeps selling without it: "
                        "sales are kept on this tablet and sent when the connection is back."
                    ),
                    "register": _("Open the register"),
                    "retry": _("Try again"),
                }
            )
    return render_template("sales/offline.html", texts=texts)
