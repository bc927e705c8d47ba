"""The sales statement on A4 with reportlab: the organizer's letterhead, the exhibitor,
the headline figures, sales by day, by category and by payment method, and the QR code
of the public verification page with the snapshot's fingerprint. Data in (the frozen
snapshot), PDF bytes out, no HTTP; the style of pos/reports/pdf.py. Texts from the
snapshot go into paragraphs escaped, never as markup."""

from __future__ import annotations

import io
from functools import partial
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from pos.formats import format_count, format_day, format_deduction, format_money
from pos.receipts.pdf import BOLD, FONT, draw_qr, register_fonts
from pos.reports.pdf import BRAND, GRID, WIDTH, _table, settlement_day_rows

MARGIN = 16 * mm
# The frame's width inside its 6 pt padding: tables as wide as the paragraphs, not wider.
W = WIDTH - 12
QR_SIZE = 34 * mm


def _style(size: float = 9, *, font: str = FONT, color: Any = colors.black, **more: Any):
    return ParagraphStyle(
        f"s{size}{font}", fontName=font, fontSize=size, leading=size * 1.3, textColor=color, **more
    )


def _text(text: str, style: ParagraphStyle) -> Paragraph:
    """Plain text in a paragraph: escaped, its line breaks kept."""
    return Paragraph(escape(text or "").replace("\n", "<br/>"), style)


class QRCode(Flowable):
    """The verification link as a QR code (the receipts' encoder and drawing)."""

    def __init__(self, url: str, size: float) -> None:
        super().__init__()
        self.url, self.width, self.height = url, size, size

    def draw(self) -> None:
        draw_qr(self.canv, self.url, 0, 0, self.width)


def render_statement(
    snapshot: dict[str, Any], words: dict[str, str], locale: str, url: str, fingerprint: str
) -> bytes:
    """The statement as issued: every figure, name and date from ``snapshot``; ``url``
    the verification page in the QR code; ``fingerprint`` the snapshot's hash, short."""
    register_fonts()
    currency = snapshot["currency"]
    money = partial(format_money, currency=currency, locale=locale)
    minus = partial(format_deduction, currency=currency, locale=locale)
    figures = snapshot["figures"]
    event, exhibitor, issuer = snapshot["event"], snapshot["exhibitor"], snapshot["issuer"]
    issued_on = format_day(snapshot["issued_on"], locale, "long")

    small = _style(8, color=colors.HexColor("#444444"))
    body = _style(9.5)
    # --- letterhead: the issuing office, the document's title and number
    office_lines = (issuer["office"] or "").split("\n")
    letterhead = Table(
        [
            [
                [
                    _text(office_lines[0], _style(12, font=BOLD, color=BRAND)),
                    _text("\n".join(office_lines[1:]), small),
                ],
                [
                    _text(words["title"].upper(), _style(12, font=BOLD, alignment=2)),
                    _text(f"{words['number']} {snapshot['number']}", _style(9, alignment=2)),
                    _text(f"{words['issued_on']}: {issued_on}", _style(9, alignment=2)),
                ],
            ]
        ],
        colWidths=[W * 0.52, W * 0.48],
    )
    letterhead.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("LINEBELOW", (0, 0), (-1, 0), 1.6, BRAND),
                ("BOTTOMPADDING", (0, 0), (-1, 0), 8),
            ]
        )
    )
    period = " – ".join(
        format_day(d, locale, "long") for d in (event["starts_on"], event["ends_on"]) if d
    )
    intro = _text(words["intro"] % {"event": event["name"]}, body)

    # --- who: the fair and the exhibitor
    who_rows = [
        [words["period"], f"{event['name']}" + (f" · {period}" if period else "")],
        [words["venue"], event["venue"] or "—"],
        [words["business"], exhibitor["name"]],
        [words["owner"], exhibitor["owner_name"] or "—"],
        [words["booth"], exhibitor["booth"]],
        [words["region"], exhibitor["region"] or "—"],
    ]
    if exhibitor["sentra"]:
        who_rows.append([words["sentra"], exhibitor["sentra"]])
    if exhibitor["npwp"]:
        who_rows.append([words["npwp"], exhibitor["npwp"]])
    who = Table(
        [
            [_text(k, _style(9, color=colors.HexColor("#555555"))), _text(v, body)]
            for k, v in who_rows
        ],
        colWidths=[W * 0.25, W * 0.75],
    )
    who.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
            ]
        )
    )

    # --- the headline: net sales large, then its parts
    headline = Table(
        [
            [
                words["net"],
                words["transactions"],
                words["gross"],
                words["discounts"],
                words["refunds"],
            ],
            [
                money(figures["net"]),
                format_count(figures["transactions"], locale),
                money(figures["gross"]),
                minus(figures["discounts"]),
                minus(figures["refunds"]),
            ],
        ],
        colWidths=[W * w for w in (0.28, 0.14, 0.2, 0.19, 0.19)],
    )
    headline.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, 0), FONT, 8),
                ("TEXTCOLOR", (0, 0), (-1, 0), colors.HexColor("#555555")),
                ("FONT", (0, 1), (-1, 1), BOLD, 11),
                ("FONT", (0, 1), (0, 1), BOLD, 15),
                ("TEXTCOLOR", (0, 1), (0, 1), BRAND),
                ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#eef5f4")),
                ("TOPPADDING", (0, 0), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 1), (-1, 1), 7),
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
            ]
        )
    )

    # --- by day
    rows = settlement_day_rows(figures, words, locale, currency)
    days = _table(rows, [W * w for w in (0.2, 0.12, 0.17, 0.16, 0.17, 0.18)])
    days.setStyle(
        TableStyle(
            [
                ("FONT", (0, -1), (-1, -1), BOLD, 9),
                ("LINEABOVE", (0, -1), (-1, -1), 0.8, colors.black),
            ]
        )
    )

    # --- by category and by payment method, side by side
    half = (W - 8 * mm) / 2

    def split(title: str, prefix: str, values: dict[str, int]) -> Table:
        lines = [[title, words["amount"]]]
        lines += [[words.get(f"{prefix}:{k}", k), money(v)] for k, v in values.items()]
        lines.append([words["total"], money(figures["net"])])
        table = _table(lines, [half * 0.6, half * 0.4])
        table.setStyle(
            TableStyle(
                [
                    ("FONT", (0, -1), (-1, -1), BOLD, 9),
                    ("LINEABOVE", (0, -1), (-1, -1), 0.8, colors.black),
                ]
            )
        )
        return table

    splits = Table(
        [
            [
                split(words["category"], "category", figures["by_category"]),
                split(words["method"], "method", figures["by_payment_method"]),
            ]
        ],
        colWidths=[half + 4 * mm, half + 4 * mm],
    )
    splits.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ALIGN", (1, 0), (1, 0), "RIGHT"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )

    # --- verification and issue: the QR code beside the words, the issuer below
    verify_text = [
        _text(words["verify_title"], _style(10, font=BOLD, color=BRAND)),
        Spacer(0, 1.5 * mm),
        _text(words["verify_text"], body),
        Spacer(0, 1.5 * mm),
        _text(url, _style(8.5, font=BOLD)),
        Spacer(0, 1.5 * mm),
        _text(f"{words['fingerprint']}: {fingerprint}", _style(8.5)),
    ]
    verification = Table(
        [[QRCode(url, QR_SIZE), verify_text]],
        colWidths=[QR_SIZE + 6 * mm, W - QR_SIZE - 6 * mm],
    )
    verification.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("BOX", (0, 0), (-1, -1), 0.8, BRAND),
                ("LEFTPADDING", (0, 0), (-1, -1), 6),
                ("TOPPADDING", (0, 0), (-1, -1), 6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    signature = Table(
        [
            [
                "",
                [
                    _text(f"{words['issued_on']}: {issued_on}", body),
                    _text(words["issued_by"], body),
                    Spacer(0, 4 * mm),
                    _text(issuer["name"], _style(10, font=BOLD)),
                    _text(office_lines[0], body),
                ],
            ]
        ],
        colWidths=[W * 0.45, W * 0.55],
    )
    signature.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0)]))

    story = [
        letterhead,
        Spacer(0, 5 * mm),
        intro,
        Spacer(0, 3 * mm),
        who,
        Spacer(0, 4 * mm),
        headline,
        Spacer(0, 5 * mm),
        _text(words["by_day"], _style(10, font=BOLD, color=BRAND)),
        Spacer(0, 1.5 * mm),
        days if figures["days"] else _text(words["no_sales"], body),
        Spacer(0, 5 * mm),
        KeepTogether([splits]),
        Spacer(0, 6 * mm),
        KeepTogether([verification, Spacer(0, 5 * mm), signature]),
        Spacer(0, 4 * mm),
        _text(words["electronic"], small),
    ]

    def footer(canvas, document) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 7.5)
        canvas.setFillColor(colors.HexColor("#666666"))
        canvas.setStrokeColor(GRID)
        canvas.line(MARGIN, 11 * mm, A4[0] - MARGIN, 11 * mm)
        canvas.drawString(
            MARGIN, 7.5 * mm, f"{words['title']} {snapshot['number']} · {fingerprint}"
        )
        canvas.drawRightString(A4[0] - MARGIN, 7.5 * mm, str(document.page))
        canvas.restoreState()

    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=14 * mm,
        bottomMargin=16 * mm,
        title=f"{words['title']} {snapshot['number']}",
        author=issuer["office"].split("\n")[0],
        subject=f"{exhibitor['booth']} · {exhibitor['name']} · {event['name']}",
    )
    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
