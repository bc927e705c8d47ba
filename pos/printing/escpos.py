"""Receipts and refund notes as ESC/POS bytes for thermal printers: data in, bytes out,
no HTTP, no network.

The same :class:`pos.receipts.pdf.ReceiptData` the PDF is drawn from is laid out here
in fixed columns (32 on 58 mm paper, 42 on a 72 mm print head, 48 on 80 mm) with
python-escpos's ``Dummy`` printer, which collects the commands instead of sending them.
The printer draws the QR code of the buyer's link itself (``GS ( k``), so a receipt is a
couple of kilobytes, not a raster image.

Text is sent in code page 850 (``ESC t 2``: "Multilingual Latin 1", in the character
tables of Epson, Xprinter, Rongta, Star-in-ESC/POS-mode and the other printers a booth
meets), so "Café Ñusa" prints as written. A character that page lacks is transliterated
(text-unidecode: "漢字" → "Han Zi", "−" → "-"), never sent as bytes the printer would
print as garbage.
"""

from __future__ import annotations

import functools
import textwrap
from collections.abc import Iterable

from escpos.printer import Dummy
from text_unidecode import unidecode

from pos.receipts.pdf import ReceiptData

# Characters per line in the printer's standard font A (12 × 24 dots).
PAPER_COLUMNS = {"58mm": 32, "72mm": 42, "80mm": 48}
PAPERS = tuple(PAPER_COLUMNS)
CODE_PAGE = "CP850"
PYTHON_CODEC = "cp850"
# The QR code's module size in dots: a 50-character link (version 4, 33 modules) is
# 33 × 6 = 198 dots (25 mm at 203 dpi) on 80 mm paper, 165 dots on 58 mm.
QR_MODULE = {"58mm": 5, "72mm": 6, "80mm": 6}

# Where the code page has no such character and a plain one reads better than
# text-unidecode's guess.
SUBSTITUTES = {
    "\u2212": "-",  # the minus sign of deductions (pos/formats.py)
    "\u2010": "-",
    "\u2011": "-",
    "\u2013": "-",
    "\u2014": "-",
    "\u00a0": " ",  # no-break space: the printer's own 0xFF prints blank on some models only
    "\u202f": " ",
    "\u2009": " ",
    "\u2018": "'",
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u2026": "...",
    "\u2022": "*",
    "\u20ac": "EUR",
}


def printable(text: str) -> str:
    """``text`` with every character the printer can print from code page 850, each
    other character replaced by its closest ASCII spelling (or "?" when there is none).
    Control characters become spaces: a name never moves the print head."""
    text = str(text)
    if text.isascii() and text.isprintable():
        return text
    return _spelled(text)


@functools.lru_cache(maxsize=4096)
def _spelled(text: str) -> str:
    out: list[str] = []
    for char in text:
        if char in SUBSTITUTES:
            out.append(SUBSTITUTES[char])
            continue
        if char < " " or char == "\x7f":
            out.append(" ")
            continue
        if char.isascii():
            out.append(char)
            continue
        try:
            char.encode(PYTHON_CODEC)
        except UnicodeEncodeError:
            spelled = unidecode(char)
            spelled = "".join(c if " " <= c < "\x7f" else "" for c in spelled)
            out.append(spelled if spelled and spelled != "[?]" else "?")
        else:
            out.append(char)
    return "".join(out)


def wrap(text: str, width: int) -> list[str]:
    """Lines of ``text`` at most ``width`` columns; words longer than a line are cut."""
    text = " ".join(printable(text).split())
    if not text:
        return [""]
    return textwrap.wrap(text, width, break_long_words=True, break_on_hyphens=False) or [""]


class Ticket:
    """Lines of a receipt written to python-escpos's Dummy printer."""

    def __init__(self, paper: str) -> None:
        if paper not in PAPER_COLUMNS:
            raise ValueError(f"unknown paper: {paper}")
        self.paper = paper
        self.columns = PAPER_COLUMNS[paper]
        self.printer = Dummy(profile="default")
        self.printer.hw("INIT")  # ESC @: forget whatever the last job left set
        self.printer.charcode(CODE_PAGE)  # ESC t 2

    def style(
        self, *, align: str = "left", bold: bool = False, tall: bool = False, wide: bool = False
    ) -> None:
        # Size first: ESC ! clears emphasis, so bold (ESC E) must follow it.
        if tall or wide:
            self.printer.set(double_height=tall, double_width=wide)
        else:
            self.printer.set(normal_textsize=True)
        self.printer.set(align=align, bold=bold)

    def line(self, text: str = "") -> None:
        # Already in code page 850 (printable): straight to the buffer. python-escpos's
        # own text() would look each character up in its code page tables again.
        self.printer._raw(printable(text).encode(PYTHON_CODEC) + b"\n")

    def text(
        self, text: str, *, align: str = "left", bold: bool = False, tall: bool = False
    ) -> None:
        self.style(align=align, bold=bold, tall=tall)
        for part in wrap(text, self.columns):
            self.line(part)

    def pair(self, left: str, right: str, *, bold: bool = False, tall: bool = False) -> None:
        """A label on the left and a value against the right edge; a long label wraps
        before it, a value too long to share its line goes on the next one."""
        self.style(bold=bold, tall=tall)
        right = " ".join(printable(right).split())
        room = self.columns - len(right) - 1
        if room < min(12, self.columns // 3):
            for part in wrap(left, self.columns):
                self.line(part)
            for part in wrap(right, self.columns):
                self.line(part.rjust(self.columns))
            return
        indent = " " * (len(left) - len(left.lstrip(" ")))
        parts = [indent + part for part in wrap(left, room - len(indent))]
        for part in parts[:-1]:
            self.line(part)
        self.line(parts[-1].ljust(room) + " " + right)

    def rule(self) -> None:
        self.style()
        self.line("-" * self.columns)

    def mark(self, mark: str) -> None:
        """SALINAN / COPY, BATAL / VOID: large, reversed (white on black), across the
        paper; what follows " · " (the time of a reprint) small beneath it."""
        word, _sep, detail = mark.partition(" · ")
        self.style(align="center", bold=True, tall=True, wide=True)
        self.printer.set(invert=True)
        for part in wrap(word, self.columns // 2):
            self.line(f" {part} ")
        self.printer.set(invert=False)
        if detail:
            self.text(detail, align="center")

    def qr(self, url: str) -> None:
        self.style(align="center")
        self.printer.qr(url, native=True, size=QR_MODULE[self.paper], ec=1)  # level M
        self.line()

    def finish(self) -> bytes:
        self.style()
        self.printer.cut()  # ESC d 6 (past the cutter), GS V 0
        return self.printer.output


def render(data: ReceiptData, paper: str = "80mm") -> bytes:
    """A receipt or refund note as ESC/POS bytes for ``paper`` (58mm, 72mm, 80mm), with
    the content and order of the PDF roll (pos/receipts/pdf.py). Raises ValueError for
    an unknown paper."""
    ticket = Ticket(paper)
    labels = data.labels
    for mark in data.marks:
        ticket.mark(mark)
    ticket.text(data.event_name, align="center")
    ticket.text(data.exhibitor_name, align="center", bold=True, tall=True)
    booth = f"{labels['booth']} {data.booth}" + (f" · {data.region}" if data.region else "")
    ticket.text(booth, align="center")
    if data.address:
        ticket.text(data.address, align="center")
    if data.npwp:
        ticket.text(f"NPWP {data.npwp}", align="center")
    ticket.rule()
    if data.title:
        ticket.text(data.title, align="center", bold=True)
    ticket.pair(labels["number"], data.number, bold=True)
    if data.offline_number:
        ticket.pair(labels["offline_number"], data.offline_number)
    ticket.pair(labels["date"], data.when)
    ticket.pair(labels["cashier"], data.cashier)
    if data.reference_line:
        ticket.text(data.reference_line)
    ticket.rule()
    for line in data.lines:
        ticket.text(line.name, bold=True)
        ticket.pair(
            f"{line.quantity} × {data.money(line.unit_price)}",
            data.money(line.quantity * line.unit_price),
        )
        if line.discount:
            ticket.pair(f"  {labels['discount']}", data.deduction(line.discount))
            ticket.pair(f"  {labels['amount']}", data.money(line.total))
    ticket.rule()
    if data.line_discount_total or data.order_discount:
        ticket.pair(labels["subtotal"], data.money(data.subtotal))
    if data.line_discount_total:
        ticket.pair(labels["line_discounts"], data.deduction(data.line_discount_total))
    if data.order_discount:
        ticket.pair(labels["order_discount"], data.deduction(data.order_discount))
    ticket.pair(labels["total"], data.money(data.total), bold=True, tall=True)
    if data.tax_lines:
        ticket.pair(labels["dpp"], data.money(data.total - data.tax_total))
        ticket.pair(f"{labels['ppn']} {data.tax_rate_percent}%", data.money(data.tax_total))
    if data.payments:
        for payment in data.payments:
            ticket.pair(payment.label, data.money(payment.amount))
            if payment.reference:
                ticket.text(f"  {labels['reference']} {payment.reference}")
        if data.change:
            ticket.pair(labels["change"], data.money(data.change), bold=True)
    if data.buyer_name:
        ticket.pair(labels["buyer"], data.buyer_name)
    ticket.rule()
    if data.footer:
        ticket.text(data.footer, align="center")
    if data.qr_url:
        ticket.text(labels["scan"], align="center")
        ticket.qr(data.qr_url)
    for mark in data.marks:
        ticket.mark(mark)
    return ticket.finish()


def render_test_page(
    paper: str, *, title: str, lines: Iterable[str], sample: str, qr_url: str = ""
) -> bytes:
    """A printer's test page: its ``title``, the given ``lines`` (the printer's name,
    address, paper), a ruler exactly as wide as the paper's columns (the last digit must
    print at the right edge), the accented ``sample``, and a QR code of ``qr_url``."""
    ticket = Ticket(paper)
    ticket.text(title, align="center", bold=True, tall=True)
    ticket.rule()
    for line in lines:
        ticket.text(line)
    ticket.style()
    ruler = "".join(str(i % 10) for i in range(1, ticket.columns + 1))
    ticket.line(ruler)
    ticket.text(sample)
    ticket.rule()
    if qr_url:
        ticket.text(qr_url, align="center")
        ticket.qr(qr_url)
    return ticket.finish()
