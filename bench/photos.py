"""Product photo benchmark: what an upload costs the server, beside a floor measured in
the same run (Pillow decoding the same file at full size, and nothing else).

    .venv/bin/python bench/photos.py [--rounds 10]

The uploads are camera-like JPEGs of 12 and 48 megapixels (noise, so they compress
like a real photo rather than a flat colour) and a 2 MP PNG screenshot. Each is turned
into its thumbnail and display JPEGs by ``pos.inventory.photos.renditions`` (checks,
EXIF orientation, flattening, two resizes, two encodes), as
``PUT /api/v1/products/<id>/photo`` does before writing the files. Median of ``--rounds``.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def upload(size: tuple[int, int], fmt: str) -> bytes:
    from PIL import Image

    # Noise drawn at a quarter of the size and scaled up: texture at every scale, which
    # compresses about as well as a photo of cloth or silver does.
    small = Image.merge("RGB", [Image.effect_noise((size[0] // 4, size[1] // 4), 64)] * 3)
    image = small.resize(size, Image.Resampling.BICUBIC)
    out = io.BytesIO()
    image.save(out, fmt, **({"quality": 90} if fmt == "JPEG" else {}))
    return out.getvalue()


def median_ms(work, rounds: int) -> float:
    work()
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()

    from PIL import Image

    from pos import create_app
    from pos.inventory.photos import renditions

    app = create_app({"INSTANCE_PATH": tempfile.mkdtemp(), "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    cases = [
        ("12 MP camera JPEG", upload((4032, 3024), "JPEG")),
        ("48 MP camera JPEG", upload((8064, 6048), "JPEG")),
        ("2 MP PNG screenshot", upload((1920, 1080), "PNG")),
    ]
    print(f"{'upload':<22}{'MB':>6}{'renditions ms':>15}{'floor ms':>10}{'× floor':>9}")
    with app.app_context():
        for name, content in cases:
            made = median_ms(lambda c=content: renditions(c), args.rounds)
            floor = median_ms(lambda c=content: Image.open(io.BytesIO(c)).load(), args.rounds)
            size = len(content) / 1e6
            print(f"{name:<22}{size:>6.1f}{made:>15.0f}{floor:>10.0f}{made / floor:>9.2f}")


if __name__ == "__main__":
    main()
