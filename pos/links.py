"""Absolute links that leave the request: the QR code and link on a receipt (kept, printed,
emailed), the register's offline receipts, the tablet set-up page.

A Host header is whatever the client sends, so such a link is never built from it
unchecked (a forged ``Host: evil.example`` asking first for a receipt would otherwise be
printed on the kept original that every buyer and reprint gets). The base is, in order:

1. ``POS_PUBLIC_URL``, when set: the one address buyers' phones use;
2. the request's host, when it is trusted: named in ``POS_TRUSTED_HOSTS`` (Flask's
   ``TRUSTED_HOSTS``, which then answers 400 to any other host), or else one of this
   machine's own names (loopback, its LAN addresses, its host name, the domains of a
   configured TLS certificate) on the port the server listens on;
3. otherwise this machine's first LAN address (or ``localhost``) on that port.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from urllib.parse import urlsplit

from flask import current_app, has_request_context, request

from pos import network

DEFAULT_PORTS = {"http": "80", "https": "443"}


def trusted_hosts_setting(value: object) -> list[str] | None:
    """POS_TRUSTED_HOSTS as Flask wants it: names separated by commas or spaces (a leading
    dot allows every subdomain), or a list as written in instance/config.py."""
    if value is None or value == "":
        return None
    names = value.replace(",", " ").split() if isinstance(value, str) else list(value)
    return [str(name).strip().lower() for name in names if str(name).strip()] or None


def public_base() -> str:
    """The base (scheme, host, port, no trailing slash) of links for buyers' phones."""
    configured = current_app.config.get("PUBLIC_URL")
    if configured:
        return str(configured).rstrip("/")
    if not has_request_context():
        return _own_address("http", "")
    trusted = trusted_host()
    if trusted:
        return f"{request.scheme}://{trusted}{request.script_root}"
    return _own_address(request.scheme, _server_port()) + request.script_root


def trusted_host() -> str:
    """The request's host with the port to use, if it is to be trusted; else ""."""
    host = request.host  # with TRUSTED_HOSTS set, Flask has refused any other already
    if not host:
        return ""
    if current_app.config.get("TRUSTED_HOSTS"):
        return host
    name = (urlsplit("//" + host).hostname or "").lower()
    if not is_own_name(name):
        return ""
    return network.url_host(name) + _port_suffix(request.scheme, _server_port())


def checked_host() -> str:
    """The request's host if it is trusted, else ``localhost`` on the server's port: this
    machine, which the set-up page turns into its LAN addresses."""
    return trusted_host() or "localhost" + _port_suffix(request.scheme, _server_port())


def is_own_name(name: str) -> bool:
    """Whether ``name`` (no port) is this machine: loopback, a LAN address, its host name
    (also under .local), or a DNS name of the TLS certificate it is configured with."""
    name = name.strip("[]").lower().rstrip(".")
    if not name:
        return False
    if network.is_loopback(name) or name in network.host_names():
        return True
    if name in network.lan_addresses():
        return True
    cert = current_app.config.get("TLS_CERT")
    return bool(cert) and name in _certificate_names(cert, _mtime(cert))


def _own_address(scheme: str, port: str) -> str:
    host = (network.lan_addresses() or ["localhost"])[0]
    return f"{scheme}://{network.url_host(host)}{_port_suffix(scheme, port)}"


def _server_port() -> str:
    # The port the server's socket listens on (set by the WSGI server, not the client).
    return str(request.environ.get("SERVER_PORT") or "")


def _port_suffix(scheme: str, port: str) -> str:
    return "" if not port or DEFAULT_PORTS.get(scheme) == port else f":{port}"


def _mtime(path: str) -> float:
    try:
        return os.stat(path).st_mtime
    except OSError:
        return 0.0


@functools.lru_cache(maxsize=4)
def _certificate_names(path: str, _mtime: float) -> frozenset[str]:
    """The DNS names of the certificate file (read again when it changes)."""
    from pos.tls.service import certificate_domains

    try:
        return frozenset(name.lower() for name in certificate_domains(Path(path)))
    except (OSError, ValueError):
        return frozenset()
