"""HTTPS on the venue LAN: the app's own certificate authority, the server certificate it
issues for this machine (Apple's rules, renewal), a real domain's certificate instead,
the CA download, the tablet set-up page, and `pos serve --tls` itself."""

from __future__ import annotations

import hashlib
import ipaddress
import shutil
import socket
import ssl
import subprocess
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from pos.errors import Invalid
from pos.tls import service
from tests.browser import TABLET, PageProblems
from tests.servers import lan_addresses_by_ip_command, served, unverified_tls

NOW = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
VENUE = service.Names(
    dns=frozenset({"kasir-laptop", "kasir-laptop.local", "localhost"}),
    ips=frozenset(ipaddress.ip_address(a) for a in ("127.0.0.1", "::1", "192.168.8.20")),
)


def _load(path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _san(cert: x509.Certificate) -> tuple[set[str], set[str]]:
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return (
        set(names.get_values_for_type(x509.DNSName)),
        {str(ip) for ip in names.get_values_for_type(x509.IPAddress)},
    )


# --- the certificates -----------------------------------------------------------------


def test_the_server_certificate_meets_apples_rules_for_tls_servers(tmp_path):
    folder = tmp_path / "tls"
    assert service.ensure_server_certificate(folder, VENUE, now=NOW) is True
    cert = _load(folder / "server.crt")

    lifetime = cert.not_valid_after_utc - cert.not_valid_before_utc
    assert lifetime == timedelta(days=397) and lifetime < timedelta(days=398)
    assert cert.not_valid_before_utc == datetime(2026, 3, 1, 1, 0, tzinfo=UTC)
    key = cert.public_key()
    assert isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name == "secp256r1"
    assert isinstance(cert.signature_hash_algorithm, hashes.SHA256)
    usage = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(usage) == [ExtendedKeyUsageOID.SERVER_AUTH]
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    assert _san(cert) == (
        {"kasir-laptop", "kasir-laptop.local", "localhost"},
        {"127.0.0.1", "::1", "192.168.8.20"},
    )


def test_the_certificate_authority_may_sign_certificates_and_nothing_below_it(tmp_path):
    folder = tmp_path / "tls"
    service.ensure_server_certificate(folder, VENUE, now=NOW)
    ca = _load(folder / "ca.crt")
    constraints = ca.extensions.get_extension_for_class(x509.BasicConstraints)
    assert constraints.critical and constraints.value.ca is True
    assert constraints.value.path_length == 0
    usage = ca.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.key_cert_sign is True
    assert ca.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "Pameran POS"
    _load(folder / "server.crt").verify_directly_issued_by(ca)


def test_a_new_lan_address_gets_a_new_server_certificate_from_the_same_ca(tmp_path):
    folder = tmp_path / "tls"
    service.ensure_server_certificate(folder, VENUE, now=NOW)
    ca_before = (folder / "ca.crt").read_bytes(), (folder / "ca.key").read_bytes()
    first = _load(folder / "server.crt")

    wider = service.Names(VENUE.dns, VENUE.ips | {ipaddress.ip_address("10.10.0.7")})
    assert service.ensure_server_certificate(folder, wider, now=NOW + timedelta(hours=3))

    renewed = _load(folder / "server.crt")
    assert renewed.serial_number != first.serial_number
    assert _san(renewed)[1] == {"127.0.0.1", "::1", "192.168.8.20", "10.10.0.7"}
    assert ((folder / "ca.crt").read_bytes(), (folder / "ca.key").read_bytes()) == ca_before
    renewed.verify_directly_issued_by(_load(folder / "ca.crt"))


def test_a_lost_hostname_or_address_is_dropped_from_the_renewed_certificate(tmp_path):
    folder = tmp_path / "tls"
    service.ensure_server_certificate(folder, VENUE, now=NOW)
    moved = service.Names(
        frozenset({"localhost"}),
        frozenset(ipaddress.ip_address(a) for a in ("127.0.0.1", "::1", "172.16.4.9")),
    )
    assert service.ensure_server_certificate(folder, moved, now=NOW)
    assert _san(_load(folder / "server.crt")) == ({"localhost"}, {"127.0.0.1", "::1", "172.16.4.9"})


def test_nothing_is_issued_again_when_names_addresses_and_dates_are_unchanged(tmp_path):
    folder = tmp_path / "tls"
    service.ensure_server_certificate(folder, VENUE, now=NOW)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    assert service.ensure_server_certificate(folder, VENUE, now=NOW + timedelta(days=200)) is False
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_the_server_certificate_is_renewed_within_30_days_of_its_end(tmp_path):
    folder = tmp_path / "tls"
    service.ensure_server_certificate(folder, VENUE, now=NOW)
    ca = (folder / "ca.crt").read_bytes()
    # It ends 2027-04-02 01:00 UTC (397 days after 2026-03-01 01:00).
    assert (
        service.ensure_server_certificate(folder, VENUE, now=datetime(2027, 3, 2, tzinfo=UTC))
        is False
    )
    assert (
        service.ensure_server_certificate(folder, VENUE, now=datetime(2027, 3, 4, tzinfo=UTC))
        is True
    )
    assert _load(folder / "server.crt").not_valid_after_utc == datetime(
        2028, 4, 4, tzinfo=UTC
    ) - timedelta(hours=1)
    assert (folder / "ca.crt").read_bytes() == ca


def test_a_server_key_that_does_not_match_its_certificate_is_replaced(tmp_path):
    folder = tmp_path / "tls"
    service.ensure_server_certificate(folder, VENUE, now=NOW)
    (folder / "server.key").write_bytes(_key_pem(ec.generate_private_key(ec.SECP256R1())))
    assert service.ensure_server_certificate(folder, VENUE, now=NOW) is True
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(folder / "server.crt", folder / "server.key")  # a matching pair


def test_private_keys_are_readable_by_their_owner_only(tmp_path):
    folder = tmp_path / "tls"
    service.ensure_server_certificate(folder, VENUE, now=NOW)
    modes = {p.name: p.stat().st_mode & 0o777 for p in folder.iterdir()}
    assert modes == {"ca.key": 0o600, "server.key": 0o600, "ca.crt": 0o644, "server.crt": 0o644}
    assert folder.stat().st_mode & 0o777 == 0o700


def test_the_certificate_names_this_machine_and_its_lan_addresses():
    expected_ips = {"127.0.0.1", "::1", *lan_addresses_by_ip_command()}
    hostname = socket.gethostname().lower()
    names = service.wanted_names()
    assert {str(ip) for ip in names.ips} == expected_ips
    assert {hostname, f"{hostname.split('.')[0]}.local", "localhost"} <= names.dns


# --- a real domain's certificate ------------------------------------------------------


def _domain_pair(tmp_path, domain="kasir.pameran.example"):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, domain)])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(datetime.now(UTC) - timedelta(hours=1))
        .not_valid_after(datetime.now(UTC) + timedelta(days=90))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(domain)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "domain.crt", tmp_path / "domain.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(_key_pem(key))
    return cert_path, key_path


def test_a_configured_domain_certificate_is_used_as_given_and_no_ca_is_made(
    app_config, tmp_path, make_client
):
    cert, key = _domain_pair(tmp_path)
    client = make_client(app_config | {"TLS_CERT": str(cert), "TLS_KEY": str(key)})
    files = service.server_files(client.application)
    assert (files.cert, files.key, files.own_ca) == (cert, key, False)
    assert not (tmp_path / "instance" / "tls").exists()
    assert service.certificate_domains(cert) == ["kasir.pameran.example"]

    answer = client.get("/ca.crt", headers={"Accept-Language": "en"})
    assert answer.status_code == 404
    assert "uses its domain’s own certificate" in answer.get_data(as_text=True)
    page = client.get(
        "/setup", headers={"Accept-Language": "en"}, base_url="https://kasir.pameran.example"
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "tablets trust it without installing anything" in html
    assert "https://kasir.pameran.example/login" in html and "/ca.crt" not in html


def test_the_environment_names_the_certificate_and_key(tmp_path, monkeypatch):
    from pos import create_app

    cert, key = _domain_pair(tmp_path)
    monkeypatch.setenv("POS_TLS_CERT", str(cert))
    monkeypatch.setenv("POS_TLS_KEY", str(key))
    app = create_app({"INSTANCE_PATH": str(tmp_path / "instance")})
    assert (app.config["TLS_CERT"], app.config["TLS_KEY"]) == (str(cert), str(key))


def test_a_certificate_without_its_key_or_with_the_wrong_one_is_refused(
    app_config, tmp_path, make_client
):
    cert, _key = _domain_pair(tmp_path)
    lone = make_client(app_config | {"TLS_CERT": str(cert)}).application
    with pytest.raises(Invalid, match="POS_TLS_CERT and POS_TLS_KEY go together"):
        service.server_files(lone)
    (tmp_path / "other").mkdir()
    _other_cert, other_key = _domain_pair(tmp_path / "other", domain="lain.example")
    wrong = make_client(app_config | {"TLS_CERT": str(cert), "TLS_KEY": str(other_key)}).application
    with pytest.raises(Invalid, match="Cannot serve HTTPS with certificate"):
        service.server_files(wrong)


# --- the pages ------------------------------------------------------------------------


def test_the_ca_download_needs_no_sign_in_and_is_the_ca_certificate(app, client):
    service.ensure_server_certificate(service.folder(app), VENUE, now=NOW)
    answer = client.get("/ca.crt")
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/x-x509-ca-cert"
    assert answer.headers["Content-Disposition"] == 'attachment; filename="pameran-pos-ca.crt"'
    assert answer.data == (service.folder(app) / "ca.crt").read_bytes()
    assert answer.data.startswith(b"-----BEGIN CERTIFICATE-----")
    assert b"PRIVATE KEY" not in answer.data
    android = client.get("/ca.crt?for=android")
    assert android.headers["Content-Type"] == "application/octet-stream"
    assert android.data == answer.data


def test_before_any_tls_start_the_ca_download_says_how_to_make_one(client):
    answer = client.get("/ca.crt", headers={"Accept-Language": "en"})
    assert answer.status_code == 404
    assert "start the server with “pos serve --tls”" in answer.get_data(as_text=True)


@pytest.mark.parametrize(
    ("language", "title", "android", "ipad"),
    [
        (
            "en",
            "Set up this tablet",
            "Settings → Security → Encryption & credentials → Install a certificate → "
            "CA certificate",
            "Settings → General → About → Certificate Trust Settings",
        ),
        (
            "id",
            "Siapkan tablet ini",
            "Setelan → Keamanan → Enkripsi & kredensial → Instal sertifikat → Sertifikat CA",
            "Pengaturan → Umum → Mengenai → Pengaturan Kepercayaan Sertifikat",
        ),
    ],
)
def test_the_setup_page_guides_android_and_ipad_in_both_languages_without_sign_in(
    app, client, language, title, android, ipad
):
    service.ensure_server_certificate(service.folder(app), VENUE, now=NOW)
    app.config["TRUSTED_HOSTS"] = ["192.168.8.20"]  # the venue's fixed address, trusted
    der = ssl.PEM_cert_to_DER_cert((service.folder(app) / "ca.crt").read_text())
    fingerprint = hashlib.sha256(der).hexdigest().upper()
    page = client.get(
        "/setup", headers={"Accept-Language": language}, base_url="http://192.168.8.20:5000"
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f"<h1>{title}</h1>" in html and android in html and ipad in html
    assert ":".join(fingerprint[i : i + 2] for i in range(0, 64, 2)) in html
    assert "https://192.168.8.20:5000/setup" in html  # the QR code's address, shown under it
    assert 'src="data:image/svg+xml' in html
    assert "https://192.168.8.20:5000/login" in html
    assert 'href="/ca.crt"' in html and 'href="/ca.crt?for=android"' in html


def test_the_setup_page_on_the_laptop_points_the_tablets_at_its_lan_addresses(app, client):
    service.ensure_server_certificate(service.folder(app), VENUE, now=NOW)
    html = client.get("/setup", base_url="http://127.0.0.1:5000").get_data(as_text=True)
    for address in lan_addresses_by_ip_command():
        assert f"https://{address}:5000/setup" in html
    assert "https://127.0.0.1:5000/setup" not in html


def test_a_forged_host_gets_the_setup_page_with_this_machines_addresses(app, client):
    service.ensure_server_certificate(service.folder(app), VENUE, now=NOW)
    html = client.get("/setup", base_url="http://evil.example:5000").get_data(as_text=True)
    assert "evil.example" not in html
    for address in lan_addresses_by_ip_command():
        assert f"https://{address}:5000/setup" in html


def test_the_sign_in_page_links_to_the_tablet_setup(client):
    html = client.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<a href="/setup" class="small">Set up this tablet</a>' in html


def test_waitress_refuses_tls_with_a_clear_message(runner):
    result = runner.invoke(args=["serve", "--tls", "--server", "waitress"])
    assert result.exit_code == 2
    assert "waitress cannot serve HTTPS" in result.output


# --- the real server ------------------------------------------------------------------


def _handshake(port: int, server_hostname: str, cadata: str) -> dict:
    context = ssl.create_default_context(cadata=cadata)  # checks the chain and the name
    with (
        socket.create_connection(("127.0.0.1", port), timeout=10) as raw,
        context.wrap_socket(raw, server_hostname=server_hostname) as tls,
    ):
        return tls.getpeercert()


@pytest.mark.slow
def test_pos_serve_tls_presents_a_certificate_that_verifies_against_the_downloaded_ca(tmp_path):
    lan = lan_addresses_by_ip_command()
    with served(tmp_path, tls=True, workers=1) as (base, log):
        assert base.startswith("https://")
        port = int(base.rsplit(":", 1)[1])
        # A tablet's first visit: it does not trust the server yet.
        with urllib.request.urlopen(base + "/ca.crt", timeout=10, context=unverified_tls()) as r:
            ca_pem = r.read().decode()
        for name in ("localhost", "127.0.0.1", "::1", *lan):
            assert _handshake(port, name, ca_pem)["subject"]
        with pytest.raises(ssl.SSLCertVerificationError):
            _handshake(port, "somewhere-else.example", ca_pem)
        with pytest.raises(ssl.SSLCertVerificationError):
            _handshake(
                port, "localhost", (tmp_path / "instance" / "tls" / "server.crt").read_text()
            )

        # Then it trusts the CA it installed, and the app answers over HTTPS.
        trusted = ssl.create_default_context(cadata=ca_pem)
        with urllib.request.urlopen(base + "/healthz", timeout=10, context=trusted) as r:
            assert r.status == 200

        text = log.read_text()
        der = ssl.PEM_cert_to_DER_cert(ca_pem)
        fingerprint = hashlib.sha256(der).hexdigest().upper()
        assert f"  https://127.0.0.1:{port}/  (this machine only; " in text
        assert (
            f"Set up each tablet once (trust this server): https://127.0.0.1:{port}/setup" in text
        )
        assert (
            "CA fingerprint (SHA-256): " + ":".join(fingerprint[i : i + 2] for i in range(0, 64, 2))
            in text
        )


@pytest.mark.slow
def test_pos_serve_tls_with_a_domain_certificate_serves_it_and_makes_no_ca(tmp_path):
    (tmp_path / "pair").mkdir()
    cert, key = _domain_pair(tmp_path / "pair")
    env = {"POS_TLS_CERT": str(cert), "POS_TLS_KEY": str(key)}
    with served(tmp_path, tls=True, workers=1, seed=False, env=env) as (base, log):
        port = int(base.rsplit(":", 1)[1])
        # The travel router's DNS sends the domain to this machine; here, to 127.0.0.1.
        assert _handshake(port, "kasir.pameran.example", cert.read_text())["subject"]
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(base + "/ca.crt", timeout=10, context=unverified_tls())
        refused.value.close()
        assert refused.value.code == 404
    assert not (tmp_path / "instance" / "tls").exists()
    text = log.read_text()
    assert f"  https://kasir.pameran.example:{port}/\n" in text
    assert "Set up each tablet once" not in text


@pytest.mark.browser
@pytest.mark.slow
def test_a_tablet_finds_the_setup_page_from_sign_in_and_its_qr_code_leads_to_https(
    browser, tmp_path
):
    if not shutil.which("zbarimg"):
        pytest.skip("needs zbar-tools to read the QR code (apt-get install zbar-tools)")
    lan = lan_addresses_by_ip_command()
    with served(tmp_path, tls=True, workers=1, seed=False) as (base, _log):
        port = int(base.rsplit(":", 1)[1])
        # Before the CA is installed the tablet proceeds past the certificate warning.
        context = browser.new_context(**TABLET, ignore_https_errors=True, locale="en-US")
        try:
            page = context.new_page()
            page.set_default_timeout(15_000)
            problems = PageProblems(page)
            page.goto(base + "/login")
            page.tap("text=Set up this tablet")
            page.wait_for_url(base + "/setup")
            qr = page.locator(".setup-qr img").first
            qr.screenshot(path=str(tmp_path / "setup-qr.png"))
            page.screenshot(path=str(tmp_path / "setup.png"), full_page=True)
            assert problems.seen == []
        finally:
            context.close()
    decoded = subprocess.run(
        ["zbarimg", "-q", "--raw", str(tmp_path / "setup-qr.png")],
        capture_output=True,
        text=True,
    ).stdout.strip()
    assert decoded == f"https://{(lan or ['127.0.0.1'])[0]}:{port}/setup"
