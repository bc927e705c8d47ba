"""Product photo benchmark: what an upload costs the server, in time and in memory, beside
a floor measured in the same run (Pillow decoding the same file at full size, and
nothing else).

    .venv/bin/python bench/photos.py [--rounds 10]

The uploads are camera-like JPEGs of 12 and 48 megapixels (noise, so they compress
like a real photo rather than a flat colour), a 2 MP PNG screenshot, a 12 MP PNG (a
camera picture saved losslessly) and a 49 MP PNG of a flat colour: 190 KB on the wire,
the picture that let one request take seconds and most of a gigabyte. Each is turned
into its thumbnail and display JPEGs by ``pos.inventory.photos.renditions`` (checks,
EXIF orientation, flattening, two resizes, two encodes), as
``PUT /api/v1/products/<id>/photo`` does before writing the files; a refused upload
counts until it is refused. Time: median of ``--rounds``. Memory: the growth of the
peak resident size of a fresh process that handles that one upload (``VmHWM``).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def upload(size: tuple[int, int], fmt: str) -> bytes:
    from PIL import Image

    # Noise drawn at a quarter of the size and scaled up: texture at every scale, which
    # compresses about as well as a photo of cloth or silver does.
    small = Image.merge("RGB", [Image.effect_noise((size[0] // 4, size[1] // 4), 64)] * 3)
    image = small.resize(size, Image.Resampling.BICUBIC)
    out = io.BytesIO()
    image.save(out, fmt, **({"quality": 90} if fmt == "JPEG" else {}))
    return out.getvalue()


def flat_png(size: tuple[int, int]) -> bytes:
    """A PNG of one colour with a frame: a few hundred kilobytes however many pixels."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", size, (200, 180, 150))
    ImageDraw.Draw(image).rectangle((0, 0, size[0] - 1, size[1] - 1), outline=(90, 60, 30))
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def cases() -> list[tuple[str, bytes]]:
    return [
        ("12 MP camera JPEG", upload((4032, 3024), "JPEG")),
        ("48 MP camera JPEG", upload((8064, 6048), "JPEG")),
        ("2 MP PNG screenshot", upload((1920, 1080), "PNG")),
        ("12 MP PNG photo", upload((4032, 3024), "PNG")),
        ("49 MP flat PNG", flat_png((7000, 7000))),
    ]


def median_ms(work, rounds: int) -> float:
    work()
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def peak_kib() -> int:
    """The process's peak resident size so far (Linux). VmHWM, not ru_maxrss: a process
    started by a large parent inherits the parent's size in ru_maxrss."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])  # kB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def one_upload(path: str) -> None:
    """Child process: the growth of the peak RSS while handling the upload at ``path``."""
    from pos import create_app
    from pos.errors import PosError
    from pos.inventory.photos import renditions

    app = create_app({"INSTANCE_PATH": tempfile.mkdtemp(), "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    content = Path(path).read_bytes()
    with app.app_context():
        before = peak_kib()
        outcome = "stored"
        try:
            renditions(content)
        except PosError as exc:
            outcome = exc.code
        print(json.dumps({"mb": (peak_kib() - before) / 1024, "outcome": outcome}))


def memory_of(content: bytes) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".upload") as file:
        file.write(content)
        file.flush()
        done = subprocess.run(
            [sys.executable, __file__, "--one", file.name],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        one_upload(args.one)
        return

    from PIL import Image

    from pos import create_app
    from pos.errors import PosError
    from pos.inventory.photos import renditions

    def attempt(content: bytes) -> None:
        with contextlib.suppress(PosError):
            renditions(content)

    def full_decode(content: bytes) -> None:
        Image.MAX_IMAGE_PIXELS = None  # the floor decodes whatever it is given
        Image.open(io.BytesIO(content)).load()

    app = create_app({"INSTANCE_PATH": tempfile.mkdtemp(), "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    header = f"{'upload':<22}{'MB':>6}{'outcome':>22}{'ms':>8}{'floor ms':>10}{'peak +MB':>10}"
    print(header)
    with app.app_context():
        for name, content in cases():
            rounds = args.rounds if len(content) > 1_000_000 or "flat" not in name else 3
            made = median_ms(lambda c=content: attempt(c), rounds)
            floor = median_ms(lambda c=content: full_decode(c), rounds)
            memory = memory_of(content)
            size = len(content) / 1e6
            print(
                f"{name:<22}{size:>6.2f}{memory['outcome']:>22}{made:>8.1f}{floor:>10.0f}"
                f"{memory['mb']:>10.0f}"
            )


if __name__ == "__main__":
    main()
