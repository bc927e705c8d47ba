"""Product photos: what a tablet's camera sends is turned upright, stripped of EXIF and
stored as a thumbnail and a display size; every kind of bad upload is refused with a
clear message, and a refused upload changes nothing and writes no file."""

from __future__ import annotations

import io
import shutil
import struct
import zlib
from pathlib import Path
from urllib.parse import urlencode

import pytest
from PIL import Image

from pos.auth import service as auth_service
from pos.extensions import db
from pos.inventory.models import Product
from tests import factories
from tests.pages import english, flashes, sign_in, text


@pytest.fixture
def booth(db):
    return factories.Booth(factories.make_event(), "B12")


@pytest.fixture
def photos_dir(app) -> Path:
    return Path(app.config["PHOTOS_DIR"])


def jpeg(size=(400, 200), *, orientation: int | None = None, gps: bool = False) -> bytes:
    """A camera-like JPEG: left half red, right half blue, with EXIF if asked."""
    image = Image.new("RGB", size, (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, size[0] // 2, size[1]))
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    if gps:
        exif[0x010F] = "PhoneMaker"
        exif.get_ifd(0x8825)[2] = (8.0, 30.0, 0.0)  # GPSLatitude: where the maker lives
    out = io.BytesIO()
    image.save(out, "JPEG", quality=95, exif=exif.tobytes())
    return out.getvalue()


def png_bomb(width: int = 20_000, height: int = 20_000) -> bytes:
    """A valid 1-bit PNG of width × height pixels, all black: a few dozen kilobytes that
    would take gigabytes once decoded to RGB."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    row = b"\x00" * (1 + (width + 7) // 8)
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


def multipart(content: bytes, filename: str, mimetype: str | None) -> tuple[bytes, str]:
    """A multipart body with one file field, built here: the test client spools a large
    body to a temporary file it never closes."""
    boundary = "pos-photo-boundary"
    head = (
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        f"Content-Type: {mimetype or 'application/octet-stream'}\r\n\r\n"
    ).encode()
    body = head + content + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def put_photo(client, user, product_id, content: bytes, filename="photo.jpg", mimetype=None):
    body, content_type = multipart(content, filename, mimetype)
    return client.put(
        f"/api/v1/products/{product_id}/photo",
        data=body,
        content_type=content_type,
        headers=factories.auth_headers(client, user),
    )


def stored_files(photos_dir: Path) -> list[Path]:
    return sorted(p for p in photos_dir.rglob("*") if p.is_file()) if photos_dir.exists() else []


def fetch(client, url: str, **kwargs):
    """A GET whose file is read and closed at once (send_file streams from an open file)."""
    response = client.get(url, **kwargs)
    response.get_data()
    response.close()
    return response


# --- what is stored ---------------------------------------------------------------------


def test_a_camera_photo_is_turned_upright_stripped_of_exif_and_stored_in_two_sizes(
    client, booth, photos_dir
):
    # Orientation 6: the camera was held upright; the picture must turn 90° clockwise.
    response = put_photo(client, booth.manager, booth.product.id, jpeg(orientation=6, gps=True))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["thumbnail_url"].endswith("-thumb.jpg")
    assert body["photo_url"].endswith("-display.jpg")

    sign_in(client, booth.manager)
    display = fetch(client, body["photo_url"])
    assert display.status_code == 200 and display.mimetype == "image/jpeg"
    picture = Image.open(io.BytesIO(display.data))
    assert picture.size == (200, 400)  # portrait now
    assert picture.getpixel((100, 50))[0] > 200  # the red half is on top
    assert picture.getpixel((100, 350))[2] > 200  # the blue half below
    assert len(picture.getexif()) == 0 and "exif" not in picture.info
    assert b"PhoneMaker" not in display.data

    thumb = Image.open(io.BytesIO(fetch(client, body["thumbnail_url"]).data))
    assert thumb.size == (320, 320) and len(thumb.getexif()) == 0
    assert len(stored_files(photos_dir)) == 2
    assert db.session.get(Product, booth.product.id).photo is not None


def test_a_large_photo_is_scaled_down_to_the_display_size(client, booth):
    response = put_photo(client, booth.manager, booth.product.id, jpeg(size=(4000, 3000)))
    assert response.status_code == 200
    sign_in(client, booth.manager)
    picture = Image.open(io.BytesIO(fetch(client, response.get_json()["photo_url"]).data))
    assert picture.size == (1280, 960)


def test_a_transparent_png_is_laid_on_white(client, booth):
    image = Image.new("RGBA", (100, 100), (0, 0, 0, 0))
    image.paste((0, 128, 0, 255), (25, 25, 75, 75))
    out = io.BytesIO()
    image.save(out, "PNG")
    response = put_photo(client, booth.manager, booth.product.id, out.getvalue(), "logo.png")
    assert response.status_code == 200
    sign_in(client, booth.manager)
    picture = Image.open(io.BytesIO(fetch(client, response.get_json()["photo_url"]).data))
    assert min(picture.getpixel((2, 2))) > 245  # white, not black, where it was clear
    assert picture.getpixel((50, 50))[1] > 100


def test_photos_are_served_for_a_year_to_signed_in_users_only(client, app, booth):
    response = put_photo(client, booth.manager, booth.product.id, jpeg())
    url = response.get_json()["thumbnail_url"]
    anonymous = fetch(app.test_client(), url)
    assert anonymous.status_code == 302  # to sign in, and back to the photo
    assert anonymous.location == "/login?" + urlencode({"next": url})
    sign_in(client, booth.manager)
    served = fetch(client, url)
    assert served.headers["Cache-Control"] == "private, max-age=31536000, immutable"
    assert served.headers.get("ETag")
    again = fetch(client, url, headers={"If-None-Match": served.headers["ETag"]})
    assert again.status_code == 304


@pytest.mark.parametrize(
    "name", ["../secret_key", "..%2Fsecret_key", "0" * 32 + "-big.jpg", "x" * 32 + "-thumb.jpg"]
)
def test_a_photo_name_that_is_not_one_of_ours_is_not_found(client, booth, name):
    sign_in(client, booth.manager)
    assert fetch(client, f"/photos/{name}").status_code == 404


def test_the_same_photo_uploaded_twice_is_stored_once(client, booth, photos_dir):
    content = jpeg()
    first = put_photo(client, booth.manager, booth.product.id, content).get_json()
    second = put_photo(client, booth.manager, booth.painting.id, content).get_json()
    assert first["thumbnail_url"] == second["thumbnail_url"]
    assert len(stored_files(photos_dir)) == 2


def test_a_photo_can_be_taken_away(client, booth):
    put_photo(client, booth.manager, booth.product.id, jpeg())
    response = client.delete(
        f"/api/v1/products/{booth.product.id}/photo",
        headers=factories.auth_headers(client, booth.manager),
    )
    assert response.status_code == 200
    assert response.get_json()["photo_url"] is None and response.get_json()["thumbnail_url"] is None


def test_another_booths_manager_cannot_change_the_photo(client, db, booth):
    other = factories.Booth(booth.exhibitor.event, "C07")
    response = put_photo(client, other.manager, booth.product.id, jpeg())
    assert response.status_code == 403
    assert response.get_json() == {
        "error": "forbidden",
        "message": "You do not have access to this exhibitor.",
    }
    assert db.session.get(Product, booth.product.id).photo is None


def test_the_photos_folder_is_configurable(make_client, app_config, tmp_path):
    elsewhere = tmp_path / "media" / "photos"
    client = make_client(app_config | {"PHOTOS_DIR": str(elsewhere)})
    booth = factories.Booth(factories.make_event(), "D02")
    assert put_photo(client, booth.manager, booth.product.id, jpeg()).status_code == 200
    assert len(stored_files(elsewhere)) == 2


# --- bad uploads ------------------------------------------------------------------------


def truncated_jpeg() -> bytes:
    whole = jpeg(size=(800, 600))
    return whole[: len(whole) // 2]


def renamed_executable() -> bytes:
    return Path(shutil.which("ls") or "/bin/ls").read_bytes()


BAD_UPLOADS = {
    "not an image": (lambda: b"sku,name\nSR-1,Cincin\n", "photo.jpg", 422, "not_a_photo"),
    "renamed executable": (renamed_executable, "photo.jpg", 422, "not_a_photo"),
    "empty file": (lambda: b"", "photo.jpg", 422, "not_a_photo"),
    "gif (not an allowed format)": (
        lambda: _saved(Image.new("RGB", (10, 10)), "GIF"),
        "photo.gif",
        422,
        "not_a_photo",
    ),
    "20000 x 20000 pixel png": (png_bomb, "photo.png", 422, "photo_too_many_pixels"),
    "truncated jpeg": (truncated_jpeg, "photo.jpg", 422, "photo_damaged"),
    "larger than the photo limit": (
        lambda: jpeg() + b"\x00" * (24 * 1024 * 1024 + 512 * 1024),
        "photo.jpg",
        413,
        "photo_too_large",
    ),
    "larger than any request": (
        lambda: b"\xff\xd8" + b"\x00" * (30 * 1024 * 1024),
        "photo.jpg",
        413,
        "payload_too_large",
    ),
}


def _saved(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt)
    return out.getvalue()


@pytest.mark.parametrize("kind", list(BAD_UPLOADS))
def test_a_bad_upload_is_refused_clearly_and_changes_nothing(client, db, booth, photos_dir, kind):
    make, filename, status, code = BAD_UPLOADS[kind]
    response = put_photo(client, booth.manager, booth.product.id, make(), filename, "image/jpeg")
    assert response.status_code == status
    body = response.get_json()
    assert body["error"] == code and body["message"]
    db.session.expire_all()
    assert db.session.get(Product, booth.product.id).photo is None
    assert stored_files(photos_dir) == []


def test_a_bad_upload_keeps_the_photo_the_product_had(client, db, booth):
    good = put_photo(client, booth.manager, booth.product.id, jpeg()).get_json()
    refused = put_photo(client, booth.manager, booth.product.id, truncated_jpeg())
    assert refused.status_code == 422
    db.session.expire_all()
    assert good["thumbnail_url"].endswith(
        f"{db.session.get(Product, booth.product.id).photo}-thumb.jpg"
    )


def test_a_put_without_a_file_is_a_clear_400(client, booth):
    response = client.put(
        f"/api/v1/products/{booth.product.id}/photo",
        data={},
        content_type="multipart/form-data",
        headers=factories.auth_headers(client, booth.manager),
    )
    assert response.status_code == 400 and response.get_json()["error"] == "file_missing"


# --- the product form -------------------------------------------------------------------


def test_the_product_form_adds_a_product_with_its_photo(client, db, booth):
    sign_in(client, booth.manager)
    response = client.post(
        f"/products/new?exhibitor_id={booth.exhibitor.id}",
        data={
            "sku": "SR-77",
            "name": "Cincin Perak Jepun",
            "category": "craft",
            "price": "450000",
            "stock": "3",
            "photo": (io.BytesIO(jpeg()), "IMG_0042.JPG"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    product = db.session.scalar(db.select(Product).where(Product.sku == "SR-77"))
    assert product.photo
    page = client.get(f"/products/{product.id}").get_data(as_text=True)
    assert f"{product.photo}-display.jpg" in page


def test_a_bad_photo_in_the_product_form_is_shown_at_the_field_and_adds_nothing(client, db, booth):
    auth_service.set_locale(booth.manager, "en")
    db.session.commit()
    sign_in(client, booth.manager)
    response = client.post(
        f"/products/new?exhibitor_id={booth.exhibitor.id}",
        data={
            "sku": "SR-78",
            "name": "Cincin",
            "category": "craft",
            "price": "450000",
            "stock": "3",
            "photo": (io.BytesIO(b"MZ\x90\x00 not a picture"), "setup.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "This file is not a photo" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(Product).where(Product.sku == "SR-78")) is None


def test_the_product_pages_quick_photo_saves_it_and_a_bad_one_is_flashed(client, db, booth):
    english(booth.manager)
    sign_in(client, booth.manager)
    url = f"/products/{booth.product.id}/photo"
    posted = client.post(
        url,
        data={"photo": (io.BytesIO(jpeg()), "IMG_0007.JPG")},
        content_type="multipart/form-data",
    )
    assert posted.status_code == 302
    saved = client.get(posted.headers["Location"])
    db.session.expire_all()
    key = db.session.get(Product, booth.product.id).photo
    assert key and f"{key}-display.jpg" in text(saved)
    assert f"Photo of {booth.product.sku} saved." in flashes(text(saved), "success")

    client.post(
        url,
        data={"photo": (io.BytesIO(truncated_jpeg()), "IMG_0008.JPG")},
        content_type="multipart/form-data",
    )
    refused = client.get(f"/products/{booth.product.id}")
    assert any("damaged or incomplete" in m for m in flashes(text(refused), "error"))
    db.session.expire_all()
    assert db.session.get(Product, booth.product.id).photo == key


def test_a_cashier_cannot_change_a_photo_from_the_product_page(client, db, booth):
    sign_in(client, booth.cashier)
    response = client.post(
        f"/products/{booth.product.id}/photo",
        data={"photo": (io.BytesIO(jpeg()), "x.jpg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Product, booth.product.id).photo is None


# --- pixels and workers: what one upload may cost ------------------------------------------


def flat_png(width: int, height: int) -> bytes:
    """A valid 8-bit RGB PNG of one colour: 49 megapixels fit in under 200 KB."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    row = b"\x00" + b"\xc8\xb4\x96" * width
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


def test_a_49_megapixel_png_of_190_kb_is_refused_before_it_is_decoded(
    client, db, booth, photos_dir
):
    content = flat_png(7000, 7000)
    assert len(content) < 200_000
    response = put_photo(client, booth.manager, booth.product.id, content, "poster.png")
    assert response.status_code == 422
    assert response.get_json() == {
        "error": "photo_too_many_pixels",
        "message": "The picture has more than 16 megapixels. Save it as a JPEG photo, or "
        "at a smaller size.",
        "field": "photo",
    }
    db.session.expire_all()
    assert db.session.get(Product, booth.product.id).photo is None
    assert stored_files(photos_dir) == []


def test_the_product_form_shows_the_pixel_limit_of_a_png_at_the_field(client, db, booth):
    english(booth.manager)
    sign_in(client, booth.manager)
    response = client.post(
        f"/products/{booth.product.id}/photo",
        data={"photo": (io.BytesIO(flat_png(7000, 7000)), "poster.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    page = text(client.get(f"/products/{booth.product.id}"))
    assert flashes(page, "error") == [
        "The picture has more than 16 megapixels. Save it as a JPEG photo, or at a smaller size."
    ]


def test_a_png_of_a_12_megapixel_camera_is_taken(client, booth):
    response = put_photo(client, booth.manager, booth.product.id, flat_png(4032, 3024), "a.png")
    assert response.status_code == 200, response.get_json()
    sign_in(client, booth.manager)
    picture = Image.open(io.BytesIO(fetch(client, response.get_json()["photo_url"]).data))
    assert picture.size == (1280, 960)


def test_a_48_megapixel_phone_jpeg_is_taken_and_scaled_down(client, booth):
    response = put_photo(client, booth.manager, booth.product.id, jpeg(size=(8000, 6000)))
    assert response.status_code == 200, response.get_json()
    sign_in(client, booth.manager)
    picture = Image.open(io.BytesIO(fetch(client, response.get_json()["photo_url"]).data))
    assert picture.size == (1280, 960)
    assert picture.getpixel((10, 480))[0] > 200 and picture.getpixel((1270, 480))[2] > 200


def test_a_jpeg_above_50_megapixels_is_refused(client, booth):
    response = put_photo(client, booth.manager, booth.product.id, jpeg(size=(9000, 6000)))
    assert response.status_code == 422
    assert response.get_json()["error"] == "photo_too_many_pixels"
    assert response.get_json()["message"] == (
        "The photo has more than 50 megapixels. Take it at the camera's normal size."
    )


def test_while_a_process_works_on_a_photo_another_waits_then_is_told_to_retry(
    client, app, db, booth, photos_dir
):
    """One photo at a time per process: a second upload waits for the first, and is
    answered 503 when the wait is over, having stored nothing."""
    from pos.inventory import photos

    app.config["PHOTO_WAIT_SECONDS"] = 0.2
    with photos.PROCESSING:  # another request's photo, being worked on
        busy = put_photo(client, booth.manager, booth.product.id, jpeg())
    assert busy.status_code == 503
    assert busy.get_json() == {
        "error": "photo_busy",
        "message": "The server is busy with other photos. Try again in a moment.",
        "field": "photo",
    }
    assert stored_files(photos_dir) == []
    assert put_photo(client, booth.manager, booth.product.id, jpeg()).status_code == 200


def test_a_large_png_shrunk_before_turning_still_comes_out_upright(client, booth):
    image = Image.new("RGB", (4032, 3024), (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, 2016, 3024))
    exif = Image.Exif()
    exif[0x0112] = 6  # held upright: turn 90° clockwise, the left (red) half on top
    out = io.BytesIO()
    image.save(out, "PNG", exif=exif.tobytes())
    response = put_photo(client, booth.manager, booth.product.id, out.getvalue(), "a.png")
    assert response.status_code == 200, response.get_json()
    sign_in(client, booth.manager)
    picture = Image.open(io.BytesIO(fetch(client, response.get_json()["photo_url"]).data))
    assert picture.size == (960, 1280)
    assert picture.getpixel((480, 10))[0] > 240 and picture.getpixel((480, 1270))[2] > 240
