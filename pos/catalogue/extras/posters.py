"""QR posters for the hall, with reportlab: data in, PDF bytes out, no HTTP.

A booth's poster (A4, one per booth, or every booth's in one document, a page each):
the business name, the booth code in large type, a large QR code of its public page and
"scan to see our products" in Indonesian and English. The entrance poster: the fair's
name, dates and venue, and a QR code of the fair's catalogue. The QR codes are drawn as
the receipts draw theirs (pos/receipts/pdf.py: one path, error correction M), 120 mm
wide: a phone reads one from a few metres.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from pos.receipts.pdf import BOLD, FONT, draw_qr, register_fonts, wrap

WIDTH, HEIGHT = A4
MARGIN = 18 * mm
QR_SIZE = 120 * mm
INK = (0.06, 0.36, 0.35)  # the app's teal (#0f5c5a)


@dataclass(frozen=True)
class BoothPoster:
    """One booth's poster; ``scan_id``/``scan_en`` the call to scan in each language."""

    event_name: str
    name: str
    booth: str
    url: str
    scan_id: str
    scan_en: str
    region: str = ""


@dataclass(frozen=True)
class EntrancePoster:
    name: str
    dates: str  # as printed, e.g. "1–5 Des 2026 · Dec 1–5, 2026"
    venue: str
    url: str
    scan_id: str
    scan_en: str


def _centred_lines(c: Canvas, text: str, font: str, size: float, top: float, most: int) -> float:
    """``text`` wrapped and centred from ``top`` down, at most ``most`` lines (shrunk
    until it fits); returns the baseline below the last line."""
    width = WIDTH - 2 * MARGIN
    while size > 12 and len(wrap(text, font, size, width)) > most:
        size -= 2
    y = top - size
    c.setFont(font, size)
    for line in wrap(text, font, size, width)[:most]:
        c.drawCentredString(WIDTH / 2, y, line)
        y -= size * 1.2
    return y + size * 1.2 - size * 0.3


def _fitted(text: str, font: str, size: float, width: float) -> float:
    """The largest size up to ``size`` at which ``text`` fits ``width`` on one line."""
    while size > 10 and pdfmetrics.stringWidth(text, font, size) > width:
        size -= 4
    return size


def _qr_with_calls(c: Canvas, url: str, scan_id: str, scan_en: str, top: float) -> None:
    """The QR code from ``top`` down (120 mm, less when a long name left less room),
    and below it the call to scan in both languages and the link written out."""
    size = max(70 * mm, min(QR_SIZE, top - MARGIN - 50 * mm))
    draw_qr(c, url, (WIDTH - size) / 2, top - size, size)
    y = top - size - 4 * mm
    c.setFillColorRGB(*INK)
    y = _centred_lines(c, scan_id, BOLD, 22, y, 2)
    c.setFillColorRGB(0, 0, 0)
    y = _centred_lines(c, scan_en, FONT, 20, y - 4, 2)
    c.setFont(FONT, 10)
    c.drawCentredString(WIDTH / 2, max(MARGIN, y - 18), url)


def _booth_page(c: Canvas, poster: BoothPoster) -> None:
    c.setFillColorRGB(*INK)
    c.rect(0, HEIGHT - 14 * mm, WIDTH, 14 * mm, stroke=0, fill=1)
    c.setFillColorRGB(1, 1, 1)
    c.setFont(FONT, 12)
    c.drawCentredString(WIDTH / 2, HEIGHT - 9 * mm, wrap(poster.event_name, FONT, 12, WIDTH)[0])
    c.setFillColorRGB(0, 0, 0)
    size = _fitted(poster.booth, BOLD, 88, WIDTH - 2 * MARGIN)
    c.setFont(BOLD, size)
    c.drawCentredString(WIDTH / 2, HEIGHT - 14 * mm - 8 * mm - size * 0.75, poster.booth)
    y = _centred_lines(c, poster.name, BOLD, 30, HEIGHT - 14 * mm - 12 * mm - size * 0.8, 2)
    if poster.region:
        y = _centred_lines(c, poster.region, FONT, 14, y - 2, 1)
    _qr_with_calls(c, poster.url, poster.scan_id, poster.scan_en, y - 8 * mm)


def _entrance_page(c: Canvas, poster: EntrancePoster) -> None:
    c.setFillColorRGB(*INK)
    c.rect(0, HEIGHT - 14 * mm, WIDTH, 14 * mm, stroke=0, fill=1)
    c.setFillColorRGB(0, 0, 0)
    y = _centred_lines(c, poster.name, BOLD, 38, HEIGHT - 24 * mm, 3)
    if poster.dates:
        y = _centred_lines(c, poster.dates, FONT, 18, y - 4, 2)
    if poster.venue:
        y = _centred_lines(c, poster.venue, FONT, 16, y - 2, 2)
    _qr_with_calls(c, poster.url, poster.scan_id, poster.scan_en, y - 10 * mm)


def _document(title: str, pages: list, draw) -> bytes:
    register_fonts()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
    canvas.setTitle(title)
    for page in pages:
        draw(canvas, page)
        canvas.showPage()
    if not pages:
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def render_booth_posters(posters: list[BoothPoster], title: str = "Booth posters") -> bytes:
    """One A4 page per booth, in the order given."""
    return _document(title, posters, _booth_page)


def render_entrance_poster(poster: EntrancePoster, title: str = "Entrance poster") -> bytes:
    return _document(title, [poster], _entrance_page)
