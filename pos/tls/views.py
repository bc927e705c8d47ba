"""The CA download and the tablet set-up page: no sign-in, plain HTTP allowed (this is
how a tablet first gets the certificate authority it will trust)."""

from __future__ import annotations

import segno
from flask import Blueprint, Response, current_app, render_template, request

from pos import links
from pos.errors import NotFound
from pos.tls import service

bp = Blueprint("tls", __name__)


@bp.get("/ca.crt")
def ca_certificate():
    """The CA certificate as a CA certificate (iPadOS offers to install the profile), or
    with ``?for=android`` as a plain file: Chrome on Android hands a CA certificate to
    the system installer, which refuses CA certificates since Android 11 and keeps no
    file; a plain download lands in Downloads, where Settings can install it from."""
    plain = request.args.get("for") == "android"
    response = Response(
        service.ca_certificate_pem(current_app),
        mimetype="application/octet-stream" if plain else "application/x-x509-ca-cert",
    )
    response.headers["Content-Disposition"] = f'attachment; filename="{service.DOWNLOAD_NAME}"'
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/setup")
def setup():
    given = service.uses_given_certificate(current_app)
    fingerprint = ca_name = None
    if not given:
        try:
            ca = service.ca_certificate(current_app)
        except NotFound:
            pass  # never started with --tls: the page says how
        else:
            fingerprint, ca_name = service.fingerprint(ca), service.common_name(ca)
    addresses = [
        (url, _qr_data_uri(url), url.removesuffix("/setup") + "/login")
        # A Host header anyone could send is not put in the QR code: only a trusted one.
        for url in service.setup_addresses(links.checked_host())
    ]
    return render_template(
        "tls/setup.html",
        given=given,
        fingerprint=fingerprint,
        ca_name=ca_name,
        addresses=addresses,
        download_name=service.DOWNLOAD_NAME,
    )


def _qr_data_uri(url: str) -> str:
    return segno.make_qr(url, error="m").svg_data_uri(scale=5, border=4)
