"""Register benchmark: the register page of a booth with 1,000 products, in Chromium.

    .venv/bin/python bench/register.py                 # 1,000 products with photos: ~7 min
    .venv/bin/python bench/register.py --photos 0      # the same without photos: ~5 min
    .venv/bin/python bench/register.py --products 411 --repeat 5 --json out.json
    .venv/bin/python bench/register.py --keep --only keystrokes_ms   # keeps the booth
    .venv/bin/python bench/register.py --root /tmp/pos-bench-register-XXXX --only first_load

Setup, once: a fresh SQLite database in a temporary folder (``upgrade_schema``), an
event, one booth (``R01``) with a manager and a cashier, and ``--products`` products of
all five categories with their attributes and a description, written with the app's
own services (``create_product``, ``set_photo``); ``--photos`` of them (default: all)
get a distinct photo (a 480 × 480 JPEG drawn for it), some are sold out, one of a kind
or low on stock. Then ``pos serve`` (2 gunicorn workers), reached through a small
proxy in this process that counts the bytes on the wire in both directions.

Measured, each in a fresh browser context (empty cache, no service worker) of Debian's
Chromium driven by Playwright, signed in as the cashier without loading any page:

- **first load**: bytes on the wire (headers included, both directions) and requests
  (gunicorn's access log) of opening the register until the network is idle and the
  service worker has kept its files, split into the page and its files, the catalogue,
  and product photos;
- **first tile**: time from navigation start until the first product tile is in the
  page and a frame has been drawn, on an emulated 1.5 Mbps / 150 ms link (CDP
  ``Network.emulateNetworkConditions``, both directions), with the CPU at full speed
  and throttled ×4 (``Emulation.setCPUThrottlingRate``: a mid-range tablet); median of
  ``--repeat`` cold loads;
- **keystrokes**: nine characters typed into the search field one at a time at CPU ×4,
  each timed from the key event (its timestamp) until the grid has answered and the next
  frame has been drawn; median and worst of ``--repeat`` rounds;
- **keystroke floor**: the same keystrokes into a lone input on an otherwise empty page,
  timed the same way: what the browser and the machine take whatever the register does;
- **catalogue refresh**: what the register's 20-second refresh of an unchanged
  catalogue costs on the wire, and the server's time for the catalogue request, full
  and (where the endpoint supports it) unchanged;
- **offline reload**: after one online visit (and a reload, so the service worker
  controls the page and keeps it), ``context.set_offline(True)``, reload, time to the
  first tile, at CPU ×1 and ×4.

``--only`` runs some of the measures (``first_load``, ``first_tile_ms``, ``keystrokes_ms``,
``keystroke_floor_ms``, ``refresh``, ``catalogue_server``, ``offline_reload_ms``);
``--keep`` keeps the folder and ``--root`` uses a kept one as it is.

The same script runs against an older checkout (it only drives the browser and the
public endpoints), which is how the "before" figures in docs/PERFORMANCE.md were taken.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import random
import re
import shutil
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from bench.checkout import app_env, free_port, pos_command, running  # noqa: E402
from tests.browser import CHROMIUM, CHROMIUM_ARGS, TABLET  # noqa: E402

BOOTH = "R01"
CASHIER = "cashier-r01"
PASSWORD = "bench-register-1"
QUERY = "perak 925"  # nine characters: a name word and a jewellery material
SLOW_LINK = {  # 1.5 Mbps both ways, 150 ms round trip
    "offline": False,
    "latency": 150,
    "downloadThroughput": 1_500_000 / 8,
    "uploadThroughput": 1_500_000 / 8,
}

# --- the booth ----------------------------------------------------------------------------

PLACES = ["Ubud", "Sanur", "Kintamani", "Gianyar", "Klungkung", "Tabanan", "Batuan", "Celuk"]
GOODS = {
    "painting": (
        ["Lukisan Sawah", "Lukisan Pura", "Lukisan Penari", "Lukisan Pasar", "Lukisan Laut"],
        (750_000, 15_000_000),
    ),
    "jewellery": (
        ["Cincin Perak", "Anting Perak", "Kalung Perak", "Gelang Perak", "Liontin Perak"],
        (150_000, 4_500_000),
    ),
    "endek": (
        ["Kain Endek", "Selendang Endek", "Kemeja Endek", "Sarung Endek", "Tas Endek"],
        (120_000, 2_500_000),
    ),
    "craft": (
        ["Keranjang Bambu", "Lampu Bambu", "Topeng Kayu", "Patung Kayu", "Nampan Lontar"],
        (40_000, 900_000),
    ),
    "other": (["Kopi Kintamani", "Teh Rosella", "Sabun Kelapa", "Dupa Bali"], (25_000, 150_000)),
}
ARTISTS = ["I Made Budiana", "Ni Ketut Sari", "I Wayan Darma", "Ni Luh Ayu", "I Nyoman Gede"]
MOTIFS = ["Cepuk", "Patra", "Wajik", "Songket", "Rangrang", "Keker"]
COLOURS = ["merah, emas", "biru, putih", "hijau, kuning", "ungu, perak", "hitam, merah"]
STONES = ["garnet", "mutiara", "onyx", "", "amethyst"]


def product_specs(count: int, seed: int) -> list[dict[str, Any]]:
    """``count`` products of every category, with attributes and a description."""
    rng = random.Random(seed)
    categories = list(GOODS)
    specs = []
    for n in range(count):
        category = categories[n % len(categories)]
        names, (low, high) = GOODS[category]
        place = rng.choice(PLACES)
        name = f"{rng.choice(names)} {place} {n + 1}"
        attributes: dict[str, Any] = {}
        unique = False
        if category == "painting":
            attributes = {
                "artist": rng.choice(ARTISTS),
                "medium": rng.choice(["akrilik di kanvas", "cat minyak", "tinta di kertas"]),
                "width_cm": rng.choice([40, 60, 80, 100]),
                "height_cm": rng.choice([30, 50, 70, 90]),
                "year": rng.randint(2015, 2025),
            }
            unique = rng.random() < 0.7
        elif category == "jewellery":
            attributes = {
                "material": rng.choice(["perak 925", "perak 950", "tembaga", "kuningan"]),
                "weight_g": rng.choice([3.5, 6, 12.5, 20]),
            }
            if stone := rng.choice(STONES):
                attributes["stone"] = stone
        elif category == "endek":
            attributes = {
                "motif": rng.choice(MOTIFS),
                "colours": rng.choice(COLOURS),
                "length_m": rng.choice([1.5, 2, 2.5]),
                "weaving": rng.choice(["hand", "machine"]),
            }
        elif category == "craft":
            attributes = {
                "material": rng.choice(["bambu", "kayu jati", "lontar", "rotan"]),
                "dimensions": f"{rng.randint(10, 60)} × {rng.randint(10, 40)} cm",
            }
        roll = rng.random()
        stock = 1 if unique else (0 if roll < 0.05 else rng.randint(1, 40))
        specs.append(
            {
                "sku": f"{category[:3].upper()}-{n:04d}",
                "name": name,
                "category": category,
                "price": rng.randint(low // 1000, high // 1000) * 1000,
                "stock": 0 if unique and roll < 0.1 else stock,
                "attributes": attributes,
                "one_of_a_kind": unique,
                "low_stock_threshold": None if unique else 3,
                "description": (
                    f"Buatan tangan pengrajin {place}, Bali. "
                    f"Setiap {names[0].split()[0].lower()} dibuat satu per satu; "
                    "warna dan ukuran dapat sedikit berbeda."
                ),
            }
        )
    return specs


def photo_bytes(n: int, rng: random.Random) -> bytes:
    """A distinct 480 × 480 JPEG: a colour gradient with noise, like a product shot."""
    from PIL import Image, ImageDraw

    base = (rng.randint(40, 220), rng.randint(40, 220), rng.randint(40, 220))
    image = Image.new("RGB", (480, 480), base)
    draw = ImageDraw.Draw(image)
    for y in range(0, 480, 4):
        shade = tuple(min(255, c + y // 6) for c in base)
        draw.rectangle([0, y, 480, y + 3], fill=shade)
    for _ in range(60):
        x, y, r = rng.randint(0, 480), rng.randint(0, 480), rng.randint(8, 60)
        colour = (rng.randint(0, 255), rng.randint(0, 255), rng.randint(0, 255))
        draw.ellipse([x - r, y - r, x + r, y + r], fill=colour)
    draw.text((20, 20), f"#{n}", fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def build_booth(root: Path, products: int, photos: int, seed: int) -> None:
    """The event, the booth and its people and products, through the app's services."""
    from pos import create_app
    from pos.auth import service as auth_service
    from pos.db import upgrade_schema, write_intent
    from pos.extensions import db
    from pos.inventory import service as inventory_service
    from pos.organizer import service as organizer_service

    env = app_env(root)
    app = create_app(
        {
            "INSTANCE_PATH": env["POS_INSTANCE_PATH"],
            "SQLALCHEMY_DATABASE_URI": env["POS_DATABASE_URL"],
            "RECEIPTS_DIR": env["POS_RECEIPTS_DIR"],
        }
    )
    rng = random.Random(seed)
    with app.app_context(), app.test_request_context():
        upgrade_schema()
        with write_intent():
            event = organizer_service.create_event(
                None, name="Pameran Bench", timezone="Asia/Makassar", currency="IDR"
            )
            exhibitor = organizer_service.create_exhibitor(
                None, event_id=event.id, name="Bench Booth", booth=BOOTH
            )
            manager = auth_service.create_user(
                None,
                username="manager-r01",
                role="manager",
                password=PASSWORD,
                exhibitor=exhibitor,
            )
            auth_service.create_user(
                None,
                username=CASHIER,
                role="cashier",
                password=PASSWORD,
                exhibitor=exhibitor,
            )
            made = [
                inventory_service.create_product(manager, exhibitor_id=exhibitor.id, **spec)
                for spec in product_specs(products, seed)
            ]
            for n, product in enumerate(made[:photos]):
                inventory_service.set_photo(manager, product, photo_bytes(n, rng))
            db.session.commit()
        db.session.remove()
        db.engine.dispose()


# --- counting the wire --------------------------------------------------------------------


class CountingProxy:
    """A TCP proxy on a free port in front of the server, counting bytes both ways."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.port = free_port()
        self.lock = threading.Lock()
        self.up = self.down = self.connections = 0
        self.listener = socket.create_server(("127.0.0.1", self.port))
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def reset(self) -> dict[str, int]:
        with self.lock:
            counts = {"up": self.up, "down": self.down, "connections": self.connections}
            self.up = self.down = self.connections = 0
        return counts

    def close(self) -> None:
        self.closed = True
        self.listener.close()

    def _accept(self) -> None:
        while not self.closed:
            try:
                client, _address = self.listener.accept()
            except OSError:
                return
            with self.lock:
                self.connections += 1
            try:
                server = socket.create_connection(self.upstream)
            except OSError:
                client.close()
                continue
            for source, target, direction in ((client, server, "up"), (server, client, "down")):
                threading.Thread(
                    target=self._pump, args=(source, target, direction), daemon=True
                ).start()

    def _pump(self, source: socket.socket, target: socket.socket, direction: str) -> None:
        try:
            while chunk := source.recv(65536):
                with self.lock:
                    setattr(self, direction, getattr(self, direction) + len(chunk))
                target.sendall(chunk)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


ACCESS = re.compile(
    r'"(?P<method>[A-Z]+) (?P<path>\S+) HTTP/[\d.]+" (?P<status>\d{3}) (?P<size>\S+)'
)


class AccessLog:
    """The requests gunicorn logged since the last mark. A file sent whole (gunicorn's
    sendfile: static files, photos) is logged with size 0; its size on disk is used."""

    def __init__(self, path: Path, photos: Path) -> None:
        self.path = path
        self.photos = photos
        self.offset = path.stat().st_size

    def since_mark(self) -> list[dict[str, Any]]:
        with self.path.open() as log:
            log.seek(self.offset)
            text = log.read()
            self.offset = log.tell()
        requests = [m.groupdict() for m in ACCESS.finditer(text)]
        for request in requests:
            request["size"] = int(request["size"]) if request["size"].isdigit() else 0
            if request["size"] == 0 and request["status"] == "200":
                request["size"] = self._file_size(request["path"].split("?")[0])
        return requests

    def _file_size(self, path: str) -> int:
        if path.startswith("/static/"):
            file = ROOT / "pos" / path.lstrip("/")
        elif path.startswith("/photos/"):
            name = path.rsplit("/", 1)[1]
            file = self.photos / name[:2] / name
        else:
            return 0
        return file.stat().st_size if file.exists() else 0


def kind_of(path: str) -> str:
    if path.startswith("/photos/"):
        return "photos"
    if path.startswith(("/api/v1/products", "/api/v1/register/catalogue")):
        return "catalogue"
    return "page"


# --- the browser --------------------------------------------------------------------------

# Records when the first product tile enters the page and when the next frame is drawn.
FIRST_TILE = """
(() => {
  const seen = () => {
    if (window.__firstTile !== undefined || !document.querySelector('.product-tile')) return;
    window.__firstTile = performance.now();
    const drawn = () => { window.__firstTileDrawn = performance.now(); };
    requestAnimationFrame(() => setTimeout(drawn, 0));
  };
  new MutationObserver(seen).observe(document, { childList: true, subtree: true });
})();
"""

# Times each keystroke: from the key event's timestamp to the frame after the register's
# own input handler (registered earlier, so it runs first) has answered.
KEY_TIMER = """
() => {
  window.__keys = [];
  const search = document.getElementById('search');
  let pressed = null;
  search.addEventListener('keydown', (event) => { pressed = event.timeStamp; }, true);
  search.addEventListener('input', () => {
    const started = pressed;
    const answered = () => window.__keys.push(performance.now() - started);
    requestAnimationFrame(() => setTimeout(answered, 0));
  });
}
"""


def sign_in(context: Any, base: str) -> None:
    """A session for the cashier without loading a page (the cache stays cold)."""
    page = context.request.get(base + "/login")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text())
    token = token or re.search(r'name="csrf_token" value="([^"]+)"', page.text())
    assert token, "no CSRF token on the login page"
    answer = context.request.post(
        base + "/login",
        form={"csrf_token": token.group(1), "username": CASHIER, "password": PASSWORD},
        max_redirects=0,
    )
    assert answer.status == 302, f"sign-in answered {answer.status}"


def new_context(browser: Any, base: str) -> Any:
    context = browser.new_context(**TABLET, locale="id-ID", service_workers="allow")
    context.add_init_script(FIRST_TILE)
    sign_in(context, base)
    return context


def wait_first_tile(page: Any) -> float:
    page.wait_for_function("() => window.__firstTileDrawn !== undefined", timeout=120_000)
    return page.evaluate("window.__firstTileDrawn")


def service_worker_kept(page: Any) -> None:
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")


def first_load(browser: Any, base: str, proxy: CountingProxy, log: AccessLog) -> dict[str, Any]:
    context = new_context(browser, base)
    try:
        page = context.new_page()
        proxy.reset()
        log.since_mark()
        page.goto(base + "/register", wait_until="networkidle")
        page.wait_for_selector("#register[data-ready]")
        service_worker_kept(page)
        page.wait_for_load_state("networkidle")
        time.sleep(1.0)
        wire = proxy.reset()
        requests = log.since_mark()
    finally:
        context.close()
    by_kind: dict[str, dict[str, int]] = {}
    for request in requests:
        entry = by_kind.setdefault(kind_of(request["path"]), {"requests": 0, "body_bytes": 0})
        entry["requests"] += 1
        entry["body_bytes"] += request["size"]
    return {
        "wire_bytes": wire["up"] + wire["down"],
        "wire_down": wire["down"],
        "connections": wire["connections"],
        "requests": len(requests),
        "by_kind": by_kind,
        "paths": [f"{r['method']} {r['path']} {r['status']} {r['size']}" for r in requests],
    }


def throttled(context: Any, page: Any, *, link: bool, cpu: float) -> Any:
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    if link:
        cdp.send("Network.emulateNetworkConditions", SLOW_LINK)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": cpu})
    return cdp


def first_tile(browser: Any, base: str, cpu: float) -> float:
    context = new_context(browser, base)
    try:
        page = context.new_page()
        throttled(context, page, link=True, cpu=cpu)
        page.goto(base + "/register", wait_until="commit", timeout=120_000)
        return wait_first_tile(page)
    finally:
        context.close()


def keystrokes(browser: Any, base: str) -> list[float]:
    context = new_context(browser, base)
    try:
        page = context.new_page()
        page.goto(base + "/register")
        page.wait_for_selector("#register[data-ready]")
        page.evaluate(KEY_TIMER)
        page.focus("#search")
        throttled(context, page, link=False, cpu=4)
        for n, char in enumerate(QUERY, start=1):
            page.keyboard.type(char)
            page.wait_for_function(f"() => window.__keys.length >= {n}", timeout=60_000)
        shown = page.locator(".product-cell:not([hidden]) .product-tile").count()
        if shown == 0:
            raise SystemExit(f"the search {QUERY!r} found nothing: the benchmark is wrong")
        return page.evaluate("window.__keys")
    finally:
        context.close()


def keystroke_floor(browser: Any, base: str) -> list[float]:
    """The same nine keystrokes into a lone input on a page with nothing else (the offline
    page, emptied), timed the same way at CPU ×4: what the browser and this machine take
    for a keystroke whatever the register does."""
    context = browser.new_context(**TABLET, locale="id-ID")
    try:
        page = context.new_page()
        page.goto(base + "/offline")
        page.evaluate(
            "() => { document.body.replaceChildren();"
            " const input = document.createElement('input'); input.id = 'search';"
            " document.body.append(input); }"
        )
        page.evaluate(KEY_TIMER)
        page.focus("#search")
        throttled(context, page, link=False, cpu=4)
        for n, char in enumerate(QUERY, start=1):
            page.keyboard.type(char)
            page.wait_for_function(f"() => window.__keys.length >= {n}", timeout=60_000)
        return page.evaluate("window.__keys")
    finally:
        context.close()


def refresh_cost(browser: Any, base: str, proxy: CountingProxy, log: AccessLog) -> dict[str, Any]:
    """What one refresh of an unchanged catalogue costs while the register is open."""
    context = new_context(browser, base)
    try:
        page = context.new_page()
        page.goto(base + "/register")
        page.wait_for_selector("#register[data-ready]")
        service_worker_kept(page)
        page.wait_for_load_state("networkidle")
        time.sleep(1.0)
        proxy.reset()
        log.since_mark()
        # The register refreshes when it becomes visible again, as every 20 s while open.
        page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
        time.sleep(2.0)
        wire = proxy.reset()
        requests = log.since_mark()
    finally:
        context.close()
    return {
        "wire_bytes": wire["up"] + wire["down"],
        "requests": [f"{r['method']} {r['path']} {r['status']} {r['size']}" for r in requests],
    }


def offline_reload(browser: Any, base: str, cpu: float, repeat: int) -> list[float]:
    context = new_context(browser, base)
    try:
        page = context.new_page()
        page.goto(base + "/register")
        page.wait_for_selector("#register[data-ready]")
        service_worker_kept(page)
        page.reload()  # now under the service worker, which keeps the page
        page.wait_for_selector("#register[data-ready]")
        assert page.evaluate("Boolean(navigator.serviceWorker.controller)")
        context.set_offline(True)
        times = []
        for _ in range(repeat):
            throttled(context, page, link=False, cpu=cpu)
            page.reload(wait_until="commit")
            times.append(wait_first_tile(page))
            page.wait_for_selector("#register[data-ready]")
        return times
    finally:
        context.close()


def catalogue_server_time(base: str, repeat: int) -> dict[str, Any]:
    """The server's time for the register's catalogue request, full and unchanged."""
    import urllib.request

    def call(path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], float]:
        request = urllib.request.Request(base + path, headers=headers)
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                response.read()
                status, got = response.status, dict(response.headers)
        except urllib.error.HTTPError as error:
            error.read()
            status, got = error.code, dict(error.headers)
        return status, got, (time.perf_counter() - started) * 1000

    login = urllib.request.Request(
        base + "/api/v1/auth/login",
        data=json.dumps({"username": CASHIER, "password": PASSWORD}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(login, timeout=60) as response:
        answer = json.loads(response.read())
    auth = {"Authorization": f"Bearer {answer['token']}"}
    exhibitor = answer["user"]["exhibitor_id"]
    compact = f"/api/v1/register/catalogue?exhibitor_id={exhibitor}"
    status, _headers, _ms = call(compact, auth)
    path = compact if status == 200 else f"/api/v1/products?exhibitor_id={exhibitor}"
    full, unchanged = [], []
    etag = None
    for _ in range(repeat):
        status, headers, ms = call(path, auth | {"Accept-Encoding": "gzip"})
        full.append(ms)
        etag = headers.get("ETag")
        if etag:
            status, _headers, ms = call(path, auth | {"If-None-Match": etag})
            if status == 304:
                unchanged.append(ms)
    return {
        "path": path.split("?")[0],
        "full_ms": statistics.median(full),
        "unchanged_ms": statistics.median(unchanged) if unchanged else None,
    }


# --- running it ---------------------------------------------------------------------------


@contextlib.contextmanager
def served(root: Path) -> Iterator[tuple[str, CountingProxy, AccessLog]]:
    port = free_port()
    command = [*pos_command(), "serve", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--workers", "2", "--server", "gunicorn"]
    log_path = root / "serve.log"
    with running("pos serve", command, app_env(root), port, log_path):
        proxy = CountingProxy(("127.0.0.1", port))
        try:
            photos = Path(app_env(root)["POS_INSTANCE_PATH"]) / "photos"
            yield f"http://127.0.0.1:{proxy.port}", proxy, AccessLog(log_path, photos)
        finally:
            proxy.close()


MEASURES = {
    "first_load": lambda browser, base, proxy, log, repeat: first_load(browser, base, proxy, log),
    "first_tile_ms": lambda browser, base, proxy, log, repeat: {
        f"cpu{cpu}": [first_tile(browser, base, cpu) for _ in range(repeat)] for cpu in (1, 4)
    },
    "keystrokes_ms": lambda browser, base, proxy, log, repeat: [
        keystrokes(browser, base) for _ in range(repeat)
    ],
    "keystroke_floor_ms": lambda browser, base, proxy, log, repeat: [
        keystroke_floor(browser, base) for _ in range(repeat)
    ],
    "refresh": lambda browser, base, proxy, log, repeat: refresh_cost(browser, base, proxy, log),
    "catalogue_server": lambda browser, base, proxy, log, repeat: catalogue_server_time(base, 10),
    "offline_reload_ms": lambda browser, base, proxy, log, repeat: {
        f"cpu{cpu}": offline_reload(browser, base, cpu, repeat) for cpu in (1, 4)
    },
}


def kb(n: float) -> str:
    return f"{n / 1024:,.1f} KB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=1000)
    parser.add_argument("--photos", type=int, default=None, help="default: every product")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20251201)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument(
        "--root", type=Path, help="a folder kept by --keep: its booth is used as it is"
    )
    parser.add_argument(
        "--only",
        default=",".join(MEASURES),
        help=f"comma-separated, of: {', '.join(MEASURES)} (default: all)",
    )
    args = parser.parse_args()
    photos = args.products if args.photos is None else args.photos
    chosen = [m.strip() for m in args.only.split(",") if m.strip()]
    unknown = set(chosen) - set(MEASURES)
    if unknown:
        parser.error(f"unknown measures: {', '.join(sorted(unknown))}")

    from playwright.sync_api import sync_playwright

    root = args.root or Path(tempfile.mkdtemp(prefix="pos-bench-register-"))
    results: dict[str, Any] = {"products": args.products, "photos": photos}
    try:
        if args.root is None:
            started = time.perf_counter()
            build_booth(root, args.products, photos, args.seed)
            print(
                f"booth {BOOTH}: {args.products} products, {photos} photos, "
                f"built in {time.perf_counter() - started:.1f} s",
                flush=True,
            )
        with served(root) as (base, proxy, log), sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                for measure in chosen:
                    results[measure] = MEASURES[measure](browser, base, proxy, log, args.repeat)
            finally:
                browser.close()
    finally:
        if args.keep or args.root:
            print(f"kept: {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    report(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


def report(results: dict[str, Any]) -> None:
    rows: list[tuple[str, str]] = []
    load = results.get("first_load")
    if load:
        rows += [
            ("first load: bytes on the wire", kb(load["wire_bytes"])),
            ("first load: requests", str(load["requests"])),
        ]
        for kind, entry in sorted(load["by_kind"].items()):
            rows.append(
                (
                    f"  {kind}: requests, body bytes",
                    f"{entry['requests']}, {kb(entry['body_bytes'])}",
                )
            )
    for cpu, times in results.get("first_tile_ms", {}).items():
        rows.append(
            (
                f"first tile, 1.5 Mbps / 150 ms, CPU ×{cpu[3:]}",
                f"{statistics.median(times):,.0f} ms",
            )
        )
    if "keystrokes_ms" in results:
        keys = [k for round_ in results["keystrokes_ms"] for k in round_]
        per_round = [sum(round_) for round_ in results["keystrokes_ms"]]
        rows += [
            ("keystroke, CPU ×4: median", f"{statistics.median(keys):.1f} ms"),
            ("keystroke, CPU ×4: worst", f"{max(keys):.1f} ms"),
            (
                f"nine keystrokes {QUERY!r}, CPU ×4 (median round)",
                f"{statistics.median(per_round):,.0f} ms",
            ),
        ]
    if "keystroke_floor_ms" in results:
        floor = [k for round_ in results["keystroke_floor_ms"] for k in round_]
        rows += [
            (
                "floor: keystroke into a lone input, CPU ×4: median",
                f"{statistics.median(floor):.1f} ms",
            ),
            ("floor: keystroke into a lone input, CPU ×4: worst", f"{max(floor):.1f} ms"),
        ]
    if "refresh" in results:
        rows.append(
            (
                "catalogue refresh, unchanged: bytes on the wire",
                kb(results["refresh"]["wire_bytes"]),
            )
        )
    server = results.get("catalogue_server")
    if server:
        rows.append((f"server: {server['path']} full", f"{server['full_ms']:.1f} ms"))
        if server["unchanged_ms"] is not None:
            rows.append(
                (f"server: {server['path']} unchanged (304)", f"{server['unchanged_ms']:.1f} ms")
            )
    for cpu, times in results.get("offline_reload_ms", {}).items():
        rows.append(
            (f"offline reload to first tile, CPU ×{cpu[3:]}", f"{statistics.median(times):,.0f} ms")
        )
    width = max((len(name) for name, _value in rows), default=0)
    print()
    print(f"Register, {results['products']} products ({results['photos']} with photos)")
    for name, value in rows:
        print(f"  {name:<{width}}  {value:>12}")
    if load:
        print()
        print("first load requests:")
        for line in load["paths"]:
            print(f"  {line}")
    if "refresh" in results:
        print("refresh requests:", *results["refresh"]["requests"], sep="\n  ")


if __name__ == "__main__":
    main()
