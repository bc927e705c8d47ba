"""What travels to the browser: static files under URLs versioned by their content and
kept a year, files imported by ES modules under their bare paths, and compressed text
answers (never images or PDFs) whose ETags and 304s still work."""

import gzip
import hashlib
import io
import os
import re
import uuid
from pathlib import Path

import brotli
import pytest
from PIL import Image

from tests import factories

STATIC = Path(__file__).parents[1] / "pos" / "static"
IMMUTABLE = "public, max-age=31536000, immutable"


def version_of(name: str) -> str:
    return hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:12]


@pytest.fixture
def booth(db):
    return factories.Booth(factories.make_event(), "B12")


def fill_catalogue(booth) -> None:
    """Enough products for a catalogue of several kilobytes."""
    for n in range(10):
        factories.make_product(
            booth.exhibitor, booth.manager, description=f"Anyaman bambu nomor {n}, Bali. " * 3
        )


@pytest.fixture
def signed_in(client, booth):
    client.post("/login", data={"username": booth.cashier.username, "password": factories.PASSWORD})
    return client


def test_static_urls_carry_their_content_hash_and_that_version_is_kept_a_year(client, db):
    page = client.get("/login").get_data(as_text=True)
    css = f"/static/css/app.css?v={version_of('css/app.css')}"
    assert f'href="{css}"' in page

    kept = client.get(css)
    assert kept.status_code == 200
    assert kept.headers["Cache-Control"] == IMMUTABLE
    assert kept.get_data() == (STATIC / "css/app.css").read_bytes()
    # Without the version, or with another (a page from before a release), the file is
    # asked for again each time.
    for url in ("/static/css/app.css", "/static/css/app.css?v=0123456789ab"):
        answer = client.get(url)
        assert (answer.status_code, answer.headers["Cache-Control"]) == (200, "no-cache")


def imported_by(module: str) -> set[str]:
    """Every static module a module imports, directly or not, as a URL path."""
    found: set[str] = set()
    pending = [module]
    while pending:
        name = pending.pop()
        source = (STATIC / name).read_text()
        for target in re.findall(r'^import [^;]*?from "(\.{1,2}/[^"]+)";', source, re.M):
            path = os.path.normpath(f"{Path(name).parent}/{target}")
            if f"/static/{path}" not in found:
                found.add(f"/static/{path}")
                pending.append(path)
    return found


def test_modules_imported_by_path_keep_bare_urls_and_pinned_vendor_files_are_kept(signed_in):
    page = signed_in.get("/register").get_data(as_text=True)
    assert f'src="/static/js/register.js?v={version_of("js/register.js")}"' in page
    preloaded = re.findall(r'<link rel="modulepreload" href="([^"]+)">', page)
    assert sorted(preloaded) == sorted(imported_by("js/register.js"))
    assert all("?v=" not in url for url in preloaded)
    module = signed_in.get("/static/js/register/storage.js")
    assert module.headers["Cache-Control"] == "no-cache"
    vendor = signed_in.get("/static/vendor/idb-8.0.4/idb.js")
    assert vendor.headers["Cache-Control"] == IMMUTABLE

    worker = signed_in.get("/sw.js").get_data(as_text=True)
    shell = re.search(r"const SHELL = (\[.*?\]);", worker).group(1)
    assert f'"/static/js/register.js?v={version_of("js/register.js")}"' in shell
    for name in ("storage", "sync", "catalogue", "grid"):
        assert f'"/static/js/register/{name}.js"' in shell


def test_text_answers_are_compressed_with_what_the_browser_accepts(signed_in, booth):
    small = signed_in.get(
        f"/api/v1/register/catalogue?exhibitor_id={booth.exhibitor.id}",
        headers={"Accept-Encoding": "gzip"},
    )
    assert len(small.get_data()) < 1024  # under one packet: nothing to gain
    assert "Content-Encoding" not in small.headers
    fill_catalogue(booth)
    plain = signed_in.get(f"/api/v1/register/catalogue?exhibitor_id={booth.exhibitor.id}")
    assert "Content-Encoding" not in plain.headers

    packed = signed_in.get(
        f"/api/v1/register/catalogue?exhibitor_id={booth.exhibitor.id}",
        headers={"Accept-Encoding": "gzip"},
    )
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert gzip.decompress(packed.get_data()) == plain.get_data()

    page = signed_in.get("/register", headers={"Accept-Encoding": "br, gzip"})
    assert page.headers["Content-Encoding"] == "br"
    assert b'id="register"' in brotli.decompress(page.get_data())

    script = signed_in.get(
        f"/static/js/register.js?v={version_of('js/register.js')}",
        headers={"Accept-Encoding": "gzip, deflate"},  # Chrome over plain HTTP
    )
    assert script.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(script.get_data()) == (STATIC / "js/register.js").read_bytes()
    assert script.headers["Cache-Control"] == IMMUTABLE


def test_photos_and_pdfs_are_never_compressed_again(client, signed_in, booth):
    manager = factories.auth_headers(client, booth.manager)
    jpeg = io.BytesIO()
    Image.new("RGB", (400, 300), (150, 80, 40)).save(jpeg, "JPEG")
    product = client.put(
        f"/api/v1/products/{booth.product.id}/photo",
        data={"file": (io.BytesIO(jpeg.getvalue()), "foto.jpg")},
        headers=manager,
        content_type="multipart/form-data",
    ).get_json()
    with signed_in.get(product["thumbnail_url"], headers={"Accept-Encoding": "gzip, br"}) as photo:
        assert (photo.status_code, photo.mimetype) == (200, "image/jpeg")
        assert "Content-Encoding" not in photo.headers

    cashier = factories.auth_headers(client, booth.cashier)
    sale = client.post(
        "/api/v1/sales",
        json={
            "exhibitor_id": booth.exhibitor.id,
            "items": [{"product_id": booth.product.id, "quantity": 1}],
            "payments": [{"method": "cash", "amount": 100_000}],
        },
        headers=cashier | {"Idempotency-Key": str(uuid.uuid4())},
    ).get_json()
    pdf = client.get(sale["receipt_url"], headers=cashier | {"Accept-Encoding": "gzip, br"})
    assert (pdf.status_code, pdf.mimetype) == (200, "application/pdf")
    assert "Content-Encoding" not in pdf.headers
    assert pdf.get_data().startswith(b"%PDF")


def test_etags_and_304s_survive_compression(signed_in, booth):
    url = f"/static/js/register.js?v={version_of('js/register.js')}"
    first = signed_in.get(url, headers={"Accept-Encoding": "br"})
    assert first.headers["Content-Encoding"] == "br"
    again = signed_in.get(
        url, headers={"Accept-Encoding": "br", "If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304

    fill_catalogue(booth)
    catalogue = f"/api/v1/register/catalogue?exhibitor_id={booth.exhibitor.id}"
    full = signed_in.get(catalogue, headers={"Accept-Encoding": "br"})
    etag = full.headers["ETag"]
    assert full.headers["Content-Encoding"] == "br" and etag.startswith('W/"')
    assert ":" not in etag  # a weak ETag names the catalogue, however it is encoded
    unchanged = signed_in.get(catalogue, headers={"Accept-Encoding": "br", "If-None-Match": etag})
    assert unchanged.status_code == 304
