"""Scanning a price tag with the tablet's camera (issue: booths without a scanner): the
register reads the Code 128 of the app's own price tag, through the browser's decoder or
the vendored ZXing, from a still image and from a (fake) camera."""

from __future__ import annotations

import base64
import re
import subprocess
from collections.abc import Iterator

import pytest

from tests.browser import CHROMIUM, CHROMIUM_ARGS, TABLET, sign_in
from tests.servers import bearer, call, served

pytestmark = pytest.mark.browser

RING = "SR-925-01"


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    with served(tmp_path_factory.mktemp("camera")) as (base, _log):
        yield base


@pytest.fixture(scope="module")
def price_tag(server, tmp_path_factory):
    """The app's own price tag of the ring, as a camera would see it (JPEG, 150 dpi)."""
    import urllib.request

    folder = tmp_path_factory.mktemp("tag")
    manager = bearer(server, "manager-b12")
    _, exhibitors = call(server, "GET", "/api/v1/exhibitors", headers=manager)
    b12 = next(e["id"] for e in exhibitors["items"] if e["booth"] == "B12")
    _, products = call(server, "GET", f"/api/v1/products?exhibitor_id={b12}", headers=manager)
    ring = next(p["id"] for p in products["items"] if p["sku"] == RING)
    request = urllib.request.Request(
        f"{server}/api/v1/products/labels.pdf?exhibitor_id={b12}&ids={ring}", headers=manager
    )
    (folder / "tag.pdf").write_bytes(urllib.request.urlopen(request).read())
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "150",
            "-jpeg",
            "-singlefile",
            "-x",
            "0",
            "-y",
            "0",
            "-W",
            "600",
            "-H",
            "500",
            str(folder / "tag.pdf"),
            str(folder / "tag"),
        ],
        check=True,
    )
    return folder / "tag.jpg"


def test_the_vendored_decoder_reads_the_code_128_of_the_apps_price_tag(browser, server, price_tag):
    context = browser.new_context(**TABLET)
    try:
        page = context.new_page()
        sign_in(page, server, "cashier-b12")
        page.wait_for_selector("#register[data-ready]")
        data_url = "data:image/jpeg;base64," + base64.b64encode(price_tag.read_bytes()).decode()
        code = page.evaluate(
            """async (src) => {
                const image = new Image();
                image.src = src;
                await image.decode();
                const camera = await import('/static/js/register/camera.js');
                const decode = await camera.makeDecoder({ native: false });
                return decode(image);
            }""",
            data_url,
        )
        assert code == RING
    finally:
        context.close()


def test_a_price_tag_held_to_the_camera_goes_into_the_cart(browser, server, price_tag):
    # Chromium's fake camera plays the photo of the tag; the register runs on the laptop's
    # own address, a secure context, as it does over HTTPS on the venue LAN.
    mjpeg = price_tag.with_suffix(".mjpeg")
    mjpeg.write_bytes(price_tag.read_bytes())
    camera_browser = browser.browser_type.launch(
        executable_path=str(CHROMIUM),
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={mjpeg}",
        ],
    )
    try:
        context = camera_browser.new_context(**TABLET, permissions=["camera"])
        page = context.new_page()
        sign_in(page, server, "cashier-b12")
        page.wait_for_url(re.compile(r"/register$"))
        page.wait_for_selector("#register[data-ready]")
        page.tap("#camera")
        page.wait_for_selector("#cart-lines li[data-product-id]", timeout=20_000)
        assert page.locator("#cart-lines li").count() == 1
        assert RING in page.locator("#cart-lines li").inner_text()
        assert not page.locator("#camera-dialog").is_visible()
    finally:
        camera_browser.close()
