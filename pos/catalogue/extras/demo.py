"""The demo fair's floor plan: a drawing of the hall (rows A to D of booths, the stage and
the entrance), made with Pillow, uploaded and with each demo booth placed, as an
organizer would through the floor plan page."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from pos.catalogue.extras import floorplan
from pos.organizer.models import Event, Exhibitor

WIDTH, HEIGHT = 1600, 1000
ROWS = "ABCD"
COLUMNS = 12
LEFT, TOP, BOOTH_W, BOOTH_H, AISLE = 120, 150, 100, 110, 95
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT), size) if FONT.exists() else ImageFont.load_default(size)


def booth_centre(code: str) -> tuple[float, float]:
    """Where booth ``code`` (A01 … D12) is drawn, as shares of the plan's width and height."""
    row, column = ROWS.index(code[0]), int(code[1:]) - 1
    x = LEFT + column * BOOTH_W + BOOTH_W / 2
    y = TOP + row * (BOOTH_H + AISLE) + BOOTH_H / 2
    return x / WIDTH, y / HEIGHT


def hall_picture() -> bytes:
    """The hall as a PNG: walls, the booths with their codes, the stage, the entrance."""
    image = Image.new("RGB", (WIDTH, HEIGHT), (250, 248, 242))
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 40, WIDTH - 40, HEIGHT - 40), outline=(60, 60, 60), width=8)
    small, big = _font(24), _font(40)
    for row_index, row in enumerate(ROWS):
        for column in range(COLUMNS):
            x = LEFT + column * BOOTH_W
            y = TOP + row_index * (BOOTH_H + AISLE)
            draw.rectangle((x, y, x + BOOTH_W - 6, y + BOOTH_H), outline=(90, 90, 90), width=3)
            draw.text((x + 10, y + 8), f"{row}{column + 1:02d}", fill=(90, 90, 90), font=small)
    draw.rectangle((1360, 150, 1520, 790), fill=(222, 214, 196), outline=(90, 90, 90), width=3)
    draw.text((1385, 450), "PANGGUNG", fill=(60, 60, 60), font=_font(22))
    draw.rectangle((680, HEIGHT - 48, 920, HEIGHT - 32), fill=(250, 248, 242))
    draw.text((560, HEIGHT - 110), "PINTU MASUK · ENTRANCE", fill=(15, 92, 90), font=big)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def seed_floor_plan(organizer, event: Event, exhibitors: list[Exhibitor]) -> None:
    """Upload the hall's plan for ``event`` and place each of ``exhibitors`` by its code."""
    floorplan.set_plan(organizer, event, hall_picture())
    for exhibitor in exhibitors:
        if exhibitor.booth[:1] in ROWS and exhibitor.booth[1:].isdigit():
            floorplan.place_booth(organizer, exhibitor, *booth_centre(exhibitor.booth))
