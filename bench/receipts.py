"""Milliseconds per receipt for each format, against a floor measured in the same run:
a bare reportlab canvas drawing the same text (built-in font, no QR code). The ESC/POS
receipts (pos/printing/escpos.py: what a LAN printer gets) are measured in the same
run against the same floor, and against their own: the same text joined and encoded
to code page 850 in plain Python (no layout, no commands).

    .venv/bin/python bench/receipts.py [--rounds 300]
"""

from __future__ import annotations

import argparse
import io
import statistics
import time

from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from pos.printing import escpos
from pos.receipts.pdf import FONT, DocLine, DocPayment, ReceiptData, register_fonts, render

LABEL_KEYS = """receipt invoice refund_note booth number date cashier discount subtotal
line_discounts order_discount total refund_total dpp ppn reference change buyer scan item qty
price amount copy void printed"""
LABELS = {key: key.capitalize() for key in LABEL_KEYS.split()}  # noqa: SIM905
LABELS["offline_number"] = "Offline no."


def typical_receipt() -> ReceiptData:
    """Three lines, a discount, a split payment with change, tax lines and a QR code."""
    return ReceiptData(
        locale="id",
        currency="IDR",
        event_name="Pameran IKM Bali Bangkit",
        exhibitor_name="Celuk Silver Ketut Sudana",
        booth="B12",
        region="Gianyar",
        address="Jl. Jagaraga No. 12, Celuk, Sukawati, Gianyar",
        npwp="01.234.567.8-907.000",
        number="B12-000042",
        when="06/09/2025 10:15 WITA",
        cashier="Kasir B12",
        lines=[
            DocLine("Cincin Perak Motif Jawan", "SR-925-01", 2, 450_000, 90_000, 810_000),
            DocLine("Kalung Perak Rantai Bali", "SN-925-10", 1, 1_250_000, 0, 1_250_000),
            DocLine("Anting Perak Bunga Jepun", "SE-925-20", 1, 385_000, 0, 385_000),
        ],
        subtotal=2_535_000,
        line_discount_total=90_000,
        order_discount=5_000,
        total=2_440_000,
        tax_total=241_802,
        tax_rate_percent=11,
        tax_lines=True,
        payments=[DocPayment("Tunai", 500_000), DocPayment("QRIS", 2_000_000, "QR-778")],
        change=60_000,
        buyer_name="Ayu",
        footer="Terima kasih telah mendukung IKM Bali!",
        qr_url="http://192.168.1.10:5000/r/3uxT1wYoG5aIQxlPXvxm-Fxxv8ItqLUe",
        labels=LABELS,
    )


def bare_floor(data: ReceiptData) -> bytes:
    """The same words on an 80 mm page in the same embedded font: no layout rules, no
    wrapping, no QR code. What any receipt of this text costs in reportlab."""
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=(80 * mm, 200 * mm))
    y = 190 * mm
    words = [data.event_name, data.exhibitor_name, data.number, data.when, data.cashier]
    for line in data.lines:
        words += [line.name, f"{line.quantity} x {line.unit_price}", str(line.total)]
    words += [str(data.total), str(data.tax_total)] + [str(p.amount) for p in data.payments]
    words += [str(data.change), data.footer]
    c.setFont(FONT, 8)
    for word in words:
        c.drawString(4 * mm, y, word)
        y -= 10
    c.showPage()
    c.save()
    return buffer.getvalue()


def text_floor(data: ReceiptData) -> bytes:
    """The receipt's words as bytes for the printer, with nothing else: what any ESC/POS
    receipt of this text costs in Python."""
    words = [data.event_name, data.exhibitor_name, data.number, data.when, data.cashier]
    for line in data.lines:
        words += [line.name, f"{line.quantity} x {line.unit_price}", str(line.total)]
    words += [str(data.total), str(data.tax_total)] + [str(p.amount) for p in data.payments]
    words += [str(data.change), data.footer, data.qr_url]
    return "\n".join(words).encode("cp850", "replace")


def per_call_ms(work, rounds: int) -> float:
    work()  # warm-up: font registration, caches
    samples = []
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(rounds // 5):
            work()
        samples.append((time.perf_counter() - started) * 1000 / (rounds // 5))
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=300)
    args = parser.parse_args()
    register_fonts()
    data = typical_receipt()
    floor = per_call_ms(lambda: bare_floor(data), args.rounds)
    pdf_ms: dict[str, float] = {}
    print(f"{'document':<28}{'ms each':>10}{'× floor':>10}")
    print(f"{'floor (bare canvas, no QR)':<28}{floor:>10.2f}{1:>10.2f}")
    for paper in ("80mm", "58mm", "a4"):
        # A fresh link each time, so the QR code is really encoded, not cached.
        counter = iter(range(10**9))

        def one(paper=paper, counter=counter):
            data.qr_url = f"http://192.168.1.10:5000/r/{next(counter):032d}"
            return render(data, paper)

        ms = pdf_ms[paper] = per_call_ms(one, args.rounds)
        print(f"{'receipt ' + paper:<28}{ms:>10.2f}{ms / floor:>10.2f}")
    text = per_call_ms(lambda: text_floor(data), args.rounds * 10)
    print()
    print(
        f"{'ESC/POS document':<26}{'ms each':>9}{'× PDF floor':>12}{'× PDF same paper':>17}"
        f"{'× text floor':>13}"
    )
    print(f"{'text floor (cp850 bytes)':<26}{text:>9.3f}{text / floor:>12.3f}{'':>17}{1:>13.1f}")
    for paper in ("80mm", "72mm", "58mm"):
        ms = per_call_ms(lambda paper=paper: escpos.render(data, paper), args.rounds)
        same = pdf_ms["80mm" if paper == "72mm" else paper]
        label = f"ESC/POS receipt {paper}"
        print(f"{label:<26}{ms:>9.3f}{ms / floor:>12.3f}{ms / same:>17.3f}{ms / text:>13.1f}")
    size = len(escpos.render(data, "80mm"))
    pdf_size = len(render(data, "80mm"))
    print(f"bytes sent to the printer (80mm): {size:,} ESC/POS, {pdf_size:,} as PDF")


if __name__ == "__main__":
    main()
