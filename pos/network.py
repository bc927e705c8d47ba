"""The machine's names and LAN addresses: what the tablets can open (printed when the
server starts) and what the HTTPS certificate must name."""

from __future__ import annotations

import ipaddress
import re
import socket

import psutil

LOOPBACK_ADDRESSES = ("127.0.0.1", "::1")
LOOPBACK_NAMES = ("localhost",)
# Hosts that mean "every address of this machine".
EVERY_ADDRESS = frozenset({"", "0.0.0.0", "::", "[::]"})
_DNS_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$")


def lan_addresses() -> list[str]:
    """The IPv4 addresses of this machine's network interfaces that are up and connected
    (a cable in, or joined to a Wi-Fi network), in order: neither loopback nor
    link-local (169.254.x.x, what a machine gives itself when no router answered)."""
    up = {name for name, stats in psutil.net_if_stats().items() if stats.isup}
    found: set[ipaddress.IPv4Address] = set()
    for name, addresses in psutil.net_if_addrs().items():
        if name not in up:
            continue
        for address in addresses:
            if address.family != socket.AF_INET:
                continue
            ip = ipaddress.IPv4Address(address.address)
            if not (ip.is_loopback or ip.is_link_local or ip.is_unspecified):
                found.add(ip)
    return [str(ip) for ip in sorted(found)]


def host_names() -> list[str]:
    """The names a tablet may use for this machine: its host name, the same name under
    .local (mDNS, as macOS, iPadOS and most Linux desktops answer it) and localhost. A
    host name that is no valid DNS name (a Windows name with an underscore) is left out."""
    hostname = socket.gethostname().strip().lower().rstrip(".")
    names: list[str] = []
    if _DNS_NAME.match(hostname):
        short = hostname.removesuffix(".local").split(".")[0]
        names += [hostname, short, f"{short}.local"]
    names += LOOPBACK_NAMES
    return list(dict.fromkeys(names))


def is_loopback(host: str) -> bool:
    """True for localhost and the loopback addresses (with or without brackets)."""
    host = host.strip("[]").lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def addresses_to_open(bind_host: str) -> tuple[list[str], list[str]]:
    """(LAN addresses, loopback addresses) that reach a server listening on bind_host:
    every LAN address and 127.0.0.1 for 0.0.0.0, only loopback for 127.0.0.1, else the
    one address given."""
    if bind_host in EVERY_ADDRESS:
        return lan_addresses(), ["127.0.0.1"]
    if is_loopback(bind_host):
        return [], [bind_host]
    return [bind_host], []


def url_host(host: str) -> str:
    """A host as it stands in a URL: IPv6 addresses in brackets."""
    return f"[{host}]" if ":" in host and not host.startswith("[") else host
