"""Product photos: an upload from a tablet's camera or files, checked and made safe.

An upload is only ever opened by Pillow's JPEG, PNG and WebP decoders, its size in bytes
and in pixels is limited before anything is decoded (a 20000 × 20000 PNG of a few
kilobytes would take gigabytes), and a damaged or truncated file is refused rather than
shown half grey. The camera's orientation is applied and every EXIF tag (GPS position
included) is dropped: what is stored are two new JPEGs drawn from the pixels alone, a
square thumbnail for the register's grid and a display size for the product page.

Files are named by the SHA-256 of the upload, so a name's content never changes and
browsers may keep it for a year; the same photo uploaded twice is stored once.
"""

from __future__ import annotations

import hashlib
import io
import re
import warnings
from collections.abc import Callable
from pathlib import Path

from flask import current_app, url_for
from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from pos.errors import Invalid, PayloadTooLarge
from pos.storage import write_atomically

# Phones' multi-picture JPEGs (MPO) come through the JPEG decoder.
FORMATS = ("JPEG", "PNG", "WEBP")
Image.init()  # registers the decoders named above (Pillow loads only a few by itself)
MAX_PIXELS = 50_000_000  # a 48-megapixel phone camera passes; a pixel bomb does not
THUMB_SIZE = 320  # square, for a grid tile of 160 CSS pixels on a 2× tablet screen
DISPLAY_SIZE = 1280  # longest side
NAME = re.compile(r"^(?P<key>[0-9a-f]{32})-(?P<size>thumb|display)\.jpg$")


def photo_dir() -> Path:
    return Path(current_app.config["PHOTOS_DIR"])


def path_of(key: str, size: str) -> Path:
    return photo_dir() / key[:2] / f"{key}-{size}.jpg"


def photo_url(key: str, size: str) -> str:
    """Where a browser gets the photo of that key in that size ("thumb", "display")."""
    return url_for("inventory.photo", name=f"{key}-{size}.jpg")


def photo_url_of_size(size: str) -> Callable[[str], str]:
    """:func:`photo_url` for many photos of one size: the route is built once (url_for
    costs more than everything else a catalogue row needs)."""
    template = url_for("inventory.photo", name="KEY")
    head, _key, tail = template.rpartition("KEY")
    return lambda key: f"{head}{key}-{size}.jpg{tail}"


def _not_a_photo() -> Invalid:
    return Invalid(
        _("This file is not a photo. Upload a JPEG, PNG or WebP picture."),
        code="not_a_photo",
        field="photo",
    )


def _open(content: bytes) -> Image.Image:
    """The decoded picture, or a clear refusal; never decodes more than MAX_PIXELS."""
    limit = current_app.config["PHOTO_MAX_BYTES"]
    if len(content) > limit:
        raise PayloadTooLarge(
            _("The photo is larger than %(mb)d MB.", mb=limit // (1024 * 1024)),
            code="photo_too_large",
            field="photo",
        )
    if not content:
        raise _not_a_photo()
    try:
        with warnings.catch_warnings():
            # Pillow only warns between its own limit and twice it; ours is lower anyway.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(content), formats=FORMATS)
    except Image.DecompressionBombError:
        raise _too_many_pixels() from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise _not_a_photo() from None
    width, height = image.size
    if width < 1 or height < 1:
        raise _not_a_photo()
    if width * height > MAX_PIXELS:
        raise _too_many_pixels()
    # A JPEG is decoded straight at the smallest scale (1/2, 1/4, 1/8) that still covers
    # the display size: a phone photo several times faster. Other formats ignore this.
    image.draft("RGB", (DISPLAY_SIZE, DISPLAY_SIZE))
    try:
        image.load()  # with ImageFile.LOAD_TRUNCATED_IMAGES off (Pillow's default)
    except (OSError, ValueError, SyntaxError, EOFError):
        raise Invalid(
            _("The photo file is damaged or incomplete. Take or choose it again."),
            code="photo_damaged",
            field="photo",
        ) from None
    return image


def _too_many_pixels() -> Invalid:
    return Invalid(
        _(
            "The photo has more than %(n)d megapixels. Take it at the camera's normal size.",
            n=MAX_PIXELS // 1_000_000,
        ),
        code="photo_too_many_pixels",
        field="photo",
    )


def _flatten(image: Image.Image) -> Image.Image:
    """RGB pixels, upright, transparency laid on white (a PNG logo shows as printed)."""
    image = ImageOps.exif_transpose(image)
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return image.convert("RGB")


def _jpeg(image: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    # A new image saved without exif= carries no EXIF, XMP or ICC data of the upload.
    image.save(out, "JPEG", quality=quality, optimize=True, progressive=True)
    return out.getvalue()


def renditions(content: bytes) -> dict[str, bytes]:
    """The thumbnail and display JPEGs of an upload; raises Invalid or PayloadTooLarge."""
    image = _flatten(_open(content))
    thumb = ImageOps.fit(image, (THUMB_SIZE, THUMB_SIZE), Image.Resampling.LANCZOS)
    display = image.copy()
    display.thumbnail((DISPLAY_SIZE, DISPLAY_SIZE), Image.Resampling.LANCZOS)
    return {"thumb": _jpeg(thumb, 80), "display": _jpeg(display, 85)}


def store(content: bytes) -> str:
    """Check and store an upload; returns its key (what Product.photo holds).

    Each file is written aside and renamed into place, so a reader never sees half a
    file. Raises Invalid or PayloadTooLarge, having written nothing."""
    files = renditions(content)
    key = hashlib.sha256(content).hexdigest()[:32]
    for size, data in files.items():
        target = path_of(key, size)
        if not target.exists():
            write_atomically(target, data)
    return key
