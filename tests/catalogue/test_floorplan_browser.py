"""The floor plan in a real browser on a phone (390 × 844, touch): the organizer uploads
the plan and taps two booths' places; a visitor scans the entrance poster (its QR code
read from the printed PDF), opens the fair's page, taps a booth on the plan and sees its
place on the booth's page. axe-core's WCAG 2 A and AA rules pass on each page."""

from __future__ import annotations

import io
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from tests.browser import PHONE, PageProblems, sign_in
from tests.servers import bearer, call, served
from tests.test_pages_browser import AXE, violations

pytestmark = pytest.mark.browser

SLUG = "ikm-bali-bangkit"  # the demo's catalogue


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    with served(tmp_path_factory.mktemp("floorplan")) as (base, _log):
        yield base


def plan_picture(path: Path) -> Path:
    """A hall of four rows of booths, drawn as an organizer's plan would be."""
    image = Image.new("RGB", (1600, 1000), "white")
    draw = ImageDraw.Draw(image)
    for row in range(4):
        for column in range(6):
            x, y = 100 + column * 240, 100 + row * 220
            draw.rectangle((x, y, x + 200, y + 160), outline="black", width=4)
    out = io.BytesIO()
    image.save(out, "PNG")
    path.write_bytes(out.getvalue())
    return path


def qr_of(pdf: bytes, folder: Path) -> str:
    """The link of the poster's QR code, as a phone's camera would read the print."""
    (folder / "poster.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", str(folder / "poster.pdf"), str(folder / "poster")],
        check=True,
    )
    (image,) = folder.glob("poster*.png")
    done = subprocess.run(["zbarimg", "-q", "--raw", str(image)], capture_output=True, text=True)
    return done.stdout.strip()


def choose_booth(page, booth: str) -> None:
    option = page.locator('select[name="exhibitor_id"] option', has_text=re.compile(rf"^{booth} "))
    page.select_option('select[name="exhibitor_id"]', option.get_attribute("value"))


def phone(browser):
    context = browser.new_context(**PHONE, locale="id-ID")
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def test_from_the_entrance_poster_a_visitor_taps_a_booth_on_the_plan_and_sees_its_place(
    browser, server, tmp_path
):
    _, events = call(server, "GET", "/api/v1/events", headers=bearer(server, "organizer"))
    event_id = next(e["id"] for e in events["items"] if e.get("slug", SLUG) == SLUG)

    # The organizer, on a phone: upload the plan, tap two places, choose the booths.
    context, page = phone(browser)
    problems = PageProblems(page)
    sign_in(page, server, "organizer")
    page.wait_for_url(lambda url: "/login" not in url)
    page.goto(f"{server}/events/{event_id}/floor-plan")
    assert violations(page) == []
    page.set_input_files('input[name="photo"]', str(plan_picture(tmp_path / "plan.png")))
    page.tap('form[enctype="multipart/form-data"] button[type="submit"]')
    page.wait_for_selector("svg.plan-pick")
    plan = page.locator("svg.plan-pick")
    box = plan.bounding_box()
    assert box["width"] >= 880  # legible on a phone: the reader pans it
    # The SVG is 880 CSS pixels wide for 1600 of the picture: booth B12 drawn at
    # (200 + 100, 320 + 80) = (300, 400) of the picture is at (165, 220) on the page.
    plan.tap(position={"x": 165, "y": 220})
    # Where the finger was, to a fraction of a CSS pixel (the page rounds the touch).
    across = float(page.locator('input[name="x"]').input_value())
    down = float(page.locator('input[name="y"]').input_value())
    assert abs(across - 18.75) < 0.2 and abs(down - 40.0) < 0.2
    assert page.locator("#place-status").inner_text().startswith("Tempat dipilih: ")
    choose_booth(page, "B12")
    page.tap('.place-form button[type="submit"]')
    page.wait_for_selector(".flash-success")
    assert page.locator(".flash-success").inner_text() == "Stan B12 sudah ditempatkan di denah."
    page.locator("svg.plan-pick").tap(position={"x": 300, "y": 100})
    choose_booth(page, "A03")
    page.tap('.place-form button[type="submit"]')
    page.wait_for_selector(".flash-success")
    assert violations(page) == []
    page.screenshot(path="/tmp/catalogue-extras-organizer-plan.png", full_page=True)

    # The entrance poster, printed: its QR code is the fair's address.
    poster = page.request.get(f"{server}/events/{event_id}/entrance-poster.pdf")
    assert poster.status == 200
    link = qr_of(poster.body(), tmp_path)
    assert link == f"{server}/e/{SLUG}"
    assert problems.seen == []
    context.close()

    # A visitor's phone, no account: the fair's page, the plan, a tap on booth B12.
    context, page = phone(browser)
    problems = PageProblems(page)
    page.goto(link)
    marker = page.locator('svg.plan a.marker[aria-label^="Stan B12:"]')
    assert marker.count() == 1
    assert page.locator('svg.plan a.marker[aria-label^="Stan A03:"]').count() == 1
    assert violations(page) == []
    page.locator("#plan").scroll_into_view_if_needed()
    page.screenshot(path="/tmp/catalogue-extras-fair-plan.png")
    marker.tap()
    page.wait_for_url(re.compile(rf"/e/{SLUG}/B12$"))
    here = page.locator("svg.plan a.marker.here")
    assert here.get_attribute("aria-label").startswith("Stan B12:")
    assert page.locator("#plan-here").inner_text() == "Stan B12 adalah tanda merah pada denah."
    # The plan opened scrolled to the booth: its mark is in the visible part of the plan.
    scroller = page.locator(".plan-scroll").bounding_box()
    spot = here.bounding_box()
    assert (
        scroller["x"] <= spot["x"]
        and spot["x"] + spot["width"] <= scroller["x"] + scroller["width"]
    )
    assert violations(page) == []
    page.locator("#plan").scroll_into_view_if_needed()
    page.screenshot(path="/tmp/catalogue-extras-booth-plan.png")
    assert problems.seen == []
    context.close()


def test_the_managers_page_views_page_passes_axe_on_a_phone(browser, server):
    context, page = phone(browser)
    problems = PageProblems(page)
    sign_in(page, server, "manager-b12")
    page.wait_for_url(lambda url: "/login" not in url)
    page.goto(server + "/page-views")
    assert page.locator("h1").inner_text() == "Kunjungan halaman"
    assert violations(page) == []
    assert problems.seen == []
    context.close()
