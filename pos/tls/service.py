"""The certificates for `pos serve --tls`.

Either the app's own certificate authority, made once in ``instance/tls/`` and kept
(the tablets have installed it), which issues a server certificate for this machine's
names and addresses and issues it again when they change or it nears its end; or a real
domain's certificate named by TLS_CERT and TLS_KEY, used as given, and then no CA at all.

The server certificate follows Apple's rules for TLS server certificates (iOS 13 and
later; Chrome's are the same or looser): the names in SubjectAltName, extendedKeyUsage
serverAuth, a SHA-256 signature, and a validity under 398 days (Apple's limit for
private CAs is 825 days, for public ones 398: we keep to the stricter). Keys are ECDSA
P-256. Private keys are written with mode 0600 and never leave the instance folder.
"""

from __future__ import annotations

import ipaddress
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from flask import Flask
from flask_babel import gettext as _

from pos import network
from pos.errors import Invalid, NotFound
from pos.storage import PRIVATE_FOLDER, keep_private, make_private_folder, write_atomically

FOLDER = "tls"
CA_CERT = "ca.crt"
CA_KEY = "ca.key"
SERVER_CERT = "server.crt"
SERVER_KEY = "server.key"
DOWNLOAD_NAME = "pameran-pos-ca.crt"

CA_LIFETIME = timedelta(days=3650)
SERVER_LIFETIME = timedelta(days=397)  # from not-before to not-after: under 398 days
RENEW_BEFORE = timedelta(days=30)
BACKDATE = timedelta(hours=1)  # a tablet whose clock runs a little behind still accepts it

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class Names:
    """What a server certificate names in its SubjectAltName."""

    dns: frozenset[str]
    ips: frozenset[IPAddress]


@dataclass(frozen=True)
class ServerFiles:
    """The certificate and key the HTTPS server presents; own_ca: issued by the app's CA."""

    cert: Path
    key: Path
    own_ca: bool


def folder(app: Flask) -> Path:
    return Path(app.instance_path) / FOLDER


def wanted_names() -> Names:
    """This machine's names (hostname, hostname.local, localhost) and addresses
    (loopback and every LAN IPv4 address), as they are now."""
    addresses = (*network.LOOPBACK_ADDRESSES, *network.lan_addresses())
    return Names(
        dns=frozenset(network.host_names()),
        ips=frozenset(ipaddress.ip_address(a) for a in addresses),
    )


def names_in(cert: x509.Certificate) -> Names:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return Names(frozenset(), frozenset())
    return Names(
        dns=frozenset(san.get_values_for_type(x509.DNSName)),
        ips=frozenset(san.get_values_for_type(x509.IPAddress)),
    )


def fingerprint(cert: x509.Certificate) -> str:
    """The SHA-256 fingerprint as iPadOS and Android show it: hex pairs with colons."""
    return cert.fingerprint(hashes.SHA256()).hex(":").upper()


def common_name(cert: x509.Certificate) -> str:
    """The name a tablet lists the certificate under."""
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else ""


# --- the app's own certificate authority --------------------------------------------


def ensure_server_certificate(tls_folder: Path, names: Names, now: datetime | None = None) -> bool:
    """Make the CA if there is none (once), and a server certificate for ``names`` unless
    the one kept is still good: issued by this CA, for exactly these names, its key
    beside it, and more than 30 days from its end. True when a new one was issued."""
    now = now or datetime.now(UTC)
    make_private_folder(tls_folder)
    keep_private(tls_folder, PRIVATE_FOLDER)  # the CA's key: this user's alone
    ca_cert, ca_key = _certificate_authority(tls_folder, now)
    if _still_good(tls_folder, ca_cert, names, now):
        return False
    key = ec.generate_private_key(ec.SECP256R1())
    cert = _issue_server_certificate(ca_cert, ca_key, key, names, now)
    # The key first: a start cut short between the two leaves a pair that does not
    # match, which the next start notices and issues again.
    write_atomically(tls_folder / SERVER_KEY, _private_pem(key), mode=0o600)
    write_atomically(tls_folder / SERVER_CERT, _pem(cert), mode=0o644)
    return True


def _certificate_authority(
    tls_folder: Path, now: datetime
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    cert_path, key_path = tls_folder / CA_CERT, tls_folder / CA_KEY
    if cert_path.exists() and key_path.exists():
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        return x509.load_pem_x509_certificate(cert_path.read_bytes()), key
    key = ec.generate_private_key(ec.SECP256R1())
    # The machine's name in the CA's, so a tablet that trusts two laptops tells them apart.
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Pameran POS"),
            x509.NameAttribute(NameOID.COMMON_NAME, f"Pameran POS CA {_machine_name()}"[:64]),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + CA_LIFETIME)
        # path_length 0: it issues server certificates, never another CA.
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(certificate_authority=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    write_atomically(key_path, _private_pem(key), mode=0o600)
    write_atomically(cert_path, _pem(cert), mode=0o644)
    return cert, key


def _issue_server_certificate(
    ca_cert: x509.Certificate,
    ca_key: ec.EllipticCurvePrivateKey,
    key: ec.EllipticCurvePrivateKey,
    names: Names,
    now: datetime,
) -> x509.Certificate:
    dns = sorted(names.dns)
    ips = sorted(names.ips, key=lambda ip: (ip.version, int(ip)))
    # The subject is for people reading the certificate; browsers check the SANs alone.
    shown = next((n for n in dns if n not in network.LOOPBACK_NAMES), "localhost")
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, shown[:64])])
    not_before = now - BACKDATE
    ca_ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_before + SERVER_LIFETIME)
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName(n) for n in dns] + [x509.IPAddress(ip) for ip in ips]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(certificate_authority=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )


def _still_good(tls_folder: Path, ca_cert: x509.Certificate, names: Names, now: datetime) -> bool:
    try:
        cert = x509.load_pem_x509_certificate((tls_folder / SERVER_CERT).read_bytes())
        key = serialization.load_pem_private_key(
            (tls_folder / SERVER_KEY).read_bytes(), password=None
        )
    except (OSError, ValueError):
        return False
    try:
        cert.verify_directly_issued_by(ca_cert)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return (
        names_in(cert) == names
        and _public_bytes(cert.public_key()) == _public_bytes(key.public_key())
        and cert.not_valid_before_utc <= now
        and now < cert.not_valid_after_utc - RENEW_BEFORE
    )


def _key_usage(*, certificate_authority: bool) -> x509.KeyUsage:
    """A CA signs certificates (and revocation lists); a server's ECDSA key signs its
    part of each handshake."""
    return x509.KeyUsage(
        digital_signature=not certificate_authority,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=certificate_authority,
        crl_sign=certificate_authority,
        encipher_only=False,
        decipher_only=False,
    )


def _machine_name() -> str:
    return (network.host_names() or ["localhost"])[0]


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _private_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _public_bytes(key) -> bytes:
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


# --- what the server and the pages use ----------------------------------------------


def uses_given_certificate(app: Flask) -> bool:
    return bool(app.config.get("TLS_CERT") or app.config.get("TLS_KEY"))


def server_files(app: Flask) -> ServerFiles:
    """The certificate and key for `pos serve --tls`: the configured pair (checked that
    it loads and matches), else this machine's own, made or renewed as needed.

    Raises Invalid when only one of TLS_CERT and TLS_KEY is set, or the pair cannot be
    used (missing, unreadable, or a key that is not the certificate's)."""
    if uses_given_certificate(app):
        cert, key = app.config.get("TLS_CERT"), app.config.get("TLS_KEY")
        if not (cert and key):
            raise Invalid(
                "POS_TLS_CERT and POS_TLS_KEY go together: set both, or neither to use "
                "the app's own certificate authority.",
                code="tls_configuration",
            )
        try:
            ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(cert, key)
        except (OSError, ssl.SSLError) as exc:
            raise Invalid(
                f"Cannot serve HTTPS with certificate {cert} and key {key}: {exc}",
                code="tls_configuration",
            ) from exc
        return ServerFiles(Path(cert), Path(key), own_ca=False)
    tls_folder = folder(app)
    ensure_server_certificate(tls_folder, wanted_names())
    return ServerFiles(tls_folder / SERVER_CERT, tls_folder / SERVER_KEY, own_ca=True)


def certificate_domains(cert_path: Path) -> list[str]:
    """The DNS names a configured certificate is for (wildcards left out: no address to
    open), so the banner tells the tablets an address the certificate is valid for."""
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    return sorted(name for name in names_in(cert).dns if not name.startswith("*"))


def ca_certificate(app: Flask) -> x509.Certificate:
    """The app's CA certificate, for tablets to install.

    Raises NotFound when the server uses a real domain's certificate (nothing to
    install) or has never been started with --tls (no CA yet)."""
    if uses_given_certificate(app):
        raise NotFound(
            _(
                "This server uses its domain’s own certificate: tablets trust it "
                "without installing anything."
            ),
            code="no_certificate_authority",
        )
    try:
        return x509.load_pem_x509_certificate((folder(app) / CA_CERT).read_bytes())
    except FileNotFoundError:
        raise NotFound(
            _(
                "There is no certificate authority yet: start the server with "
                "“pos serve --tls” (or “make run TLS=1”) once."
            ),
            code="no_certificate_authority",
        ) from None


def ca_certificate_pem(app: Flask) -> bytes:
    return _pem(ca_certificate(app))


def setup_addresses(request_host: str) -> list[str]:
    """The HTTPS addresses of the setup page for a tablet's QR code: the host the page
    was asked for, unless that is this machine's loopback (the laptop's own browser),
    then each LAN address on the same port."""
    parts = urlsplit("//" + request_host)
    host, port = parts.hostname or "", parts.port
    suffix = f":{port}" if port and port != 443 else ""
    if host and not network.is_loopback(host):
        hosts = [host]
    else:
        hosts = network.lan_addresses() or [host or "localhost"]
    return [f"https://{network.url_host(h)}{suffix}/setup" for h in hosts]
