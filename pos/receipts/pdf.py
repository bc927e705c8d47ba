"""Receipts and refund notes with reportlab: data in, PDF bytes out, no HTTP.

Thermal rolls (80 mm, 58 mm) get a page exactly as long as their content; the A4
invoice flows over pages. Text is drawn as plain strings, never parsed as markup, so a
product called ``<b>Tas & Dompet</b>`` prints exactly so. The font is embedded (DejaVu
Sans where the system has it, else reportlab's own Vera); characters it lacks print as
a blank box instead of failing. The QR code is encoded with a fixed mask and drawn as
one path of merged modules, which keeps a receipt to a few milliseconds.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import reportlab
import segno
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from pos.formats import format_deduction, format_money

FONT, BOLD = "PosSans", "PosSans-Bold"
SYSTEM_FONTS = Path("/usr/share/fonts/truetype/dejavu")
ROLL_WIDTHS = {"80mm": 80 * mm, "58mm": 58 * mm}
# Thermal printers cannot print to the very edge of the paper.
ROLL_MARGINS = {"80mm": 4 * mm, "58mm": 2.5 * mm}
ROLL_FONT_SIZES = {"80mm": 8.0, "58mm": 7.0}
FORMATS = ("80mm", "58mm", "a4")


@cache
def register_fonts() -> str:
    """Register the embedded font once per process; returns where it came from."""
    regular, bold = SYSTEM_FONTS / "DejaVuSans.ttf", SYSTEM_FONTS / "DejaVuSans-Bold.ttf"
    if not (regular.exists() and bold.exists()):
        bundled = Path(reportlab.__file__).parent / "fonts"
        regular, bold = bundled / "Vera.ttf", bundled / "VeraBd.ttf"
    pdfmetrics.registerFont(TTFont(FONT, str(regular)))
    pdfmetrics.registerFont(TTFont(BOLD, str(bold)))
    return str(regular)


# --- what a document shows ---------------------------------------------------------------


@dataclass(frozen=True)
class DocLine:
    name: str
    sku: str
    quantity: int
    unit_price: int
    discount: int
    total: int


@dataclass(frozen=True)
class DocPayment:
    label: str
    amount: int
    reference: str = ""


@dataclass
class ReceiptData:
    """Everything printed on a receipt or refund note, already in the reader's language
    (``labels``) except money, which is formatted here for ``locale``."""

    locale: str
    currency: str
    event_name: str
    exhibitor_name: str
    booth: str
    number: str  # the booth's receipt number (or a refund note's number)
    when: str
    cashier: str
    lines: list[DocLine]
    total: int
    labels: dict[str, str]
    region: str = ""
    address: str = ""
    npwp: str = ""
    subtotal: int = 0
    line_discount_total: int = 0
    order_discount: int = 0
    tax_total: int = 0
    tax_rate_percent: int = 0
    payments: list[DocPayment] = field(default_factory=list)
    change: int = 0
    buyer_name: str = ""
    footer: str = ""
    qr_url: str = ""
    # The tablet's own number of a sale made offline (B12-T1-0007), beside the receipt
    # number the server gave it.
    offline_number: str = ""
    marks: list[str] = field(default_factory=list)  # SALINAN …, BATAL
    title: str = ""  # "Receipt" or "Refund note"
    reference_line: str = ""  # a refund note's sale and reason
    tax_lines: bool = False

    def money(self, amount: int) -> str:
        return format_money(amount, self.currency, self.locale)

    def deduction(self, amount: int) -> str:
        return format_deduction(amount, self.currency, self.locale)


# --- text measuring ---------------------------------------------------------------------


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Lines of ``text`` no wider than ``width``; words too long for a line are cut."""
    text = " ".join(str(text).split())
    if not text:
        return [""]
    measure = pdfmetrics.stringWidth
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        candidate = f"{current} {word}" if current else word
        if measure(candidate, font, size) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        while measure(word, font, size) > width:
            cut = _fit(word, font, size, width)
            lines.append(word[:cut])
            word = word[cut:]
        current = word
    lines.append(current)
    return lines


def _fit(word: str, font: str, size: float, width: float) -> int:
    """How many leading characters of ``word`` fit in ``width`` (at least one)."""
    low, high = 1, len(word)
    while low < high:
        middle = (low + high + 1) // 2
        if pdfmetrics.stringWidth(word[:middle], font, size) <= width:
            low = middle
        else:
            high = middle - 1
    return low


# --- the QR code ------------------------------------------------------------------------


@cache
def qr_matrix(url: str) -> tuple[tuple[bool, ...], ...]:
    # A fixed mask skips trying all eight: a quarter of the encoding time, and every
    # reader decodes any mask.
    code = segno.make_qr(url, error="m", mask=0, boost_error=False)
    return tuple(tuple(bool(module) for module in row) for row in code.matrix)


def draw_qr(canvas: Canvas, url: str, x: float, y: float, size: float) -> None:
    """The QR code of ``url`` with its quiet zone, bottom-left at (x, y), as one path."""
    matrix = qr_matrix(url)
    count = len(matrix) + 8  # four modules of quiet zone on each side
    module = size / count
    path = canvas.beginPath()
    for row_index, row in enumerate(matrix):
        top = y + size - (row_index + 4 + 1) * module
        column = 0
        while column < len(row):
            if not row[column]:
                column += 1
                continue
            start = column
            while column < len(row) and row[column]:
                column += 1
            path.rect(x + (start + 4) * module, top, (column - start) * module, module)
    canvas.drawPath(path, stroke=0, fill=1)


# --- thermal rolls ----------------------------------------------------------------------


class Roll:
    """Lays a receipt out top to bottom, then draws it on a page exactly that long."""

    def __init__(self, paper: str) -> None:
        self.width = ROLL_WIDTHS[paper]
        self.margin = ROLL_MARGINS[paper]
        self.size = ROLL_FONT_SIZES[paper]
        self.inner = self.width - 2 * self.margin
        self.y = 0.0  # distance from the top
        self.ops: list[Callable[[Canvas, float], None]] = []

    def _leading(self, size: float) -> float:
        return size * 1.3

    def text(
        self, text: str, *, bold: bool = False, size: float | None = None, align: str = "left"
    ) -> None:
        size = size or self.size
        font = BOLD if bold else FONT
        for line in wrap(text, font, size, self.inner):
            self.y += self._leading(size)
            y = self.y

            def op(c: Canvas, height: float, line=line, y=y, font=font, size=size) -> None:
                c.setFont(font, size)
                baseline = height - y + size * 0.3
                if align == "center":
                    c.drawCentredString(self.width / 2, baseline, line)
                elif align == "right":
                    c.drawRightString(self.width - self.margin, baseline, line)
                else:
                    c.drawString(self.margin, baseline, line)

            self.ops.append(op)

    def pair(self, left: str, right: str, *, bold: bool = False, size: float | None = None) -> None:
        """A label on the left and an amount on the right; a long label wraps before it."""
        size = size or self.size
        font = BOLD if bold else FONT
        right_width = pdfmetrics.stringWidth(right, font, size) + 2 * mm
        lines = wrap(left, font, size, max(self.inner - right_width, self.inner * 0.4))
        for index, line in enumerate(lines):
            self.y += self._leading(size)
            y = self.y
            last = index == len(lines) - 1

            def op(c: Canvas, height: float, line=line, y=y, last=last) -> None:
                c.setFont(font, size)
                baseline = height - y + size * 0.3
                c.drawString(self.margin, baseline, line)
                if last:
                    c.drawRightString(self.width - self.margin, baseline, right)

            self.ops.append(op)

    def rule(self, *, dashed: bool = True) -> None:
        self.y += self.size * 0.8
        y = self.y

        def op(c: Canvas, height: float) -> None:
            c.setLineWidth(0.5)
            c.setDash(2, 2) if dashed else c.setDash()
            c.line(self.margin, height - y, self.width - self.margin, height - y)
            c.setDash()

        self.ops.append(op)

    def space(self, points: float) -> None:
        self.y += points

    def qr(self, url: str, size: float) -> None:
        self.y += size
        y = self.y

        def op(c: Canvas, height: float) -> None:
            draw_qr(c, url, (self.width - size) / 2, height - y, size)

        self.ops.append(op)

    def mark(self, text: str) -> None:
        """A boxed word across the roll (SALINAN / COPY, BATAL / VOID); what follows a
        " · " (the time of a reprint) is printed small beneath it."""
        word, _sep, detail = text.partition(" · ")
        size = self.size * 1.6
        while pdfmetrics.stringWidth(word, BOLD, size) > self.inner - 4 and size > self.size:
            size -= 0.5
        self.y += size * 1.8
        y = self.y

        def op(c: Canvas, height: float) -> None:
            c.setLineWidth(1.2)
            c.rect(self.margin, height - y, self.inner, size * 1.6, stroke=1, fill=0)
            c.setFont(BOLD, size)
            c.drawCentredString(self.width / 2, height - y + size * 0.5, word)

        self.ops.append(op)
        if detail:
            self.text(detail, align="center", size=self.size * 0.9)

    def render(self, title: str) -> bytes:
        height = self.y + 2 * self.margin + 4 * mm
        buffer = io.BytesIO()
        canvas = Canvas(buffer, pagesize=(self.width, height), pageCompression=1)
        canvas.setTitle(title)
        canvas.setAuthor("Pameran POS")
        canvas.translate(0, -self.margin)
        for op in self.ops:
            op(canvas, height)
        canvas.showPage()
        canvas.save()
        return buffer.getvalue()


def _receipt_on_roll(data: ReceiptData, paper: str) -> bytes:
    roll = Roll(paper)
    labels = data.labels
    for mark in data.marks:
        roll.mark(mark)
    roll.text(data.event_name, align="center", size=roll.size * 0.95)
    roll.text(data.exhibitor_name, bold=True, align="center", size=roll.size * 1.3)
    booth = f"{labels['booth']} {data.booth}" + (f" · {data.region}" if data.region else "")
    roll.text(booth, align="center")
    if data.address:
        roll.text(data.address, align="center", size=roll.size * 0.9)
    if data.npwp:
        roll.text(f"NPWP {data.npwp}", align="center", size=roll.size * 0.9)
    roll.rule()
    if data.title:
        roll.text(data.title, bold=True, align="center")
    roll.pair(labels["number"], data.number, bold=True)
    if data.offline_number:
        roll.pair(labels["offline_number"], data.offline_number)
    roll.pair(labels["date"], data.when)
    roll.pair(labels["cashier"], data.cashier)
    if data.reference_line:
        roll.text(data.reference_line)
    roll.rule()
    for line in data.lines:
        roll.text(line.name, bold=True)
        roll.pair(
            f"{line.quantity} × {data.money(line.unit_price)}",
            data.money(line.quantity * line.unit_price),
        )
        if line.discount:
            roll.pair(f"  {labels['discount']}", data.deduction(line.discount))
            roll.pair(f"  {labels['amount']}", data.money(line.total))
    roll.rule()
    if data.line_discount_total or data.order_discount:
        roll.pair(labels["subtotal"], data.money(data.subtotal))
    if data.line_discount_total:
        roll.pair(labels["line_discounts"], data.deduction(data.line_discount_total))
    if data.order_discount:
        roll.pair(labels["order_discount"], data.deduction(data.order_discount))
    roll.pair(labels["total"], data.money(data.total), bold=True, size=roll.size * 1.35)
    if data.tax_lines:
        roll.pair(labels["dpp"], data.money(data.total - data.tax_total))
        roll.pair(f"{labels['ppn']} {data.tax_rate_percent}%", data.money(data.tax_total))
    if data.payments:
        roll.space(2)
        for payment in data.payments:
            roll.pair(payment.label, data.money(payment.amount))
            if payment.reference:
                roll.text(f"  {labels['reference']} {payment.reference}", size=roll.size * 0.9)
        if data.change:
            roll.pair(labels["change"], data.money(data.change), bold=True)
    if data.buyer_name:
        roll.space(2)
        roll.pair(labels["buyer"], data.buyer_name)
    roll.rule()
    if data.footer:
        roll.text(data.footer, align="center", size=roll.size * 0.9)
    if data.qr_url:
        roll.space(3)
        roll.text(labels["scan"], align="center", size=roll.size * 0.85)
        roll.qr(data.qr_url, min(32 * mm, roll.inner * 0.6))
    for mark in data.marks:
        roll.mark(mark)
    return roll.render(f"{data.title or labels['receipt']} {data.number}")


# --- A4 invoice ---------------------------------------------------------------------------


def _receipt_on_a4(data: ReceiptData) -> bytes:
    width, height = A4
    margin = 18 * mm
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=A4, pageCompression=1)
    labels = data.labels
    c.setTitle(f"{data.title or labels['invoice']} {data.number}")
    c.setAuthor("Pameran POS")
    columns = {
        "qty": width - margin - 95 * mm,
        "price": width - margin - 55 * mm,
        "disc": width - margin - 25 * mm,
    }
    name_width = columns["qty"] - margin - 12 * mm

    def header(first: bool) -> float:
        top = height - margin
        left_width = width - 2 * margin - 75 * mm
        # Left: who sells. Right: which document, and its marks.
        y = top
        c.setFont(BOLD, 15)
        for line in wrap(data.exhibitor_name, BOLD, 15, left_width):
            c.drawString(margin, y - 5 * mm, line)
            y -= 6.5 * mm
        c.setFont(FONT, 9)
        details = [
            f"{labels['booth']} {data.booth}" + (f" · {data.region}" if data.region else ""),
            data.event_name,
        ]
        if data.address:
            details.append(data.address)
        if data.npwp:
            details.append(f"NPWP {data.npwp}")
        for detail in details:
            for line in wrap(detail, FONT, 9, left_width):
                c.drawString(margin, y - 4 * mm, line)
                y -= 4.5 * mm
        right_y = top - 5 * mm
        c.setFont(BOLD, 13)
        c.drawRightString(width - margin, right_y, data.title or labels["invoice"])
        right_y -= 6 * mm
        c.setFont(FONT, 9)
        numbers = [f"{labels['number']} {data.number}"]
        if data.offline_number:
            numbers.append(f"{labels['offline_number']} {data.offline_number}")
        for text in (*numbers, data.when, f"{labels['cashier']} {data.cashier}"):
            c.drawRightString(width - margin, right_y, text)
            right_y -= 4.5 * mm
        for mark in data.marks:
            word, _sep, detail = mark.partition(" · ")
            box_top = right_y - 1 * mm
            c.setLineWidth(1.5)
            c.rect(width - margin - 70 * mm, box_top - 11 * mm, 70 * mm, 11 * mm)
            c.setFont(BOLD, 16)
            c.drawCentredString(width - margin - 35 * mm, box_top - 7.5 * mm, word)
            right_y = box_top - 11 * mm - 4 * mm
            if detail:
                c.setFont(FONT, 8)
                c.drawCentredString(width - margin - 35 * mm, right_y, detail)
                right_y -= 4.5 * mm
        y = min(y, right_y) - 4 * mm
        if first and data.reference_line:
            for line in wrap(data.reference_line, FONT, 9, width - 2 * margin):
                c.drawString(margin, y, line)
                y -= 4.5 * mm
        if first and data.buyer_name:
            c.drawString(margin, y, f"{labels['buyer']}: {data.buyer_name}")
            y -= 4.5 * mm
        y -= 3 * mm
        c.setFont(BOLD, 9)
        c.drawString(margin, y, labels["item"])
        c.drawRightString(columns["qty"], y, labels["qty"])
        c.drawRightString(columns["price"], y, labels["price"])
        c.drawRightString(columns["disc"], y, labels["discount"])
        c.drawRightString(width - margin, y, labels["amount"])
        c.setLineWidth(0.6)
        c.line(margin, y - 2 * mm, width - margin, y - 2 * mm)
        return y - 7 * mm

    y = header(True)
    for line in data.lines:
        names = wrap(line.name, FONT, 9, name_width)
        needed = (len(names) + 1) * 4.5 * mm
        if y - needed < margin + 20 * mm:
            c.showPage()
            y = header(False)
        c.setFont(FONT, 9)
        c.drawRightString(columns["qty"], y, str(line.quantity))
        c.drawRightString(columns["price"], y, data.money(line.unit_price))
        c.drawRightString(
            columns["disc"], y, data.deduction(line.discount) if line.discount else ""
        )
        c.drawRightString(width - margin, y, data.money(line.total))
        for name in names:
            c.drawString(margin, y, name)
            y -= 4.5 * mm
        c.setFont(FONT, 7.5)
        c.drawString(margin, y + 0.8 * mm, line.sku)
        y -= 4 * mm

    summary: list[tuple[str, str, bool]] = []
    if data.line_discount_total or data.order_discount:
        summary.append((labels["subtotal"], data.money(data.subtotal), False))
    if data.line_discount_total:
        summary.append((labels["line_discounts"], data.deduction(data.line_discount_total), False))
    if data.order_discount:
        summary.append((labels["order_discount"], data.deduction(data.order_discount), False))
    summary.append((labels["total"], data.money(data.total), True))
    if data.tax_lines:
        summary.append((labels["dpp"], data.money(data.total - data.tax_total), False))
        summary.append(
            (f"{labels['ppn']} {data.tax_rate_percent}%", data.money(data.tax_total), False)
        )
    for payment in data.payments:
        reference = f" ({payment.reference})" if payment.reference else ""
        summary.append((f"{payment.label}{reference}", data.money(payment.amount), False))
    if data.change:
        summary.append((labels["change"], data.money(data.change), False))
    needed = len(summary) * 6 * mm + 45 * mm
    if y - needed < margin:
        c.showPage()
        y = header(False)
    c.setLineWidth(0.6)
    c.line(width / 2, y + 2 * mm, width - margin, y + 2 * mm)
    for label, value, strong in summary:
        y -= 6 * mm if strong else 5 * mm
        c.setFont(BOLD if strong else FONT, 11 if strong else 9)
        c.drawString(width / 2, y, label[:60])
        c.drawRightString(width - margin, y, value)
    if data.qr_url:
        draw_qr(c, data.qr_url, margin, margin + 8 * mm, 30 * mm)
        c.setFont(FONT, 8)
        c.drawString(margin + 32 * mm, margin + 20 * mm, labels["scan"])
    if data.footer:
        c.setFont(FONT, 8)
        footer_y = margin
        for line in reversed(wrap(data.footer, FONT, 8, width - 2 * margin)):
            c.drawCentredString(width / 2, footer_y, line)
            footer_y += 3.8 * mm
    c.showPage()
    c.save()
    return buffer.getvalue()


def render(data: ReceiptData, paper: str = "80mm") -> bytes:
    """A receipt or refund note as PDF bytes. Raises ValueError for an unknown format."""
    register_fonts()
    if paper in ROLL_WIDTHS:
        return _receipt_on_roll(data, paper)
    if paper == "a4":
        return _receipt_on_a4(data)
    raise ValueError(f"unknown receipt format: {paper}")
