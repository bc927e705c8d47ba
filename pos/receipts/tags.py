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

SMALL = (3, 7, 63.5 * mm, 38.1 * mm)  # columns, rows, width, height (a common label sheet)
LARGE = (2, 4, 99.1 * mm, 67.7 * mm)


@dataclass(frozen=True)
class Tag:
    name: str
    sku: str
    price: int
    exhibitor: str
    large: bool = False
    details: list[str] = field(default_factory=list)  # artist, medium, size (large tags)


def _grid(canvas: Canvas, spec, tags: list[Tag], draw) -> None:
    columns, rows, width, height = spec
    page_width, page_height = A4
    left = (page_width - columns * width) / 2
    top = page_height - (page_height - rows * height) / 2
    for index, tag in enumerate(tags):
        slot = index % (columns * rows)
        if index and slot == 0:
            canvas.showPage()
        x = left + (slot % columns) * width
        y = top - (slot // columns + 1) * height
        canvas.setDash(2, 3)
        canvas.setLineWidth(0.3)
        canvas.rect(x, y, width, height)
        canvas.setDash()
        draw(canvas, tag, x, y, width, height)


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


def render_tags(tags: list[Tag], *, currency: str, locale: str) -> bytes:
    """A4 sheets of price tags: the ordinary ones first, then the large ones."""
    register_fonts()

    def money(amount: int) -> str:
        return format_money(amount, currency, locale)

    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
    canvas.setTitle("Price tags")
    small = [t for t in tags if not t.large]
    large = [t for t in tags if t.large]
    if small:
        _grid(canvas, SMALL, small, lambda c, t, *box: _small(c, t, *box, money))
    if large:
        if small:
            canvas.showPage()
        _grid(canvas, LARGE, large, lambda c, t, *box: _large(c, t, *box, money))
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
