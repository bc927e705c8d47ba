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
import threading
import warnings
from collections.abc import Callable
from pathlib import Path

from flask import current_app, url_for
from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from pos.errors import Busy, Invalid, PayloadTooLarge
from pos.storage import write_atomically

# Phones' multi-picture JPEGs (MPO) come through the JPEG decoder.
FORMATS = ("JPEG", "PNG", "WEBP")
JPEG_FORMATS = frozenset({"JPEG", "MPO"})
Image.init()  # registers the decoders named above (Pillow loads only a few by itself)
THUMB_SIZE = 320  # square, for a grid tile of 160 CSS pixels on a 2× tablet screen
DISPLAY_SIZE = 1280  # longest side
# Pixels, read from the file's header before anything is decoded. A JPEG is decoded at
# 1/2, 1/4 or 1/8 of its size (draft), so a 48-megapixel phone photo costs what a
# 3-megapixel one does: it passes, a pixel bomb does not. PNG and WebP are decoded whole
# (their formats cannot be read reduced), at 4 bytes a pixel and more: 16 megapixels
# take a 12-megapixel camera picture saved as PNG and a 5K screenshot, ten times what
# the display size needs, for about 70 MB (a 49-megapixel PNG took 450 MB and 5 s).
MAX_PIXELS = 50_000_000
MAX_DECODED_PIXELS = 16_000_000
# One photo at a time per process (a gunicorn worker, or waitress's threads): a second
# upload waits for the first, up to PHOTO_WAIT_SECONDS, then is asked to retry (503).
PROCESSING = threading.BoundedSemaphore(1)
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
    if image.format in JPEG_FORMATS:
        if width * height > MAX_PIXELS:
            raise _too_many_pixels()
        # Decoded straight at the smallest scale (1/2, 1/4, 1/8) that still covers the
        # display size: a phone photo several times faster, in a fraction of the memory.
        image.draft("RGB", (DISPLAY_SIZE, DISPLAY_SIZE))
    elif width * height > MAX_DECODED_PIXELS:
        raise Invalid(
            _(
                "The picture has more than %(n)d megapixels. Save it as a JPEG photo, or at "
                "a smaller size.",
                n=MAX_DECODED_PIXELS // 1_000_000,
            ),
            code="photo_too_many_pixels",
            field="photo",
        )
    try:
        image.load()  # with ImageFile.LOAD_TRUNCATED_IMAGES off (Pillow's default)
    except (OSError, ValueError, SyntaxError, EOFError):
        raise Invalid(
            _("The photo file is damaged or incomplete. Take or choose it again."),
            code="photo_damaged",
            field="photo",
        ) from None
    return _reduced(image)


# Modes Image.reduce works in; others (palette, 1-bit) are converted first.
_REDUCIBLE = frozenset({"L", "LA", "RGB", "RGBA", "I", "F", "CMYK"})


def _reduced(image: Image.Image) -> Image.Image:
    """The picture shrunk by a whole factor (averaging boxes of pixels, cheap) to no less
    than the display size and the thumbnail's side, before anything else copies it:
    flattening and turning then work on a picture near the size that is kept."""
    width, height = image.size
    factor = min(max(width, height) // DISPLAY_SIZE, min(width, height) // THUMB_SIZE)
    if factor < 2:
        return image
    info = image.info  # the EXIF orientation, applied afterwards
    if image.mode not in _REDUCIBLE:
        transparent = image.mode in ("PA", "La") or "transparency" in image.info
        image = image.convert("RGBA" if transparent else "RGB")
    reduced = image.reduce(factor)
    reduced.info = info
    return reduced


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
    file. One upload at a time per process is decoded (PROCESSING); one that waited
    PHOTO_WAIT_SECONDS for its turn raises Busy. Raises Invalid, PayloadTooLarge or
    Busy, having written nothing."""
    if not PROCESSING.acquire(timeout=float(current_app.config["PHOTO_WAIT_SECONDS"])):
        raise Busy(
            _("The server is busy with other photos. Try again in a moment."),
            code="photo_busy",
            field="photo",
        )
    try:
        files = renditions(content)
    finally:
        PROCESSING.release()
    key = hashlib.sha256(content).hexdigest()[:32]
    for size, data in files.items():
        target = path_of(key, size)
        if not target.exists():
            write_atomically(target, data)
    return key
