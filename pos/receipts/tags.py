"""Price tags on an A4 sheet: name, price, SKU and a Code 128 barcode of the SKU (which
the register's scan field takes), cut along the dashed lines. One-of-a-kind paintings
get a larger tag with the artist, medium and size. Data in, PDF bytes out."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from pos.formats import format_money
from pos.receipts.pdf import BOLD, FONT, register_fonts, wrap


@dataclass(frozen=True)
class Size:
    """A tag's size, and how many fit a sheet (as on the matching label sheet)."""

    columns: int
    rows: int
    width: float
    height: float

    def left(self) -> float:
        return (A4[0] - self.columns * self.width) / 2


SMALL = Size(3, 7, 63.5 * mm, 38.1 * mm)  # a common 21-up label sheet (L7160)
LARGE = Size(2, 4, 99.1 * mm, 67.7 * mm)  # an 8-up sheet (L7165)
# The small grid's top and bottom margins; large tags share them on plain paper.
MARGIN = (A4[1] - SMALL.rows * SMALL.height) / 2
SHEETS = ("plain", "labels")


@dataclass(frozen=True)
class Tag:
    name: str
    sku: str
    price: int
    exhibitor: str
    large: bool = False
    details: list[str] = field(default_factory=list)  # artist, medium, size (large tags)


Placed = tuple["Tag", Size, float, float]  # the tag, its size, x and y of its lower left


def _top(size: Size, sheet: str) -> float:
    """Where the first row starts; the bottom margin is the same as the top one."""
    if sheet == "labels":  # the label sheet's own grid, centred on the page
        return A4[1] - (A4[1] - size.rows * size.height) / 2
    return A4[1] - MARGIN


def layout(tags: list[Tag], sheet: str = "plain") -> list[list[Placed]]:
    """Where each tag goes, page by page: the ordinary tags first, three to a row, then
    the large ones, two to a row. On plain paper (cut along the dashed lines) the large
    rows follow the small ones on the same page while they fit, so a sheet is filled;
    on label sheets (``labels``) each size starts its own page, on its own grid."""
    pages: list[list[Placed]] = []
    y: float | None = None  # the top of the next row on the current page
    for size, group in ((SMALL, [t for t in tags if not t.large]),
                        (LARGE, [t for t in tags if t.large])):  # fmt: skip
        if not group:
            continue
        if sheet == "labels":
            y = None
        top = _top(size, sheet)
        bottom = A4[1] - top
        for start in range(0, len(group), size.columns):
            if y is None or y - size.height < bottom - 0.01:
                pages.append([])
                y = top
            for column, tag in enumerate(group[start : start + size.columns]):
                pages[-1].append((tag, size, size.left() + column * size.width, y - size.height))
            y -= size.height
    return pages


def _barcode(canvas: Canvas, sku: str, x: float, y: float, width: float, height: float) -> None:
    bar_width = 0.33 * mm
    code = Code128(sku, barHeight=height, barWidth=bar_width, quiet=True, humanReadable=False)
    while code.width > width and bar_width > 0.12 * mm:  # long SKUs get thinner bars
        bar_width *= 0.85
        code = Code128(sku, barHeight=height, barWidth=bar_width, quiet=True, humanReadable=False)
    code.drawOn(canvas, x + (width - code.width) / 2, y)


def _small(c: Canvas, tag: Tag, x: float, y: float, width: float, height: float, money) -> None:
    pad = 3 * mm
    c.setFont(BOLD, 9)
    line_y = y + height - pad - 7
    for line in wrap(tag.name, BOLD, 9, width - 2 * pad)[:2]:
        c.drawString(x + pad, line_y, line)
        line_y -= 10.5
    c.setFont(BOLD, 14)
    c.drawString(x + pad, line_y - 6, money(tag.price))
    _barcode(c, tag.sku, x + pad, y + pad + 8, width - 2 * pad, 8 * mm)
    c.setFont(FONT, 7)
    c.drawCentredString(x + width / 2, y + pad, tag.sku)


def _large(c: Canvas, tag: Tag, x: float, y: float, width: float, height: float, money) -> None:
    pad = 5 * mm
    c.setFont(FONT, 8)
    c.drawString(x + pad, y + height - pad - 6, tag.exhibitor)
    c.setFont(BOLD, 14)
    line_y = y + height - pad - 24
    for line in wrap(tag.name, BOLD, 14, width - 2 * pad)[:2]:
        c.drawString(x + pad, line_y, line)
        line_y -= 17
    c.setFont(FONT, 9)
    for detail in tag.details:
        for line in wrap(detail, FONT, 9, width - 2 * pad)[:1]:
            c.drawString(x + pad, line_y, line)
            line_y -= 11.5
    c.setFont(BOLD, 18)
    c.drawString(x + pad, line_y - 10, money(tag.price))
    _barcode(c, tag.sku, x + pad, y + pad + 9, width - 2 * pad, 11 * mm)
    c.setFont(FONT, 8)
    c.drawCentredString(x + width / 2, y + pad, tag.sku)


def render_tags(tags: list[Tag], *, currency: str, locale: str, sheet: str = "plain") -> bytes:
    """A4 sheets of price tags (see ``layout``), each in a dashed box to cut along."""
    register_fonts()

    def money(amount: int) -> str:
        return format_money(amount, currency, locale)

    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
    canvas.setTitle("Price tags")
    for page in layout(tags, sheet) or [[]]:
        for tag, size, x, y in page:
            canvas.setDash(2, 3)
            canvas.setLineWidth(0.3)
            canvas.rect(x, y, size.width, size.height)
            canvas.setDash()
            draw = _large if size is LARGE else _small
            draw(canvas, tag, x, y, size.width, size.height, money)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()
